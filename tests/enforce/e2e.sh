#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# End-to-end enforcement: allow-lists and rate limits on a routed gateway,
# real traffic, the real CLI, exact counters. Usage: tests/enforce/e2e.sh MODWALL
#
#   meter (198.18.1.2) --veth-- gw-lan [gateway, forwarding] gw-wan --veth-- server
#                            198.18.1.1           198.18.100.1        198.18.100.10 (broker)
#                            role lan             role wan            198.18.100.20 (other)
#
# The device is bound by address, so it is recognised on both interfaces:
# as the source on gw-lan (uploads) and as the destination on gw-wan
# (downloads, replies). Neighbours are static and IPv6 is off, so the only
# frames are the ones the test sends and every count is exact, except the
# rate-limited ones, which are checked against rate x time + burst.
set -u
. "$(dirname "$0")/../lib.sh"
mw_init enf "$@"

GW=${MW_PREFIX}-egw
DEV=${MW_PREFIX}-edev
SRV=${MW_PREFIX}-esrv
MAC_DEV=02:11:22:33:44:55
MAC_SRV=02:11:22:33:44:aa
BROKER=198.18.100.10
OTHER=198.18.100.20
RATE=200		# pps, both directions (one bucket each)
BURST=50
# Offered load and tolerance for the rate checks. The bucket itself is
# exact to well under 1% (tests/enforce/rate_accuracy.c); here T is taken
# by the sender in userspace, frames cross veth in generic XDP, and a
# Python sender's pacing jitters, so allow 3%.
OFFERED=1000
SECS=3
TOL_PCT=3
KBIT=400		# the bit-rate variant: 400 kbit/s, 10000-byte burst
BBURST=10000

# send (tests/lib.sh): pings through the routed gateway get more time
MW_SEND_INTERVAL=0.01
MW_SEND_WAIT=0.5

# sink NS ADDR PORT FILE [WAIT]: count UDP datagrams to ADDR:PORT until 1 s
# of silence after the first one, or WAIT s (default 30) without any; the
# count goes to FILE
sink() {
	nsx "$1" /usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
s.bind((sys.argv[1], int(sys.argv[2])))
open(sys.argv[3] + ".ready", "w").close()
n, end = 0, time.monotonic() + 30
s.settimeout(float(sys.argv[4]))
while time.monotonic() < end:
    try:
        s.recv(2048)
    except socket.timeout:
        break
    n += 1
    s.settimeout(1)
try:
    open(sys.argv[3], "w").write("%d\n" % n)
except OSError:
    pass    # the test is being torn down' "$2" "$3" "$4" "${5:-30}" &
	MW_PIDS+=($!)
	local i
	for i in $(seq 1 50); do
		[ -e "$4.ready" ] && return 0
		sleep 0.1
	done
	return 1
}

# blast NS SRC SPORT DST DPORT PPS SECS: paced UDP datagrams (100 bytes of
# payload); prints "sent seconds", seconds from the first send to the last
blast() {
	nsx "$1" /usr/bin/python3 -c '
import socket, sys, time
src, sport, dst, dport = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
pps, secs = float(sys.argv[5]), float(sys.argv[6])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, sport))
payload = b"m" * 100
period, n = 1.0 / pps, int(pps * secs)
t0 = time.monotonic()
for k in range(n):
    due = t0 + k * period
    while time.monotonic() < due:
        pass
    s.sendto(payload, (dst, dport))
    if k == 0:
        first = time.monotonic()
last = time.monotonic()
print(n, "%.6f" % (last - first))' "$2" "$3" "$4" "$5" "$6" "$7"
}

# within NAME ACTUAL EXPECTED: |ACTUAL - EXPECTED| <= TOL_PCT% of EXPECTED
within() {
	if /usr/bin/python3 -c '
import sys
a, e, t = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
sys.exit(0 if abs(a - e) <= e * t / 100 else 1)' "$2" "$3" "$TOL_PCT"; then
		ok "$1 ($2, expected $3 +-$TOL_PCT%)"
	else
		bad "$1" "$2, expected $3 +-$TOL_PCT%"
	fi
}

setup() {
	mw_ns "$GW"
	mw_ns "$DEV"
	mw_ns "$SRV"
	nsx "$GW" sysctl -qw net.ipv4.ip_forward=1
	mw_link "$GW" gw-lan 198.18.1.1 "$DEV" eth0 198.18.1.2 $MAC_DEV
	mw_link "$GW" gw-wan 198.18.100.1 "$SRV" eth0 $BROKER $MAC_SRV
	nsx "$SRV" ip addr add $OTHER/24 dev eth0
	nsx "$GW" ip neigh replace $OTHER lladdr $MAC_SRV dev gw-wan nud permanent
	nsx "$DEV" ip route add default via 198.18.1.1
	nsx "$SRV" ip route add default via 198.18.100.1
	cat > "$TMP/policy.mwp" <<-POL
	# The meter may talk to its MQTT broker only, and not fast.
	policy telemetry {
	    # On gw-lan the remote end is the destination: the meter's uploads to
	    # the broker's port. On gw-wan it is the source: the broker's replies
	    # come from port 8883 and match the same rule.
	    allow udp to $BROKER port 8883
	    # Echo requests (type 8) leave on gw-lan; the broker's echo replies
	    # (type 0) arrive on gw-wan, again with the broker as the remote end,
	    # and are checked against the same rules. A rule has no direction,
	    # so both types are listed. 'type 0-8' would do as well but would
	    # also let through 3-5 (unreachable, source quench, redirect).
	    allow icmp to $BROKER type 8
	    allow icmp to $BROKER type 0
	    # one bucket for uploads (gw-lan), one for downloads (gw-wan)
	    rate $RATE pps burst $BURST
	}
	device meter ip 198.18.1.2 policy telemetry
	default pass
	POL
}

