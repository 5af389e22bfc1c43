// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Devices seen inside GTP-U tunnels (n3 interfaces): the mw_tunnels cells
 * as stats and show print them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include "cli.h"
#include "jsonw.h"
#include "state.h"
#include "tunnels.h"

const char *mw_tunnel_peer(const struct mw_tunnel *t, char *buf, size_t len)
{
	if (!inet_ntop(t->family == AF_INET6 ? AF_INET6 : AF_INET, t->peer, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

/* Seconds since the last G-PDU: seen_ns is CLOCK_MONOTONIC (coarse). */
static double seen_ago(const struct mw_tunnel *t)
{
	struct timespec now;
	double d;

	clock_gettime(CLOCK_MONOTONIC, &now);
	d = (double)now.tv_sec + (double)now.tv_nsec / 1e9 - (double)t->seen_ns / 1e9;
	return d < 0 ? 0 : d;
}

void mw_tunnel_jw(struct mw_jw *w, const struct mw_tunnel *t)
{
	char peer[INET6_ADDRSTRLEN];

	mw_jw_object(w);
	mw_jw_kint(w, "frames", (int64_t)t->frames);
	mw_jw_kstr(w, "peer", mw_tunnel_peer(t, peer, sizeof(peer)));
	mw_jw_kstr(w, "direction", mw_dir_name(t->dir));
	mw_jw_kint(w, "teid", t->teid);
	mw_jw_kint(w, "ifindex", (int)t->ifindex);
	mw_jw_kdouble(w, "seconds_ago", seen_ago(t));
	mw_jw_end(w);
}

const char *mw_tunnel_text(const struct mw_tunnel *t, char *buf, size_t len)
{
	char peer[INET6_ADDRSTRLEN];

	snprintf(buf, len, "%llu G-PDUs, last via %s (%s, TEID 0x%08x, %.0f s ago)",
		 (unsigned long long)t->frames, mw_tunnel_peer(t, peer, sizeof(peer)),
		 mw_dir_name(t->dir), t->teid, seen_ago(t));
	return buf;
}
