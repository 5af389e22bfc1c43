#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# How long one /metrics scrape of the daemon takes with many devices in
# the live policy, and how long a RADIUS accounting request waits when it
# arrives during a scrape. A benchmark: prints a table, never fails on
# time. Usage:
#
#	tests/bench/scrape.sh MODWALL
#
# Loads maps sized for DEVICES devices (default 1000000; generic XDP on a
# veth in a namespace), applies a policy of that many devices by MAC (as
# tests/bench/readout.sh writes them) and one IMEI device, starts
# `modwall daemon --listen --radius` and then, RUNS times each (default 5):
# a scrape alone (wall clock of the HTTP GET, the daemon's own
# modwall_scrape_duration_seconds and the size of the text), a radclient
# Accounting-Request alone (the daemon idle), and an Accounting-Request
# sent 50 ms into a scrape (its wall clock, and whether the scrape was
# still running when the answer came). MAX_SERIES sets --max-series
# (default: the daemon's); PERF=FILE records the daemon meanwhile
# (perf record -g).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib.sh"
if [ $# -ne 1 ]; then
	echo "usage: $0 MODWALL" >&2
	exit 2
fi
MODWALL=$(readlink -f "$1")
export MODWALL
export MODWALL_PIN_DIR=/sys/fs/bpf/modwall-bench-scrape-$$
TMP=$(mktemp -d)
DPID=
trap '[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID"; mw_cleanup; rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM
RUNS=${RUNS:-5}
DEVICES=${DEVICES:-1000000}
IMEI=356938035643809
IMEISV=3569380356438001

NS=${MW_PREFIX}-bscrape
DEV=${MW_PREFIX}-bscrape-dev
mw_ns "$NS"
mw_ns "$DEV"
mw_link "$NS" b0 198.18.9.1 "$DEV" b1 198.18.9.2 02:4d:00:00:00:06

{
	echo "device tracker imei $IMEI policy drop"
	mw_mac_devices "$DEVICES" "drop pass observe"
	echo "default pass"
} > "$TMP/policy.mwp"

if ! nsx "$NS" "$MODWALL" load b0 --mode generic --max-devices "$((DEVICES + 100))" >"$TMP/log" 2>&1 ||
   ! nsx "$NS" "$MODWALL" apply "$TMP/policy.mwp" >>"$TMP/log" 2>&1; then
	echo "scrape: load or apply failed:" >&2
	sed 's/^/    /' "$TMP/log" | tail -5 >&2
	exit 1
fi
send "$DEV" 198.18.9.1 5 >/dev/null

printf 'testing123\n' > "$TMP/secret"
chmod 600 "$TMP/secret"
PORT=$(mw_free_port udp)
ARGS=(--listen 127.0.0.1:0 --radius "127.0.0.1:$PORT" --radius-secret-file "$TMP/secret")
[ -n "${MAX_SERIES:-}" ] && ARGS+=(--max-series "$MAX_SERIES")
t0=$(date +%s.%N)
"$MODWALL" daemon "${ARGS[@]}" 2>"$TMP/daemon.log" &
DPID=$!
URL=
for _ in $(seq 1 1200); do
	URL=$(sed -n 's/^modwall: daemon: serving //p' "$TMP/daemon.log")
	[ -n "$URL" ] && break
	kill -0 "$DPID" 2>/dev/null || break
	sleep 0.1
done
if [ -z "$URL" ]; then
	echo "scrape: the daemon did not start:" >&2
	tail -5 "$TMP/daemon.log" >&2
	exit 1
fi
t1=$(date +%s.%N)

echo "modwall daemon /metrics: $DEVICES devices, $(nproc) CPUs, --max-series" \
	"${MAX_SERIES:-default}, $RUNS runs each; daemon up in" \
	"$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f s", b - a }')"
PERFPID=
if [ -n "${PERF:-}" ]; then
	perf record -q -F 499 -g -p "$DPID" -o "$PERF" 2>/dev/null &
	PERFPID=$!
fi
python3 - "$URL" "$PORT" "$TMP/secret" "$IMEISV" "$RUNS" <<'PY'
import statistics, subprocess, sys, threading, time, urllib.request

url, port, secret, imeisv, runs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])


def scrape(out):
    t = time.monotonic()
    body = urllib.request.urlopen(url, timeout=120).read()
    out["end"] = time.monotonic()
    now = time.time()
    out["wall"] = out["end"] - t
    out["size"] = len(body)
    for line in body.split(b"\n"):
        if line.startswith(b"modwall_scrape_duration_seconds "):
            out["own"] = float(line.split()[1])
        if line.startswith(b"modwall_last_reading_timestamp_seconds "):
            out["age"] = now - float(line.split()[1])


def acct(status):
    attrs = ('Acct-Status-Type = %s\n3GPP-IMEISV = "%s"\nFramed-IP-Address = 198.18.3.2\n'
             'Acct-Session-Id = "bench"\n' % (status, imeisv))
    t = time.monotonic()
    r = subprocess.run(["radclient", "-r", "1", "-t", "60", "-S", secret,
                        "127.0.0.1:" + port, "acct"], input=attrs.encode(),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    end = time.monotonic()
    return end - t, end, r.returncode == 0


med = statistics.median
walls, owns, ages, sizes, alone, during, inside, answered = [], [], [], [], [], [], 0, 0
for i in range(runs):
    dt, _, ok = acct("Start" if i % 2 == 0 else "Stop")
    alone.append(dt)
    answered += ok
for i in range(runs):
    o = {}
    scrape(o)
    walls.append(o["wall"])
    owns.append(o.get("own", float("nan")))
    ages.append(o.get("age", float("nan")))
    sizes.append(o["size"])
    time.sleep(o.get("own", 0) + 0.5)	# whatever reading is still being made
for i in range(runs):
    o = {}
    th = threading.Thread(target=scrape, args=(o,))
    th.start()
    time.sleep(0.05)
    dt, end, ok = acct("Start" if i % 2 == 0 else "Stop")
    th.join()
    during.append(dt)
    answered += ok
    inside += end < o["end"]
    time.sleep(o.get("own", 0) + 0.5)
print("%-44s %10s %10s" % ("", "median", "max"))
print("%-44s %10.3f %10.3f" % ("scrape, HTTP wall clock (s)", med(walls), max(walls)))
print("%-44s %10.3f %10.3f" % ("scrape, modwall_scrape_duration_seconds", med(owns), max(owns)))
print("%-44s %10.3f %10.3f" % ("scrape, age of the reading served (s)", med(ages), max(ages)))
print("%-44s %10.2f %10.2f" % ("scrape, text (MB)", med(sizes) / 1e6, max(sizes) / 1e6))
print("%-44s %10.3f %10.3f" % ("RADIUS request alone (s)", med(alone), max(alone)))
print("%-44s %10.3f %10.3f" % ("RADIUS request during a scrape (s)", med(during), max(during)))
print("RADIUS answers: %d of %d; answered before the scrape ended: %d of %d"
      % (answered, 2 * runs, inside, runs))
PY
if [ -n "$PERFPID" ]; then
	kill -INT "$PERFPID"
	wait "$PERFPID"
fi
