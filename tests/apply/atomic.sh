#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# A failed `modwall apply` changes nothing: every pinned map stays
# byte-identical. Usage: tests/apply/atomic.sh path/to/modwall
#
#   dev (02:11:22:33:44:01, 198.18.9.2) --veth-- gw (gw0, 198.18.9.1)
#
# modwall runs on gw0 (generic XDP, lan role, --max-devices 50). A good
# policy that fills every identity map is applied, frames are counted, and
# one device is retired so that a free subject id still holds counters.
# Then every kind of failing apply runs (syntax, semantic, bindings file,
# registry, capacity), and after each the dump of every pinned map (every
# key and value byte, mw_ctl's included; see mwdump.c) must equal the dump
# taken before. `check` must change nothing either.
#
# With strace installed, a fault-injection sweep makes the Nth bpf() call of
# an apply fail with ENOMEM: each apply that reports failure must have left
# the maps as they were, and each that went through must have left exactly
# its policy live. Every call up to the flip is tried, later ones sampled;
# ATOMIC_SWEEP=full tries every call, ATOMIC_SWEEP=0 skips the sweep.
# An apply interrupted by SIGINT before the flip must leave the live policy
# as it was, and the next apply exactly its own policy.
#
# PASS/FAIL lines, then "N passed, N failed"; exit status 1 on any failure.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib.sh"
mw_init atomic "$@"
if ! ${CC:-gcc} -O2 -o "$TMP/mwdump" "$ROOT/tests/apply/mwdump.c" -lbpf; then
	bad "building tests/apply/mwdump.c" "${CC:-gcc} failed"
	mw_done
fi

GW=${MW_PREFIX}-gw
DEV=${MW_PREFIX}-dev
MAC_DEV=02:11:22:33:44:01
MAX=50

mw() { nsx "$GW" "$MODWALL" "$@"; }

# ping_gw COUNT: ICMP echo requests from the device to the gateway
MW_SEND_INTERVAL=0.01
ping_gw() {
	send "$DEV" 198.18.9.1 "$1" >/dev/null
	sleep 0.05	# let the last replies leave the backlog
}

# dump FILE: every pinned map, one sorted line per entry (see mwdump.c);
# mw_ctl's bytes are among them. A dump that fails writes DUMP FAILED and a
# random word, so it never equals another dump.
dump() {
	if ! "$TMP/mwdump" "$MODWALL_PIN_DIR" 2>"$TMP/dump.err" | LC_ALL=C sort > "$1" ||
	   [ -s "$TMP/dump.err" ]; then
		echo "DUMP FAILED $RANDOM$RANDOM $(cat "$TMP/dump.err")" >> "$1"
		bad "dump of the pinned maps" "$(head -2 "$TMP/dump.err" | tr '\n' ' ')"
	fi
}

# changed_maps A B: names of the maps whose entries differ between two dumps
changed_maps() {
	diff "$1" "$2" | awk '/^[<>]/ { print $2 }' | sort -u | tr '\n' ' '
}

# entries FILE NAME...: entries (non-zero slots of arrays) of these maps in a dump
entries() {
	local f=$1
	shift
	for m in "$@"; do
		sed -n "s/^$m # .*, \([0-9]*\) \(entries\|non-zero\)$/\1/p" "$f"
	done | awk '{ n += $1 } END { print n + 0 }'
}

# same NAME: the maps must equal the baseline
same() {
	dump "$TMP/after"
	if cmp -s "$TMP/base" "$TMP/after"; then
		ok "$1: every map unchanged"
	else
		bad "$1: maps changed" "$(changed_maps "$TMP/base" "$TMP/after")"
	fi
}

# fails NAME RC MESSAGE [ENV=VALUE...] -- ARGS...: a failing command
fails() {
	local name=$1 want_rc=$2 msg=$3 rc out
	local -a envs=()
	shift 3
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	out=$(nsx "$GW" env "${envs[@]}" "$MODWALL" "$@" 2>&1 >/dev/null)
	rc=$?
	expect "$name: exit status" "$rc" "$want_rc"
	case $out in
	*"$msg"*) ok "$name: says '$msg'" ;;
	*) bad "$name: message" "got '$(echo "$out" | head -3 | tr '\n' '|')', expected '$msg'" ;;
	esac
	same "$name"
	if [ "$rc" = 0 ] && [ "$1" = apply ]; then
		# it went through: back to the baseline policy for the next case
		mw apply "$TMP/good.mwp" --bindings "$TMP/good.bindings" >/dev/null
		dump "$TMP/base"
	fi
}

