#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# End-to-end tests: real traffic over veth between network namespaces, the
# real CLI, exact counters. Usage: tests/e2e/run.sh path/to/modwall
#
#   dev-a (02:11:22:33:44:55, 198.18.1.2) --veth-- gw (gw-a, 198.18.1.1)
#   dev-b (02:11:22:33:44:66, 198.18.2.2) --veth-- gw (gw-b, 198.18.2.1)
#   dev-c (02:11:22:33:44:77, 198.18.3.2) --veth-- gw (gw-c, 198.18.3.1)
#
# modwall runs on the gateway's veth ends (generic XDP, lan role). Pins go
# to a private directory so a deployed modwall on this host is untouched.
set -u
. "$(dirname "$0")/../lib.sh"
mw_init e2e "$@"

GW=${MW_PREFIX}-gw
A=${MW_PREFIX}-a
B=${MW_PREFIX}-b
C=${MW_PREFIX}-c
MAC_A=02:11:22:33:44:55
MAC_B=02:11:22:33:44:66
MAC_C=02:11:22:33:44:77
IMEI_C=356938035643809

setup() {
	mw_ns "$GW"
	mw_ns "$A"
	mw_ns "$B"
	mw_ns "$C"
	mw_link "$GW" gw-a 198.18.1.1 "$A" eth0 198.18.1.2 $MAC_A
	mw_link "$GW" gw-b 198.18.2.1 "$B" eth0 198.18.2.2 $MAC_B
	mw_link "$GW" gw-c 198.18.3.1 "$C" eth0 198.18.3.2 $MAC_C
	cat > "$TMP/policy.mwp" <<-POL
	policy quarantine { drop }
	device meter-a   mac $MAC_A policy quarantine
	device meter-b   mac $MAC_B policy pass
	device tracker-c imei $IMEI_C policy drop
	default pass
	POL
}

test_load_apply() {
	local out
	nsx "$GW" "$MODWALL" load gw-a --mode generic >/dev/null &&
		nsx "$GW" "$MODWALL" load gw-b --mode generic >/dev/null &&
		nsx "$GW" "$MODWALL" load gw-c --mode generic --exclusive >/dev/null
	expect "load on three interfaces (gw-c --exclusive)" $? 0
	[ -e "$MODWALL_PIN_DIR/entry_gw-a" ] && [ -e "$MODWALL_PIN_DIR/link_gw-c" ] &&
		[ ! -e "$MODWALL_PIN_DIR/link_gw-a" ] && [ ! -e "$MODWALL_PIN_DIR/entry_gw-c" ]
	expect "gw-a shares through libxdp (entry pin), gw-c holds a bpf_link (link pin)" $? 0
	out=$("$MODWALL" apply "$TMP/policy.mwp" 2>&1)
	expect "apply" $? 0
	expect "status lists 3 interfaces" \
		"$("$MODWALL" -j status | mw_jq '.interfaces | length')" 3
	: "$out"
}

test_drop_and_pass() {
	local rx
	rx=$(send "$A" 198.18.1.1 40)
	expect "tagged drop: no reply reaches meter-a" "$rx" 0
	expect "tagged drop: drop counter == packets sent" "$(mw_counter meter-a drop)" 40
	expect "tagged drop: nothing else counted for meter-a" "$(mw_counter meter-a pass)" 0
	rx=$(send "$B" 198.18.2.1 30)
	expect "tagged pass: every reply reaches meter-b" "$rx" 30
	# the replies are counted too, by the tc egress program of the lan interface
	expect "tagged pass: pass counter == requests + replies" "$(mw_counter meter-b pass)" 60
	expect "tagged pass: bytes == 60 x 98" "$(mw_counter meter-b pass bytes)" $((60 * 98))
	expect "no frame is unattributed" "$(mw_counter unattributed pass)" 0
}

test_imei_binding() {
	local rx out
	rx=$(send "$C" 198.18.3.1 10)
	expect "IMEI device without binding: passes (unattributed)" "$rx" 10
	expect "IMEI device without binding: counted unattributed (requests + replies)" \
		"$(mw_counter unattributed pass)" 20
	"$MODWALL" bind $IMEI_C 198.18.3.2 >/dev/null
	rx=$(send "$C" 198.18.3.1 10)
	expect "IMEI device after bind: dropped" "$rx" 0
	expect "IMEI device after bind: drop counter" "$(mw_counter tracker-c drop)" 10
	"$MODWALL" apply "$TMP/policy.mwp" >/dev/null
	rx=$(send "$C" 198.18.3.1 5)
	expect "binding survives apply" "$(mw_counter tracker-c drop)" 15
	out=$("$MODWALL" unbind $IMEI_C 198.18.3.99 2>&1)
	expect "unbind of an address the IMEI does not hold: exit 1" $? 1
	case "$out" in
	*"198.18.3.99 is not bound to IMEI"*"bound: 198.18.3.2"*) ok "unbind names the address and lists what is bound" ;;
	*) bad "unbind names the address and lists what is bound" "$out" ;;
	esac
	rx=$(send "$C" 198.18.3.1 5)
	expect "... and removed nothing: still dropped" "$rx" 0
	"$MODWALL" unbind $IMEI_C >/dev/null
	rx=$(send "$C" 198.18.3.1 5)
	expect "unbind: passes again" "$rx" 5
	out=$("$MODWALL" unbind $IMEI_C 2>&1)
	case "$out" in
	*"nothing is bound to IMEI"*) ok "unbind of an IMEI without bindings says nothing is bound" ;;
	*) bad "unbind of an IMEI without bindings says nothing is bound" "$out" ;;
	esac
}

