#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# modwall beside another XDP program on one interface, through libxdp.
# Usage: tests/coexist/run.sh path/to/modwall
#
#   dev (eth0) --veth-- gw (gw0, 198.18.20.1): modwall (libxdp, priority 5)
#                                              and xdp-filter (priority 10)
#
# trafgen in "dev" sends UDP frames from two tagged MACs: meter-a (policy
# pass) to ports 5555 and 7777, meter-b (policy drop) to 5555. xdp-filter
# drops UDP port 7777. An nftables netdev ingress counter on gw0 sees what
# both XDP programs passed. Expected, per frame sent of each kind:
#   meter-a -> 5555: modwall pass, xdp-filter pass, reaches the stack
#   meter-a -> 7777: modwall pass, xdp-filter drop
#   meter-b -> 5555: modwall drop (xdp-filter never sees it)
# Then modwall is loaded again three times while traffic flows: every frame
# must still be counted under its device with the right verdict, the entry
# in the dispatcher must stay the same program, xdp-filter must stay
# attached.
#
# Sharing needs the libxdp dispatcher, which needs BPF_PROG_TYPE_EXT
# (freplace). Where the kernel refuses it, libxdp runs one program alone:
# the sharing checks are reported as skipped and the checks that such a
# kernel allows run instead (refusals are clean, upgrades under traffic are
# exact). `make test` also runs this script in a VM on Debian's kernel
# (tests/vm/run.sh), where the dispatcher works.
set -u
. "$(dirname "$0")/../lib.sh"
mw_init cx "$@"
GW=${MW_PREFIX}-gw
DEV=${MW_PREFIX}-dev
MAC_DEV=02:00:00:00:20:02
MAC_A=02:5a:00:00:00:0a
MAC_B=02:5a:00:00:00:0b
TG_PID=
mw_atexit '[ -n "$TG_PID" ] && { pkill -P "$TG_PID"; kill "$TG_PID"; } 2>/dev/null'
mw_atexit 'nsx "$GW" xdp-filter unload gw0 --all >/dev/null 2>&1'

# frames FILE: one UDP frame per (source MAC, port) kind, trafgen cycles through them
frames() {
	local f=$1 gwmac=$2 src port
	: > "$f"
	for src in "$MAC_A 5555" "$MAC_A 7777" "$MAC_B 5555"; do
		set -- $src
		cat >> "$f" <<-CFG
		{
		  $(mw_mac_bytes "$gwmac"), $(mw_mac_bytes "$1"), c16(0x0800),
		  0x45, 0x00, c16(46), c16(0), 0x40, 0x00, 64, 17, csumip(14, 33),
		  198, 18, 20, 2, 198, 18, 20, 1,
		  c16(40000), c16($2), c16(26), c16(0),
		  fill(0x78, 18)
		}
		CFG
	done
}

# send_frames N [TRAFGEN_OPTS]: N frames of each kind (3N in all), in the background
send_frames() {
	local n=$1
	shift
	# from $TMP: trafgen writes a temporary file beside it (the VM's tree is read-only)
	(cd "$TMP" && nsx "$DEV" trafgen --no-sock-mem -Q -C -P 1 --dev eth0 --conf frames.cfg \
		-n $((3 * n)) "$@" >"$TMP/tg.out" 2>&1) &
	TG_PID=$!
}
sent_ok() { wait "$TG_PID"; local rc=$?; TG_PID=; return $rc; }

# nft_count PORT: frames to PORT that reached gw0's ingress hook (after XDP)
nft_count() {
	nsx "$GW" nft -j list counter netdev mwcx "p$1" |
		mw_jq '"\n".join(str(o["counter"]["packets"]) for o in d["nftables"] if "counter" in o)'
}
nft_reset() { nsx "$GW" nft reset counters table netdev mwcx >/dev/null; }

# dispatcher_works: can libxdp run a multi-program dispatcher on this kernel?
dispatcher_works() {
	local out
	out=$(nsx "$GW" xdp-loader status gw0 2>&1)
	echo "$out" | grep -q 'xdp_dispatcher'
}

# status_of QUERY: mw_jq QUERY over `modwall status --json`, asked in the
# gateway's namespace
status_of() { nsx "$GW" "$MODWALL" -j status | mw_jq "$1"; }
entry_id() { status_of 'd["interfaces"][0].get("entry_id", 0)'; }
prog_id() { status_of '.interfaces[0].prog_id'; }

