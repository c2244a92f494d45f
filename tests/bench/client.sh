#!/bin/sh
# The client's figures (see tests/bench/client_bench.c): first frame, filter
# speed and memory at 100,000 mentors, sync costs against a demo mentod.
set -eu
cd "$(dirname "$0")/../.."
[ -d build-bench ] || meson setup build-bench --buildtype=release >/dev/null
# A build dir made without the test programs (older scripts did) gets them.
meson configure build-bench -Dtests=auto >/dev/null
meson compile -C build-bench >/dev/null
./build-bench/tests/client-bench ./build-bench/src/client/mento ./build-bench/src/server/mentod
exec ./build-bench/tests/keylatency ./build-bench/src/client/mento ./build-bench/src/server/mentod \
    ./build-bench/tests/tools/linkemu
