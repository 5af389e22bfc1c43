// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Drop-event counters as userspace reads them, wall-clock conversion of the
 * data path's monotonic stamps, and the frame decoder behind `modwall events`.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include "observe.h"

#ifndef ENOTSUPP
#define ENOTSUPP	524	/* the kernel's "operation not supported" */
#endif

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t mw_mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/*
 * Read the wall clock on both sides of the monotonic one and keep the
 * narrowest of a few tries, so a preemption between the reads does not
 * skew the offset.
 */
int64_t mw_clock_offset(void)
{
	uint64_t best = UINT64_MAX;
	int64_t off = 0;
	int i;

	for (i = 0; i < 5; i++) {
		uint64_t r0 = clock_ns(CLOCK_REALTIME);
		uint64_t mo = clock_ns(CLOCK_MONOTONIC);
		uint64_t r1 = clock_ns(CLOCK_REALTIME);

		if (r1 >= r0 && r1 - r0 < best) {
			best = r1 - r0;
			off = (int64_t)(r0 + (r1 - r0) / 2) - (int64_t)mo;
		}
	}
	return off;
}

void mw_format_iso(uint64_t real_ns, int digits, char *buf, size_t len)
{
	time_t secs = (time_t)(real_ns / 1000000000ull);
	uint64_t frac = real_ns % 1000000000ull;
	char base[24];
	struct tm tm;

	gmtime_r(&secs, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	switch (digits) {
	case 3:
		snprintf(buf, len, "%s.%03lluZ", base, (unsigned long long)(frac / 1000000));
		break;
	case 6:
		snprintf(buf, len, "%s.%06lluZ", base, (unsigned long long)(frac / 1000));
		break;
	case 9:
		snprintf(buf, len, "%s.%09lluZ", base, (unsigned long long)frac);
		break;
	default:
		snprintf(buf, len, "%sZ", base);
	}
}

int mw_read_evstats(const struct mw_maps *m, uint64_t out[MW_EV_NR])
{
	uint64_t *pc = calloc((size_t)m->ncpus, sizeof(*pc));
	__u32 k;
	int c;

	if (!pc)
		return -ENOMEM;
	for (k = 0; k < MW_EV_NR; k++) {
		out[k] = 0;
		if (bpf_map_lookup_elem(m->evstats, &k, pc)) {
			int rc = -errno;

			free(pc);
			return rc;
		}
		for (c = 0; c < m->ncpus; c++)
			out[k] += pc[c];
	}
	free(pc);
	return 0;
}

int mw_read_evctl(const struct mw_maps *m, struct mw_evctl *out)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(m->evctl, &k, out) ? -errno : 0;
}

int mw_parse_event_rate(const char *s, uint64_t *rate, uint64_t *burst)
{
	unsigned long long v, b;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || v > 10000000)
		return -1;
	b = v / 2 ? v / 2 : 1;
	if (*end == '/') {
		const char *p = end + 1;

		if (*p < '0' || *p > '9')
			return -1;
		b = strtoull(p, &end, 10);
		if (errno || !b || b > 10000000)
			return -1;
	}
	if (*end)
		return -1;
	*rate = v;
	*burst = b;
	return 0;
}

int mw_ifnames_load(const struct mw_maps *m, struct mw_ifnames *t)
{
	__u32 k;

	memset(t, 0, sizeof(*t));
	for (k = 0; k < MW_MAX_IFACES; k++) {
		struct mw_iface v;

		if (bpf_map_lookup_elem(m->ifaces, &k, &v))
			return -errno;
		if (!v.ifindex)
			continue;
		t->ifindex[t->n] = v.ifindex;
		t->role[t->n] = v.role;
		t->netns[t->n] = v.netns;
		memcpy(t->name[t->n], v.name, MW_IFNAME_LEN);
		t->name[t->n][MW_IFNAME_LEN - 1] = 0;
		t->n++;
	}
	return 0;
}

int mw_ifnames_slot(const struct mw_ifnames *t, uint32_t ifindex)
{
	int i;

	for (i = 0; t && i < t->n; i++)
		if (t->ifindex[i] == ifindex)
			return i;
	return -1;
}

const char *mw_ifnames_find(const struct mw_ifnames *t, uint32_t ifindex)
{
	int i = mw_ifnames_slot(t, ifindex);

	return i < 0 ? NULL : t->name[i];
}

/* Frame decoder. */

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void decode_l4(const uint8_t *p, size_t left, struct mw_frame *f)
{
	int icmp = (f->family == AF_INET && f->proto == 1) ||
		   (f->family == AF_INET6 && f->proto == 58);

	if (f->later_frag)
		return;
	f->l4_off = (uint32_t)(f->caplen - left);
	switch (f->proto) {
	case 6:		/* TCP */
	case 17:	/* UDP */
	case 132:	/* SCTP */
	case 136:	/* UDP-Lite */
		if (left < 4) {
			f->truncated = 1;
			return;
		}
		f->sport = be16(p);
		f->dport = be16(p + 2);
		f->has_l4 = 1;
		return;
	}
	if (icmp) {
		if (left < 2) {
			f->truncated = 1;
			return;
		}
		f->icmp_type = p[0];
		f->icmp_code = p[1];
		f->has_l4 = 1;
	}
}