# ---------------------------------------------------------------- setup

mw_ns "$GW"
mw_ns "$DEV"
mw_link "$GW" gw0 198.18.9.1 "$DEV" eth0 198.18.9.2 $MAC_DEV

# The good policy fills every identity map: MAC, IPv4/IPv6 exact and prefix,
# IMEI (bound through a bindings file and at runtime), vendor prefixes of all
# three lengths (Xirgo's MA-M and MA-S blocks make flag-only /24 entries),
# an interface default.
good_body() {
	cat <<-POL
	policy quarantine { drop }
	policy watch { observe }
	device meter-2  mac 02:11:22:33:44:02 policy quarantine
	device cam      ip 198.18.9.77 policy watch
	device cams     ip 10.20.30.0/24 policy watch
	device v6       ip 2001:db8::7 policy drop
	device v6net    ip 2001:db8:7::/48 policy drop
	device tracker  imei 356938035643809 policy quarantine
	device tracker2 imei 490154203237518 policy watch
	class quectel vendor "Quectel" policy observe
	class xirgo   vendor "Xirgo" policy drop
	interface gw0 default observe
	default pass
	POL
}
{ good_body; echo "device retired-1 mac $MAC_DEV policy watch"; } > "$TMP/good0.mwp"
{ good_body; echo "device meter-1 mac $MAC_DEV policy watch"; } > "$TMP/good.mwp"
echo "356938035643809 198.18.9.99" > "$TMP/good.bindings"

# XDP alone (--no-egress): the counts below are the pings, not their replies
if ! mw load gw0 --mode generic --max-devices $MAX --no-egress >/dev/null; then
	bad "load gw0 --max-devices $MAX" "load failed"
	mw_done
fi
mw bind 490154203237518 198.18.9.98 >/dev/null
mw apply "$TMP/good0.mwp" --bindings "$TMP/good.bindings" >/dev/null
expect "apply the first good policy" $? 0
ping_gw 5
expect "frames counted under retired-1" "$(mw_counter retired-1 observe)" 5
# retired-1 leaves: its id is free again but still holds its counters
mw apply "$TMP/good.mwp" --bindings "$TMP/good.bindings" >/dev/null
expect "apply the good policy" $? 0
ping_gw 7
expect "frames counted under meter-1" "$(mw_counter meter-1 observe)" 7

dump "$TMP/base"
# every kind of state is there to be kept: MACs, vendor prefixes and IPv4
# addresses in their tables or hash maps, other addresses, IMEIs, bindings,
# subjects, counters
for m in "mw_mac mw_mactab" "mw_ip4 mw_ip4tab" mw_ip6 mw_lpm4 mw_lpm6 mw_imei "mw_oui mw_ouitab" mw_binds \
	 mw_subjects mw_counters mw_ifcounters mw_config mw_ctl; do
	n=$(entries "$TMP/base" $m)
	if [ "$n" -gt 0 ]; then ok "baseline: $m: $n entries"; else bad "baseline: $m" "empty"; fi
done

# ---------------------------------------------------------------- failing applies

G="$TMP/good.mwp"
GB=(--bindings "$TMP/good.bindings")

L=$(($(wc -l < "$G") + 1))	# the line appended to the good policy

# (a) syntax errors
{ cat "$G"; echo "}"; } > "$TMP/syntax.mwp"
fails "syntax: stray brace" 2 "syntax.mwp:$L:1: expected a statement" -- apply "$TMP/syntax.mwp" "${GB[@]}"
{ cat "$G"; echo 'class bad vendor "Quectel policy observe'; } > "$TMP/string.mwp"
fails "syntax: unterminated string" 2 "string.mwp:$L:18:" -- apply "$TMP/string.mwp" "${GB[@]}"
{ cat "$G"; echo "device bad mac 02:11:22:33:44:zz policy drop"; } > "$TMP/mac.mwp"
fails "syntax: bad MAC" 2 "mac.mwp:$L:" -- apply "$TMP/mac.mwp" "${GB[@]}"

