#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Send GTP-U frames with scapy (tests/gtp/run.sh, in the base station's namespace).

send.py IFACE SRC_MAC DST_MAC OUTER_SRC OUTER_DST KIND COUNT [INNER_SRC INNER_DST DPORT]
KIND: up (G-PDU to port 2152, PDU Session Container), down (G-PDU from port
2152, sequence number, outer addresses the other way round: core to base
station), echo (echo request). Inner packets are UDP.
"""
import logging
import sys

logging.getLogger("scapy").setLevel(logging.ERROR)
from scapy.all import conf, sendp  # noqa: E402
from scapy.layers.l2 import Ether  # noqa: E402
from scapy.layers.inet import IP, UDP  # noqa: E402
from scapy.packet import Raw  # noqa: E402
from scapy.contrib.gtp import GTP_U_Header, GTPPDUSessionContainer, GTPEchoRequest  # noqa: E402

conf.verb = 0


def main():
    iface, smac, dmac, osrc, odst, kind, count = sys.argv[1:8]
    eth = Ether(src=smac, dst=dmac) / IP(src=osrc, dst=odst)
    if kind == "echo":
        f = eth / UDP(sport=2152, dport=2152) / GTP_U_Header(gtp_type=1, teid=0, S=1, seq=1) / \
            GTPEchoRequest()
    else:
        isrc, idst, dport = sys.argv[8], sys.argv[9], int(sys.argv[10])
        inner = IP(src=isrc, dst=idst) / UDP(sport=40000, dport=dport) / Raw(b"telemetry")
        if kind == "up":
            f = eth / UDP(sport=2152, dport=2152) / \
                GTP_U_Header(gtp_type=255, teid=0x2001, E=1, next_ex=0x85) / \
                GTPPDUSessionContainer(type=1, QFI=9, NextExtHdr=0) / inner
        else:
            # from the core to the base station: the outer destination is the peer
            eth = Ether(src=smac, dst=dmac) / IP(src=odst, dst=osrc)
            f = eth / UDP(sport=2152, dport=41000) / \
                GTP_U_Header(gtp_type=255, teid=0x3001, S=1, seq=7) / inner
    sendp([f] * int(count), iface=iface)


if __name__ == "__main__":
    main()
