# shellcheck shell=bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# make bench's table of scale goals (issue "Scale"), sourced by the bench
# scripts. Each measurement appends one line to the file $SCALE_ROWS names:
#
#	SCALE|KEY|VALUE|GOAL|VERDICT|NOTE
#
# VERDICT is MET, MISSED or N/A (then NOTE says why); xdpbench writes the
# same lines (scale_row() in xdpbench.c). run.sh prints them at the end with
# scale_table, in the order of SCALE_KEYS, every key once: a key nobody
# wrote prints N/A. Without SCALE_ROWS nothing is written.

# KEY|MEASURE|GOAL: the rows, in order (GOAL for a row nobody wrote)
SCALE_KEYS=(
	"mem|map memory, 1M devices + whole registry, 64 CPUs|<= 512 MiB"
	"rotate|1M devices, every frame another (driver out), vs reference|<= 2x"
	"tagged|tagged device, warm, vs bare XDP_DROP + counter|<= 1.5x"
	"vendor|vendor class + discovery, vs xdp-filter all features|<= 0.6x"
	"unknown|unknown device, vs bare|<= 1.6x"
	"live|live frames, drop job, vs bare drop|>= 0.8x"
	"apply1st|first apply of 1M devices|<= 2 s"
	"apply1|apply, 1 device differs from the live 1M|<= 0.1 s"
	"status|status, 1M devices|<= 0.1 s"
	"discovered|discovered, 1M devices|<= 0.1 s"
	"stats|stats, 1M devices|<= 1 s, RSS <= 256 MB"
	"show|show, 1M devices|<= 3 s, RSS <= 256 MB"
	"scrape|one /metrics scrape, 1M devices|<= 1 s"
	"radius|RADIUS request sent during that scrape|<= 0.1 s"
)

# scale_row KEY NDEV VALUE GOAL VERDICT [NOTE]: write one row. NDEV: the
# devices loaded when the goal is for 1M (0 when it is not); at another
# count the verdict becomes N/A and the note says what it would have been.
scale_row() {
	local key=$1 n=$2 value=$3 goal=$4 verdict=$5 note=${6:-}
	[ -n "${SCALE_ROWS:-}" ] || return 0
	if [ "$n" != 0 ] && [ "$n" != 1000000 ] && [ "$verdict" != N/A ]; then
		note="at $n devices, not 1M (would be $verdict)${note:+; $note}"
		verdict=N/A
	fi
	printf 'SCALE|%s|%s|%s|%s|%s\n' "$key" "$value" "$goal" "$verdict" "${note//|//}" >>"$SCALE_ROWS"
}

# scale_le VALUE LIMIT...: MET when VALUE <= LIMIT, for each VALUE LIMIT
# pair given; MISSED when any is over; N/A when any VALUE is not a number
scale_le() {
	awk 'BEGIN {
		v = "MET"
		for (i = 1; i < ARGC; i += 2) {
			if (ARGV[i] !~ /^[0-9.]+$/) { v = "N/A"; break }
			if (ARGV[i] + 0 > ARGV[i + 1] + 0) v = "MISSED"
		}
		print v
	}' "$@"
}

# scale_table FILE: the table, one row per key of SCALE_KEYS (the last one
# written for it), notes under their row
scale_table() {
	local file=$1 spec key measure goal line value g verdict note
	printf '%-58s %-30s %-22s %s\n' measure measured goal verdict
	for spec in "${SCALE_KEYS[@]}"; do
		IFS='|' read -r key measure goal <<<"$spec"
		line=$(grep "^SCALE|$key|" "$file" 2>/dev/null | tail -1)
		if [ -z "$line" ]; then
			value=N/A g=$goal verdict=N/A
			note="nothing measured it (its section did not run or failed; see above)"
		else
			IFS='|' read -r _ _ value g verdict note <<<"$line"
		fi
		printf '%-58s %-30s %-22s %s\n' "$measure" "$value" "$g" "$verdict"
		[ -n "$note" ] && printf '    %s\n' "$note"
	done
	return 0
}
