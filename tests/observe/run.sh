#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Observability end to end: discovery of vendor-class MACs, rate-capped drop
# events and pcap capture of dropped frames, with real traffic over veth.
# Usage: tests/observe/run.sh path/to/modwall
#
#   q (02:00:00:00:10:02, 198.18.10.2) --veth-- gw (gw-q, 198.18.10.1)
#       sends frames from Quectel MACs (class "quectel", policy observe)
#   d (02:11:22:33:44:d1, 198.18.11.2) --veth-- gw (gw-d, 198.18.11.1)
#       meter-d (its own MAC) and meter-e (02:11:22:33:44:e1, spoofed):
#       both tagged with a drop policy
#
# modwall runs on the gateway's veth ends (generic XDP, lan role) with a
# drop-event cap of 50/s, burst 10. Pins go to a private directory.
set -u
. "$(dirname "$0")/../lib.sh"
mw_init obs "$@"
PY=/usr/bin/python3	# Debian's python3-scapy lives here

GW=${MW_PREFIX}-gw
Q=${MW_PREFIX}-q
D=${MW_PREFIX}-d
MAC_Q=02:00:00:00:10:02
MAC_D=02:11:22:33:44:d1
MAC_E=02:11:22:33:44:e1
RATE=50
BURST=10
# MW_GEO_DB: the test country database (make observetest), 198.18.0.0/16 in DE
GEO=()
[ -n "${MW_GEO_DB:-}" ] && [ -f "$MW_GEO_DB" ] && GEO=(--geoip-db "$MW_GEO_DB")

now() { date +%s.%N; }

# A Quectel OUI straight from the registry the policy compiler reads.
OUI_HEX=$(awk -F, 'tolower($3) ~ /quectel/ { print $2; exit }' /usr/share/ieee-data/oui.csv)
if [ -z "$OUI_HEX" ]; then
	bad "setup" "no Quectel assignment in /usr/share/ieee-data/oui.csv (ieee-data)"
	mw_done
fi
OUI=$(echo "$OUI_HEX" | tr 'A-F' 'a-f' | sed 's/\(..\)\(..\)\(..\)/\1:\2:\3/')
OUI_BYTES=$(echo "$OUI_HEX" | sed 's/\(..\)\(..\)\(..\)/0x\1, 0x\2, 0x\3/')

# scapy NS SCRIPT [ARGS...]: run a Python script with scapy in namespace NS
scapy() {
	local ns=$1
	shift
	nsx "$ns" "$PY" -c "import logging; logging.getLogger('scapy').setLevel(logging.ERROR)
from scapy.all import Ether, IP, UDP, Raw, sendp, conf
conf.verb = 0
$1" "${@:2}"
}

