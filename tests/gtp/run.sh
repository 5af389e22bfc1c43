#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# GTP-U end to end: a base station sends tunnelled traffic of three devices
# (UEs) to a gateway whose interface is loaded with --role n3; exact counts
# per device. Usage: tests/gtp/run.sh MODWALL
#
#   bs (base station, 198.18.40.2) --veth-- gw (gw-n3, 198.18.40.1, n3)
#
# Inside the tunnels (GTP-U frames built with scapy's GTP layer):
#   tracker  198.18.50.2  IMEI device, bound to its address by a RADIUS
#                         Start (radclient to `modwall daemon --radius`): drop
#   meter    198.18.50.3  allow-listed: UDP to 198.18.60.5 port 8883 only
#   stranger 198.18.50.9  in no policy: the default (pass)
# The host kernel needs no GTP module: the gateway only judges the frames.
set -u
. "$(dirname "$0")/../lib.sh"
mw_init gtp "$@"
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3

GW=${MW_PREFIX}-gw
BS=${MW_PREFIX}-bs
MAC_BS=02:00:00:00:0b:02
GNB=198.18.40.2
UPF=198.18.40.1
TRACKER=198.18.50.2
METER=198.18.50.3
STRANGER=198.18.50.9
BROKER=198.18.60.5
IMEI=356938035643809
IMEISV=3569380356438001

mw_need radclient curl

# gtp KIND COUNT [INNER_SRC INNER_DST DPORT]: COUNT frames from the base station
gtp() {
	local kind=$1 n=$2
	shift 2
	nsx "$BS" "$PY" "$HERE/send.py" eth0 "$MAC_BS" "$GW_MAC" "$GNB" "$UPF" "$kind" "$n" "$@"
}

# the daemon (killed at exit through MW_PIDS): metrics on $URL, RADIUS on $PORT
start_daemon() {
	local i log=$TMP/daemon.log
	"$MODWALL" daemon --listen 127.0.0.1:0 --radius 127.0.0.1:$PORT \
		--radius-secret-file "$TMP/secret" 2>>"$log" &
	MW_PIDS+=($!)
	for i in $(seq 1 100); do
		URL=$(sed -n 's/^modwall: daemon: serving //p' "$log")
		[ -n "$URL" ] && ss -Hlun "sport = :$PORT" | grep -q . && return 0
		sleep 0.05
	done
	cat "$log"
	return 1
}

# metric SERIES: its value on /metrics, "missing" when absent
metric() {
	curl -s "$URL" | awk -v s="$1" '$1 == s { print $2; f = 1 } END { if (!f) print "missing" }'
}

# tunnel SUBJECT FIELD: the subject's tunnel record in `stats --json`
tunnel() {
	"$MODWALL" -j stats --all | mw_jq '
next((str(s.get("tunnel", {}).get(f, "none")) for s in d["subjects"] if s["name"] == n), "no subject")' \
		n="$1" f="$2"
}

setup() {
	mw_ns "$GW"
	mw_ns "$BS"
	mw_link "$GW" gw-n3 $UPF "$BS" eth0 $GNB $MAC_BS
	GW_MAC=$(mw_mac "$GW" gw-n3)
	cat > "$TMP/policy.mwp" <<-POL
	policy telemetry {
	    allow udp to $BROKER port 8883
	}
	device tracker imei $IMEI policy drop
	device meter ip $METER policy telemetry
	default pass
	POL
	printf 'testing123\n' > "$TMP/secret"
	chmod 600 "$TMP/secret"
	PORT=$(mw_free_port udp)
	nsx "$GW" "$MODWALL" load gw-n3 --role n3 --mode generic >/dev/null
	expect "load --role n3" $? 0
	expect "status names the role" "$("$MODWALL" -j status | mw_jq '.interfaces[0].role')" n3
	"$MODWALL" -q apply "$TMP/policy.mwp" >/dev/null
	expect "apply" $? 0
	start_daemon
	expect "daemon with a RADIUS listener up" $? 0
}

test_before_binding() {
	gtp up 10 $TRACKER $BROKER 8883
	expect "tracker unbound: its G-PDUs are unattributed" "$(mw_counter unattributed pass)" 10
	expect "tracker unbound: nothing counted for it" "$(mw_counter tracker drop)" 0
}

