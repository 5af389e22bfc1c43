// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * RADIUS accounting (see radius.h): what one datagram does, and the rate
 * capped log. The packet format is in radius_pkt.c, the UDP listener in
 * radius_sock.c, the metrics in radius_metrics.c.
 *
 * A datagram goes: length checks -> code -> Request Authenticator ->
 * attributes -> effect on the bindings -> Accounting-Response. Every step
 * reads only inside the Length the header declares, so no input can make
 * it read past the buffer; each datagram ends in exactly one of the
 * verdict counters.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "radius.h"
#include "radius_int.h"

#ifndef ENOTSUPP
#define ENOTSUPP	524	/* the kernel's "operation not supported" for map ops */
#endif

#define LOG_PER_SEC	20	/* log lines a second; the rest are counted */

/* ---- logging ---- */

static void emit(struct mw_radius *r, const char *msg)
{
	if (r->log) {
		r->log(r->log_ctx, msg);
	} else {
		fprintf(stderr, "modwall: radius: %s\n", msg);
		fflush(stderr);
	}
}

/*
 * A flood of forged or broken packets must not turn into a flood of log
 * lines: at most LOG_PER_SEC a second, then one line saying how many were
 * left out.
 */
void mw_radius_log(struct mw_radius *r, const char *fmt, ...)
{
	struct timespec ts;
	char msg[512];
	va_list ap;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if ((uint64_t)ts.tv_sec != r->log_window) {
		if (r->log_suppressed) {
			snprintf(msg, sizeof(msg), "%llu log line(s) left out (more than %d a second)",
				 (unsigned long long)r->log_suppressed, LOG_PER_SEC);
			emit(r, msg);
		}
		r->log_window = (uint64_t)ts.tv_sec;
		r->log_used = 0;
		r->log_suppressed = 0;
	}
	if (r->log_used >= LOG_PER_SEC) {
		r->log_suppressed++;
		return;
	}
	r->log_used++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	emit(r, msg);
}

/* ---- processing ---- */

static const char *status_name(uint32_t s)
{
	switch (s) {
	case MW_ACCT_START: return "Start";
	case MW_ACCT_STOP: return "Stop";
	case MW_ACCT_INTERIM: return "Interim-Update";
	case MW_ACCT_ON: return "Accounting-On";
	case MW_ACCT_OFF: return "Accounting-Off";
	}
	return "other";
}

/* Bind or unbind every address of @req; -1 when something could not be recorded. */
static int act(struct mw_radius *r, const struct mw_radius_req *req, int stop,
	       const struct mw_radius_ops *ops, void *ctx, const char *peer)
{
	char imei[16], a[64], err[512];
	int i, rc;

	mw_format_imei(req->imei, imei);
	for (i = 0; i < req->naddr; i++) {
		mw_format_prefix(&req->addr[i], a, sizeof(a));
		err[0] = 0;
		rc = stop ? ops->unbind(ctx, req->imei, &req->addr[i], err, sizeof(err))
			  : ops->bind(ctx, req->imei, &req->addr[i], err, sizeof(err));
		if (rc == 0 && stop) {
			r->st.unbound++;
			mw_radius_log(r, "unbound %s from IMEI %s (session '%s', from %s)", a, imei,
			     req->session, peer);
		} else if (rc == 0) {
			r->st.bound++;
			mw_radius_log(r, "bound %s to IMEI %s (session '%s', from %s)", a, imei,
			     req->session, peer);
		} else if (rc == 1) {
			if (!stop)
				r->st.refreshed++;
		} else if (rc == -EEXIST) {
			r->st.conflicts++;
			mw_radius_log(r, "%s: not binding %s to IMEI %s (session '%s', from %s): %s",
			     status_name(req->status), a, imei, req->session, peer, err);
		} else {
			mw_radius_log(r, "%s of %s for IMEI %s (session '%s', from %s) not recorded, no "
			     "answer so the NAS sends it again: %s", status_name(req->status), a,
			     imei, req->session, peer, err[0] ? err : strerror(-rc));
			return -1;
		}
	}
	return 0;
}