# (b) semantic errors
{ cat "$G"; echo "device bad mac 02:11:22:33:44:09 policy quarantaine"; } > "$TMP/unknown.mwp"
fails "semantic: unknown policy" 2 "unknown policy 'quarantaine'" -- apply "$TMP/unknown.mwp" "${GB[@]}"
{ cat "$G"; echo "device twin mac 02:11:22:33:44:02 policy drop"; } > "$TMP/twin.mwp"
fails "semantic: MAC of two devices" 2 "already belongs to device 'meter-2'" \
	-- apply "$TMP/twin.mwp" "${GB[@]}"
{ cat "$G"; echo 'class nobody vendor "No Such Module Maker" policy drop'; } > "$TMP/novendor.mwp"
fails "semantic: vendor not in the registry" 2 'no IEEE assignment matches vendor "No Such Module Maker"' \
	-- apply "$TMP/novendor.mwp" "${GB[@]}"
{ cat "$G"; echo 'class q2 vendor "Quectel" policy drop'; } > "$TMP/twoclass.mwp"
fails "semantic: vendor in two classes" 2 "a MAC can belong to one class only" \
	-- apply "$TMP/twoclass.mwp" "${GB[@]}"
fails "semantic: registry missing" 2 "oui.csv" MODWALL_IEEE_DIR="$TMP/no-registry" -- apply "$G" "${GB[@]}"
fails "policy file missing" 2 "no-such.mwp" -- apply "$TMP/no-such.mwp"

# (c) bindings file errors
printf '356938035643809 198.18.9.99\n490154203237519 198.18.9.97\n' > "$TMP/luhn.bindings"
fails "bindings: bad IMEI check digit" 2 "luhn.bindings:2:15: bad IMEI '490154203237519'" \
	-- apply "$G" --bindings "$TMP/luhn.bindings"
printf '356938035643809 198.18.9.300\n' > "$TMP/addr.bindings"
fails "bindings: bad address" 2 "bad address '198.18.9.300'" -- apply "$G" --bindings "$TMP/addr.bindings"
printf '356938035643809 198.18.9.77\n' > "$TMP/overlap.bindings"
fails "bindings: address of a static device" 2 "overlaps 198.18.9.77 of device 'cam'" \
	-- apply "$G" --bindings "$TMP/overlap.bindings"
fails "bindings: file missing" 2 "no-such.bindings" -- apply "$G" --bindings "$TMP/no-such.bindings"

# (d) capacity: --max-devices 50. The good policy has 8 devices (2 by MAC)
# and 2 classes: 10 subjects.
{
	cat "$G"
	for i in $(seq 1 49); do printf 'device many-%d mac 02:11:22:33:55:%02x policy drop\n' $i $i; done
} > "$TMP/devs.mwp"
fails "capacity: 59 devices and classes for 50" 1 "ids are free of the 50 modwall was loaded with" \
	-- apply "$TMP/devs.mwp" "${GB[@]}"
{
	cat "$G"
	for i in $(seq 1 41); do printf 'class c%d prefix 02:00:%02x policy drop\n' $i $i; done
} > "$TMP/subj.mwp"
fails "capacity: 51 devices and classes for 50" 1 "ids are free of the 50 modwall was loaded with" \
	-- apply "$TMP/subj.mwp" "${GB[@]}"
{
	cat "$G"
	printf 'device multi'
	for i in $(seq 1 60); do printf ' mac 02:11:22:33:66:%02x' $i; done
	echo ' policy drop'
} > "$TMP/onedev.mwp"
fails "capacity: 62 MACs in 11 devices and classes" 1 "the policy has 62 MAC entries" \
	-- apply "$TMP/onedev.mwp" "${GB[@]}"
# 45 subjects fit in 50 ids, but not beside the 10 live ones: both
# generations hold their subjects until the flip
for i in $(seq 1 45); do
	printf 'device new-%d mac 02:11:22:33:77:%02x policy drop\n' $i $i
done > "$TMP/fresh.mwp"
fails "capacity: 45 new names beside 10 live ones" 1 "the policy brings 45 new devices and classes, and 40 ids are free" -- apply "$TMP/fresh.mwp"

# check touches nothing, whatever it finds
mw check "$G" "${GB[@]}" >/dev/null 2>&1
expect "check of the good policy: exit status" $? 0
same "check of the good policy"
mw check "$TMP/fresh.mwp" >/dev/null 2>&1
expect "check of a policy over the live capacity: exit status" $? 0
same "check of a policy over the live capacity"
mw check "$TMP/unknown.mwp" >/dev/null 2>&1
expect "check of a bad policy: exit status" $? 2
same "check of a bad policy"

# ---------------------------------------------------------------- fault injection

# The policy the sweep tries to apply: new names (fresh ids, one of them the
# retired device's), changed actions, one class gone.
{
	good_body | sed 's/^class xirgo .*//; s/policy watch$/policy quarantine/'
	echo "device meter-1 mac $MAC_DEV policy quarantine"
	for i in $(seq 1 5); do printf 'device sweep-%d mac 02:11:22:33:88:%02x policy drop\n' $i $i; done
} > "$TMP/sweep.mwp"

