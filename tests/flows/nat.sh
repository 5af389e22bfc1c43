#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Flows on a NAT gateway: uploads seen by XDP on the lan side, downloads by
# the tc egress program on the same interface after the gateway's de-NAT;
# the download rate limit and the by-source allow-list enforced there; exact
# packet and byte counts, the real CLI. Usage: tests/flows/nat.sh MODWALL
#
#   phone 02:00:00:00:f1:02  198.18.1.2 --+
#     eth0                                 |  gw-lan 198.18.1.1   [gw, masquerade   gw-wan 198.18.100.1 --- srv
#   cam   02:00:5e:f1:00:07  198.18.1.3 --+  (modwall: --role lan,  on gw-wan]                       198.18.100.10 (A)
#     (macvlan on phone's eth0)               generic XDP + tc)                                       198.18.100.20 (B)
#                                                                                                     198.18.100.30 (C)
#
# modwall is loaded on gw-lan only. The server knows no route to
# 198.18.1.0/24: everything it sends to a device goes to the gateway's
# address and reaches the device through conntrack (replies) or a DNAT
# rule, so only the tc egress program can attribute it. Neighbours are
# static and IPv6 is off: the only frames are the ones the test sends.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"
mw_init flows "$@"
mw_need nft tc
UDP="/usr/bin/python3 $HERE/udp.py"

GW=${MW_PREFIX}-fgw
DEV=${MW_PREFIX}-fdev
CAM=${MW_PREFIX}-fcam
SRV=${MW_PREFIX}-fsrv
MAC_DEV=02:00:00:00:f1:02
MAC_CAM=02:00:5e:f1:00:07
MAC_SRV=02:00:00:00:f1:aa
A=198.18.100.10
B=198.18.100.20
C=198.18.100.30
NAT=198.18.100.1
RATE=10			# download limit, pps
BURST=20
NBLAST=200		# datagrams the server sends as fast as it can

# frame lengths as the data path counts them: Ethernet + IPv4 + UDP/ICMP + payload
udp_frame() { echo $((14 + 20 + 8 + $1)); }
PING_FRAME=98		# ping's 56 bytes of data

setup() {
	mw_ns "$GW"
	mw_ns "$DEV"
	mw_ns "$CAM"
	mw_ns "$SRV"
	nsx "$GW" sysctl -qw net.ipv4.ip_forward=1
	mw_link "$GW" gw-lan 198.18.1.1 "$DEV" eth0 198.18.1.2 $MAC_DEV
	mw_link "$GW" gw-wan $NAT "$SRV" eth0 $A $MAC_SRV
	# the camera: a second MAC behind the same veth
	nsx "$DEV" ip link add cam0 link eth0 type macvlan mode bridge
	nsx "$DEV" ip link set cam0 netns "$CAM"
	nsx "$CAM" ip link set cam0 address $MAC_CAM
	nsx "$CAM" ip addr add 198.18.1.3/24 dev cam0
	nsx "$CAM" ip link set cam0 up
	nsx "$CAM" ip neigh replace 198.18.1.1 lladdr "$(mw_mac "$GW" gw-lan)" dev cam0 nud permanent
	nsx "$GW" ip neigh replace 198.18.1.3 lladdr $MAC_CAM dev gw-lan nud permanent
	nsx "$SRV" ip addr add $B/24 dev eth0
	nsx "$SRV" ip addr add $C/24 dev eth0
	nsx "$GW" ip neigh replace $B lladdr $MAC_SRV dev gw-wan nud permanent
	nsx "$GW" ip neigh replace $C lladdr $MAC_SRV dev gw-wan nud permanent
	# C takes pings and never answers: ICMP is an upload only
	nsx "$SRV" sysctl -qw net.ipv4.icmp_echo_ignore_all=1
	nsx "$DEV" ip route add default via 198.18.1.1
	nsx "$CAM" ip route add default via 198.18.1.1
	nsx "$GW" nft -f - <<-EOF
	table ip mwnat {
		chain pre {
			type nat hook prerouting priority dstnat;
			iifname "gw-wan" udp dport 7000 dnat to 198.18.1.2
		}
		chain post {
			type nat hook postrouting priority srcnat;
			oifname "gw-wan" masquerade
		}
	}
	EOF
	expect "nftables: masquerade and one DNAT rule" $? 0
}

