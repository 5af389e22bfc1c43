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
#include "state.h"
#include "tunnels.h"

struct mw_tunnel *mw_cli_tunnels(const struct mw_maps *m, uint32_t n)
{
	struct mw_tunnel *t = calloc(n ? n : 1, sizeof(*t));
	int rc;

	if (!t)
		return NULL;
	rc = mw_fold_tunnels(m->tunnels, m->ncpus, 0, n, t);
	if (rc) {
		free(t);
		errno = -rc;
		return NULL;
	}
	return t;
}

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

struct json_object *mw_tunnel_json(const struct mw_tunnel *t)
{
	struct json_object *o;
	char peer[INET6_ADDRSTRLEN];

	if (!t->frames)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "frames", json_object_new_int64((int64_t)t->frames));
	json_object_object_add(o, "peer", json_object_new_string(mw_tunnel_peer(t, peer,
										sizeof(peer))));
	json_object_object_add(o, "direction", json_object_new_string(mw_dir_name(t->dir)));
	json_object_object_add(o, "teid", json_object_new_int64(t->teid));
	json_object_object_add(o, "ifindex", json_object_new_int((int)t->ifindex));
	json_object_object_add(o, "seconds_ago", json_object_new_double(seen_ago(t)));
	return o;
}

const char *mw_tunnel_text(const struct mw_tunnel *t, char *buf, size_t len)
{
	char peer[INET6_ADDRSTRLEN];

	snprintf(buf, len, "%llu G-PDUs, last via %s (%s, TEID 0x%08x, %.0f s ago)",
		 (unsigned long long)t->frames, mw_tunnel_peer(t, peer, sizeof(peer)),
		 mw_dir_name(t->dir), t->teid, seen_ago(t));
	return buf;
}
