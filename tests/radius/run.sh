#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# RADIUS accounting end to end: FreeRADIUS' radclient sends Accounting-
# Requests to the listener, real traffic over veth shows the bindings at
# work, exact counters. Usage: tests/radius/run.sh MODWALL
#
#   dev-c (02:11:22:33:44:77, 198.18.3.2) --veth-- gw (gw-c, 198.18.3.1)
#
# dev-c is the IMEI device "tracker" (policy drop) once accounting binds
# 198.18.3.2 to its IMEI. The listener is tests/radius/radiusd_test (next
# to MODWALL under tests/, or $RADIUSD_TEST), or with RADIUS_VIA_DAEMON=1
# `modwall daemon --radius ADDR:PORT --radius-secret-file F`, whose
# counters are read from /metrics. It runs in the host namespace on a
# loopback port; pins go to a private directory.
set -u
. "$(dirname "$0")/../lib.sh"
mw_init radius "$@"
RADIUSD=${RADIUSD_TEST:-$(dirname "$MODWALL")/tests/radiusd_test}
VIA_DAEMON=${RADIUS_VIA_DAEMON:-0}
LPID=
mw_atexit stop_listener

GW=${MW_PREFIX}-gw
C=${MW_PREFIX}-c
MAC_C=02:11:22:33:44:77
IMEI=356938035643809
IMEISV=3569380356438001
OTHER_IMEISV=4901542032375101	# device "other": IMEI 490154203237518

mw_need radclient python3 bpftool
[ "$VIA_DAEMON" = 1 ] && mw_need curl
if [ "$VIA_DAEMON" != 1 ] && [ ! -x "$RADIUSD" ]; then
	bad "setup" "RADIUS tests need $RADIUSD (make $RADIUSD)"
	mw_done
fi

# start_listener: the driver or the daemon on 127.0.0.1:$PORT with $TMP/secret
start_listener() {
	local i log=$TMP/listener.log
	: > "$log"
	if [ "$VIA_DAEMON" = 1 ]; then
		"$MODWALL" daemon --listen 127.0.0.1:0 --radius 127.0.0.1:$PORT \
			--radius-secret-file "$TMP/secret" 2>>"$log" &
	else
		"$RADIUSD" 127.0.0.1:$PORT "$TMP/secret" "$TMP/stats" >"$TMP/listener.out" 2>>"$log" &
	fi
	LPID=$!
	URL=
	for i in $(seq 1 100); do
		if [ "$VIA_DAEMON" = 1 ]; then
			URL=$(sed -n 's/^modwall: daemon: serving //p' "$log")
			[ -n "$URL" ] && ss -Hlun "sport = :$PORT" | grep -q . && return 0
		else
			grep -q "^listening on" "$TMP/listener.out" 2>/dev/null && return 0
		fi
		kill -0 $LPID 2>/dev/null || break
		sleep 0.05
	done
	echo "listener did not start:"
	cat "$log"
	return 1
}

stop_listener() {
	if [ -n "$LPID" ]; then
		kill "$LPID" 2>/dev/null
		wait "$LPID" 2>/dev/null
	fi
	LPID=
}

# rstat NAME: a listener counter (radiusd_test's names; the daemon's from /metrics)
rstat() {
	if [ "$VIA_DAEMON" = 1 ]; then
		local series
		case $1 in
		answered|malformed|rejected|unsupported|unrecorded)
			series="modwall_radius_packets_total{result=\"$1\"}" ;;
		start|stop) series="modwall_radius_requests_total{status=\"$1\"}" ;;
		interim) series='modwall_radius_requests_total{status="interim_update"}' ;;
		bound|refreshed|unbound) series="modwall_radius_bindings_total{change=\"$1\"}" ;;
		conflicts) series='modwall_radius_bindings_total{change="conflict"}' ;;
		ignored) series=modwall_radius_ignored_total ;;
		esac
		curl -s "$URL" | awk -v s="$series" '$1 == s { print $2; f = 1 } END { if (!f) print "missing" }'
	else
		awk -v n="$1" '$1 == n { print $2 }' "$TMP/stats"
	fi
}

