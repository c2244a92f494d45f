#!/bin/sh
# The notes' figures (see tests/bench/notes_bench.c): unlock with the default
# Argon2id parameters, save a note, open the list of 1,000 notes.
# Usage: tests/bench/notes.sh [NOTES]
set -eu
cd "$(dirname "$0")/../.."
[ -d build-bench ] || meson setup build-bench --buildtype=release >/dev/null
meson configure build-bench -Dtests=auto >/dev/null
meson compile -C build-bench >/dev/null
exec ./build-bench/tests/notes-bench "$@"