# policy FILE DEVICE_POLICY_BODY: the phone under a policy of that body, the camera's class observed
policy() {
	cat > "$1" <<-EOF
	policy phone-pol { $2 }
	device phone mac $MAC_DEV policy phone-pol
	class cams prefix 02:00:5e policy observe
	default pass
	EOF
}

# serve NAME ADDR PORT NUP NDOWN SIZE: a server in the background; its line goes to TMP/NAME.out
serve() {
	rm -f "$TMP/$1.ready"
	nsx "$SRV" $UDP serve "$2" "$3" "$4" "$5" "$6" "$TMP/$1.ready" >"$TMP/$1.out" &
	MW_PIDS+=($!)
	local i
	for i in $(seq 1 50); do
		[ -e "$TMP/$1.ready" ] && return 0
		sleep 0.1
	done
	return 1
}

# flows_of SUBJECT: the subject's flows as sorted tuples
# (member, remote, proto, port, packets_out, bytes_out, packets_in, bytes_in, dropped_out, dropped_in)
flows_of() {
	"$MODWALL" -j flows "$1" | mw_jq 'sorted((f["member"], f["remote"], f["proto"], f["port"],
		f["packets_out"], f["bytes_out"], f["packets_in"], f["bytes_in"],
		f["dropped_out"], f["dropped_in"]) for f in d["flows"])'
}

# subject_sum SUBJECT FIELD: the subject's counters over every reason but malformed
subject_sum() {
	"$MODWALL" -j stats --all | mw_jq '
sum(v[f] for s in d["subjects"] if s["name"] == n for r, v in s["reasons"].items() if r != "malformed")' \
		n="$1" f="$2"
}

# flows_sum SUBJECT FIELD: packets or bytes over the subject's flows, both directions, plus table_full
flows_sum() {
	"$MODWALL" -j flows "$1" | mw_jq '
sum(x[f + "_out"] + x[f + "_in"] for x in d["flows"]) + d["table_full"][f]' f="$2"
}

egress_counter() {
	"$MODWALL" -j stats | mw_jq '
next((i["egress"][r]["packets"] for i in d["interfaces"] if i["interface"] == n and "egress" in i), "missing")' \
		n="$1" r="$2"
}

test_load() {
	local out
	nsx "$GW" "$MODWALL" load gw-lan --role lan --mode generic >/dev/null
	expect "load gw-lan --role lan (XDP and tc egress)" $? 0
	policy "$TMP/flows.mwp" "flows"
	"$MODWALL" apply "$TMP/flows.mwp" >/dev/null
	expect "apply: the phone keeps flows, the cams class is observed" $? 0
	out=$(nsx "$GW" tc filter show dev gw-lan egress)
	case $out in
	*modwall_tc*) ok "tc filter show: modwall_tc on gw-lan egress" ;;
	*) bad "tc filter show" "no modwall_tc on gw-lan egress: $out" ;;
	esac
	check "the tc program is pinned" test -e "$MODWALL_PIN_DIR/tc_gw-lan"
	out=$(nsx "$GW" "$MODWALL" -j status | mw_jq '
"%s %s" % (d["interfaces"][0]["tc_prog_id"] > 0, d["healthy"])')
	expect "status: a tc_prog_id, healthy" "$out" "True True"
	out=$("$MODWALL" -j flows | mw_jq '"%d %d %d %d" % (len(d["flows"]), d["entries"],
		d["table_full"]["packets"], d["max_entries"] > 0)')
	expect "flows: none yet" "$out" "0 0 0 1"
}

