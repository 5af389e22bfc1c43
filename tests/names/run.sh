#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Allow by DNS name, end to end: a real DNS server (dnsmasq) answers for
# names under .test with addresses in 198.18.0.0/15; the device's policy
# allows a name, not an address; modwalld learns the answers the device
# receives. Usage: tests/names/run.sh MODWALL
#
#   dev 198.18.1.2 --- gw-lan 198.18.1.1 [gw, routes] gw-wan 198.18.200.1 --- srv 198.18.200.2
#   (02:00:00:00:d1:02)  modwall --role lan                                    dnsmasq 198.18.200.53
#                        (XDP up, tc egress down)                              broker 198.18.201.0/24
#                                                                              many   198.18.204.0/22
#
# Checks: refused before resolving; reaches the broker after; refused for an
# address it did not resolve; keeps working across a change of the name's
# address; loses the old address after TTL + grace; 1000 fresh lookups
# whose first datagram leaves microseconds after the answer, none dropped
# (and, for comparison, the count when answers are only copied, not held);
# status says when name rules are live and nothing learns them.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"
mw_init names "$@"
mw_need dnsmasq
PROBE="/usr/bin/python3 $HERE/probe.py"
UDP="/usr/bin/python3 $HERE/../flows/udp.py"

GW=${MW_PREFIX}-ngw
DEV=${MW_PREFIX}-ndev
SRV=${MW_PREFIX}-nsrv
MAC_DEV=02:00:00:00:d1:02
MAC_SRV=02:00:00:00:d1:aa
DNS=198.18.200.53
TTL=4
GRACE=4
NFRESH=${NFRESH:-1000}

setup() {
	mw_ns "$GW"
	mw_ns "$DEV"
	mw_ns "$SRV"
	nsx "$GW" sysctl -qw net.ipv4.ip_forward=1
	mw_link "$GW" gw-lan 198.18.1.1 "$DEV" eth0 198.18.1.2 $MAC_DEV
	mw_link "$GW" gw-wan 198.18.200.1 "$SRV" eth0 198.18.200.2 $MAC_SRV
	nsx "$SRV" ip addr add $DNS/32 dev lo
	nsx "$SRV" ip route add local 198.18.201.0/24 dev lo
	nsx "$SRV" ip route add local 198.18.204.0/22 dev lo
	nsx "$SRV" ip route add 198.18.1.0/24 via 198.18.200.1
	nsx "$DEV" ip route add default via 198.18.1.1
	for n in $DNS 198.18.201.0/24 198.18.204.0/22; do
		nsx "$GW" ip route add $n via 198.18.200.2
	done
	echo "198.18.201.1 broker.test" > "$TMP/hosts"
	i=1
	while [ $i -le $((2 * NFRESH)) ]; do
		echo "198.18.$((204 + i / 256)).$((i % 256)) n$i.many.test"
		i=$((i + 1))
	done >> "$TMP/hosts"
	# nsenter, not nsx: $! must be dnsmasq itself, not a subshell around it
	nsenter --net=/run/netns/"$SRV" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
		--addn-hosts="$TMP/hosts" --listen-address=$DNS --bind-interfaces --user=root \
		--local-ttl=$TTL --pid-file="$TMP/dnsmasq.pid" --cache-size=10000 \
		--log-facility="$TMP/dnsmasq.log" &
	MW_PIDS+=($!)
	cat > "$TMP/policy.mwp" <<-POL
	policy by-name {
		allow udp to $DNS port 53
		allow udp to name "broker.test" port 7000
		allow udp to name "*.many.test" port 7000
		flows
	}
	device meter mac $MAC_DEV policy by-name
	POL
}

# sink ADDR: count what reaches ADDR:7000 in srv (background; result in $TMP/sink.ADDR)
sink_start() {
	rm -f "$TMP/ready.$1"
	nsenter --net=/run/netns/"$SRV" $PROBE sink "$1" 7000 "$TMP/ready.$1" 1.5 3 > "$TMP/sink.$1" &
	MW_PIDS+=($!)
	SINK_PID=$!
	for _ in $(seq 50); do [ -e "$TMP/ready.$1" ] && return; sleep 0.1; done
}
# sink_wait ADDR: wait for it; its count in $GOT (not in $(...): wait needs this shell)
sink_wait() { wait "$SINK_PID" 2>/dev/null; GOT=$(cut -d' ' -f1 "$TMP/sink.$1"); }

# blast DST N: N datagrams from the device to DST:7000
blast() { nsx "$DEV" $UDP blast 198.18.1.2 0 "$1" 7000 "$2" 32 >/dev/null; }
not_allowed() { mw_counter meter not_allowed; }

daemon_start() {
	nsenter --net=/run/netns/"$GW" "$MODWALL" daemon --listen none \
		--dns-grace $GRACE "$@" > "$TMP/daemon.log" 2>&1 &
	MW_PIDS+=($!)
	DAEMON_PID=$!
	for _ in $(seq 50); do
		[ "$("$MODWALL" -j status | mw_jq '.dns.learning')" = True ] && return
		sleep 0.1
	done
}
daemon_stop() { kill "$DAEMON_PID" 2>/dev/null; wait "$DAEMON_PID" 2>/dev/null; }

test_load() {
	nsx "$GW" "$MODWALL" load gw-lan --mode generic >/dev/null
	expect "load gw-lan (lan: XDP and tc egress)" $? 0
	"$MODWALL" apply "$TMP/policy.mwp" >/dev/null
	expect "apply a policy with name rules" $? 0
	"$MODWALL" status > "$TMP/status" 2>&1
	expect "status: name rules live, nothing learning: degraded" $? 1
	grep -q "nothing learns" "$TMP/status"
	expect "status names the problem" $? 0
	daemon_start
	expect "the daemon learns (status .dns.learning)" \
		"$("$MODWALL" -j status | mw_jq '.dns.learning')" True
}

