#!/usr/bin/python3
"""Count individual test cases from meson's testlog.json files.

Every test program speaks TAP; each "ok" / "not ok" line is one case. A
program that failed without reporting a failing case (a crash, a sanitizer
abort, a timeout) counts as one more failed case, so nothing is hidden.
Prints "N passed, N failed" as the last line; exits 1 if anything failed.
"""
import json
import re
import sys

OK = re.compile(r"^ok\b")
NOT_OK = re.compile(r"^not ok\b")


def count(path):
    passed = failed = 0
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            t = json.loads(line)
            out = t.get("stdout") or ""
            p = sum(1 for l in out.splitlines() if OK.match(l.strip()))
            n = sum(1 for l in out.splitlines() if NOT_OK.match(l.strip()))
            if t.get("result") not in ("OK", "EXPECTEDFAIL", "SKIP") and n == 0:
                n = 1
                print("FAILED without a failing case: %s (%s)" % (t.get("name"), t.get("result")))
            passed += p
            failed += n
    return passed, failed


def main():
    passed = failed = 0
    for path in sys.argv[1:]:
        p, n = count(path)
        print("%s: %d passed, %d failed" % (path, p, n))
        passed += p
        failed += n
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
