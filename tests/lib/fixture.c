// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Test fixtures for the data path (see fixture.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/udp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "modwall.skel.h"
#include "fixture.h"
#include "maps.h"

/* Without a cmocka test to fail, a broken fixture ends the program. */
__attribute__((weak)) void fx_check_failed(const char *expr, const char *file, int line)
{
	fprintf(stderr, "%s:%d: fixture check failed: %s\n", file, line, expr);
	abort();
}

/* ---- program instances ------------------------------------------------ */

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void fx_libbpf_quiet(void)
{
	libbpf_set_print(quiet_print);
}

struct modwall_bpf *fx_load(const struct fx_prog *cfg, const struct modwall_bpf *share,
			    char *err, size_t errlen)
{
	return fx_load_flows(cfg, share, 0, err, errlen);
}

struct modwall_bpf *fx_load_flows(const struct fx_prog *cfg, const struct modwall_bpf *share,
				  __u32 max_flows, char *err, size_t errlen)
{
	struct modwall_bpf *skel = modwall_bpf__open();
	struct bpf_map *map;
	int rc;

	if (!skel) {
		snprintf(err, errlen, "open: %s", strerror(errno));
		return NULL;
	}
	if (cfg) {
		skel->rodata->mw_slot = cfg->slot;
		skel->rodata->mw_role = cfg->role;
		skel->rodata->mw_fail_action = cfg->fail_action;
		skel->rodata->mw_malformed_action = cfg->malformed_action;
	}
	/* as the loader: the XDP program of the role (n3 parses GTP-U first) */
	bpf_program__set_autoload(skel->progs.modwall_xdp, skel->rodata->mw_role != MW_ROLE_N3);
	bpf_program__set_autoload(skel->progs.modwall_xdp_n3, skel->rodata->mw_role == MW_ROLE_N3);
	if (max_flows && bpf_map__set_max_entries(skel->maps.mw_flows, max_flows)) {
		snprintf(err, errlen, "sizing mw_flows to %u failed", max_flows);
		modwall_bpf__destroy(skel);
		return NULL;
	}
	if (share)
		bpf_object__for_each_map(map, skel->obj) {
			const char *name = bpf_map__name(map);
			const struct bpf_map *src;

			if (strncmp(name, "mw_", 3))
				continue;
			src = bpf_object__find_map_by_name(share->obj, name);
			if (!src || bpf_map__reuse_fd(map, bpf_map__fd(src))) {
				snprintf(err, errlen, "sharing map %s failed", name);
				modwall_bpf__destroy(skel);
				return NULL;
			}
		}
	rc = modwall_bpf__load(skel);
	if (rc) {
		snprintf(err, errlen, "load: %s", strerror(-rc));
		modwall_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

int fx_prog_fd(const struct modwall_bpf *skel)
{
	return bpf_program__fd(skel->rodata->mw_role == MW_ROLE_N3 ? skel->progs.modwall_xdp_n3 :
							     skel->progs.modwall_xdp);
}

struct sender_arg {
	struct fx_sender *s;
	int *go;		/* 1: send, -1: a sender could not start, give up */
	int prog_fd;
	__u32 repeat, calls;
};

static void *send_on_cpu(void *arg)
{
	struct sender_arg *a = arg;
	struct fx_sender *s = a->s;
	cpu_set_t set;
	__u32 i;
	int go;

	CPU_ZERO(&set);
	CPU_SET(s->cpu, &set);
	s->err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	while (!(go = __atomic_load_n(a->go, __ATOMIC_ACQUIRE)))
		sched_yield();
	if (go < 0)
		s->err = ECANCELED;
	if (!s->err && sched_getcpu() != s->cpu)
		s->err = EAGAIN;
	for (i = 0; i < a->calls && !s->err; i++)
		s->err = -fx_run(a->prog_fd, s->f->d, s->f->len, a->repeat, &s->verdict, &s->ns);
	return NULL;
}

int fx_run_on_cpus(int prog_fd, struct fx_sender *s, int n, __u32 repeat, __u32 calls)
{
	struct sender_arg *a = calloc((size_t)n, sizeof(*a));
	pthread_t *t = calloc((size_t)n, sizeof(*t));
	int i, started, go = 0;

	if (!a || !t) {
		free(a);
		free(t);
		return -ENOMEM;
	}
	for (started = 0; started < n; started++) {
		a[started] = (struct sender_arg){ &s[started], &go, prog_fd, repeat, calls };
		s[started].err = 0;
		if (pthread_create(&t[started], NULL, send_on_cpu, &a[started]))
			break;
	}
	__atomic_store_n(&go, started == n ? 1 : -1, __ATOMIC_RELEASE);
	for (i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	free(a);
	free(t);
	return started == n ? 0 : -EAGAIN;
}

int fx_tc_prog_fd(const struct modwall_bpf *skel)
{
	return bpf_program__fd(skel->progs.modwall_tc);
}

int fx_run(int prog_fd, const void *data, size_t len, __u32 repeat, __u32 *verdict,
	   __u32 *duration)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = data,
		.data_size_in = (__u32)len,
		.repeat = repeat ? repeat : 1,
	);

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -errno;
	*verdict = opts.retval;
	if (duration)
		*duration = opts.duration;
	return 0;
}

int fx_run_tc(int prog_fd, const void *data, size_t len, const struct __sk_buff *ctx,
	      int *verdict)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = data,
		.data_size_in = (__u32)len,
		.repeat = 1,
	);

	if (ctx) {
		opts.ctx_in = ctx;
		opts.ctx_size_in = sizeof(*ctx);
	}
	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -errno;
	*verdict = (int)opts.retval;
	return 0;
}

