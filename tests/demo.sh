#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# modwall demo: a gateway namespace with five devices behind it, modwall
# on the gateway's device-facing links, policies/demo.mwp applied, traffic
# from every device, then what modwall saw. Everything is removed at exit.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/tests/lib.sh"
mw_init demo "$@"
# A fixed pin directory and namespace names, so the state can be looked at
# while the demo runs; a previous demo's pins are removed first. Both can be
# overridden to run the demo beside another modwall (or another demo):
#   DEMO_PIN_DIR=/sys/fs/bpf/demo2 DEMO_PREFIX=demo2 make demo
export MODWALL_PIN_DIR=${DEMO_PIN_DIR:-/sys/fs/bpf/modwall-demo}
P=${DEMO_PREFIX:-mwdemo}
case $P in
*[!a-zA-Z0-9_]* | ????????????*) echo "DEMO_PREFIX: up to 11 letters, digits or _" >&2; exit 2 ;;
esac
if [ -e "$MODWALL_PIN_DIR" ]; then
	"$MODWALL" unload --all >/dev/null 2>&1
	rm -rf "$MODWALL_PIN_DIR"
fi

GW=$P-gw
if [ -t 1 ]; then B=$'\033[1m' N=$'\033[0m'; else B= N=; fi
say() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
run() { printf '$ %s\n' "$*"; "$@"; }

#          namespace       gw-if   gw address   device address  MAC
DEVICES=("$P-meter     gw-m    198.18.1.1   198.18.1.2      02:11:22:33:44:55"
	 "$P-camera    gw-c    198.18.2.1   198.18.2.2      02:11:22:33:44:66"
	 "$P-tracker   gw-t    198.18.3.1   198.18.3.2      02:11:22:33:44:77"
	 "$P-module    gw-q    198.18.4.1   198.18.4.2      34:87:3d:00:00:42"
	 "$P-laptop    gw-l    198.18.5.1   198.18.5.2      02:aa:bb:cc:dd:ee")

say "Network: a gateway and five devices (namespaces joined by veth)"
mw_ns $GW
for d in "${DEVICES[@]}"; do
	set -- $d
	mw_ns "$1"
	mw_link $GW "$2" "$3" "$1" eth0 "$4" "$5"
	printf '  %-16s %-12s %s  -> gateway %s (%s)\n' "${1#$P-}" "$4" "$5" "$2" "$3"
done

say "Load modwall on the gateway's device-facing links"
for d in "${DEVICES[@]}"; do
	set -- $d
	run nsenter --net=/run/netns/$GW "$MODWALL" load "$2" --role lan --mode generic || exit 1
done

say "Before any policy: fail-open, everything passes and is counted as no_policy"
nsx $P-meter ping -q -n -c 5 -i 0.01 -W 0.2 198.18.1.1 | sed -n 's/^/  meter: /; /transmitted/p'

say "Check, then apply the policy"
run "$MODWALL" check "$ROOT/policies/demo.mwp" --bindings "$ROOT/policies/demo.bindings" || exit 1
run "$MODWALL" apply "$ROOT/policies/demo.mwp" --bindings "$ROOT/policies/demo.bindings" || exit 1
run "$MODWALL" show

say "Traffic: 50 pings from every device to its gateway"
for d in "${DEVICES[@]}"; do
	set -- $d
	printf '  %-8s ' "${1#$P-}"
	nsx "$1" ping -q -n -c 50 -i 0.005 -W 0.2 "$3" | sed -n 's/, time.*//p'
done

say "What modwall saw"
run "$MODWALL" status
echo
run "$MODWALL" stats

say "Bind another address to the tracker at run time: enforced at once"
run "$MODWALL" bind 356938035643809 198.18.3.3
nsx $P-tracker ip addr add 198.18.3.3/24 dev eth0
printf '  tracker from 198.18.3.3: '
nsx $P-tracker ping -q -n -c 10 -i 0.01 -W 0.2 -I 198.18.3.3 198.18.3.1 | sed -n 's/, time.*//p'
run "$MODWALL" stats tracker-3

say "Upgrade in place: load again keeps counters and enforcement"
run nsenter --net=/run/netns/$GW "$MODWALL" load gw-m --mode generic
run "$MODWALL" stats meter-17

say "Unload: detach everything, remove pins"
run "$MODWALL" unload --all
echo
echo "Demo done; namespaces are removed on exit."
