// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The DNS learner: read queued answers, learn names, allow, send held answers on. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "dnsallow.h"
#include "dnslearn.h"
#include "namecache.h"
#include "observe.h"
#include "pins.h"

#define DL_MAX_PAIRS	65536	/* as many as mw_dns holds */
#define DL_MAX_NAMES	64	/* names of one address considered */

static void touch(struct mw_dnslearn *dl, uint8_t family, const uint8_t *addr)
{
	size_t i, n = family == AF_INET ? 4 : 16;

	for (i = 0; i < dl->ntouched; i++)
		if (dl->touched[i].family == family && !memcmp(dl->touched[i].addr, addr, n))
			return;
	if (dl->ntouched == dl->cap_touched) {
		size_t cap = dl->cap_touched ? 2 * dl->cap_touched : 64;
		struct dl_addr *nt = realloc(dl->touched, cap * sizeof(*nt));

		if (!nt)
			return;
		dl->touched = nt;
		dl->cap_touched = cap;
	}
	memset(&dl->touched[dl->ntouched], 0, sizeof(dl->touched[0]));
	dl->touched[dl->ntouched].family = family;
	memcpy(dl->touched[dl->ntouched].addr, addr, n);
	dl->ntouched++;
}

static void dns_key(struct mw_dns_key *k, const char *name, uint8_t family, const uint8_t *addr)
{
	size_t n = strnlen(name, sizeof(k->name) - 1);	/* names are at most 253 bytes */

	memset(k, 0, sizeof(*k));
	k->family = family;
	memcpy(k->addr, addr, family == AF_INET ? 4 : 16);
	memcpy(k->name, name, n);
}

/* Pairs that leave the cache leave mw_dns; the address is looked at again. */
static void nc_event(void *ctx, const struct mw_nc_event *ev)
{
	struct mw_dnslearn *dl = ctx;
	struct mw_dns_key k;

	if (ev->kind == MW_NC_ADDED) {
		dl->st.learned++;
	} else if (ev->kind == MW_NC_EXPIRED || ev->kind == MW_NC_EVICTED) {
		dl->st.expired++;
		dns_key(&k, ev->name, ev->family, ev->addr);
		bpf_map_delete_elem(dl->m.dns, &k);
	}
	touch(dl, ev->family, ev->addr);
}

/*
 * Bring mw_dns and the live generation's mw_names up to date for every
 * touched address: its names now, and for each policy with name rules the
 * rules those names earn (or no entry).
 */
static void sync_touched(struct mw_dnslearn *dl, uint64_t now_s, uint32_t subject)
{
	struct mw_nc_name names[DL_MAX_NAMES];
	const char *np[DL_MAX_NAMES];
	size_t i;
	int j, n;

	for (i = 0; i < dl->ntouched; i++) {
		const struct dl_addr *a = &dl->touched[i];
		uint16_t done[MW_MAX_POLICIES / 16] = { 0 };

		n = mw_namecache_rlookup(dl->nc, a->family, a->addr, now_s, names, DL_MAX_NAMES);
		if (n > DL_MAX_NAMES)
			n = DL_MAX_NAMES;
		for (j = 0; j < n; j++) {
			struct mw_dns_key k;
			struct mw_dns_val v = { 0 }, old;

			np[j] = names[j].name;
			dns_key(&k, names[j].name, a->family, a->addr);
			if (!bpf_map_lookup_elem(dl->m.dns, &k, &old))
				v = old;
			else
				v.first_ns = now_s * 1000000000ull;
			v.expires_ns = names[j].leaves * 1000000000ull;
			v.ttl = (uint32_t)(names[j].expires > now_s ? names[j].expires - now_s : 0);
			if (subject != UINT32_MAX)
				v.subject = subject;
			bpf_map_update_elem(dl->m.dns, &k, &v, BPF_ANY);
		}
		for (j = 0; j < dl->nrules; j++) {
			uint16_t pol = dl->rules[j].policy;
			struct mw_name_key nk;
			struct mw_allow_val val;

			if (pol >= MW_MAX_POLICIES || (done[pol / 16] & (1u << (pol % 16))))
				continue;
			done[pol / 16] |= (uint16_t)(1u << (pol % 16));
			memset(&nk, 0, sizeof(nk));
			nk.scope = MW_SCOPE(dl->gen, pol);
			nk.family = a->family;
			memcpy(nk.addr, a->addr, sizeof(nk.addr));
			if (n > 0 && mw_name_value(dl->rules, (size_t)dl->nrules, pol, np, (size_t)n,
						   &val, NULL) > 0)
				bpf_map_update_elem(dl->m.names, &nk, &val, BPF_ANY);
			else
				bpf_map_delete_elem(dl->m.names, &nk);
			dl->st.allow_writes++;
		}
	}
	dl->ntouched = 0;
}

