/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * RADIUS accounting (RFC 2866) as a source of IMEI -> address bindings.
 *
 * A packet core (P-GW/SMF, or any NAS) sends an Accounting-Request when a
 * session starts, is updated and stops. The request carries the device's
 * 3GPP-IMEISV (vendor 10415, attribute 20) and its address
 * (Framed-IP-Address, Framed-IPv6-Prefix, Framed-IPv6-Address). Start and
 * Interim-Update bind the addresses to the IMEI, Stop removes the bindings
 * that accounting made: the same effect as `modwall bind` and `unbind`.
 * Bindings live in the pinned mw_binds map, so they outlive the daemon and
 * a restart keeps them; apply turns them into identity entries as it does
 * for CLI bindings.
 *
 * Only requests whose Request Authenticator proves the shared secret are
 * acted on and answered; everything else is counted and dropped without an
 * answer, as RFC 2866 requires. An authenticated request is answered once
 * its effect is recorded (a conflict is recorded too: it is logged and
 * counted, and the binding is refused). When the bindings cannot be written
 * at all (nothing loaded, a map error) there is no answer, so the NAS sends
 * the request again later (RFC 2866 section 2).
 *
 * Use from a poll loop: mw_radius_open() returns the UDP socket to poll,
 * mw_radius_handle() reads and answers what is queued on it.
 */
#ifndef MW_RADIUS_H
#define MW_RADIUS_H

#include <stddef.h>
#include <stdint.h>
#include "addr.h"
#include "bindings.h"
#include "sbuf.h"
#include "state.h"

#define MW_RADIUS_PORT		1813
#define MW_RADIUS_HDR		20		/* code, identifier, length, authenticator */
#define MW_RADIUS_MAX		4096		/* largest packet (RFC 2865 section 3) */
#define MW_RADIUS_SECRET_MAX	256
#define MW_RADIUS_MAX_ADDRS	8		/* addresses taken from one request */

/* Codes and attributes used here. */
#define MW_RADIUS_ACCT_REQUEST	4
#define MW_RADIUS_ACCT_RESPONSE	5

#define MW_RAT_FRAMED_IP	8
#define MW_RAT_VSA		26
#define MW_RAT_STATUS_TYPE	40
#define MW_RAT_SESSION_ID	44
#define MW_RAT_FRAMED_IPV6_PFX	97
#define MW_RAT_FRAMED_IPV6	168		/* Framed-IPv6-Address, RFC 6911 */

#define MW_RADIUS_VENDOR_3GPP	10415
#define MW_3GPP_IMEISV		20

enum mw_radius_status {
	MW_ACCT_START = 1,
	MW_ACCT_STOP = 2,
	MW_ACCT_INTERIM = 3,
	MW_ACCT_ON = 7,
	MW_ACCT_OFF = 8,
};

/* What became of one datagram (mw_radius_process). */
enum mw_radius_verdict {
	MW_RV_ANSWER = 0,	/* authenticated and recorded: answer it */
	MW_RV_MALFORMED,	/* too short, bad lengths or attributes: dropped */
	MW_RV_REJECTED,		/* Request Authenticator wrong (secret or forged): dropped */
	MW_RV_UNSUPPORTED,	/* not an Accounting-Request: dropped */
	MW_RV_UNRECORDED,	/* authenticated, but the bindings could not be written */
};

/* Counters, for logs and metrics. Every datagram lands in one of the first five. */
struct mw_radius_stats {
	uint64_t received;	/* datagrams read */
	uint64_t answered;	/* = accepted requests: Accounting-Responses built */
	uint64_t malformed;
	uint64_t rejected;	/* wrong Request Authenticator */
	uint64_t unsupported;	/* other codes */
	uint64_t unrecorded;	/* map unavailable or failing: not answered */
	uint64_t send_errors;	/* answers the socket refused */
	/* authenticated requests by Acct-Status-Type */
	uint64_t start, stop, interim, acct_on, acct_off, other_status;
	/* effect on the bindings, counted per address */
	uint64_t bound;		/* new binding stored */
	uint64_t refreshed;	/* already bound to that IMEI: nothing to do */
	uint64_t unbound;	/* RADIUS binding removed */
	uint64_t conflicts;	/* refused: address of another IMEI or device */
	uint64_t ignored;	/* requests without a usable IMEI or address */
};

/* One parsed Accounting-Request. */
struct mw_radius_req {
	uint8_t code, id;
	uint16_t len;
	uint8_t auth[16];
	int has_status;
	uint32_t status;		/* Acct-Status-Type */
	int has_imei;			/* 3GPP-IMEISV present and valid */
	int imei_bad;			/* 3GPP-IMEISV present but not an IMEI(SV) */
	int imei_sv;			/* it was an IMEISV */
	uint64_t imei;			/* 14-digit body */
	struct mw_prefix addr[MW_RADIUS_MAX_ADDRS];
	int naddr;
	int addrs_dropped;		/* more addresses than MW_RADIUS_MAX_ADDRS */
	int addrs_unusable;		/* unspecified, loopback, multicast, too short */
	char session[64];		/* Acct-Session-Id, printable ASCII only */
	char raw_imei[40];		/* the 3GPP-IMEISV value as sent, for logs */
};

/*
 * What a request does to the bindings: the pinned maps by default
 * (mw_radius_handle); tests plug in their own. Both return 0 when the
 * change was made, 1 when there was nothing to change (already bound to
 * this IMEI; no RADIUS binding to remove), -EEXIST for a conflict (@err
 * says with what), another negative errno when nothing could be recorded.
 */