# ---- setup ----
mw_ns "$GW"
mw_ns "$DEV"
mw_link "$GW" gw0 198.18.20.1 "$DEV" eth0 198.18.20.2 $MAC_DEV
GWMAC=$(mw_mac "$GW" gw0)
frames "$TMP/frames.cfg" "$GWMAC"
nsx "$GW" nft -f - <<-NFT
table netdev mwcx {
	counter p5555 { }
	counter p7777 { }
	chain in {
		type filter hook ingress device gw0 priority 0;
		udp dport 5555 counter name p5555
		udp dport 7777 counter name p7777
	}
}
NFT
cat > "$TMP/policy.mwp" <<-POL
policy open { pass }
policy quarantine { drop }
device meter-a mac $MAC_A policy open
device meter-b mac $MAC_B policy quarantine
default pass
POL

# ---- modwall first, then another libxdp program ----
out=$(nsx "$GW" "$MODWALL" load gw0 2>&1)
expect "load gw0 through libxdp (the default)" "$?" 0
"$MODWALL" apply "$TMP/policy.mwp" >/dev/null
expect "apply the policy" "$?" 0
attach=$(status_of '"%s %s" % (d["interfaces"][0]["attach"], d["interfaces"][0]["priority"])')
expect "status: attached through libxdp at priority 5" "$attach" "libxdp 5"

fout=$(nsx "$GW" xdp-filter load gw0 --mode native 2>&1)
frc=$?
SHARED=0
if [ $frc -eq 0 ] && dispatcher_works; then
	SHARED=1
	ok "xdp-filter joins modwall on gw0 through the libxdp dispatcher"
else
	skip "sharing gw0 with xdp-filter" "this kernel cannot run libxdp's dispatcher ($(uname -r)): $(echo "$fout" | grep -m1 -i 'dispatcher\|busy')"
	[ $frc -ne 0 ] && ok "xdp-filter's attach fails while modwall runs alone (exit $frc)" ||
		bad "xdp-filter's attach refused" "exit 0"
	expect "modwall still attached after the refused attach" \
		"$(status_of .interfaces[0].libxdp)" alone
fi

if [ $SHARED = 1 ]; then
	nsx "$GW" xdp-filter port 7777 --mode dst --proto udp >/dev/null
	expect "xdp-filter drops UDP port 7777" "$?" 0
	order=$(nsx "$GW" xdp-loader status gw0 | awk '$2 ~ /^[0-9]+$/ || $3 ~ /^[0-9]+$/' |
		grep -o 'modwall_entry\|xdpfilt_[a-z_]*' | head -2 | tr '\n' ' ')
	case $order in
	"modwall_entry xdpfilt_"*) ok "dispatcher runs modwall_entry before xdp-filter ($order)" ;;
	*) bad "dispatcher order" "$(nsx "$GW" xdp-loader status gw0)" ;;
	esac
fi

# ---- steady traffic through both ----
N=2000
nft_reset
send_frames $N
sent_ok
expect "trafgen sent $((3 * N)) frames" "$?" 0
expect "meter-a: modwall passed all of its frames" "$(mw_counter meter-a pass)" $((2 * N))
expect "meter-b: modwall dropped all of its frames" "$(mw_counter meter-b drop)" $N
expect "nothing counted as no_policy" "$(mw_counter total no_policy)" 0
expect "stack got every meter-a frame to 5555" "$(nft_count 5555)" $N
if [ $SHARED = 1 ]; then
	expect "xdp-filter dropped every meter-a frame to 7777 (modwall passed them)" \
		"$(nft_count 7777)" 0
else
	expect "alone: every meter-a frame to 7777 reached the stack" "$(nft_count 7777)" $N
fi

# ---- upgrade under traffic ----
E0=$(entry_id)
P0=$(prog_id)
N=60000
before_a=$(mw_counter meter-a pass)
before_b=$(mw_counter meter-b drop)
nft_reset
send_frames $N -t 20us
sleep 0.3
upgrades=0
for i in 1 2 3; do
	nsx "$GW" "$MODWALL" -q load gw0 >/dev/null 2>"$TMP/load.err" && upgrades=$((upgrades + 1))
