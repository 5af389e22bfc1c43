#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Link and neighbour watch, end to end: the watch (user/linkwatch.c) runs in
# the gateway's network namespace through a small driver (watch_test, the
# daemon's poll loop without the HTTP part) against private pins.
# Usage: tests/linkwatch/run.sh MODWALL  (WATCH_TEST=path overrides the
# driver, default: build/tests/watch_test next to MODWALL's build;
# LINKWATCH_LOG=FILE keeps the watch's log)
#
# Re-attach:   dev (02:11:22:33:44:55, 198.18.1.2) --veth-- gw0 (198.18.1.1)
#   the veth is deleted and made again with the same names: enforcement
#   must be back within 2 s of its return, counters continuing.
#
# Neighbours:  meter (02:11:22:33:44:55, 198.18.1.2, 2001:db8:1::2)
#                --veth-- gw-lan [gateway, forwarding] gw-wan --veth-- srv
#   modwall on gw-wan only, role wan; the meter is tagged by MAC only. The
#   gateway's (permanent) neighbour entry for the meter lets the watch put
#   its addresses in the live policy, so downloads on gw-wan are its own.
set -u
. "$(dirname "$0")/../lib.sh"
mw_init lw "$@"
WATCH_TEST=${WATCH_TEST:-$(dirname "$MODWALL")/tests/watch_test}
WPID=

stop_watch() {
	if [ -n "$WPID" ]; then
		kill "$WPID" 2>/dev/null
		wait "$WPID" 2>/dev/null
		WPID=
	fi
}
mw_atexit stop_watch
# LINKWATCH_LOG=FILE keeps the watch's log
[ -n "${LINKWATCH_LOG:-}" ] && mw_atexit 'cp "$TMP/watch.log" "$LINKWATCH_LOG"'

if [ ! -x "$WATCH_TEST" ]; then
	bad "setup" "no watch driver at $WATCH_TEST (make $WATCH_TEST)"
	mw_done
fi

GW=${MW_PREFIX}-lgw
DEV=${MW_PREFIX}-ldev
GW2=${MW_PREFIX}-ngw
MET=${MW_PREFIX}-nmet
SRV=${MW_PREFIX}-nsrv
MAC_DEV=02:11:22:33:44:55
MAC_SRV=02:11:22:33:44:aa
MAC_OTHER=02:00:00:00:00:99

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", b - a }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }

# send (tests/lib.sh): pings through the routed gateway get more time
MW_SEND_INTERVAL=0.01
MW_SEND_WAIT=0.5

# iface_status IFACE: "slot ifindex role mode fail" from `modwall status --json`
iface_status() {
	"$MODWALL" -j status | mw_jq '
next(("%s %s %s %s %s" % (i["slot"], i["ifindex"], i["role"], i["mode"], i["fail"])
      for i in d["interfaces"] if i["interface"] == n), "missing")' n="$1"
}

ifindex_of() { nsx "$1" ip -o link show dev "$2" | cut -d: -f1; }

# status KEY: a counter of the running watch
status() { awk -v k="$1" '$1 == k { print $2 }' "$TMP/status" 2>/dev/null; }

# wait_status KEY MIN [SECONDS]: until the watch's KEY >= MIN (default 5 s)
wait_status() {
	local end v
	end=$(( $(date +%s%N) + ${3:-5} * 1000000000 ))
	while [ "$(date +%s%N)" -lt "$end" ]; do
		v=$(status "$1")
		[ -n "$v" ] && [ "$v" -ge "$2" ] && return 0
		sleep 0.02
	done
	return 1
}

