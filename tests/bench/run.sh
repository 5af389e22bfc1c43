#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# make bench: in-kernel cost per frame, measured with `bpftool prog run`
# (BPF_PROG_TEST_RUN) beside a bare XDP_DROP anchor, interleaved, medians
# of 5 runs. Prints tables; never fails on time.
set -u
MODWALL=$(readlink -f "${1:?usage: run.sh MODWALL}")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib.sh"
export MODWALL
export MODWALL_PIN_DIR=/sys/fs/bpf/modwall-bench-$$
TMP=$(mktemp -d)
BARE_PIN=/sys/fs/bpf/modwall-bench-bare-$$
trap 'rm -f "$BARE_PIN"; mw_cleanup; rm -rf "$TMP"' EXIT
REPEAT=${REPEAT:-2000000}
RUNS=${RUNS:-5}

clang -O2 -g -target bpf -I/usr/include/"$(gcc -dumpmachine)" \
	-c "$ROOT/tests/bench/bare_drop.bpf.c" -o "$TMP/bare.o" || exit 1
/usr/bin/python3 "$ROOT/tests/bench/frames.py" "$TMP" || exit 1

NS=${MW_PREFIX}-bench
mw_ns "$NS"
nsx "$NS" ip link add b0 type veth peer name b1
nsx "$NS" ip link set b0 up
nsx "$NS" ip link set b1 up
nsx "$NS" "$MODWALL" load b0 --mode generic >/dev/null || exit 1
cat > "$TMP/bench.mwp" <<POL
device meter   mac 02:11:22:33:44:55 policy drop
device cam     mac 02:11:22:33:44:66 policy pass
device tracker imei 356938035643809  policy drop
class quectel vendor "Quectel" policy observe
default pass
POL
echo "356938035643809 198.18.3.2" > "$TMP/bench.bindings"
"$MODWALL" -q apply "$TMP/bench.mwp" --bindings "$TMP/bench.bindings" >/dev/null || exit 1
PROG=$("$MODWALL" -j status | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["interfaces"][0]["prog_id"])')
bpftool prog load "$TMP/bare.o" "$BARE_PIN" || exit 1

# ns FILE PROGSPEC...: average ns/frame reported by the kernel for one run
ns() {
	local f=$1
	shift
	bpftool prog run "$@" data_in "$f" repeat "$REPEAT" 2>&1 |
		sed -n 's/.*duration (average): \([0-9]*\)ns.*/\1/p'
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

declare -A R
CASES="tagged passdev vendor ipbound unknown"
for i in $(seq 1 "$RUNS"); do
	R[bare]+="$(ns "$TMP/tagged.bin" pinned "$BARE_PIN") "
	for c in $CASES; do
		R[$c]+="$(ns "$TMP/$c.bin" id "$PROG") "
	done
done

bare=$(echo "${R[bare]}" | median)
printf '\nIn-kernel cost per frame (BPF_PROG_TEST_RUN, repeat %s, median of %s interleaved runs)\n' \
	"$REPEAT" "$RUNS"
printf '%-44s %8s %10s   %s\n' "program / frame" "ns/pkt" "vs bare" "runs"
printf '%-44s %8s %10s   %s\n' "bare XDP_DROP + per-CPU counter" "$bare" "1.00x" "${R[bare]}"
label() {
	case $1 in
	tagged) echo "modwall: tagged device by MAC (drop)" ;;
	passdev) echo "modwall: tagged device by MAC (pass)" ;;
	vendor) echo "modwall: vendor class /24 (observe)" ;;
	ipbound) echo "modwall: IMEI device by bound IPv4 (drop)" ;;
	unknown) echo "modwall: unknown device (default pass)" ;;
	esac
}
for c in $CASES; do
	m=$(echo "${R[$c]}" | median)
	printf '%-44s %8s %9sx   %s\n' "$(label "$c")" "$m" \
		"$(awk -v a="$m" -v b="$bare" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')" "${R[$c]}"
done
echo
echo "Note: one frame per case, so caches are warm; see the scale table (later) for"
echo "distinct frames. xdp over veth is not used for these numbers."
