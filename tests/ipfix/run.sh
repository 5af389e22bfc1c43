#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# IPFIX export: modwalld --ipfix sends the flows of a policy with `flows` to
# nfcapd (nfdump's collector) on loopback; nfdump must read back records
# that match the traffic sent packet for packet and byte for byte, per
# direction. A second collector behind nfcapd's repeater (decode.py) checks
# what nfdump does not show: flowEndReason, interfaceName, MACs, the
# device's address. Usage: tests/ipfix/run.sh MODWALL
#
#   dev-a (02:11:22:33:44:55, 198.18.1.2) --veth-- gw (gw-a, 198.18.1.1)
#   dev-q (34:87:3d:00:00:01, 198.18.2.2) --veth-- gw (gw-q, 198.18.2.1)
#   dev-b (02:11:22:33:44:77, 198.18.3.2) --veth-- gw (gw-b, 198.18.3.1)
#
# meter-a is tagged by MAC, meter-b by address, dev-q is a member of the
# class "quectel"; all keep flows. The gateway echoes UDP on 5001-5003.
#
# Run 1 (--listen none, idle timeout 2 s): pings and UDP exchanges, the
# idle export, then a flow still active at SIGTERM. Run 2 (active timeout
# 1 s): one flow exported in pieces whose sum is the flow; its metrics.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"
mw_init ipfix "$@"
mw_need nfcapd nfdump bpftool curl
MODWALLD=$(dirname "$MODWALL")/modwalld

GW=${MW_PREFIX}-gw
A=${MW_PREFIX}-a
Q=${MW_PREFIX}-q
B=${MW_PREFIX}-b
MAC_A=02:11:22:33:44:55
MAC_Q=34:87:3d:00:00:01
MAC_B=02:11:22:33:44:77
PING_A=20	# 98-byte frames each way
UDP_A=10	# 200-byte payloads: 242-byte frames each way
PING_Q=7
UDP_B=5		# 100-byte payloads: 142-byte frames
LATE_A=3	# 50-byte payloads: 92-byte frames, sent just before SIGTERM
LONG_A=30	# run 2: 64-byte payloads (106-byte frames), 0.1 s apart

# start_collector: nfcapd on a free loopback port, repeating to decode.py
start_collector() {
	NFPORT=$(mw_free_port udp)
	DECPORT=$(mw_free_port udp)
	while [ "$DECPORT" = "$NFPORT" ]; do DECPORT=$(mw_free_port udp); done
	mkdir -p "$TMP/nf"
	/usr/bin/python3 "$HERE/decode.py" "$DECPORT" "$TMP/records" 2>"$TMP/decode.err" &
	DECPID=$!
	MW_PIDS+=("$DECPID")
	nfcapd -b 127.0.0.1 -p "$NFPORT" -w "$TMP/nf" -t 3600 -R "127.0.0.1/$DECPORT" \
		>"$TMP/nfcapd.log" 2>&1 &
	NFPID=$!
	MW_PIDS+=("$NFPID")
	sleep 0.5
	kill -0 "$NFPID" 2>/dev/null && kill -0 "$DECPID" 2>/dev/null
}

