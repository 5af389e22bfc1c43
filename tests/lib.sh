#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Shared helpers for the end-to-end tests and the demo: network namespaces
# joined to a "gateway" namespace by veth pairs. Everything made here is
# removed by mw_cleanup, which callers run from an EXIT trap.

MW_PREFIX=${MW_PREFIX:-mwt$$}
MW_NETNS=()

# nsx NS CMD...: run CMD in namespace NS's network stack only. Unlike
# `ip netns exec`, this keeps the host's /sys, so bpffs pins stay visible.
nsx() {
	local ns=$1
	shift
	nsenter --net=/run/netns/"$ns" "$@"
}

# mw_ns NAME: create a namespace (IPv6 off so no ND/MLD noise in counters)
mw_ns() {
	ip netns add "$1"
	MW_NETNS+=("$1")
	nsx "$1" ip link set lo up
	nsx "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

# mw_link GW_NS GW_IF GW_ADDR DEV_NS DEV_IF DEV_ADDR DEV_MAC
# veth between the gateway and a device, static neighbours both ways so the
# only frames are the ones a test sends.
mw_link() {
	local gns=$1 gif=$2 gaddr=$3 dns=$4 dif=$5 daddr=$6 dmac=$7
	ip link add "$gif" netns "$gns" type veth peer name "$dif" netns "$dns"
	nsx "$dns" ip link set "$dif" address "$dmac"
	nsx "$gns" ip addr add "$gaddr"/24 dev "$gif"
	nsx "$dns" ip addr add "$daddr"/24 dev "$dif"
	nsx "$gns" ip link set "$gif" up
	nsx "$dns" ip link set "$dif" up
	local gmac
	gmac=$(nsx "$gns" ip -o link show dev "$gif" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
	nsx "$dns" ip neigh replace "$gaddr" lladdr "$gmac" dev "$dif" nud permanent
	nsx "$gns" ip neigh replace "$daddr" lladdr "$dmac" dev "$gif" nud permanent
}

mw_cleanup() {
	local ns
	if [ -n "${MODWALL_PIN_DIR:-}" ] && [ -d "$MODWALL_PIN_DIR" ]; then
		"$MODWALL" unload --all >/dev/null 2>&1
		rm -rf "$MODWALL_PIN_DIR" 2>/dev/null
	fi
	for ns in "${MW_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	MW_NETNS=()
}

# mw_counter SUBJECT REASON [FIELD]: summed counter from `modwall stats --json`
mw_counter() {
	"$MODWALL" -j stats --all | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
name, reason = sys.argv[1], sys.argv[2]
field = sys.argv[3] if len(sys.argv) > 3 else "packets"
if name == "total":
    print(d["total"][reason][field]); sys.exit(0)
for s in d["subjects"]:
    if s["name"] == name:
        print(s["reasons"][reason][field]); sys.exit(0)
print(0)' "$@"
}
