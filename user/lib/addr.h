/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Parsers for the identifiers operators type: MACs, MAC prefixes, IP
 * prefixes and IMEIs. All of them validate fully, never touch global state,
 * and on error fill struct mw_perr with the 0-based column of the offending
 * character and a message that says what is wrong.
 */
#ifndef MW_ADDR_H
#define MW_ADDR_H

#include <stdint.h>
#include <stddef.h>

struct mw_perr {
	int col;		/* 0-based offset into the parsed string */
	char msg[160];
};

/* "02:11:22:33:44:55" or "02-11-22-33-44-55"; *mac is the 48-bit number. */
int mw_parse_mac(const char *s, uint64_t *mac, struct mw_perr *e);

/*
 * MAC prefix: "FC:A1:3E/24", "70:B3:D5:F2:F0:00/36", or the IEEE registry
 * form of hex digits only ("FCA13E", "70B3D5F2F": length = 4 bits a digit).
 * Lengths 24, 28 and 36 only (MA-L, MA-M, MA-S); bits past the length must
 * be zero.
 */
int mw_parse_mac_prefix(const char *s, uint64_t *mac, int *bits, struct mw_perr *e);

struct mw_prefix {
	int family;		/* AF_INET or AF_INET6 */
	int len;		/* prefix length */
	uint8_t addr[16];	/* network order; IPv4 in the first 4 bytes */
};

/*
 * "198.18.0.1", "198.18.0.0/15", "fd00::1", "fd00::/8"; host bits must be
 * zero, a length has no leading zero, and IPv4-mapped IPv6 addresses
 * (::ffff:198.18.0.1) are refused: the IPv4 form names them.
 */
int mw_parse_prefix(const char *s, struct mw_prefix *p, struct mw_perr *e);
/* May @p be a device's address? Not ::/0 nor 0.0.0.0/0. 0, or -1 with @e (col 0). */
int mw_device_prefix_check(const struct mw_prefix *p, struct mw_perr *e);
/* Format as the parser reads it (length omitted for host addresses). */
void mw_format_prefix(const struct mw_prefix *p, char *buf, size_t len);
/* 1 when the two prefixes share at least one address. */
int mw_prefix_overlap(const struct mw_prefix *a, const struct mw_prefix *b);

/*
 * IMEI: 15 digits whose last is the Luhn check digit, or IMEISV: 16 digits
 * (TAC, serial, 2-digit software version; no check digit). Either way
 * *body is the 14-digit TAC + serial as a number, the device's identity;
 * *sv is set for an IMEISV. The TAC is body / 1000000.
 */
int mw_parse_imei(const char *s, uint64_t *body, int *sv, struct mw_perr *e);
/* Luhn check digit for the 14 digits of @body. */
int mw_luhn_digit(uint64_t body);
/* The 15-digit IMEI of @body, with its check digit. */
void mw_format_imei(uint64_t body, char buf[16]);

void mw_format_mac(uint64_t mac, char buf[18]);

/*
 * "HOST:PORT" or "[ADDR6]:PORT" -> @host and @port (the port as a decimal
 * string, 0 to 65535). 0, or -1 when @spec is not of that form.
 */
int mw_split_hostport(const char *spec, char *host, size_t hostlen, char *port, size_t portlen);

#endif /* MW_ADDR_H */
