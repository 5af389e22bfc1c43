/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Reading what the data path observes: discovered MACs, the drop
 * event counters, and the frames carried by drop events (a small decoder
 * for Ethernet, VLAN tags, ARP, IPv4, IPv6 and their L4 headers).
 *
 * Times. The data path stamps discovery entries and events with
 * bpf_ktime_get_ns() or bpf_ktime_get_coarse_ns(): CLOCK_MONOTONIC (the
 * coarse one lags it by at most a tick). mw_clock_offset() samples
 * CLOCK_REALTIME - CLOCK_MONOTONIC now, and a monotonic stamp plus that
 * offset is the wall-clock time. Two consequences: a wall-clock step
 * (settimeofday, an NTP step) since the stamp moves the converted time by
 * the step, and CLOCK_MONOTONIC stands still while the machine is
 * suspended, so stamps taken before a suspend read late by its length.
 */
#ifndef MW_USER_OBSERVE_H
#define MW_USER_OBSERVE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "state.h"

/* CLOCK_REALTIME - CLOCK_MONOTONIC in ns, sampled now. */
int64_t mw_clock_offset(void);
/* CLOCK_MONOTONIC now, in ns. */
uint64_t mw_mono_ns(void);

/*
 * ISO 8601 UTC with @digits (0, 3, 6 or 9) fractional digits:
 * "2025-11-25T11:20:03.123Z". @buf needs 32 bytes.
 */
void mw_format_iso(uint64_t real_ns, int digits, char *buf, size_t len);

/* Drop event counters (enum mw_evstat), summed over CPUs. */
int mw_read_evstats(const struct mw_maps *m, uint64_t out[MW_EV_NR]);
int mw_read_evctl(const struct mw_maps *m, struct mw_evctl *out);

/*
 * "N" or "N/BURST": events per second (0 turns events off) and burst.
 * Without a burst it is N / 2 (at least 1), as `load --event-rate` does.
 * Returns 0, or -1 when @s is not of that form or N > 10000000.
 */
int mw_parse_event_rate(const char *s, uint64_t *rate, uint64_t *burst);

/* One discovered MAC. */
struct mw_disc_entry {
	uint64_t mac;
	struct mw_disc_val v;
};

/*
 * Every discovered MAC: the discovery table (through its mmap, or in
 * batches when the caller may only read the pins) and the LRU map that
 * takes the MACs the table has no room for, read in batches. The data path
 * keeps adding (and the LRU map evicting) entries meanwhile, so the LRU
 * walk may meet a MAC twice: the result holds each MAC once (sorted by
 * MAC). Returns the number of entries and sets *@out (malloc'd; NULL when
 * empty), or a negative errno.
 */
ssize_t mw_read_discovered(const struct mw_maps *m, struct mw_disc_entry **out);

/* One discovered MAC, from the table or the LRU map: 0, -ENOENT, or another -errno. */
int mw_disc_lookup(const struct mw_maps *m, uint64_t mac, struct mw_disc_val *out);

/* A table slot as a struct mw_disc_val (family and address decoded, see mw_disc_slot). */
void mw_disc_slot_val(const struct mw_disc_slot *sl, struct mw_disc_val *v);

/*
 * Interface names for the ifindexes in events and discovery entries, from
 * the interface table of the pinned state: the data path runs only on the
 * interfaces listed there, and the names were taken in the namespace of
 * the interface when it was loaded, so they are right even when the caller
 * lives in another network namespace. The caller's own namespace is not
 * asked: an ifindex there may name a different interface. An interface
 * unloaded since (and two attached interfaces of one ifindex in different
 * namespaces, where the first slot wins) shows as its ifindex.
 */
struct mw_ifnames {
	int n;
	uint32_t ifindex[MW_MAX_IFACES];
	char name[MW_MAX_IFACES][MW_IFNAME_LEN];
	uint8_t role[MW_MAX_IFACES];		/* enum mw_role */
	uint32_t netns[MW_MAX_IFACES];		/* the loader's namespace (struct mw_iface) */
	uint8_t mac[MW_MAX_IFACES][6];		/* the interface's own MAC ... */
	uint8_t mac_state[MW_MAX_IFACES];	/* ... MW_IFMAC_*: left to the caller to read */
};