test_before_resolving() {
	local na
	na=$(not_allowed)
	sink_start 198.18.201.1
	blast 198.18.201.1 5
	sink_wait 198.18.201.1
	expect "before resolving: nothing reaches the broker" "$GOT" 0
	expect "before resolving: not_allowed == sent" $(($(not_allowed) - na)) 5
}

test_resolved() {
	local na out
	na=$(not_allowed)
	sink_start 198.18.201.1
	out=$(nsx "$DEV" $PROBE $DNS 53 broker.test --send 7000)
	expect "the device resolves broker.test" "$out" "broker.test 198.18.201.1"
	blast 198.18.201.1 9
	sink_wait 198.18.201.1
	expect "after resolving: the broker receives all 10" "$GOT" 10
	expect "after resolving: nothing not_allowed" $(($(not_allowed) - na)) 0
	na=$(not_allowed)
	sink_start 198.18.201.9
	blast 198.18.201.9 4
	sink_wait 198.18.201.9
	expect "an address it did not resolve: nothing arrives" "$GOT" 0
	expect "an address it did not resolve: not_allowed == sent" $(($(not_allowed) - na)) 4
	expect "names: meter asked for broker.test (once)" \
		"$("$MODWALL" -j names meter | mw_jq '[(a["name"], a["count"]) for a in d["asked"]]')" \
		"[('broker.test', 1)]"
	expect "names: broker.test learned as 198.18.201.1, received by meter" \
		"$("$MODWALL" -j names | mw_jq '[(e["address"], e["device"]) for e in d["learned"] if e["name"] == "broker.test"]')" \
		"[('198.18.201.1', 'meter')]"
	expect "flows name the broker" \
		"$("$MODWALL" -j flows meter | mw_jq '[f["name"] for f in d["flows"] if f["remote"] == "198.18.201.1"]')" \
		"['broker.test']"
}

test_address_change() {
	local out
	# a fresh answer for the old address first: its TTL + grace start now
	out=$(nsx "$DEV" $PROBE $DNS 53 broker.test)
	expect "asked again, the name still has the old address" "$out" "broker.test 198.18.201.1"
	sed -i 's/^198.18.201.1 broker.test/198.18.201.2 broker.test/' "$TMP/hosts"
	kill -HUP "$(cat "$TMP/dnsmasq.pid")"
	sleep 0.3
	sink_start 198.18.201.2
	out=$(nsx "$DEV" $PROBE $DNS 53 broker.test --send 7000)
	expect "the name moves: the device resolves the new address" "$out" "broker.test 198.18.201.2"
	blast 198.18.201.2 4
	sink_wait 198.18.201.2
	expect "the new address works at once" "$GOT" 5
	sink_start 198.18.201.1
	blast 198.18.201.1 3
	sink_wait 198.18.201.1
	expect "the old address still works within TTL + grace" "$GOT" 3
	sleep $((TTL + GRACE + 2))
	sink_start 198.18.201.1
	blast 198.18.201.1 3
	sink_wait 198.18.201.1
	expect "after TTL + grace: the old address is refused" "$GOT" 0
	sink_start 198.18.201.2
	blast 198.18.201.2 3
	sink_wait 198.18.201.2
	expect "after TTL + grace: not asked again, the new one too" "$GOT" 0
}

# fresh FIRST: NFRESH lookups of nFIRST.many.test.., each used at once
fresh() {
	local first=$1 na got
	na=$(not_allowed)
	rm -f "$TMP/ready.fresh"
	nsenter --net=/run/netns/"$SRV" $PROBE sink 0.0.0.0 7000 "$TMP/ready.fresh" 2 > "$TMP/sink.fresh" &
	MW_PIDS+=($!)
	SINK_PID=$!
	for _ in $(seq 50); do [ -e "$TMP/ready.fresh" ] && break; sleep 0.1; done
	nsx "$DEV" $PROBE $DNS 53 --many "$first" "$NFRESH" 7000 > "$TMP/fresh.out"
	wait "$SINK_PID" 2>/dev/null
	got=$(cut -d' ' -f1 "$TMP/sink.fresh")
	FRESH_RESOLVED=$(grep -vc ' -$' "$TMP/fresh.out")
	FRESH_DROPPED=$(($(not_allowed) - na))
	FRESH_GOT=$got
}

test_fresh_lookups() {
	fresh 1
	expect "$NFRESH fresh lookups answered" "$FRESH_RESOLVED" "$NFRESH"
	expect "$NFRESH fresh lookups: every first datagram arrives" "$FRESH_GOT" "$NFRESH"
	expect "$NFRESH fresh lookups: first-packet drops (held answers)" "$FRESH_DROPPED" 0
	echo "INFO held answers: $FRESH_DROPPED of $NFRESH first datagrams dropped"
	daemon_stop
	daemon_start --no-dns-hold
	fresh $((NFRESH + 1))
	# measured, not asserted: how often the race the hold closes is lost here
	echo "INFO answers copied, not held (--no-dns-hold): $FRESH_DROPPED of $NFRESH first datagrams dropped"
	daemon_stop
}

setup
test_load
[ -n "${MW_PAUSE:-}" ] && { echo "paused: $TMP $GW $DEV $SRV"; sleep "$MW_PAUSE"; }
test_before_resolving
test_resolved
test_address_change
test_fresh_lookups
[ "$failed" -gt 0 ] && sed 's/^/  daemon: /' "$TMP/daemon.log"
mw_done
