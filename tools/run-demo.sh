#!/usr/bin/env bash
# run-demo.sh: sets up a Debian 12 machine, builds Arbiter and opens the demo workspace in it.
#
# The demo workspace is build/demo.arbiter, made on first use from data/demo/demo.jsonl (36
# prompts, 4 systems, verdicts of two annotators and a gold rater; see data/demo/README.md).
# It is never deleted: labels made in it stay. When the demo data is newer than the workspace it
# is imported again, which adds only what is new (imports are idempotent).
#
# Without a display (no DISPLAY or WAYLAND_DISPLAY) it prints what the workspace holds with
# `arbiter-cli info` instead, and says how to open it.
#
#   ARB_DEMO_WS=path        use another workspace file
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
demo=data/demo/demo.jsonl

if [ ! -e "$ws" ]; then
  "$cli" init "$ws"
  if ! "$cli" import "$ws" "$demo"; then
    rm -f "$ws" "$ws-wal" "$ws-shm"   # made just now, holds nothing of anyone's
    exit 1
  fi
elif [ "$demo" -nt "$ws" ]; then
  "$cli" import "$ws" "$demo"
fi

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec build/app/arbiter "$ws"
fi
"$cli" info "$ws"
echo "run-demo: no display here; on a desktop, open it with: build/app/arbiter $ws" >&2
