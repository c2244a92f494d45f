#!/bin/sh
# Crash safety of the notes at the benchmark's scale: the notes test's helper
# saves and syncs notes against a real mentod and is killed with SIGKILL at
# random moments, 1,000 times (the test suite does 200); afterwards no note
# may be lost or duplicated and both databases must pass integrity_check.
# Prints the test's own figure line. Usage: tests/bench/notes_crash.sh [KILLS]
set -eu
cd "$(dirname "$0")/../.."
KILLS=${1:-1000}
[ -d build-bench ] || meson setup build-bench --buildtype=release >/dev/null
meson configure build-bench -Dtests=auto >/dev/null
meson compile -C build-bench >/dev/null
out=$(mktemp)
trap 'rm -f "$out"' EXIT
status=0
NOTES_KILLS=$KILLS CMOCKA_MESSAGE_OUTPUT=TAP MENTOD=build-bench/src/server/mentod \
    NOTES_HELPER=build-bench/tests/notes-crash-helper \
    ./build-bench/tests/test-client_notes > "$out" 2>&1 || status=1
grep -E "kill -9|^not ok" "$out" || true
grep -q "^not ok" "$out" && status=1
[ "$status" -eq 0 ] && echo "crash safety: $KILLS kills, nothing lost, nothing duplicated, integrity ok"
exit $status