# start_daemon LOG ARGS...: modwalld from the host namespace, on the test's pins
start_daemon() {
	local log=$1 i
	shift
	"$MODWALLD" "$@" 2>"$log" &
	DPID=$!
	MW_PIDS+=("$DPID")
	for i in $(seq 1 50); do
		grep -q "ipfix: exporting flows" "$log" && return 0
		kill -0 "$DPID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# stop PID: SIGTERM, then wait up to 10 s for the exit; its status in STATUS
stop() {
	local i
	kill -TERM "$1" 2>/dev/null
	for i in $(seq 1 100); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	wait "$1" 2>/dev/null
	STATUS=$?
}

flows_in_table() {
	bpftool -j map dump pinned "$MODWALL_PIN_DIR/mw_flows" | mw_jq 'len(d)'
}

# udp NS DST PORT COUNT SIZE [GAP]: COUNT echoed datagrams; prints the replies
udp() { nsx "$1" /usr/bin/python3 "$HERE/udp.py" send "${@:2}"; }

# nf_sum SRC DST SPORT DPORT PROTO DIR: "packets bytes" summed over nfdump's
# records (csv, columns by the names of its header line)
nf_sum() {
	awk -F, -v sa="$1" -v da="$2" -v sp="$3" -v dp="$4" -v pr="$5" -v dir="$6" '
	NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	$c["sa"] == sa && $c["da"] == da && $c["sp"] == sp && $c["dp"] == dp && $c["pr"] == pr &&
	$c["dir"] == dir { p += $c["ipkt"]; b += $c["ibyt"] }
	END { print p + 0, b + 0 }' "$TMP/nf.csv"
}

# recs NAME DIR PORT: decode.py's records of device NAME in direction DIR
# (0 out, 1 in) with remote port PORT, one line each
recs() {
	awk -v n="$1" -v d="$2" -v p="$3" '
	$1 == n && $3 == d && ((d == 0 && $7 == p) || (d == 1 && $6 == p))' "$TMP/records"
}

setup() {
	mw_ns "$GW"
	mw_ns "$A"
	mw_ns "$Q"
	mw_ns "$B"
	mw_link "$GW" gw-a 198.18.1.1 "$A" eth0 198.18.1.2 $MAC_A
	mw_link "$GW" gw-q 198.18.2.1 "$Q" eth0 198.18.2.2 $MAC_Q
	mw_link "$GW" gw-b 198.18.3.1 "$B" eth0 198.18.3.2 $MAC_B
	cat > "$TMP/site.mwp" <<-POL
	policy keep { pass flows }
	policy watch { observe flows }
	device meter-a mac $MAC_A policy keep
	device meter-b ip 198.18.3.2 policy keep
	class  quectel vendor "Quectel" policy watch
	default pass
	POL
	nsenter --net=/run/netns/"$GW" /usr/bin/python3 "$HERE/udp.py" serve 5001 5002 5003 &
	MW_PIDS+=("$!")
	nsx "$GW" "$MODWALL" load gw-a --mode generic >/dev/null &&
		nsx "$GW" "$MODWALL" load gw-q --mode generic >/dev/null &&
		nsx "$GW" "$MODWALL" load gw-b --mode generic >/dev/null &&
		"$MODWALL" apply "$TMP/site.mwp" >/dev/null
	expect "setup: load three lan interfaces and apply a policy with flows" $? 0
	start_collector
	expect "setup: nfcapd and the decoder listen" $? 0
}

# expect_flow WHAT SRC DST SPORT DPORT PROTO PACKETS BYTES (PROTO as nfdump names it): nfdump's sums; the
# direction (flowDirection, nfdump's "dir") is 0 when SRC is the device's side
expect_flow() {
	local dir=1
	case "$1" in *" out"*) dir=0 ;; esac
	expect "$1: nfdump $7 packets, $8 bytes" "$(nf_sum "$2" "$3" "$4" "$5" "$6" $dir)" "$7 $8"
}

