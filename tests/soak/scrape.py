#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Scrape a /metrics URL at a fixed period until a deadline.

  scrape.py URL END PERIOD OUT   GET URL every PERIOD seconds until the Unix
                                 time END; each must answer 200 with a body
                                 holding modwall_up within 5 s

Writes "MADE ANSWERED" to OUT at the end (and to OUT.progress every
second), the slowest answer in seconds to OUT.slowest, and for every
answer "UNIXTIME process_open_fds process_resident_memory_bytes" (as the
daemon reported them) to OUT.health.
"""
import sys
import time
import urllib.request


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    url, end, period, out = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    made = answered = 0
    slowest = 0.0
    next_at = time.monotonic()
    last_note = 0.0
    health = open(out + ".health", "w")
    while time.time() < end:
        t0 = time.monotonic()
        made += 1
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                body = b"\n" + r.read()
                if r.status == 200 and b"\nmodwall_up " in body:
                    answered += 1
                    v = {}
                    for line in body.split(b"\n"):
                        if line.startswith((b"process_open_fds ",
                                            b"process_resident_memory_bytes ")):
                            k, x = line.split()
                            v[k] = x.decode()
                    health.write("%.3f %s %s\n" % (time.time(), v.get(b"process_open_fds", "-"),
                                 v.get(b"process_resident_memory_bytes", "-")))
                    health.flush()
        except OSError as e:
            sys.stderr.write("scrape %d: %s\n" % (made, e))
        slowest = max(slowest, time.monotonic() - t0)
        if t0 - last_note >= 1:
            with open(out + ".progress", "w") as f:
                f.write("%d %d\n" % (made, answered))
            last_note = t0
        next_at += period
        time.sleep(max(0.0, next_at - time.monotonic()))
    health.close()
    with open(out + ".slowest", "w") as f:
        f.write("%.3f\n" % slowest)
    with open(out, "w") as f:
        f.write("%d %d\n" % (made, answered))


if __name__ == "__main__":
    main()
