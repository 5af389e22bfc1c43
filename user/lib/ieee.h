/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The IEEE MAC address registries, as Debian's ieee-data package ships them
 * (/usr/share/ieee-data): oui.csv (MA-L, /24), mam.csv (MA-M, /28),
 * oui36.csv (MA-S, /36) and iab.csv (IAB, the older /36 blocks).
 *
 * MA-M, MA-S and IAB blocks are carved out of /24s that oui.csv lists as
 * assigned to the "IEEE Registration Authority", so a MAC resolves to the
 * most specific assignment that contains it.
 */
#ifndef MW_IEEE_H
#define MW_IEEE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MW_IEEE_DIR	"/usr/share/ieee-data"

struct mw_ieee_entry {
	uint64_t prefix;	/* 48-bit MAC number, bits past @bits zero */
	uint8_t bits;		/* 24, 28 or 36 */
	char registry[5];	/* "MA-L", "MA-M", "MA-S" or "IAB" */
	uint32_t line;		/* line of the record in its CSV file */
	const char *org;	/* organization name, surrounding blanks trimmed */
};

struct mw_ieee {
	struct mw_ieee_entry *v;	/* sorted by prefix, then bits, then file order */
	size_t n;
	char *buf[4];			/* file contents; the org strings point here */
	size_t org_max;			/* longest org name */
};

/*
 * Load the four registries from @dir (NULL: MW_IEEE_DIR). On error return -1
 * with a message in @err: "DIR/oui.csv: No such file or directory (install
 * Debian's ieee-data)", or "FILE:LINE: what is wrong" for a malformed record.
 */
int mw_ieee_load(struct mw_ieee *db, const char *dir, char *err, size_t errlen);
void mw_ieee_free(struct mw_ieee *db);

/*
 * Every assignment whose organization matches @name, case-insensitively and
 * at word boundaries: "MeiG" matches "Shenzhen MeiG Smart Technology Co.,Ltd"
 * but not "Shenzhen Meigao ...", "Telit" does not match "Intelitech". Both
 * sides are compared in normalised form (see mw_ieee_norm), so "co ltd"
 * matches "Co.,Ltd." and "Co., Ltd.".
 *
 * Returns the number of entries and sets *@out to a malloc'd array of them in
 * registry order (NULL when none); *@norgs is the number of distinct
 * organizations among them after normalisation, so more than one means the
 * name is ambiguous. Returns -1 with errno EINVAL when @name has no letter or
 * digit, ENOMEM when out of memory.
 */
ssize_t mw_ieee_find_vendor(const struct mw_ieee *db, const char *name,
			    const struct mw_ieee_entry ***out, size_t *norgs);

/*
 * The distinct organizations of @v (by normalised name), one spelling each
 * (the most frequent one; on a tie, the first in byte order), sorted by normalised name. Sets
 * *@names to a malloc'd array of pointers into the registry; returns its
 * length, or -1 (ENOMEM).
 */
ssize_t mw_ieee_orgs(const struct mw_ieee_entry *const *v, size_t n, const char ***names);

/* Most specific assignment containing @mac (36, then 28, then 24 bits), NULL when none. */
const struct mw_ieee_entry *mw_ieee_lookup(const struct mw_ieee *db, uint64_t mac);
/* The same for a MAC prefix of @bits bits: only assignments of at most @bits bits qualify. */
const struct mw_ieee_entry *mw_ieee_lookup_prefix(const struct mw_ieee *db, uint64_t prefix,
						  int bits);

/*
 * Normalised form of an organization or a query: ASCII lowercased, every run
 * of characters other than ASCII letters, digits and non-ASCII bytes turned
 * into one space, none leading or trailing. @buf needs strlen(@s) + 1 bytes;
 * returns the length written (truncated to @len - 1).
 */
size_t mw_ieee_norm(const char *s, char *buf, size_t len);

/* "fc:a1:3e/24", "74:1a:e0:90/28", "70:b3:d5:f2:f0/36": the octets the length covers. */
void mw_ieee_format_prefix(uint64_t prefix, int bits, char buf[24]);

#endif /* MW_IEEE_H */
