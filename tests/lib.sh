#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Shared scaffolding for the end-to-end suites and the demo: network
# namespaces joined to a "gateway" namespace by veth pairs, the PASS/FAIL
# bookkeeping, traffic and counter helpers. Sourcing this file runs nothing;
# a suite starts with
#
#	. "$(dirname "$0")/../lib.sh"
#	mw_init TAG "$@"	# root, MODWALL, private pins, TMP, the EXIT trap
#	...
#	mw_done			# "N passed, N failed[, N skipped]", exit status
#
# Everything made here (namespaces, pins, TMP, background processes) is
# removed at exit, whether the suite passed, failed or was interrupted.

MW_PREFIX=${MW_PREFIX:-mwt$$}
MW_NETNS=()
MW_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# ------------------------------------------------------------ prologue

MW_PIDS=()	# background processes killed at exit
MW_ATEXIT=()	# commands run at exit, before the namespaces go

# mw_init TAG MODWALL: the common prologue. Root is needed (namespaces,
# bpffs); MODWALL becomes an absolute path; pins go to a private
# MODWALL_PIN_DIR (/sys/fs/bpf/modwall-TAG-PID) so that a modwall deployed
# on this host is untouched; TMP is a fresh directory. Exits "0 passed,
# 1 failed" when any of it is missing.
mw_init() {
	local tag=$1
	MODWALL=${2:-}
	if [ -z "$MODWALL" ]; then
		echo "usage: $0 path/to/modwall" >&2
		exit 2
	fi
	MODWALL=$(readlink -f "$MODWALL")
	export MODWALL
	export MODWALL_PIN_DIR=/sys/fs/bpf/modwall-$tag-$$
	if [ "$(id -u)" != 0 ]; then
		bad "$tag" "needs root (network namespaces, bpffs pins)"
		mw_done
	fi
	if [ ! -x "$MODWALL" ]; then
		bad "$tag" "$MODWALL: not an executable (make)"
		mw_done
	fi
	TMP=$(mktemp -d)
	trap mw_exit EXIT
	trap 'exit 130' INT TERM
}

# mw_atexit CMD: run CMD (a string, eval'ed) at exit, in the order given
mw_atexit() { MW_ATEXIT+=("$1"); }

mw_exit() {
	local c p
	for c in "${MW_ATEXIT[@]}"; do
		eval "$c"
	done
	for p in "${MW_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${MW_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	MW_PIDS=()
	mw_cleanup
	[ -n "${TMP:-}" ] && rm -rf "$TMP"
}

# mw_need TOOL...: every TOOL on PATH, or the suite ends failed
mw_need() {
	local t
	for t in "$@"; do
		if ! command -v "$t" >/dev/null; then
			bad "setup" "this suite needs $t (make deps)"
			mw_done
		fi
	done
}

# ------------------------------------------------------------ results

passed=0
failed=0
skipped=0
ok() { echo "PASS $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
skip() { echo "SKIP $1: $2"; skipped=$((skipped + 1)); }
# expect NAME ACTUAL EXPECTED: passes when ACTUAL is EXPECTED, as strings
expect() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1" "got '$2', expected '$3'"; fi; }
# check NAME CMD...: passes when CMD succeeds
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else bad "$name" "$*"; fi
}

# mw_done: the one closing line, then exit 0 when nothing failed, else 1
mw_done() {
	if [ "$skipped" -gt 0 ]; then
		echo "$passed passed, $failed failed, $skipped skipped"
	else
		echo "$passed passed, $failed failed"
	fi
	[ "$failed" -eq 0 ]
	exit
}

# ------------------------------------------------------------ namespaces

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

# mw_mac NS IFACE: the MAC address of IFACE in NS (asked of ip, as nsx
# keeps the host's /sys)
# mw_mac_devices N "POLICY..." : N policy lines "device dNNNNNNN mac 02:4d:..."
# (benchmarks' large policies), the policies given in turn
mw_mac_devices() {
	awk -v n="$1" -v pols="$2" 'BEGIN {
		k = split(pols, p, " ")
		for (i = 0; i < n; i++)
			printf "device d%07d mac 02:4d:%02x:%02x:%02x:%02x policy %s\n", i,
				int(i / 16777216) % 256, int(i / 65536) % 256, int(i / 256) % 256,
				i % 256, p[i % k + 1]
	}'
}

mw_mac() {
	nsx "$1" ip -o link show dev "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'
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
	nsx "$dns" ip neigh replace "$gaddr" lladdr "$(mw_mac "$gns" "$gif")" dev "$dif" nud permanent
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

# ------------------------------------------------------------ traffic

# send NS DST COUNT [PING_OPTS...]: exactly COUNT ICMP echo requests from NS
# to DST, one every MW_SEND_INTERVAL s (default 0.002), each reply awaited
# MW_SEND_WAIT s (default 0.2); prints the number of replies received
send() {
	local ns=$1 dst=$2 n=$3
	shift 3
	nsx "$ns" ping -q -n -c "$n" -i "${MW_SEND_INTERVAL:-0.002}" -W "${MW_SEND_WAIT:-0.2}" \
		"$@" "$dst" 2>/dev/null | awk '/packets transmitted/ { print $4 }'
}

# mw_fd_count PID: the fewest descriptors PID held over ten looks 50 ms apart
# (a daemon opens the maps for a moment at each reading; it never holds fewer)
mw_fd_count() {
	local i n min=
	for i in $(seq 1 10); do
		n=$(ls "/proc/$1/fd" | wc -l)
		[ -z "$min" ] || [ "$n" -lt "$min" ] && min=$n
		sleep 0.05
	done
	echo "$min"
}

# mw_mac_bytes MAC: the MAC as trafgen bytes (0x02, 0x11, ...)
mw_mac_bytes() { echo "0x${1//:/, 0x}"; }

# mw_free_port [udp]: a loopback TCP (or UDP) port nobody listens on now
mw_free_port() {
	/usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' "${1:-tcp}"
}

# ------------------------------------------------------------ JSON, counters

# mw_jq [-f FILE] [--lines] EXPR [NAME=VALUE...]: query the JSON on stdin
# (or FILE): a path such as '.interfaces[0].prog_id' or '.subjects[].name',
# or a Python expression over d. See tests/jq.py.
mw_jq() { /usr/bin/python3 "$MW_LIB/jq.py" "$@"; }

# mw_counter SUBJECT REASON [FIELD]: summed counter from `modwall stats
# --json` (SUBJECT "total": the totals row); 0 for a subject not listed
mw_counter() {
	"$MODWALL" -j stats --all | mw_jq '
d["total"][r][f] if n == "total" else
next((s["reasons"][r][f] for s in d["subjects"] if s["name"] == n), 0)' \
		n="$1" r="$2" f="${3:-packets}"
}

# mw_iface_counter IFACE REASON [FIELD]: the interface row of `modwall stats
# --json`; "missing" for an interface not listed
mw_iface_counter() {
	"$MODWALL" -j stats --all | mw_jq '
next((i["reasons"][r][f] for i in d["interfaces"] if i["interface"] == n), "missing")' \
		n="$1" r="$2" f="${3:-packets}"
}
