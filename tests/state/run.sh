#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Pinned state that never lies, end to end: pins removed by hand are
# reported by status (exit 1) and repaired or cleaned up by load/unload;
# a pin directory that is itself a bpffs mount; a jumbo-MTU interface.
# Usage: tests/state/run.sh path/to/modwall
#
#   dev-a (02:11:22:33:44:55, 198.18.1.2) --veth-- gw (gw-a, 198.18.1.1)
#   dev-j (02:11:22:33:44:99, 198.18.9.2) --veth, MTU 9000-- gw (gw-j, 198.18.9.1)
set -u
. "$(dirname "$0")/../lib.sh"
mw_init state "$@"

GW=${MW_PREFIX}-gw
A=${MW_PREFIX}-a
J=${MW_PREFIX}-j
MAC_A=02:11:22:33:44:55
MAC_J=02:11:22:33:44:99
P=$MODWALL_PIN_DIR

mw_ns "$GW"
mw_ns "$A"
mw_ns "$J"
mw_link "$GW" gw-a 198.18.1.1 "$A" eth0 198.18.1.2 $MAC_A
cat > "$TMP/policy.mwp" <<POL
device meter-a mac $MAC_A policy drop
device jumbo-j mac $MAC_J policy pass
default pass
POL

gw() { nsx "$GW" "$MODWALL" "$@"; }
# xdp_on IFACE: how many XDP programs ip shows on IFACE in the gateway
xdp_on() { nsx "$GW" ip -d link show dev "$1" | grep -c 'prog/xdp id'; }

# ---- mw_progs removed by hand: status says so, load repairs it
# (XDP alone: the tc egress program does not go through mw_progs and would
# still drop the replies to meter-a)
gw load gw-a --mode generic --no-egress >/dev/null
gw apply "$TMP/policy.mwp" >/dev/null
expect "setup: 10 pings of meter-a dropped" "$(send "$A" 198.18.1.1 10)" 0
expect "setup: counted as drop" "$(mw_counter meter-a drop)" 10
gw status >/dev/null
expect "status of whole pins: exit 0" $? 0

rm "$P/mw_progs"
out=$(gw status 2>&1)
expect "status without mw_progs: exit 1" $? 1
case "$out" in
*mw_progs*) ok "status names mw_progs" ;;
*) bad "status names mw_progs" "$out" ;;
esac
json=$(gw status --json 2>/dev/null)
expect "status --json without mw_progs: the interface is degraded" \
	"$(echo "$json" | mw_jq 'd["interfaces"][0]["healthy"]')" False
expect "the entry fell back to fail-open: meter-a's pings pass" "$(send "$A" 198.18.1.1 5)" 5
out=$(gw load gw-a --mode generic --no-egress 2>&1)
expect "load repairs: exit 0" $? 0
case "$out" in
*repaired*) ok "load says it repaired mw_progs" ;;
*) bad "load says it repaired mw_progs" "$out" ;;
esac
gw status >/dev/null
expect "status after the repair: exit 0" $? 0
before=$(mw_counter meter-a drop)
expect "after the repair meter-a is dropped again" "$(send "$A" 198.18.1.1 10)" 0
expect "... and counted: drop +10" "$(mw_counter meter-a drop)" $((before + 10))

# ---- entry_IFACE removed by hand: status says so, unload --all detaches it
rm "$P/entry_gw-a"
expect "without its pin the entry still runs on gw-a" "$(xdp_on gw-a)" 1
gw status >/dev/null 2>&1
expect "status without entry_gw-a: exit 1" $? 1
gw unload --all >/dev/null
expect "unload --all: exit 0" $? 0
expect "unload --all detached the orphaned entry" "$(xdp_on gw-a)" 0
expect "unload --all removed the pin directory" "$([ -e "$P" ] && echo yes || echo no)" no
expect "meter-a is no longer enforced" "$(send "$A" 198.18.1.1 5)" 5

# ---- mw_ctl removed by hand: refused as incomplete, never recreated beside the rest
gw load gw-a --mode generic >/dev/null
gw apply "$TMP/policy.mwp" >/dev/null
rm "$P/mw_ctl"
out=$(gw load gw-a --mode generic 2>&1)
expect "load with mw_ctl missing: exit 1" $? 1
case "$out" in
*incomplete*mw_ctl*) ok "load says the state is incomplete and names mw_ctl" ;;
*) bad "load says the state is incomplete and names mw_ctl" "$out" ;;
esac
expect "... and did not create a new mw_ctl" "$([ -e "$P/mw_ctl" ] && echo yes || echo no)" no
expect "meter-a still dropped (the live policy was not replaced)" \
	"$(send "$A" 198.18.1.1 5)" 0
gw apply "$TMP/policy.mwp" >/dev/null 2>&1
expect "apply with mw_ctl missing: exit 1" $? 1
gw unload --all >/dev/null
expect "unload --all cleans up incomplete state: exit 0" $? 0
expect "... nothing attached" "$(xdp_on gw-a)" 0
expect "... no pin directory" "$([ -e "$P" ] && echo yes || echo no)" no

