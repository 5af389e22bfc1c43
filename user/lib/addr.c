// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "addr.h"

static int fail(struct mw_perr *e, int col, const char *fmt, ...)
{
	va_list ap;

	if (e) {
		e->col = col;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int mw_parse_mac(const char *s, uint64_t *mac, struct mw_perr *e)
{
	uint64_t v = 0;
	char sep = 0;
	int i, pos = 0;

	for (i = 0; i < 6; i++) {
		int hi, lo;

		if (i > 0) {
			if (s[pos] != ':' && s[pos] != '-')
				return fail(e, pos, s[pos] ? "expected ':' between MAC octets"
						     : "MAC address too short: 6 octets needed");
			if (sep && s[pos] != sep)
				return fail(e, pos, "mixed separators in MAC address");
			sep = s[pos++];
		}
		hi = hexval(s[pos]);
		lo = hi < 0 ? -1 : hexval(s[pos + 1]);
		if (hi < 0)
			return fail(e, pos, s[pos] ? "'%c' is not a hex digit" :
					    "MAC address too short: 6 octets needed", s[pos]);
		if (lo < 0)
			return fail(e, pos + 1, s[pos + 1] && s[pos + 1] != ':' && s[pos + 1] != '-' ?
				    "'%c' is not a hex digit" : "MAC octet needs two hex digits",
				    s[pos + 1]);
		v = v << 8 | (uint64_t)(hi << 4 | lo);
		pos += 2;
	}
	if (s[pos])
		return fail(e, pos, "trailing characters after MAC address");
	*mac = v;
	return 0;
}

int mw_parse_mac_prefix(const char *s, uint64_t *mac, int *bits, struct mw_perr *e)
{
	const char *slash = strchr(s, '/');
	uint64_t v = 0;
	int nibbles = 0, group = 0, pos = 0;
	char sep = 0, *end;
	long len;

	/* Hex digits only, or octets of two digits between one kind of separator. */
	for (; s[pos] && s + pos != slash; pos++) {
		int h = hexval(s[pos]);

		if (s[pos] == ':' || s[pos] == '-') {
			if (group == 0 && nibbles > 0)
				return fail(e, pos, "empty octet in MAC prefix");
			if (group < 2)
				return fail(e, pos, "separator inside an octet");
			if (group > 2)
				return fail(e, pos - group + 2, "expected '%c' between MAC prefix octets",
					    s[pos]);
			if (sep && s[pos] != sep)
				return fail(e, pos, "mixed separators in MAC prefix");
			sep = s[pos];
			group = 0;
			continue;
		}
		if (h < 0)
			return fail(e, pos, "'%c' is not a hex digit", s[pos]);
		if (sep && group == 2)
			return fail(e, pos, "expected '%c' between MAC prefix octets", sep);
		if (nibbles == 12)
			return fail(e, pos, "MAC prefix longer than 48 bits");
		v = v << 4 | (uint64_t)h;
		nibbles++;
		group++;
	}
	if (nibbles == 0)
		return fail(e, 0, "empty MAC prefix");
	if (sep && group == 0)
		return fail(e, pos, "MAC prefix ends with a separator");
	if (sep && group != 2)
		return fail(e, pos, "MAC prefix octet needs two hex digits");
	if (slash) {
		const char *l = slash + 1;

		if (!isdigit((unsigned char)*l))
			return fail(e, (int)(l - s), "expected a prefix length after '/'");
		if (l[0] == '0' && l[1])
			return fail(e, (int)(l - s), "leading zero in prefix length");
		len = strtol(l, &end, 10);
		if (*end)
			return fail(e, (int)(end - s), "trailing characters after prefix length");
	} else {
		len = nibbles * 4;
	}
	if (len != 24 && len != 28 && len != 36)
		return fail(e, slash ? (int)(slash - s) + 1 : 0,
			    "MAC prefix length %ld: only /24 (MA-L), /28 (MA-M) and /36 (MA-S) exist",
			    len);
	if (nibbles * 4 < len)
		return fail(e, pos, "MAC prefix has %d bits, shorter than /%ld", nibbles * 4, len);
	v <<= 48 - nibbles * 4;
	if (v & ((1ull << (48 - len)) - 1)) {
		/* Point at the first hex digit holding a bit past the length. */
		int k = (int)len / 4, n = -1;	/* lengths are whole hex digits */

		while (!(v >> (44 - 4 * k) & 0xf))
			k++;
		for (pos = 0; n < k; pos++)
			n += hexval(s[pos]) >= 0;
		return fail(e, pos - 1, "MAC prefix has bits set past /%ld", len);
	}
	*mac = v;
	*bits = (int)len;
	return 0;
}

static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

int mw_parse_prefix(const char *s, struct mw_prefix *p, struct mw_perr *e)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	int max, i;

	memset(p, 0, sizeof(*p));
	if (alen == 0)
		return fail(e, 0, "empty address");
	if (alen >= sizeof(buf))
		return fail(e, 0, "address too long");
	memcpy(buf, s, alen);
	buf[alen] = 0;
	if (strchr(buf, ':')) {
		p->family = AF_INET6;
		max = 128;
		if (inet_pton(AF_INET6, buf, p->addr) != 1)
			return fail(e, 0, "'%s' is not an IPv6 address", buf);
	} else {
		p->family = AF_INET;
		max = 32;
		if (inet_pton(AF_INET, buf, p->addr) != 1)
			return fail(e, 0, "'%s' is not an IPv4 address", buf);
	}
	p->len = max;
	if (slash) {
		const char *l = slash + 1;
		char *end;
		long v;

		if (!isdigit((unsigned char)*l))
			return fail(e, (int)(l - s), "expected a prefix length after '/'");
		if (l[0] == '0' && l[1])
			return fail(e, (int)(l - s), "leading zero in prefix length");
		v = strtol(l, &end, 10);
		if (*end)
			return fail(e, (int)(end - s), "trailing characters after prefix length");
		if (v > max)
			return fail(e, (int)(l - s), "prefix length %ld longer than /%d", v, max);
		p->len = (int)v;
	}
	for (i = p->len; i < max; i++) {
		if (p->addr[i / 8] & (0x80 >> (i % 8)))
			return fail(e, 0, "host bits set past /%d", p->len);
	}
	/*
	 * ::ffff:a.b.c.d never appears on the wire: it is how a dual-stack
	 * socket shows an IPv4 peer. Taken as an IPv6 address it would slip
	 * past the overlap checks of a.b.c.d, so the IPv4 form is asked for.
	 */
	if (p->family == AF_INET6 && p->len >= 96 && !memcmp(p->addr, v4mapped, 12)) {
		char a[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, p->addr + 12, a, sizeof(a));
		if (p->len == 128)
			return fail(e, 0, "an IPv4-mapped IPv6 address: write the IPv4 address %s", a);
		return fail(e, 0, "an IPv4-mapped IPv6 prefix: write the IPv4 prefix %s/%d", a,
			    p->len - 96);
	}
	return 0;
}

int mw_device_prefix_check(const struct mw_prefix *p, struct mw_perr *e)
{
	if (p->len == 0)
		return fail(e, 0, "a device cannot own every %s address",
			    p->family == AF_INET ? "IPv4" : "IPv6");
	return 0;
}

void mw_format_prefix(const struct mw_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	int max = p->family == AF_INET ? 32 : 128;

	inet_ntop(p->family, p->addr, a, sizeof(a));
	if (p->len == max)
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s/%d", a, p->len);
}

int mw_prefix_overlap(const struct mw_prefix *a, const struct mw_prefix *b)
{
	int n = a->len < b->len ? a->len : b->len, i;

	if (a->family != b->family)
		return 0;
	for (i = 0; i < n; i++) {
		int m = 0x80 >> (i % 8);

		if ((a->addr[i / 8] & m) != (b->addr[i / 8] & m))
			return 0;
	}
	return 1;
}

int mw_luhn_digit(uint64_t body)
{
	int sum = 0, i;

	/* Digits right to left; the rightmost of the body is doubled. */
	for (i = 0; i < 14; i++) {
		int d = (int)(body % 10);

		body /= 10;
		if (i % 2 == 0) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return (10 - sum % 10) % 10;
}

int mw_parse_imei(const char *s, uint64_t *body, int *sv, struct mw_perr *e)
{
	uint64_t v = 0;
	int n;

	for (n = 0; s[n]; n++) {
		if (!isdigit((unsigned char)s[n]))
			return fail(e, n, "'%c' in IMEI: only digits are allowed", s[n]);
		if (n == 16)
			return fail(e, n, "IMEI too long: 15 digits (or 16 for an IMEISV)");
		v = v * 10 + (uint64_t)(s[n] - '0');
	}
	if (n != 15 && n != 16)
		return fail(e, 0, "IMEI has %d digits: 15 needed (or 16 for an IMEISV)", n);
	if (n == 15) {
		int cd = (int)(v % 10);

		v /= 10;
		if (mw_luhn_digit(v) != cd)
			return fail(e, 14, "IMEI check digit is %d, Luhn says %d", cd,
				    mw_luhn_digit(v));
		*sv = 0;
	} else {
		v /= 100;	/* drop the software version number */
		*sv = 1;
	}
	*body = v;
	return 0;
}

void mw_format_imei(uint64_t body, char buf[16])
{
	snprintf(buf, 16, "%014llu%d", (unsigned long long)body, mw_luhn_digit(body));
}

void mw_format_mac(uint64_t mac, char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x",
		 (unsigned)(mac >> 40) & 0xff, (unsigned)(mac >> 32) & 0xff,
		 (unsigned)(mac >> 24) & 0xff, (unsigned)(mac >> 16) & 0xff,
		 (unsigned)(mac >> 8) & 0xff, (unsigned)mac & 0xff);
}

int mw_split_hostport(const char *spec, char *host, size_t hostlen, char *port, size_t portlen)
{
	const char *colon;
	char *end;
	unsigned long p;

	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (!close || close[1] != ':' || (size_t)(close - spec - 1) >= hostlen)
			return -1;
		snprintf(host, hostlen, "%.*s", (int)(close - spec - 1), spec + 1);
		colon = close + 1;
	} else {
		colon = strrchr(spec, ':');
		if (!colon || colon == spec || (size_t)(colon - spec) >= hostlen ||
		    memchr(spec, ':', (size_t)(colon - spec)))
			return -1;
		snprintf(host, hostlen, "%.*s", (int)(colon - spec), spec);
	}
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (errno || !colon[1] || *end || p > 65535 || colon[1] == '-' || colon[1] == '+')
		return -1;
	snprintf(port, portlen, "%lu", p);
	return 0;
}
