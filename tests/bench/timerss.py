#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""timerss.py OUT CMD...: run CMD; write "SECONDS MAXRSS_KIB" to OUT.

SECONDS: wall clock from just before the spawn to the child's exit (the
monotonic clock, to the microsecond; /usr/bin/time's %e has 10 ms steps),
about a millisecond more than CMD alone. MAXRSS_KIB: the child's peak
resident set, from /usr/bin/time -f %M when it is installed (CMD then runs
under it), else from wait4()'s rusage. The latter counts the address space
the child started in, this wrapper's, so it never reads below this
wrapper's own resident set (about 10 MB). Exits with CMD's status.
"""
import os
import sys
import time

TIME = "/usr/bin/time"


def main():
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    out, cmd = sys.argv[1], sys.argv[2:]
    rssfile = None
    if os.access(TIME, os.X_OK):
        rssfile = out + ".rss"
        cmd = [TIME, "-f", "%M", "-o", rssfile] + cmd
    t0 = time.monotonic()
    try:
        pid = os.posix_spawnp(cmd[0], cmd, os.environ)
    except OSError as e:
        sys.stderr.write("timerss.py: %s: %s\n" % (cmd[0], e.strerror))
        return 127
    _, status, ru = os.wait4(pid, 0)
    secs = time.monotonic() - t0
    rss = ru.ru_maxrss
    if rssfile:
        try:
            with open(rssfile) as f:
                rss = int(f.read().split()[-1])
        except (OSError, ValueError, IndexError):
            pass
        else:
            os.unlink(rssfile)
    with open(out, "w") as f:
        f.write("%.6f %d\n" % (secs, rss))
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