const char *fx_verdict_name(__u32 v)
{
	switch (v) {
	case XDP_ABORTED:	return "XDP_ABORTED";
	case XDP_DROP:		return "XDP_DROP";
	case XDP_PASS:		return "XDP_PASS";
	case XDP_TX:		return "XDP_TX";
	case XDP_REDIRECT:	return "XDP_REDIRECT";
	}
	return "?";
}

/* ---- counters --------------------------------------------------------- */

/*
 * From cell 0, one batched lookup; where the kernel has no batch ops on
 * arrays (or the range starts further in), one lookup per cell.
 */
int fx_read_counters(int fd, __u32 first, __u32 n, struct mw_counter *out)
{
	static int ncpus;

	if (!ncpus)
		ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0)
		return -EINVAL;
	/* the library's reader: tests count what stats and /metrics count, the same way */
	return mw_sum_percpu(fd, ncpus, first, n, out);
}

int fx_read_subjects(const struct mw_maps *m, __u32 n, struct mw_counter *out)
{
	__u32 half = n / 2;
	int rc;

	if (m->max_subjects < MW_PCPU_IDS + half)
		return -ERANGE;
	rc = mw_read_subject_counters(m, 0, half, out);
	if (!rc)
		rc = mw_read_subject_counters(m, MW_PCPU_IDS, n - half,
					      out + (size_t)half * MW_NR_REASONS);
	return rc;
}

/* ---- frames ----------------------------------------------------------- */

void fx_mac_put(uint8_t *p, uint64_t mac)
{
	int i;

	for (i = 0; i < ETH_ALEN; i++)
		p[i] = (uint8_t)(mac >> (8 * (ETH_ALEN - 1 - i)));
}

uint32_t fx_addr4(const char *s)
{
	struct in_addr a = { 0 };

	FX_CHECK(inet_pton(AF_INET, s, &a) == 1);
	return a.s_addr;
}

void fx_addr6(const char *s, uint8_t out[16])
{
	FX_CHECK(inet_pton(AF_INET6, s, out) == 1);
}

void *fx_put(struct fx_frame *f, size_t n)
{
	void *p = f->d + f->len;

	FX_CHECK(f->len + n <= FX_FRAME_MAX);
	memset(p, 0, n);
	f->len += n;
	return p;
}

void fx_chop(struct fx_frame *f, size_t n)
{
	FX_CHECK(n <= f->len);
	f->len -= n;
}

void fx_pad(struct fx_frame *f, size_t n, uint8_t byte)
{
	memset(fx_put(f, n), byte, n);
}

void fx_fin(struct fx_frame *f)
{
	if (f->ipver == 4) {
		struct iphdr *ip = (struct iphdr *)(f->d + f->l3);

		ip->tot_len = htons((uint16_t)(f->len - f->l3));
	} else if (f->ipver == 6) {
		struct ipv6hdr *ip6 = (struct ipv6hdr *)(f->d + f->l3);

		ip6->payload_len = htons((uint16_t)(f->len - f->l3 - sizeof(*ip6)));
	}
}

void fx_eth(struct fx_frame *f, uint64_t dst, uint64_t src, uint16_t proto)
{
	struct ethhdr *e = fx_put(f, sizeof(*e));

	fx_mac_put(e->h_dest, dst);
	fx_mac_put(e->h_source, src);
	e->h_proto = htons(proto);
}

void fx_vlan(struct fx_frame *f, uint16_t tci, uint16_t proto)
{
	uint16_t *t = fx_put(f, 4);

	t[0] = htons(tci);
	t[1] = htons(proto);
}

