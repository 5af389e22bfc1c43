#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# How long `modwall apply` takes, and how much of it is compiling (`check`
# alone) versus writing the kernel maps. A benchmark: prints a table, never
# fails on time. Usage: tests/bench/apply.sh path/to/modwall
#
# Cases (each on a fresh load sized for it, generic XDP on a veth):
#   vendors+10k  eleven module makers' whole IEEE assignments + 10,000 devices
#   10k/100k/1M  devices by MAC
#   10k on 1M    the 10k policy on maps sized for 1M devices
#   1 of 1M      the 1M policy live, then the same file with one device's
#                policy changed, and back, RUNS times each way (with
#                BENCH_1M=0: 1 of 100k)
#
# Wall clock, RUNS runs (default 3): the first apply gives every subject a
# new id; later ones keep them. "apply" is the median of the RUNS applies,
# "check" the median of RUNS checks. With perf installed, two more applies
# per case (one again, one onto a fresh load) count their bpf() calls by
# command.
#
# Environment: RUNS=N, BENCH_1M=0 to leave out the 1M cases (about 1 min),
# BENCH_PERF=1 to profile the largest apply with perf record, SCALE_ROWS=FILE
# to write the rows of make bench's table of scale goals (scalerow.sh).
set -u
MODWALL=$(readlink -f "${1:?usage: apply.sh MODWALL}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/bench/scalerow.sh"
export MODWALL
export MODWALL_PIN_DIR=/sys/fs/bpf/modwall-bench-apply-$$
TMP=$(mktemp -d)
trap 'mw_cleanup; rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM
RUNS=${RUNS:-3}
BENCH_1M=${BENCH_1M:-1}
BENCH_PERF=${BENCH_PERF:-0}
HAVE_PERF=0
perf stat -e syscalls:sys_enter_bpf true >/dev/null 2>&1 && HAVE_PERF=1

NS=${MW_PREFIX}-bapply
mw_ns "$NS"
nsx "$NS" ip link add b0 type veth peer name b1
nsx "$NS" ip link set b0 up
nsx "$NS" ip link set b1 up

# devices N: N devices by MAC (02:4d:xx:xx:xx:xx), built-in policies in turn
devices() {
	mw_mac_devices "$1" "drop pass observe"
}

for n in 10000 100000 1000000; do
	{ devices $n; echo "default pass"; } > "$TMP/dev$n.mwp"
done
{
	cat <<-POL
	policy quarantine { drop }
	policy watch { observe }
	class quectel  vendor "Quectel" policy quarantine
	class fibocom  vendor "Fibocom Wireless" policy watch
	class cmiot    vendor "China Mobile IOT Company" policy pass
	class simcom   vendor "SIMCom Wireless Solutions Co" policy drop
	class neoway   vendor "Neoway" policy observe
	class ublox    vendor "u-blox" policy pass
	class telit    vendor "Telit Communication" policy quarantine
	class sierra   vendor "Sierra Wireless" policy watch
	class gosuncn  vendor "Gosuncn" policy drop
	class longsung vendor "LongSung" policy observe
	class xirgo    vendor "Xirgo" policy quarantine
	POL
	devices 10000
	echo "default pass"
} > "$TMP/vendors.mwp"

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# timed CMD...: wall seconds of CMD (in the gateway namespace); "fail" on error
timed() {
	local t0 t1
	t0=$(date +%s.%N)
	if ! nsx "$NS" "$@" >"$TMP/out" 2>&1; then
		echo fail
		sed 's/^/    /' "$TMP/out" | head -3 >&2
		return
	fi
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}

# bpfcalls FILE: bpf() calls of one apply, by command
bpfcalls() {
	local ev=() c
	for c in 1 2 3 4; do	# lookup, update, delete, get_next_key
		ev+=(-e syscalls:sys_enter_bpf --filter "cmd == $c")
	done
	nsx "$NS" perf stat -x, "${ev[@]}" -e syscalls:sys_enter_bpf "$MODWALL" apply "$1" 2>&1 >/dev/null |
		awk -F, '$3 ~ /sys_enter_bpf/ { v[++n] = $1 }
			 END { printf "%s lookup, %s update, %s delete, %s next_key; %s in all",
			       v[1], v[2], v[3], v[4], v[5] }'
}

ROWS=()
CALLS=()
PERC=()	# microseconds per subject of the median apply, by case

# bench NAME FILE MAX_DEVICES SUBJECTS
bench() {
	local name=$1 file=$2 max=$3 nsubj=$4 load i t checks="" applies="" first="" rss entries
	nsx "$NS" "$MODWALL" unload --all >/dev/null 2>&1
	load=$(timed "$MODWALL" load b0 --mode generic --max-devices "$max")
	# "map entries: 10000 MAC, 0 vendor prefix, ...": their sum
	entries=$("$MODWALL" check "$file" 2>/dev/null |
		awk '/^map entries:/ { sub(/^map entries:/, ""); n = split($0, f, ",");
				       for (i = 1; i <= n; i++) { split(f[i], w, " "); s += w[1] }
				       print s }')
	for i in $(seq 1 "$RUNS"); do
		checks+="$(timed "$MODWALL" check "$file") "
	done
	for i in $(seq 1 "$RUNS"); do
		t=$(timed "$MODWALL" apply "$file")
		[ -z "$first" ] && first=$t
		applies+="$t "
	done
	rss=$(nsx "$NS" /usr/bin/time -f %M "$MODWALL" apply "$file" 2>&1 >/dev/null | tail -1)
	local c a
	c=$(echo "$checks" | median)
	a=$(echo "$applies" | median)
	ROWS+=("$(printf '%-16s %9s %9s %8s %8s %8s %8s %8s %8s %7s' "$name" "$nsubj" "${entries:-?}" \
		"$((max))" "$load" "$c" "$first" "$a" \
		"$(awk -v a="$a" -v c="$c" 'BEGIN { printf "%.3f", a - c }')" \
		"$(awk -v k="$rss" 'BEGIN { printf "%.0f", k / 1024 }')")")
	FIRST=$first APPLY_MED=$a
	PERC+=("$name $(awk -v a="$a" -v n="$nsubj" 'BEGIN { printf "%.2f", a * 1e6 / n }')")
	if [ "$HAVE_PERF" = 1 ]; then
		CALLS+=("$(printf '%-16s again: %s' "$name" "$(bpfcalls "$file")")")
		# and a first apply, on a fresh load
		nsx "$NS" "$MODWALL" unload --all >/dev/null 2>&1
		nsx "$NS" "$MODWALL" load b0 --mode generic --max-devices "$max" >/dev/null
		CALLS+=("$(printf '%-16s first: %s' "" "$(bpfcalls "$file")")")
	fi
	if [ "$BENCH_PERF" = 1 ] && [ "$name" = "$PERF_CASE" ]; then
		nsx "$NS" perf record -q -g -o "$TMP/perf.data" "$MODWALL" apply "$file" >/dev/null 2>&1
		perf report -i "$TMP/perf.data" --stdio --no-children --sort sym 2>/dev/null |
			grep -E '^ +[0-9]' | head -15 > "$TMP/perf.top"
	fi
	printf '  %-16s apply %s s (runs: %s), check %s s (runs: %s)\n' "$name" "$a" "$applies" "$c" "$checks"
	nsx "$NS" "$MODWALL" unload --all >/dev/null 2>&1
}

# first_row N: the scale goals' row of the first apply of N devices (bench's FIRST)
first_row() {
	local v=N/A note="the apply failed"
	[ "$FIRST" != fail ] && v=$(scale_le "$FIRST" 2) && note=""
	scale_row apply1st "$1" "$FIRST s" "<= 2 s" "$v" \
		"${note:-onto a fresh load, every subject new; median of $RUNS applies of the file, this one the first: $2 s}"
}

# action NAME: the live policy's action for subject NAME (modwall show)
action() { nsx "$NS" "$MODWALL" show 2>/dev/null | awk -v n="$1" '$1 == n { print $4; exit }'; }

# diff1 NAME FILE MAX_DEVICES N: FILE live, then applies that each change one
# device's policy from the live one: FILE with d0000000's policy changed,
# FILE again, RUNS times. Times, RSS and bpf() calls of one such apply.
DIFF=()
diff1() {
	local name=$1 a=$2 max=$3 n=$4 b=$TMP/diff1.mwp times="" med rss calls="" ncalls="" v note
	sed '1s/ policy [a-z]*$/ policy pass/' "$a" > "$b"
	if cmp -s "$a" "$b"; then
		sed -i '1s/ policy [a-z]*$/ policy drop/' "$b"
	fi
	nsx "$NS" "$MODWALL" unload --all >/dev/null 2>&1
	if [ "$(timed "$MODWALL" load b0 --mode generic --max-devices "$max")" = fail ] ||
	   [ "$(timed "$MODWALL" apply "$a")" = fail ]; then
		scale_row apply1 "$n" N/A "<= 0.1 s" N/A "loading or applying the $n-device policy failed"
		return
	fi
	for _ in $(seq 1 "$RUNS"); do
		times+="$(timed "$MODWALL" apply "$b") $(timed "$MODWALL" apply "$a") "
	done
	med=$(echo "$times" | median)
	rss=$(nsx "$NS" /usr/bin/time -f %M "$MODWALL" apply "$b" 2>&1 >/dev/null | tail -1)
	# the change took: d0000000 has the policy of the file now live ($b)
	local want got
	want=$(sed -n '1s/.* policy //p' "$b")
	got=$(action d0000000)
	if [ "$HAVE_PERF" = 1 ]; then
		calls=$(bpfcalls "$a")
		ncalls=${calls##*; }
		ncalls=${ncalls% in all}
	fi
	DIFF+=("$(printf '%-16s apply %s s (runs: %s), max RSS %s MB' "$name" "$med" "$times" \
		"$(awk -v k="$rss" 'BEGIN { printf "%.0f", k / 1024 }')")")
	DIFF+=("$(printf '%-16s d0000000 live after the change: %s (the file says %s)' "" "$got" "$want")")
	[ -n "$calls" ] && DIFF+=("$(printf '%-16s bpf() calls of one: %s' "" "$calls")")
	v=$(scale_le "$med" 0.1)
	note="median of $((2 * RUNS)) applies${calls:+; bpf() calls: $calls}"
	if [[ "$times" == *fail* ]]; then
		v=N/A note="an apply failed"
	elif [ "$got" != "$want" ]; then
		v=N/A note="the change did not take: d0000000 is '$got', the file says '$want'"
	fi
	[ "$HAVE_PERF" = 1 ] || note+="; bpf() calls not counted (perf cannot count syscalls here)"
	scale_row apply1 "$n" "$med s${ncalls:+, $ncalls bpf() calls}" "<= 0.1 s" "$v" "$note"
	nsx "$NS" "$MODWALL" unload --all >/dev/null 2>&1
}

PERF_CASE=100k
[ "$BENCH_1M" = 1 ] && PERF_CASE=1M
echo "modwall apply benchmark: $(nproc) CPUs, $RUNS runs per case"
bench vendors+10k "$TMP/vendors.mwp" 16383 10011
bench 10k "$TMP/dev10000.mwp" 16383 10000
bench 100k "$TMP/dev100000.mwp" 100100 100000
if [ "$BENCH_1M" = 1 ]; then
	bench 1M "$TMP/dev1000000.mwp" 1000100 1000000
	first_row 1000000 "$APPLY_MED"
	bench "10k on 1M maps" "$TMP/dev10000.mwp" 1000100 10000
	diff1 "1 of 1M" "$TMP/dev1000000.mwp" 1000100 1000000
else
	first_row 100000 "$APPLY_MED"
	echo "  (1M cases left out: BENCH_1M=0)"
	diff1 "1 of 100k" "$TMP/dev100000.mwp" 100100 100000
fi

echo
echo "modwall apply, wall clock seconds (median of $RUNS; 'apply 1st' gives every subject a new id)"
printf '%-16s %9s %9s %8s %8s %8s %8s %8s %8s %7s\n' case subjects entries max-dev load check \
	"apply1st" apply "apply-ck" "RSS MB"
for r in "${ROWS[@]}"; do
	echo "$r"
done
echo
echo "apply cost per subject (median apply / subjects):"
for p in "${PERC[@]}"; do
	set -- $p
	printf '  %-24s %8s us\n' "${*:1:$(($# - 1))}" "${!#}"
done
echo
echo "one device changed against the live policy (that device's policy, and back):"
for r in "${DIFF[@]}"; do
	echo "  $r"
done
if [ "${#CALLS[@]}" -gt 0 ]; then
	echo
	echo "bpf() calls of one apply, by command (again: same names as the live policy;"
	echo "first: onto a fresh load, every subject new):"
	for r in "${CALLS[@]}"; do
		echo "  $r"
	done
fi
if [ -s "$TMP/perf.top" ]; then
	echo
	echo "perf record of the $PERF_CASE apply, top symbols:"
	cat "$TMP/perf.top"
fi
