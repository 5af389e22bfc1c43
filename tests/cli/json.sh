#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The JSON contract of every command: with --json after the command's name
# and with -j before it, standard output is exactly one JSON value (an
# {"error": "..."} object when the command fails; one value per line for
# the streaming forms), and the exit status is 0 (ok), 1 (runtime failure)
# or 2 (bad usage or input).
# Usage: tests/cli/json.sh path/to/modwall
#
#   dev (02:00:00:00:20:02, 198.18.20.2) --veth-- gw (gw-c, 198.18.20.1)
#
# modwall runs on gw-c (generic XDP) with a policy dropping dev, so that
# events and capture have frames to show. Pins go to a private directory.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"
mw_init cli "$@"
PY=/usr/bin/python3

GW=${MW_PREFIX}-gw
DEV=${MW_PREFIX}-d
MAC_DEV=02:00:00:00:20:02
IMEI=356938035643809

# What standard output holds: "value" (one JSON value, not an error),
# "error" (one {"error": "non-empty string"} and nothing else), "ndjson N"
# (N lines, each one JSON value, none an error) or "empty".
cat > "$TMP/shape.py" <<'EOF'
import json, sys

want = sys.argv[1:]
text = sys.stdin.read()

def one(s):
    dec = json.JSONDecoder()
    s = s.strip()
    if not s:
        raise ValueError("no JSON value")
    v, end = dec.raw_decode(s)
    if s[end:].strip():
        raise ValueError("more after the first value: %r" % s[end:end + 60])
    return v

def is_error(v):
    return isinstance(v, dict) and "error" in v

try:
    if want[0] == "empty":
        if text:
            raise ValueError("output: %r" % text[:80])
    elif want[0] == "ndjson":
        lines = text.split("\n")
        if lines[-1] != "":
            raise ValueError("the last line has no newline")
        lines = lines[:-1]
        if len(lines) != int(want[1]):
            raise ValueError("%d lines, not %s" % (len(lines), want[1]))
        for l in lines:
            if is_error(one(l)):
                raise ValueError("an error line: %s" % l)
    else:
        v = one(text)
        if want[0] == "error":
            if not (isinstance(v, dict) and list(v) == ["error"] and
                    isinstance(v["error"], str) and v["error"]):
                raise ValueError("not {\"error\": \"...\"}: %s" % text[:120])
        elif is_error(v):
            raise ValueError("an error: %s" % text[:160])
except ValueError as e:
    print(e)
    sys.exit(0)
print("ok")
EOF

# run NAME RC SHAPE -- ARGS...: modwall ARGS in the gateway namespace
run() {
	local name=$1 want=$2 shape=$3 rc got
	shift 4
	# bounded: a command that should have failed at once may be serving
	nsx "$GW" timeout 30 "$MODWALL" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	# shellcheck disable=SC2086
	got=$($PY "$TMP/shape.py" $shape <"$TMP/out")
	if [ "$rc" != "$want" ]; then
		bad "$name" "exit $rc, expected $want; stderr: $(head -c 300 "$TMP/err")"
	elif [ "$got" != ok ]; then
		bad "$name" "stdout: $got"
	elif [ "$want" != 0 ] && ! [ -s "$TMP/err" ]; then
		bad "$name" "failed with nothing on stderr"
	else
		ok "$name"
	fi
}

# both RC SHAPE CMD ARGS...: `modwall CMD --json ARGS` and `modwall -j CMD ARGS`
both() {
	local want=$1 shape=$2 cmd=$3
	shift 3
	run "$cmd --json $*: exit $want, $shape" "$want" "$shape" -- "$cmd" --json "$@"
	run "-j $cmd $*: exit $want, $shape" "$want" "$shape" -- -j "$cmd" "$@"
}

mw_ns "$GW"
mw_ns "$DEV"
mw_link "$GW" gw-c 198.18.20.1 "$DEV" dev-c 198.18.20.2 "$MAC_DEV"

cat > "$TMP/ok.mwp" <<EOF
policy quarantine { drop flows }
device meter-c mac $MAC_DEV policy quarantine
device tracker imei $IMEI policy quarantine
EOF
printf 'policy broken { frobnicate }\n' > "$TMP/bad.mwp"
printf '35693803564380x,Nobody\n' > "$TMP/bad.tac"

# Before anything is loaded: runtime failures (exit 1).
both 1 error status
both 1 error stats
both 1 error show
both 1 error discovered
both 1 error names
both 1 error flows
both 1 error suggest meter-c
both 1 error events --stats

# The program itself and usage errors that reach no command.
run "-j alone: exit 2, error" 2 error -- -j
run "-j bogus: exit 2, error" 2 error -- -j bogus
run "bogus --json: exit 2, error" 2 error -- bogus --json
run "-j --bogus status: exit 2, error" 2 error -- -j --bogus status
run "-V --json: exit 0, value" 0 value -- -V --json

# load (twice: the second is an upgrade in place)
both 0 value load gw-c --mode generic
run "load -p: pretty output is one value" 0 value -- load gw-c --mode generic -p
both 2 error load
both 2 error load gw-c --role sideways
both 2 error load gw-c --max-devices 0
both 2 error load gw-c --event-rate 5/0
both 2 error load gw-c --bogus
both 2 error load nosuchif0 --mode generic

# status
both 0 value status
both 2 error status extra

# check and apply
both 0 value check "$TMP/ok.mwp"
both 2 error check "$TMP/bad.mwp"
both 2 error check
both 2 error check "$TMP/no-such.mwp"
both 2 error apply "$TMP/bad.mwp"
both 0 value apply "$TMP/ok.mwp"

