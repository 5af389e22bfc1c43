#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# suggest, end to end: a device watched with `policy watch { pass flows }`
# talks to five destinations, one of them by a DNS name it resolves through
# a real DNS server (dnsmasq) while modwalld learns the answer; `modwall
# suggest` turns its flows into a policy block, which is checked, applied
# and enforced: the five destinations still get every packet, a sixth is
# dropped, packet for packet. The MUD file of the same flows imports back
# to the same rules. Usage: tests/suggest/run.sh MODWALL
#
#   dev 198.18.1.2 --- gw-lan 198.18.1.1 [gw, routes] gw-wan 198.18.200.1 --- srv 198.18.200.2
#   (02:00:00:00:e1:02)  modwall --role lan                                    dnsmasq 198.18.200.53
#                        (XDP up, tc egress down)                              198.18.201.0/24 local
#
# The five: UDP to the DNS server (port 53), to A 198.18.201.10 port 7001
# and B 198.18.201.11 port 7002, ICMP echo to P 198.18.201.20, UDP to
# broker.test (198.18.201.1) port 7000. The sixth: 198.18.201.66 port 7001.
# SUGGEST_KEEP=DIR keeps the suggestion, its MUD file and their import in DIR.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"
mw_init suggest "$@"
mw_need dnsmasq
PROBE="/usr/bin/python3 $HERE/../names/probe.py"
UDP="/usr/bin/python3 $HERE/../flows/udp.py"

GW=${MW_PREFIX}-sgw
DEV=${MW_PREFIX}-sdev
SRV=${MW_PREFIX}-ssrv
MAC_DEV=02:00:00:00:e1:02
MAC_IDLE=02:00:00:00:e1:09
MAC_SRV=02:00:00:00:e1:aa
DNS=198.18.200.53
BROKER=198.18.201.1
A=198.18.201.10
B=198.18.201.11
P=198.18.201.20
SIXTH=198.18.201.66

setup() {
	mw_ns "$GW"
	mw_ns "$DEV"
	mw_ns "$SRV"
	nsx "$GW" sysctl -qw net.ipv4.ip_forward=1
	mw_link "$GW" gw-lan 198.18.1.1 "$DEV" eth0 198.18.1.2 $MAC_DEV
	mw_link "$GW" gw-wan 198.18.200.1 "$SRV" eth0 198.18.200.2 $MAC_SRV
	nsx "$SRV" ip addr add $DNS/32 dev lo
	nsx "$SRV" ip route add local 198.18.201.0/24 dev lo
	nsx "$SRV" ip route add 198.18.1.0/24 via 198.18.200.1
	nsx "$DEV" ip route add default via 198.18.1.1
	nsx "$GW" ip route add $DNS via 198.18.200.2
	nsx "$GW" ip route add 198.18.201.0/24 via 198.18.200.2
	echo "$BROKER broker.test" > "$TMP/hosts"
	# a TTL that outlasts the test: the learned name is still there when suggest runs
	nsenter --net=/run/netns/"$SRV" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv \
		--no-hosts --addn-hosts="$TMP/hosts" --listen-address=$DNS --bind-interfaces --user=root \
		--local-ttl=600 --pid-file="$TMP/dnsmasq.pid" --log-facility="$TMP/dnsmasq.log" &
	MW_PIDS+=($!)
	cat > "$TMP/watch.mwp" <<-POL
	policy watch { pass flows }
	device meter mac $MAC_DEV policy watch
	device idle mac $MAC_IDLE policy watch
	POL
}

# sink_start ADDR PORT: count what reaches ADDR:PORT in srv (background; $TMP/sink.ADDR)
sink_start() {
	rm -f "$TMP/ready.$1"
	nsenter --net=/run/netns/"$SRV" $PROBE sink "$1" "$2" "$TMP/ready.$1" 1.5 3 > "$TMP/sink.$1" &
	MW_PIDS+=($!)
	SINKS+=($!)
	for _ in $(seq 50); do [ -e "$TMP/ready.$1" ] && return; sleep 0.1; done
}
# sinks_wait: wait for every sink started
sinks_wait() {
	local p
	for p in "${SINKS[@]}"; do wait "$p" 2>/dev/null; done
	SINKS=()
}
SINKS=()
got() { cut -d' ' -f1 "$TMP/sink.$1"; }

