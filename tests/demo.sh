#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# modwall demo: a NAT gateway with five devices behind it and a server on
# the other side (a DNS server answering for names under .test among it),
# modwall on the gateway's device-facing links (XDP for what devices send,
# tc egress for what they receive after de-NAT) and modwalld on the
# gateway (names learned from DNS answers, /metrics), policies/demo.mwp
# applied, traffic from every device, then what modwall saw: drops, an
# allow-list by name, a rate limit, a discovered module, where each device
# talked with names and countries (modwall flows), the same counters on
# /metrics, a drop event naming its remote end, a runtime bind and an
# upgrade. Every number the demo states is checked (a PASS or FAIL line;
# make demotest fails on any FAIL). Everything is removed at exit.
# DEMO_GEOIP_DB names the country database (make demo: the test database
# the build writes, which places 198.18.0.0/16 in DE); without it the
# default (Debian's) knows no country for the demo's addresses.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/tests/lib.sh"
mw_init demo "$@"
mw_need nft curl dnsmasq
# A fixed pin directory and namespace names, so the state can be looked at
# while the demo runs; a previous demo's pins are removed first. Both can be
# overridden to run the demo beside another modwall (or another demo):
#   DEMO_PIN_DIR=/sys/fs/bpf/demo2 DEMO_PREFIX=demo2 make demo
export MODWALL_PIN_DIR=${DEMO_PIN_DIR:-/sys/fs/bpf/modwall-demo}
P=${DEMO_PREFIX:-mwdemo}
case $P in
*[!a-zA-Z0-9_]* | ????????????*) echo "DEMO_PREFIX: up to 11 letters, digits or _" >&2; exit 2 ;;
esac
if [ -e "$MODWALL_PIN_DIR" ]; then
	"$MODWALL" unload --all >/dev/null 2>&1
	rm -rf "$MODWALL_PIN_DIR"
fi

GW=$P-gw
SRV=$P-srv
UDP="/usr/bin/python3 $ROOT/tests/flows/udp.py"
PROBE="/usr/bin/python3 $ROOT/tests/names/probe.py"
# the country database: GEO holds the global option that names it
GEO=() CC=
if [ -n "${DEMO_GEOIP_DB:-}" ] && [ -f "$DEMO_GEOIP_DB" ]; then
	GEO=(--geoip-db "$DEMO_GEOIP_DB")
	CC=DE	# the test database's country of 198.18.0.0/16
fi
if [ -t 1 ]; then B=$'\033[1m' N=$'\033[0m'; else B= N=; fi
say() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
note() { printf '   %s\n' "$@"; }
run() { printf '$ %s\n' "$*"; "$@"; }
# j ARGS...: modwall with --json
j() { "$MODWALL" -j "$@"; }

#          namespace       gw-if   gw address   device address  MAC
DEVICES=("$P-meter     gw-m    198.18.1.1   198.18.1.2      02:11:22:33:44:55"
	 "$P-camera    gw-c    198.18.2.1   198.18.2.2      02:11:22:33:44:66"
	 "$P-tracker   gw-t    198.18.3.1   198.18.3.2      02:11:22:33:44:77"
	 "$P-module    gw-q    198.18.4.1   198.18.4.2      34:87:3d:00:00:42"
	 "$P-laptop    gw-l    198.18.5.1   198.18.5.2      02:aa:bb:cc:dd:ee")
NAT=198.18.100.1	# the gateway's wan address: all the server ever sees
A=198.18.100.10		# the tracker's broker
BROKER_PORT=5001
OTHER=198.18.100.20	# somewhere the tracker may not send to
C=198.18.100.30		# another remote
DNS=198.18.100.53	# the DNS server: broker.test is $A
MODULE_MAC=34:87:3d:00:00:42
RATE=20 BURST=10 NBLAST=200

# frame lengths as modwall counts them: Ethernet + IPv4 + UDP + payload
udp_frame() { echo $((14 + 20 + 8 + $1)); }
# the tracker's lookup of broker.test: a query of 12 + 13 + 4 bytes, and
# dnsmasq's answer, the query with one A record (12 + 4 + 4 more bytes)
DNS_Q=$(udp_frame 29) DNS_A=$(udp_frame 45)