# live_names: the devices and classes of the live policy, sorted
live_names() {
	"$MODWALL" -j show | mw_jq '"\n".join(sorted(s["name"] for s in d["subjects"]))'
}

# policy_names FILE: the devices and classes a policy file names, sorted
policy_names() {
	awk '$1 == "device" || $1 == "class" { print $2 }' "$1" | LC_ALL=C sort
}

# prime: the good policy live, frames counted, and a free subject id that
# still holds counters (retired-1 was applied, counted, then left out)
prime() {
	if ! mw apply "$TMP/good0.mwp" "${GB[@]}" >/dev/null ||
	   ! ping_gw 2 || ! mw apply "$G" "${GB[@]}" >/dev/null; then
		bad "fault injection: prime" "a good apply failed"
		return 1
	fi
	dump "$TMP/base"
}

# The Nth bpf() call of the apply fails with ENOMEM. A clean run first
# counts the calls and finds the flip (the grace-period map is created right
# after it). Every call up to a few past the flip is tried, then every
# ATOMIC_STRIDE-th one and the last; ATOMIC_SWEEP=full tries them all.
sweep() {
	local n=0 rc out what failures=0 tolerated=0 changed=0 inconsistent=0 total flip stride

	: > "$TMP/sweep.bad"
	: > "$TMP/sweep.ghost"
	: > "$TMP/sweep.ok"
	nsx "$GW" strace -f -qq -o "$TMP/strace.log" -e trace=bpf "$MODWALL" apply "$TMP/sweep.mwp" \
		"${GB[@]}" >/dev/null 2>&1
	total=$(grep -c 'bpf(' "$TMP/strace.log")
	flip=$(grep 'bpf(' "$TMP/strace.log" | grep -n 'BPF_MAP_CREATE.*mw_sync_inner' | head -1 | cut -d: -f1)
	stride=${ATOMIC_STRIDE:-10}
	[ "${ATOMIC_SWEEP:-1}" = full ] && stride=1
	if [ "$stride" = 1 ]; then
		echo "  (fault injection: $total bpf() calls per apply, the flip before call ${flip:-?}; every call)"
	else
		echo "  (fault injection: $total bpf() calls per apply, the flip before call ${flip:-?}; every call" \
			"up to $((${flip:-$total} + 8)), then one in $stride, and the last)"
	fi
	prime || return
	while [ "$n" -lt "$total" ]; do
		n=$((n + 1))
		if [ -n "$flip" ] && [ "$n" -gt $((flip + 8)) ] && [ "$n" -lt "$total" ] &&
		   [ $(((n - flip) % stride)) -ne 0 ]; then
			continue
		fi
		out=$(nsx "$GW" strace -f -qq -o "$TMP/strace.log" -e trace=bpf \
			-e inject=bpf:error=ENOMEM:when="$n" \
			"$MODWALL" apply "$TMP/sweep.mwp" "${GB[@]}" 2>&1 >/dev/null)
		rc=$?
		if ! grep -q INJECTED "$TMP/strace.log"; then
			break	# this apply made fewer than N calls
		fi
		if [ $rc -ne 0 ]; then
			failures=$((failures + 1))
			dump "$TMP/after"
			if ! cmp -s "$TMP/base" "$TMP/after"; then
				changed=$((changed + 1))
				# which maps moved, and what the apply said
				printf '%s -> changed %s\n' "$(echo "$out" | tail -1 | sed 's/^modwall: //')" \
					"$(changed_maps "$TMP/base" "$TMP/after")" >> "$TMP/sweep.bad"
				prime || return
			fi
		else
			# the failure came after the flip, or hit a call whose failure is
			# harmless: then the new policy is live, and nothing but it, also
			# after the next apply (of the same policy)
			tolerated=$((tolerated + 1))
			what=$(grep INJECTED "$TMP/strace.log" | sed 's/.*bpf(\(BPF_[A-Z_]*\).*/\1/')
			echo "$what $([ "$n" -lt "${flip:-0}" ] && echo before || echo after)" >> "$TMP/sweep.ok"
			if [ "$(live_names)" != "$(policy_names "$TMP/sweep.mwp")" ]; then
				inconsistent=$((inconsistent + 1))
				echo "call $n ($what): live after it: $(live_names | tr '\n' ' ')" >> "$TMP/sweep.ghost"
			elif ! mw apply "$TMP/sweep.mwp" "${GB[@]}" >/dev/null ||
			     [ "$(live_names)" != "$(policy_names "$TMP/sweep.mwp")" ]; then
				inconsistent=$((inconsistent + 1))
				echo "call $n ($what): live after the next apply: $(live_names | tr '\n' ' ')" >> "$TMP/sweep.ghost"
			fi
			prime || return
		fi
	done
	echo "  (fault injection: $failures applies failed, $tolerated went through:" \
		"$(sort "$TMP/sweep.ok" | uniq -c |
		   awk '{ printf "%s%s x %s %s the flip", (NR > 1 ? ", " : ""), $1, $2, $3 }'))"
	if [ "$failures" -gt 0 ] && [ "$changed" -eq 0 ]; then
		ok "fault injection: each of $failures failed applies left every map unchanged"
	elif [ "$failures" -eq 0 ]; then
		bad "fault injection" "no injected failure made apply fail"
	else
		bad "fault injection: $changed of $failures failed applies changed maps" \
			"$(sort "$TMP/sweep.bad" | uniq -c | sed 's/^ */x/' | tr '\n' ';')"
	fi
	if [ "$inconsistent" -eq 0 ]; then
		ok "fault injection: each of $tolerated applies that went through left exactly the new policy live"
	else
		what="fault injection: $inconsistent of $tolerated applies that went through"
		bad "$what left subjects of no policy live" "$(head -5 "$TMP/sweep.ghost" | tr '\n' ';')"
	fi
	mw apply "$G" "${GB[@]}" >/dev/null
}