enum mw_radius_verdict mw_radius_process(struct mw_radius *r, const uint8_t *pkt, size_t len,
					 const struct mw_radius_ops *ops, void *ctx,
					 const char *peer, uint8_t resp[MW_RADIUS_HDR])
{
	struct mw_radius_req req;
	const char *why = NULL;
	int n;

	if (!peer)
		peer = "?";
	r->st.received++;
	n = mw_radius_check_len(pkt, len);
	if (n < 0) {
		r->st.malformed++;
		mw_radius_log(r, "malformed packet from %s: %zu octets, Length field %d", peer, len,
		     len >= 4 ? pkt[2] << 8 | pkt[3] : -1);
		return MW_RV_MALFORMED;
	}
	if (pkt[0] != MW_RADIUS_ACCT_REQUEST) {
		r->st.unsupported++;
		mw_radius_log(r, "code %u packet from %s dropped: only Accounting-Request (4) is served",
		     pkt[0], peer);
		return MW_RV_UNSUPPORTED;
	}
	if (!mw_radius_verify(pkt, (size_t)n, r->secret, r->secret_len)) {
		r->st.rejected++;
		mw_radius_log(r, "Accounting-Request from %s (id %u) dropped: wrong Request Authenticator "
		     "(is the shared secret the same on both sides?)", peer, pkt[1]);
		return MW_RV_REJECTED;
	}
	if (mw_radius_parse(pkt, &req, &why)) {
		r->st.malformed++;
		mw_radius_log(r, "malformed Accounting-Request from %s (id %u): %s", peer, pkt[1], why);
		return MW_RV_MALFORMED;
	}
	if (req.addrs_unusable)
		mw_radius_log(r, "%s from %s: %d address(es) skipped: unspecified, loopback, multicast, "
		     "link-local or an IPv6 prefix shorter than /%d", status_name(req.status), peer,
		     req.addrs_unusable, MIN_V6_PREFIX);
	if (req.addrs_dropped)
		mw_radius_log(r, "%s from %s: more than %d addresses; the rest are left out",
		     status_name(req.status), peer, MW_RADIUS_MAX_ADDRS);

	if (!req.has_status) {
		r->st.ignored++;
		mw_radius_log(r, "Accounting-Request from %s (id %u) has no Acct-Status-Type; ignored",
		     peer, req.id);
	} else if (req.status == MW_ACCT_START || req.status == MW_ACCT_INTERIM ||
		   req.status == MW_ACCT_STOP) {
		if (req.imei_bad || !req.has_imei || !req.naddr) {
			r->st.ignored++;
			mw_radius_log(r, "%s from %s (session '%s') ignored: %s", status_name(req.status), peer,
			     req.session, req.imei_bad ? "3GPP-IMEISV is not an IMEI or IMEISV" :
			     !req.has_imei ? "no 3GPP-IMEISV" : "no usable address");
			if (req.imei_bad)
				mw_radius_log(r, "  3GPP-IMEISV was '%s'", req.raw_imei);
		} else if (act(r, &req, req.status == MW_ACCT_STOP, ops, ctx, peer)) {
			r->st.unrecorded++;
			return MW_RV_UNRECORDED;
		}
	} else if (req.status == MW_ACCT_ON || req.status == MW_ACCT_OFF) {
		/* bindings do not record their NAS: they end with each session's Stop */
		mw_radius_log(r, "%s from %s", status_name(req.status), peer);
	}

	if (!req.has_status)
		r->st.other_status++;
	else if (req.status == MW_ACCT_START)
		r->st.start++;
	else if (req.status == MW_ACCT_STOP)
		r->st.stop++;
	else if (req.status == MW_ACCT_INTERIM)
		r->st.interim++;
	else if (req.status == MW_ACCT_ON)
		r->st.acct_on++;
	else if (req.status == MW_ACCT_OFF)
		r->st.acct_off++;
	else
		r->st.other_status++;
	mw_radius_response(pkt, r->secret, r->secret_len, resp);
	r->st.answered++;
	return MW_RV_ANSWER;
}