struct iphdr *fx_ipv4(struct fx_frame *f, uint32_t saddr, uint32_t daddr, uint8_t proto,
		      unsigned int ihl)
{
	size_t hlen = (ihl < 5 ? 5 : ihl) * 4;
	struct iphdr *ip;

	f->l3 = f->len;
	f->ipver = 4;
	ip = fx_put(f, hlen);
	ip->version = 4;
	ip->ihl = ihl & 0xf;
	ip->tot_len = htons((uint16_t)hlen);
	ip->id = htons(0x4d57);
	ip->ttl = 64;
	ip->protocol = proto;
	ip->saddr = saddr;
	ip->daddr = daddr;
	memset(ip + 1, IPOPT_NOP, hlen - sizeof(*ip));
	return ip;
}

struct ipv6hdr *fx_ipv6(struct fx_frame *f, const uint8_t saddr[16], const uint8_t daddr[16],
			uint8_t nexthdr)
{
	struct ipv6hdr *ip6;

	f->l3 = f->len;
	f->ipver = 6;
	ip6 = fx_put(f, sizeof(*ip6));
	ip6->version = 6;
	ip6->nexthdr = nexthdr;
	ip6->hop_limit = 64;
	memcpy(ip6->saddr.s6_addr, saddr, 16);
	memcpy(ip6->daddr.s6_addr, daddr, 16);
	return ip6;
}

uint8_t *fx_ext6(struct fx_frame *f, uint8_t nexthdr, uint8_t hdrlen)
{
	uint8_t *e = fx_put(f, ((size_t)hdrlen + 1) * 8);

	e[0] = nexthdr;
	e[1] = hdrlen;
	return e;
}

void fx_frag6(struct fx_frame *f, uint8_t nexthdr, uint16_t offset, int more)
{
	uint8_t *e = fx_put(f, 8);
	uint16_t offmf = htons((uint16_t)(offset << 3) | (more ? 1 : 0));
	uint32_t ident = htonl(0x4d570001);

	e[0] = nexthdr;
	memcpy(e + 2, &offmf, 2);
	memcpy(e + 4, &ident, 4);
}

void fx_ah6(struct fx_frame *f, uint8_t nexthdr, uint8_t plen)
{
	uint8_t *e = fx_put(f, ((size_t)plen + 2) * 4);
	uint32_t spi = htonl(0x100), seq = htonl(1);

	e[0] = nexthdr;
	e[1] = plen;
	memcpy(e + 4, &spi, 4);
	memcpy(e + 8, &seq, 4);
}

struct tcphdr *fx_tcp(struct fx_frame *f, uint16_t sport, uint16_t dport)
{
	struct tcphdr *th = fx_put(f, sizeof(*th));

	th->source = htons(sport);
	th->dest = htons(dport);
	th->seq = htonl(1000);
	th->doff = 5;
	th->syn = 1;
	th->window = htons(65535);
	return th;
}

void fx_udp(struct fx_frame *f, uint16_t sport, uint16_t dport, size_t payload)
{
	struct udphdr *uh = fx_put(f, sizeof(*uh));

	uh->source = htons(sport);
	uh->dest = htons(dport);
	uh->len = htons((uint16_t)(sizeof(*uh) + payload));
	fx_pad(f, payload, 'u');
}

void fx_icmp4(struct fx_frame *f, uint8_t type, uint8_t code)
{
	struct icmphdr *ih = fx_put(f, sizeof(*ih));

	ih->type = type;
	ih->code = code;
	ih->un.echo.id = htons(1);
	ih->un.echo.sequence = htons(1);
}

void fx_icmp6(struct fx_frame *f, uint8_t type, uint8_t code)
{
	struct icmp6hdr *ih = fx_put(f, sizeof(*ih));

	ih->icmp6_type = type;
	ih->icmp6_code = code;
	ih->icmp6_identifier = htons(1);
	ih->icmp6_sequence = htons(1);
}

void fx_arp(struct fx_frame *f, uint16_t op, uint64_t sha, uint32_t spa, uint64_t tha,
	    uint32_t tpa)
{
	struct arphdr *ah = fx_put(f, sizeof(*ah));
	uint8_t *p;

	ah->ar_hrd = htons(ARPHRD_ETHER);
	ah->ar_pro = htons(ETH_P_IP);
	ah->ar_hln = ETH_ALEN;
	ah->ar_pln = 4;
	ah->ar_op = htons(op);
	p = fx_put(f, 2 * ETH_ALEN + 2 * 4);
	fx_mac_put(p, sha);
	memcpy(p + 6, &spa, 4);
	fx_mac_put(p + 10, tha);
	memcpy(p + 16, &tpa, 4);
}
