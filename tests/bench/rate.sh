#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# make bench: rate-limit accuracy. Offers frames from a rate-limited device
# through BPF_PROG_TEST_RUN at a known load (1 and 2 CPUs, packet and bit
# rates, paced and batched) and prints measured against expected passes.
# Usage: tests/bench/rate.sh [RATE_ACCURACY] [options for it]
# (default build/tests/rate_accuracy; options: -t SECONDS -x OVERLOAD
# -e PERCENT -c CPUS). Prints the table; like every benchmark it does not
# fail on numbers, only when the measurement cannot run.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${1:-$ROOT/build/tests/rate_accuracy}
[ $# -gt 0 ] && shift

if [ ! -x "$BIN" ]; then
	echo "rate.sh: $BIN is not built" >&2
	exit 1
fi

echo "== rate-limit accuracy (GCRA bucket, BPF_PROG_TEST_RUN) =="
"$BIN" "$@"
rc=$?
# 0: every row within tolerance; 1: some row outside it (shown in the table)
if [ $rc -gt 1 ]; then
	echo "rate.sh: $BIN failed to run (exit $rc)" >&2
	exit 1
fi
exit 0