run1() {
	local i n
	start_daemon "$TMP/d1.log" --listen none --ipfix 127.0.0.1:"$NFPORT" --flow-idle-timeout 2
	expect "modwalld --listen none --ipfix starts" $? 0
	expect "ping meter-a -> gateway" "$(send "$A" 198.18.1.1 $PING_A)" $PING_A
	expect "udp meter-a -> gateway:5001" "$(udp "$A" 198.18.1.1 5001 $UDP_A 200)" $UDP_A
	expect "ping quectel member -> gateway" "$(send "$Q" 198.18.2.1 $PING_Q)" $PING_Q
	expect "udp meter-b -> gateway:5001" "$(udp "$B" 198.18.3.1 5001 $UDP_B 100)" $UDP_B
	n=
	for i in $(seq 1 100); do
		n=$(flows_in_table)
		[ "$n" = 0 ] && break
		sleep 0.1
	done
	expect "idle flows taken out of mw_flows" "$n" 0
	expect "udp meter-a -> gateway:5002 (active at SIGTERM)" \
		"$(udp "$A" 198.18.1.1 5002 $LATE_A 50)" $LATE_A
	expect "the late flow is in the table at SIGTERM" "$(flows_in_table)" 1
	stop "$DPID"
	expect "SIGTERM: modwalld exits 0" "$STATUS" 0
	expect "SIGTERM: the flows it held are taken" "$(flows_in_table)" 0
	grep -q "ipfix: stopped: .* 1 at stop, 0 send errors" "$TMP/d1.log"
	expect "SIGTERM: one flow ended at stop, no send errors (log)" $? 0
}

run2() {
	local out url n
	start_daemon "$TMP/d2.log" --listen 127.0.0.1:0 --ipfix 127.0.0.1:"$NFPORT" \
		--flow-active-timeout 1 --flow-idle-timeout 30 --ipfix-template-refresh 1
	expect "modwalld with --flow-active-timeout 1 starts" $? 0
	expect "udp meter-a -> gateway:5003, 3 s" "$(udp "$A" 198.18.1.1 5003 $LONG_A 64 0.1)" $LONG_A
	sleep 1.5
	url=$(sed -n 's/^modwall: daemon: serving //p' "$TMP/d2.log")
	out=$(curl -sf "$url")
	expect "GET /metrics" $? 0
	n=$(awk '$1 == "modwall_ipfix_records_total" { print $2 }' <<<"$out")
	case "$n" in
	[1-9]*) ok "modwall_ipfix_records_total counts active exports ($n)" ;;
	*) bad "modwall_ipfix_records_total counts active exports" "got '$n'" ;;
	esac
	expect "modwall_ipfix_send_errors_total" \
		"$(awk '$1 == "modwall_ipfix_send_errors_total" { print $2 }' <<<"$out")" 0
	expect "modwall_ipfix_flows (the 5003 flow, still live)" \
		"$(awk '$1 == "modwall_ipfix_flows" { print $2 }' <<<"$out")" 1
	promtool check metrics <<<"$out" >/dev/null 2>&1
	expect "promtool accepts the ipfix families" $? 0
	stop "$DPID"
	expect "run 2: modwalld exits 0" "$STATUS" 0
}