/* The UDP payload of a queued frame, or NULL. */
static const uint8_t *udp_payload(const struct mw_dnsq_rec *r, size_t *len)
{
	struct mw_frame f;
	size_t off, ulen;

	mw_decode_frame(r->data, r->len, &f);
	if (!f.has_l4 || f.proto != IPPROTO_UDP || f.later_frag)
		return NULL;
	off = f.l4_off;
	if (off + 8 > r->len)
		return NULL;
	ulen = (size_t)(r->data[off + 4] << 8 | r->data[off + 5]);
	if (ulen < 8)
		return NULL;
	ulen -= 8;
	off += 8;
	if (off + ulen > r->len)
		ulen = r->len - off;	/* a copy cut at MW_DNS_SNAP: what there is */
	*len = ulen;
	return r->data + off;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)(p[n - 1] << 8);
	return sum;
}

/*
 * The UDP checksum of a held frame, written whole. The copy was taken on
 * its way out, where a checksum the NIC would finish (CHECKSUM_PARTIAL:
 * veth and most NICs offload it) holds only the pseudo-header's sum; sent
 * on as it is, the device would drop it.
 */
static void udp_csum(uint8_t *f, size_t caplen)
{
	struct mw_frame d;
	size_t off, ulen;
	uint32_t sum = 0;
	uint16_t c;

	mw_decode_frame(f, caplen, &d);
	if (!d.has_l4 || d.proto != IPPROTO_UDP || d.later_frag || d.l4_off + 8 > caplen)
		return;
	off = d.l4_off;
	ulen = (size_t)(f[off + 4] << 8 | f[off + 5]);
	if (ulen < 8 || off + ulen > caplen)
		return;
	if (d.family == AF_INET) {
		sum = csum_add(sum, d.saddr, 4);
		sum = csum_add(sum, d.daddr, 4);
		sum += IPPROTO_UDP + (uint32_t)ulen;
	} else if (d.family == AF_INET6) {
		sum = csum_add(sum, d.saddr, 16);
		sum = csum_add(sum, d.daddr, 16);
		sum += IPPROTO_UDP + (uint32_t)ulen;
	} else {
		return;
	}
	f[off + 6] = f[off + 7] = 0;
	sum = csum_add(sum, f + off, ulen);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	c = (uint16_t)~sum;
	if (!c)
		c = 0xffff;	/* 0 means "no checksum" in UDP */
	f[off + 6] = (uint8_t)(c >> 8);
	f[off + 7] = (uint8_t)c;
}

/* The device received an answer to @name: mw_asked keeps count. */
static void asked(struct mw_dnslearn *dl, uint32_t subject, const char *name)
{
	struct mw_asked_key k;
	struct mw_asked_val v;
	uint64_t now = mw_mono_ns();

	memset(&k, 0, sizeof(k));
	k.subject = subject;
	memcpy(k.name, name, strnlen(name, MW_DNS_NAME_MAX));
	if (bpf_map_lookup_elem(dl->m.asked, &k, &v)) {
		v.first_ns = now;
		v.count = 0;
	}
	v.last_ns = now;
	v.count++;
	bpf_map_update_elem(dl->m.asked, &k, &v, BPF_ANY);
}

