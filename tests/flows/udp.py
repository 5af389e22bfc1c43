#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""UDP exchanges for tests/flows/nat.sh, with exact counts.

usage:
  udp.py serve ADDR PORT NUP NDOWN SIZE READY
      bind ADDR:PORT, create the file READY, take NUP datagrams (30 s at
      most), then send NDOWN datagrams of SIZE bytes back to where they came
      from, as fast as the socket takes them; prints "RECEIVED SENT SECONDS"
      (SECONDS: from the first reply sent to the last)
  udp.py client SRC SPORT DST DPORT NUP SIZE NDOWN
      send NUP datagrams of SIZE bytes from SRC:SPORT, 2 ms apart, then
      count the replies until NDOWN came or 2 s pass without one; prints
      the count
  udp.py sink ADDR PORT READY
      bind ADDR:PORT, create READY, count datagrams until 2 s of silence
      after the first or 30 s without any; prints the count
  udp.py blast SRC SPORT DST DPORT N SIZE
      send N datagrams of SIZE bytes, 1 ms apart; prints N
"""
import socket
import sys
import time


def sock(addr, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((addr, int(port)))
    return s


def ready(path):
    open(path, "w").close()


def count(s, want, first_wait, gap):
    n = 0
    s.settimeout(first_wait)
    while want is None or n < want:
        try:
            s.recv(65536)
        except socket.timeout:
            break
        n += 1
        s.settimeout(gap)
    return n


def main(a):
    if a[0] == "serve":
        addr, port, nup, ndown, size, rdy = a[1], a[2], int(a[3]), int(a[4]), int(a[5]), a[6]
        s = sock(addr, port)
        ready(rdy)
        s.settimeout(30)
        peer, got = None, 0
        while got < nup:
            try:
                _, peer = s.recvfrom(65536)
            except socket.timeout:
                break
            got += 1
        sent, t0, t1 = 0, time.monotonic(), time.monotonic()
        if peer:
            payload = b"d" * size
            for k in range(ndown):
                s.sendto(payload, peer)
                if k == 0:
                    t0 = time.monotonic()
                sent += 1
            t1 = time.monotonic()
        print(got, sent, "%.6f" % (t1 - t0))
    elif a[0] == "client":
        src, sport, dst, dport = a[1], a[2], a[3], int(a[4])
        nup, size, ndown = int(a[5]), int(a[6]), int(a[7])
        s = sock(src, sport)
        for _ in range(nup):
            s.sendto(b"u" * size, (dst, dport))
            time.sleep(0.002)
        print(count(s, ndown, 2, 2) if ndown else 0)
    elif a[0] == "sink":
        s = sock(a[1], a[2])
        ready(a[3])
        print(count(s, None, 30, 2))
    elif a[0] == "blast":
        src, sport, dst, dport, n, size = a[1], a[2], a[3], int(a[4]), int(a[5]), int(a[6])
        s = sock(src, sport)
        for _ in range(n):
            s.sendto(b"b" * size, (dst, dport))
            time.sleep(0.001)
        print(n)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
