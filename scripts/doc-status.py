#!/usr/bin/python3
"""Keep the Served/Planned marks of docs/api.md true to the code.

Reads the route tables (`{"METHOD", "/v1/...", handler, flags}`), the sync
operation tables (`{"type", handler}`) and the sync collections the modules
add (`"changes"` keys), then rewrites in docs/api.md:

- the State column of the endpoint index (section 2),
- the "**Planned.**" mark under each endpoint heading that is served,
- the "**State: Planned.**" line of a section whose endpoints are all served,
- the State column of the sync operation and collection tables,
- the "(P)" mark of an error code that the server now sends.

    /usr/bin/python3 scripts/doc-status.py          # rewrite docs/api.md
    /usr/bin/python3 scripts/doc-status.py --check  # exit 1 if it would change
"""
import glob
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
DOC = os.path.join(ROOT, "docs", "api.md")


def served():
    routes, ops, texts = set(), set(), ""
    for path in glob.glob(os.path.join(ROOT, "src", "server", "*.c")):
        text = open(path, encoding="utf-8").read()
        texts += text
        for m in re.finditer(r'\{"(GET|POST|PUT|PATCH|DELETE)",\s*"(/v1[^"]*)"', text):
            routes.add((m.group(1), m.group(2)))
        for m in re.finditer(r'\{"([a-z_]+\.[a-z_]+)",\s*\w+\}', text):
            ops.add(m.group(1))
    return routes, ops, texts


def pattern_of(doc_path):
    """/v1/programmes/{id}/requests/{request_id} -> /v1/programmes/{}/requests/{}"""
    return re.sub(r"\{[a-z_]+\}", "{}", doc_path)


def main():
    check = "--check" in sys.argv
    routes, ops, code = served()
    doc = open(DOC, encoding="utf-8").read()
    out = []
    heading_served = None
    for line in doc.split("\n"):
        # The endpoint index: | GET | `/v1/...` | who | State |
        m = re.match(r"\| (GET|POST|PUT|PATCH|DELETE) \| `(/v1[^`]*)` \| (.*) \| (Planned|Served) \|$",
                     line)
        if m:
            state = "Served" if (m.group(1), pattern_of(m.group(2))) in routes else "Planned"
            line = "| %s | `%s` | %s | %s |" % (m.group(1), m.group(2), m.group(3), state)
        # An endpoint heading, then its mark on a following line.
        h = re.match(r"### `(GET|POST|PUT|PATCH|DELETE) (/v1[^`]*)`", line)
        if h:
            heading_served = (h.group(1), pattern_of(h.group(2))) in routes
        elif line.startswith("#"):
            heading_served = None
        if heading_served and line.startswith("**Planned.** "):
            line = line[len("**Planned.** "):]
        elif heading_served and line == "**Planned.**":
            line = None
        # Sync operations: | `type` | ... | P |
        o = re.match(r"\| `([a-z_]+\.[a-z_]+)` \| (.*) \| (P|Served) \|$", line or "")
        if o:
            line = "| `%s` | %s | %s |" % (o.group(1), o.group(2),
                                          "Served" if o.group(1) in ops else "P")
        # Sync collections: | `name` | content | P |
        c = re.match(r"\| `([a-z_]+)` \| (.*) \| (P|Served) \|$", line or "")
        if c and not o:
            added = re.search(r'\(\s*changes,\s*"%s"' % re.escape(c.group(1)), code) is not None
            line = "| `%s` | %s | %s |" % (c.group(1), c.group(2), "Served" if added else "P")
        # Error codes: | `code` (P) | status | meaning |
        e = re.match(r"\| `([a-z_]+)` \(P\) \|(.*)$", line or "")
        # Sent when a handler answers with it: (resp, status, "code", ...) or
        # a helper's (resp, "code", ...).
        if e and re.search(r'\(\s*(resp|r),\s*(\d+,\s*)?"%s"' % re.escape(e.group(1)), code):
            line = "| `%s` |%s" % (e.group(1), e.group(2))
        if line is not None:
            out.append(line)
    text = "\n".join(out)
    # A section whose endpoints are all served loses its planned state.
    sections = re.split(r"(?m)^(?=## )", text)
    for i, sec in enumerate(sections):
        eps = re.findall(r"### `(GET|POST|PUT|PATCH|DELETE) (/v1[^`]*)`", sec)
        if eps and all((m, pattern_of(p)) in routes for m, p in eps):
            sections[i] = sec.replace("**State: Planned.**\n\n", "", 1)
    text = "".join(sections)
    if check:
        if text != doc:
            print("docs/api.md does not say what is served: run scripts/doc-status.py")
            return 1
        return 0
    if text != doc:
        open(DOC, "w", encoding="utf-8").write(text)
        print("docs/api.md updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
