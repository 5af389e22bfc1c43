#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# modwall daemon: the Prometheus endpoint checked by promtool and scraped
# by a real Prometheus server, SIGHUP reloads (good and broken policy), the
# textfile output and the series cap. Usage: tests/daemon/run.sh MODWALL
#
#   dev-a (02:11:22:33:44:55, 198.18.1.2) --veth-- gw (gw-a, 198.18.1.1)
#   dev-q (34:87:3d:00:00:01, 198.18.2.2) --veth-- gw (gw-q, 198.18.2.1)
#
# dev-a is the tagged device meter-a; dev-q has a Quectel MAC, so the class
# "quectel" claims it and the discovery table lists it. The daemons run in
# the host namespace on loopback ports the kernel picks; pins go to a
# private directory.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib.sh"
mw_init daemon "$@"
mw_need curl promtool prometheus python3 radclient bpftool

GW=${MW_PREFIX}-gw
A=${MW_PREFIX}-a
Q=${MW_PREFIX}-q
MAC_A=02:11:22:33:44:55
MAC_Q=34:87:3d:00:00:01
SENT_A=40
SENT_Q=12
# MW_GEO_DB: the test country database (make daemontest), 198.18.0.0/16 in DE
GEO=()
[ -n "${MW_GEO_DB:-}" ] && [ -f "$MW_GEO_DB" ] && GEO=(--geoip-db "$MW_GEO_DB")

