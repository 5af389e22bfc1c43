#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Load on the daemon's /metrics endpoint.

  http_load.py slow URL N HOLD   N clients that send one header line every
                                 3 s for HOLD seconds; meanwhile one normal
                                 scrape, which must answer within 2 s
  http_load.py burst URL N       N scrapes at once, each with 30 s to answer
  http_load.py storm URL S N     S slow clients (as above) and N clients that
                                 scrape in a loop for about 3 s; meanwhile
                                 curl, another process, scrapes three times
                                 and must be answered within 1 s each; every
                                 GET must be answered (30 s each)

Prints what happened, one line; exits 0 when every scrape it checks was
answered with a /metrics body in time.
"""
import socket
import sys
import threading
import time
import urllib.parse
import urllib.request

SCRAPE_LIMIT_S = 2.0


def scrape(url, timeout):
    """Seconds a GET of @url took, or None; the body must be the metrics."""
    t0 = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            body = r.read()
            if r.status != 200 or b"\nmodwall_up " not in b"\n" + body:
                return None
    except OSError:
        return None
    return time.monotonic() - t0


def still_connected(socks):
    """How many of @socks are connected and unanswered (nothing to read yet)."""
    kept = 0
    for s in socks:
        s.setblocking(False)
        try:
            s.recv(1)
        except BlockingIOError:
            kept += 1
        except OSError:
            pass
    return kept


def slow(url, n, hold):
    u = urllib.parse.urlsplit(url)
    socks = []
    for _ in range(n):
        s = socket.create_connection((u.hostname, u.port), timeout=5)
        s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\n" % (u.path, u.netloc)).encode())
        socks.append(s)
    stop = time.monotonic() + hold
    took = None
    sent = 0
    while time.monotonic() < stop:
        if took is None and time.monotonic() > stop - hold + 1:
            took = scrape(url, SCRAPE_LIMIT_S)
            if took is None:
                took = -1.0
        for s in socks:
            try:
                s.sendall(b"X-Slow: %d\r\n" % sent)
            except OSError:
                pass
        sent += 1
        time.sleep(3)
    # still connected and unanswered: a slow client is neither served nor dropped early
    kept = still_connected(socks)
    for s in socks:
        s.close()
    ok = took is not None and 0 <= took <= SCRAPE_LIMIT_S
    print("%d slow clients (%d still connected after %d header lines each): scrape %s"
          % (n, kept, sent, "answered in %.3f s" % took if ok else "not answered within %.0f s"
             % SCRAPE_LIMIT_S))
    return ok


def burst(url, n):
    res = [None] * n
    start = threading.Barrier(n)

    def one(i):
        start.wait()
        res[i] = scrape(url, 30)

    ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    done = [r for r in res if r is not None]
    print("%d concurrent scrapes: %d answered, slowest %.3f s"
          % (n, len(done), max(done) if done else 0))
    return len(done) == n


STORM_LIMIT_S = 1.0


def storm(url, nslow, n):
    """@nslow slow clients and @n clients scraping in a loop; curl timed meanwhile."""
    import resource
    import subprocess
    # the client side needs a descriptor per connection too
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = nslow + n + 64
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    u = urllib.parse.urlsplit(url)
    socks = []
    for _ in range(nslow):
        s = socket.create_connection((u.hostname, u.port), timeout=5)
        s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\n" % (u.path, u.netloc)).encode())
        socks.append(s)
    lock = threading.Lock()
    st = {"made": 0, "ok": 0, "busy": 0, "slowest": 0.0}
    stop = threading.Event()
    start = threading.Barrier(n + 1)

    def one():
        start.wait()
        while not stop.is_set():
            with lock:
                st["busy"] += 1
            took = scrape(url, 30)
            with lock:
                st["busy"] -= 1
                st["made"] += 1
                if took is not None:
                    st["ok"] += 1
                    st["slowest"] = max(st["slowest"], took)

    def trickle():
        # a header line every 2 s: under the server's idle timeout, never a full request
        k = 0
        while not stop.wait(2):
            for s in socks:
                try:
                    s.sendall(b"X-Slow: %d\r\n" % k)
                except OSError:
                    pass
            k += 1

    ts = [threading.Thread(target=one) for _ in range(n)]
    for t in ts:
        t.start()
    start.wait()
    tr = threading.Thread(target=trickle)
    tr.start()
    timed = []
    busy = []
    for _ in range(3):
        time.sleep(1)
        with lock:
            busy.append(st["busy"])
        # timed by curl itself: this process's threads do not skew it
        r = subprocess.run(["curl", "-s", "-o", "/dev/null", "--max-time", "10", "-w",
                            "%{http_code} %{size_download} %{time_total}", url],
                           capture_output=True, text=True)
        try:
            code, size, took = r.stdout.split()
            timed.append(float(took) if code == "200" and int(size) > 0 else -1.0)
        except ValueError:
            timed.append(-1.0)
    kept = still_connected(socks)  # while the load ran
    stop.set()
    for t in ts:
        t.join()
    tr.join()
    for s in socks:
        s.close()
    timed_ok = all(0 <= x <= STORM_LIMIT_S for x in timed)
    print("%d slow clients (%d still connected), %d clients scraping in a loop (%d GETs, %d "
          "answered, slowest %.3f s; %s in flight at each timed scrape): curl's scrapes "
          "answered in %s s (limit %.1f s)"
          % (nslow, kept, n, st["made"], st["ok"], st["slowest"], "/".join(map(str, busy)),
             "/".join("%.3f" % x if x >= 0 else "never" for x in timed), STORM_LIMIT_S))
    # The slow clients are there to hold connections while the storm runs. Whether
    # they are still connected at the end is not asked: with a thousand threads
    # scraping, this process may send their next header line later than the
    # server's idle timeout, and closing an idle connection is what it should do.
    return timed_ok and st["made"] == st["ok"]


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "slow":
        ok = slow(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    elif len(sys.argv) == 5 and sys.argv[1] == "storm":
        ok = storm(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif len(sys.argv) == 4 and sys.argv[1] == "burst":
        ok = burst(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(__doc__)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