done
running=0
kill -0 "$TG_PID" 2>/dev/null && running=1
sent_ok
expect "trafgen sent $((3 * N)) frames while modwall was loaded again" "$?" 0
expect "three upgrades done, traffic still flowing after them" "$upgrades/$running" 3/1
E1=$(entry_id)
P1=$(prog_id)
expect "the dispatcher keeps the same modwall entry (id $E0)" "$E1" "$E0"
[ "$P1" != "$P0" ] && ok "the program behind it was replaced ($P0 -> $P1)" ||
	bad "program replaced" "prog id still $P0"
expect "meter-a: every frame counted pass across the upgrades" \
	$(( $(mw_counter meter-a pass) - before_a )) $((2 * N))
expect "meter-b: every frame counted drop across the upgrades" \
	$(( $(mw_counter meter-b drop) - before_b )) $N
expect "no frame fell to no_policy or malformed" \
	"$(mw_counter total no_policy)/$(mw_counter total malformed)" 0/0
expect "stack got every meter-a frame to 5555 across the upgrades" "$(nft_count 5555)" $N
if [ $SHARED = 1 ]; then
	expect "xdp-filter kept dropping port 7777 across the upgrades" "$(nft_count 7777)" 0
	nsx "$GW" xdp-loader status gw0 | grep -q xdpfilt_
	expect "xdp-filter still attached after the upgrades" "$?" 0
else
	skip "xdp-filter across upgrades" "no dispatcher on this kernel"
fi

# ---- libxdp finds interfaces by ifindex, which mean something only in their namespace ----
expect "status from the host's namespace: the entry is in another one" \
	"$("$MODWALL" -j status | mw_jq .interfaces[0].libxdp)" other-netns

# ---- unload leaves the other program alone ----
"$MODWALL" unload gw0 >/dev/null
expect "unload gw0 from the host's namespace (modwall enters gw's to detach)" "$?" 0
if [ $SHARED = 1 ]; then
	st=$(nsx "$GW" xdp-loader status gw0)
	echo "$st" | grep -q xdpfilt_ && ! echo "$st" | grep -q modwall_entry
	expect "after unload: xdp-filter attached, modwall_entry gone" "$?" 0
	nft_reset
	send_frames 100
	sent_ok
	expect "xdp-filter still filters alone (7777: 0, 5555 from both meters: 200)" \
		"$(nft_count 7777)/$(nft_count 5555)" 0/200
else
	st=$(nsx "$GW" xdp-loader status gw0)
	echo "$st" | grep -q 'No XDP program'
	expect "after unload: no XDP program left on gw0" "$?" 0
fi

# ---- another program first: --exclusive is refused, libxdp joins or explains ----
nsx "$GW" xdp-filter unload gw0 --all >/dev/null 2>&1
nsx "$GW" xdp-filter load gw0 --mode native >/dev/null 2>&1
expect "xdp-filter alone on gw0" "$?" 0
out=$(nsx "$GW" "$MODWALL" load gw0 --exclusive 2>&1)
rc=$?
expect "load --exclusive refused while another program holds gw0" "$rc" 1
case $out in
*"already has an XDP program"*) ok "--exclusive refusal names the reason" ;;
*) bad "--exclusive refusal message" "$out" ;;
esac
[ -e "$MODWALL_PIN_DIR/link_gw0" ] && bad "no link pin after a refused load" "link_gw0 exists" ||
	ok "no link pin after a refused load"
out=$(nsx "$GW" "$MODWALL" load gw0 2>&1)
rc=$?
if [ $SHARED = 1 ]; then
	expect "modwall joins xdp-filter's dispatcher" "$rc" 0
else
	expect "alone: modwall refuses to replace xdp-filter" "$rc" 1
	case $out in
	*"cannot share"*) ok "refusal says the interface cannot be shared" ;;
	*) bad "refusal message" "$out" ;;
	esac
	[ -e "$MODWALL_PIN_DIR/entry_gw0" ] && bad "no entry pin after a refused load" "exists" ||
		ok "no entry pin after a refused load"
	nsx "$GW" xdp-loader status gw0 | grep -q xdpfilt_
	expect "xdp-filter untouched by the refused load" "$?" 0
fi

# ---- the same name again: a re-created interface, a second pin directory ----
mkcx1() {
	ip link add cx1 netns "$GW" type veth peer name cx1p netns "$DEV" &&
		nsx "$GW" ip link set cx1 up && nsx "$DEV" ip link set cx1p up
}
rows() { status_of '" ".join("%s@%d:%s" % (i["interface"], i["slot"], i["attach"])
                   for i in d["interfaces"] if i["interface"] == "cx1")'; }
