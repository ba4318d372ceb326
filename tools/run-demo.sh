#!/usr/bin/env bash
# run-demo.sh: sets up a Debian 12 machine, builds Arbiter and opens the demo workspace.
#
# The demo workspace is build/demo.arbiter, made once from data/demo/demo.jsonl (or, until that
# exists, from the HH-RLHF sample in ../shared/data). Until the GUI exists this shows what the
# workspace holds with `arbiter-cli info`; once build/app/arbiter is built and a display is there,
# it opens the workspace in it.
#
#   ARB_DEMO_WS=path        use another workspace file
#   ARB_SHARED_DATA=dir     where the public sample data sets are (default ../shared/data)
#   ARB_SKIP_SETUP=1        do not run tools/setup-debian.sh (packages are installed already)
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if [ "${ARB_SKIP_SETUP:-0}" != 1 ]; then
  bash tools/setup-debian.sh
fi

if [ -f build/build.ninja ]; then
  ninja -C build
else
  meson setup build
  ninja -C build
fi

cli=build/app/arbiter-cli
ws=${ARB_DEMO_WS:-build/demo.arbiter}
shared=${ARB_SHARED_DATA:-$(cd "$root/.." && pwd)/shared/data}

if [ -f data/demo/demo.jsonl ]; then
  sources=(data/demo/demo.jsonl)
else
  sources=("$shared"/hh_rlhf_harmless_base/harmless-base/*.jsonl.gz)
fi

# Made once; made again when its data is newer (e.g. data/demo/demo.jsonl arrived).
if [ -e "$ws" ] && [ -f "${sources[0]}" ] && [ "${sources[0]}" -nt "$ws" ]; then
  rm -f "$ws" "$ws-wal" "$ws-shm"
fi
if [ ! -e "$ws" ]; then
  if [ ! -f "${sources[0]}" ]; then
    echo "run-demo: no demo data: no data/demo/demo.jsonl, no $shared/hh_rlhf_harmless_base" >&2
    exit 1
  fi
  "$cli" init "$ws"
  if ! "$cli" import "$ws" "${sources[@]}"; then
    rm -f "$ws" "$ws-wal" "$ws-shm"
    exit 1
  fi
fi

if [ -x build/app/arbiter ] && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec build/app/arbiter "$ws"
fi
"$cli" info "$ws"
