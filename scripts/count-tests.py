#!/usr/bin/python3
"""Count individual test cases from meson's testlog.json files.

Every test program speaks TAP; each "ok" / "not ok" line is one case. A
program that failed without reporting a failing case (a crash, a sanitizer
abort, a timeout) counts as one more failed case, so nothing is hidden.
Prints "N passed, N failed, N skipped" as the last line; exits 1 if anything failed.
"""
import json
import re
import sys

OK = re.compile(r"^ok\b")
NOT_OK = re.compile(r"^not ok\b")
SKIP = re.compile(r"#\s*SKIP\b", re.IGNORECASE)


def count(path):
    passed = failed = skipped = 0
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            t = json.loads(line)
            out = t.get("stdout") or ""
            lines = [l.strip() for l in out.splitlines()]
            s = sum(1 for l in lines if (OK.match(l) or NOT_OK.match(l)) and SKIP.search(l))
            p = sum(1 for l in lines if OK.match(l) and not SKIP.search(l))
            n = sum(1 for l in lines if NOT_OK.match(l) and not SKIP.search(l))
            if t.get("result") not in ("OK", "EXPECTEDFAIL", "SKIP") and n == 0:
                n = 1
                print("FAILED without a failing case: %s (%s)" % (t.get("name"), t.get("result")))
            passed += p
            failed += n
            skipped += s
    return passed, failed, skipped


def main():
    passed = failed = skipped = 0
    for path in sys.argv[1:]:
        p, n, s = count(path)
        print("%s: %d passed, %d failed, %d skipped" % (path, p, n, s))
        passed += p
        failed += n
        skipped += s
    if skipped:
        print("%d skipped (not counted as passed)" % skipped)
    # The last line, exactly "N passed, N failed".
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
