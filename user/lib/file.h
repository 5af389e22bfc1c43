/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Reading input files, bounded. Every file modwall reads as input (policies
 * and their includes, bindings files, MUD files, the IEEE registry, TAC
 * tables, the RADIUS secret) goes through here, so that each is a regular
 * file: a FIFO would block for ever, a device such as /dev/zero or
 * /dev/urandom never ends, a directory reads as nothing. Files are opened
 * O_NONBLOCK (opening a FIFO must not wait for a writer), O_NOCTTY and
 * O_CLOEXEC, then checked with fstat, and read with a hard cap that holds
 * even when the file grows while it is read.
 *
 * Also here: escaping text quoted from a file before it reaches a terminal.
 */
#ifndef MW_FILE_H
#define MW_FILE_H

#include <stddef.h>

/* Size caps by kind of input, documented in modwall.policy(5) and modwall(8). */
#define MW_FILE_POLICY_MAX	(256u << 20)	/* a policy, its includes counted in */
#define MW_FILE_BINDINGS_MAX	(256u << 20)	/* one bindings file */
#define MW_FILE_MUD_MAX		(16u << 20)	/* one MUD file */
#define MW_FILE_IEEE_MAX	(64u << 20)	/* one IEEE registry CSV */
#define MW_FILE_TAC_MAX		(64u << 20)	/* a TAC table */
#define MW_FILE_SECRET_MAX	4096u		/* the RADIUS shared secret file */
/*
 * One country database (geo.h). GeoLite2-Country is about 10 MiB, the
 * city editions of MaxMind and DB-IP 70-130 MiB, Debian's GeoIPv6.dat 8 MiB.
 */
#define MW_FILE_GEO_MAX		(512u << 20)

/*
 * Open @path for reading when it is a regular file. Returns the fd, or
 * -errno with the reason (without the file name) in @err: "a FIFO, not a
 * regular file", "larger than 16 MiB", strerror(). @max 0: no size check.
 */
int mw_file_open(const char *path, size_t max, char *err, size_t errlen);

/*
 * Read all of @path (see mw_file_open), at most @max bytes, into a
 * NUL-terminated buffer *@data (free it) of *@len bytes; the file may hold
 * NUL bytes of its own. Returns 0 or -errno with the reason in @err (-EFBIG
 * when the file is, or grows, larger than @max).
 */
int mw_file_read(const char *path, size_t max, char **data, size_t *len, char *err,
		 size_t errlen);

/* The same from an open descriptor of any kind (standard input), still capped at @max. */
int mw_file_read_fd(int fd, size_t max, char **data, size_t *len, char *err, size_t errlen);

/*
 * Copy @n bytes of @s to @out (always NUL-terminated, truncated to fit),
 * control characters (below 0x20, DEL, the C1 range) and bytes that are
 * not UTF-8 written as \xNN so that nothing quoted from a file can drive a
 * terminal. Returns the length written.
 */
size_t mw_escape(char *out, size_t outlen, const char *s, size_t n);

#endif /* MW_FILE_H */
