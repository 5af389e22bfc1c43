// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* IPFIX over UDP: libfixbuf encodes into a buffer, the datagram is sent here. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fixbuf/public.h>
#include "addr.h"
#include "ipfix.h"

/*
 * The records as libfixbuf reads them (internal templates): fields in
 * template order, each of the template's length, none needing padding
 * before it. A variable-length element is an fbVarfield_t.
 */
struct rec4 {
	uint64_t start_ms, end_ms, octets, packets;
	fbVarfield_t name;
	uint32_t src, dst;		/* host order, as libfixbuf wants ipv4Address */
	uint8_t src_mac[6], dst_mac[6];
	uint16_t sport, dport, icmp;
	uint8_t proto, direction, end_reason;
};

struct rec6 {
	uint64_t start_ms, end_ms, octets, packets;
	fbVarfield_t name;
	uint8_t src[16], dst[16];
	uint8_t src_mac[6], dst_mac[6];
	uint16_t sport, dport, icmp;
	uint8_t proto, direction, end_reason;
};

#define SPEC(n, len)	{ (char *)(n), (len), 0 }

static fbInfoElementSpec_t spec4[] = {
	SPEC("flowStartMilliseconds", 8),
	SPEC("flowEndMilliseconds", 8),
	SPEC("octetDeltaCount", 8),
	SPEC("packetDeltaCount", 8),
	SPEC("interfaceName", FB_IE_VARLEN),
	SPEC("sourceIPv4Address", 4),
	SPEC("destinationIPv4Address", 4),
	SPEC("sourceMacAddress", 6),
	SPEC("destinationMacAddress", 6),
	SPEC("sourceTransportPort", 2),
	SPEC("destinationTransportPort", 2),
	SPEC("icmpTypeCodeIPv4", 2),
	SPEC("protocolIdentifier", 1),
	SPEC("flowDirection", 1),
	SPEC("flowEndReason", 1),
	FB_IESPEC_NULL
};

static fbInfoElementSpec_t spec6[] = {
	SPEC("flowStartMilliseconds", 8),
	SPEC("flowEndMilliseconds", 8),
	SPEC("octetDeltaCount", 8),
	SPEC("packetDeltaCount", 8),
	SPEC("interfaceName", FB_IE_VARLEN),
	SPEC("sourceIPv6Address", 16),
	SPEC("destinationIPv6Address", 16),
	SPEC("sourceMacAddress", 6),
	SPEC("destinationMacAddress", 6),
	SPEC("sourceTransportPort", 2),
	SPEC("destinationTransportPort", 2),
	SPEC("icmpTypeCodeIPv6", 2),
	SPEC("protocolIdentifier", 1),
	SPEC("flowDirection", 1),
	SPEC("flowEndReason", 1),
	FB_IESPEC_NULL
};

struct mw_ipfix {
	fbInfoModel_t *model;
	fbSession_t *session;		/* owned by fbuf once it exists */
	fBuf_t *fbuf;
	fbExporter_t *exporter;		/* owned by fbuf */
	int fd;				/* connected UDP socket */
	uint16_t tid;			/* template the buffer is set to; 0: none yet */
	uint64_t pending;		/* data records in the message being built */
	int has_tmpl;			/* the message being built holds the templates */
	struct mw_ipfix_stats st;
	char peer[INET6_ADDRSTRLEN + 24];
	char err[256];
	uint8_t msg[MW_IPFIX_MTU];	/* where fBufEmit() puts a finished message */
};

static void seterr(struct mw_ipfix *x, const char *what, GError *e)
{
	snprintf(x->err, sizeof(x->err), "%s: %s", what, e ? e->message : "failed");
}

