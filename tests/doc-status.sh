#!/bin/sh
# TAP: docs/api.md marks as served exactly what the server's tables serve.
echo "1..1"
if out=$(/usr/bin/python3 "$MENTO_SOURCE_ROOT/scripts/doc-status.py" --check 2>&1); then
    echo "ok 1 - docs/api.md says what is served"
else
    echo "not ok 1 - docs/api.md says what is served"
    echo "$out" | sed 's/^/# /'
fi
