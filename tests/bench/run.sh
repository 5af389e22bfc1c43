#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# make bench: what modwall's XDP data path costs, side by side with anchor
# programs, measured by tests/bench/xdpbench (BPF_PROG_TEST_RUN, warm-up
# then interleaved rounds, medians):
#   1. in-kernel cost per frame over thousands of distinct frames
#   2. scale: 1 / 10k / 1M tagged devices, 0 / 1k / all vendor prefixes;
#      every frame from another of 1M devices beside a reference program
#      (tests/bench/ref_miss.bpf.c: one random line of a 128 MiB array)
#   3. live frames (BPF_F_TEST_XDP_LIVE_FRAMES) on one core: modwall beside
#      a bare drop and nftables doing the same jobs
#   4. map memory of the 1M-device load, at this machine's CPUs and at 64
#   5. where the time goes: perf profile of modwall by source line
#   6. tests/bench/apply.sh and tests/bench/rate.sh, when present, and
#      tests/bench/readout.sh (status, discovered, show and stats with 1M
#      devices; a /metrics scrape with RADIUS during it)
#   7. flows: ns/pkt with flows off and on (a tagged device, a vendor-class
#      member; warm and with 64k remotes), and the tc egress program beside
#      a bare tc program (tests/bench/bare_tc.bpf.c)
#   8. the memory of a real flow table of 1M flows, at this machine's CPUs
#      and computed for 64
#   9. counter contention: one device's shared counter line hit from every
#      CPU at once (tests/bench/contention)
#  10. every scale goal for 1M devices in one table: the rows the sections
#      above write (SCALE|... lines in $SCALE_ROWS, tests/bench/scalerow.sh),
#      measured value, goal, MET or MISSED
# Prints tables and never fails on time; what cannot run says N/A and why.
#
# Environment: ROUNDS=N (5); QUICK=1 (100k devices instead of 1M, 3 rounds,
# apply.sh without its 1M cases); PROFILE=0 (no perf profile); CPU=N (the
# core for live frames, 0).
set -u
MODWALL=$(readlink -f "${1:?usage: run.sh MODWALL}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/bench/scalerow.sh"
export MODWALL
TMP=$(mktemp -d)
export SCALE_ROWS=$TMP/scale_rows
: > "$SCALE_ROWS"
trap 'mw_cleanup; rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM
QUICK=${QUICK:-0}
ROUNDS=${ROUNDS:-$([ "$QUICK" = 1 ] && echo 3 || echo 5)}
PROFILE=${PROFILE:-1}
CPU=${CPU:-0}
XOPT=(--rounds "$ROUNDS")
[ "$QUICK" = 1 ] && XOPT+=(--quick)
T0=$(date +%s)

section() { printf '\n==== %s ====\n\n' "$*"; }
na() { echo "N/A: $*"; }

# The tool: the Makefile's build when it is current, else built here.
XB=$ROOT/build/tests/xdpbench
if [ ! -x "$XB" ] || [ "$ROOT/tests/bench/xdpbench.c" -nt "$XB" ] ||
   [ "$ROOT/tests/bench/flowbench.c" -nt "$XB" ] || [ "$ROOT/tests/bench/xdpbench.h" -nt "$XB" ] ||
   [ "$ROOT/build/libmodwall.a" -nt "$XB" ]; then
	XB=$TMP/xdpbench
	# shellcheck disable=SC2046
	if ! ${CC:-gcc} -O2 -g -std=gnu11 -Wall -Wextra -I"$ROOT/include" -I"$ROOT/user/lib" \
		-I"$ROOT/build" -I"$ROOT/tests/lib" $(pkg-config --cflags json-c 2>/dev/null) \
		-o "$XB" "$ROOT/tests/bench/xdpbench.c" "$ROOT/tests/bench/flowbench.c" \
		"$ROOT/tests/lib/fixture.c" "$ROOT/build/libmodwall.a" -lxdp -lbpf -lelf -lz \
		$(pkg-config --libs json-c 2>/dev/null || echo -ljson-c); then
		XB=
	fi
fi
# The anchors (bare_drop.bpf.c, bare_tc.bpf.c), the driver that gives every run another
# device or remote (rotate.bpf.c) and the reference behind it (ref_miss.bpf.c)
for b in bare_drop bare_tc rotate ref_miss; do
	clang -O2 -g -target bpf -I/usr/include/"$(gcc -dumpmachine)" \
		-c "$ROOT/tests/bench/$b.bpf.c" -o "$TMP/$b.o" || rm -f "$TMP/$b.o"
done
BARE=$TMP/bare_drop.o
BARE_TC=$TMP/bare_tc.o
ROT=$TMP/rotate.o
REF=$TMP/ref_miss.o

CS=/sys/devices/system/clocksource/clocksource0/current_clocksource
echo "modwall benchmark: $(nproc) CPUs ($(uname -r)), $ROUNDS rounds$([ "$QUICK" = 1 ] &&
	echo ", quick"); clocksource $(cat "$CS" 2>/dev/null || echo "?")"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other load makes numbers noisy)"

section "1. In-kernel cost per frame"
if [ -z "$XB" ]; then
	na "tests/bench/xdpbench did not build"
else
	"$XB" cost --bare "$BARE" "${XOPT[@]}" || na "xdpbench cost failed (exit $?)"
fi

section "2. Scale: devices and vendor prefixes"
if [ -z "$XB" ]; then
	na "tests/bench/xdpbench did not build"