# A pair a bindings file already holds: bind accepts it (the same binding
# counts once), and apply takes it from both. A FIFO or a directory given
# as --bindings is refused at once (it used to hang, or pass as empty).
test_bindings_file() {
	local out rc
	echo "$IMEI_C 198.18.3.2" > "$TMP/b.bind"
	"$MODWALL" apply --bindings "$TMP/b.bind" "$TMP/policy.mwp" >/dev/null
	out=$("$MODWALL" bind $IMEI_C 198.18.3.2 2>&1 >/dev/null)
	rc=$?
	expect "bind of a pair the bindings file holds: accepted" "$rc:$out" "0:"
	"$MODWALL" apply --bindings "$TMP/b.bind" "$TMP/policy.mwp" >/dev/null 2>&1
	expect "apply with the pair in the file and bound: accepted" $? 0
	"$MODWALL" unbind $IMEI_C >/dev/null
	mkfifo "$TMP/fifo"
	timeout 10 "$MODWALL" check --bindings "$TMP/fifo" "$TMP/policy.mwp" >/dev/null 2>&1
	expect "--bindings FIFO: refused, not waited on" $? 2
	timeout 10 "$MODWALL" check --bindings "$TMP" "$TMP/policy.mwp" >/dev/null 2>&1
	expect "--bindings DIRECTORY: refused" $? 2
	"$MODWALL" apply "$TMP/policy.mwp" >/dev/null
}

test_upgrade_keeps_counters() {
	local before after
	before=$(mw_counter meter-a drop)
	nsx "$GW" "$MODWALL" load gw-a --mode generic >/dev/null
	expect "second load upgrades in place" $? 0
	after=$(mw_counter meter-a drop)
	expect "upgrade keeps counters" "$after" "$before"
	send "$A" 198.18.1.1 7 >/dev/null
	expect "enforcement goes on after upgrade" "$(mw_counter meter-a drop)" $((before + 7))
}

test_schema_mismatch() {
	local out rc orig
	orig=$(bpftool -j map lookup pinned "$MODWALL_PIN_DIR/mw_ctl" key 0 0 0 0 |
		mw_jq '" ".join(str(int(x, 16)) for x in d["value"])')
	# rewrite the schema word of the pinned control map (bytes 8..11)
	bpftool map update pinned "$MODWALL_PIN_DIR/mw_ctl" key 0 0 0 0 value \
		$(echo $orig | awk '{ $9 = 99; $10 = $11 = $12 = 0; print }')
	out=$(nsx "$GW" "$MODWALL" load gw-a --mode generic 2>&1)
	rc=$?
	expect "load refuses a pinned state of another schema" "$rc" 1
	case "$out" in
	*"has schema 99, this modwall speaks schema"*) ok "schema mismatch message names both versions" ;;
	*) bad "schema mismatch message" "$out" ;;
	esac
	bpftool map update pinned "$MODWALL_PIN_DIR/mw_ctl" key 0 0 0 0 value $orig
	"$MODWALL" status >/dev/null
	expect "state usable again after restoring the schema" $? 0
}

test_unload_exact() {
	nsx "$GW" "$MODWALL" unload gw-a >/dev/null
	expect "unload gw-a" $? 0
	nsx "$GW" ip link show gw-a | grep -q xdp
	expect "gw-a has no XDP program" $? 1
	nsx "$GW" ip link show gw-b | grep -q xdp
	expect "gw-b keeps its program" $? 0
	expect "traffic on gw-a flows again" "$(send "$A" 198.18.1.1 5)" 5
	[ -e "$MODWALL_PIN_DIR/mw_ctl" ]
	expect "maps stay while an interface is attached" $? 0
	nsx "$GW" "$MODWALL" unload --all >/dev/null
	expect "unload --all" $? 0
	[ -e "$MODWALL_PIN_DIR" ]
	expect "pin directory removed with the last interface" $? 1
	nsx "$GW" ip link show gw-b | grep -q xdp
	expect "gw-b has no XDP program" $? 1
}