static void send_on(struct mw_dnslearn *dl, const struct mw_dnsq_rec *r)
{
	static uint8_t frame[MW_DNS_SNAP];
	struct sockaddr_ll sll;

	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)r->ifindex;
	sll.sll_halen = ETH_ALEN;
	memcpy(sll.sll_addr, r->data, ETH_ALEN);
	memcpy(frame, r->data, r->len);
	udp_csum(frame, r->len);
	if (dl->pkt >= 0 && sendto(dl->pkt, frame, r->len, 0, (struct sockaddr *)&sll,
				   sizeof(sll)) == (ssize_t)r->len)
		dl->st.released++;
	else
		dl->st.send_errors++;
}

/* An apply happened: its generation's name rules (its mw_names came with it). */
static void follow_applies(struct mw_dnslearn *dl)
{
	int n;

	if (dl->m.ctlm->seq == dl->seq)
		return;
	dl->seq = dl->m.ctlm->seq;
	dl->gen = dl->m.ctlm->gen & 1;
	n = mw_namerules_read(&dl->m, dl->gen, dl->rules);
	dl->nrules = n > 0 ? n : 0;
	dl->st.rules = (uint32_t)dl->nrules;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct mw_dnslearn *dl = ctx;
	const struct mw_dnsq_rec *r = data;
	static struct mw_dns_msg msg;	/* 21 KiB: not on the stack */
	const uint8_t *p;
	size_t len = 0;
	int rc, lock;

	if (size < sizeof(*r) || r->len > MW_DNS_SNAP)
		return 0;
	dl->st.answers++;
	if (r->flags & MW_DNSQ_HELD)
		dl->st.held++;
	p = udp_payload(r, &len);
	if (!p) {
		dl->st.not_dns++;
	} else {
		rc = mw_dns_parse(p, len, &msg);
		dl->st.result[rc >= 0 && rc < MW_DNS_RESULT_NR ? rc : MW_DNS_E_MALFORMED]++;
		if (rc == MW_DNS_OK && msg.response && msg.qname[0])
			asked(dl, r->subject, msg.qname);
		if (rc == MW_DNS_OK && msg.response) {
			uint64_t t0 = mw_mono_ns(), now_s;

			lock = mw_lock(dl->pin_dir);
			dl->st.lock_ms += (mw_mono_ns() - t0) / 1000000;
			now_s = mw_mono_ns() / 1000000000ull;
			follow_applies(dl);	/* an apply since the last tick: its generation */
			mw_namecache_insert(dl->nc, &msg, r->subject, now_s, nc_event, dl);
			for (uint32_t i = 0; i < msg.n_addrs; i++)
				touch(dl, msg.addrs[i].family, msg.addrs[i].addr);
			sync_touched(dl, now_s, r->subject);
			if (lock >= 0)
				close(lock);
		}
	}
	/* held: on its way now that its addresses are allowed (or it could not be read) */
	if (r->flags & MW_DNSQ_HELD)
		send_on(dl, r);
	return 0;
}

static void close_maps(struct mw_dnslearn *dl)
{
	if (!dl->open)
		return;
	ring_buffer__free(dl->rb);
	dl->rb = NULL;
	mw_maps_close(&dl->m);
	dl->open = 0;
}

static uint32_t pinned_ctl_id(const char *pin_dir)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", pin_dir, MW_MAP_CTL);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		info.id = 0;
	close(fd);
	return info.id;
}

/* Open the maps when modwall is loaded (again), and learn what mw_dns already holds. */
static void follow_maps(struct mw_dnslearn *dl, uint64_t now_s)
{
	uint32_t id = pinned_ctl_id(dl->pin_dir);
	struct mw_learned *l = NULL;
	ssize_t n, i;

	if (dl->open && id == dl->ctl_id)
		return;
	close_maps(dl);
	if (!id || mw_maps_open(&dl->m, dl->pin_dir, NULL, 0))
		return;
	dl->rb = ring_buffer__new(dl->m.dnsq, on_record, dl, NULL);
	if (!dl->rb) {
		mw_maps_close(&dl->m);
		return;
	}
	dl->open = 1;
	dl->ctl_id = id;
	dl->seq = UINT64_MAX;
	n = mw_dns_read(&dl->m, &l);
	for (i = 0; i < n; i++) {
		uint64_t leaves = l[i].v.expires_ns / 1000000000ull;

		/* what a learner before this one kept: as long as it has left */
		if (leaves > now_s + dl->grace)
			mw_namecache_add(dl->nc, l[i].k.name, l[i].k.family, l[i].k.addr,
					 (uint32_t)(leaves - now_s - dl->grace), now_s, NULL, NULL);
	}
	free(l);
}

