#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# A small IPFIX (RFC 7011) collector for the test: reads messages on a UDP
# port, learns templates, and prints one line per data record with the
# fields nfdump does not show (flowEndReason, interfaceName, MACs):
#
#   name reason dir src dst sport dport proto icmp smac dmac packets bytes start end
#
# Usage: decode.py PORT OUT (until SIGTERM; OUT is flushed after every message).
import ipaddress
import signal
import socket
import struct
import sys

NAMES = {1: "octets", 2: "packets", 4: "proto", 7: "sport", 8: "src4", 11: "dport",
         12: "dst4", 27: "src6", 28: "dst6", 32: "icmp", 139: "icmp", 56: "smac",
         80: "dmac", 61: "dir", 82: "name", 136: "reason", 152: "start", 153: "end"}


def varlen(data, off):
    n = data[off]
    off += 1
    if n == 255:
        n = struct.unpack_from("!H", data, off)[0]
        off += 2
    return off, n


def decode(msg, templates, out):
    version, length, _, _, domain = struct.unpack_from("!HHIII", msg, 0)
    if version != 10 or length != len(msg):
        print("bad message", version, length, len(msg), file=sys.stderr)
        return
    off = 16
    while off + 4 <= length:
        sid, slen = struct.unpack_from("!HH", msg, off)
        end = off + slen
        p = off + 4
        if sid == 2:
            while p + 4 <= end:
                tid, count = struct.unpack_from("!HH", msg, p)
                p += 4
                fields = []
                for _ in range(count):
                    ie, flen = struct.unpack_from("!HH", msg, p)
                    p += 4
                    if ie & 0x8000:
                        p += 4
                    fields.append((ie & 0x7FFF, flen))
                templates[(domain, tid)] = fields
        elif sid >= 256 and (domain, sid) in templates:
            fields = templates[(domain, sid)]
            minlen = sum(1 if f == 65535 else f for _, f in fields)
            while end - p >= minlen:
                rec = {}
                for ie, flen in fields:
                    if flen == 65535:
                        p, flen = varlen(msg, p)
                    raw = msg[p:p + flen]
                    p += flen
                    name = NAMES.get(ie)
                    if name is None:
                        continue
                    if name in ("src4", "dst4", "src6", "dst6"):
                        rec[name[:3]] = str(ipaddress.ip_address(raw))
                    elif name in ("smac", "dmac"):
                        rec[name] = ":".join("%02x" % b for b in raw)
                    elif name == "name":
                        rec[name] = raw.decode() or "-"
                    else:
                        rec[name] = int.from_bytes(raw, "big")
                out.write(" ".join(str(rec.get(k, "?")) for k in (
                    "name", "reason", "dir", "src", "dst", "sport", "dport", "proto", "icmp",
                    "smac", "dmac", "packets", "octets", "start", "end")) + "\n")
        off = end
    out.flush()


def main():
    port, path = int(sys.argv[1]), sys.argv[2]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    templates = {}
    with open(path, "w") as out:
        while True:
            decode(s.recv(65535), templates, out)


if __name__ == "__main__":
    main()