# ---- a pin directory that is a bpffs mount itself
mkdir -p "$TMP/bpffs"
if mount -t bpf bpf "$TMP/bpffs"; then
	mw_atexit "umount '$TMP/bpffs' 2>/dev/null"
	MODWALL_PIN_DIR=$TMP/bpffs nsx "$GW" "$MODWALL" load gw-a --mode generic >/dev/null
	expect "MODWALL_PIN_DIR on a bpffs mount point: load exit 0" $? 0
	expect "... its pins are there" "$([ -e "$TMP/bpffs/mw_ctl" ] && echo yes || echo no)" yes
	MODWALL_PIN_DIR=$TMP/bpffs nsx "$GW" "$MODWALL" unload --all >/dev/null
	expect "... unload --all: exit 0" $? 0
	expect "... nothing attached" "$(xdp_on gw-a)" 0
else
	bad "bpffs mount" "mount -t bpf failed"
fi

# ---- a reader in --group: no capability needed, no false "gone", a true refusal
GRP=mwt$$
if groupadd "$GRP" 2>/dev/null; then
	mw_atexit "groupdel '$GRP' 2>/dev/null"
	gw load gw-a --mode generic --group "$GRP" >/dev/null
	gw apply "$TMP/policy.mwp" >/dev/null
	send "$A" 198.18.1.1 4 >/dev/null
	reader() { nsx "$GW" setpriv --reuid nobody --regid nogroup --groups "$GRP" "$MODWALL" "$@"; }
	out=$(reader status 2>&1)
	expect "group reader: status exit 0 (healthy, as root sees it)" $? 0
	case "$out" in
	*libxdp:*|*"(gone)"*) bad "group reader: status prints no libxdp chatter and no false gone" "$out" ;;
	*) ok "group reader: status prints no libxdp chatter and no false gone" ;;
	esac
	expect "group reader: reads exact counters without any capability" \
		"$(reader -j stats --all | mw_jq 'next(s["reasons"]["drop"]["packets"] for s in d["subjects"] if s["name"] == "meter-a")')" 4
	# it may not map the discovery table (the pin is not writable for it): read in batches
	expect "group reader: discovered reads the table without mapping it" \
		"$(reader -j discovered 2>&1 | mw_jq .count)" "$(gw -j discovered | mw_jq .count)"
	out=$(reader unload gw-a 2>&1)
	expect "group reader: unload refused (exit 1)" $? 1
	case "$out" in
	*"not loaded"*) bad "group reader: unload says permission, not 'not loaded'" "$out" ;;
	*[Pp]ermission*) ok "group reader: unload says permission, not 'not loaded'" ;;
	*) bad "group reader: unload says permission, not 'not loaded'" "$out" ;;
	esac
	expect "group reader: gw-a still attached" "$(xdp_on gw-a)" 1
	gw unload --all >/dev/null
else
	bad "group reader" "groupadd failed"
fi

# ---- jumbo MTU: native refused with the reason, generic counts whole frames
mw_link "$GW" gw-j 198.18.9.1 "$J" eth0 198.18.9.2 $MAC_J
nsx "$GW" ip link set gw-j mtu 9000
nsx "$J" ip link set eth0 mtu 9000
out=$(gw load gw-j --mode native 2>&1)
expect "native load on MTU 9000: exit 1" $? 1
case "$out" in
*"MTU (9000)"*multi-buffer*generic*) ok "the refusal says MTU, multi-buffer and --mode generic" ;;
*) bad "the refusal says MTU, multi-buffer and --mode generic" "$out" ;;
esac
expect "... nothing attached to gw-j" "$(xdp_on gw-j)" 0
gw load gw-j --mode generic >/dev/null
expect "generic load on MTU 9000: exit 0" $? 0
gw apply "$TMP/policy.mwp" >/dev/null
expect "3 pings of 8000 bytes answered" "$(send "$J" 198.18.9.1 3 -s 8000)" 3
# the requests on the way in, the replies on the way out (tc egress)
expect "counted whole: 3 frames each way" "$(mw_counter jumbo-j pass)" 6
# 8000 payload + 8 ICMP + 20 IPv4 + 14 Ethernet
expect "counted whole: 6 x 8042 bytes" "$(mw_counter jumbo-j pass bytes)" $((6 * 8042))
gw unload --all >/dev/null

# ---- the service unit
UNIT=$(dirname "$0")/../../contrib/modwall.service
grep -q '^RestrictAddressFamilies=.*AF_NETLINK' "$UNIT"
expect "modwall.service allows AF_NETLINK (link watch)" $? 0
grep -q '^LimitNOFILE=' "$UNIT"
expect "modwall.service sets LimitNOFILE" $? 0
grep -q '^ExecStart=.*/modwalld ' "$UNIT"
expect "modwall.service runs modwalld" $? 0

mw_done