static void decode_ip4(const uint8_t *p, size_t left, struct mw_frame *f)
{
	size_t ihl;
	uint16_t fo;

	if (left < 20 || (p[0] >> 4) != 4) {
		f->truncated = left < 20;
		return;
	}
	ihl = (size_t)(p[0] & 0x0f) * 4;
	f->family = AF_INET;
	f->proto = p[9];
	memcpy(f->saddr, p + 12, 4);
	memcpy(f->daddr, p + 16, 4);
	fo = be16(p + 6);
	f->frag = (fo & 0x2000) || (fo & 0x1fff);
	f->later_frag = (fo & 0x1fff) != 0;
	if (ihl < 20)
		return;
	if (left < ihl) {
		f->truncated = 1;
		return;
	}
	decode_l4(p + ihl, left - ihl, f);
}

static void decode_ip6(const uint8_t *p, size_t left, struct mw_frame *f)
{
	size_t off = 40;
	uint8_t nh;
	int i;

	if (left < 40 || (p[0] >> 4) != 6) {
		f->truncated = left < 40;
		return;
	}
	f->family = AF_INET6;
	memcpy(f->saddr, p + 8, 16);
	memcpy(f->daddr, p + 24, 16);
	nh = p[6];
	for (i = 0; i < MW_MAX_IPV6_EXT; i++) {
		size_t hl;

		if (nh != 0 && nh != 43 && nh != 44 && nh != 60 && nh != 51)
			break;
		if (left < off + 8) {
			f->proto = nh;
			f->truncated = 1;
			return;
		}
		if (nh == 44) {		/* fragment header: 8 bytes */
			uint16_t fo = be16(p + off + 2);

			f->frag = 1;
			f->later_frag = (fo >> 3) != 0;
			hl = 8;
		} else if (nh == 51) {	/* AH: length in 4-byte units, minus 2 */
			hl = ((size_t)p[off + 1] + 2) * 4;
		} else {
			hl = ((size_t)p[off + 1] + 1) * 8;
		}
		nh = p[off];
		off += hl;
	}
	f->proto = nh;
	if (left < off) {
		f->truncated = 1;
		return;
	}
	decode_l4(p + off, left - off, f);
}

static void decode_arp(const uint8_t *p, size_t left, struct mw_frame *f)
{
	/* Ethernet/IPv4 ARP only: htype 1, ptype 0x0800, hlen 6, plen 4 */
	if (left < 28) {
		f->truncated = 1;
		return;
	}
	if (be16(p) != 1 || be16(p + 2) != 0x0800 || p[4] != 6 || p[5] != 4)
		return;
	f->family = AF_INET;
	f->arp_op = (uint8_t)be16(p + 6);
	memcpy(f->saddr, p + 14, 4);
	memcpy(f->daddr, p + 24, 4);
}

void mw_decode_frame(const uint8_t *p, size_t caplen, struct mw_frame *f)
{
	size_t off = 14;
	uint16_t type;

	memset(f, 0, sizeof(*f));
	f->caplen = (uint32_t)caplen;
	if (caplen < 14) {
		f->truncated = 1;
		return;
	}
	f->l2_ok = 1;
	memcpy(f->dst, p, 6);
	memcpy(f->src, p + 6, 6);
	type = be16(p + 12);
	while (type == 0x8100 || type == 0x88a8 || type == 0x9100) {
		if (f->nvlan == MW_DECODE_VLANS)
			break;
		if (caplen < off + 4) {
			f->truncated = 1;
			f->ethertype = type;
			return;
		}
		f->vlan[f->nvlan++] = be16(p + off) & 0x0fff;
		type = be16(p + off + 2);
		off += 4;
	}
	f->ethertype = type;
	switch (type) {
	case 0x0800:
		decode_ip4(p + off, caplen - off, f);
		break;
	case 0x86dd:
		decode_ip6(p + off, caplen - off, f);
		break;
	case 0x0806:
		decode_arp(p + off, caplen - off, f);
		break;
	}
}

const char *mw_ethertype_name(uint16_t type, char buf[8])
{
	switch (type) {
	case 0x0800:
		return "ipv4";
	case 0x86dd:
		return "ipv6";
	case 0x0806:
		return "arp";
	case 0x8100:
	case 0x88a8:
	case 0x9100:
		return "vlan";
	}
	snprintf(buf, 8, "0x%04x", type);
	return buf;
}