# blast DST PORT N: N datagrams from the device
blast() { nsx "$DEV" $UDP blast 198.18.1.2 0 "$1" "$2" "$3" 32 >/dev/null; }
not_allowed() { mw_counter meter not_allowed; }

# traffic TAG: the device's five destinations; what arrived in $TMP/TAG.*
traffic() {
	local tag=$1 out
	sink_start $BROKER 7000
	sink_start $A 7001
	sink_start $B 7002
	out=$(nsx "$DEV" $PROBE $DNS 53 broker.test --send 7000)
	echo "$out" > "$TMP/$tag.resolve"
	blast $BROKER 7000 4
	blast $A 7001 5
	blast $B 7002 6
	send "$DEV" $P 3 > "$TMP/$tag.ping"
	sinks_wait
	echo "$(got $BROKER) $(got $A) $(got $B) $(cat "$TMP/$tag.ping")" > "$TMP/$tag.got"
}

daemon_start() {
	nsenter --net=/run/netns/"$GW" "$MODWALL" daemon --listen none > "$TMP/daemon.log" 2>&1 &
	MW_PIDS+=($!)
	for _ in $(seq 50); do
		[ "$("$MODWALL" -j status | mw_jq '.dns.learning')" = True ] && return 0
		sleep 0.1
	done
	return 1
}

# the allow and drop lines of a policy text, without comments and padding
rule_lines() { sed -n 's/^ *\(allow [^#]*\|drop\b[^#]*\).*/\1/p' "$1" | sed 's/ *$//'; }

test_observe() {
	local na
	nsx "$GW" "$MODWALL" load gw-lan --mode generic >/dev/null
	expect "load gw-lan (lan: XDP and tc egress)" $? 0
	"$MODWALL" apply "$TMP/watch.mwp" >/dev/null
	expect "apply policy watch { pass flows }" $? 0
	daemon_start
	expect "modwalld learns names (status .dns.learning)" $? 0
	na=$(not_allowed)
	traffic observe
	expect "watched: broker.test resolves" "$(cat "$TMP/observe.resolve")" "broker.test $BROKER"
	expect "watched: broker, A, B receive all; 3 pings answered" "$(cat "$TMP/observe.got")" "5 5 6 3"
	expect "watched: nothing not_allowed" $(($(not_allowed) - na)) 0
	expect "flows: five remotes" "$("$MODWALL" -j flows meter | mw_jq 'len(d["flows"])')" 5
	expect "flows name the broker" \
		"$("$MODWALL" -j flows meter | mw_jq '[f["name"] for f in d["flows"] if f["remote"] == b]' b=$BROKER)" \
		"['broker.test']"
}

