// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The link watch's netlink plumbing: the NETLINK_ROUTE sockets, reading
 * link and neighbour notifications into work for the two halves, opening
 * and closing the watch.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/rtnetlink.h>
#include <netlink/netlink.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/socket.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>
#include "linkwatch.h"
#include "linkwatch_int.h"

#define SETERR(...) do { if (err) snprintf(err, errlen, __VA_ARGS__); } while (0)

/* ---- notifications ---- */

static void on_link(struct mw_linkwatch *w, struct rtnl_link *l)
{
	const char *name = rtnl_link_get_name(l);
	uint32_t idx = (uint32_t)rtnl_link_get_ifindex(l);
	int i;

	if (rtnl_link_get_family(l) != AF_UNSPEC)
		return;		/* bridge port and other per-family messages */
	for (i = 0; i < w->nifs; i++) {
		struct mw_lw_iface *t = &w->ifs[i];

		if ((name && !strcmp(name, t->name)) || (idx && idx == t->ifindex)) {
			t->dirty = 1;
			w->links_dirty = 1;
		}
	}
}

static void on_neigh(struct mw_linkwatch *w, struct rtnl_neigh *n)
{
	struct mw_lw_nev ev;

	if (!w->wan && !w->nnb)
		return;
	if (neigh_event(n, w->msgtype == RTM_DELNEIGH, &ev))
		return;
	if (w->nev == MAX_EVENTS) {
		w->need_resync = 1;
		return;
	}
	if (w->nev == w->capev) {
		size_t cap = w->capev ? w->capev * 2 : 64;
		struct mw_lw_nev *p = realloc(w->ev, cap * sizeof(*p));

		if (!p) {
			w->need_resync = 1;
			return;
		}
		w->ev = p;
		w->capev = cap;
	}
	w->ev[w->nev++] = ev;
}

static void on_obj(struct nl_object *obj, void *arg)
{
	struct mw_linkwatch *w = arg;
	const char *type = nl_object_get_type(obj);

	if (!type)
		return;
	if (!strcmp(type, "route/link"))
		on_link(w, (struct rtnl_link *)obj);
	else if (!strcmp(type, "route/neigh"))
		on_neigh(w, (struct rtnl_neigh *)obj);
}

static int on_msg(struct nl_msg *msg, void *arg)
{
	struct mw_linkwatch *w = arg;

	w->msgtype = nlmsg_hdr(msg)->nlmsg_type;
	nl_msg_parse(msg, on_obj, w);
	return NL_OK;
}

void drain(struct mw_linkwatch *w)
{
	struct pollfd p = { .fd = w->fd, .events = POLLIN };
	int n, rc, i;

	for (n = 0; n < MAX_RECV && poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLERR)); n++) {
		rc = nl_recvmsgs_default(w->sk);
		if (rc >= 0 || rc == -NLE_AGAIN)
			continue;
		if (rc == -NLE_NOMEM || rc == -NLE_MSG_OVERFLOW) {
			/* the kernel dropped notifications: look at everything again */
			w->overruns++;
			w->need_resync = 1;
			w->nev = 0;
			for (i = 0; i < w->nifs; i++)
				w->ifs[i].dirty = 1;
			w->links_dirty = 1;
			continue;
		}
		lwlog("reading notifications: %s", nl_geterror(rc));
		break;
	}
}

int mw_linkwatch_open(struct mw_linkwatch *w, const char *pin_dir, char *err, size_t errlen)
{
	int rc, sz = RCVBUF;

	memset(w, 0, sizeof(*w));
	w->fd = -1;
	if (strlen(pin_dir) >= sizeof(w->pin_dir)) {
		SETERR("pin directory %s: name too long", pin_dir);
		return -ENAMETOOLONG;
	}
	snprintf(w->pin_dir, sizeof(w->pin_dir), "%s", pin_dir);
	w->sk = nl_socket_alloc();
	w->dump = nl_socket_alloc();
	if (!w->sk || !w->dump) {
		SETERR("netlink: out of memory");
		rc = -ENOMEM;
		goto fail;
	}
	nl_socket_disable_seq_check(w->sk);
	nl_socket_modify_cb(w->sk, NL_CB_VALID, NL_CB_CUSTOM, on_msg, w);
	rc = nl_connect(w->sk, NETLINK_ROUTE);
	if (!rc)
		rc = nl_socket_add_memberships(w->sk, RTNLGRP_LINK, RTNLGRP_NEIGH, 0);
	if (!rc)
		rc = nl_socket_set_nonblocking(w->sk);
	if (!rc)
		rc = nl_connect(w->dump, NETLINK_ROUTE);
	if (rc) {
		SETERR("netlink: %s", nl_geterror(rc));
		rc = -EIO;
		goto fail;
	}
	w->fd = nl_socket_get_fd(w->sk);
	/* bursts (an interface with many neighbours going) must not overrun it */
	if (setsockopt(w->fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		nl_socket_set_buffer_size(w->sk, RCVBUF, 0);

	/* subscribed first: nothing that happens from here on is missed */
	tick(w);
	w->need_resync = 1;
	neigh_process(w);
	links_process(w);
	gauges(w);
	return w->fd;
fail:
	nl_socket_free(w->sk);
	nl_socket_free(w->dump);
	w->sk = w->dump = NULL;
	return rc;
}

void mw_linkwatch_close(struct mw_linkwatch *w)
{
	struct session s;
	int rc = 1, tries;

	/* what was written here leaves with the watch: nobody would keep it current */
	for (tries = 0; w->nnb && tries < 50; tries++) {
		rc = session_begin(w, &s);
		if (rc != -EAGAIN)
			break;
		usleep(100000);
	}
	if (!rc) {
		while (w->nnb)
			nb_remove(w, &s, &w->nb[w->nnb - 1], "the watch stops");
		session_end(&s);
	} else if (w->nnb && rc == -EAGAIN) {
		lwlog("%zu address(es) stay in the live policy until the next apply: %s",
		      w->nnb, strerror(-rc));
	}
	if (w->sk)
		nl_socket_free(w->sk);
	if (w->dump)
		nl_socket_free(w->dump);
	free(w->nb);
	free(w->ev);
	memset(w, 0, sizeof(*w));
	w->fd = -1;
}