# show
both 0 value show
both 2 error show --tac "$TMP/bad.tac"
both 2 error show extra

# stats (one report, and the streaming form: one value per line, even with -p)
both 0 value stats --all
both 0 value stats meter-c
both 2 error stats no-such-device
both 2 error stats --interval 0
both 2 error stats --count 2
both 0 "ndjson 2" stats --interval 0.2 --count 2
run "stats --interval -p: one value per line" 0 "ndjson 2" -- stats --interval 0.2 --count 2 -p

# flows (quarantine keeps them; dev sends its frames in the events step below)
both 0 value flows
both 0 value flows meter-c --top 3 --sort last --since 5m
both 0 value flows "$MAC_DEV" --sort packets
both 2 error flows no-such-device
both 2 error flows meter-c tracker
both 2 error flows --sort sideways
both 2 error flows --top 0
both 2 error flows --since 5y
both 2 error flows --since 0s
both 2 error flows --bogus

# vendors
both 0 value vendors Quectel
both 0 value vendors 00:1b:c5:00:00:00
both 2 error vendors
both 2 error vendors 00:11:22:33:44
both 1 error vendors zzqqxxnothing

# bind and unbind
both 0 value bind "$IMEI" 198.18.20.50
both 2 error bind "$IMEI"
both 2 error bind 12345 198.18.20.51
run "unbind --json: exit 0, value" 0 value -- unbind --json "$IMEI"
nsx "$GW" "$MODWALL" -q bind "$IMEI" 198.18.20.50 >/dev/null
run "-j unbind: exit 0, value" 0 value -- -j unbind "$IMEI"
both 1 error unbind "$IMEI"
both 2 error unbind

# mud
both 0 value mud import "$HERE/../unit/data/mud/meter.json"
both 0 value mud import -o "$TMP/meter.mwp" "$HERE/../unit/data/mud/meter.json"
both 2 error mud import "$HERE/../unit/data/mud/malformed.json"
both 0 value mud import "$HERE/../unit/data/mud/draft-container.json"
both 0 value mud import --lenient --local 192.168.0.0/16 "$HERE/../unit/data/mud/abstractions.json"
both 2 error mud import "$HERE/../unit/data/mud/abstractions.json"
both 2 error mud import --controller 10.0.0.0/8 "$HERE/../unit/data/mud/abstractions.json"
both 2 error mud import
both 2 error mud
both 2 error mud export

# names
both 0 value names
both 2 error names nosuchdevice
both 2 error names a b

# discovered
both 0 value discovered
both 2 error discovered --sort sideways
both 2 error discovered extra

# events and capture: frames from dev are dropped, so the ring has events
nsx "$DEV" ping -q -c 12 -i 0.05 -W 1 198.18.20.1 >/dev/null 2>&1
both 0 value events --stats
both 0 value flows meter-c
both 0 "ndjson 2" events --backlog --count 2

# suggest (meter-c's flows are all dropped: a drop policy; tracker sent nothing)
both 0 value suggest meter-c
both 0 value suggest meter-c --since 5m --name q-learned
both 0 value suggest meter-c --mud --mud-url https://mud.example/m.json
both 1 error suggest tracker
both 2 error suggest no-such-device
both 2 error suggest
both 2 error suggest meter-c tracker
both 2 error suggest meter-c --name drop
both 2 error suggest meter-c --mud-url https://mud.example/m.json
both 2 error suggest meter-c --since 0s
both 2 error suggest meter-c --bogus
both 2 error events --count 0
both 2 error events --rate fast
both 2 error events extra
both 0 value capture -w "$TMP/c.pcap" --backlog --count 1
both 2 error capture
both 2 error capture -w "$TMP/c.pcap" --snaplen 0
both 1 error capture -w "$TMP/no/such/dir/c.pcap" --count 1

# daemon: usage errors, and a run (no value while it serves; stopped by timeout)
both 2 error daemon --listen none --no-dns-learn
both 2 error daemon --listen none --ipfix nohost
both 2 error daemon --flow-idle-timeout 3
both 2 error daemon --max-series 0
both 2 error daemon --interval 1
both 2 error daemon extra
both 2 error daemon --policy "$TMP/bad.mwp"
run "daemon -p x: -p is --pretty, not --policy" 2 error -- daemon -p "$TMP/ok.mwp"
nsx "$GW" timeout --preserve-status -s TERM 2 "$MODWALL" daemon --json --listen 127.0.0.1:19715 \
	>"$TMP/out" 2>"$TMP/err"
rc=$?
got=$($PY "$TMP/shape.py" empty <"$TMP/out")
if [ "$rc" = 0 ] && [ "$got" = ok ]; then
	ok "daemon --json: serves until SIGTERM, exit 0, nothing on stdout"
else
	bad "daemon --json" "exit $rc, stdout: $got; stderr: $(head -c 300 "$TMP/err")"
fi

# unload (load again between the two forms)
both 2 error unload
both 1 error unload nosuchif0
run "unload --json: exit 0, value" 0 value -- unload --json gw-c --keep-state
nsx "$GW" "$MODWALL" -q load gw-c --mode generic >/dev/null
run "-j unload: exit 0, value" 0 value -- -j unload gw-c

# contradictory or impossible options are bad usage (exit 2), checked before anything is touched
run "load --fail-open --fail-closed: exit 2, error" 2 error -- -j load gw-c --fail-open --fail-closed
run "load --group nosuchgroup: exit 2, error" 2 error -- -j load gw-c --group mw-no-such-group

mw_done
