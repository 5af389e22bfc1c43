#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# How long `modwall show` and `modwall stats` take, and how much memory,
# with many devices in the live policy. A benchmark: prints a table, never
# fails on time. Usage:
#
#	tests/bench/readout.sh MODWALL [OTHER_MODWALL]
#
# Loads maps sized for DEVICES devices (default 1000000; generic XDP on a
# veth in a namespace), applies a policy of that many devices by MAC (as
# tests/bench/apply.sh writes them) plus two vendor classes and a
# rate-limited policy, an allow-list, IMEI devices bound to addresses and
# a TAC table, then runs show, show -j, stats, stats -j and
# stats --all -j with each binary given, RUNS times each (default 3):
# median wall clock and the largest maximum RSS (/usr/bin/time). With two
# binaries, their outputs of every command are compared byte for byte.
# PRETTY=1 adds show -p, show --tac and stats --all -p; KEEP=DIR keeps the
# outputs there (out.COMMAND.BINARY).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib.sh"
BINS=()
for b in "$@"; do
	BINS+=("$(readlink -f "$b")")
done
if [ "${#BINS[@]}" -lt 1 ]; then
	echo "usage: $0 MODWALL [OTHER_MODWALL]" >&2
	exit 2
fi
MODWALL=${BINS[0]}
export MODWALL
export MODWALL_PIN_DIR=/sys/fs/bpf/modwall-bench-readout-$$
TMP=$(mktemp -d)
trap 'mw_cleanup; rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM
RUNS=${RUNS:-3}
DEVICES=${DEVICES:-1000000}

# a gateway and one device (d0000006, observed: it has counters and flows)
NS=${MW_PREFIX}-breadout
DEV=${MW_PREFIX}-breadout-dev
mw_ns "$NS"
mw_ns "$DEV"
mw_link "$NS" b0 198.18.9.1 "$DEV" b1 198.18.9.2 02:4d:00:00:00:06

{
	echo 'policy slow { rate 50 pps 256 kbit burst 20 }'
	printf 'policy broker {\n allow udp to 198.18.100.10 port 5001\n allow tcp to 198.18.100.0/24 port 80-90\n}\n'
	echo 'device tracker-1 imei 356938035643809 policy broker'
	echo 'device tracker-2 imei 356938035643817 policy slow'
	echo 'class quectel vendor "Quectel" policy observe'
	echo 'class fibocom vendor "Fibocom Wireless" policy slow'
	awk -v n="$DEVICES" 'BEGIN {
		split("drop pass observe slow", p, " ")
		for (i = 0; i < n; i++)
			printf "device d%07d mac 02:4d:%02x:%02x:%02x:%02x policy %s\n", i,
				int(i / 16777216) % 256, int(i / 65536) % 256, int(i / 256) % 256,
				i % 256, p[i % 4 + 1]
	}'
	echo "default pass"
} > "$TMP/policy.mwp"

if ! nsx "$NS" "$MODWALL" load b0 --mode generic --max-devices "$((DEVICES + 100))" >"$TMP/log" 2>&1 ||
   ! nsx "$NS" "$MODWALL" apply "$TMP/policy.mwp" >>"$TMP/log" 2>&1; then
	echo "readout: load or apply failed:" >&2
	sed 's/^/    /' "$TMP/log" | tail -5 >&2
	exit 1
fi

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

nsx "$NS" "$MODWALL" bind 356938035643809 198.18.3.2 fd00::3:2 198.18.64.0/20 >/dev/null
send "$DEV" 198.18.9.1 5 >/dev/null
printf '35693803,Some Maker "quoted"\n' > "$TMP/tac.csv"
CMDS=("show" "show -j" "stats" "stats -j" "stats --all -j")
[ "${PRETTY:-0}" = 1 ] && CMDS+=("show -p" "show -j --tac $TMP/tac.csv" "stats --all -p")
echo "modwall show/stats: $DEVICES devices, $(nproc) CPUs, $RUNS runs per command"
printf '%-16s' command
for b in "${!BINS[@]}"; do
	printf ' %10s %8s %8s' "bin$b s" "RSS MB" "out MB"
done
echo
for c in "${!CMDS[@]}"; do
	printf '%-16s' "${CMDS[$c]}"
	for b in "${!BINS[@]}"; do
		times="" rss=0
		for i in $(seq 1 "$RUNS"); do
			# %e: elapsed seconds, %M: maximum RSS in KiB
			if ! nsx "$NS" /usr/bin/time -f '%e %M' -o "$TMP/time" ${BINS[$b]} ${CMDS[$c]} \
				>"$TMP/out.$c.$b" 2>"$TMP/err"; then
				times+="fail "
				continue
			fi
			read -r t m < "$TMP/time"
			times+="$t "
			[ "$m" -gt "$rss" ] && rss=$m
		done
		printf ' %10s %8s %8s' "$(echo "$times" | median)" \
			"$(awk -v k="$rss" 'BEGIN { printf "%.0f", k / 1024 }')" \
			"$(stat -c %s "$TMP/out.$c.$b" | awk '{ printf "%.1f", $1 / 1048576 }')"
	done
	echo
done
[ -n "${KEEP:-}" ] && mkdir -p "$KEEP" && cp "$TMP"/out.* "$KEEP"/
if [ "${#BINS[@]}" -gt 1 ]; then
	for c in "${!CMDS[@]}"; do
		if cmp -s "$TMP/out.$c.0" "$TMP/out.$c.1"; then
			echo "  ${CMDS[$c]}: outputs identical"
		else
			echo "  ${CMDS[$c]}: outputs DIFFER"
		fi
	done
fi