# the phone: UDP to A and B with replies through the NAT, pings to C (no reply)
test_up_down() {
	local got
	serve a $A 5001 5 7 200 && serve b $B 5002 4 6 300 ||
		{ bad "servers" "did not start"; return; }
	got=$(nsx "$DEV" $UDP client 198.18.1.2 40001 $A 5001 5 100 7)
	expect "A: the phone got its 7 replies through the NAT" "$got" 7
	got=$(nsx "$DEV" $UDP client 198.18.1.2 40002 $B 5002 4 50 6)
	expect "B: the phone got its 6 replies through the NAT" "$got" 6
	wait "${MW_PIDS[@]}" 2>/dev/null
	MW_PIDS=()
	expect "A: the server heard 5, sent 7" "$(cut -d' ' -f1,2 "$TMP/a.out")" "5 7"
	expect "B: the server heard 4, sent 6" "$(cut -d' ' -f1,2 "$TMP/b.out")" "4 6"
	got=$(send "$DEV" $C 10)
	expect "C: 10 pings, no reply" "$got" 0
	got=$(send "$CAM" $C 3)
	expect "the camera: 3 pings, no reply" "$got" 0

	expect "flows phone: exactly A, B, C with exact counts both ways" "$(flows_of phone)" \
"[(None, '$A', 'udp', 5001, 5, $((5 * $(udp_frame 100))), 7, $((7 * $(udp_frame 200))), 0, 0), \
(None, '$B', 'udp', 5002, 4, $((4 * $(udp_frame 50))), 6, $((6 * $(udp_frame 300))), 0, 0), \
(None, '$C', 'icmp', 8, 10, $((10 * PING_FRAME)), 0, 0, 0, 0)]"
	expect "flows cams: the camera's ping, as a class member" "$(flows_of cams)" \
		"[('$MAC_CAM', '$C', 'icmp', 8, 3, $((3 * PING_FRAME)), 0, 0, 0, 0)]"
	expect "flows MAC: the member's flows" "$(flows_of $MAC_CAM)" "$(flows_of cams)"
	expect "flows: device, kind, family, name, country of a flow" \
		"$("$MODWALL" -j flows phone | mw_jq '"%s" % sorted(set((f["device"], f["kind"],
			f["family"], f["name"], f["country"]) for f in d["flows"]))')" \
		"[('phone', 'device', 'ipv4', None, None)]"
	expect "flows cams: kind class, device is the class" \
		"$("$MODWALL" -j flows cams | mw_jq '"%s %s" % (d["flows"][0]["device"], d["flows"][0]["kind"])')" \
		"cams class"
	expect "flows: 4 entries in the table, nothing found it full" \
		"$("$MODWALL" -j flows | mw_jq '"%d %d %d" % (len(d["flows"]), d["entries"], d["table_full"]["packets"])')" \
		"4 4 0"
	expect "flows: times are RFC 3339 UTC, first <= last" \
		"$("$MODWALL" -j flows | mw_jq 'all(__import__("re").fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", f[k])
			for f in d["flows"] for k in ("first_seen", "last_seen")) and all(f["first_seen"] <= f["last_seen"] for f in d["flows"])')" \
		True
	# sums: every frame of the phone is in exactly one flow
	expect "phone: flows sum to its counters (packets)" "$(flows_sum phone packets)" \
		"$(subject_sum phone packets)"
	expect "phone: flows sum to its counters (bytes)" "$(flows_sum phone bytes)" \
		"$(subject_sum phone bytes)"
	expect "phone: 32 frames in all (19 up through XDP, 13 down through tc)" \
		"$(subject_sum phone packets)" 32
	expect "stats: gw-lan ingress pass row, the phone's uploads" "$(mw_iface_counter gw-lan pass)" 19
	expect "stats: gw-lan egress pass row, the phone's downloads" "$(egress_counter gw-lan pass)" 13
	expect "stats: per subject flows and flows_table_full" \
		"$("$MODWALL" -j stats | mw_jq '"%s" % sorted((s["name"], s["flows"], s["flows_table_full"]["packets"],
			s["flows_table_full"]["bytes"]) for s in d["subjects"] if s["id"])')" \
		"[('cams', 1, 0, 0), ('phone', 3, 0, 0)]"
	"$MODWALL" stats | grep -q "^gw-lan (egress) " && ok "stats table: a 'gw-lan (egress)' row" ||
		bad "stats table" "no 'gw-lan (egress)' row"
	echo "  modwall flows:"
	"$MODWALL" flows | sed 's/^/    /'
	echo "  modwall stats:"
	"$MODWALL" stats | sed 's/^/    /'
}

