#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""GTP-U frames built with scapy's GTP layer (scapy.contrib.gtp).

As a program: writes the packet test's cases (tests/gtp/test_gtp.c), one a
line, tab-separated:
    description  instance  verdict  subject  reason  tunnel  hex
instance: n3 (policy applied), n3-unapplied (none yet) or lan; verdict
PASS or DROP; reason as stats names it; tunnel: "-" when no mw_tunnels
cell may move, else DIR/PEER (uplink or downlink, the outer peer address)
for the subject's cell, which must move by one frame. The test world
(addresses, subjects, policy) is the one test_gtp.c writes into the maps.

As a module: the builders, for tests/gtp/send.py.
"""
import sys

from scapy.layers.l2 import Ether, Dot1Q, Dot1AD
from scapy.layers.inet import IP, UDP, TCP, ICMP
from scapy.layers.inet6 import IPv6, ICMPv6EchoRequest
from scapy.packet import Raw
from scapy.contrib.gtp import (GTP_U_Header, GTPPDUSessionContainer, GTP_UDPPort_ExtensionHeader,
                               GTP_PDCP_PDU_ExtensionHeader, GTPEchoRequest, GTPEchoResponse,
                               GTPErrorIndication)

GTPU = 2152

# Outer side: base stations and the core (user plane function).
GNB1_MAC, GNB2_MAC, UPF_MAC = "02:00:00:00:0b:01", "02:00:00:00:0b:02", "02:00:00:00:0c:01"
GNB1, GNB2, UPF = "198.18.0.1", "198.18.0.3", "198.18.0.2"
GNB1_6, UPF_6 = "fd00::b1", "fd00::c1"

# Inside the tunnels: the devices (UEs) and what they talk to.
UE_TAGGED = "198.18.10.1"	# subject 1, drop
UE_ALLOWED = "198.18.10.2"	# subject 2, pass with an allow-list (198.18.20.0/24, fd00:20::/64)
UE_ALLOWED6 = "fd00:10::2"	# subject 2 as well
UE_OBSERVED6 = "fd00:10::3"	# subject 3, observe
UE_IN_PREFIX = "198.18.11.7"	# subject 4 by prefix 198.18.11.0/24, pass
UE_UNKNOWN = "198.18.10.9"	# in no policy
UE_UNKNOWN6 = "fd00:10::9"
SERVER, SERVER6 = "198.18.20.1", "fd00:20::1"
FORBIDDEN = "198.18.30.1"	# outside the allow-list


def outer(ip6=False, down=False, sport=None, dport=None, gnb=GNB1, gnb_mac=GNB1_MAC, vlans=0):
    """Ethernet (+ tags) / IP / UDP between a base station and the core."""
    if down:
        eth = Ether(src=UPF_MAC, dst=gnb_mac)
        src, dst = (UPF_6, GNB1_6) if ip6 else (UPF, gnb)
        sp, dp = sport or GTPU, dport or 40000
    else:
        eth = Ether(src=gnb_mac, dst=UPF_MAC)
        src, dst = (GNB1_6, UPF_6) if ip6 else (gnb, UPF)
        sp, dp = sport or GTPU, dport or GTPU
    l2 = eth
    if vlans == 1:
        l2 = l2 / Dot1Q(vlan=100)
    elif vlans == 2:
        l2 = l2 / Dot1AD(vlan=10) / Dot1Q(vlan=100)
    l3 = IPv6(src=src, dst=dst) if ip6 else IP(src=src, dst=dst)
    return l2 / l3 / UDP(sport=sp, dport=dp)


def inner(src, dst, l4="udp"):
    ip = IPv6(src=src, dst=dst) if ":" in src else IP(src=src, dst=dst)
    if l4 == "tcp":
        return ip / TCP(sport=40001, dport=443, flags="S")
    if l4 == "icmp":
        return ip / (ICMPv6EchoRequest() if ":" in src else ICMP()) / Raw(b"ping")
    return ip / UDP(sport=40002, dport=5683) / Raw(b"coap-payload")


def gpdu(pkt, teid=0x1001, **kw):
    return GTP_U_Header(gtp_type=255, teid=teid, **kw) / pkt


def three_ext(pkt, teid=0x1003):
    """UDP Port, PDCP PDU Number and PDU Session Container extension headers."""
    return (GTP_U_Header(gtp_type=255, teid=teid, E=1, next_ex=0x40) /
            GTP_UDPPort_ExtensionHeader(udp_port=GTPU, next_ex=0xc0) /
            GTP_PDCP_PDU_ExtensionHeader(pdcp_pdu=7, next_ex=0x85) /
            GTPPDUSessionContainer(type=1, QFI=9, NextExtHdr=0) / pkt)


def session(pkt, teid=0x1002):
    """One extension header: the 5G PDU Session Container (QFI 9)."""
    return (GTP_U_Header(gtp_type=255, teid=teid, E=1, next_ex=0x85) /
            GTPPDUSessionContainer(type=1, QFI=9, NextExtHdr=0) / pkt)


def raw_gtp(flags, mtype, length, rest=b"", teid=0x1001):
    """A GTP-U header spelled byte by byte, for the malformed ones."""
    return Raw(bytes([flags, mtype]) + length.to_bytes(2, "big") + teid.to_bytes(4, "big") + rest)


def cases():
    up_tag = inner(UE_TAGGED, SERVER)
    c = []

    def add(desc, inst, verdict, subj, reason, tunnel, frame):
        c.append((desc, inst, verdict, subj, reason, tunnel, bytes(frame)))

    P1 = "uplink/" + GNB1
    # --- G-PDUs: header variants, inner IPv4/IPv6, TCP/UDP/ICMP ---
    add("g-pdu, no optional fields, inner ipv4/udp, tagged device", "n3", "DROP", 1, "drop", P1,
        outer() / gpdu(up_tag))
    add("g-pdu with a sequence number, inner ipv4/tcp, tagged device", "n3", "DROP", 1, "drop", P1,
        outer() / gpdu(inner(UE_TAGGED, SERVER, "tcp"), S=1, seq=77))
    add("g-pdu with an n-pdu number only, inner ipv4/icmp, tagged device", "n3", "DROP", 1, "drop",
        P1, outer() / gpdu(inner(UE_TAGGED, SERVER, "icmp"), PN=1, npdu=5))
    add("one extension header (pdu session container), inner ipv4/icmp, allowed", "n3", "PASS", 2,
        "pass", P1, outer() / session(inner(UE_ALLOWED, SERVER, "icmp")))
    add("three extension headers, inner ipv6/tcp, allowed", "n3", "PASS", 2, "pass", P1,
        outer() / three_ext(inner(UE_ALLOWED6, SERVER6, "tcp")))
    add("four extension headers (the bound), inner ipv4/udp, tagged", "n3", "DROP", 1, "drop", P1,
        outer() / raw_gtp(0x34, 255, 4 + 16 + len(bytes(up_tag)), ext_n(4) + bytes(up_tag)))
    add("allowed device, destination outside its allow-list", "n3", "DROP", 2, "not_allowed", P1,
        outer() / gpdu(inner(UE_ALLOWED, FORBIDDEN, "tcp")))
    add("allowed device over ipv6, inner ipv6/udp to fd00:20::1", "n3", "PASS", 2, "pass", P1,
        outer() / gpdu(inner(UE_ALLOWED6, SERVER6)))
    add("inner ipv6/icmpv6, observed device", "n3", "PASS", 3, "observe", P1,
        outer() / gpdu(inner(UE_OBSERVED6, SERVER6, "icmp")))
    add("inner ipv4, device by prefix", "n3", "PASS", 4, "pass", P1,
        outer() / gpdu(inner(UE_IN_PREFIX, SERVER)))
    add("inner ipv6/udp, unknown device: the default", "n3", "PASS", 0, "pass", P1,
        outer() / gpdu(inner(UE_UNKNOWN6, SERVER6)))
    add("second base station: its address is the peer", "n3", "DROP", 1, "drop",
        "uplink/" + GNB2, outer(gnb=GNB2, gnb_mac=GNB2_MAC) / gpdu(up_tag))
    add("outer ipv6, tagged device", "n3", "DROP", 1, "drop", "uplink/" + GNB1_6,
        outer(ip6=True) / gpdu(up_tag))
    add("outer 802.1q tag, tagged device", "n3", "DROP", 1, "drop", P1,
        outer(vlans=1) / session(up_tag))
    add("outer 802.1ad + 802.1q tags, tagged device", "n3", "DROP", 1, "drop", P1,
        outer(vlans=2) / gpdu(up_tag, S=1, seq=1))
    add("g-pdu shorter than the udp payload (trailing bytes)", "n3", "DROP", 1, "drop", P1,
        outer() / gpdu(up_tag) / Raw(b"\x00" * 6))
    # --- direction ---
    add("downlink (source port 2152): the inner destination is the device", "n3", "DROP", 1, "drop",
        "downlink/" + GNB1, outer(down=True) / gpdu(inner(SERVER, UE_TAGGED)))
    add("downlink from the tagged device's address to an unknown one", "n3", "PASS", 0, "pass",
        "downlink/" + GNB1, outer(down=True) / gpdu(inner(UE_TAGGED, UE_UNKNOWN)))
    add("uplink from an unknown device to the tagged device's address", "n3", "PASS", 0, "pass", P1,
        outer() / gpdu(inner(UE_UNKNOWN, UE_TAGGED)))
    add("destination port 2152 and another source port: uplink", "n3", "DROP", 1, "drop", P1,
        outer(sport=33333) / gpdu(up_tag))
    add("downlink over outer ipv6 to the allowed device from its server", "n3", "PASS", 2, "pass",
        "downlink/" + GNB1_6, outer(ip6=True, down=True) / gpdu(inner(SERVER6, UE_ALLOWED6)))
    # --- signalling ---
    add("echo request", "n3", "PASS", 0, "tunnel_signal", "-",
        outer() / GTP_U_Header(gtp_type=1, teid=0, S=1, seq=1) / GTPEchoRequest())
    add("echo response", "n3", "PASS", 0, "tunnel_signal", "-",
        outer(down=True) / GTP_U_Header(gtp_type=2, teid=0, S=1, seq=1) / GTPEchoResponse())
    add("error indication", "n3", "PASS", 0, "tunnel_signal", "-",
        outer() / GTP_U_Header(gtp_type=26, teid=0) / GTPErrorIndication())
    add("end marker", "n3", "PASS", 0, "tunnel_signal", "-",
        outer(down=True) / GTP_U_Header(gtp_type=254, teid=0x1001))
    add("echo request before a policy is applied", "n3-unapplied", "PASS", 0, "tunnel_signal", "-",
        outer() / GTP_U_Header(gtp_type=1, teid=0, S=1, seq=2) / GTPEchoRequest())
    add("g-pdu before a policy is applied: the fail mode", "n3-unapplied", "PASS", 0, "no_policy",
        "-", outer() / gpdu(up_tag))
    # --- malformed (attributed by the outer source MAC: base station 1 is subject 5) ---
    add("truncated gtp-u header (5 octets)", "n3", "DROP", 5, "malformed", "-",
        outer() / Raw(b"\x30\xff\x00\x00\x00"))
    add("truncated gtp-u header, untagged base station", "n3", "DROP", 0, "malformed", "-",
        outer(gnb=GNB2, gnb_mac=GNB2_MAC) / Raw(b"\x30\xff\x00"))
    add("gtp version 2", "n3", "DROP", 5, "malformed", "-",
        outer() / raw_gtp(0x50, 255, len(bytes(up_tag)), bytes(up_tag)))
    add("gtp' (protocol type 0)", "n3", "DROP", 5, "malformed", "-",
        outer() / raw_gtp(0x20, 255, len(bytes(up_tag)), bytes(up_tag)))
    add("length beyond the frame", "n3", "DROP", 5, "malformed", "-",
        outer() / raw_gtp(0x30, 255, len(bytes(up_tag)) + 1, bytes(up_tag)))
    add("sequence flag, length shorter than the optional fields", "n3", "DROP", 5, "malformed", "-",
        outer() / raw_gtp(0x32, 255, 2, b"\x00\x01"))
    add("extension header of length 0", "n3", "DROP", 5, "malformed", "-",
        outer() / raw_gtp(0x34, 255, 8 + len(bytes(up_tag)),
                          b"\x00\x00\x00\x85" + b"\x00\x00\x00\x00" + bytes(up_tag)))
    add("extension header beyond the message", "n3", "DROP", 5, "malformed", "-",
        outer() / raw_gtp(0x34, 255, 8, b"\x00\x00\x00\x85" + b"\x02\x10\x09\x00" + bytes(8)))
    add("extension header chain past the bound (5)", "n3", "DROP", 5, "malformed", "-",
        outer() / raw_gtp(0x34, 255, 4 + 20 + len(bytes(up_tag)), ext_n(5) + bytes(up_tag)))
    add("inner ipv4 cut short (total length beyond the g-pdu)", "n3", "DROP", 5, "malformed", "-",
        outer() / raw_gtp(0x30, 255, len(bytes(up_tag)) - 4, bytes(up_tag)[:-4]))
    add("inner ipv6 length beyond the g-pdu, within the frame", "n3", "DROP", 5, "malformed", "-",
        outer() / raw_gtp(0x30, 255, 40, bytes(inner(UE_ALLOWED6, SERVER6))))
    add("inner tcp header cut short", "n3", "DROP", 5, "malformed", "-",
        outer() / gpdu(Raw(ip4_tcp_cut())))
    add("empty t-pdu", "n3", "DROP", 5, "malformed", "-",
        outer() / raw_gtp(0x32, 255, 4, b"\x00\x01\x00\x00"))
    add("t-pdu neither ipv4 nor ipv6", "n3", "DROP", 5, "malformed", "-",
        outer() / raw_gtp(0x30, 255, 14, bytes(14)))
    add("malformed before a policy is applied", "n3-unapplied", "DROP", 0, "malformed", "-",
        outer() / Raw(b"\x30\xff"))
    # --- not GTP-U: judged as on lan ---
    add("outer first fragment to port 2152: not parsed, lan rules (base station's mac)", "n3",
        "PASS", 5, "pass", "-", ip_first_fragment(outer() / gpdu(up_tag)))
    add("untunnelled udp from the tagged device's address: lan rules", "n3", "DROP", 1, "drop", "-",
        Ether(src="02:00:00:00:0d:01", dst=UPF_MAC) / inner(UE_TAGGED, SERVER))
    add("udp between other ports, gtp-looking payload: lan rules", "n3", "PASS", 5, "pass", "-",
        outer(sport=2153, dport=2153) / gpdu(up_tag))
    add("a g-pdu on a lan interface is plain udp (base station's mac)", "lan", "PASS", 5, "pass",
        "-", outer() / gpdu(up_tag))
    return c


def ext_n(n):
    """Optional fields (next type set) and @n extension headers of one 4-octet unit."""
    b = b"\x00\x00\x00\x85"
    for i in range(n):
        b += b"\x01\x00\x00" + (b"\x85" if i < n - 1 else b"\x00")
    return b


def ip4_tcp_cut():
    """Inner IPv4 whose TCP header is cut after 12 octets (IP length consistent)."""
    b = bytearray(bytes(inner(UE_TAGGED, SERVER, "tcp"))[:20 + 12])
    b[2:4] = len(b).to_bytes(2, "big")
    return bytes(b)


def ip_first_fragment(p):
    p[IP].flags = "MF"
    return p


def main():
    out = open(sys.argv[1], "w") if len(sys.argv) > 1 else sys.stdout
    for desc, inst, verdict, subj, reason, tunnel, frame in cases():
        out.write("\t".join([desc, inst, verdict, str(subj), reason, tunnel, frame.hex()]) + "\n")


if __name__ == "__main__":
    main()