# trafgen_udp NS DEV DST_MAC SRC_MAC_BYTES COUNT SRC_IP [TRAFGEN_OPTS...]: COUNT
# 60-byte IPv4/UDP frames from SRC_MAC_BYTES (trafgen syntax, 6 bytes) to
# DST_MAC. --no-sock-mem and -Q keep trafgen off the host's socket-memory
# sysctls and IRQ affinities.
trafgen_udp() {
	local ns=$1 dev=$2 dst=$3 src=$4 n=$5 sip=$6
	shift 6
	cat > "$TMP/tg.cfg" <<-CFG
	{
	  $(mw_mac_bytes "$dst"),
	  $src,
	  c16(0x0800),
	  0x45, 0x00, c16(46), c16(0), 0x40, 0x00, 64, 17, csumip(14, 33),
	  ${sip//./, }, 198, 18, 99, 1,
	  c16(40000), c16(9), c16(26), c16(0),
	  fill(0x78, 18)
	}
	CFG
	nsx "$ns" trafgen --no-sock-mem -Q -C -P 1 --dev "$dev" --conf "$TMP/tg.cfg" -n "$n" "$@" >"$TMP/tg.out" 2>&1
}

setup() {
	mw_ns "$GW"
	mw_ns "$Q"
	mw_ns "$D"
	mw_link "$GW" gw-q 198.18.10.1 "$Q" eth0 198.18.10.2 $MAC_Q
	mw_link "$GW" gw-d 198.18.11.1 "$D" eth0 198.18.11.2 $MAC_D
	GWQ_MAC=$(mw_mac "$GW" gw-q)
	GWD_MAC=$(mw_mac "$GW" gw-d)
	cat > "$TMP/policy.mwp" <<-POL
	policy quarantine { drop }
	class  quectel vendor "Quectel" policy observe
	device meter-d mac $MAC_D policy quarantine
	device meter-e mac $MAC_E policy quarantine
	default pass
	POL
	nsx "$GW" "$MODWALL" load gw-q --mode generic --event-rate $RATE/$BURST >/dev/null &&
		nsx "$GW" "$MODWALL" load gw-d --mode generic >/dev/null &&
		"$MODWALL" -q apply "$TMP/policy.mwp" >/dev/null
	expect "load on two interfaces (event rate $RATE/$BURST) and apply" $? 0
}

test_discovery() {
	local out m1=$OUI:00:00:01 m2=$OUI:00:00:02 m3=$OUI:00:00:03
	scapy "$Q" '
import sys
gw, src = sys.argv[1], sys.argv[2]
for mac, n in ((sys.argv[3], 5), (sys.argv[4], 7), (sys.argv[5], 11)):
    f = Ether(src=mac, dst=gw) / IP(src=src, dst="198.18.99.1") / UDP(sport=40000, dport=9) / Raw(b"x" * 18)
    assert len(f) == 60
    sendp([f] * n, iface="eth0")
' "$GWQ_MAC" 198.18.10.2 "$m1" "$m2" "$m3"
	expect "discovery: scapy sent 5+7+11 frames from 3 $OUI MACs" $? 0
	"$MODWALL" -j discovered > "$TMP/disc.json"
	expect "discovered --json exits 0" $? 0
	out=$("$PY" - "$TMP/disc.json" "$m1" "$m2" "$m3" <<-'PY'
	import json, sys
	d = json.load(open(sys.argv[1]))
	want = {sys.argv[2]: 5, sys.argv[3]: 7, sys.argv[4]: 11}
	got = {e["mac"]: e for e in d["devices"]}
	errs = []
	if set(got) != set(want):
	    errs.append("MACs %s" % sorted(got))
	for mac, n in want.items():
	    e = got.get(mac)
	    if not e:
	        continue
	    if e["packets"] != n or e["bytes"] != 60 * n:
	        errs.append("%s: %s packets, %s bytes" % (mac, e["packets"], e["bytes"]))
	    if e["class"] != "quectel" or "quectel" not in (e["vendor"] or "").lower():
	        errs.append("%s: class %s vendor %s" % (mac, e["class"], e["vendor"]))
	    if e["last_ip"] != "198.18.10.2" or e["interface"] != "gw-q":
	        errs.append("%s: ip %s interface %s" % (mac, e["last_ip"], e["interface"]))
	if d["count"] != 3 or d["classes"] != 1:
	    errs.append("count %s classes %s" % (d["count"], d["classes"]))
	print("; ".join(errs) or "ok")
	PY
	)
	expect "discovered: exactly the 3 MACs, exact packets/bytes, class, vendor, IP, interface" "$out" ok
	out=$("$PY" - "$TMP/disc.json" <<-'PY'
	import json, sys, time, calendar
	d = json.load(open(sys.argv[1]))
	now = time.time()
	bad = []
	for e in d["devices"]:
	    for k in ("first_seen", "last_seen"):
	        t = e[k]
	        secs = calendar.timegm(time.strptime(t[:19], "%Y-%m-%dT%H:%M:%S"))
	        if not t.endswith("Z") or abs(secs - now) > 60:
	            bad.append(t)
	    if e["first_seen"] > e["last_seen"]:
	        bad.append("first after last")
	print(" ".join(bad) or "ok")
	PY
	)
	expect "discovered: first/last seen are ISO 8601 UTC within a minute of now" "$out" ok
	out=$("$MODWALL" discovered | tail -1)
	expect "discovered: summary line" "$out" "3 devices in 1 class"
	expect "discovered --sort packets: most packets first" \
		"$("$MODWALL" -j discovered --sort packets | mw_jq '.devices[0].mac')" "$m3"
	expect "discovered --vendor Quectel: all 3" \
		"$("$MODWALL" -j discovered --vendor Quectel | mw_jq .count)" 3
	expect "discovered --vendor Fibocom: none" \
		"$("$MODWALL" -j discovered --vendor Fibocom | mw_jq .count)" 0
	"$MODWALL" discovered --vendor 'no such vendor xyzzy' >/dev/null 2>&1
	expect "discovered --vendor matching nothing: exit 2" $? 2
	"$MODWALL" discovered --sort size >/dev/null 2>&1
	expect "discovered --sort size: exit 2" $? 2
	out=$(MODWALL_IEEE_DIR=$TMP/no-registry "$MODWALL" -j discovered 2>/dev/null |
		mw_jq '"%d %s %s" % (d["count"], {e["vendor"] for e in d["devices"]}, {e["class"] for e in d["devices"]})')
	expect "discovered without the IEEE registry: class names only" "$out" "3 {None} {'quectel'}"
	MODWALL_IEEE_DIR=$TMP/no-registry "$MODWALL" -q discovered | head -1 | grep -q VENDOR
	expect "discovered without the IEEE registry: no VENDOR column" $? 1
}

test_flood() {
	local n=100000 t0 t1 entries max slots lru o0 o1 p0 p1
	o0=$(mw_counter quectel observe)
	p0=$("$MODWALL" -j discovered | mw_jq 'sum(e["packets"] for e in d["devices"])')
	trafgen_udp "$Q" eth0 "$GWQ_MAC" "$OUI_BYTES, drnd(3)" $n 198.18.10.2
	expect "flood: trafgen sent $n frames from random $OUI MACs" $? 0
	sleep 0.3
	o1=$(mw_counter quectel observe)
	echo "  ($((o1 - o0)) of $n frames reached the data path)"
	max=$(bpftool -j map show pinned "$MODWALL_PIN_DIR/mw_discovered" | mw_jq .max_entries)
	expect "flood: mw_discovered max_entries" "$max" 65536
	slots=$(bpftool -j map show pinned "$MODWALL_PIN_DIR/mw_disctab" | mw_jq .max_entries)
	expect "flood: mw_disctab slots" "$slots" 131072
	t0=$(now)
	"$MODWALL" -j discovered > "$TMP/flood.json"
	t1=$(now)
	entries=$(mw_jq .count < "$TMP/flood.json")
	p1=$(mw_jq 'sum(e["packets"] for e in d["devices"])' < "$TMP/flood.json")
	echo "  (discovered lists $entries entries in $(echo "$t1 - $t0" | bc) s)"
	check "flood: bounded: $entries entries <= $slots + $max" [ "$entries" -le $((slots + max)) ]
	check "flood: discovered answers within 5 s" [ "$(echo "$t1 - $t0 < 5" | bc)" = 1 ]
	lru=$(bpftool -j map dump pinned "$MODWALL_PIN_DIR/mw_discovered" | mw_jq '. | length')
	echo "  (of them $lru in the LRU map: their windows of the table were full)"
	check "flood: full windows of the table spilled to the LRU map ($lru)" [ "$lru" -gt 0 ]
	check "flood: the LRU map did not fill up" [ "$lru" -lt "$max" ]
	# the LRU map evicted nothing: every frame is in some MAC's packets
	expect "flood: discovered packets went up by exactly the frames observed" \
		$((p1 - p0)) $((o1 - o0))
	t0=$(now)
	"$MODWALL" stats >/dev/null
	expect "flood: stats still works" $? 0
	t1=$(now)
	check "flood: stats answers within 5 s" [ "$(echo "$t1 - $t0 < 5" | bc)" = 1 ]
	# every frame sent reaches XDP: nothing else sends on this veth, and
	# trafgen's frames are not dropped before the program (100000 of 100000
	# in every run so far)
	expect "flood: every frame that reached XDP counted as observed" $((o1 - o0)) $n
	"$MODWALL" -j discovered --sort bytes | mw_jq 'd["devices"][0]["packets"] >= 1' | grep -q True
	expect "flood: discovered --sort bytes on a full map" $? 0
}

# events_stats: "emitted suppressed ring_full" since load
events_stats() {
	"$MODWALL" -j events --stats | mw_jq '"%d %d %d" % (d["emitted"], d["suppressed"], d["ring_full"])'
}

# all frames dropped so far, any reason
drops() {
	echo $(( $(mw_counter total drop) + $(mw_counter total malformed) +
		 $(mw_counter total not_allowed) + $(mw_counter total rate_limited) ))
}

# ping_until PID NS DST: drop traffic (ICMP echo) until process PID exits (20 s at most)
ping_until() {
	local pid=$1 ns=$2 dst=$3 i
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		nsx "$ns" ping -q -n -c 5 -i 0.02 -W 0.1 "$dst" >/dev/null 2>&1
	done
	return 1
}

test_events() {
	local n=20000 e0 s0 r0 e1 s1 r1 d0 d1 m0 m1 t0 t1 bound out pid lines
	out=$("$MODWALL" -j events --stats | mw_jq '"%s %d %d" % (d["enabled"], d["rate"], d["burst"])')
	expect "events --stats: the cap set at load" "$out" "True $RATE $BURST"
	read -r e0 s0 r0 <<< "$(events_stats)"
	d0=$(drops)
	m0=$(mw_counter meter-d drop)
	sleep 0.5	# an idle bucket: the whole burst is available
	t0=$(now)
	# one frame every 100 us: the drops span at least 2 s, evenly, so the
	# rate and not only the burst shapes the events
	trafgen_udp "$D" eth0 "$GWD_MAC" "$(mw_mac_bytes $MAC_D)" $n 198.18.11.2 -t 100us
	expect "events: trafgen sent $n frames from meter-d over 2 s or more" $? 0
	sleep 0.3
	read -r e1 s1 r1 <<< "$(events_stats)"
	t1=$(now)
	d1=$(drops)
	m1=$(mw_counter meter-d drop)
	echo "  ($((m1 - m0)) of $n frames dropped in $(echo "$t1 - $t0" | bc) s: emitted $((e1 - e0)), suppressed $((s1 - s0)), ring full $((r1 - r0)))"
	expect "events: every frame of meter-d dropped" $((m1 - m0)) $n
	expect "events: emitted + suppressed + ring full == frames dropped" \
		$((e1 - e0 + s1 - s0 + r1 - r0)) $((d1 - d0))
	# The bucket allows BURST at once, then RATE per second, so over the
	# window [t0, t1] (which contains every drop) at most RATE * T + BURST
	# events. +1: the data path times the bucket with the coarse clock,
	# which may lag by a tick (4 ms at HZ=250: 0.2 events at 50/s) and so
	# stretch the window it sees by that much.
	bound=$(echo "$RATE * ($t1 - $t0) + $BURST + 1" | bc | cut -d. -f1)
	check "events: emitted $((e1 - e0)) <= $RATE * T + $BURST + 1 = $bound" [ $((e1 - e0)) -le "$bound" ]
	# and the cap lets the rate through: drops spanning >= 2 s earn at least
	# BURST + RATE * 2 events, less 10% for the sender's start and end
	check "events: emitted $((e1 - e0)) >= 90% of $BURST + $RATE * 2" \
		[ $((e1 - e0)) -ge $(( (BURST + RATE * 2) * 9 / 10 )) ]
	expect "events: the cap suppressed the rest" $((s1 - s0)) $((n - (e1 - e0)))

	# the ring now holds the emitted events nobody read: --backlog shows them
	timeout 10 "$MODWALL" -j events --backlog --count 3 > "$TMP/backlog.json" 2>"$TMP/backlog.err"
	expect "events --backlog --count 3: exits 0 at once" $? 0
	out=$(json_lines "$TMP/backlog.json" 'e["subject"] == "meter-d" and e["sport"] == 40000')
	expect "events --backlog: 3 queued events of meter-d's flood" "$out" "3 True"

	# a fresh reader skips the rest of the backlog and shows new drops only
	t0=$(date +%s)
	timeout 25 "$MODWALL" -j "${GEO[@]}" events --count 5 > "$TMP/ev.json" 2>"$TMP/ev.err" &
	pid=$!
	MW_PIDS+=("$pid")
	ping_until $pid "$D" 198.18.11.1
	wait $pid
	expect "events --json --count 5: exits 0" $? 0
	lines=$(wc -l < "$TMP/ev.json")
	expect "events --json --count 5: 5 lines" "$lines" 5
	out=$(json_lines "$TMP/ev.json" 'e["subject"] == "meter-d" and e["reason"] == "drop" and e["interface"] == "gw-d" and e["src_mac"] == "'$MAC_D'" and e["proto"] == 1 and e["icmp_type"] == 8 and e["src"] == "198.18.11.2" and e["len"] == 98')
	expect "events --json: 5 valid objects, each a decoded ping of meter-d" "$out" "5 True"
	out=$(json_lines "$TMP/ev.json" 'abs(calendar.timegm(time.strptime(e["time"][:19], "%Y-%m-%dT%H:%M:%S")) - '"$t0"') < 60')
	expect "events --json: times are wall clock" "$out" "5 True"
	# the remote end of a ping the device sent (lan, XDP side): its destination
	if [ ${#GEO[@]} = 0 ]; then
		skip "events --json: the remote end's country" "no test country database (MW_GEO_DB)"
	else
		out=$(json_lines "$TMP/ev.json" 'e["name"] is None and e["country"] == "DE"')
		expect "events --json: remote 198.18.11.1 has no name, country DE" "$out" "5 True"
	fi
	grep -q "^5 events shown" "$TMP/ev.err"
	expect "events: summary on stderr" $? 0

	# text mode, and SIGINT ends a stream cleanly
	timeout 25 "$MODWALL" "${GEO[@]}" events > "$TMP/ev.txt" 2>"$TMP/evt.err" &
	pid=$!
	MW_PIDS+=("$pid")
	sleep 0.5
	nsx "$D" ping -q -n -c 3 -i 0.05 -W 0.1 198.18.11.1 >/dev/null 2>&1
	timeout 5 "$MODWALL" events --count 1 >/dev/null 2>"$TMP/second.err"
	expect "events: a second reader is refused" $? 1
	case "$(cat "$TMP/second.err")" in
	*"another reader (pid $(pgrep -P "$pid")) holds the event ring buffer"*) ok "events: the refusal names the first reader" ;;
	*) bad "events: the refusal names the first reader" "$(cat "$TMP/second.err")" ;;
	esac
	sleep 0.3
	kill -INT $pid
	wait $pid
	expect "events: SIGINT ends the stream with exit 0" $? 0
	grep -q " gw-d meter-d drop len 98: $MAC_D > $GWD_MAC ipv4 198.18.11.2 > 198.18.11.1 icmp type 8 code 0${GEO[0]:+ (DE)}\$" "$TMP/ev.txt"
	expect "events: text line (time, interface, subject, reason, length, decode${GEO[0]:+, country})" $? 0
	case "$(cat "$TMP/evt.err")" in
	*" shown"*"; since load: emitted "*", suppressed "*", ring full "*) ok "events: counters printed on exit" ;;
	*) bad "events: counters printed on exit" "$(cat "$TMP/evt.err")" ;;
	esac

	out=$("$MODWALL" -j events --rate 0 --stats | mw_jq .enabled)
	expect "events --rate 0: events off" "$out" False
	read -r e0 s0 r0 <<< "$(events_stats)"
	nsx "$D" ping -q -n -c 3 -i 0.05 -W 0.1 198.18.11.1 >/dev/null 2>&1
	expect "events off: no counter moves" "$(events_stats)" "$e0 $s0 $r0"
	out=$("$MODWALL" -j events --rate $RATE/$BURST --stats | mw_jq '"%s %d %d" % (d["enabled"], d["rate"], d["burst"])')
	expect "events --rate $RATE/$BURST: on again" "$out" "True $RATE $BURST"
	"$MODWALL" events --rate 5/x --stats >/dev/null 2>&1
	expect "events --rate 5/x: exit 2" $? 2

	# No reader and no effective cap: the ring fills, and every drop is
	# still counted once. A record is struct mw_event (152 bytes) plus the
	# ring's 8-byte header, so 256 KiB hold 1638 of them.
	"$MODWALL" events --rate 10000000/10000000 --stats >/dev/null
	read -r e0 s0 r0 <<< "$(events_stats)"
	d0=$(drops)
	trafgen_udp "$D" eth0 "$GWD_MAC" "$(mw_mac_bytes $MAC_D)" 5000 198.18.11.2
	sleep 0.3
	read -r e1 s1 r1 <<< "$(events_stats)"
	d1=$(drops)
	echo "  (ring: emitted $((e1 - e0)), suppressed $((s1 - s0)), ring full $((r1 - r0)) of $((d1 - d0)) drops)"
	check "ring full: some drops found the ring full" [ $((r1 - r0)) -gt 0 ]
	check "ring full: at most 1638 events fit" [ $((e1 - e0)) -le 1638 ]
	expect "ring full: emitted + suppressed + ring full == frames dropped" \
		$((e1 - e0 + s1 - s0 + r1 - r0)) $((d1 - d0))
	"$MODWALL" events --rate $RATE/$BURST --stats >/dev/null
}