/* Add @spec as template @tid, both internal (memory layout) and external (wire). */
static int add_template(struct mw_ipfix *x, uint16_t tid, fbInfoElementSpec_t *spec,
			size_t recsize, GError **e)
{
	fbTemplate_t *t = fbTemplateAlloc(x->model);

	if (!fbTemplateAppendSpecArray(t, spec, 0, e)) {
		fbTemplateFreeUnused(t);
		return -1;
	}
	if (fbTemplateGetIELenOfMemBuffer(t) > recsize) {
		g_set_error(e, FB_ERROR_DOMAIN, FB_ERROR_TMPL, "template %u: record layout", tid);
		fbTemplateFreeUnused(t);
		return -1;
	}
	if (!fbSessionAddTemplate(x->session, TRUE, tid, t, e))
		return -1;
	if (!fbSessionAddTemplate(x->session, FALSE, tid, t, e))
		return -1;
	return 0;
}

static int open_socket(struct mw_ipfix *x, const char *dest, int *usage, char *err,
		       size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICSERV };
	char host[256], port[16], a[INET6_ADDRSTRLEN];
	struct addrinfo *ai = NULL;
	int rc;

	if (mw_split_hostport(dest, host, sizeof(host), port, sizeof(port)) || !strcmp(port, "0")) {
		snprintf(err, errlen, "'%s': expected HOST:PORT (IPv6 as [ADDR]:PORT), the port "
			 "from 1 to 65535", dest);
		*usage = 1;
		return -1;
	}
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc) {
		snprintf(err, errlen, "'%s': %s", dest, gai_strerror(rc));
		*usage = 1;
		return -1;
	}
	x->fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (x->fd < 0 || connect(x->fd, ai->ai_addr, ai->ai_addrlen)) {
		snprintf(err, errlen, "'%s': %s", dest, strerror(errno));
		freeaddrinfo(ai);
		return -1;
	}
	if (ai->ai_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ai->ai_addr;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(x->peer, sizeof(x->peer), "[%s]:%s", a, port);
	} else {
		const struct sockaddr_in *s4 = (const void *)ai->ai_addr;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(x->peer, sizeof(x->peer), "%s:%s", a, port);
	}
	freeaddrinfo(ai);
	return 0;
}

struct mw_ipfix *mw_ipfix_open(const char *dest, uint32_t domain, int *usage, char *err,
			       size_t errlen)
{
	struct mw_ipfix *x = calloc(1, sizeof(*x));
	GError *e = NULL;

	*usage = 0;
	if (!x) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	x->fd = -1;
	if (open_socket(x, dest, usage, err, errlen))
		goto fail;
	x->model = fbInfoModelAlloc();
	x->session = fbSessionAlloc(x->model);
	fbSessionSetDomain(x->session, domain);
	if (add_template(x, MW_IPFIX_TID4, spec4, sizeof(struct rec4), &e) ||
	    add_template(x, MW_IPFIX_TID6, spec6, sizeof(struct rec6), &e)) {
		snprintf(err, errlen, "IPFIX templates: %s", e ? e->message : "failed");
		g_clear_error(&e);
		goto fail;
	}
	x->exporter = fbExporterAllocBuffer(x->msg, sizeof(x->msg));
	x->fbuf = fBufAllocForExport(x->session, x->exporter);
	/* a full message is ours to send: fBufAppend() says so instead of emitting it */
	fBufSetAutomaticMode(x->fbuf, FALSE);
	return x;
fail:
	mw_ipfix_close(x);
	return NULL;
}

const char *mw_ipfix_peer(const struct mw_ipfix *x)
{
	return x->peer;
}

const struct mw_ipfix_stats *mw_ipfix_stats(const struct mw_ipfix *x)
{
	return &x->st;
}

const char *mw_ipfix_error(const struct mw_ipfix *x)
{
	return x->err;
}