# wait_stat NAME VALUE: the listener writes its counters after each batch
wait_stat() {
	local i
	for i in $(seq 1 40); do
		[ "$(rstat "$1")" = "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# expect_stat MESSAGE NAME VALUE: a listener counter, given a moment to get there
expect_stat() {
	wait_stat "$2" "$3"
	expect "$1" "$(rstat "$2")" "$3"
}

# acct SECRET_FILE ATTRIBUTE-LINES...: one Accounting-Request; radclient's exit status
acct() {
	local secret=$1
	shift
	printf '%s\n' "$@" | radclient -x -r 1 -t 1 -S "$secret" 127.0.0.1:$PORT acct \
		>>"$TMP/radclient.log" 2>&1
}

# binds [FILTER]: "IMEI FAMILY LEN SOURCE" of every pinned binding, sorted
binds() {
	bpftool -j map dump pinned "$MODWALL_PIN_DIR/mw_binds" | python3 -c '
import json, socket, struct, sys
out = []
for e in json.load(sys.stdin):
    k = bytes(int(x, 16) for x in e["key"])
    v = bytes(int(x, 16) for x in e["value"])
    imei, fam, plen = struct.unpack_from("<QBB", k)
    fam = socket.AF_INET if fam == 2 else socket.AF_INET6
    addr = socket.inet_ntop(fam, k[16:20] if fam == socket.AF_INET else k[16:32])
    src = {0: "cli", 1: "radius"}.get(struct.unpack_from("<I", v, 8)[0], "?")
    out.append("%014d %s/%d %s" % (imei, addr, plen, src))
print("\n".join(sorted(out)))'
}

setup() {
	mw_ns "$GW"
	mw_ns "$C"
	mw_link "$GW" gw-c 198.18.3.1 "$C" eth0 198.18.3.2 $MAC_C
	cat > "$TMP/policy.mwp" <<-POL
	device tracker imei $IMEI policy drop
	device other   imei 490154203237518 policy pass
	device meter   ip 198.18.9.2 policy pass
	device lab     ip 198.18.10.0/24 policy pass
	default pass
	POL
	printf 'testing123\n' > "$TMP/secret"
	printf 'not-the-secret\n' > "$TMP/wrong"
	chmod 600 "$TMP/secret" "$TMP/wrong"
	PORT=$(mw_free_port udp)
}

test_load_and_listen() {
	nsx "$GW" "$MODWALL" load gw-c --mode generic >/dev/null
	expect "load" $? 0
	"$MODWALL" apply "$TMP/policy.mwp" >/dev/null
	expect "apply" $? 0
	start_listener
	expect "listener up on 127.0.0.1:$PORT" $? 0
	expect "no binding before accounting" "$(binds)" ""
	expect "tracker unbound: traffic passes" "$(send "$C" 198.18.3.1 10)" 10
	expect "tracker unbound: nothing counted for it" "$(mw_counter tracker drop)" 0
}

test_wrong_secret() {
	acct "$TMP/wrong" "Acct-Status-Type = Start" "3GPP-IMEISV = \"$IMEISV\"" \
		"Framed-IP-Address = 198.18.3.2" 'Acct-Session-Id = "s-wrong"'
	expect "wrong secret: no answer (radclient gives up)" $? 1
	expect_stat "wrong secret: rejected counter" rejected 1
	expect_stat "wrong secret: nothing answered" answered 0
	expect "wrong secret: no binding" "$(binds)" ""
	expect "wrong secret: traffic still passes" "$(send "$C" 198.18.3.1 10)" 10
	expect "wrong secret: tracker still not counted" "$(mw_counter tracker drop)" 0
}

test_start() {
	acct "$TMP/secret" "Acct-Status-Type = Start" "3GPP-IMEISV = \"$IMEISV\"" \
		"Framed-IP-Address = 198.18.3.2" 'Acct-Session-Id = "s-1"'
	expect "Start: answered (radclient checked the Response Authenticator)" $? 0
	expect_stat "Start: answered counter" answered 1
	expect_stat "Start: bound counter" bound 1
	expect "Start: binding stored, source radius" "$(binds)" "35693803564380 198.18.3.2/32 radius"
	expect "Start: no reply reaches the tracker" "$(send "$C" 198.18.3.1 25)" 0
	expect "Start: tracker drop counter == packets sent" "$(mw_counter tracker drop)" 25
	grep -q "bound 198.18.3.2 to IMEI $IMEI (session 's-1'" "$TMP/listener.log"
	expect "Start: logged with the session id" $? 0
}

test_interim() {
	acct "$TMP/secret" "Acct-Status-Type = Interim-Update" "3GPP-IMEISV = \"$IMEISV\"" \
		"Framed-IP-Address = 198.18.3.2" 'Acct-Session-Id = "s-1"'
	expect "Interim-Update: answered" $? 0
	expect_stat "Interim-Update: refreshed" refreshed 1
	expect_stat "Interim-Update: not bound again" bound 1
	expect "Interim-Update: one binding" "$(binds | wc -l)" 1
	send "$C" 198.18.3.1 5 >/dev/null
	expect "Interim-Update: still dropped" "$(mw_counter tracker drop)" 30
}

test_conflicts() {
	# another IMEI claims the tracker's address
	acct "$TMP/secret" "Acct-Status-Type = Start" "3GPP-IMEISV = \"$OTHER_IMEISV\"" \
		"Framed-IP-Address = 198.18.3.2" 'Acct-Session-Id = "s-2"'
	expect "conflict (address of another IMEI): still answered" $? 0
	expect_stat "conflict: counted" conflicts 1
	# the tracker claims the address of a device with a static address, and
	# one inside a static prefix (found through the LPM trie)
	acct "$TMP/secret" "Acct-Status-Type = Interim-Update" "3GPP-IMEISV = \"$IMEISV\"" \
		"Framed-IP-Address = 198.18.9.2" 'Acct-Session-Id = "s-1"'
	acct "$TMP/secret" "Acct-Status-Type = Interim-Update" "3GPP-IMEISV = \"$IMEISV\"" \
		"Framed-IP-Address = 198.18.10.7" 'Acct-Session-Id = "s-1"'
	expect_stat "conflict (address of another device): counted" conflicts 3
	grep -q "overlaps an address of device 'meter'" "$TMP/listener.log"
	expect "conflict: the log names the device" $? 0
	expect "conflicts: bindings unchanged" "$(binds)" "35693803564380 198.18.3.2/32 radius"
	"$MODWALL" check "$TMP/policy.mwp" >/dev/null 2>&1
	expect "the runtime bindings still compile (check)" $? 0
	send "$C" 198.18.3.1 5 >/dev/null
	expect "conflicts: the tracker keeps its address" "$(mw_counter tracker drop)" 35
	expect "conflicts: 'other' got nothing" "$(mw_counter other pass)" 0
}

test_ipv6_prefix() {
	acct "$TMP/secret" "Acct-Status-Type = Interim-Update" "3GPP-IMEISV = \"$IMEISV\"" \
		"Framed-IPv6-Prefix = 2001:db8:1:2::/64" 'Acct-Session-Id = "s-1"'
	expect "Framed-IPv6-Prefix: answered" $? 0
	binds | grep -q "^35693803564380 2001:db8:1:2::/64 radius$"
	expect "Framed-IPv6-Prefix: bound as a /64" $? 0
	acct "$TMP/secret" "Acct-Status-Type = Stop" "3GPP-IMEISV = \"$IMEISV\"" \
		"Framed-IPv6-Prefix = 2001:db8:1:2::/64" 'Acct-Session-Id = "s-1"'
	expect "Framed-IPv6-Prefix: Stop removes it" "$(binds)" "35693803564380 198.18.3.2/32 radius"
}

test_restart_and_apply() {
	stop_listener
	expect "listener stopped: the binding stays in the pinned map" "$(binds | wc -l)" 1
	send "$C" 198.18.3.1 5 >/dev/null
	expect "listener stopped: still enforced" "$(mw_counter tracker drop)" 40
	"$MODWALL" apply "$TMP/policy.mwp" >/dev/null
	expect "apply again keeps the accounting binding" $? 0
	send "$C" 198.18.3.1 5 >/dev/null
	expect "after apply: still enforced" "$(mw_counter tracker drop)" 45
	start_listener
	expect "listener restarted" $? 0
}

test_malformed() {
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(bytes([4, 1, 0, 16]) + bytes(16), ("127.0.0.1", int(sys.argv[1])))' "$PORT"
	expect_stat "malformed datagram: counted" malformed 1
	expect_stat "malformed datagram: nothing answered" answered 0
}

test_stop() {
	acct "$TMP/secret" "Acct-Status-Type = Stop" "3GPP-IMEISV = \"$IMEISV\"" \
		"Framed-IP-Address = 198.18.3.2" 'Acct-Session-Id = "s-1"'
	expect "Stop: answered" $? 0
	expect_stat "Stop: unbound counter" unbound 1
	expect "Stop: binding removed" "$(binds)" ""
	expect "Stop: traffic passes again" "$(send "$C" 198.18.3.1 10)" 10
	expect "Stop: tracker counter unchanged" "$(mw_counter tracker drop)" 45
}

test_cli_binding_kept() {
	"$MODWALL" bind $IMEI 198.18.3.2 >/dev/null
	acct "$TMP/secret" "Acct-Status-Type = Start" "3GPP-IMEISV = \"$IMEISV\"" \
		"Framed-IP-Address = 198.18.3.2" 'Acct-Session-Id = "s-3"'
	expect "Start over an operator's binding: answered" $? 0
	acct "$TMP/secret" "Acct-Status-Type = Stop" "3GPP-IMEISV = \"$IMEISV\"" \
		"Framed-IP-Address = 198.18.3.2" 'Acct-Session-Id = "s-3"'
	expect "Stop over an operator's binding: answered" $? 0
	expect "Stop leaves the operator's binding" "$(binds)" "35693803564380 198.18.3.2/32 cli"
	send "$C" 198.18.3.1 5 >/dev/null
	expect "the operator's binding is still enforced" "$(mw_counter tracker drop)" 50
	"$MODWALL" unbind $IMEI >/dev/null
}

setup
test_load_and_listen
test_wrong_secret
test_start
test_interim
test_conflicts
test_ipv6_prefix
test_restart_and_apply
test_malformed
test_stop
test_cli_binding_kept
if [ "$failed" -ne 0 ]; then
	echo "--- listener log"
	cat "$TMP/listener.log"
fi
mw_done
