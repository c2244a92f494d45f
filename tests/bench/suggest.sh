#!/bin/sh
# Benchmark: pairing suggestions for the IOM cohort of seeded databases of
# growing size, every applicant selected. Prints the candidates, the answer's
# size and the time of GET .../admin/pairings/suggestions (best of 3), and
# mentod's peak resident memory.
# Usage: tests/bench/suggest.sh [BUILD_DIR] (default build-bench, made here)
set -eu
cd "$(dirname "$0")/../.."
BUILD=${1:-build-bench}
SIZES=${BENCH_SIZES:-2400 10000 20000 40000}

# The same release build as tests/bench/client.sh, whose programs need tests.
if [ ! -d "$BUILD" ]; then
    meson setup "$BUILD" --buildtype=release >/dev/null
fi
meson compile -C "$BUILD" >/dev/null
MENTOD="$BUILD/src/server/mentod"
ADMIN=admin@demo.mento.example
PASSWORD=mento-demo-2026

work=$(mktemp -d)
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

echo "mentod pairing suggestions benchmark ($(nproc) cores): seeded databases, every IOM"
echo "applicant selected; time of one GET .../admin/pairings/suggestions, best of 3"
for n in $SIZES; do
    db="$work/s$n.db"
    "$MENTOD" seed --db "$db" --seed 42 --participants "$n" >/dev/null
    "$MENTOD" appoint --db "$db" --programme iom-2025 --email "$ADMIN" >/dev/null
    /usr/bin/python3 - "$db" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE memberships SET status = 'selected' WHERE programme_id = 'iom-2025'"
           " AND status = 'applied'")
db.commit()
EOF
    rm -f "$work/port"
    "$MENTOD" --db "$db" --port 0 --port-file "$work/port" --log "$work/log" &
    pid=$!
    i=0
    while [ ! -s "$work/port" ]; do
        i=$((i + 1)); [ $i -gt 100 ] && { echo "mentod did not start" >&2; exit 1; }
        sleep 0.1
    done
    base="http://127.0.0.1:$(cat "$work/port")"
    token=$(curl -sf -H 'Content-Type: application/json' \
        -d "{\"email\":\"$ADMIN\",\"password\":\"$PASSWORD\"}" "$base/v1/auth/login" |
        sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
    best=""
    code=200
    for _ in 1 2 3; do
        out=$(curl -s -o "$work/out.json" -w '%{http_code} %{time_total}' \
            -H "Authorization: Bearer $token" \
            "$base/v1/programmes/iom-2025/admin/pairings/suggestions")
        code=${out% *}
        t=${out#* }
        best=$(echo "$t ${best:-$t}" | awk '{print ($1 < $2) ? $1 : $2}')
    done
    if [ "$code" != 200 ]; then
        printf '%6s participants: refused with %s %s in %.0f ms\n' "$n" "$code" \
            "$(sed -n 's/.*"code":"\([^"]*\)".*/\1/p' "$work/out.json")" \
            "$(echo "$best" | awk '{print $1 * 1000}')"
        kill "$pid" && wait "$pid" || true
        pid=""
        continue
    fi
    summary=$(/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(len(d["items"]) + len(d["unassigned_mentees"]), len(d["items"]), d["total_score"])
' "$work/out.json")
    set -- $summary
    rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
    kill "$pid" && wait "$pid" || true
    pid=""
    printf '%6s participants: %5s candidate mentees, %5s pairs suggested (total score %s), %.0f ms, mentod peak RSS %d MB\n' \
        "$n" "$1" "$2" "$3" "$(echo "$best" | awk '{print $1 * 1000}')" "$((rss / 1024))"
done
