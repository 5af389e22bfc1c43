#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# How long the read-out commands take, and how much memory, with many
# devices in the live policy; then one /metrics scrape of the daemon and a
# RADIUS accounting request answered while that scrape is made. A
# benchmark: prints tables, never fails on time. Usage:
#
#	tests/bench/readout.sh MODWALL [OTHER_MODWALL]
#
# Loads maps sized for DEVICES devices (default 1000000; generic XDP on a
# veth in a namespace), applies a policy of that many devices by MAC (as
# tests/bench/apply.sh writes them) plus two vendor classes and a
# rate-limited policy, an allow-list, IMEI devices bound to addresses and
# a TAC table, and fills the discovery table (frames from DISCOVER random
# MACs of the class quectel, default 100000, trafgen; the table keeps
# 65536). Then runs status, discovered, show, show -j, stats, stats -j and
# stats --all -j with each binary given, RUNS times each (default 3):
# median wall clock and the largest maximum RSS (tests/bench/timerss.py).
# With two binaries, their outputs of every command are compared byte for
# byte. PRETTY=1 adds show -p, show --tac and stats --all -p; KEEP=DIR
# keeps the outputs there (out.COMMAND.BINARY).
#
# The daemon part (SCRAPE=0 leaves it out): `MODWALL daemon` on loopback
# with --radius and its default --max-series; RUNS scrapes with curl (wall
# clock, the daemon's own modwall_scrape_duration_seconds, and whether
# the reading was made for that scrape), radclient's time for one
# Accounting-Request with the daemon idle, and RUNS more sent while a
# scrape is being made. With SCALE_ROWS=FILE, the rows of make bench's
# table of scale goals (scalerow.sh) go there, from the first binary.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/bench/scalerow.sh"
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
DPID=
trap 'stop_daemon; mw_cleanup; rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM
RUNS=${RUNS:-3}
DEVICES=${DEVICES:-1000000}
DISCOVER=${DISCOVER:-100000}
SCRAPE=${SCRAPE:-1}
TIMERSS=(/usr/bin/python3 "$ROOT/tests/bench/timerss.py")

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
	mw_mac_devices "$DEVICES" "drop pass observe slow"
	echo "default pass"
} > "$TMP/policy.mwp"

if ! nsx "$NS" "$MODWALL" load b0 --mode generic --max-devices "$((DEVICES + 100))" >"$TMP/log" 2>&1 ||
   ! nsx "$NS" "$MODWALL" apply "$TMP/policy.mwp" >>"$TMP/log" 2>&1; then
	echo "readout: load or apply failed:" >&2
	sed 's/^/    /' "$TMP/log" | tail -5 >&2
	for k in status discovered stats show scrape radius; do
		scale_row "$k" "$DEVICES" N/A - N/A "loading or applying the $DEVICES-device policy failed"
	done
	exit 1
fi

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
largest() { tr ' ' '\n' | grep . | sort -g | tail -1; }

nsx "$NS" "$MODWALL" bind 356938035643809 198.18.3.2 fd00::3:2 198.18.64.0/20 >/dev/null
send "$DEV" 198.18.9.1 5 >/dev/null

# The discovery table filled: frames from DISCOVER random MACs of Quectel's
# 34:87:3d (class quectel, observe) to an address nobody has
DISC="left empty"
if [ "$DISCOVER" -le 0 ]; then
	DISC="left empty (DISCOVER=0)"
elif ! command -v trafgen >/dev/null; then
	DISC="left empty (trafgen is not installed; Debian: netsniff-ng)"