if [ "${ATOMIC_SWEEP:-1}" = 0 ]; then
	skip "fault injection" "ATOMIC_SWEEP=0"
elif ! command -v strace >/dev/null; then
	skip "fault injection" "no strace"
else
	sweep
fi

# ---------------------------------------------------------------- interrupted

# An operator's Ctrl-C (SIGINT) during apply, some 20 bpf() calls before the
# flip (the subject table is written by then): the live policy must be as
# before, and the next apply must leave exactly its own policy live.
interrupted() {
	local flip show0 rc before

	nsx "$GW" strace -f -qq -o "$TMP/strace.log" -e trace=bpf "$MODWALL" apply "$TMP/sweep.mwp" \
		"${GB[@]}" >/dev/null 2>&1
	flip=$(grep 'bpf(' "$TMP/strace.log" | grep -n 'BPF_MAP_CREATE.*mw_sync_inner' | head -1 | cut -d: -f1)
	mw apply "$G" "${GB[@]}" >/dev/null
	if [ -z "$flip" ] || [ "$flip" -le 20 ]; then
		bad "interrupted apply" "no grace-period call found in the apply"
		return
	fi
	show0=$("$MODWALL" -j show)
	nsx "$GW" strace -f -qq -o /dev/null -e trace=bpf -e inject=bpf:signal=INT:when=$((flip - 20)) \
		"$MODWALL" apply "$TMP/sweep.mwp" "${GB[@]}" >/dev/null 2>&1
	rc=$?
	[ "$rc" -ne 0 ]
	expect "interrupted apply: exits non-zero" $? 0
	expect "interrupted apply: the live policy is as before" "$("$MODWALL" -j show)" "$show0"
	before=$(mw_counter meter-1 observe)
	ping_gw 2
	expect "interrupted apply: frames still follow the old policy" "$(mw_counter meter-1 observe)" \
		$((before + 2))
	mw apply "$G" "${GB[@]}" >/dev/null
	expect "interrupted apply: the next apply works" $? 0
	expect "interrupted apply: then exactly the next policy is live" "$(live_names | tr '\n' ' ')" \
		"$(policy_names "$G" | tr '\n' ' ')"
}

if command -v strace >/dev/null; then
	interrupted
else
	skip "interrupted apply" "no strace"
fi

# ---------------------------------------------------------------- still alive

# the dump does see a change: a good apply of another policy changes the maps
dump "$TMP/base"
mw apply "$TMP/sweep.mwp" "${GB[@]}" >/dev/null
expect "apply of another good policy after the failures" $? 0
dump "$TMP/after"
if cmp -s "$TMP/base" "$TMP/after"; then
	bad "a successful apply changes the dump" "dump identical"
else
	ok "a successful apply changes the dump"
fi
before=$(mw_counter meter-1 drop)
ping_gw 3
expect "enforcement after the failures: meter-1 dropped" "$(mw_counter meter-1 drop)" $((before + 3))

mw_done