else
	"$XB" scale --bare "$BARE" --rotate "$ROT" --ref "$REF" --mem "$TMP/mem.txt" "${XOPT[@]}" ||
		na "xdpbench scale failed (exit $?)"
fi

section "3. NIC-like: live frames on one core"
if [ -z "$XB" ]; then
	na "tests/bench/xdpbench did not build"
else
	NS=${MW_PREFIX}-bench
	mw_ns "$NS"
	for p in b c d; do
		nsx "$NS" ip link add ${p}0 type veth peer name ${p}1
		nsx "$NS" ip link set ${p}0 up
		nsx "$NS" ip link set ${p}1 up
	done
	nsx "$NS" ip addr add 198.18.99.1/24 dev d0
	NFT=()
	if ! command -v nft >/dev/null; then
		NFT=(--no-nft "nft is not installed (Debian: nftables)")
	elif ! "$XB" nft --drop-if b0 --allow-if c0 >"$TMP/nft.rules" ||
	     ! nsx "$NS" nft -f "$TMP/nft.rules" 2>"$TMP/nft.err"; then
		NFT=(--no-nft "nft -f failed: $(head -1 "$TMP/nft.err" 2>/dev/null)")
	fi
	nsx "$NS" "$XB" live --bare "$BARE" --drop-if b0 --allow-if c0 --stack-if d0 \
		--stack-ip 198.18.99.1 --cpu "$CPU" "${NFT[@]}" "${XOPT[@]}" ||
		na "xdpbench live failed (exit $?)"
fi

section "4. Map memory"
if [ -s "$TMP/mem.txt" ]; then
	cat "$TMP/mem.txt"
else
	na "the scale run made no memory table"
fi

section "5. Where the time goes"
if [ -z "$XB" ]; then
	na "tests/bench/xdpbench did not build"
elif [ "$PROFILE" = 0 ]; then
	na "PROFILE=0"
elif ! perf record -q -o "$TMP/probe.data" -e cpu-clock true >/dev/null 2>&1; then
	na "perf cannot sample here (Debian: linux-perf)"
else
	if ! perf stat -e cycles true >/dev/null 2>&1; then
		echo "No hardware PMU (a VM): bpftool prog profile cannot count cycles; perf"
		echo "samples cpu-clock instead, mapped to source lines through the JIT line table."
	fi
	# profile CMD CASE: perf samples of one case, by source line of modwall
	profile() {
		echo
		echo "$2 ($1 case, perf record -e cpu-clock):"
		if perf record -q -g -e cpu-clock -F 20000 -o "$TMP/perf.data" -- \
			"$XB" "$1" --bare "$BARE" --bare-tc "$BARE_TC" --rotate "$ROT" --rounds 2 --only "$2" \
			--lines "$TMP/lines.txt" --mem /dev/null >/dev/null 2>&1; then
			/usr/bin/python3 "$ROOT/tests/bench/hotlines.py" "$TMP/lines.txt" \
				"$TMP/perf.data" 10
		else
			na "perf record failed"
		fi
		rm -f "$TMP/lines.txt"
	}
	profile cost "tagged device by MAC, drop, events off"
	profile cost "tagged device by MAC, drop, events 100/s"
	profile cost "vendor class"
	profile cost "unknown device"
	profile scale "rotating tagged $([ "$QUICK" = 1 ] && echo 100000 || echo 1000000)"
	profile flows "warm tagged, flows on"
	profile flows "64k tagged, flows on"
fi

section "6. Apply and rate-limit benchmarks"
if [ -x "$ROOT/tests/bench/apply.sh" ] || [ -f "$ROOT/tests/bench/apply.sh" ]; then
	BENCH_1M=$([ "$QUICK" = 1 ] && echo 0 || echo "${BENCH_1M:-1}") \
		bash "$ROOT/tests/bench/apply.sh" "$MODWALL" || na "apply.sh failed (exit $?)"
else
	na "tests/bench/apply.sh is not there"
fi
echo
if [ -f "$ROOT/tests/bench/rate.sh" ]; then
	bash "$ROOT/tests/bench/rate.sh" || na "rate.sh failed (exit $?)"
else
	na "tests/bench/rate.sh is not there"
fi
echo
DEVICES=$([ "$QUICK" = 1 ] && echo 100000 || echo 1000000) \
	bash "$ROOT/tests/bench/readout.sh" "$MODWALL" || na "readout.sh failed (exit $?)"

section "7. Flows: cost with flows off and on, tc egress"
if [ -z "$XB" ]; then
	na "tests/bench/xdpbench did not build"
else
	"$XB" flows --bare "$BARE" --bare-tc "$BARE_TC" --rotate "$ROT" "${XOPT[@]}" ||
		na "xdpbench flows failed (exit $?)"
fi

section "8. Flow table memory"
if [ -z "$XB" ]; then
	na "tests/bench/xdpbench did not build"
else
	"$XB" flowmem --rotate "$ROT" "${XOPT[@]}" || na "xdpbench flowmem failed (exit $?)"
fi

section "9. Counter contention: one device from every CPU"
CT=$ROOT/build/tests/contention
if [ -x "$CT" ]; then
	"$CT" --rounds "$ROUNDS" || na "contention failed (exit $?)"
else
	na "build/tests/contention is not built (make bench builds it)"
fi

section "10. Scale goals"
echo "Every goal for 1M devices side by side, from the sections above$([ "$QUICK" = 1 ] &&
	echo " (QUICK: 100k devices, so the 1M rows say N/A and what they would be)")."
echo
scale_table "$SCALE_ROWS"

printf '\nmake bench took %d s\n' $(($(date +%s) - T0))