# flows_of SUBJECT: its flows as sorted (member, remote, proto, port,
# packets_out, bytes_out, packets_in, bytes_in, dropped_out, dropped_in)
flows_of() {
	j flows "$1" | mw_jq 'sorted((f["member"], f["remote"], f["proto"], f["port"],
		f["packets_out"], f["bytes_out"], f["packets_in"], f["bytes_in"],
		f["dropped_out"], f["dropped_in"]) for f in d["flows"])'
}
# `modwall flows` is newer than the rest: its checks are skipped without it
HAVE_FLOWS=0
"$MODWALL" flows --help >/dev/null 2>&1 && HAVE_FLOWS=1
expect_flows() {
	if [ $HAVE_FLOWS = 1 ]; then expect "$@"; else skip "$1" "this modwall has no 'flows' command"; fi
}

# serve NAME ADDR PORT NUP NDOWN SIZE: a UDP server in the server namespace
# that takes NUP datagrams and answers with NDOWN of SIZE bytes
serve() {
	rm -f "$TMP/$1.ready"
	nsx "$SRV" $UDP serve "$2" "$3" "$4" "$5" "$6" "$TMP/$1.ready" >"$TMP/$1.out" &
	MW_PIDS+=($!)
	for _ in $(seq 1 50); do
		[ -e "$TMP/$1.ready" ] && return 0
		sleep 0.1
	done
	return 1
}
# sink NAME ADDR PORT: count datagrams until 2 s of silence (TMP/NAME.out)
sink() {
	rm -f "$TMP/$1.ready"
	nsx "$SRV" $UDP sink "$2" "$3" "$TMP/$1.ready" >"$TMP/$1.out" &
	MW_PIDS+=($!)
	for _ in $(seq 1 50); do
		[ -e "$TMP/$1.ready" ] && return 0
		sleep 0.1
	done
	return 1
}
reap() {
	wait "${MW_PIDS[@]}" 2>/dev/null
	MW_PIDS=()
}

say "Network: a NAT gateway, five devices behind it, a server on the far side"
mw_ns $GW
mw_ns $SRV
nsx $GW sysctl -qw net.ipv4.ip_forward=1
for d in "${DEVICES[@]}"; do
	set -- $d
	mw_ns "$1"
	mw_link $GW "$2" "$3" "$1" eth0 "$4" "$5"
	nsx "$1" ip route add default via "$3"
	printf '  %-9s %-12s %s  -> gateway %s (%s)\n' "${1#$P-}" "$4" "$5" "$2" "$3"
done
mw_link $GW gw-wan $NAT $SRV eth0 $A 02:00:00:00:64:0a
nsx $SRV ip addr add $OTHER/24 dev eth0
nsx $SRV ip addr add $C/24 dev eth0
nsx $SRV ip addr add $DNS/24 dev eth0
for a in $OTHER $C $DNS; do
	nsx $GW ip neigh replace $a lladdr 02:00:00:00:64:0a dev gw-wan nud permanent
done
nsx $GW nft -f - <<-EOF
table ip demo_nat {
	chain post {
		type nat hook postrouting priority srcnat;
		oifname "gw-wan" masquerade
	}
}
EOF
printf '  %-9s %-12s %s\n' server "$A $OTHER $C" "(198.18.100.0/24, no route back to the devices)"
# nsenter, not nsx: $! must be dnsmasq itself
echo "$A broker.test" >"$TMP/hosts"
nsenter --net=/run/netns/$SRV dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv \
	--no-hosts --addn-hosts="$TMP/hosts" --local=/test/ --listen-address=$DNS \
	--bind-interfaces --user=root --local-ttl=600 --log-facility="$TMP/dnsmasq.log" &
DNSMASQ=$!
mw_atexit 'kill $DNSMASQ 2>/dev/null; wait $DNSMASQ 2>/dev/null'
printf '  %-9s %-12s %s\n' dns "$DNS" "(dnsmasq: names under .test, broker.test is $A)"
note "The gateway masquerades everything that leaves on gw-wan: the server sees only $NAT," \
	"and replies reach a device only through the gateway's connection tracking (de-NAT)."

say "Load modwall on the gateway's device-facing links"
note "--role lan: XDP judges what a device sends; a tc egress program on the same link" \
	"judges what it receives, after de-NAT, when the device's address is visible again."
run nsenter --net=/run/netns/$GW "$MODWALL" load gw-m --role lan --mode generic || exit 1
for d in "${DEVICES[@]:1}"; do
	set -- $d
	nsx $GW "$MODWALL" load "$2" --role lan --mode generic >/dev/null || exit 1
	links="${links:-} $2"
done
note "(and the same on$links)"

say "Before any policy: fail-open, everything passes and is counted as no_policy"
got=$(send $P-meter 198.18.1.1 5)
expect "meter: 5 pings to the gateway answered before any policy" "$got" 5
expect "gw-m: 5 frames counted as no_policy" "$(mw_iface_counter gw-m no_policy)" 5