test_suggest() {
	local rc
	"$MODWALL" suggest meter > "$TMP/p.mwp" 2> "$TMP/suggest.err"
	expect "suggest meter: exit 0" $? 0
	rule_lines "$TMP/p.mwp" > "$TMP/p.rules"
	cat > "$TMP/want.rules" <<-EOF
	allow udp to $DNS port 53
	allow udp to $A port 7001
	allow udp to $B port 7002
	allow icmp to $P type 0
	allow icmp to $P type 8
	allow udp to name "broker.test" port 7000
	EOF
	if diff -u "$TMP/want.rules" "$TMP/p.rules" > "$TMP/rules.diff"; then
		ok "suggest: one rule per destination, the broker by name, ping both ways, in order"
	else
		bad "suggest rules" "$(cat "$TMP/rules.diff")"
	fi
	check "suggest: policy meter-learned" grep -q '^policy meter-learned {$' "$TMP/p.mwp"
	check "suggest: a header says what it learned from" \
		grep -q '^# modwall suggest: learned from 5 flows of device meter$' "$TMP/p.mwp"
	check "suggest: says how to attach it" \
		grep -q '^#   device meter \.\.\. policy meter-learned$' "$TMP/p.mwp"
	expect "suggest -j: flows, rules, kinds" "$("$MODWALL" -j suggest meter | mw_jq \
		'"%d %d %s %s" % (d["flows"], len(d["rules"]), d["rules"][-1]["kind"], d["rules"][-1]["to"])')" \
		"5 6 name broker.test"
	"$MODWALL" suggest meter --name learned-2 --since 1h | grep -q '^policy learned-2 {$'
	expect "suggest --name --since" $? 0

	# the MUD file of the same flows imports back to the same rules
	"$MODWALL" suggest meter --mud --mud-url https://mud.example/meter.json > "$TMP/m.json"
	expect "suggest --mud: exit 0" $? 0
	expect "suggest --mud: an RFC 8520 document" "$(mw_jq -f "$TMP/m.json" \
		'"%s %s %d" % (d["ietf-mud:mud"]["mud-url"], d["ietf-mud:mud"]["mud-version"],
		len(d["ietf-access-control-list:acls"]["acl"][0]["aces"]["ace"]))')" \
		"https://mud.example/meter.json 1 6"
	"$MODWALL" mud import "$TMP/m.json" > "$TMP/m.mwp" 2>/dev/null
	expect "mud import of the suggested MUD file: exit 0" $? 0
	rule_lines "$TMP/m.mwp" > "$TMP/m.rules"
	if diff -u "$TMP/p.rules" "$TMP/m.rules" > "$TMP/mud.diff"; then
		ok "mud import gives back the rules of the text"
	else
		bad "mud import round trip" "$(cat "$TMP/mud.diff")"
	fi
	check "mud import names the policy meter-learned" grep -q '^policy meter-learned {$' "$TMP/m.mwp"

	"$MODWALL" suggest nosuch > /dev/null 2> "$TMP/err"
	rc=$?
	expect "suggest of an unknown device: exit 2" "$rc" 2
	check "... and says so" grep -q "no device or class named 'nosuch'" "$TMP/err"
	"$MODWALL" suggest idle > "$TMP/out" 2> "$TMP/err"
	rc=$?
	expect "suggest of a device without flows: exit 1" "$rc" 1
	check "... says to keep flows and observe first" grep -q "has no flows.*'flows' in its policy" "$TMP/err"
	expect "... and prints nothing on stdout" "$(wc -c < "$TMP/out")" 0
}

test_enforce() {
	local na
	{ cat "$TMP/p.mwp"; echo "device meter mac $MAC_DEV policy meter-learned"; } > "$TMP/learned.mwp"
	"$MODWALL" check "$TMP/learned.mwp" > /dev/null
	expect "check the learned policy" $? 0
	"$MODWALL" apply "$TMP/learned.mwp" > /dev/null
	expect "apply the learned policy" $? 0
	na=$(not_allowed)
	traffic enforce
	expect "enforced: broker.test still resolves" "$(cat "$TMP/enforce.resolve")" "broker.test $BROKER"
	expect "enforced: broker, A, B receive all; 3 pings answered" "$(cat "$TMP/enforce.got")" "5 5 6 3"
	expect "enforced: nothing not_allowed" $(($(not_allowed) - na)) 0
	na=$(not_allowed)
	sink_start $SIXTH 7001
	blast $SIXTH 7001 4
	sinks_wait
	expect "enforced: a sixth destination receives nothing" "$(got $SIXTH)" 0
	expect "enforced: a sixth destination: not_allowed == sent" $(($(not_allowed) - na)) 4
	# suggested again, the dropped flow is left out, in a comment
	"$MODWALL" suggest meter > "$TMP/p2.mwp"
	check "suggested again: the dropped flow is a comment, not a rule" \
		grep -q "^    #   udp to $SIXTH port 7001: 4 packets out, 4 dropped$" "$TMP/p2.mwp"
	rule_lines "$TMP/p2.mwp" > "$TMP/p2.rules"
	check "suggested again: the same rules" cmp -s "$TMP/p.rules" "$TMP/p2.rules"
}

setup
test_observe
test_suggest
test_enforce
[ -n "${SUGGEST_KEEP:-}" ] && cp "$TMP/p.mwp" "$TMP/m.json" "$TMP/m.mwp" "$TMP/p2.mwp" "$SUGGEST_KEEP"/
[ "$failed" -gt 0 ] && { sed 's/^/  suggestion: /' "$TMP/p.mwp"; sed 's/^/  daemon: /' "$TMP/daemon.log"; }
mw_done