static void tick(struct mw_dnslearn *dl)
{
	uint64_t now = mw_mono_ns(), now_s = now / 1000000000ull;
	struct mw_dnsctl c = { .alive_ns = now, .pid = (uint32_t)getpid(),
				.flags = dl->no_hold ? MW_DNSCTL_NO_HOLD : 0 };
	__u32 zero = 0;

	follow_maps(dl, now_s);
	if (!dl->open)
		return;
	bpf_map_update_elem(dl->m.dnsctl, &zero, &c, BPF_ANY);
	{
		int lock = mw_lock(dl->pin_dir);

		follow_applies(dl);
		mw_namecache_expire(dl->nc, now_s, nc_event, dl);
		if (dl->ntouched)
			sync_touched(dl, now_s, UINT32_MAX);
		if (lock >= 0)
			close(lock);
	}
	{
		struct mw_nc_stats s;

		mw_namecache_stats(dl->nc, &s);
		dl->st.pairs = s.pairs;
	}
}

int mw_dnslearn_init(struct mw_dnslearn *dl, const char *pin_dir, uint32_t grace, int no_hold)
{
	struct mw_nc_cfg cfg = {
		.max_pairs = DL_MAX_PAIRS, .max_asked = 65536, .max_asked_per_device = 256,
		.grace = grace, .min_ttl = 0, .max_ttl = 7 * 86400,
	};
	uint32_t mark = MW_DNS_MARK;

	memset(dl, 0, sizeof(*dl));
	dl->pin_dir = pin_dir;
	dl->grace = grace;
	dl->no_hold = no_hold;
	dl->rules = calloc(MW_MAX_NAMERULES, sizeof(*dl->rules));
	dl->nc = mw_namecache_new(&cfg);
	if (!dl->rules || !dl->nc) {
		free(dl->rules);
		mw_namecache_free(dl->nc);
		return -ENOMEM;
	}
	/* protocol 0: this socket only sends */
	dl->pkt = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (dl->pkt < 0 || setsockopt(dl->pkt, SOL_SOCKET, SO_MARK, &mark, sizeof(mark))) {
		int e = -errno;

		if (dl->pkt >= 0)
			close(dl->pkt);
		free(dl->rules);
		mw_namecache_free(dl->nc);
		return e;
	}
	tick(dl);
	dl->next_tick = (double)mw_mono_ns() / 1e9 + 1;
	return 0;
}

int mw_dnslearn_fd(const struct mw_dnslearn *dl)
{
	return dl->open ? ring_buffer__epoll_fd(dl->rb) : -1;
}

int mw_dnslearn_timeout(const struct mw_dnslearn *dl)
{
	double left = dl->next_tick - (double)mw_mono_ns() / 1e9;

	return left <= 0 ? 0 : (int)(left * 1000) + 1;
}

void mw_dnslearn_handle(struct mw_dnslearn *dl)
{
	if (dl->open)
		ring_buffer__consume(dl->rb);
	if ((double)mw_mono_ns() / 1e9 >= dl->next_tick) {
		tick(dl);
		dl->next_tick = (double)mw_mono_ns() / 1e9 + 1;
	}
}

void mw_dnslearn_close(struct mw_dnslearn *dl)
{
	if (dl->open) {
		struct mw_dnsctl c = { 0 };
		__u32 zero = 0;

		bpf_map_update_elem(dl->m.dnsctl, &zero, &c, BPF_ANY);	/* stop holding */
		ring_buffer__consume(dl->rb);	/* and send on what was held */
	}
	close_maps(dl);
	if (dl->pkt >= 0)
		close(dl->pkt);
	mw_namecache_free(dl->nc);
	free(dl->rules);
	free(dl->touched);
	memset(dl, 0, sizeof(*dl));
	dl->pkt = -1;
}