say "Check, then apply the policy"
run "$MODWALL" check "$ROOT/policies/demo.mwp" --bindings "$ROOT/policies/demo.bindings" || exit 1
run "$MODWALL" apply "$ROOT/policies/demo.mwp" --bindings "$ROOT/policies/demo.bindings" || exit 1
run "$MODWALL" show

say "modwalld on the gateway: names from DNS answers, and /metrics"
note "It learns which addresses names stand for from the DNS answers the devices receive" \
	"(the tc egress side holds each answer until it is learned), so a policy may allow a" \
	"name; it serves /metrics too, here on the gateway's loopback."
printf '$ nsenter --net=/run/netns/%s %s daemon --listen 127.0.0.1:0 &\n' "$GW" \
	"$MODWALL${GEO[*]:+ ${GEO[*]}}"
nsenter --net=/run/netns/$GW "$MODWALL" "${GEO[@]}" daemon --listen 127.0.0.1:0 \
	2>"$TMP/daemon.log" &
DAEMON=$!
mw_atexit 'kill $DAEMON 2>/dev/null; wait $DAEMON 2>/dev/null'
URL= LEARNING=
for _ in $(seq 1 50); do
	URL=$(sed -n 's/^modwall: daemon: serving //p' "$TMP/daemon.log")
	LEARNING=$(j status | mw_jq '.dns.learning')
	[ -n "$URL" ] && [ "$LEARNING" = True ] && break
	sleep 0.1
done
sed 's/^/  /' "$TMP/daemon.log"
expect "modwalld learns names (status: dns.learning)" "$LEARNING" True
check "modwalld serves /metrics" [ -n "$URL" ]

say "Traffic"
note "meter-17 (quarantined): 10 pings to $C"
got=$(send $P-meter $C 10)
expect "meter: no reply to its 10 pings" "$got" 0
expect "meter-17: 10 frames dropped (reason drop)" "$(mw_counter meter-17 drop)" 10

note "the module (untagged, a Quectel MAC): 5 UDP datagrams to $A:5003, 7 answers back"
serve module $A 5003 5 7 200 || bad "module server" "did not start"
got=$(nsx $P-module $UDP client 198.18.4.2 40001 $A 5003 5 100 7)
reap
expect "module: its 7 answers came back through the NAT" "$got" 7
expect "modules: 12 frames observed (5 out through XDP, 7 in through tc egress)" \
	"$(mw_counter modules observe)" 12

note "tracker-3 (allow-list by name): asks $DNS for broker.test, sends 3 datagrams to" \
	"the address it got, port $BROKER_PORT (3 answers), then 4 to $OTHER:5002, an address" \
	"it did not resolve"
printf '$ %s\n' "probe.py $DNS 53 broker.test   (in the tracker's namespace)"
got=$(nsx $P-tracker $PROBE $DNS 53 broker.test)
echo "  $got"
expect "tracker: broker.test resolves to $A" "$got" "broker.test $A"
serve broker $A $BROKER_PORT 3 3 100 || bad "broker" "did not start"
got=$(nsx $P-tracker $UDP client 198.18.3.2 40002 $A $BROKER_PORT 3 100 3)
reap
expect "tracker: its broker answered 3 times" "$got" 3
nsx $P-tracker $UDP blast 198.18.3.2 40003 $OTHER 5002 4 100 >/dev/null
expect "tracker-3: 8 frames passed (the lookup and its answer, 3 out, 3 in)" \
	"$(mw_counter tracker-3 pass)" 8
expect "tracker-3: the 4 to $OTHER dropped as not_allowed" "$(mw_counter tracker-3 not_allowed)" 4

note "camera-2 (limited to $RATE packets/s, burst $BURST): $NBLAST datagrams to $A:6000" \
	"as fast as it can"
sink upload $A 6000 || bad "upload sink" "did not start"
t0=$(date +%s.%N)
nsx $P-camera $UDP blast 198.18.2.2 40004 $A 6000 $NBLAST 100 >/dev/null
t1=$(date +%s.%N)
reap
received=$(cat "$TMP/upload.out")
npass=$(mw_counter camera-2 pass)
nlim=$(mw_counter camera-2 rate_limited)
secs=$(echo "$t1 - $t0" | bc -l)
maxpass=$(/usr/bin/python3 -c "import math; print($BURST + math.ceil($RATE * $secs) + 1)")
printf '   sent %d in %.2f s: %d passed, %d cut (rate_limited); the server received %d\n' \
	$NBLAST "$secs" "$npass" "$nlim" "$received"
