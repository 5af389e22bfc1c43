#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Policy language tests: run `modwall check` on every case and compare.
#
#   tests/policy/run.sh MODWALL_BINARY [CASE...]
#
# bad/NAME.mwp    must be rejected: exit status 2, and stderr exactly as in
#                 bad/NAME.err (paths as this script passes them, relative to
#                 the repository root: tests/policy/bad/NAME.mwp).
# good/NAME.mwp   must be accepted: exit status 0; when good/NAME.err exists,
#                 stderr (warnings) must match it too.
# policies/**.mwp the shipped examples: exit status 0.
#
# Beside a case, NAME.bindings is passed with --bindings, and NAME.ieee names
# (on its first line, relative to the repository root) the IEEE registry
# directory to use instead of the installed one (MODWALL_IEEE_DIR, default
# /usr/share/ieee-data). Files under bad/inc/ and good/inc/ are only included
# by cases, never run on their own.
#
# CASE arguments (e.g. bad/mac-short, good/ipv6) run only those cases.
# One PASS or FAIL line per case, then "N passed, N failed"; the exit status
# is 1 when any case failed.

set -u

if [ $# -lt 1 ]; then
	echo "usage: $0 MODWALL_BINARY [CASE...]" >&2
	exit 2
fi

bin=$1
shift
case $bin in
/*) ;;
*/*) bin=$PWD/$bin ;;
*) bin=$(command -v -- "$bin" || echo "$PWD/$bin") ;;
esac
if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then
	echo "$0: $bin: not an executable" >&2
	exit 2
fi

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root" || exit 2

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

# check reads runtime IMEI bindings from the pinned maps when modwall is
# loaded; point it at a pin directory that cannot exist so the results do
# not depend on the state of this machine.
export MODWALL_PIN_DIR=$tmp/no-pins
# country rules: no database, so what a case expects does not follow a download
export MODWALL_GEOIP_DB=/nonexistent/country.mmdb

tmo=
if command -v timeout >/dev/null 2>&1; then
	tmo="timeout 30"
fi

passed=0
failed=0

pass() {
	echo "PASS $1"
	passed=$((passed + 1))
}

fail() {
	echo "FAIL $1: $2"
	failed=$((failed + 1))
}

# run_check FILE: run check with the case's bindings and registry; sets rc,
# leaves stderr in $tmp/err.
run_check() {
	local file=$1 base=${1%.mwp}
	local args=(check "$file")
	local ieee=${MODWALL_IEEE_DIR-}

	if [ -f "$base.bindings" ]; then
		args+=(--bindings "$base.bindings")
	fi
	if [ -f "$base.ieee" ]; then
		ieee=$(head -n 1 "$base.ieee")
	fi
	# An empty MODWALL_IEEE_DIR means the default directory.
	MODWALL_IEEE_DIR=$ieee $tmo "$bin" "${args[@]}" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# Compare stderr with the expected file; print a diff when they differ.
same_stderr() {
	if diff -u --label "$1" --label "actual stderr" "$1" "$tmp/err" >"$tmp/diff"; then
		return 0
	fi
	sed 's/^/    /' "$tmp/diff"
	return 1
}

run_bad() {
	local name=$1 file=tests/policy/$1.mwp
	local expect=${file%.mwp}.err

	if [ ! -f "$expect" ]; then
		fail "$name" "no ${expect##*/}"
		return
	fi
	run_check "$file"
	if [ "$rc" -ne 2 ]; then
		fail "$name" "exit status $rc, expected 2"
		sed 's/^/    /' "$tmp/err"
		return
	fi
	if ! same_stderr "$expect"; then
		fail "$name" "stderr differs"
		return
	fi
	pass "$name"
}

run_good() {
	local name=$1 file=$2
	local expect=${file%.mwp}.err

	run_check "$file"
	if [ "$rc" -ne 0 ]; then
		fail "$name" "exit status $rc, expected 0"
		sed 's/^/    /' "$tmp/err"
		return
	fi
	if [ -f "$expect" ] && ! same_stderr "$expect"; then
		fail "$name" "stderr differs"
		return
	fi
	pass "$name"
}

wanted() {
	local c

	[ $# -eq 1 ] && return 0
	for c in "${@:2}"; do
		[ "$c" = "$1" ] && return 0
	done
	return 1
}

shopt -s nullglob

for f in tests/policy/bad/*.mwp; do
	name=bad/$(basename "$f" .mwp)
	wanted "$name" "$@" && run_bad "$name"
done
for f in tests/policy/good/*.mwp; do
	name=good/$(basename "$f" .mwp)
	wanted "$name" "$@" && run_good "$name" "$f"
done
while IFS= read -r f; do
	name=${f%.mwp}
	wanted "$name" "$@" && run_good "$name" "$f"
done < <(find policies -name '*.mwp' 2>/dev/null | LC_ALL=C sort)

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