test_sort_top_since() {
	local out
	out=$("$MODWALL" -j flows phone | mw_jq '[f["remote"] for f in d["flows"]]')
	expect "flows: by bytes (out + in) by default" "$out" "['$B', '$A', '$C']"
	out=$("$MODWALL" -j flows phone --sort packets | mw_jq '[f["remote"] for f in d["flows"]]')
	expect "flows --sort packets: ties (10 and 10) in key order, icmp before udp" "$out" \
		"['$A', '$C', '$B']"
	out=$("$MODWALL" -j flows --sort last --top 1 | mw_jq '[(f["device"], f["remote"]) for f in d["flows"]]')
	expect "flows --sort last --top 1: the camera's ping, sent last" "$out" "[('cams', '$C')]"
	out=$("$MODWALL" -j flows --top 2 | mw_jq 'len(d["flows"])')
	expect "flows --top 2" "$out" 2
	out=$("$MODWALL" -j flows --since 1d | mw_jq 'len(d["flows"])')
	expect "flows --since 1d: all 4" "$out" 4
	sleep 3
	out=$("$MODWALL" -j flows --since 2s | mw_jq 'len(d["flows"])')
	expect "flows --since 2s, 3 s later: none" "$out" 0
	send "$DEV" $C 1 >/dev/null
	out=$("$MODWALL" -j flows --since 2s | mw_jq '[(f["device"], f["remote"], f["packets_out"]) for f in d["flows"]]')
	expect "flows --since 2s after one more ping: that flow only" "$out" "[('phone', '$C', 11)]"
	"$MODWALL" flows nosuch >/dev/null 2>"$TMP/err"
	expect "flows nosuch: exit 2" $? 2
	grep -q "no device or class named 'nosuch'" "$TMP/err" && ok "flows nosuch: says so" ||
		bad "flows nosuch" "stderr: $(cat "$TMP/err")"
	"$MODWALL" flows --since 5x >/dev/null 2>&1
	expect "flows --since 5x: exit 2" $? 2
	"$MODWALL" flows phone >"$TMP/table"
	expect "flows table: header" "$(head -1 "$TMP/table" | tr -s ' ')" \
		"DEVICE REMOTE NAME CC PROTO PORT PKTS_OUT BYTES_OUT PKTS_IN BYTES_IN DROPPED FIRST_SEEN LAST_SEEN"
	"$MODWALL" flows cams | grep -q "^cams/$MAC_CAM " && ok "flows table: a class flow is CLASS/MAC" ||
		bad "flows table" "no cams/$MAC_CAM row"
}

# the download limit, enforced on tc egress: the server floods the phone through the NAT
test_download_rate() {
	local p0 r0 ep0 er0 got out sent secs npass nlim maxpass
	policy "$TMP/rate.mwp" "rate $RATE pps burst $BURST flows"
	"$MODWALL" apply "$TMP/rate.mwp" >/dev/null
	expect "apply: download rate $RATE pps burst $BURST" $? 0
	p0=$(mw_counter phone pass)
	r0=$(mw_counter phone rate_limited)
	ep0=$(egress_counter gw-lan pass)
	er0=$(egress_counter gw-lan rate_limited)
	serve rate $A 6000 1 $NBLAST 100 || { bad "rate server" "did not start"; return; }
	got=$(nsx "$DEV" $UDP client 198.18.1.2 40010 $A 6000 1 100 $NBLAST)
	wait "${MW_PIDS[@]}" 2>/dev/null
	MW_PIDS=()
	read -r _ sent secs < "$TMP/rate.out"
	npass=$(( $(egress_counter gw-lan pass) - ep0 ))
	nlim=$(( $(egress_counter gw-lan rate_limited) - er0 ))
	echo "  download: the server sent $sent in $secs s, tc passed $npass, limited $nlim, the phone got $got"
	expect "rate: the server sent $NBLAST" "$sent" $NBLAST
	expect "rate: rate_limited == sent - passed" "$nlim" $((sent - npass))
	expect "rate: the phone received exactly what passed" "$got" "$npass"
	expect "rate: the phone's pass counter (1 upload + passed)" $(( $(mw_counter phone pass) - p0 )) \
		$((npass + 1))
	expect "rate: the phone's rate_limited counter" $(( $(mw_counter phone rate_limited) - r0 )) "$nlim"
	maxpass=$(/usr/bin/python3 -c "import math; print($BURST + math.ceil($RATE * $secs) + 1)")
	if [ "$npass" -ge $BURST ] && [ "$npass" -le "$maxpass" ]; then
		ok "rate: $BURST <= passed ($npass) <= burst + rate x T + 1 ($maxpass)"
	else
		bad "rate: passed within the window" "$npass not in [$BURST, $maxpass]"
	fi
	expect "rate: the flow holds every frame, the limited ones as dropped_in" \
		"$("$MODWALL" -j flows phone | mw_jq '"%s" % [(f["packets_out"], f["bytes_out"], f["packets_in"],
			f["bytes_in"], f["dropped_out"], f["dropped_in"]) for f in d["flows"] if f["port"] == 6000]')" \
		"[(1, $(udp_frame 100), $NBLAST, $((NBLAST * $(udp_frame 100))), 0, $nlim)]"
	expect "rate: flows still sum to the phone's counters" "$(flows_sum phone packets)" \
		"$(subject_sum phone packets)"
}