else
	cat > "$TMP/tg.cfg" <<-CFG
	{
	  $(mw_mac_bytes "$(mw_mac "$NS" b0)"),
	  0x34, 0x87, 0x3d, drnd(), drnd(), drnd(),
	  c16(0x0800),
	  0x45, 0x00, c16(46), c16(0), 0x40, 0x00, 64, 17, csumip(14, 33),
	  198, 18, 9, 2, 198, 18, 99, 1,
	  c16(40000), c16(9), c16(26), c16(0),
	  fill(0x78, 18)
	}
	CFG
	# from $TMP: trafgen writes a temporary file beside its configuration
	if (cd "$TMP" && nsx "$DEV" trafgen --no-sock-mem -Q -C -P 1 --dev b1 --conf tg.cfg \
		-n "$DISCOVER") >"$TMP/tg.out" 2>&1; then
		DISC="$("$MODWALL" discovered 2>/dev/null | tail -1) (frames from $DISCOVER random Quectel MACs)"
	else
		DISC="left empty (trafgen failed: $(tail -1 "$TMP/tg.out"))"
	fi
fi

printf '35693803,Some Maker "quoted"\n' > "$TMP/tac.csv"
CMDS=("status" "discovered" "show" "show -j" "stats" "stats -j" "stats --all -j")
[ "${PRETTY:-0}" = 1 ] && CMDS+=("show -p" "show -j --tac $TMP/tac.csv" "stats --all -p")
echo "modwall status/discovered/show/stats: $DEVICES devices, $(nproc) CPUs, $RUNS runs per command"
echo "discovery table: $DISC"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other load makes numbers noisy)"
printf '%-16s' command
for b in "${!BINS[@]}"; do
	printf ' %10s %8s %8s' "bin$b s" "RSS MB" "out MB"
done
echo
declare -A MED RSS FAIL
for c in "${!CMDS[@]}"; do
	printf '%-16s' "${CMDS[$c]}"
	for b in "${!BINS[@]}"; do
		times="" rss=0
		for i in $(seq 1 "$RUNS"); do
			if ! nsx "$NS" "${TIMERSS[@]}" "$TMP/time" ${BINS[$b]} ${CMDS[$c]} \
				>"$TMP/out.$c.$b" 2>"$TMP/err"; then
				times+="fail "
				FAIL[$c.$b]=$(head -1 "$TMP/err")
				continue
			fi
			read -r t m < "$TMP/time"
			times+="$t "
			[ "$m" -gt "$rss" ] && rss=$m
		done
		MED[$c.$b]=$(echo "$times" | median | awk '{ printf($1 ~ /^[0-9.]+$/ ? "%.3f" : "%s", $1) }')
		RSS[$c.$b]=$(awk -v k="$rss" 'BEGIN { printf "%.0f", k / 1024 }')
		printf ' %10s %8s %8s' "${MED[$c.$b]}" "${RSS[$c.$b]}" \
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

# the scale goals' rows of the first binary: KEY COMMAND SECONDS [RSS_MB]
for g in "status status 0.1" "discovered discovered 0.1" "stats stats 1 256" "show show 3 256"; do
	read -r key cmd limit mb <<<"$g"
	for c in "${!CMDS[@]}"; do
		[ "${CMDS[$c]}" = "$cmd" ] || continue
		goal="<= $limit s${mb:+, RSS <= $mb MB}"
		if [ -n "${FAIL[$c.0]:-}" ]; then
			scale_row "$key" "$DEVICES" N/A "$goal" N/A "a run failed: ${FAIL[$c.0]}"
			continue
		fi
		note="median of $RUNS, largest RSS"
		[ "$key" = discovered ] && note+="; discovery table: $DISC"
		scale_row "$key" "$DEVICES" "${MED[$c.0]} s, ${RSS[$c.0]} MB" "$goal" \
			"$(scale_le "${MED[$c.0]}" "$limit" ${mb:+"${RSS[$c.0]}" "$mb"})" "$note"
	done
done

# ---- the daemon: a /metrics scrape, and RADIUS during it ----

stop_daemon() {
	if [ -n "$DPID" ]; then
		kill "$DPID" 2>/dev/null
		wait "$DPID" 2>/dev/null
	fi
	DPID=
}

