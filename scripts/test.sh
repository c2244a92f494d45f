#!/bin/sh
# Run the whole test suite twice: a -Werror build, then the same tests under
# AddressSanitizer and UndefinedBehaviorSanitizer (halting on the first
# report). Ends with one line counting the individual test cases.
set -eu
cd "$(dirname "$0")/.."

./scripts/deps.sh

JOBS=$(nproc 2>/dev/null || echo 2)
status=0

run_suite() {
    dir=$1
    shift
    if [ ! -d "$dir" ]; then
        meson setup "$dir" --buildtype=debugoptimized -Dwerror=true "$@" >/dev/null
    fi
    meson compile -C "$dir" >/dev/null || { echo "build failed in $dir"; meson compile -C "$dir"; exit 1; }
    # meson test exits non-zero when a test fails; the count below says which.
    CMOCKA_MESSAGE_OUTPUT=TAP meson test -C "$dir" --num-processes "$JOBS" --print-errorlogs \
        || status=1
}

echo "== build with -Werror, run tests =="
run_suite build-test
echo "== build with AddressSanitizer + UndefinedBehaviorSanitizer, run tests =="
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    run_suite build-asan -Db_sanitize=address,undefined -Db_lundef=false

# Count the TAP cases of every test program of both runs.
/usr/bin/python3 scripts/count-tests.py build-test/meson-logs/testlog.json \
    build-asan/meson-logs/testlog.json || status=1
exit $status