# json_lines FILE EXPR: "N ALL": how many JSON lines FILE holds, and whether
# EXPR (a Python expression over e, bound to each) holds for every one
json_lines() {
	mw_jq --lines -f "$1" '"%d %s" % (len(d), all(eval(x, globals(), {"e": e}) for e in d))' x="$2"
}

# send_de_until PID: frames from meter-d and meter-e until process PID exits
send_de_until() {
	scapy "$D" '
import os, sys, time
gw, pid = sys.argv[1], int(sys.argv[2])
fs = [Ether(src=m, dst=gw) / IP(src="198.18.11.2", dst="198.18.11.1") / UDP(sport=40001, dport=9) / Raw(b"y" * 18)
      for m in (sys.argv[3], sys.argv[4])]
end = time.time() + 20
while time.time() < end:
    try:
        os.kill(pid, 0)
    except OSError:
        break
    sendp(fs * 3, iface="eth0")
    time.sleep(0.05)
' "$GWD_MAC" "$1" $MAC_D $MAC_E
}

test_capture() {
	local pid out t0
	t0=$(date +%s)
	timeout 25 "$MODWALL" capture -w "$TMP/f.pcap" --count 10 > "$TMP/cap.out" 2>&1 &
	pid=$!
	MW_PIDS+=("$pid")
	ping_until $pid "$D" 198.18.11.1
	wait $pid
	expect "capture -w f.pcap --count 10: exits 0" $? 0
	expect "capture: says how many frames it wrote" "$(cat "$TMP/cap.out")" \
		"10 frames written to $TMP/f.pcap"
	tcpdump -r "$TMP/f.pcap" -nn -e > "$TMP/f.txt" 2>/dev/null
	expect "capture: tcpdump reads 10 frames back" "$(wc -l < "$TMP/f.txt")" 10
	expect "capture: each is a ping from meter-d's MAC" \
		"$(grep -c "^[0-9:.]* $MAC_D > $GWD_MAC, ethertype IPv4 (0x0800), length 98: 198.18.11.2 > 198.18.11.1: ICMP echo request" "$TMP/f.txt")" 10
	out=$(tcpdump -r "$TMP/f.pcap" -nn -tt 2>/dev/null | awk -v t0="$t0" '
		{ d = $1 - t0; if (d < 0) d = -d; if (d > 60) bad++ } END { print bad + 0 }')
	expect "capture: timestamps are wall clock" "$out" 0

	timeout 25 "$MODWALL" -j capture -w "$TMP/e.pcap" --count 4 --device meter-e > "$TMP/cape.json" 2>&1 &
	pid=$!
	MW_PIDS+=("$pid")
	send_de_until $pid
	wait $pid
	expect "capture --device meter-e --json: exits 0" $? 0
	expect "capture --json: summary" "$(mw_jq .frames < "$TMP/cape.json")" 4
	out=$(tcpdump -r "$TMP/e.pcap" -nn -e 2>/dev/null | awk '{ print $2 }' | sort | uniq -c | awk '{ print $1, $2 }')
	expect "capture --device meter-e: only meter-e's frames" "$out" "4 $MAC_E"

	timeout 25 "$MODWALL" capture -w - --count 3 --snaplen 34 2>"$TMP/caps.err" |
		tcpdump -r - -nn -e > "$TMP/s.txt" 2>/dev/null &
	pid=$!
	MW_PIDS+=("$pid")
	ping_until $pid "$D" 198.18.11.1
	wait $pid
	expect "capture -w - | tcpdump -r -: 3 frames" "$(grep -c "$MAC_D > $GWD_MAC" "$TMP/s.txt")" 3
	expect "capture -w -: the count goes to stderr" "$(cat "$TMP/caps.err")" \
		"3 frames written to standard output"
	grep -q "length 98: 198.18.11.2 > 198.18.11.1" "$TMP/s.txt"
	expect "capture --snaplen 34: original length kept" $? 0

	"$MODWALL" capture -w "$TMP/x.pcap" --device nobody >/dev/null 2>&1
	expect "capture --device naming nothing: exit 2" $? 2
	"$MODWALL" capture --count 1 >/dev/null 2>&1
	expect "capture without -w: exit 2" $? 2
}

# An interface unloaded since: its entries keep their ifindex, and the name
# is not guessed from the caller's namespace (where that ifindex may be
# another interface).
test_unloaded_iface() {
	local out
	nsx "$GW" "$MODWALL" unload gw-q >/dev/null
	expect "unload gw-q (gw-d keeps the maps)" $? 0
	out=$("$MODWALL" -j discovered | mw_jq '"%s %s" % ({e["interface"] for e in d["devices"]}, all(e["ifindex"] > 0 for e in d["devices"]))')
	expect "discovered after unload: no interface name, the ifindex stays" "$out" "{None} True"
	"$MODWALL" discovered | sed -n 2p | grep -q "  ifindex [0-9]*$"
	expect "discovered after unload: text shows 'ifindex N'" $? 0
}

setup
test_discovery
test_flood
test_events
test_capture
test_unloaded_iface
mw_done
