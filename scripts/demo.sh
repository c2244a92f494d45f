#!/bin/sh
# Install what is missing, build, and open the demo: mento --demo starts a
# mentod on a free loopback port with a fresh database of generated
# participants, logs in as the demo mentee and opens the full-screen client.
# q quits; the demo server stops with it.
set -eu
cd "$(dirname "$0")/.."
./scripts/deps.sh
[ -d build ] || meson setup build --buildtype=debugoptimized >/dev/null
meson compile -C build >/dev/null
exec ./build/src/client/mento --demo "$@"
