#!/usr/bin/env bash
# update-screenshots.sh: makes docs/screenshot-*.png again from the GUI test, under Xvfb.
#
# The pictures are the window as the tests leave it: the demo workspace's overview, the toast of
# a broken import, the welcome page with the recent workspaces (test-window); the compare page,
# a comparison with a table, code and a 200 000-character line, and the review page
# (test-compare).
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build/build.ninja ] || meson setup build
ninja -C build
mkdir -p docs
dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" \
  env GDK_BACKEND=x11 GSK_RENDERER=cairo GTK_A11Y=none GSETTINGS_BACKEND=memory NO_AT_BRIDGE=1 \
      GSETTINGS_SCHEMA_DIR=build/data ARB_CLI=build/app/arbiter-cli ARB_TEST_SERVER=build/tests/arb-test-server G_TEST_BUILDDIR=build/tests \
      ARB_SCREENSHOT_DIR="$PWD/docs" \
  ARB_SHARED_DATA="$(cd .. && pwd)/shared/data" \
  bash -c 'build/tests/gui/test-window && build/tests/gui/test-compare && build/tests/gui/test-dashboard && build/tests/gui/test-judges && build/tests/gui/test-export && build/tests/gui/test-spans-steps && build/tests/gui/test-span-view'
ls -l docs/screenshot-*.png