# start_daemon LOG ARGS...: run `modwall daemon ARGS` in the background;
# sets DPID and, when it serves HTTP, URL (read from its log); waits up to
# START_WAIT tenths of a second (default 50) for it
start_daemon() {
	local log=$1 i
	shift
	"$MODWALL" daemon "$@" 2>"$log" &
	DPID=$!
	MW_PIDS+=("$DPID")
	URL=
	for i in $(seq 1 "${START_WAIT:-50}"); do
		URL=$(sed -n 's/^modwall: daemon: serving //p' "$log")
		[ -n "$URL" ] && return 0
		grep -q "^modwall: daemon: writing" "$log" && return 0
		kill -0 "$DPID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# metric TEXT SELECTOR: value of the series whose name{labels} starts with SELECTOR
metric() {
	awk -v s="$2" 'index($0, s) == 1 { print $NF; exit }' <<<"$1"
}

# wait_for CMD...: retry CMD for up to 10 s
wait_for() {
	local _
	for _ in $(seq 1 100); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

show_action() {
	"$MODWALL" -j show | mw_jq '"\n".join(s["action"] for s in d["subjects"] if s["name"] == n)' n="$1"
}

setup() {
	mw_ns "$GW"
	mw_ns "$A"
	mw_ns "$Q"
	mw_link "$GW" gw-a 198.18.1.1 "$A" eth0 198.18.1.2 $MAC_A
	mw_link "$GW" gw-q 198.18.2.1 "$Q" eth0 198.18.2.2 $MAC_Q
	cat > "$TMP/site.mwp" <<-POL
	device meter-a mac $MAC_A policy drop
	class  quectel vendor "Quectel" policy observe
	default pass
	POL
	nsx "$GW" "$MODWALL" load gw-a --mode generic >/dev/null &&
		nsx "$GW" "$MODWALL" load gw-q --mode generic >/dev/null &&
		"$MODWALL" apply "$TMP/site.mwp" >/dev/null
	expect "setup: load two interfaces and apply" $? 0
}

# (a) the endpoint: promtool accepts it, and it says what the maps hold
test_endpoint() {
	local out code v6 fo fi
	start_daemon "$TMP/d1.log" --listen 127.0.0.1:0 --policy "$TMP/site.mwp" "${GEO[@]}"
	expect "daemon starts on a loopback port" $? 0
	D1=$DPID
	URL1=$URL
	BASE=${URL%/metrics}
	send "$A" 198.18.1.1 $SENT_A >/dev/null
	send "$Q" 198.18.2.1 $SENT_Q >/dev/null
	out=$(curl -sf "$URL")
	expect "GET /metrics" $? 0
	promtool check metrics <<<"$out" >"$TMP/promtool.out" 2>&1
	expect "promtool check metrics accepts /metrics" $? 0
	[ -s "$TMP/promtool.out" ] && sed 's/^/  promtool: /' "$TMP/promtool.out"
	expect "content type is the 0.0.4 text format" \
		"$(curl -s -o /dev/null -w '%{content_type}' "$URL")" "text/plain; version=0.0.4; charset=utf-8"
	expect "modwall_up is 1" "$(metric "$out" 'modwall_up ')" 1
	expect "meter-a drop counter == packets sent" \
		"$(metric "$out" 'modwall_device_packets_total{device="meter-a",kind="device",reason="drop"}')" $SENT_A
	expect "meter-a drop bytes == 40 x 98" \
		"$(metric "$out" 'modwall_device_bytes_total{device="meter-a",kind="device",reason="drop"}')" $((SENT_A * 98))
	expect "every reason is exported, zero or not" \
		"$(metric "$out" 'modwall_device_packets_total{device="meter-a",kind="device",reason="rate_limited"}')" 0
	# pings out (XDP) and the gateway's replies in (tc egress on gw-q)
	expect "class counters carry kind=class, both directions" \
		"$(metric "$out" 'modwall_device_packets_total{device="quectel",kind="class",reason="observe"}')" \
		$((SENT_Q * 2))
	# the observe policy keeps flows: pings out, replies in (tc egress), one remote
	fo=$(metric "$out" 'modwall_flow_packets{device="quectel",direction="out"}')
	fi=$(metric "$out" 'modwall_flow_packets{device="quectel",direction="in"}')
	expect "quectel's flows: out == pings sent" "$fo" $SENT_Q
	expect "quectel's flows: in == replies" "$fi" $SENT_Q
	expect "quectel's flows sum to its counters" "$((fo + fi))" \
		"$(metric "$out" 'modwall_device_packets_total{device="quectel",kind="class",reason="observe"}')"
	expect "quectel's busiest remote: bytes out == 12 x 98, no name learned" \
		"$(metric "$out" 'modwall_flow_remote_bytes{device="quectel",remote="198.18.2.1",name="",direction="out"}')" \
		$((SENT_Q * 98))
	if [ ${#GEO[@]} = 0 ]; then
		skip "quectel's bytes by country" "no test country database (MW_GEO_DB)"
	else
		grep -q "^modwall: daemon: countries from $MW_GEO_DB (modwall-Test-Country" "$TMP/d1.log"
		expect "the daemon's log names its country database" $? 0
		expect "quectel's bytes by country: 198.18.2.1 is DE, out == 12 x 98" \
			"$(metric "$out" 'modwall_flow_country_bytes{device="quectel",country="DE",direction="out"}')" \
			$((SENT_Q * 98))
		expect "quectel's bytes by country: in == 12 x 98" \
			"$(metric "$out" 'modwall_flow_country_bytes{device="quectel",country="DE",direction="in"}')" \
			$((SENT_Q * 98))
		expect "quectel: one country, two directions" \
			"$(grep -c '^modwall_flow_country_bytes{device="quectel"' <<<"$out")" 2
	fi
	expect "meter-a (drop, no flows statement) has no flow series" \
		"$(grep -c '^modwall_flow[a-z_]*{device="meter-a"' <<<"$out")" 0
	expect "flow table size exported" "$(metric "$out" 'modwall_flow_table_max ')" 65536
	expect "flow table never full here" "$(metric "$out" 'modwall_flow_table_full_total ')" 0
	expect "the unattributed subject is exported" \
		"$(metric "$out" 'modwall_device_packets_total{device="unattributed",kind="unattributed",reason="pass"}')" 0
	expect "interface counters by role" \
		"$(metric "$out" 'modwall_interface_packets_total{interface="gw-a",role="lan",reason="drop"}')" $SENT_A
	expect "discovered device counted under its registry vendor" \
		"$(metric "$out" 'modwall_discovered_devices{vendor="Quectel Wireless Solutions Co., Ltd.",class="quectel"}')" 1
	expect "policy applies counted" "$(metric "$out" 'modwall_policy_applies_total ')" 1
	expect "no reload yet" "$(metric "$out" 'modwall_reloads_total{result="ok"}')" 0
	expect "series limit not reached" "$(metric "$out" 'modwall_series_limit_reached ')" 0
	case "$(metric "$out" 'modwall_events_total{outcome="emitted"}')" in
	[0-9]*) ok "drop events exported" ;;
	*) bad "drop events exported" "no modwall_events_total" ;;
	esac
	code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/nope")
	expect "other paths are 404" "$code" 404
	curl -sf "$BASE/" | grep -q 'href="/metrics"'
	expect "/ is an index linking /metrics" $? 0
	code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL")
	expect "POST is 405" "$code" 405

	if ip -6 addr show dev lo 2>/dev/null | grep -q '::1/128'; then
		start_daemon "$TMP/d6.log" --listen '[::1]:0'
		v6=$URL
		curl -sfg "$v6" | grep -q '^modwall_up 1$'
		expect "serves on [::1]" $? 0
		kill "$DPID"
		wait "$DPID"
		expect "SIGTERM: exit status 0" $? 0
	fi
}

# (b) a real Prometheus server scrapes the daemon every second
prom_value() {
	curl -sfG "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode "query=$1" |
		mw_jq 'd["data"]["result"][0]["value"][1] if d["data"]["result"] else "none"'
}

prom_has() {
	[ "$(prom_value "$1")" = "$2" ]
}

test_prometheus() {
	local hostport=${URL1#http://} before
	hostport=${hostport%/metrics}
	PPORT=$(mw_free_port)
	cat > "$TMP/prometheus.yml" <<-YML
	global:
	  scrape_interval: 1s
	  scrape_timeout: 1s
	scrape_configs:
	  - job_name: modwall
	    static_configs:
	      - targets: ['$hostport']
	YML
	prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/tsdb" \
		--web.listen-address="127.0.0.1:$PPORT" --log.level=warn >"$TMP/prom.log" 2>&1 &
	MW_PIDS+=($!)
	wait_for curl -sf "http://127.0.0.1:$PPORT/-/ready" -o /dev/null
	expect "Prometheus ready" $? 0
	# the counter already holds (a)'s packets: wait until Prometheus has them too
	before=$(metric "$(curl -sf "$URL1")" \
		'modwall_device_packets_total{device="meter-a",kind="device",reason="drop"}')
	wait_for prom_has 'modwall_device_packets_total{device="meter-a",reason="drop"}' "$before"
	expect "Prometheus: first scrape has the counter as the daemon serves it" $? 0
	send "$A" 198.18.1.1 $SENT_A >/dev/null
	# two scrapes after the traffic: 2-3 s at a 1 s interval
	wait_for prom_has 'modwall_device_packets_total{device="meter-a",reason="drop"}' $((before + SENT_A))
	sleep 2.1
	expect "Prometheus: meter-a drops == packets sent ($before before, $SENT_A sent)" \
		"$(prom_value 'modwall_device_packets_total{device="meter-a",reason="drop"}')" \
		$((before + SENT_A))
	expect "Prometheus: target up" "$(prom_value 'up{job="modwall"}')" 1
	expect "Prometheus: discovered Quectel device" \
		"$(prom_value 'sum(modwall_discovered_devices{class="quectel"})')" 1
	# every query of the Grafana dashboard runs on the live server
	python3 - "$HERE/../../contrib/grafana-modwall.json" "$PPORT" <<-'PY'
	import json, sys, urllib.parse, urllib.request
	d = json.load(open(sys.argv[1]))
	exprs = [t["expr"] for p in d["panels"] for t in p.get("targets", [])]
	exprs += [a["expr"] for a in d["annotations"]["list"] if "expr" in a]
	bad = 0
	for e in exprs:
	    q = e.replace("$__rate_interval", "1m").replace("$instance", ".*")
	    url = "http://127.0.0.1:%s/api/v1/query?%s" % (sys.argv[2], urllib.parse.urlencode({"query": q}))
	    try:
	        r = json.load(urllib.request.urlopen(url, timeout=5))
	        ok = r.get("status") == "success"
	    except Exception as x:
	        ok, r = False, x
	    if not ok:
	        print("  dashboard query failed: %s: %s" % (q, r))
	        bad += 1
	sys.exit(1 if bad or not exprs else 0)
	PY
	expect "Grafana dashboard: every query runs on Prometheus" $? 0
	if [ $failed -gt 0 ]; then
		sed 's/^/  prometheus: /' "$TMP/prom.log" | tail -5
	fi
}

# (c) SIGHUP applies the policy file again; a broken one changes nothing
reloads() {
	metric "$(curl -sf "$URL1")" "modwall_reloads_total{result=\"$1\"}"
}

reloads_is() {
	[ "$(reloads "$1")" = "$2" ]
}

test_reload() {
	expect "live action before reload" "$(show_action meter-a)" drop
	sed -i 's/^device meter-a .*/device meter-a mac '$MAC_A' policy pass/' "$TMP/site.mwp"
	kill -HUP "$D1"
	wait_for reloads_is ok 1
	expect "SIGHUP with a changed policy: counted ok" "$(reloads ok)" 1
	expect "SIGHUP with a changed policy: live action changed" "$(show_action meter-a)" pass
	expect "SIGHUP: reply reaches meter-a now" "$(send "$A" 198.18.1.1 5)" 5
	grep -q "^modwall: daemon: applied $TMP/site.mwp: generation" "$TMP/d1.log"
	expect "SIGHUP: the result is logged" $? 0

	printf 'device meter-a mac %s policy nosuch\n' $MAC_A > "$TMP/site.mwp"
	kill -HUP "$D1"
	wait_for reloads_is error 1
	expect "SIGHUP with a broken policy: counted as error" "$(reloads error)" 1
	expect "SIGHUP with a broken policy: live action unchanged" "$(show_action meter-a)" pass
	expect "SIGHUP with a broken policy: last reload failed" \
		"$(metric "$(curl -sf "$URL1")" 'modwall_last_reload_successful ')" 0
	grep -q "^modwall: $TMP/site.mwp:1:[0-9]*: " "$TMP/d1.log"
	expect "SIGHUP with a broken policy: error logged with FILE:LINE:COL" $? 0
	kill -0 "$D1"
	expect "daemon still running" $? 0

	timeout 10 "$MODWALL" daemon --listen none --textfile "$TMP" --policy "$TMP/site.mwp" 2>"$TMP/d-bad.log"
	expect "a broken --policy at start: exit status 2" $? 2
}

# (d) the textfile collector output
test_textfile() {
	local m1 m2
	mkdir "$TMP/tf"
	start_daemon "$TMP/dt.log" --listen none --textfile "$TMP/tf" --interval 0.3
	expect "textfile daemon starts" $? 0
	wait_for test -s "$TMP/tf/modwall.prom"
	expect "textfile written" $? 0
	promtool check metrics <"$TMP/tf/modwall.prom" >"$TMP/promtool.out" 2>&1
	expect "promtool check metrics accepts the textfile" $? 0
	[ -s "$TMP/promtool.out" ] && sed 's/^/  promtool: /' "$TMP/promtool.out"
	grep -q '^modwall_up 1$' "$TMP/tf/modwall.prom"
	expect "textfile: modwall_up 1" $? 0
	m1=$(stat -c %Y.%y "$TMP/tf/modwall.prom")
	sleep 0.7
	m2=$(stat -c %Y.%y "$TMP/tf/modwall.prom")
	[ "$m1" != "$m2" ]
	expect "textfile rewritten every interval" $? 0
	kill "$DPID"
	wait "$DPID"
	expect "SIGTERM: textfile daemon exits 0" $? 0
	expect "no temporary files left behind" "$(ls -A "$TMP/tf")" modwall.prom
}

# the series cap leaves the quietest subjects out, whole
test_series_cap() {
	local out fixed
	# never left out (no --policy, so no reload series): 7 about the daemon,
	# 6 process_*, 4 policy, 3 events, 5 flow table, 2 interfaces x 7 reasons
	# x 2 = 53; then room for one subject (7 reasons x 2 series). Without
	# the DNS learner, whose modwall_dns_* series are never left out either.
	fixed=53
	start_daemon "$TMP/dc.log" --listen 127.0.0.1:0 --max-series $((fixed + 14)) --no-dns-learn
	out=$(curl -sf "$URL")
	promtool check metrics <<<"$out" >/dev/null 2>&1
	expect "capped output passes promtool" $? 0
	expect "series limit reached" "$(metric "$out" 'modwall_series_limit_reached ')" 1
	expect "busiest subject kept" \
		"$(metric "$out" 'modwall_device_packets_total{device="meter-a",kind="device",reason="drop"}')" \
		$((SENT_A * 2))
	expect "quieter subjects left out" "$(grep -c 'device="quectel"\|device="unattributed"' <<<"$out")" 0
	expect "series counted as dropped (2 subjects x 14, quectel's 6 flow series, 1 vendor row)" \
		"$(metric "$out" 'modwall_series_dropped_total ')" 35
	expect "series within the limit" "$(grep -vc '^#' <<<"$out")" $((fixed + 14))
	kill "$DPID"
	wait "$DPID"
}

# (e) the link watch looks at the interfaces once a second: no descriptor
# may stay behind (libxdp 1.3 left one per interface and look)
test_fd_flat() {
	local pid a b
	mkdir -p "$TMP/tfd"
	nsenter --net=/run/netns/"$GW" "$MODWALL" daemon --listen none --textfile "$TMP/tfd" \
		--interval 86400 2>"$TMP/dfd.log" &
	pid=$!
	MW_PIDS+=("$pid")
	wait_for test -s "$TMP/tfd/modwall.prom"
	sleep 2
	a=$(mw_fd_count "$pid")
	sleep 6		# six link-watch ticks over two watched interfaces
	b=$(mw_fd_count "$pid")
	expect "descriptors after 6 link-watch ticks == before ($a)" "$b" "$a"
	kill "$pid"
	wait "$pid"
}

# (f) slow and many HTTP clients do not starve a scrape
test_http_load() {
	local out
	start_daemon "$TMP/dl.log" --listen 127.0.0.1:0
	out=$(/usr/bin/python3 "$HERE/http_load.py" slow "$URL" 40 8)
	expect "40 slow clients: a scrape is still answered within 2 s ($out)" $? 0
	out=$(/usr/bin/python3 "$HERE/http_load.py" burst "$URL" 200)
	expect "200 concurrent scrapes all answered ($out)" $? 0
	kill -0 "$DPID"
	expect "daemon still running after the load" $? 0
	kill "$DPID"
	wait "$DPID"
}

# (g) a reload stuck reading a FIFO include does not stop /metrics
test_slow_reload() {
	local t0 out code
	cat > "$TMP/slow.mwp" <<-POL
	device meter-a mac $MAC_A policy pass
	default pass
	POL
	start_daemon "$TMP/ds.log" --listen 127.0.0.1:0 --policy "$TMP/slow.mwp"
	expect "daemon with a policy starts" $? 0
	mkfifo "$TMP/inc.fifo"
	echo 'include "inc.fifo"' >> "$TMP/slow.mwp"
	kill -HUP "$DPID"
	sleep 0.5
	t0=$(date +%s.%N)
	out=$(curl -sf --max-time 2 "$URL")
	code=$?
	expect "a scrape during a reload that reads a FIFO: answered in $(echo "$(date +%s.%N) - $t0" | bc) s" \
		"$code/$(metric "$out" 'modwall_up ')" 0/1
	# whether the reload waits on the FIFO or refused it, let it finish
	exec 9<>"$TMP/inc.fifo"
	echo '# nothing' >&9
	exec 9>&-
	wait_for grep -q "^modwall: daemon: \(applied\|reload of\)" "$TMP/ds.log"
	expect "the reload finishes once the FIFO has a writer" $? 0
	kill "$DPID"
	wait "$DPID"
	expect "daemon exits 0 after the slow reload" $? 0
}

# between LO X HI: LO <= X <= HI, as decimals
between() { awk -v l="$1" -v x="$2" -v h="$3" 'BEGIN { exit !(x != "" && l <= x && x <= h) }'; }

# (h) the daemon's own health: process_* and the reading and reload times,
# each checked against what /proc says about the daemon at the same moment
test_health() {
	local soft hard out t0 t1 fds n rss page cpu0 cpu1 start btime hz ts good
	soft=$(ulimit -Sn)
	hard=$(ulimit -Hn)
	printf 'device meter-a mac %s policy pass\ndefault pass\n' $MAC_A > "$TMP/health.mwp"
	# a low soft limit, as a shell gives: the daemon raises it to the hard one
	ulimit -Sn 1024
	start_daemon "$TMP/dh.log" --listen 127.0.0.1:0 --policy "$TMP/health.mwp"
	expect "health: daemon starts under a soft fd limit of 1024" $? 0
	ulimit -Sn "$soft"
	if [ "$hard" = unlimited ]; then
		grep -q "^modwall: daemon: open file limit raised from 1024 to unlimited" "$TMP/dh.log"
	else
		grep -q "^modwall: daemon: open file limit raised from 1024 to $hard (the hard limit)$" \
			"$TMP/dh.log"
	fi
	expect "health: the fd limit raise is logged (1024 -> $hard)" $? 0
	page=$(getconf PAGESIZE)
	hz=$(getconf CLK_TCK)
	cpu0=$(awk '{ print ($14 + $15) / '"$hz"' }' "/proc/$DPID/stat")
	t0=$(date +%s.%N)
	out=$(curl -sf "$URL")
	t1=$(date +%s.%N)
	fds=$(ls "/proc/$DPID/fd" | wc -l)
	rss=$(awk -v p="$page" '{ print $2 * p }' "/proc/$DPID/statm")
	cpu1=$(awk '{ print ($14 + $15) / '"$hz"' }' "/proc/$DPID/stat")
	promtool check metrics <<<"$out" >"$TMP/promtool.out" 2>&1
	expect "health: promtool accepts the output with process_*" $? 0
	n=$(metric "$out" 'process_open_fds ')
	between $((fds - 2)) "$n" $((fds + 2))
	expect "health: process_open_fds ($n) == entries of /proc/PID/fd ($fds) +-2" $? 0
	if [ "$hard" = unlimited ]; then hard=0; fi
	expect "health: process_max_fds == the hard limit" "$(metric "$out" 'process_max_fds ')" "$hard"
	n=$(metric "$out" 'process_resident_memory_bytes ')
	between $((rss - 1048576)) "$n" $((rss + 1048576))
	expect "health: process_resident_memory_bytes ($n) == statm's resident ($rss) +-1 MiB" $? 0
	n=$(metric "$out" 'process_virtual_memory_bytes ')
	between "$rss" "$n" 1e15
	expect "health: process_virtual_memory_bytes ($n) >= resident" $? 0
	n=$(metric "$out" 'process_cpu_seconds_total ')
	between "$cpu0" "$n" "$cpu1"
	expect "health: process_cpu_seconds_total ($n) within /proc/PID/stat's $cpu0..$cpu1" $? 0
	btime=$(awk '$1 == "btime" { print $2 }' /proc/stat)
	start=$(awk -v b="$btime" -v hz="$hz" '{ sub(/.*\) /, ""); printf "%.2f\n", b + $20 / hz }' \
		"/proc/$DPID/stat")
	expect "health: process_start_time_seconds == btime + starttime" \
		"$(metric "$out" 'process_start_time_seconds ')" "$start"
	n=$(metric "$out" 'modwall_last_reading_timestamp_seconds ')
	between "$(echo "$t0 - 0.001" | bc)" "$n" "$t1"
	expect "health: last reading time ($n) within the scrape ($t0..$t1)" $? 0
	expect "health: no reload yet: success time 0" \
		"$(metric "$out" 'modwall_last_reload_success_timestamp_seconds ')" 0.000

	# good reload: 1 and a time; broken: 0, the time kept; good again: 1, later
	t0=$(date +%s.%N)
	kill -HUP "$DPID"
	wait_for grep -q "^modwall: daemon: applied $TMP/health.mwp" "$TMP/dh.log"
	t1=$(date +%s.%N)
	out=$(curl -sf "$URL")
	expect "health: after a good reload: last reload successful 1" \
		"$(metric "$out" 'modwall_last_reload_successful ')" 1
	good=$(metric "$out" 'modwall_last_reload_success_timestamp_seconds ')
	between "$(echo "$t0 - 0.001" | bc)" "$good" "$t1"
	expect "health: reload success time ($good) within the SIGHUP ($t0..$t1)" $? 0
	cp "$TMP/health.mwp" "$TMP/health.good"
	echo 'device broken mac zz policy pass' >> "$TMP/health.mwp"
	kill -HUP "$DPID"
	wait_for grep -q "^modwall: daemon: reload of $TMP/health.mwp failed" "$TMP/dh.log"
	out=$(curl -sf "$URL")
	expect "health: after a broken reload: last reload successful 0" \
		"$(metric "$out" 'modwall_last_reload_successful ')" 0
	expect "health: after a broken reload: success time unchanged" \
		"$(metric "$out" 'modwall_last_reload_success_timestamp_seconds ')" "$good"
	cp "$TMP/health.good" "$TMP/health.mwp"
	sleep 0.01
	kill -HUP "$DPID"
	wait_for reload_count_is "$URL" ok 2
	out=$(curl -sf "$URL")
	expect "health: good again: last reload successful 1" \
		"$(metric "$out" 'modwall_last_reload_successful ')" 1
	ts=$(metric "$out" 'modwall_last_reload_success_timestamp_seconds ')
	awk -v a="$good" -v b="$ts" 'BEGIN { exit !(b > a) }'
	expect "health: good again: success time later ($ts > $good)" $? 0
	expect "health: reloads counted: ok 2, error 1" \
		"$(metric "$out" 'modwall_reloads_total{result="ok"}')/$(metric "$out" 'modwall_reloads_total{result="error"}')" 2/1
	kill "$DPID"
	wait "$DPID"
}

# reload_count_is URL RESULT N
reload_count_is() {
	[ "$(metric "$(curl -sf "$1")" "modwall_reloads_total{result=\"$2\"}")" = "$3" ]
}

# (i) --radius-secret-file: bad input exits 2, a file this process cannot read 1
test_secret_file() {
	local rc
	mkdir -p "$TMP/sec"
	chmod 755 "$TMP" "$TMP/sec"
	printf 'testing123testing\n' > "$TMP/sec/secret"
	chmod 600 "$TMP/sec/secret"
	timeout 10 "$MODWALL" daemon --listen 127.0.0.1:0 --radius 127.0.0.1:0 \
		--radius-secret-file "$TMP/sec" 2>"$TMP/sec.log"
	expect "--radius-secret-file DIR: exit status 2" $? 2
	grep -q "secret file $TMP/sec: a directory" "$TMP/sec.log"
	expect "--radius-secret-file DIR: the error names it" $? 0
	timeout 10 "$MODWALL" daemon --listen 127.0.0.1:0 --radius 127.0.0.1:0 \
		--radius-secret-file "$TMP/sec/nope" 2>"$TMP/sec.log"
	expect "--radius-secret-file MISSING: exit status 2" $? 2
	grep -q "secret file $TMP/sec/nope: No such file or directory" "$TMP/sec.log"
	expect "--radius-secret-file MISSING: the error names it" $? 0
	# the file is fine; this process may not read it (root's, mode 600)
	timeout 10 setpriv --reuid=65534 --regid=65534 --clear-groups "$MODWALL" daemon \
		--listen 127.0.0.1:0 --radius 127.0.0.1:0 --radius-secret-file "$TMP/sec/secret" \
		2>"$TMP/sec.log"
	rc=$?
	expect "--radius-secret-file unreadable by the daemon's user: exit status 1" $rc 1
	grep -q "secret file $TMP/sec/secret: Permission denied" "$TMP/sec.log"
	expect "--radius-secret-file unreadable: the error says why" $? 0
	chmod 700 "$TMP"
}

# (j) 200 slow clients and 1,000 concurrent scrapes: another client's scrape
# is still answered within 1 s (a requirement), and every scrape is answered
test_http_storm() {
	local out
	start_daemon "$TMP/dst.log" --listen 127.0.0.1:0
	out=$(timeout 120 /usr/bin/python3 "$HERE/http_load.py" storm "$URL" 200 1000)
	expect "storm: $out" $? 0
	kill -0 "$DPID"
	expect "storm: daemon still running" $? 0
	kill "$DPID"
	wait "$DPID"
	expect "storm: daemon exits 0 afterwards" $? 0
}

# (k) `modwall unload IFACE` while the daemon watches it: logged as
# unloaded, never as an interface that is gone
test_unload_watched() {
	local pid
	mkdir -p "$TMP/tun"
	nsenter --net=/run/netns/"$GW" "$MODWALL" daemon --listen none --textfile "$TMP/tun" \
		--interval 86400 2>"$TMP/dun.log" &
	pid=$!
	MW_PIDS+=("$pid")
	wait_for test -s "$TMP/tun/modwall.prom"
	sleep 1.5	# the watch has looked at both interfaces
	nsx "$GW" "$MODWALL" unload gw-q
	expect "unload gw-q while the daemon runs" $? 0
	wait_for grep -q "^modwall: linkwatch: gw-q was unloaded" "$TMP/dun.log"
	expect "the daemon logs gw-q as unloaded" $? 0
	sleep 2		# two more ticks: a late 'gone' would show now
	grep -q "gw-q is gone\|gw-q (ifindex [0-9]*) is there" "$TMP/dun.log"
	expect "the daemon does not call gw-q gone" $? 1
	grep -q "gw-a" "$TMP/dun.log"
	expect "gw-a, still loaded, is not mentioned" $? 1
	kill "$pid"
	wait "$pid"
	expect "daemon exits 0 after the unload" $? 0
	if [ $failed -gt 0 ]; then
		sed 's/^/  daemon: /' "$TMP/dun.log" | tail -8
	fi
}

# (l) RADIUS beside scrapes of a large state: Accounting-Requests sent while
# a scraper reads BIG_DEVICES devices back to back are all answered (the
# loop that answers RADIUS never makes a reading) and their bindings stored
BIG_DEVICES=${BIG_DEVICES:-500000}
BIG_PINS=/sys/fs/bpf/modwall-daemon-big-$$
BIG_IMEI=(356938035650002 356938035650010 356938035650028 356938035650036 356938035650044)

big_cleanup() {
	if [ -d "$BIG_PINS" ]; then
		MODWALL_PIN_DIR=$BIG_PINS "$MODWALL" unload --all >/dev/null 2>&1
		rm -rf "$BIG_PINS"
	fi
}

# big_binds: "IMEI ADDRESS/LEN SOURCE" of every binding in the large state, sorted
big_binds() {
	bpftool -j map dump pinned "$BIG_PINS/mw_binds" | /usr/bin/python3 -c '
import json, socket, struct, sys
out = []
for e in json.load(sys.stdin):
    k = bytes(int(x, 16) for x in e["key"])
    v = bytes(int(x, 16) for x in e["value"])
    imei, fam, plen = struct.unpack_from("<QBB", k)
    if fam == 2:
        src = {0: "cli", 1: "radius"}.get(struct.unpack_from("<I", v, 8)[0], "?")
        out.append("%014d %s/%d %s" % (imei, socket.inet_ntop(socket.AF_INET, k[16:20]), plen, src))
print("\n".join(sorted(out)))'
}

test_radius_during_scrapes() {
	local ns=${MW_PREFIX}-big dev=${MW_PREFIX}-bigd pins_was=$MODWALL_PIN_DIR port spid i
	local answered=0 want="" n up
	mw_atexit big_cleanup
	mw_ns "$ns"
	mw_ns "$dev"
	mw_link "$ns" big0 198.18.20.1 "$dev" eth0 198.18.20.2 02:4d:ff:00:00:01
	{
		for i in "${!BIG_IMEI[@]}"; do
			echo "device tracker-$i imei ${BIG_IMEI[$i]} policy drop"
		done
		awk -v n="$BIG_DEVICES" 'BEGIN {
			for (i = 0; i < n; i++)
				printf "device d%07d mac 02:4d:%02x:%02x:%02x:%02x policy pass\n", i,
					int(i / 16777216) % 256, int(i / 65536) % 256,
					int(i / 256) % 256, i % 256
		}'
		echo "default pass"
	} > "$TMP/big.mwp"
	MODWALL_PIN_DIR=$BIG_PINS
	nsx "$ns" "$MODWALL" load big0 --mode generic --max-devices $((BIG_DEVICES + 100)) \
		>/dev/null && "$MODWALL" apply "$TMP/big.mwp" >/dev/null
	expect "large state: $BIG_DEVICES devices applied" $? 0
	printf 'testing123\n' > "$TMP/big.secret"
	chmod 600 "$TMP/big.secret"
	port=$(mw_free_port udp)
	START_WAIT=600 start_daemon "$TMP/dbig.log" --listen 127.0.0.1:0 --no-dns-learn \
		--radius "127.0.0.1:$port" --radius-secret-file "$TMP/big.secret"
	expect "large state: daemon with RADIUS starts" $? 0
	MODWALL_PIN_DIR=$pins_was
	# scrapes back to back until told to stop: one is always under way
	/usr/bin/python3 - "$URL" "$TMP/big.stop" "$TMP/big.progress" >"$TMP/big.scrapes" <<-'PY' &
	import os, sys, urllib.request
	n = up = 0
	while not n or not os.path.exists(sys.argv[2]):
	    body = urllib.request.urlopen(sys.argv[1], timeout=120).read()
	    n += 1
	    up += b"\nmodwall_up 1\n" in body
	    with open(sys.argv[3], "w") as f:
	        f.write("%d\n" % n)
	print(n, up)
	PY
	spid=$!
	MW_PIDS+=("$spid")
	wait_for test -s "$TMP/big.progress"	# the scraper is in its loop
	for i in "${!BIG_IMEI[@]}"; do
		printf '%s\n' "Acct-Status-Type = Start" "3GPP-IMEISV = \"${BIG_IMEI[$i]:0:14}01\"" \
			"Framed-IP-Address = 198.18.21.$((i + 1))" "Acct-Session-Id = \"big-$i\"" |
			radclient -r 1 -t 1 -S "$TMP/big.secret" "127.0.0.1:$port" acct \
			>>"$TMP/big.radclient" 2>&1 && answered=$((answered + 1))
		want+="${BIG_IMEI[$i]:0:14} 198.18.21.$((i + 1))/32 radius"$'\n'
	done
	touch "$TMP/big.stop"
	wait "$spid"
	read -r n up < "$TMP/big.scrapes"
	expect "large state: ${#BIG_IMEI[@]} Accounting-Requests sent during scrapes, all answered" \
		"$answered" "${#BIG_IMEI[@]}"
	expect "large state: their bindings stored, source radius" "$(big_binds)" "${want%$'\n'}"
	[ -n "$n" ] && [ "$n" -ge 1 ] && [ "$n" = "$up" ]
	expect "large state: every scrape meanwhile complete (${n:-0} scrapes)" $? 0
	kill "$DPID"
	wait "$DPID"
	expect "large state: daemon exits 0" $? 0
	big_cleanup
	if [ $failed -gt 0 ]; then
		sed 's/^/  daemon: /' "$TMP/dbig.log" | tail -5
		sed 's/^/  radclient: /' "$TMP/big.radclient" | tail -5
	fi
}

setup
test_endpoint
test_prometheus
test_reload
test_textfile
test_series_cap
test_fd_flat
test_http_load
test_slow_reload
test_health
test_secret_file
test_http_storm
test_unload_watched
test_radius_during_scrapes
mw_done
