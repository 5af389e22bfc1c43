// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target: any datagram through mw_radius_process, both as it
 * comes (it mostly fails the authenticator) and signed with the secret so
 * the attribute parser sees it. Bindings go to a small recording table.
 * Invariant checked: every datagram lands in exactly one verdict counter.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "radius.h"

static int nb;

static int fz_bind(void *ctx, uint64_t imei, const struct mw_prefix *p, char *err,
		   size_t errlen)
{
	(void)ctx;
	(void)err;
	(void)errlen;
	if ((p->family != 2 && p->family != 10) || p->len < 0 || p->len > 128 || !imei)
		abort();
	return nb++ % 3 == 2 ? -EEXIST : 0;
}

static int fz_unbind(void *ctx, uint64_t imei, const struct mw_prefix *p, char *err,
		     size_t errlen)
{
	return fz_bind(ctx, imei, p, err, errlen) ? 1 : 0;
}

static void fz_log(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mw_radius_ops ops = { fz_bind, fz_unbind };
	static struct mw_radius r;
	uint8_t resp[MW_RADIUS_HDR], *copy;
	uint64_t before;

	if (!r.secret_len) {
		memcpy(r.secret, "fuzz-secret-0123", 16);
		r.secret_len = 16;
		r.fd = -1;
		r.log = fz_log;
	}
	before = r.st.received;
	copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	mw_radius_process(&r, copy, size, &ops, NULL, "fuzz", resp);
	if (mw_radius_check_len(copy, size) > 0) {
		copy[0] = MW_RADIUS_ACCT_REQUEST;
		mw_radius_sign(copy, (size_t)(copy[2] << 8 | copy[3]), r.secret, r.secret_len);
		if (mw_radius_process(&r, copy, size, &ops, NULL, "fuzz", resp) == MW_RV_REJECTED)
			abort();
	}
	free(copy);
	if (r.st.answered + r.st.malformed + r.st.rejected + r.st.unsupported +
	    r.st.unrecorded != r.st.received || r.st.received == before)
		abort();
	return 0;
}