void mw_ipfix_flush(struct mw_ipfix *x)
{
	GError *e = NULL;
	size_t len;

	if (!x->pending && !x->has_tmpl)
		return;
	if (!fBufEmit(x->fbuf, &e)) {
		seterr(x, "encoding a message", e);
		g_clear_error(&e);
		x->st.send_errors++;
		x->st.lost_records += x->pending;
		goto out;
	}
	len = fbExporterGetMsgLen(x->exporter);
	if (send(x->fd, x->msg, len, MSG_DONTWAIT) != (ssize_t)len) {
		snprintf(x->err, sizeof(x->err), "sending to %s: %s", x->peer, strerror(errno));
		x->st.send_errors++;
		x->st.lost_records += x->pending;
	} else {
		x->st.messages++;
		x->st.records += x->pending;
	}
out:
	x->pending = 0;
	x->has_tmpl = 0;
}

int mw_ipfix_templates(struct mw_ipfix *x)
{
	GError *e = NULL;
	int tries;

	for (tries = 0; tries < 2; tries++) {
		if (fbSessionExportTemplates(x->session, &e)) {
			x->has_tmpl = 1;
			return 0;
		}
		if (!g_error_matches(e, FB_ERROR_DOMAIN, FB_ERROR_EOM))
			break;
		g_clear_error(&e);
		mw_ipfix_flush(x);
	}
	seterr(x, "templates", e);
	g_clear_error(&e);
	return -1;
}

static int append(struct mw_ipfix *x, uint16_t tid, void *rec, size_t len)
{
	GError *e = NULL;
	int tries;

	if (x->tid != tid) {
		if (!fBufSetInternalTemplate(x->fbuf, tid, &e) ||
		    !fBufSetExportTemplate(x->fbuf, tid, &e)) {
			seterr(x, "setting the template", e);
			g_clear_error(&e);
			return -1;
		}
		x->tid = tid;
	}
	for (tries = 0; tries < 2; tries++) {
		if (fBufAppend(x->fbuf, rec, len, &e)) {
			x->pending++;
			return 0;
		}
		if (!g_error_matches(e, FB_ERROR_DOMAIN, FB_ERROR_EOM))
			break;
		g_clear_error(&e);
		mw_ipfix_flush(x);
	}
	seterr(x, "encoding a record", e);
	g_clear_error(&e);
	return -1;
}

int mw_ipfix_add(struct mw_ipfix *x, const struct mw_ipfix_rec *r)
{
	const char *name = r->name ? r->name : "";
	fbVarfield_t nf = { .len = strlen(name), .buf = (uint8_t *)name };

	if (r->family == AF_INET6) {
		struct rec6 v = {
			.start_ms = r->start_ms, .end_ms = r->end_ms, .octets = r->octets,
			.packets = r->packets, .name = nf, .sport = r->sport, .dport = r->dport,
			.icmp = r->icmp, .proto = r->proto, .direction = r->direction,
			.end_reason = r->end_reason,
		};

		memcpy(v.src, r->src, 16);
		memcpy(v.dst, r->dst, 16);
		memcpy(v.src_mac, r->src_mac, 6);
		memcpy(v.dst_mac, r->dst_mac, 6);
		return append(x, MW_IPFIX_TID6, &v, sizeof(v));
	} else {
		struct rec4 v = {
			.start_ms = r->start_ms, .end_ms = r->end_ms, .octets = r->octets,
			.packets = r->packets, .name = nf, .sport = r->sport, .dport = r->dport,
			.icmp = r->icmp, .proto = r->proto, .direction = r->direction,
			.end_reason = r->end_reason,
		};
		uint32_t a;

		memcpy(&a, r->src, 4);
		v.src = ntohl(a);
		memcpy(&a, r->dst, 4);
		v.dst = ntohl(a);
		memcpy(v.src_mac, r->src_mac, 6);
		memcpy(v.dst_mac, r->dst_mac, 6);
		return append(x, MW_IPFIX_TID4, &v, sizeof(v));
	}
}

void mw_ipfix_close(struct mw_ipfix *x)
{
	if (!x)
		return;
	if (x->fbuf)
		fBufFree(x->fbuf);		/* the session and the exporter with it */
	else if (x->session)
		fbSessionFree(x->session);
	if (x->model)
		fbInfoModelFree(x->model);
	if (x->fd >= 0)
		close(x->fd);
	free(x);
}
