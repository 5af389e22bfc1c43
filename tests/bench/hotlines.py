#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Profile of a BPF program by source line, from perf samples and the line
# table `xdpbench --lines` writes (JIT address -> file:line and source).
# Samples outside the program count only when the program called what
# they are in (a helper): they go to the calling line, marked [in helper].
# Usage: hotlines.py LINES PERF_DATA [TOP]
import bisect
import collections
import re
import subprocess
import sys

JIT_SYM = re.compile(r"^bpf_prog_[0-9a-f]{16}_")


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: hotlines.py LINES PERF_DATA [TOP]")
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 15
    table = []
    try:
        f = open(sys.argv[1])
    except OSError as e:
        sys.exit(f"  no line table: {e}")
    with f:
        for row in f:
            addr, loc, *src = row.rstrip("\n").split(" ", 2)
            table.append((int(addr, 16), loc, src[0] if src else ""))
    table.sort()
    addrs = [t[0] for t in table]

    def line_of(ip):
        i = bisect.bisect_right(addrs, ip) - 1
        return table[i] if i >= 0 and ip - addrs[i] < 4096 else None

    out = subprocess.run(["perf", "script", "-i", sys.argv[2], "-F", "ip,sym"],
                         capture_output=True, text=True).stdout
    samples, cur = [], []
    for row in out.splitlines():
        f = row.split()
        if not f:
            if cur:
                samples.append(cur)
            cur = []
            continue
        try:
            cur.append((int(f[0], 16), f[1] if len(f) > 1 else "?"))
        except ValueError:
            continue
    if cur:
        samples.append(cur)

    n, by_line, by_callee = 0, collections.Counter(), collections.Counter()
    for s in samples:
        k = next((i for i, (_, sym) in enumerate(s) if JIT_SYM.match(sym)), None)
        if k is None:
            continue
        n += 1
        ip, sym = s[k]
        w = line_of(ip)
        loc, src = (w[1], w[2]) if w else (sym, "")
        if k == 0:
            by_line[(loc, src)] += 1
            by_callee["(the program's own code)"] += 1
        else:
            helper = s[k - 1][1].split("+")[0]
            by_line[(loc, src + "   [in " + helper + "]")] += 1
            by_callee[helper] += 1
    if not n:
        print("  no samples in the program")
        return
    print(f"  {n} samples in the program and the helpers it calls")
    for (loc, src), c in by_line.most_common(top):
        print(f"  {100 * c / n:5.1f}%  {loc:20} {src[:100]}")
    print("  by where the time is spent:")
    for name, c in by_callee.most_common(6):
        print(f"  {100 * c / n:5.1f}%  {name}")


main()
