#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Query JSON for the shell suites (tests/lib.sh: mw_jq), with Debian's
python3 only, so the suites need no jq.

usage: jq.py [-f FILE] [--lines] EXPR [NAME=VALUE...]

The document is one JSON value read from stdin, or from FILE; with --lines
it is the list of the JSON values on each line (JSON Lines).

EXPR is either
  a path, starting with '.':  .   .count   .interfaces[0].prog_id
      .devices[-1].mac   .subjects[].name   ."odd key"
  optionally followed by one of '| length', '| keys', '| sort'. '[]'
  iterates: the rest of the path applies to each element, and each result
  is printed on its own line. A step that does not exist is an error.
or
  a Python expression over the document d, for anything a path cannot
  say; each NAME=VALUE is a string variable NAME, and json, sys, time and
  calendar are imported.

Output: each result as Python prints it (3, abc, True, None, ['a', 'b']).
Exit status: 0; 1 when the path or expression fails (the reason on
stderr); 2 on bad usage or input that is not JSON.
"""
import calendar  # noqa: F401 (for expressions)
import json
import re
import sys
import time  # noqa: F401 (for expressions)

STEP = re.compile(r'\.(?:([A-Za-z_][A-Za-z0-9_-]*)|"((?:[^"\\]|\\.)*)")|\[(-?\d*)\]')


def path(doc, expr):
    """Results of a path expression, as a list."""
    filt = None
    if "|" in expr:
        expr, filt = (s.strip() for s in expr.split("|", 1))
        if filt not in ("length", "keys", "sort"):
            raise ValueError("unknown filter '%s'" % filt)
    vals = [doc]
    pos = 0 if expr != "." else 1
    while pos < len(expr):
        m = STEP.match(expr, pos)
        if not m:
            raise ValueError("bad path at '%s'" % expr[pos:])
        pos = m.end()
        key = m.group(1) if m.group(1) is not None else m.group(2)
        if key is not None:
            vals = [v[key] for v in vals]
        elif m.group(3) == "":
            vals = [e for v in vals for e in (v.values() if isinstance(v, dict) else v)]
        else:
            vals = [v[int(m.group(3))] for v in vals]
    if filt == "length":
        vals = [len(v) for v in vals]
    elif filt:  # keys of an object, or a sorted list
        vals = [sorted(v) for v in vals]
    return vals


def main(argv):
    src, lines = sys.stdin, False
    while argv and argv[0] in ("-f", "--lines"):
        if argv[0] == "-f" and len(argv) > 1:
            src = open(argv[1])
            argv = argv[2:]
        elif argv[0] == "--lines":
            lines = True
            argv = argv[1:]
        else:
            break
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    expr, env = argv[0], {}
    for a in argv[1:]:
        if "=" not in a:
            print("jq.py: '%s' is not NAME=VALUE" % a, file=sys.stderr)
            return 2
        name, val = a.split("=", 1)
        env[name] = val
    try:
        text = src.read()
        doc = [json.loads(ln) for ln in text.splitlines() if ln.strip()] if lines else json.loads(text)
    except ValueError as e:
        print("jq.py: not JSON: %s" % e, file=sys.stderr)
        return 2
    try:
        if expr.startswith("."):
            out = path(doc, expr)
        else:
            # one namespace, so that comprehensions see d and the variables;
            # in parentheses, so that the expression may span lines
            scope = dict(globals(), d=doc, **env)
            out = [eval("(%s\n)" % expr, scope)]
    except Exception as e:  # the query failed: say why, print nothing
        print("jq.py: %s: %s: %s" % (expr.strip(), type(e).__name__, e), file=sys.stderr)
        return 1
    for v in out:
        print(v)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