test_radius_start() {
	printf '%s\n' "Acct-Status-Type = Start" "3GPP-IMEISV = \"$IMEISV\"" \
		"Framed-IP-Address = $TRACKER" 'Acct-Session-Id = "gtp-1"' |
		radclient -x -r 1 -t 1 -S "$TMP/secret" 127.0.0.1:$PORT acct >"$TMP/radclient.log" 2>&1
	expect "RADIUS Start answered" $? 0
	local i
	for i in $(seq 1 40); do
		[ "$(metric 'modwall_radius_bindings_total{change="bound"}')" = 1 ] && break
		sleep 0.05
	done
	expect "RADIUS Start: the tracker's address is bound" \
		"$(metric 'modwall_radius_bindings_total{change="bound"}')" 1
}

test_traffic() {
	local u0 ts0
	u0=$(mw_counter unattributed pass)
	ts0=$(mw_iface_counter gw-n3 tunnel_signal)
	gtp up 20 $TRACKER $BROKER 8883
	gtp down 5 $BROKER $TRACKER 40000
	gtp up 12 $METER $BROKER 8883
	gtp up 7 $METER 198.18.60.6 8883
	gtp up 9 $STRANGER $BROKER 8883
	gtp down 4 $BROKER $STRANGER 40000
	gtp echo 3
	expect "tracker: every G-PDU dropped (20 up + 5 down)" "$(mw_counter tracker drop)" 25
	expect "tracker: nothing passed" "$(mw_counter tracker pass)" 0
	expect "meter: allowed destination passed" "$(mw_counter meter pass)" 12
	expect "meter: other destination not allowed" "$(mw_counter meter not_allowed)" 7
	expect "stranger: the default (9 up + 4 down)" "$(( $(mw_counter unattributed pass) - u0 ))" 13
	expect "echo requests: tunnel_signal on gw-n3" \
		"$(( $(mw_iface_counter gw-n3 tunnel_signal) - ts0 ))" 3
	expect "nothing malformed" "$(mw_iface_counter gw-n3 malformed)" 0
	expect "gw-n3 drops: the tracker's 25 and the meter's 7" \
		"$(( $(mw_iface_counter gw-n3 drop) + $(mw_iface_counter gw-n3 not_allowed) ))" 32
}

test_peers() {
	expect "stats: tracker seen in 25 G-PDUs" "$(tunnel tracker frames)" 25
	expect "stats: tracker's last peer is the base station" "$(tunnel tracker peer)" $GNB
	expect "stats: tracker's last G-PDU was downlink" "$(tunnel tracker direction)" downlink
	expect "stats: meter seen in 19 G-PDUs, uplink" \
		"$(tunnel meter frames) $(tunnel meter direction)" "19 uplink"
	expect "show --json: the tracker's tunnel peer" \
		"$("$MODWALL" -j show | mw_jq 'next(s["tunnel"]["peer"] for s in d["subjects"] if s["name"] == "tracker")')" $GNB
	"$MODWALL" stats | grep -q "^tracker .* $GNB .*downlink"
	expect "stats (text): the tunnel table names tracker and its peer" $? 0
	expect "metrics: tracker's G-PDUs" \
		"$(metric 'modwall_device_tunnel_frames_total{device="tracker",kind="device"}')" 25
	expect "metrics: tracker's peer" \
		"$(metric "modwall_device_tunnel_peer{device=\"tracker\",kind=\"device\",peer=\"$GNB\",direction=\"downlink\"}")" 1
	expect "metrics: tunnel_signal on gw-n3" \
		"$(metric 'modwall_interface_packets_total{interface="gw-n3",role="n3",reason="tunnel_signal"}')" 3
}

test_malformed() {
	nsx "$BS" "$PY" -c '
import logging, sys
logging.getLogger("scapy").setLevel(logging.ERROR)
from scapy.all import Ether, IP, UDP, Raw, sendp, conf
conf.verb = 0
f = Ether(src=sys.argv[1], dst=sys.argv[2]) / IP(src=sys.argv[3], dst=sys.argv[4]) / UDP(sport=2152, dport=2152) / Raw(b"\x30\xff\x00")
sendp([f] * 6, iface="eth0")' "$MAC_BS" "$GW_MAC" $GNB $UPF
	expect "truncated GTP-U headers: malformed and dropped" "$(mw_iface_counter gw-n3 malformed)" 6
}

setup
test_before_binding
test_radius_start
test_traffic
test_peers
test_malformed
mw_done