test_load_apply() {
	nsx "$GW" "$MODWALL" load gw-lan --role lan --mode generic >/dev/null &&
		nsx "$GW" "$MODWALL" load gw-wan --role wan --mode generic >/dev/null
	expect "load gw-lan (lan) and gw-wan (wan)" $? 0
	"$MODWALL" apply "$TMP/policy.mwp" >/dev/null
	expect "apply the allow-list policy" $? 0
	expect "status: two interfaces" \
		"$("$MODWALL" -j status | mw_jq 'sorted((i["interface"], i["role"]) for i in d["interfaces"])')" \
		"[('gw-lan', 'lan'), ('gw-wan', 'wan')]"
}

test_ping_broker() {
	local rx lp wp
	lp=$(mw_iface_counter gw-lan pass)
	wp=$(mw_iface_counter gw-wan pass)
	rx=$(send "$DEV" $BROKER 20)
	expect "ping broker: every reply comes back" "$rx" 20
	expect "ping broker: requests passed on gw-lan" $(( $(mw_iface_counter gw-lan pass) - lp )) 20
	expect "ping broker: replies passed on gw-wan (device as destination)" \
		$(( $(mw_iface_counter gw-wan pass) - wp )) 20
	expect "ping broker: meter's pass counter (both directions)" "$(mw_counter meter pass)" 40
	expect "ping broker: bytes, 40 x 98" "$(mw_counter meter pass bytes)" $((40 * 98))
	expect "ping broker: nothing not_allowed" "$(mw_counter meter not_allowed)" 0
}

test_ping_other() {
	local rx na lna wna
	na=$(mw_counter meter not_allowed)
	lna=$(mw_iface_counter gw-lan not_allowed)
	wna=$(mw_iface_counter gw-wan not_allowed)
	rx=$(send "$DEV" $OTHER 15)
	expect "ping other host: no reply" "$rx" 0
	expect "ping other host: not_allowed == sent" $(( $(mw_counter meter not_allowed) - na )) 15
	expect "ping other host: counted on gw-lan" $(( $(mw_iface_counter gw-lan not_allowed) - lna )) 15
	expect "ping other host: nothing reached gw-wan" $(( $(mw_iface_counter gw-wan not_allowed) - wna )) 0
	rx=$(send "$DEV" 198.18.100.1 5)
	expect "ping the gateway's wan address: not allowed either" "$rx" 0
}

# upload: the meter floods the broker's port at OFFERED pps for SECS seconds
test_upload_rate() {
	local p0 r0 lp0 lr0 out sent secs got npass nlim expected
	sleep 0.5	# the bucket refills to its burst
	p0=$(mw_counter meter pass)
	r0=$(mw_counter meter rate_limited)
	lp0=$(mw_iface_counter gw-lan pass)
	lr0=$(mw_iface_counter gw-lan rate_limited)
	sink "$SRV" $BROKER 8883 "$TMP/up.count" || { bad "upload" "sink did not start"; return; }
	out=$(blast "$DEV" 198.18.1.2 40000 $BROKER 8883 $OFFERED $SECS)
	read -r sent secs <<< "$out"
	wait "${MW_PIDS[-1]}"
	got=$(cat "$TMP/up.count" 2>/dev/null || echo 0)
	npass=$(( $(mw_counter meter pass) - p0 ))
	nlim=$(( $(mw_counter meter rate_limited) - r0 ))
	expected=$(/usr/bin/python3 -c "print(round($RATE * $secs + $BURST, 1))")
	echo "  upload: sent $sent in $secs s, passed $npass, limited $nlim, broker got $got"
	expect "upload: every frame counted once (pass + rate_limited == sent)" \
		$((npass + nlim)) "$sent"
	expect "upload: the broker received exactly what passed" "$got" "$npass"
	expect "upload: gw-lan pass row" $(( $(mw_iface_counter gw-lan pass) - lp0 )) "$npass"
	expect "upload: gw-lan rate_limited row" $(( $(mw_iface_counter gw-lan rate_limited) - lr0 )) "$nlim"
	within "upload: passed = $RATE pps x T + $BURST" "$npass" "$expected"
}