check_records() {
	local f
	# nfcapd writes its file on SIGTERM; the decoder has seen every repeat by then
	sleep 0.5
	stop "$NFPID"
	expect "nfcapd exits on SIGTERM" "$STATUS" 0
	stop "$DECPID"
	f=$(ls "$TMP"/nf/nfcapd.* 2>/dev/null | head -1)
	if [ -z "$f" ]; then
		bad "nfcapd wrote a file" "nothing in $TMP/nf"
		return
	fi
	nfdump -R "$TMP/nf" -o csv >"$TMP/nf.csv" 2>"$TMP/nfdump.err"
	expect "nfdump reads the records" $? 0
	sed -i '/^Summary/,$d;/^$/d' "$TMP/nf.csv"
	[ -n "${IPFIX_DEBUG:-}" ] && cp "$TMP/nf.csv" "$TMP/records" "$TMP"/*.log "$IPFIX_DEBUG"/
	expect "nfdump and the decoder saw the same records" \
		"$(($(wc -l <"$TMP/nf.csv") - 1))" "$(wc -l <"$TMP/records")"
	echo "  $(($(wc -l <"$TMP/nf.csv") - 1)) records"

	# meter-a is tagged by MAC: its address is not known (0.0.0.0)
	expect_flow "meter-a icmp out" 0.0.0.0 198.18.1.1 0 2048 ICMP $PING_A $((PING_A * 98))
	expect_flow "meter-a icmp in" 198.18.1.1 0.0.0.0 0 2048 ICMP $PING_A $((PING_A * 98))
	expect_flow "meter-a udp 5001 out" 0.0.0.0 198.18.1.1 0 5001 UDP $UDP_A $((UDP_A * 242))
	expect_flow "meter-a udp 5001 in" 198.18.1.1 0.0.0.0 5001 0 UDP $UDP_A $((UDP_A * 242))
	# the class member: its address from the discovery table
	expect_flow "quectel icmp out" 198.18.2.2 198.18.2.1 0 2048 ICMP $PING_Q $((PING_Q * 98))
	expect_flow "quectel icmp in" 198.18.2.1 198.18.2.2 0 2048 ICMP $PING_Q $((PING_Q * 98))
	# meter-b is bound to its address: the live policy knows it
	expect_flow "meter-b udp 5001 out" 198.18.3.2 198.18.3.1 0 5001 UDP $UDP_B $((UDP_B * 142))
	expect_flow "meter-b udp 5001 in" 198.18.3.1 198.18.3.2 5001 0 UDP $UDP_B $((UDP_B * 142))
	expect_flow "meter-a udp 5002 out (at SIGTERM)" 0.0.0.0 198.18.1.1 0 5002 UDP $LATE_A $((LATE_A * 92))
	expect_flow "meter-a udp 5002 in (at SIGTERM)" 198.18.1.1 0.0.0.0 5002 0 UDP $LATE_A $((LATE_A * 92))
	expect_flow "meter-a udp 5003 out (active pieces)" 0.0.0.0 198.18.1.1 0 5003 UDP $LONG_A $((LONG_A * 106))
	expect_flow "meter-a udp 5003 in (active pieces)" 198.18.1.1 0.0.0.0 5003 0 UDP $LONG_A $((LONG_A * 106))
	expect "no other flows: 12 (address, port, protocol, direction) keys" \
		"$(awk -F, 'NR > 1 { print $4, $5, $6, $7, $8 }' "$TMP/nf.csv" | sort -u | wc -l)" 12

	# what nfdump does not show
	expect "idle flows end with reason 1, one record per direction" \
		"$(recs meter-a 0 5001 | awk '{ print $2, $12, $13 }')" "1 $UDP_A $((UDP_A * 242))"
	expect "the flow active at SIGTERM ends with reason 4 (forced end)" \
		"$(recs meter-a 0 5002 | awk '{ print $2 }' | sort -u)" 4
	expect "active timeout: the 5003 flow in several records with reason 2" \
		"$(recs meter-a 0 5003 | awk '$2 == 2 { n++ } END { print (n >= 2) }')" 1
	expect "active pieces add up (decoder)" \
		"$(recs meter-a 0 5003 | awk '{ p += $12; b += $13 } END { print p, b }')" \
		"$LONG_A $((LONG_A * 106))"
	expect "flowDirection: out 0 / in 1" \
		"$(recs meter-b 0 5001 | awk '{ print $3 }')$(recs meter-b 1 5001 | awk '{ print $3 }')" 01
	expect "interfaceName carries the class name; member MAC as source MAC (out)" \
		"$(awk '$1 == "quectel" && $3 == 0 { print $10 }' "$TMP/records" | sort -u)" $MAC_Q
	expect "member MAC as destination MAC (in)" \
		"$(awk '$1 == "quectel" && $3 == 1 { print $11 }' "$TMP/records" | sort -u)" $MAC_Q
	expect "ICMP type in icmpTypeCodeIPv4 (8 << 8)" \
		"$(awk '$1 == "quectel" { print $9 }' "$TMP/records" | sort -u)" 2048
	expect "start <= end, epoch milliseconds of today" \
		"$(awk -v now="$(date +%s)" '{ bad += !($14 <= $15 && $15 / 1000 > now - 600 && $15 / 1000 <= now + 1) }
			END { print bad + 0 }' "$TMP/records")" 0
}

setup
run1
run2
check_records
mw_done