# sum of every reason of SUBJECT
total_of() {
	echo $(( $(mw_counter "$1" pass) + $(mw_counter "$1" drop) + $(mw_counter "$1" observe) +
		 $(mw_counter "$1" malformed) + $(mw_counter "$1" no_policy) ))
}

# every frame the tc egress program of IFACE judged, whatever the reason
egress_total() {
	"$MODWALL" -j stats --all | mw_jq '
next(sum(c["packets"] for c in i["egress"].values()) for i in d["interfaces"] if i["interface"] == n)' \
		n="$1"
}

test_swap_under_traffic() {
	local b0 u0 o0 d0 e0 tx rx i fails=0 t0 t1
	sed 's/^device meter-b .*/device meter-b mac '$MAC_B' policy observe/' "$TMP/policy.mwp" > "$TMP/p1.mwp"
	sed 's/^device meter-b .*/device meter-b mac '$MAC_B' policy drop/' "$TMP/policy.mwp" > "$TMP/p2.mwp"
	b0=$(total_of meter-b)
	u0=$(total_of unattributed)
	o0=$(mw_counter meter-b observe)
	d0=$(mw_counter meter-b drop)
	e0=$(egress_total gw-b)
	# runs until interrupted (at most 120 s); SIGINT makes ping print its totals
	nsx "$B" ping -q -n -w 120 -i 0.0002 198.18.2.1 > "$TMP/ping.out" 2>&1 &
	local pid=$!
	t0=$(date +%s.%N)
	for i in $(seq 1 100); do
		"$MODWALL" apply "$TMP/p$((i % 2 + 1)).mwp" >/dev/null 2>&1 || fails=$((fails + 1))
	done
	t1=$(date +%s.%N)
	kill -0 $pid 2>/dev/null
	expect "traffic still flowing after 100 applies" $? 0
	# ping runs under the background subshell, which ignores SIGINT: signal ping itself
	pkill -INT -P $pid ping
	wait $pid
	sleep 0.2	# let the last frames leave the backlog queue
	tx=$(awk '/packets transmitted/ { print $1 }' "$TMP/ping.out")
	rx=$(awk '/packets transmitted/ { print $4 }' "$TMP/ping.out")
	e0=$(( $(egress_total gw-b) - e0 ))
	expect "100 applies succeed" "$fails" 0
	# requests on the way in (XDP), replies on the way out (tc egress: all of them
	# meter-b's; a reply that meets the drop policy there never reaches ping)
	expect "every packet counted once for meter-b ($tx sent, $e0 replies judged)" \
		$(( $(total_of meter-b) - b0 )) $((tx + e0))
	check "replies judged on the way out ($e0) >= replies received ($rx)" [ "$e0" -ge "$rx" ]
	expect "no packet counted as unattributed during swaps" $(( $(total_of unattributed) - u0 )) 0
	[ $(( $(mw_counter meter-b observe) - o0 )) -gt 0 ] && [ $(( $(mw_counter meter-b drop) - d0 )) -gt 0 ]
	expect "both policies saw traffic" $? 0
	echo "  (100 applies in $(echo "$t1 - $t0" | bc 2>/dev/null || echo "?") s while $tx packets flowed)"
	"$MODWALL" apply "$TMP/policy.mwp" >/dev/null
}

# The read path works for a non-root reader in the pins' group with CAP_BPF alone.
test_unprivileged_read() {
	local out
	nsx "$GW" "$MODWALL" load gw-b --mode generic --group nogroup >/dev/null
	expect "load --group: map pins readable by the group" \
		"$(stat -c '%a %G' "$MODWALL_PIN_DIR/mw_counters")" "640 nogroup"
	expect "load --group: attachments stay root's" "$(stat -c '%a' "$MODWALL_PIN_DIR/entry_gw-b")" 600
	out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=+bpf \
		--ambient-caps=+bpf env MODWALL_PIN_DIR="$MODWALL_PIN_DIR" "$MODWALL" -j stats meter-b \
		2>&1 | mw_jq '.subjects[0].reasons.pass.packets')
	expect "non-root reader with CAP_BPF: stats from read-only pins" "$out" "$(mw_counter meter-b pass)"
	setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=+bpf --ambient-caps=+bpf \
		env MODWALL_PIN_DIR="$MODWALL_PIN_DIR" "$MODWALL" apply "$TMP/policy.mwp" >/dev/null 2>&1
	expect "non-root reader cannot apply" $? 1
}

setup
test_load_apply
test_drop_and_pass
test_imei_binding
test_bindings_file
test_upgrade_keeps_counters
test_unprivileged_read
test_swap_under_traffic
test_schema_mismatch
test_unload_exact
mw_done
