#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# UDP traffic of known size for the IPFIX test.
#   udp.py serve PORT...                      echo every datagram back (until killed)
#   udp.py send DST PORT COUNT SIZE [GAP_S]   COUNT datagrams of SIZE bytes, each
#                                             reply awaited; prints the replies
import select
import socket
import sys
import time

if sys.argv[1] == "serve":
    socks = []
    for p in sys.argv[2:]:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", int(p)))
        socks.append(s)
    while True:
        for s in select.select(socks, [], [])[0]:
            data, peer = s.recvfrom(65535)
            s.sendto(data, peer)
else:
    dst, port, count, size = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    gap = float(sys.argv[6]) if len(sys.argv) > 6 else 0
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((dst, port))
    s.settimeout(1)
    got = 0
    for i in range(count):
        s.send(bytes([i & 0xFF]) * size)
        try:
            if len(s.recv(65535)) == size:
                got += 1
        except socket.timeout:
            pass
        if gap:
            time.sleep(gap)
    print(got)