# acct: one Accounting-Request for tracker-1 (an Interim-Update: its
# address bound again); radclient's exit status
acct() {
	printf '%s\n' "Acct-Status-Type = Interim-Update" '3GPP-IMEISV = "3569380356438001"' \
		"Framed-IP-Address = 198.18.3.2" 'Acct-Session-Id = "bench"' |
		radclient -r 1 -t 30 -S "$TMP/secret" "127.0.0.1:$PORT" acct >>"$TMP/radclient.log" 2>&1
}

# idle: until the daemon's poll loop (its main thread) sleeps and its CPU
# time stays put for 0.2 s, 60 s at most: a reading that outlasts its
# scrape must not spill into the next measure
idle() {
	local i a b
	for i in $(seq 1 300); do
		# state, utime + stime (the comm field has no spaces: modwalld)
		a=$(awk '{ print $3, $14 + $15 }' "/proc/$DPID/stat" 2>/dev/null)
		sleep 0.2
		b=$(awk '{ print $3, $14 + $15 }' "/proc/$DPID/stat" 2>/dev/null)
		[ "${a%% *}" = S ] && [ "$a" = "$b" ] && return 0
	done
	return 1
}

# secs A B: B - A, seconds to the millisecond
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# scrape OUT: one scrape to OUT; prints "START SECONDS" (curl's time_total)
scrape() {
	local t0
	t0=$(date +%s.%N)
	curl -sf -o "$1" -w "$t0 %{time_total}\n" "$URL"
}

# series OUT NAME: the value of a series without labels
series() { awk -v n="$2" '$1 == n { print $2; exit }' "$1"; }