enum { MW_IFMAC_UNREAD, MW_IFMAC_OK, MW_IFMAC_NONE };

int mw_ifnames_load(const struct mw_maps *m, struct mw_ifnames *t);
/* The name, or NULL when no attached interface has @ifindex. */
const char *mw_ifnames_find(const struct mw_ifnames *t, uint32_t ifindex);
/* Its index in @t, or -1. */
int mw_ifnames_slot(const struct mw_ifnames *t, uint32_t ifindex);

/*
 * A decoded frame. Decoding stops where the captured bytes end; fields
 * past that point are left zero and @truncated is set.
 */
#define MW_DECODE_VLANS	4

struct mw_frame {
	uint8_t dst[6], src[6];
	uint16_t ethertype;		/* innermost (after VLAN tags) */
	uint8_t nvlan;
	uint16_t vlan[MW_DECODE_VLANS];	/* VLAN ids, outermost first */
	uint8_t family;			/* AF_INET, AF_INET6 (IP or ARP), 0 */
	uint8_t arp_op;			/* ARP: 1 request, 2 reply; 0 otherwise */
	uint8_t saddr[16], daddr[16];	/* IP source/destination; ARP sender/target */
	uint8_t proto;			/* IP protocol (after IPv6 extension headers) */
	uint8_t has_l4;			/* ports or ICMP type/code were read */
	uint8_t frag;			/* IPv4/IPv6 fragment */
	uint8_t later_frag;		/* a non-first fragment: no L4 header */
	uint8_t truncated;		/* the capture ends inside a header */
	uint16_t sport, dport;		/* TCP/UDP */
	uint8_t icmp_type, icmp_code;	/* ICMP/ICMPv6 */
	uint8_t l2_ok;			/* the Ethernet header (14 bytes) is whole */
	uint32_t caplen;		/* bytes decoded from */
	uint32_t l4_off;		/* where the L4 header starts (has_l4) */
};

void mw_decode_frame(const uint8_t *p, size_t caplen, struct mw_frame *f);

/* "ipv4", "ipv6", "arp", "vlan", or "0x88cc". @buf needs 8 bytes. */
const char *mw_ethertype_name(uint16_t type, char buf[8]);
/* "tcp", "udp", "icmp", "icmpv6", ..., or NULL when unnamed. */
const char *mw_proto_name(uint8_t proto);

/*
 * One-line summary, tcpdump-like:
 *   "34:87:3d:00:00:01 > 02:00:00:00:00:01 vlan 100 ipv4 198.18.1.2:40000 > 198.18.1.1:53 udp"
 * Returns what snprintf returns.
 */
int mw_frame_summary(const struct mw_frame *f, char *buf, size_t len);

/*
 * The remote end of a dropped frame (its address; *@family AF_INET or
 * AF_INET6), seen from the device it was attributed to: the source of a
 * frame going to the device (interface role @role wan, or the tc egress
 * side of a lan interface), the destination of one the device sent (the
 * XDP side of a lan interface). A drop event does not say which side of a
 * lan interface dropped it; the frame does, by the interface's own MAC
 * @ifmac: the gateway sends with it as the source, and a device sends to
 * it, or to a group address. NULL when there is no remote address: not IP
 * (ARP included), an n3 interface (the frame is the tunnel's outer one),
 * or a lan frame whose side cannot be told (@ifmac NULL: not known; or a
 * bridged frame with neither MAC the interface's).
 */
const uint8_t *mw_frame_remote(const struct mw_frame *f, int role, const uint8_t *ifmac,
			       int *family);

/*
 * What is known of a remote end, for after a frame summary: " (broker.test,
 * DE)", " (broker.test)", " (DE)", or "" when neither (@name, @cc NULL or
 * empty). Returns what snprintf returns.
 */
int mw_remote_note(const char *name, const char *cc, char *buf, size_t len);

#endif /* MW_USER_OBSERVE_H */
