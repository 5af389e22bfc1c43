#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# What `make test` runs again on Debian 12's stock kernel (6.1), inside the
# VM of tests/vm/run.sh: the data path's packet, table and enforcement tests
# (the verifier of an older kernel must accept the program and it must
# behave the same), and the libxdp coexistence test, which needs a kernel
# that runs libxdp's dispatcher.
# Usage: tests/vm/run.sh tests/vm/suite.sh path/to/modwall
set -u
MODWALL=${1:?usage: suite.sh MODWALL}
BUILD=$(dirname "$MODWALL")
echo "kernel $(uname -r)"
passed=0
failed=0
run() {
	echo "==== $*"
	if "$@"; then
		passed=$((passed + 1))
	else
		echo "FAIL suite $* (exit $?)"
		failed=$((failed + 1))
	fi
}
for t in test_pkt test_tables test_registry test_gtp test_flows test_enforce; do
	run "$BUILD/tests/$t"
done
run tests/coexist/run.sh "$MODWALL"
echo "$passed passed, $failed failed (suites on $(uname -r))"
[ $failed -eq 0 ]
