#!/bin/sh
# Benchmark: mentod serving filtered directory pages of the demo database.
# Prints requests per second and p50/p99 latency with 64 keep-alive
# connections (wrk), and the size of one gzip'd page of 50 mentors.
# Targets: >= 5000 requests/s, p99 < 20 ms, one page < 8 KB gzip'd.
# Usage: tests/bench/directory.sh [BUILD_DIR] (default build-bench, made here)
set -eu
cd "$(dirname "$0")/../.."
BUILD=${1:-build-bench}
DURATION=${BENCH_SECONDS:-10}

command -v wrk >/dev/null || { echo "wrk is missing: scripts/deps.sh installs it" >&2; exit 1; }
# The same release build as tests/bench/client.sh, whose programs need tests.
if [ ! -d "$BUILD" ]; then
    meson setup "$BUILD" --buildtype=release >/dev/null
fi
meson compile -C "$BUILD" >/dev/null
MENTOD="$BUILD/src/server/mentod"

work=$(mktemp -d)
pid=""
port=""
base=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

"$MENTOD" seed --db "$work/bench.db" --seed 42 --participants 2400 > "$work/seed.txt"
mentee=$(sed -n 's/.*: \([^ ]*\) (mentee).*/\1/p' "$work/seed.txt")
password=$(sed -n 's/.*password "\([^"]*\)".*/\1/p' "$work/seed.txt")
start_server() { # $1: page cache on or off
    rm -f "$work/port"
    "$MENTOD" --db "$work/bench.db" --port 0 --port-file "$work/port" --threads 2 \
        --page-cache "$1" --log "$work/access.log" &
    pid=$!
    i=0
    while [ ! -s "$work/port" ]; do
        i=$((i + 1)); [ $i -gt 100 ] && { echo "mentod did not start" >&2; exit 1; }
        sleep 0.1
    done
    port=$(cat "$work/port")
    base="http://127.0.0.1:$port"
}
stop_server() {
    kill "$pid" && wait "$pid" || true
    pid=""
}

measure() { # $1: label
    wrk -t2 -c64 -d"${DURATION}s" --latency -H "Authorization: Bearer $token" \
        -H 'Accept-Encoding: gzip' "$url" > "$work/wrk.txt"
    rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
    p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.txt")
    p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
    errors=$(grep -E 'Non-2xx|Socket errors' "$work/wrk.txt" || true)
    echo "$1: $rps requests/s, latency p50 $p50, p99 $p99"
    [ -z "$errors" ] || echo "  errors: $errors"
}

start_server true
token=$(curl -sf -H 'Content-Type: application/json' \
    -d "{\"email\":\"$mentee\",\"password\":\"$password\"}" "$base/v1/auth/login" |
    sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
[ -n "$token" ] || { echo "login failed" >&2; exit 1; }

url="$base/v1/programmes/together/mentors?language=en&per_page=50&page=2"
curl -sf -H "Authorization: Bearer $token" -H 'Accept-Encoding: gzip' -o "$work/page.gz" "$url"
plain=$(curl -sf -H "Authorization: Bearer $token" "$url" | wc -c)
gz=$(wc -c < "$work/page.gz")
items=$(gzip -dc "$work/page.gz" | grep -o '"user_id"' | wc -l)

echo "mentod directory benchmark: $(nproc) cores shared by wrk and mentod (2 threads),"
echo "demo database (2400 participants), 64 keep-alive connections, ${DURATION}s each"
echo "page: /v1/programmes/together/mentors?language=en&per_page=50&page=2 (gzip)"
echo "one page: $items mentors, $plain bytes plain, $gz bytes gzip'd (target < 8192)"
echo "targets: >= 5000 requests/s, p99 < 20ms"
measure "page cache on (the default)"
stop_server
start_server false
url="$base/v1/programmes/together/mentors?language=en&per_page=50&page=2"
measure "page cache off (every request filters, scores, renders, gzips)"
stop_server
exit 0