daemon_bench() {
	local i t0 t own1 ts stale=0 scr="" own="" nser alone="" during="" worst="" ownm
	local t1 t2 start tot into overlap=0 miss=0 delay rc_idle sm lines=""
	if ! command -v curl >/dev/null || ! command -v radclient >/dev/null; then
		echo "daemon: N/A: needs curl and radclient (Debian: curl, freeradius-utils)"
		scale_row scrape "$DEVICES" N/A "<= 1 s" N/A "curl or radclient is not installed"
		scale_row radius "$DEVICES" N/A "<= 0.1 s" N/A "curl or radclient is not installed"
		return
	fi
	printf 'testing123\n' > "$TMP/secret"
	chmod 600 "$TMP/secret"
	PORT=$(mw_free_port udp)
	"$MODWALL" daemon --listen 127.0.0.1:0 --radius "127.0.0.1:$PORT" \
		--radius-secret-file "$TMP/secret" 2>"$TMP/daemon.log" &
	DPID=$!
	URL=
	for i in $(seq 1 600); do
		URL=$(sed -n 's/^modwall: daemon: serving //p' "$TMP/daemon.log")
		[ -n "$URL" ] && ss -Hlun "sport = :$PORT" | grep -q . && break
		URL=
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.05
	done
	if [ -z "$URL" ]; then
		echo "daemon: N/A: it did not start: $(tail -1 "$TMP/daemon.log")"
		scale_row scrape "$DEVICES" N/A "<= 1 s" N/A "the daemon did not start"
		scale_row radius "$DEVICES" N/A "<= 0.1 s" N/A "the daemon did not start"
		stop_daemon
		return
	fi
	idle
	scrape "$TMP/metrics" >/dev/null	# the first, not counted
	for i in $(seq 1 "$RUNS"); do
		idle
		if ! scrape "$TMP/metrics" > "$TMP/s"; then
			scr+="fail "
			continue
		fi
		read -r t0 t < "$TMP/s"
		own1=$(series "$TMP/metrics" modwall_scrape_duration_seconds)
		ts=$(series "$TMP/metrics" modwall_last_reading_timestamp_seconds)
		# a reading made for this scrape began after the scrape asked (ms stamps)
		awk -v s="$ts" -v t="$t0" 'BEGIN { exit !(s + 0.002 >= t) }' || stale=$((stale + 1))
		scr+="$(printf '%.3f' "$t") " own+="$(printf '%.3f' "${own1:-0}") "
	done
	nser=$(grep -vc '^#' "$TMP/metrics")
	sm=$(echo "$scr" | median)
	ownm=$(echo "$own" | median)
	for i in $(seq 1 "$RUNS"); do
		idle
		t1=$(date +%s.%N)
		acct || alone+="fail "
		t2=$(date +%s.%N)
		alone+="$(secs "$t1" "$t2") "
	done
	rc_idle=$(echo "$alone" | median)
	# radclient starts (about rc_idle) and sends its request half-way into a scrape
	delay=$(awk -v s="$sm" -v r="$rc_idle" 'BEGIN { d = s / 2 - r; printf "%.3f", (d > 0.005 ? d : 0.005) }')
	for i in $(seq 1 "$RUNS"); do
		idle
		scrape "$TMP/metrics.$i" > "$TMP/during.$i" &
		local cpid=$!
		sleep "$delay"
		t1=$(date +%s.%N)
		acct || during+="fail "
		t2=$(date +%s.%N)
		wait "$cpid"
		read -r start tot < "$TMP/during.$i"
		t=$(secs "$t1" "$t2")
		# sent (estimated: radclient's idle time after it started) before the
		# scrape's end, or before the end of the reading it asked for when
		# the scrape got an older one (the daemon's median reading time)
		into=$(awk -v s="$start" -v a="$t1" -v r="$rc_idle" 'BEGIN { printf "%.3f", a + r - s }')
		if awk -v x="$into" -v tot="${tot:-0}" -v own="$ownm" \
			'BEGIN { exit !(x < tot || x < own) }'; then
			during+="$t "
			overlap=$((overlap + 1))
		else
			miss=$((miss + 1))
		fi
		lines+="    radclient $t s, sent about $into s into a scrape of $(printf '%.3f' "${tot:-0}") s"$'\n'
	done
	stop_daemon
	worst=$(echo "$during" | largest)

	echo
	echo "modwall daemon with $DEVICES devices: /metrics (curl; --max-series default) and RADIUS"
	echo "  scrape: median $sm s (runs: $scr), the daemon's own reading: median $ownm s (runs: $own)"
	echo "  $nser series in the last scrape; readings older than their scrape: $stale of $RUNS"
	echo "  radclient, one Accounting-Request, daemon idle: median $rc_idle s (runs: $alone)"
	echo "  radclient, sent while a scrape is made ($RUNS tries, each after $delay s):"
	printf '%s' "$lines"

	local v note="curl, median of $RUNS; $nser series (--max-series default)"
	if [[ "$scr" == *fail* ]]; then
		v=N/A note="a scrape failed"
	elif [ "$stale" -gt 0 ]; then
		v=MISSED note+="; $stale of $RUNS scrapes got an older reading (the daemon took over 1 s)"
	else
		v=$(scale_le "$sm" 1)
	fi
	scale_row scrape "$DEVICES" "$sm s (reading $ownm s)" "<= 1 s" "$v" "$note"
	if [[ "$alone$during" == *fail* ]]; then
		scale_row radius "$DEVICES" N/A "<= 0.1 s" N/A "radclient got no answer: $(tail -1 "$TMP/radclient.log")"
	elif [ "$overlap" = 0 ]; then
		scale_row radius "$DEVICES" N/A "<= 0.1 s" N/A \
			"no request went out before its scrape ended (scrape $sm s, radclient alone $rc_idle s)"
	else
		scale_row radius "$DEVICES" "$worst s (idle $rc_idle s)" "<= 0.1 s" \
			"$(scale_le "$worst" 0.1)" \
			"radclient's wall clock, the slowest of $overlap sent during a scrape$([ "$miss" -gt 0 ] &&
				echo " ($miss sent too late left out)")"
	fi
}

if [ "$SCRAPE" = 1 ]; then
	daemon_bench
fi
