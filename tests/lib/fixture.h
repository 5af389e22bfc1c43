/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Test fixtures for the data path: load modwall's skeleton with its
 * load-time constants, build frames, run them through BPF_PROG_TEST_RUN,
 * read the per-CPU counters. Shared by the packet, enforcement, apply and
 * differential tests and the benchmarks; it needs libbpf only (no cmocka,
 * no libmodwall), so the fuzzer links it as well.
 *
 * Checks that cannot be returned (a frame outgrowing its buffer, an
 * address that does not parse) call fx_check_failed(), which aborts. A
 * cmocka test defines FX_CMOCKA before including this header in one file
 * (its main file) so that such a check fails the running test instead.
 */
#ifndef MW_TEST_FIXTURE_H
#define MW_TEST_FIXTURE_H

#include <stddef.h>
#include <stdint.h>
#include <linux/bpf.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>

#include "modwall.h"

struct modwall_bpf;

/* ---- checks ----------------------------------------------------------- */

void fx_check_failed(const char *expr, const char *file, int line);
#define FX_CHECK(c)	((c) ? (void)0 : fx_check_failed(#c, __FILE__, __LINE__))

#ifdef FX_CMOCKA
/* A failed fixture check fails the running cmocka test, as assert_true would. */
void fx_check_failed(const char *expr, const char *file, int line)
{
	_assert_true(0, expr, file, line);
}
#endif

/* ---- program instances ------------------------------------------------ */

/* The load-time constants of one program instance (one interface). */
struct fx_prog {
	__u32 slot;
	__u8 role;		/* MW_ROLE_* */
	__u8 fail_action;	/* MW_ACT_* */
	__u8 malformed_action;	/* MW_ACT_* */
};

/* libbpf's debug chatter off; warnings and errors still go to stderr. */
void fx_libbpf_quiet(void);

/*
 * Open and load the skeleton with @cfg's constants (NULL: the object's
 * defaults). With @share, every mw_* map is @share's, as a second interface
 * uses the first one's maps through the pins. NULL on failure, with the
 * reason in @err.
 */
struct modwall_bpf *fx_load(const struct fx_prog *cfg, const struct modwall_bpf *share,
			    char *err, size_t errlen);

/*
 * fx_load with mw_flows sized to @max_flows entries (0: the object's
 * default), as `load --max-flows` sizes it. With @share the flow table is
 * @share's, whatever its size.
 */
struct modwall_bpf *fx_load_flows(const struct fx_prog *cfg, const struct modwall_bpf *share,
				  __u32 max_flows, char *err, size_t errlen);

/* The XDP program's fd. */
int fx_prog_fd(const struct modwall_bpf *skel);
/* The tc egress program's fd (modwall_tc, the same instance's constants). */
int fx_tc_prog_fd(const struct modwall_bpf *skel);

/*
 * BPF_PROG_TEST_RUN: @len bytes of @data through @prog_fd, @repeat times
 * (0 counts as 1). The verdict of the last run goes to *verdict, the mean
 * time per run in ns to *duration when it is not NULL. Returns 0 or a
 * negative errno (the kernel refuses frames shorter than ETH_HLEN: -EINVAL).
 */
int fx_run(int prog_fd, const void *data, size_t len, __u32 repeat, __u32 *verdict,
	   __u32 *duration);

/*
 * BPF_PROG_TEST_RUN of a tc program: @len bytes of @data as the skb's
 * frame (Ethernet first), @ctx (NULL: none) as its struct __sk_buff: the
 * fields a test run lets a caller set (mark, priority, ifindex, cb,
 * gso_segs, gso_size, ...); the rest must be zero. The program's return
 * value (TC_ACT_*; TC_ACT_UNSPEC is -1) to *verdict. 0 or a negative errno.
 */
int fx_run_tc(int prog_fd, const void *data, size_t len, const struct __sk_buff *ctx,
	      int *verdict);

/*
 * One sender of fx_run_on_cpus: a thread pinned to @cpu that runs @f
 * through the program. Out: the verdict of its last run, the mean ns per
 * run of its last call, 0 or a positive errno (EAGAIN: not on @cpu).
 */
struct fx_sender {
	int cpu;
	const struct fx_frame *f;
	__u32 verdict, ns;
	int err;
};

/*
 * @n senders at once (started together behind a barrier), each making
 * @calls BPF_PROG_TEST_RUN calls of @repeat runs. 0, or -errno when a
 * thread could not be started; each sender's own result is in its err.
 */
