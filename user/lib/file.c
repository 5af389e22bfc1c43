// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Bounded reading of input files, and escaping of quoted file text. See
 * file.h for why every input file is read through here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "file.h"

static const char *kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

static void size_err(char *err, size_t errlen, size_t max)
{
	if (max >= 1u << 20)
		snprintf(err, errlen, "larger than %zu MiB", max >> 20);
	else
		snprintf(err, errlen, "larger than %zu bytes", max);
}

int mw_file_open(const char *path, size_t max, char *err, size_t errlen)
{
	struct stat st;
	int fd, e;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		snprintf(err, errlen, "%s", strerror(e));
		return -e;
	}
	if (fstat(fd, &st)) {
		e = errno;
		snprintf(err, errlen, "%s", strerror(e));
		close(fd);
		return -e;
	}
	if (!S_ISREG(st.st_mode)) {
		const char *k = kind(st.st_mode);

		snprintf(err, errlen, "%s%s", k, k[0] == 'a' ? ", not a regular file" : "");
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	}
	if (max && (uint64_t)st.st_size > max) {
		size_err(err, errlen, max);
		close(fd);
		return -EFBIG;
	}
	return fd;
}

int mw_file_read_fd(int fd, size_t max, char **data, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	size_t cap, n = 0;
	char *buf;

	/* the size is a first guess only: the file may change while it is read */
	cap = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	      (uint64_t)st.st_size <= max ? (size_t)st.st_size + 1 : 65536;
	if (cap > max + 1)
		cap = max + 1;
	buf = malloc(cap + 1);
	if (!buf) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			char *nb;

			if (ncap == cap) {
				/* read one byte past the cap: it tells "too large" from "exactly" */
				free(buf);
				size_err(err, errlen, max);
				return -EFBIG;
			}
			nb = realloc(buf, ncap + 1);
			if (!nb) {
				free(buf);
				snprintf(err, errlen, "%s", strerror(ENOMEM));
				return -ENOMEM;
			}
			buf = nb;
			cap = ncap;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			free(buf);
			snprintf(err, errlen, "%s", strerror(e));
			return -e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max) {
		free(buf);
		size_err(err, errlen, max);
		return -EFBIG;
	}
	buf[n] = 0;
	*data = buf;
	*len = n;
	return 0;
}

int mw_file_read(const char *path, size_t max, char **data, size_t *len, char *err,
		 size_t errlen)
{
	int fd = mw_file_open(path, max, err, errlen), rc;

	if (fd < 0)
		return fd;
	rc = mw_file_read_fd(fd, max, data, len, err, errlen);
	close(fd);
	return rc;
}

/* Length of the UTF-8 sequence at @s (at most @n bytes), 0 when it is not one. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned lo = 0x80, hi = 0xbf;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;	/* overlong */
	else if (s[0] == 0xed)
		hi = 0x9f;	/* surrogates */
	else if (s[0] == 0xf0)
		lo = 0x90;	/* overlong */
	else if (s[0] == 0xf4)
		hi = 0x8f;	/* past U+10FFFF */
	if (len > n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	if (s[0] == 0xc2 && s[1] <= 0x9f)
		return 0;	/* U+0080-U+009F: the C1 controls (CSI among them) */
	return len;
}

size_t mw_escape(char *out, size_t outlen, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, i = 0;

	if (!outlen)
		return 0;
	while (i < n) {
		size_t l = p[i] < 0x80 ? (p[i] >= 0x20 && p[i] != 0x7f) : utf8_len(p + i, n - i);

		if (l) {
			if (o + l >= outlen)
				break;
			memcpy(out + o, p + i, l);
			o += l;
			i += l;
			continue;
		}
		if (o + 4 >= outlen)
			break;
		snprintf(out + o, 5, "\\x%02x", p[i]);
		o += 4;
		i++;
	}
	out[o] = 0;
	return o;
}