# an allow-list by source: only A may send to the phone (a DNAT rule brings both in)
test_allow_by_source() {
	local na0 ena0 ep0 got
	policy "$TMP/allow.mwp" "allow udp to $A flows"
	"$MODWALL" apply "$TMP/allow.mwp" >/dev/null
	expect "apply: the phone may talk to A only" $? 0
	na0=$(mw_counter phone not_allowed)
	ena0=$(egress_counter gw-lan not_allowed)
	ep0=$(egress_counter gw-lan pass)
	rm -f "$TMP/sink.ready"
	nsx "$DEV" $UDP sink 198.18.1.2 7000 "$TMP/sink.ready" >"$TMP/sink.out" &
	MW_PIDS+=($!)
	for _ in $(seq 1 50); do [ -e "$TMP/sink.ready" ] && break; sleep 0.1; done
	nsx "$SRV" $UDP blast $A 7100 $NAT 7000 15 100 >/dev/null
	nsx "$SRV" $UDP blast $B 7100 $NAT 7000 12 100 >/dev/null
	wait "${MW_PIDS[@]}" 2>/dev/null
	MW_PIDS=()
	got=$(cat "$TMP/sink.out")
	expect "allow: the phone got A's 15 and none of B's 12" "$got" 15
	expect "allow: egress pass == 15" $(( $(egress_counter gw-lan pass) - ep0 )) 15
	expect "allow: egress not_allowed == 12" $(( $(egress_counter gw-lan not_allowed) - ena0 )) 12
	expect "allow: the phone's not_allowed == 12" $(( $(mw_counter phone not_allowed) - na0 )) 12
	expect "allow: the flows from A and B, B's dropped" \
		"$("$MODWALL" -j flows phone | mw_jq '"%s" % sorted((f["remote"], f["packets_in"], f["bytes_in"],
			f["dropped_in"]) for f in d["flows"] if f["port"] == 7100)')" \
		"[('$A', 15, $((15 * $(udp_frame 100))), 0), ('$B', 12, $((12 * $(udp_frame 100))), 12)]"
	expect "allow: flows still sum to the phone's counters (bytes)" "$(flows_sum phone bytes)" \
		"$(subject_sum phone bytes)"
}

# a filter removed by hand is a problem status reports; load puts it back
test_status_problem() {
	local out rc
	nsx "$GW" tc filter del dev gw-lan egress pref 1 handle 0x4d57 bpf
	out=$(nsx "$GW" "$MODWALL" -j status)
	rc=$?
	expect "status after the filter went: exit 1" $rc 1
	expect "status: the problem names the tc egress filter" \
		"$(echo "$out" | mw_jq '"%s %d" % (d["healthy"], sum("tc egress filter is gone" in p for p in d["problems"]))')" \
		"False 1"
	nsx "$GW" "$MODWALL" load gw-lan --role lan --mode generic >/dev/null
	nsx "$GW" "$MODWALL" -j status >/dev/null
	expect "status after load: healthy again" $? 0
}

test_unload() {
	local out
	nsx "$GW" "$MODWALL" unload gw-lan >/dev/null
	expect "unload gw-lan" $? 0
	out=$(nsx "$GW" tc filter show dev gw-lan egress)
	expect "tc filter show dev gw-lan egress: nothing" "$out" ""
	check "the tc_gw-lan pin is gone" test ! -e "$MODWALL_PIN_DIR/tc_gw-lan"
}

setup
test_load
test_up_down
test_sort_top_since
test_download_rate
test_allow_by_source
test_status_problem
test_unload
mw_done