ifidx() { nsx "$GW" ip -o link show "$1" | cut -d: -f1; }
# disp_dirs IFINDEX: libxdp's pinned dispatchers for that ifindex
disp_dirs() { ls /sys/fs/bpf/xdp 2>/dev/null | grep -c "^dispatch-$1-"; }
for how in libxdp exclusive; do
	x=$([ $how = exclusive ] && echo --exclusive)
	mkcx1
	nsx "$GW" "$MODWALL" load cx1 --mode generic $x >/dev/null
	r0=$(rows)
	old=$(ifidx cx1)
	nsx "$GW" ip link del cx1
	mkcx1
	out=$(nsx "$GW" "$MODWALL" load cx1 --mode generic $x 2>&1)
	expect "$how: load cx1 again after it was deleted and re-created" "$?/${out%%:*}" "0/attached cx1"
	expect "$how: the same slot, one row ($r0)" "$(rows)" "$r0"
	expect "$how: no dispatcher of the deleted cx1 (ifindex $old) left pinned" \
		"$(disp_dirs "$old")" 0
	if [ $how = libxdp ]; then
		out=$(MODWALL_PIN_DIR=$MODWALL_PIN_DIR-2 nsx "$GW" "$MODWALL" load cx1 --mode generic 2>&1)
		rc=$?
		case $rc/$out in
		1/*"already runs a modwall entry"*) ok "a second pin directory cannot add a second entry" ;;
		*) bad "second pin directory refused" "$rc: $out" ;;
		esac
		[ -e "$MODWALL_PIN_DIR-2/entry_cx1" ] && bad "no entry pin in the second directory" "exists" ||
			ok "no entry pin in the second directory"
		MODWALL_PIN_DIR=$MODWALL_PIN_DIR-2 "$MODWALL" unload --all >/dev/null 2>&1
		rm -rf "$MODWALL_PIN_DIR-2"
	fi
	old=$(ifidx cx1)
	nsx "$GW" ip link del cx1
	nsx "$GW" "$MODWALL" unload cx1 >/dev/null
	expect "$how: unload cx1 after it was deleted" "$?" 0
	expect "$how: ... its dispatcher pins went too" "$(disp_dirs "$old")" 0
	[ -e "$MODWALL_PIN_DIR/entry_cx1" ] || [ -e "$MODWALL_PIN_DIR/link_cx1" ]
	expect "$how: ... and its attachment pin" "$?" 1
done

# ---- a namespace without a name: found through a process, or gone ----
nsx "$GW" xdp-filter unload gw0 --all >/dev/null 2>&1
unshare --net sh -c "ip link add cx9 type veth peer name cx9p && ip link set cx9 up &&
	ip link set cx9p up && '$MODWALL' load cx9 --mode generic >/dev/null && echo ready &&
	exec sleep 60" > "$TMP/unshare.out" 2>&1 &
UPID=$!
for i in $(seq 50); do grep -q ready "$TMP/unshare.out" && break; sleep 0.1; done
expect "load cx9 inside an unnamed namespace" "$(cat "$TMP/unshare.out")" ready
SPID=$(pgrep -P $UPID sleep || echo $UPID)
out=$("$MODWALL" load cx9 2>&1)
expect "load cx9 from the host: no such interface here" "$?" 2
"$MODWALL" unload cx9 >/dev/null
expect "unload cx9 from the host (the namespace found through its process)" "$?" 0
nsenter --net=/proc/$SPID/ns/net xdp-loader status cx9 | grep -q 'No XDP program'
expect "... and cx9 has no XDP program left" "$?" 0
nsenter --net=/proc/$SPID/ns/net "$MODWALL" load cx9 --mode generic >/dev/null
expect "load cx9 again inside it" "$?" 0
kill $UPID $SPID 2>/dev/null
wait $UPID 2>/dev/null
for i in $(seq 50); do [ -d /proc/$SPID ] || break; sleep 0.1; done
"$MODWALL" unload cx9 >/dev/null
expect "unload cx9 after its namespace is gone: the stale pins go" "$?" 0
[ -e "$MODWALL_PIN_DIR/entry_cx9" ] && bad "entry_cx9 removed" "still pinned" ||
	ok "entry_cx9 removed"

mw_done
