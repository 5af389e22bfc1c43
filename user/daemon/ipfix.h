/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * IPFIX (RFC 7011) over UDP: flow records encoded by libfixbuf, sent in
 * datagrams of at most MW_IPFIX_MTU bytes from a socket of our own.
 *
 * libfixbuf builds the messages (headers, sequence numbers, template and
 * data sets) into a buffer (fbExporterAllocBuffer); the datagram is sent
 * here, so that a refused send is seen and counted: libfixbuf's own UDP
 * transport logs the first failure and reports success for every send.
 * Over UDP nothing tells the exporter that the collector restarted, so the
 * templates go out again on a schedule (mw_ipfix_templates) and in the
 * first message.
 *
 * Two templates, one per address family (MW_IPFIX_TID4, MW_IPFIX_TID6),
 * with the same information elements in the same order (IANA names):
 *
 *   flowStartMilliseconds, flowEndMilliseconds, octetDeltaCount,
 *   packetDeltaCount, interfaceName (variable length: the device),
 *   sourceIPv4Address + destinationIPv4Address (sourceIPv6Address +
 *   destinationIPv6Address), sourceMacAddress, destinationMacAddress,
 *   sourceTransportPort, destinationTransportPort, icmpTypeCodeIPv4
 *   (icmpTypeCodeIPv6), protocolIdentifier, flowDirection, flowEndReason.
 *
 * Not thread-safe: one thread uses one exporter.
 */
#ifndef MW_IPFIX_H
#define MW_IPFIX_H

#include <stddef.h>
#include <stdint.h>

#define MW_IPFIX_PORT		4739	/* IANA: ipfix */
#define MW_IPFIX_MTU		1420	/* datagram size: room for tunnels on a 1500 path */
#define MW_IPFIX_TID4		256
#define MW_IPFIX_TID6		257

/* flowEndReason values (IANA IPFIX registry). */
#define MW_IPFIX_END_IDLE	1
#define MW_IPFIX_END_ACTIVE	2
#define MW_IPFIX_END_FLOW	3	/* end of Flow detected */
#define MW_IPFIX_END_FORCED	4	/* forced end: the metering process stops */

/* flowDirection values. */
#define MW_IPFIX_DIR_INGRESS	0
#define MW_IPFIX_DIR_EGRESS	1

struct mw_ipfix_rec {
	uint64_t start_ms, end_ms;	/* UNIX epoch milliseconds */
	uint64_t octets, packets;
	const char *name;		/* interfaceName; NULL or "": empty */
	uint8_t family;			/* AF_INET or AF_INET6 */
	uint8_t proto;
	uint8_t direction;		/* MW_IPFIX_DIR_* */
	uint8_t end_reason;		/* MW_IPFIX_END_* */
	uint8_t src[16], dst[16];	/* IPv4 in the first 4 bytes, network order */
	uint8_t src_mac[6], dst_mac[6];	/* zero: unknown */
	uint16_t sport, dport;
	uint16_t icmp;			/* type << 8 | code; ICMP and ICMPv6 only */
};

/* What the exporter did, for metrics. Written by the exporter's thread only. */
struct mw_ipfix_stats {
	uint64_t messages;		/* datagrams sent */
	uint64_t records;		/* data records in them */
	uint64_t send_errors;		/* datagrams the socket refused (records lost) */
	uint64_t lost_records;		/* data records in those */
};

struct mw_ipfix;

/*
 * An exporter towards @dest ("HOST:PORT" or "[ADDR6]:PORT", UDP) with
 * observation domain @domain. Returns NULL with @err filled; *@usage is
 * set when @dest is malformed or does not resolve (bad input, not a
 * runtime failure).
 */
struct mw_ipfix *mw_ipfix_open(const char *dest, uint32_t domain, int *usage, char *err,
			       size_t errlen);
/* The collector's address as resolved ("127.0.0.1:4739"). */
const char *mw_ipfix_peer(const struct mw_ipfix *x);
/* Put both templates in the next message. */
int mw_ipfix_templates(struct mw_ipfix *x);
/* Add one data record; a full message is sent first. 0, or -1 when it could not be encoded. */
int mw_ipfix_add(struct mw_ipfix *x, const struct mw_ipfix_rec *r);
/* Send the message being built, if it holds anything. */
void mw_ipfix_flush(struct mw_ipfix *x);
const struct mw_ipfix_stats *mw_ipfix_stats(const struct mw_ipfix *x);
/* The last error the exporter met ("" when none); for logs. */
const char *mw_ipfix_error(const struct mw_ipfix *x);
void mw_ipfix_close(struct mw_ipfix *x);

#endif /* MW_IPFIX_H */