expect "camera-2: passed + rate_limited == $NBLAST" $((npass + nlim)) $NBLAST
expect "camera-2: the server received exactly what passed" "$received" "$npass"
if [ "$npass" -ge $BURST ] && [ "$npass" -le "$maxpass" ]; then
	ok "camera-2: cut to its rate: $BURST <= passed ($npass) <= burst + rate x time + 1 ($maxpass)"
else
	bad "camera-2: cut to its rate" "$npass passed, expected $BURST..$maxpass"
fi

note "laptop (no policy of its own, the default: pass): 5 pings to $A"
got=$(send $P-laptop $A 5)
expect "laptop: 5 pings answered" "$got" 5

say "Discovered: untagged devices of a watched vendor class"
run "$MODWALL" discovered
expect "discovered: the module's MAC, in class modules" \
	"$(j discovered | mw_jq '"%s" % sorted((x["mac"], x["class"]) for x in d["devices"])')" \
	"[('$MODULE_MAC', 'modules')]"

say "Where each device talked, both directions (modwall flows)"
note "Uploads are counted by XDP, downloads by tc egress after de-NAT: the server's" \
	"answers went to $NAT, yet they are in the device's flow, with its remote end," \
	"the name the device looked it up by, and its country."
if [ ${#GEO[@]} = 0 ]; then
	note "Countries need a database that knows the addresses: Debian's (the default)" \
		"has none for the demo's, so that column is empty here."
else
	note "Countries come from a database: here the small test one the build writes," \
		"which places 198.18.0.0/16 in DE (by default, Debian's knows none of the demo's)."
fi
if [ $HAVE_FLOWS = 1 ]; then
	run "$MODWALL" "${GEO[@]}" flows
else
	note "(this modwall has no 'flows' command)"
fi
expect_flows "flows modules: the module's exchange with $A, by member MAC" "$(flows_of modules)" \
	"[('$MODULE_MAC', '$A', 'udp', 5003, 5, $((5 * $(udp_frame 100))), 7, $((7 * $(udp_frame 200))), 0, 0)]"
expect_flows "flows tracker-3: its broker both ways, $OTHER dropped, the lookup" \
	"$(flows_of tracker-3)" \
	"[(None, '$A', 'udp', $BROKER_PORT, 3, $((3 * $(udp_frame 100))), 3, $((3 * $(udp_frame 100))), 0, 0), \
(None, '$OTHER', 'udp', 5002, 4, $((4 * $(udp_frame 100))), 0, 0, 4, 0), \
(None, '$DNS', 'udp', 53, 1, $DNS_Q, 1, $DNS_A, 0, 0)]"
if [ -n "$CC" ]; then PYCC="'$CC'"; else PYCC=None; fi
expect_flows "flows tracker-3: the broker by the name it was resolved as, countries" \
	"$(j "${GEO[@]}" flows tracker-3 | mw_jq 'sorted((f["remote"], f["name"], f["country"]) for f in d["flows"])')" \
	"[('$A', 'broker.test', $PYCC), ('$OTHER', None, $PYCC), ('$DNS', None, $PYCC)]"
expect_flows "flows camera-2: one flow, the cut datagrams as dropped" "$(flows_of camera-2)" \
	"[(None, '$A', 'udp', 6000, $NBLAST, $((NBLAST * $(udp_frame 100))), 0, 0, $nlim, 0)]"
expect_flows "flows meter-17: none (its policy keeps no flows)" "$(flows_of meter-17)" "[]"

say "What modwall counted"
note "Per device and class by verdict reason; per interface, the XDP side (uploads) and" \
	"the tc egress side (downloads) apart. 'unattributed': frames of no device or class."
run "$MODWALL" stats

say "The same counters on /metrics (modwalld, on the gateway's loopback)"
if [ -z "$URL" ]; then
	bad "daemon" "did not serve: $(cat "$TMP/daemon.log")"
else
	note "Prometheus scrapes the same counters: modwall_device_packets_total by device and" \
		"reason; tracker-3's flow bytes by country, and by its busiest remotes with their names."
	printf '$ nsenter --net=/run/netns/%s curl -s %s | grep ...\n' "$GW" "$URL"
	nsx $GW curl -s "$URL" >"$TMP/metrics"
	grep -E '^modwall_device_packets_total\{.*reason="(drop|observe|not_allowed|rate_limited)"\} [1-9]' \
		"$TMP/metrics" | sed 's/^/  /'
	grep -E '^modwall_flow_(country|remote)_bytes\{device="tracker-3"' "$TMP/metrics" | sed 's/^/  /'
	# metric SERIES: the value of the series whose name and labels are SERIES
	metric() { awk -v s="$1" 'index($0, s " ") == 1 { print $NF; exit }' "$TMP/metrics"; }
	dev() { metric "modwall_device_packets_total{device=\"$1\",kind=\"$2\",reason=\"$3\"}"; }
	expect "/metrics: meter-17 drop 10" "$(dev meter-17 device drop)" 10
	expect "/metrics: modules observe 12" "$(dev modules class observe)" 12
	expect "/metrics: tracker-3 not_allowed 4" "$(dev tracker-3 device not_allowed)" 4
	expect "/metrics: camera-2 rate_limited as in stats" "$(dev camera-2 device rate_limited)" \
		"$nlim"
	expect "/metrics: tracker-3's bytes out in country \"$CC\": broker, $OTHER and the lookup" \
		"$(metric "modwall_flow_country_bytes{device=\"tracker-3\",country=\"$CC\",direction=\"out\"}")" \
		$((7 * $(udp_frame 100) + DNS_Q))
	expect "/metrics: tracker-3's bytes in, country \"$CC\": broker and the answer" \
		"$(metric "modwall_flow_country_bytes{device=\"tracker-3\",country=\"$CC\",direction=\"in\"}")" \
		$((3 * $(udp_frame 100) + DNS_A))
	expect "/metrics: tracker-3's one country" \
		"$(grep -c '^modwall_flow_country_bytes{device="tracker-3"' "$TMP/metrics")" 2
	expect "/metrics: tracker-3's busiest remote is broker.test" \
		"$(metric "modwall_flow_remote_bytes{device=\"tracker-3\",remote=\"$A\",name=\"broker.test\",direction=\"out\"}")" \
		$((3 * $(udp_frame 100)))
fi

say "Drop events name the remote end (modwall events)"
note "tracker-3 sends one datagram to broker.test's address, port 5002, which its policy" \
	"does not allow; the event says what the device dropped was for."
printf '$ %s events --count 1\n' "$MODWALL${GEO[*]:+ ${GEO[*]}}"
"$MODWALL" "${GEO[@]}" events --count 1 >"$TMP/events" 2>"$TMP/events.err" &
EVPID=$!
sleep 0.5	# the reader is attached
nsx $P-tracker $UDP blast 198.18.3.2 40007 $A 5002 1 100 >/dev/null
for _ in $(seq 1 50); do kill -0 $EVPID 2>/dev/null || break; sleep 0.1; done
kill $EVPID 2>/dev/null
wait $EVPID 2>/dev/null
sed 's/^/  /' "$TMP/events"
expect "events: tracker-3's datagram to $A:5002, not_allowed, named broker.test${CC:+ in $CC}" \
	"$(grep -c " tracker-3 not_allowed len $(udp_frame 100): .* 198.18.3.2:40007 > $A:5002 udp (broker.test${CC:+, $CC})\$" "$TMP/events")" 1

say "Bind another address to the tracker at run time: enforced at once"
run "$MODWALL" bind 356938035643809 198.18.3.3
nsx $P-tracker ip addr add 198.18.3.3/24 dev eth0
nsx $GW ip neigh replace 198.18.3.3 lladdr 02:11:22:33:44:77 dev gw-t nud permanent
serve broker2 $A $BROKER_PORT 2 2 100 || bad "broker" "did not start"
got=$(nsx $P-tracker $UDP client 198.18.3.3 40005 $A $BROKER_PORT 2 100 2)
reap
expect "tracker from 198.18.3.3: its broker answered 2 times" "$got" 2
nsx $P-tracker $UDP blast 198.18.3.3 40006 $OTHER 5002 2 100 >/dev/null
run "$MODWALL" stats tracker-3
expect "tracker-3: 4 more passed (12 in all)" "$(mw_counter tracker-3 pass)" 12
expect "tracker-3: 2 more not_allowed (7 in all)" "$(mw_counter tracker-3 not_allowed)" 7

say "Upgrade in place: load again keeps counters and enforcement"
run nsenter --net=/run/netns/$GW "$MODWALL" load gw-m --mode generic
got=$(send $P-meter $C 5)
expect "meter: still no reply after the upgrade" "$got" 0
run "$MODWALL" stats meter-17
expect "meter-17: 15 dropped, the 10 from before the upgrade kept" "$(mw_counter meter-17 drop)" 15

say "Unload: detach everything, remove pins"
run "$MODWALL" unload --all
expect "unload: no tc filter left on gw-t" "$(nsx $GW tc filter show dev gw-t egress)" ""
echo
echo "Demo done; namespaces are removed on exit."
mw_done
