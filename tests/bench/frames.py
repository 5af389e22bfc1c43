#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Write the benchmark frames: one file per case, 64-byte UDP/IPv4 frames.
import sys
from scapy.all import Ether, IP, UDP, raw

out = sys.argv[1]
cases = {
    "tagged":  ("02:11:22:33:44:55", "198.18.1.2"),   # device by MAC (drop)
    "passdev": ("02:11:22:33:44:66", "198.18.1.3"),   # device by MAC (pass)
    "vendor":  ("34:87:3d:00:00:42", "198.18.1.4"),   # Quectel class
    "ipbound": ("02:aa:bb:cc:dd:01", "198.18.3.2"),   # IMEI device, bound IP
    "unknown": ("02:aa:bb:cc:dd:ee", "198.18.1.9"),   # nothing matches
}
for name, (mac, ip) in cases.items():
    f = Ether(src=mac, dst="02:00:00:00:00:01") / IP(src=ip, dst="198.18.0.1") / \
        UDP(sport=4242, dport=9) / (b"\0" * 18)
    open(f"{out}/{name}.bin", "wb").write(raw(f))
