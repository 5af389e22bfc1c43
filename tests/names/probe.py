#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Resolve names and use the answers at once, as a device does.

usage:
  probe.py SERVER PORT NAME... [--send DPORT]
      for each NAME: ask SERVER (UDP 53) for its A record, and with --send,
      send one UDP datagram to the first address, port DPORT, the moment
      the answer is read. Prints one line per name: "NAME ADDR" (ADDR "-"
      when there was no answer in 2 s).
  probe.py SERVER PORT --many FIRST N DPORT
      the same for nFIRST.many.test .. n(FIRST+N-1).many.test, one after
      the other.
  probe.py sink ADDR PORT READY SECONDS [FIRST]
      count UDP datagrams to ADDR:PORT (any address on a local route)
      until SECONDS of silence after the first, or FIRST seconds (default
      60) without any; prints the count and the distinct destination
      addresses, "COUNT DISTINCT".
Messages are written and read with scapy.
"""
import socket
import sys

from scapy.layers.dns import DNS, DNSQR


def resolve(s, server, name, qid):
    s.sendto(bytes(DNS(id=qid, rd=1, qd=DNSQR(qname=name, qtype="A"))), (server, 53))
    while True:
        try:
            data = s.recv(4096)
        except socket.timeout:
            return None
        # the device's hurry: an answer of one A record ends with its address,
        # taken at once (scapy's parse would add a millisecond of delay)
        if len(data) >= 16 and data[:2] == qid.to_bytes(2, "big") and \
                data[6:8] == b"\x00\x01" and data[-6:-4] == b"\x00\x04":
            return socket.inet_ntoa(data[-4:])
        m = DNS(data)
        if m.id != qid:
            continue
        for i in range(m.ancount):
            rr = m.an[i]
            if rr.type == 1:
                return rr.rdata
        return None


def probe(server, names, dport):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i, name in enumerate(names):
        addr = resolve(s, server, name, (i + 1) & 0xffff)
        if addr and dport:
            u.sendto(b"x" * 32, (addr, dport))
        print(name, addr or "-", flush=True)


def sink(addr, port, ready, quiet, first):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_IP, 8, 1)	# IP_PKTINFO: the destination address
    s.setsockopt(socket.SOL_IP, 19, 1)	# IP_FREEBIND
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((addr, int(port)))
    open(ready, "w").close()
    s.settimeout(float(first))
    n, dsts = 0, set()
    while True:
        try:
            _, anc, _, _ = s.recvmsg(2048, 256)
        except socket.timeout:
            break
        n += 1
        for lvl, typ, data in anc:
            if lvl == socket.SOL_IP and typ == 8:
                dsts.add(socket.inet_ntoa(data[8:12]))
        s.settimeout(float(quiet))
    print(n, len(dsts))


def main():
    a = sys.argv[1:]
    if a[0] == "sink":
        sink(a[1], a[2], a[3], a[4], a[5] if len(a) > 5 else 60)
        return
    server, port = a[0], int(a[1])
    del port
    if a[2] == "--many":
        first, n, dport = int(a[3]), int(a[4]), int(a[5])
        probe(server, ["n%d.many.test" % i for i in range(first, first + n)], dport)
        return
    dport = 0
    names = a[2:]
    if "--send" in names:
        i = names.index("--send")
        dport = int(names[i + 1])
        names = names[:i] + names[i + 2:]
    probe(server, names, dport)


if __name__ == "__main__":
    main()