const char *mw_proto_name(uint8_t proto)
{
	switch (proto) {
	case 1:
		return "icmp";
	case 2:
		return "igmp";
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 47:
		return "gre";
	case 50:
		return "esp";
	case 51:
		return "ah";
	case 58:
		return "icmpv6";
	case 132:
		return "sctp";
	case 136:
		return "udplite";
	}
	return NULL;
}

/* Append to @buf at *@pos, keeping *@pos the length snprintf would give. */
static void add(char *buf, size_t len, int *pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void add(char *buf, size_t len, int *pos, const char *fmt, ...)
{
	size_t at = (size_t)*pos < len ? (size_t)*pos : len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + at, len - at, fmt, ap);
	va_end(ap);
	if (n > 0)
		*pos += n;
}

static void add_endpoint(char *buf, size_t len, int *pos, const struct mw_frame *f,
			 const uint8_t *addr, uint16_t port, int ports)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(f->family, addr, a, sizeof(a));
	if (!ports)
		add(buf, len, pos, "%s", a);
	else if (f->family == AF_INET6)
		add(buf, len, pos, "[%s]:%u", a, port);
	else
		add(buf, len, pos, "%s:%u", a, port);
}

int mw_frame_summary(const struct mw_frame *f, char *buf, size_t len)
{
	char s[18], d[18], tb[8];
	int pos = 0, i, ports;
	const char *pn;

	if (len)
		buf[0] = 0;
	if (!f->l2_ok) {
		add(buf, len, &pos, "runt frame");
		return pos;
	}
	snprintf(s, sizeof(s), "%02x:%02x:%02x:%02x:%02x:%02x", f->src[0], f->src[1], f->src[2],
		 f->src[3], f->src[4], f->src[5]);
	snprintf(d, sizeof(d), "%02x:%02x:%02x:%02x:%02x:%02x", f->dst[0], f->dst[1], f->dst[2],
		 f->dst[3], f->dst[4], f->dst[5]);
	add(buf, len, &pos, "%s > %s", s, d);
	for (i = 0; i < f->nvlan; i++)
		add(buf, len, &pos, i ? ".%u" : " vlan %u", f->vlan[i]);
	add(buf, len, &pos, " %s", mw_ethertype_name(f->ethertype, tb));
	if (f->ethertype == 0x0806 && f->family) {
		add(buf, len, &pos, " %s ", f->arp_op == 1 ? "request" :
			f->arp_op == 2 ? "reply" : "op");
		add_endpoint(buf, len, &pos, f, f->saddr, 0, 0);
		add(buf, len, &pos, " > ");
		add_endpoint(buf, len, &pos, f, f->daddr, 0, 0);
	} else if (f->family) {
		ports = f->has_l4 && !(f->proto == 1 || f->proto == 58);
		add(buf, len, &pos, " ");
		add_endpoint(buf, len, &pos, f, f->saddr, f->sport, ports);
		add(buf, len, &pos, " > ");
		add_endpoint(buf, len, &pos, f, f->daddr, f->dport, ports);
		pn = mw_proto_name(f->proto);
		if (pn)
			add(buf, len, &pos, " %s", pn);
		else
			add(buf, len, &pos, " proto %u", f->proto);
		if (f->has_l4 && !ports)
			add(buf, len, &pos, " type %u code %u", f->icmp_type, f->icmp_code);
		if (f->frag)
			add(buf, len, &pos, f->later_frag ? " frag" : " first-frag");
	}
	if (f->truncated)
		add(buf, len, &pos, " [truncated]");
	return pos;
}

/* The remote end of a dropped frame. */

const uint8_t *mw_frame_remote(const struct mw_frame *f, int role, const uint8_t *ifmac,
			       int *family)
{
	int to_device;

	if (!f->family || f->ethertype == 0x0806 || !f->l2_ok)
		return NULL;
	switch (role) {
	case MW_ROLE_WAN:
		to_device = 1;
		break;
	case MW_ROLE_LAN:
		if (!ifmac)
			return NULL;
		if (!memcmp(f->src, ifmac, 6))
			to_device = 1;		/* the gateway sent it: tc egress */
		else if (!memcmp(f->dst, ifmac, 6) || (f->dst[0] & 1))
			to_device = 0;		/* a device sent it: XDP */
		else
			return NULL;
		break;
	default:
		return NULL;
	}
	*family = f->family;
	return to_device ? f->saddr : f->daddr;
}

int mw_remote_note(const char *name, const char *cc, char *buf, size_t len)
{
	int n = name && *name, c = cc && *cc;

	if (n && c)
		return snprintf(buf, len, " (%s, %s)", name, cc);
	if (n || c)
		return snprintf(buf, len, " (%s)", n ? name : cc);
	if (len)
		buf[0] = 0;
	return 0;
}