struct mw_radius_ops {
	int (*bind)(void *ctx, uint64_t imei, const struct mw_prefix *p, char *err,
		    size_t errlen);
	int (*unbind)(void *ctx, uint64_t imei, const struct mw_prefix *p, char *err,
		      size_t errlen);
};

struct mw_radius {
	int fd;				/* UDP socket; -1 when closed */
	int family;
	char bound[80];			/* "ADDR:PORT" actually bound */
	uint8_t secret[MW_RADIUS_SECRET_MAX];
	size_t secret_len;
	struct mw_radius_stats st;
	/* log lines (no newline); NULL: stderr, "modwall: radius: ..." */
	void (*log)(void *ctx, const char *msg);
	void *log_ctx;
	/* log rate cap: the rest are counted and summarised */
	uint64_t log_window;		/* CLOCK_MONOTONIC second of the window */
	unsigned log_used;
	uint64_t log_suppressed;
};

/*
 * Read the shared secret from the first line of @path (trailing CR/LF
 * removed). Refuses a missing, unreadable, empty or overlong secret; warns
 * through r->log when group or others may read the file, or when the secret
 * is shorter than the 16 octets RFC 2865 asks for.
 */
int mw_radius_secret_load(struct mw_radius *r, const char *path, char *err, size_t errlen);

/*
 * Initialise @r, read the secret and bind a UDP socket on @addr_port
 * ("ADDR:PORT", "[ADDR6]:PORT", "HOST:PORT"; port 0 picks one). Returns the
 * non-blocking socket to poll for POLLIN, or a negative errno with @err
 * set: -EINVAL for bad input (the address; a secret file that is missing,
 * not a regular file, too big or without a secret), -EIO when the secret
 * file could not be read (permissions, resources), another errno from the
 * socket. Set r->log afterwards if wanted.
 */
int mw_radius_open(struct mw_radius *r, const char *addr_port, const char *secret_file,
		   char *err, size_t errlen);

/*
 * Read and answer the datagrams queued on r->fd (at most a batch, so the
 * rest of a poll loop keeps its turn; poll again for more). The pinned maps
 * under @pin_dir are opened and the pin directory locked, as `bind` does,
 * only while a request changes bindings. Returns the number of datagrams
 * read.
 */
int mw_radius_handle(struct mw_radius *r, const char *pin_dir);

/* Close the socket and wipe the secret. */
void mw_radius_close(struct mw_radius *r);

/*
 * One datagram, without a socket: check, parse, act through @ops, count.
 * On MW_RV_ANSWER @resp (MW_RADIUS_HDR bytes) holds the Accounting-Response.
 * @peer names the sender in logs (may be NULL).
 */
enum mw_radius_verdict mw_radius_process(struct mw_radius *r, const uint8_t *pkt, size_t len,
					 const struct mw_radius_ops *ops, void *ctx,
					 const char *peer, uint8_t resp[MW_RADIUS_HDR]);

/* ---- the pieces, for tests and tools ---- */

/*
 * Header checks: at least 20 octets, a Length field from 20 to 4096 that
 * the datagram covers (octets past Length are padding, RFC 2865 section 3).
 * Returns the Length, or -1.
 */
int mw_radius_check_len(const uint8_t *pkt, size_t len);

/*
 * Parse the attributes of a packet whose header passed mw_radius_check_len.
 * Returns 0, or -1 (malformed) with a reason in @why.
 */
int mw_radius_parse(const uint8_t *pkt, struct mw_radius_req *req, const char **why);

/*
 * MD5 over the packet with @auth in place of its authenticator field,
 * then the secret: the Request Authenticator of an Accounting-Request
 * (@auth all zero) and the Response Authenticator of its answer (@auth
 * the request's). @len is the Length field.
 */
void mw_radius_auth(const uint8_t *pkt, size_t len, const uint8_t auth[16],
		    const uint8_t *secret, size_t slen, uint8_t out[16]);

/* 1 when the Request Authenticator of an Accounting-Request is right. */
int mw_radius_verify(const uint8_t *pkt, size_t len, const uint8_t *secret, size_t slen);

/* Fill the authenticator field of an Accounting-Request (clients and tests). */
void mw_radius_sign(uint8_t *pkt, size_t len, const uint8_t *secret, size_t slen);

/* Build the Accounting-Response (no attributes) to an Accounting-Request. */
void mw_radius_response(const uint8_t *req, const uint8_t *secret, size_t slen,
			uint8_t resp[MW_RADIUS_HDR]);

/*
 * The value of 3GPP-IMEISV: 16 digits (IMEISV), 15 (IMEI with its Luhn
 * digit) or 14 (IMEI without it), trailing NULs ignored; or 8 octets of
 * TBCD (the encoding GTP and Diameter use, seen from some gateways).
 * Returns 0 with the 14-digit body, or -1 (also for all zeros, which
 * modules without an IMEI report).
 */
int mw_radius_imei(const uint8_t *v, size_t len, uint64_t *body, int *sv);

/* ---- metrics ---- */

#define MW_RADIUS_SERIES	17	/* series mw_radius_metrics() writes */

/* The modwall_radius_* families in the Prometheus text format. */
void mw_radius_metrics(const struct mw_radius_stats *s, struct mw_sbuf *b);

#endif /* MW_RADIUS_H */
