// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Name caches, formatters and the ring buffer reader of discovered, events, capture. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "apply.h"
#include "cli.h"
#include "ring.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* No SA_RESTART: a signal ends the ring buffer's epoll_wait with EINTR. */
static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);	/* a closed output is seen as a write error */
}

int names_load(struct names *n)
{
	if (!n->tab) {
		n->tab = calloc(n->m->max_subjects, sizeof(*n->tab));
		if (!n->tab)
			return -ENOMEM;
	}
	n->seq = n->m->ctlm->seq;
	n->read_mono = mw_mono_ns();
	return mw_read_subjects(n->m, n->tab);
}

const char *names_get(struct names *n, uint32_t id)
{
	if (id >= n->m->max_subjects)
		return NULL;
	if (n->seq != n->m->ctlm->seq ||
	    (n->tab[id].kind == MW_KIND_FREE && mw_mono_ns() - n->read_mono > 1000000000ull))
		names_load(n);
	if (n->tab[id].kind == MW_KIND_FREE)
		return NULL;
	return n->tab[id].name;
}


const char *ifn_get(struct ifn *c, uint32_t ifindex)
{
	const char *s = mw_ifnames_find(&c->t, ifindex);
	uint64_t now;

	if (s)
		return s;
	now = mw_mono_ns();
	if (now - c->read_mono < 1000000000ull)
		return NULL;
	c->read_mono = now;
	if (mw_ifnames_load(c->m, &c->t))
		return NULL;
	return mw_ifnames_find(&c->t, ifindex);
}

const char *addr_str(int family, const uint8_t *a, char *buf, size_t len)
{
	if (family != AF_INET && family != AF_INET6)
		return NULL;
	return inet_ntop(family, a, buf, (socklen_t)len);
}

void mac_str(const uint8_t *b, char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
}

struct json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

void add_u64(struct json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_int64((int64_t)v));
}


static int ring_cb(void *ctx, void *data, size_t size)
{
	struct reader *r = ctx;
	const struct mw_event *e = data;
	int rc;

	if (size < sizeof(*e)) {
		r->runt++;
		return 0;
	}
	if (!r->backlog && e->ts_ns < r->start_mono) {
		r->old++;
		return 0;
	}
	rc = r->fn(r, e);
	if (rc < 0) {
		r->out_err = -rc;
		return -EIO;
	}
	if (!rc)
		r->filtered++;
	r->shown += rc;
	/* the record that returns this is consumed; the rest stay for the next reader */
	if (r->limit && r->shown >= r->limit)
		return -ECANCELED;
	return 0;
}

/*
 * One reader per ring. The lock file is named after the map id, unique
 * while the map lives; it is removed while still locked, and a reader that
 * locked a file somebody removed meanwhile tries again.
 */
static int ring_lock(struct reader *r)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	const char *dir = access("/run/lock", W_OK) == 0 ? "/run/lock" : "/run";
	int tries;

	r->lock_fd = -1;
	if (bpf_obj_get_info_by_fd(r->m.events, &info, &len))
		return 0;
	snprintf(r->lock_path, sizeof(r->lock_path), "%s/modwall-events-%u.lock", dir, info.id);
	for (tries = 0; tries < 10; tries++) {
		struct stat a, b;
		char pid[32] = "";
		ssize_t n;
		int fd = open(r->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

		if (fd < 0)
			return 0;	/* no place for a lock: read unguarded */
		if (flock(fd, LOCK_EX | LOCK_NB)) {
			char who[48] = "";

			n = read(fd, pid, sizeof(pid) - 1);
			pid[n > 0 ? n : 0] = 0;
			pid[strcspn(pid, "\n")] = 0;
			if (*pid)
				snprintf(who, sizeof(who), " (pid %s)", pid);
			close(fd);
			mw_err("%s: another reader%s holds the event ring buffer; each event goes "
			       "to one reader only, so stop that one first", r->cmd, who);
			return -1;
		}
		if (fstat(fd, &a) == 0 && stat(r->lock_path, &b) == 0 && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev) {
			if (ftruncate(fd, 0) == 0)
				dprintf(fd, "%d\n", (int)getpid());
			r->lock_fd = fd;
			return 0;
		}
		close(fd);
	}
	return 0;
}

static void ring_unlock(struct reader *r)
{
	if (r->lock_fd < 0)
		return;
	unlink(r->lock_path);
	close(r->lock_fd);
	r->lock_fd = -1;
}

int reader_open(struct reader *r, const char *cmd)
{
	char err[1024];

	r->cmd = cmd;
	r->lock_fd = -1;
	if (mw_maps_open(&r->m, mw_opts.pin_dir, err, sizeof(err))) {
		mw_err("%s: %s", cmd, err);
		return -1;
	}
	r->nm.m = r->ifc.m = &r->m;
	if (names_load(&r->nm)) {
		mw_err("%s: reading %s: %s", cmd, MW_MAP_SUBJECTS, strerror(errno));
		return -1;
	}
	mw_ifnames_load(&r->m, &r->ifc.t);
	r->ifc.read_mono = mw_mono_ns();
	return 0;
}

void reader_close(struct reader *r)
{
	ring_unlock(r);
	free(r->nm.tab);
	r->nm.tab = NULL;
	mw_maps_close(&r->m);
}

int reader_run(struct reader *r)
{
	struct ring_buffer *rb;
	int err = 0;

	if (ring_lock(r))
		return -1;
	catch_signals();
	rb = ring_buffer__new(r->m.events, ring_cb, r, NULL);
	if (!rb) {
		mw_err("%s: opening %s: %s", r->cmd, MW_MAP_EVENTS, strerror(errno));
		return -1;
	}
	r->off = mw_clock_offset();
	r->start_mono = mw_mono_ns();
	while (!stop) {
		err = ring_buffer__poll(rb, 200);
		if (err == -ECANCELED || (err == -EIO && r->out_err)) {
			err = 0;
			break;
		}
		if (err == -EINTR)
			err = 0;
		if (err < 0)
			break;
		err = 0;
	}
	ring_buffer__free(rb);
	if (err) {
		mw_err("%s: reading %s: %s", r->cmd, MW_MAP_EVENTS, strerror(-err));
		return -1;
	}
	return 0;
}

void warn_if_off(const struct reader *r)
{
	struct mw_evctl c;

	if (mw_read_evctl(&r->m, &c) == 0 && !c.cost)
		mw_warn("%s: drop events are off: nothing will arrive ('modwall events --rate N' "
			"or 'modwall load IFACE --event-rate N' turns them on)", r->cmd);
}

const char ring_note[] =
	"\nDrop events are rate capped in the kernel (load --event-rate, events --rate);\n"
	"every drop while events are on is counted once as emitted, suppressed (over\n"
	"the cap) or ring full (the ring buffer had no room: nobody read it).\n"
	"'events' and 'capture' read the same ring buffer and each event reaches one\n"
	"reader only, so one of them runs at a time (a second one is refused).\n"
	"Times are wall clock (UTC): the kernel's CLOCK_MONOTONIC stamps plus the\n"
	"offset between CLOCK_REALTIME and CLOCK_MONOTONIC taken at start.\n";