# start_watch NS [ARGS]: the driver in NS's network namespace, logging to watch.log
start_watch() {
	local ns=$1
	shift
	rm -f "$TMP/status"
	# nsenter execs the driver: $! is the driver's pid
	nsenter --net=/run/netns/"$ns" "$WATCH_TEST" --status "$TMP/status" "$@" \
		>>"$TMP/watch.log" 2>&1 &
	WPID=$!
	local i
	for i in $(seq 1 50); do
		[ -e "$TMP/status" ] && return 0
		kill -0 "$WPID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# ---- re-attach -----------------------------------------------------------

make_dev_link() {
	mw_link "$GW" gw0 198.18.1.1 "$DEV" eth0 198.18.1.2 $MAC_DEV
}

test_reattach_setup() {
	mw_ns "$GW"
	mw_ns "$DEV"
	make_dev_link
	cat > "$TMP/drop.mwp" <<-POL
	device meter mac $MAC_DEV policy drop
	default pass
	POL
	nsx "$GW" "$MODWALL" load gw0 --role lan --mode generic --fail-closed >/dev/null &&
		"$MODWALL" apply "$TMP/drop.mwp" >/dev/null
	expect "load gw0 (lan, generic, fail-closed) and apply a policy dropping the meter" $? 0
	start_watch "$GW"
	expect "the watch starts in the gateway's namespace" $? 0
	expect "the watch sees gw0 attached" "$(status waiting)/$(status reattached)" "0/0"
	expect "meter's pings are dropped" "$(send "$DEV" 198.18.1.1 5)" 0
	expect "meter drop counter" "$(mw_counter meter drop)" 5
	expect "gw0 drop row" "$(mw_iface_counter gw0 drop)" 5
}

test_reattach() {
	local d0 i0 st0 t0 t1 d i dt rx st1 pid
	d0=$(mw_counter meter drop)
	i0=$(mw_iface_counter gw0 drop)
	st0=$(iface_status gw0)
	nsx "$GW" ip link del gw0
	wait_status gone 1 2
	expect "gw0 deleted: the watch records it as gone" $? 0
	expect "gw0 deleted: waiting" "$(status waiting)" 1
	expect "gw0 deleted: its slot and settings are kept" "$(iface_status gw0)" "$st0"

	t0=$(now)
	make_dev_link
	nsenter --net=/run/netns/"$DEV" ping -n -i 0.1 -c 30 -W 1 198.18.1.1 >"$TMP/ping.out" 2>&1 &
	pid=$!
	t1=
	while le "$(elapsed "$t0" "$(now)")" 3; do
		if [ "$(mw_counter meter drop)" -gt "$d0" ]; then
			t1=$(now)
			break
		fi
		sleep 0.05
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rx=$(grep -c 'bytes from' "$TMP/ping.out")
	if [ -z "$t1" ]; then
		bad "gw0 back: enforcement returns" "no drop counted within 3 s"
	else
		dt=$(elapsed "$t0" "$t1")
		if le "$dt" 2; then
			ok "gw0 back: enforcement (a drop counted) within 2 s of its return ($dt s; replies before: $rx)"
		else
			bad "gw0 back: enforcement within 2 s" "$dt s"
		fi
	fi
	echo "  watch: $(grep -o 're-attached [0-9.]* s after it came up' "$TMP/watch.log" | tail -1)"
	expect "gw0 back: re-attached once" "$(status reattached)/$(status failed)/$(status waiting)" "1/0/0"
	st1=$(iface_status gw0)
	expect "gw0 back: same slot, role, mode and fail mode; a new ifindex" \
		"$(echo "$st1" | cut -d' ' -f1,3-)/$(echo "$st1" | cut -d' ' -f2)" \
		"$(echo "$st0" | cut -d' ' -f1,3-)/$(ifindex_of "$GW" gw0)"
	d=$(mw_counter meter drop)
	i=$(mw_iface_counter gw0 drop)
	# >= on the interface row: mw_load() zeroes it after attaching, and a
	# frame counted in between is lost (the watch adds the old values back)
	if [ "$d" -gt "$d0" ] && [ "$i" -ge "$i0" ]; then
		ok "gw0 back: counters continue (meter drop $d0 -> $d, gw0 drop row $i0 -> $i)"
	else
		bad "gw0 back: counters continue" "meter drop $d0 -> $d, gw0 drop row $i0 -> $i"
	fi
	expect "gw0 back: pings dropped" "$(send "$DEV" 198.18.1.1 10)" 0
	expect "gw0 back: meter drop +10" $(( $(mw_counter meter drop) - d )) 10
	expect "gw0 back: gw0 drop row +10" $(( $(mw_iface_counter gw0 drop) - i )) 10
}

# the interface returns down: not attached until it comes up
test_reattach_down() {
	local d
	nsx "$GW" ip link del gw0
	wait_status gone 2 2
	expect "gw0 deleted again: gone" $? 0
	ip link add gw0 netns "$GW" type veth peer name eth0 netns "$DEV"
	sleep 1
	expect "gw0 back but down: waiting, not attached" "$(status waiting)/$(status reattached)" "1/1"
	nsx "$DEV" ip link set eth0 address $MAC_DEV
	nsx "$GW" ip addr add 198.18.1.1/24 dev gw0
	nsx "$DEV" ip addr add 198.18.1.2/24 dev eth0
	nsx "$DEV" ip link set eth0 up
	nsx "$GW" ip link set gw0 up
	wait_status reattached 2 2
	expect "gw0 comes up: re-attached within 2 s" $? 0
	nsx "$DEV" ip neigh replace 198.18.1.1 lladdr "$(mw_mac "$GW" gw0)" dev eth0 nud permanent
	nsx "$GW" ip neigh replace 198.18.1.2 lladdr $MAC_DEV dev gw0 nud permanent
	d=$(mw_counter meter drop)
	expect "gw0 up again: pings dropped" "$(send "$DEV" 198.18.1.1 5)" 0
	expect "gw0 up again: meter drop +5" $(( $(mw_counter meter drop) - d )) 5
}

# the interface returns with another XDP program on it: the attempt fails,
# the interface stays waiting (its dead link pinned again), and a later
# attempt succeeds once the other program is gone
test_reattach_fail() {
	local f r d
	cat > "$TMP/pass.bpf.c" <<-'EOF'
	struct xdp_md;
	__attribute__((section("xdp"), used)) int pass(struct xdp_md *ctx) { return 2; /* XDP_PASS */ }
	char _license[] __attribute__((section("license"), used)) = "GPL";
	EOF
	if ! clang -O2 -target bpf -c "$TMP/pass.bpf.c" -o "$TMP/pass.bpf.o" 2>"$TMP/clang.err"; then
		bad "failed re-attach" "cannot build a test XDP program: $(head -1 "$TMP/clang.err")"
		return
	fi
	f=$(status failed)
	r=$(status reattached)
	nsx "$GW" ip link del gw0
	wait_status gone 4 2
	ip link add gw0 netns "$GW" type veth peer name eth0 netns "$DEV"
	nsx "$GW" ip link set dev gw0 xdpgeneric obj "$TMP/pass.bpf.o" sec xdp
	nsx "$GW" ip link set gw0 up
	wait_status failed $((f + 1)) 3
	expect "gw0 back with another XDP program: the re-attach fails" $? 0
	expect "... gw0 is still waiting, its dead entry pinned again" \
		"$(status waiting)/$(status reattached)/$([ -e "$MODWALL_PIN_DIR/entry_gw0" ] && echo pinned)" \
		"1/$r/pinned"
	nsx "$GW" ip link set dev gw0 xdpgeneric off
	wait_status reattached $((r + 1)) 8
	expect "... the other program gone, the next attempt (5 s later) re-attaches" $? 0
	nsx "$GW" ip link del gw0
	wait_status gone 5 2
	make_dev_link
	wait_status reattached $((r + 2)) 3
	d=$(mw_counter meter drop)
	expect "gw0 made again: pings dropped" "$(send "$DEV" 198.18.1.1 5)" 0
	expect "gw0 made again: meter drop +5" $(( $(mw_counter meter drop) - d )) 5
}

# the watch was not running when the interface went: it finds the dead link at start
test_reattach_restart() {
	local d
	stop_watch
	nsx "$GW" ip link del gw0
	start_watch "$GW"
	expect "watch restarted while gw0 is gone: waiting" "$(status waiting)" 1
	make_dev_link
	wait_status reattached 1 2
	expect "gw0 back: the restarted watch re-attaches it within 2 s" $? 0
	d=$(mw_counter meter drop)
	expect "gw0 back: pings dropped" "$(send "$DEV" 198.18.1.1 5)" 0
	expect "gw0 back: meter drop +5" $(( $(mw_counter meter drop) - d )) 5
}

# renamed away while a new interface takes the name: modwall stays on the
# renamed one and leaves the newcomer alone; renamed back, it is gw0 again
test_rename() {
	local r d
	r=$(status reattached)
	nsx "$GW" ip link set gw0 down
	nsx "$GW" ip link set gw0 name gwx
	nsx "$GW" ip link set gwx up
	nsx "$GW" ip link add gw0 type dummy
	nsx "$GW" ip link set gw0 up
	sleep 1.5
	expect "gw0 renamed gwx, a new gw0 up: nothing re-attached, the pin kept" \
		"$(status reattached)/$(ls "$MODWALL_PIN_DIR" | grep -c '^\(entry\|link\)_gw0$')" "$r/1"
	grep -q "renamed from gw0" "$TMP/watch.log"
	expect "... the watch logs the rename" $? 0
	d=$(mw_counter meter drop)
	expect "... pings over gwx still dropped" "$(send "$DEV" 198.18.1.1 5)" 0
	expect "... and counted" $(( $(mw_counter meter drop) - d )) 5
	nsx "$GW" ip link del gw0
	nsx "$GW" ip link set gwx down
	nsx "$GW" ip link set gwx name gw0
	nsx "$GW" ip link set gw0 up
	sleep 1
	expect "renamed back: attached, not re-attached" \
		"$(status reattached)/$(status waiting)" "$r/0"
}

# unloaded while waiting: the interface's return leaves it alone
test_unload_waiting() {
	local r
	r=$(status reattached)
	nsx "$GW" ip link del gw0
	wait_status waiting 1 2
	"$MODWALL" unload gw0 --keep-state >/dev/null
	expect "unload gw0 while it is gone" $? 0
	make_dev_link
	sleep 1.5
	expect "gw0 back after unload: not attached again" \
		"$(status reattached)/$(status waiting)/$(iface_status gw0)" "$r/0/missing"
	expect "gw0 back after unload: pings pass" "$(send "$DEV" 198.18.1.1 5)" 5
	stop_watch
	"$MODWALL" unload --all >/dev/null 2>&1
}

# ---- neighbours for the wan role -------------------------------------------

test_neigh_setup() {
	mw_ns "$GW2"
	mw_ns "$MET"
	mw_ns "$SRV"
	nsx "$GW2" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	mw_link "$GW2" gw-lan 198.18.1.1 "$MET" eth0 198.18.1.2 $MAC_DEV
	mw_link "$GW2" gw-wan 198.18.100.1 "$SRV" eth0 198.18.100.10 $MAC_SRV
	nsx "$MET" ip route add default via 198.18.1.1
	nsx "$SRV" ip route add default via 198.18.100.1
	cat > "$TMP/observe.mwp" <<-POL
	device meter mac $MAC_DEV policy observe
	default pass
	POL
	nsx "$GW2" "$MODWALL" load gw-wan --role wan --mode generic >/dev/null &&
		"$MODWALL" apply "$TMP/observe.mwp" >/dev/null
	expect "wan: load gw-wan (role wan) only, apply: meter tagged by MAC, observe" $? 0
	expect "wan: without the watch, downloads reach the meter" "$(send "$SRV" 198.18.1.2 5)" 5
	expect "wan: ... but are not the meter's" "$(mw_counter meter observe)" 0
	expect "wan: ... they are unattributed" "$(mw_counter unattributed pass)" 5
}

test_neigh_sync() {
	local o
	start_watch "$GW2"
	expect "wan: the watch starts" $? 0
	wait_status neigh_added 1 2
	expect "wan: the meter's permanent neighbour entry is synced" $? 0
	expect "wan: one address held" "$(status learned)" 1
	o=$(mw_counter meter observe)
	expect "wan: downloads reach the meter" "$(send "$SRV" 198.18.1.2 10)" 10
	expect "wan: downloads are the meter's (observe == packets)" \
		$(( $(mw_counter meter observe) - o )) 10
	expect "wan: and their bytes" "$(mw_counter meter observe bytes)" $((10 * 98))
}

test_neigh_change() {
	local o u
	nsx "$GW2" ip neigh replace 198.18.1.2 lladdr $MAC_OTHER dev gw-lan nud permanent
	wait_status neigh_removed 1 2
	expect "wan: the address moves to an untagged MAC: taken out" $? 0
	o=$(mw_counter meter observe)
	u=$(mw_counter unattributed pass)
	send "$SRV" 198.18.1.2 5 >/dev/null
	expect "wan: ... downloads to it are not the meter's" $(( $(mw_counter meter observe) - o )) 0
	expect "wan: ... but unattributed" $(( $(mw_counter unattributed pass) - u )) 5
	nsx "$GW2" ip neigh replace 198.18.1.2 lladdr $MAC_DEV dev gw-lan nud permanent
	wait_status neigh_added 2 2
	expect "wan: back at the meter's MAC: synced again" $? 0
	o=$(mw_counter meter observe)
	send "$SRV" 198.18.1.2 5 >/dev/null
	expect "wan: ... the meter's again" $(( $(mw_counter meter observe) - o )) 5
	nsx "$GW2" ip neigh del 198.18.1.2 dev gw-lan
	wait_status neigh_removed 2 2
	expect "wan: neighbour deleted: taken out" $? 0
	nsx "$GW2" ip neigh replace 198.18.1.2 lladdr $MAC_DEV dev gw-lan nud permanent
	wait_status neigh_added 3 2
	expect "wan: neighbour back: synced" $? 0
}

# an apply starts a new generation without the learned entries
test_neigh_apply() {
	local o a r
	a=$(status neigh_added)
	r=$(status resyncs)
	"$MODWALL" apply "$TMP/observe.mwp" >/dev/null
	wait_status resyncs $((r + 1)) 3 && wait_status neigh_added $((a + 1)) 1
	expect "wan: apply from the CLI: the watch notices and writes the entry again" $? 0
	o=$(mw_counter meter observe)
	send "$SRV" 198.18.1.2 5 >/dev/null
	expect "wan: ... downloads are the meter's" $(( $(mw_counter meter observe) - o )) 5

	a=$(status neigh_added)
	"$MODWALL" apply "$TMP/observe.mwp" >/dev/null
	kill -HUP "$WPID"
	wait_status neigh_added $((a + 1)) 1
	expect "wan: apply then resync (what the daemon does after SIGHUP)" $? 0
	o=$(mw_counter meter observe)
	send "$SRV" 198.18.1.2 5 >/dev/null
	expect "wan: ... downloads are the meter's" $(( $(mw_counter meter observe) - o )) 5
}

# an address the policy gives to another device stays that device's
test_neigh_conflict() {
	local o c
	cat > "$TMP/conflict.mwp" <<-POL
	device meter mac $MAC_DEV policy observe
	device cam ip 198.18.1.2 policy pass
	default pass
	POL
	"$MODWALL" apply "$TMP/conflict.mwp" >/dev/null
	wait_status neigh_conflicts 1 3
	expect "wan: the policy binds the meter's address to 'cam': a conflict, not written" $? 0
	o=$(mw_counter meter observe)
	c=$(mw_counter cam pass)
	send "$SRV" 198.18.1.2 5 >/dev/null
	expect "wan: ... downloads are cam's" "$(( $(mw_counter cam pass) - c ))/$(( $(mw_counter meter observe) - o ))" "5/0"
	"$MODWALL" apply "$TMP/observe.mwp" >/dev/null
}

test_neigh_ipv6() {
	local ns o a
	for ns in "$GW2:gw-lan" "$GW2:gw-wan" "$MET:eth0" "$SRV:eth0"; do
		nsx "${ns%%:*}" sysctl -qw net.ipv6.conf."${ns#*:}".disable_ipv6=0
	done
	nsx "$GW2" ip addr add 2001:db8:1::1/64 dev gw-lan nodad
	nsx "$GW2" ip addr add 2001:db8:100::1/64 dev gw-wan nodad
	nsx "$MET" ip addr add 2001:db8:1::2/64 dev eth0 nodad
	nsx "$SRV" ip addr add 2001:db8:100::10/64 dev eth0 nodad
	nsx "$MET" ip -6 route add default via 2001:db8:1::1
	nsx "$SRV" ip -6 route add default via 2001:db8:100::1
	nsx "$MET" ip neigh replace 2001:db8:1::1 lladdr "$(mw_mac "$GW2" gw-lan)" dev eth0 nud permanent
	nsx "$SRV" ip neigh replace 2001:db8:100::1 lladdr "$(mw_mac "$GW2" gw-wan)" dev eth0 nud permanent
	nsx "$GW2" ip neigh replace 2001:db8:100::10 lladdr $MAC_SRV dev gw-wan nud permanent
	a=$(status neigh_added)
	nsx "$GW2" ip neigh replace 2001:db8:1::2 lladdr $MAC_DEV dev gw-lan nud permanent
	wait_status neigh_added $((a + 1)) 2
	expect "wan: the meter's IPv6 neighbour is synced" $? 0
	o=$(mw_counter meter observe)
	expect "wan: IPv6 downloads reach the meter" "$(send "$SRV" 2001:db8:1::2 5 -6)" 5
	expect "wan: IPv6 downloads are the meter's" $(( $(mw_counter meter observe) - o )) 5
}

# notifications lost to a full socket buffer: the watch reads everything again
test_neigh_overrun() {
	local i o
	stop_watch
	start_watch "$GW2" --rcvbuf 1
	wait_status learned 2 2
	expect "wan: a watch with a tiny socket buffer holds both addresses" $? 0
	for i in $(seq 1 250); do
		echo "neigh replace 198.18.1.$((i + 2)) lladdr 02:00:00:00:01:$(printf %02x $((i % 256))) dev gw-lan nud permanent"
	done > "$TMP/burst"
	echo "neigh replace 198.18.1.2 lladdr $MAC_OTHER dev gw-lan nud permanent" >> "$TMP/burst"
	nsx "$GW2" ip -batch "$TMP/burst"
	wait_status overruns 1 2 && sleep 0.5
	expect "wan: a burst of 251 neighbour changes overruns it" $? 0
	expect "wan: ... the re-read finds the meter's IPv4 address gone, IPv6 kept" "$(status learned)" 1
	o=$(mw_counter meter observe)
	send "$SRV" 198.18.1.2 3 >/dev/null
	expect "wan: ... downloads to the moved address are not the meter's" \
		$(( $(mw_counter meter observe) - o )) 0
	nsx "$GW2" ip neigh replace 198.18.1.2 lladdr $MAC_DEV dev gw-lan nud permanent
	wait_status learned 2 2
	expect "wan: ... back at the meter's MAC: held again" $? 0
}

# the watch stops: what it wrote leaves with it
test_neigh_stop() {
	local o
	stop_watch
	grep -q "the watch stops" "$TMP/watch.log"
	expect "wan: the watch stops: its entries are taken out" $? 0
	o=$(mw_counter meter observe)
	send "$SRV" 198.18.1.2 5 >/dev/null
	expect "wan: ... downloads are not the meter's any more" $(( $(mw_counter meter observe) - o )) 0
}

test_reattach_setup
test_reattach
test_reattach_down
test_reattach_fail
test_reattach_restart
test_rename
test_unload_waiting
test_neigh_setup
test_neigh_sync
test_neigh_change
test_neigh_apply
test_neigh_conflict
test_neigh_ipv6
test_neigh_overrun
test_neigh_stop

if [ "$failed" -ne 0 ]; then
	echo "  watch log:"
	sed 's/^/    /' "$TMP/watch.log"
fi
mw_done
