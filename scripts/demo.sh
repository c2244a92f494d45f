#!/bin/sh
# Install what is missing, build, and start the demo: a mentod on loopback
# with a fresh database of generated participants. Ctrl-C stops it.
set -eu
cd "$(dirname "$0")/.."
./scripts/deps.sh
[ -d build ] || meson setup build --buildtype=debugoptimized >/dev/null
meson compile -C build >/dev/null
exec ./build/src/server/mentod --demo "$@"