# download: the broker floods the meter from its port 8883 (allowed on wan:
# the remote port is the source port); the download bucket is separate
test_download_rate() {
	local p0 r0 wp0 wr0 out sent secs got npass nlim expected
	sleep 0.5
	p0=$(mw_counter meter pass)
	r0=$(mw_counter meter rate_limited)
	wp0=$(mw_iface_counter gw-wan pass)
	wr0=$(mw_iface_counter gw-wan rate_limited)
	sink "$DEV" 198.18.1.2 5000 "$TMP/down.count" || { bad "download" "sink did not start"; return; }
	out=$(blast "$SRV" $BROKER 8883 198.18.1.2 5000 $OFFERED $SECS)
	read -r sent secs <<< "$out"
	wait "${MW_PIDS[-1]}"
	got=$(cat "$TMP/down.count" 2>/dev/null || echo 0)
	npass=$(( $(mw_counter meter pass) - p0 ))
	nlim=$(( $(mw_counter meter rate_limited) - r0 ))
	expected=$(/usr/bin/python3 -c "print(round($RATE * $secs + $BURST, 1))")
	echo "  download: sent $sent in $secs s, passed $npass, limited $nlim, meter got $got"
	expect "download: pass + rate_limited == sent" $((npass + nlim)) "$sent"
	expect "download: the meter received exactly what passed" "$got" "$npass"
	expect "download: gw-wan pass row" $(( $(mw_iface_counter gw-wan pass) - wp0 )) "$npass"
	expect "download: gw-wan rate_limited row" $(( $(mw_iface_counter gw-wan rate_limited) - wr0 )) "$nlim"
	within "download: passed = $RATE pps x T + $BURST" "$npass" "$expected"
}

# the broker sending from another port is not in the allow-list (remote port = source port)
test_download_wrong_port() {
	local na wna out
	sleep 0.3
	na=$(mw_counter meter not_allowed)
	wna=$(mw_iface_counter gw-wan not_allowed)
	sink "$DEV" 198.18.1.2 5001 "$TMP/wrong.count" 2 || { bad "wrong port" "sink did not start"; return; }
	out=$(blast "$SRV" $BROKER 9999 198.18.1.2 5001 100 0.3)
	wait "${MW_PIDS[-1]}"
	expect "download from port 9999: nothing reaches the meter" "$(cat "$TMP/wrong.count")" 0
	expect "download from port 9999: not_allowed on gw-wan == sent" \
		$(( $(mw_iface_counter gw-wan not_allowed) - wna )) "${out%% *}"
	expect "download from port 9999: the meter's not_allowed" \
		$(( $(mw_counter meter not_allowed) - na )) "${out%% *}"
}

# the same upload under a bit-rate limit instead (a new limit: the bucket
# starts full); frames are 142 bytes on the wire (14 + 20 + 8 + 100), and
# frames pass while the bytes before them fit the burst (one frame over)
test_upload_bitrate() {
	local p0 r0 b0 out sent secs npass nlim expected
	sed "s/rate $RATE pps burst $BURST/rate $KBIT kbit burst $BBURST byte/" \
		"$TMP/policy.mwp" > "$TMP/bits.mwp"
	"$MODWALL" apply "$TMP/bits.mwp" >/dev/null
	expect "apply the bit-rate policy" $? 0
	p0=$(mw_counter meter pass)
	r0=$(mw_counter meter rate_limited)
	b0=$(mw_counter meter pass bytes)
	sink "$SRV" $BROKER 8883 "$TMP/bits.count" || { bad "bit-rate upload" "sink did not start"; return; }
	out=$(blast "$DEV" 198.18.1.2 40001 $BROKER 8883 $OFFERED $SECS)
	read -r sent secs <<< "$out"
	wait "${MW_PIDS[-1]}"
	npass=$(( $(mw_counter meter pass) - p0 ))
	nlim=$(( $(mw_counter meter rate_limited) - r0 ))
	expected=$(/usr/bin/python3 -c "print(round(($KBIT * 1000 / 8 * $secs + $BBURST) / 142 + 1, 1))")
	echo "  upload at $KBIT kbit: sent $sent in $secs s, passed $npass, limited $nlim"
	expect "bit-rate upload: pass + rate_limited == sent" $((npass + nlim)) "$sent"
	expect "bit-rate upload: the broker received exactly what passed" \
		"$(cat "$TMP/bits.count" 2>/dev/null)" "$npass"
	expect "bit-rate upload: bytes == passed x 142" $(( $(mw_counter meter pass bytes) - b0 )) \
		$((npass * 142))
	within "bit-rate upload: passed = ($KBIT kbit x T + $BBURST B) / 142 B" "$npass" "$expected"
	"$MODWALL" apply "$TMP/policy.mwp" >/dev/null
}

test_stats_rows() {
	local out
	out=$("$MODWALL" -j stats | mw_jq '"%s %s" % ([s["name"] for s in d["subjects"] if s["kind"] == "device"],
	      sorted((i["interface"], i["role"]) for i in d["interfaces"]))')
	expect "stats --json: the meter row and both interface rows" "$out" \
		"['meter'] [('gw-lan', 'lan'), ('gw-wan', 'wan')]"
	echo "  modwall stats:"
	"$MODWALL" stats | sed 's/^/    /'
}

setup
test_load_apply
test_ping_broker
test_ping_other
test_upload_rate
test_download_rate
test_download_wrong_port
test_upload_bitrate
test_stats_rows
mw_done
