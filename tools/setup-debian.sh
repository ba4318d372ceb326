#!/usr/bin/env bash
# setup-debian.sh: installs everything Arbiter needs to build, run and test on Debian 12.
#
# This list is the one place that names the packages: .ci/run and tools/run-demo.sh both call
# this script. Run it as root (or as a user with sudo); it never asks a question.
#
# SPDX-License-Identifier: GPL-3.0-or-later
set -euo pipefail

packages=(
  # build
  meson ninja-build pkg-config gcc gettext python3
  # core libraries (db/, eval/, judges/)
  libglib2.0-dev libjson-c-dev libsqlite3-dev zlib1g-dev libcurl4-openssl-dev
  # the GUI (app/, widgets/) and charts
  libgtk-4-dev libadwaita-1-dev libmd4c-dev libsecret-1-dev libcairo2-dev libpango1.0-dev
  fonts-dejavu-core
  # GUI tests: a display, a session bus, real key events; checks of desktop file and metainfo
  xvfb xauth dbus xdotool desktop-file-utils appstream
  # looking into workspaces by hand, and the Python reference scripts
  sqlite3 python3-numpy python3-scipy python3-sklearn
  # the keyring path of judge endpoints, tested under a session bus
  gnome-keyring
)

missing () {
  local p
  for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
      echo "$p"
    fi
  done
}

if [ "${1:-}" = "--list" ]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  as_root=()
fi

export DEBIAN_FRONTEND=noninteractive
apt_ok=1
if [ "$(id -u)" -eq 0 ] || [ ${#as_root[@]} -gt 0 ]; then
  echo "setup-debian: apt-get update and install (${#packages[@]} packages)"
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null || apt_ok=0
  if [ "$apt_ok" = 1 ]; then
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
      --no-install-recommends -o Dpkg::Options::=--force-confdef \
      -o Dpkg::Options::=--force-confold "${packages[@]}" </dev/null || apt_ok=0
  fi
else
  echo "setup-debian: not root and no sudo: cannot install, only checking" >&2
  apt_ok=0
fi

still_missing=$(missing)
if [ -n "$still_missing" ]; then
  echo "setup-debian: these packages are not installed:" $still_missing >&2
  exit 1
fi
if [ "$apt_ok" = 0 ]; then
  echo "setup-debian: apt-get failed, but every package is installed already; going on" >&2
fi
echo "setup-debian: all packages are installed"