int fx_run_on_cpus(int prog_fd, struct fx_sender *s, int n, __u32 repeat, __u32 calls);

/* "XDP_PASS", "XDP_DROP", ...; "?" for anything else. */
const char *fx_verdict_name(__u32 verdict);

/* ---- counters --------------------------------------------------------- */

/*
 * Cells @first .. @first + @n - 1 of a per-CPU counter array (mw_counters,
 * mw_ifcounters), each summed over every possible CPU. Returns 0 or a
 * negative errno.
 */
int fx_read_counters(int fd, __u32 first, __u32 n, struct mw_counter *out);

/*
 * Snapshots of subject counters over @n subjects: ids [0, n/2) (classes,
 * and subjects tests write by hand) and [MW_PCPU_IDS, MW_PCPU_IDS + n/2)
 * (devices, as apply numbers them), read the way stats reads them. Cell
 * of (id, reason): FX_SIDX(id, n) * MW_NR_REASONS + reason.
 */
#define FX_SIDX(id, n)	((id) < MW_PCPU_IDS ? (id) : (n) / 2 + ((id) - MW_PCPU_IDS))
struct mw_maps;
int fx_read_subjects(const struct mw_maps *m, __u32 n, struct mw_counter *out);

/* ---- frames ----------------------------------------------------------- */

#define FX_FRAME_MAX	2048

struct fx_frame {
	uint8_t d[FX_FRAME_MAX];
	size_t len;
	size_t l3;	/* offset of the IP header */
	int ipver;	/* 4, 6, or 0: no IP header for fx_fin() to fix up */
};

/* The 48 low bits of @mac, most significant first, as on the wire. */
void fx_mac_put(uint8_t *p, uint64_t mac);
/* An IPv4 address in network byte order; an IPv6 address's 16 bytes. */
uint32_t fx_addr4(const char *s);
void fx_addr6(const char *s, uint8_t out[16]);

/* Append @n zero bytes; a pointer to them. */
void *fx_put(struct fx_frame *f, size_t n);
/* Drop @n bytes from the end. */
void fx_chop(struct fx_frame *f, size_t n);
/* Append @n bytes of @byte after everything the headers account for. */
void fx_pad(struct fx_frame *f, size_t n, uint8_t byte);
/* Set the IP length fields so that the IP packet ends where the frame does. */
void fx_fin(struct fx_frame *f);

void fx_eth(struct fx_frame *f, uint64_t dst, uint64_t src, uint16_t proto);
/* One 802.1Q/802.1ad tag: TCI and the ethertype that follows it. */
void fx_vlan(struct fx_frame *f, uint16_t tci, uint16_t proto);
/* IPv4 of @ihl words (options NOPs), addresses in network byte order; fx_fin sets tot_len. */
struct iphdr *fx_ipv4(struct fx_frame *f, uint32_t saddr, uint32_t daddr, uint8_t proto,
		      unsigned int ihl);
struct ipv6hdr *fx_ipv6(struct fx_frame *f, const uint8_t saddr[16], const uint8_t daddr[16],
			uint8_t nexthdr);
/* IPv6 extension header of (hdrlen + 1) * 8 bytes (Pad1 / routing type 0, all zero). */
uint8_t *fx_ext6(struct fx_frame *f, uint8_t nexthdr, uint8_t hdrlen);
/* IPv6 fragment header: offset in 8-byte units, M flag. */
void fx_frag6(struct fx_frame *f, uint8_t nexthdr, uint16_t offset, int more);
/* IPv6 authentication header: (plen + 2) * 4 bytes. */
void fx_ah6(struct fx_frame *f, uint8_t nexthdr, uint8_t plen);
/* TCP SYN, data offset 5; options are appended by the caller. */
struct tcphdr *fx_tcp(struct fx_frame *f, uint16_t sport, uint16_t dport);
/* UDP header and @payload bytes of 'u'. */
void fx_udp(struct fx_frame *f, uint16_t sport, uint16_t dport, size_t payload);
/* ICMP / ICMPv6 echo-style header: type, code, id 1, sequence 1. */
void fx_icmp4(struct fx_frame *f, uint8_t type, uint8_t code);
void fx_icmp6(struct fx_frame *f, uint8_t type, uint8_t code);
/* ARP over Ethernet/IPv4; addresses in network byte order. */
void fx_arp(struct fx_frame *f, uint16_t op, uint64_t sha, uint32_t spa, uint64_t tha,
	    uint32_t tpa);

#endif
