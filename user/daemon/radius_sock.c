// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The RADIUS accounting listener: the shared secret, the UDP socket, the
 * answers, and the pinned maps as the bindings a request changes (the
 * operations `modwall bind` / `unbind` use).
 */
#define _GNU_SOURCE	/* struct in6_pktinfo */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include "apply.h"
#include "bindings.h"
#include "file.h"
#include "radius.h"
#include "radius_int.h"

#define SETERR(...) do { if (err && errlen) snprintf(err, errlen, __VA_ARGS__); } while (0)

#define BATCH		64	/* datagrams per mw_radius_handle() call */

/* ---- the pinned maps as mw_radius_ops ---- */

struct pinned {
	const char *pin_dir;
	struct mw_maps m;
	int state;		/* 0: not opened yet, 1: open, < 0: -errno of the failure */
	int lock;
	char err[512];
};

/* Lock the pin directory, then open the maps (so no unload slips in between). */
static int pinned_get(struct pinned *c, char *err, size_t errlen)
{
	int rc;

	if (!c->state) {
		c->lock = mw_lock(c->pin_dir);
		if (c->lock == -ENOENT) {
			snprintf(c->err, sizeof(c->err), "modwall is not loaded (no %s)", c->pin_dir);
			c->state = c->lock;
		} else if (c->lock < 0) {
			snprintf(c->err, sizeof(c->err), "locking %s: %s", c->pin_dir,
				 strerror(-c->lock));
			c->state = c->lock;
		} else {
			rc = mw_maps_open(&c->m, c->pin_dir, c->err, sizeof(c->err));
			c->state = rc ? rc : 1;
		}
		if (c->state < 0 && c->lock >= 0) {
			close(c->lock);
			c->lock = -1;
		}
	}
	if (c->state < 0) {
		SETERR("%s", c->err);
		return c->state;
	}
	return 0;
}

static void pinned_put(struct pinned *c)
{
	if (c->state == 1)
		mw_maps_close(&c->m);
	if (c->lock >= 0)
		close(c->lock);
	c->state = 0;
	c->lock = -1;
}

static int pinned_bind(void *ctx, uint64_t imei, const struct mw_prefix *p, char *err,
		       size_t errlen)
{
	struct pinned *c = ctx;
	int rc = pinned_get(c, err, errlen);

	return rc ? rc : mw_bind_apply(&c->m, imei, p, MW_BIND_RADIUS, err, errlen);
}

static int pinned_unbind(void *ctx, uint64_t imei, const struct mw_prefix *p, char *err,
			 size_t errlen)
{
	struct pinned *c = ctx;
	int rc = pinned_get(c, err, errlen);

	if (rc)
		return rc;
	/* only what accounting bound: an operator's `modwall bind` stays */
	rc = mw_unbind_apply(&c->m, imei, p, MW_BIND_RADIUS, err, errlen);
	return rc == -ENOENT ? 1 : rc;
}

/* ---- socket ---- */

int mw_radius_secret_load(struct mw_radius *r, const char *path, char *err, size_t errlen)
{
	unsigned char buf[MW_RADIUS_SECRET_MAX + 2];
	char why[128];
	struct stat st;
	size_t n = 0, i;
	ssize_t got;
	int fd;

	fd = mw_file_open(path, MW_FILE_SECRET_MAX, why, sizeof(why));
	if (fd < 0) {
		SETERR("secret file %s: %s", path, why);
		return fd;
	}
	if (fstat(fd, &st) == 0 && (st.st_mode & (S_IRGRP | S_IROTH)))
		mw_radius_log(r, "warning: secret file %s can be read by %s (mode %04o); chmod 600 it",
		     path, st.st_mode & S_IROTH ? "every user" : "its group",
		     (unsigned)(st.st_mode & 07777));
	while (n < sizeof(buf) && (got = read(fd, buf + n, sizeof(buf) - n)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			SETERR("secret file %s: %s", path, strerror(errno));
			close(fd);
			explicit_bzero(buf, sizeof(buf));
			return -EIO;
		}
		n += (size_t)got;
	}
	close(fd);
	for (i = 0; i < n && buf[i] != '\n'; i++)
		;
	if (i == n && n == sizeof(buf)) {
		SETERR("secret file %s: the secret is longer than %d octets", path,
		       MW_RADIUS_SECRET_MAX);
		explicit_bzero(buf, sizeof(buf));
		return -EINVAL;
	}
	n = i;
	if (n && buf[n - 1] == '\r')
		n--;
	if (!n) {
		SETERR("secret file %s: the first line is empty; a shared secret is required",
		       path);
		return -EINVAL;
	}
	if (n < 16)
		mw_radius_log(r, "warning: the shared secret in %s is %zu octets; RFC 2865 section 3 asks "
		     "for at least 16", path, n);
	if (n > MW_RADIUS_SECRET_MAX) {
		SETERR("secret file %s: the secret is longer than %d octets", path,
		       MW_RADIUS_SECRET_MAX);
		explicit_bzero(buf, sizeof(buf));
		return -EINVAL;
	}
	memcpy(r->secret, buf, n);
	r->secret_len = n;
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

/*
 * A secret file that could not be loaded: -EINVAL when the path names no
 * usable secret file (missing, a directory, too big, no secret in it: the
 * operator's input is wrong), -EIO when a file that may be fine could not
 * be read by this process (permissions, descriptors, memory, I/O).
 */
static int secret_error(int rc)
{
	switch (-rc) {
	case EACCES:
	case EPERM:
	case EIO:
	case ENOMEM:
	case EMFILE:
	case ENFILE:
	case EINTR:
		return -EIO;
	}
	return -EINVAL;
}

int mw_radius_open(struct mw_radius *r, const char *addr_port, const char *secret_file,
		   char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	void (*log)(void *, const char *) = r->log;
	void *log_ctx = r->log_ctx;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[256], port[16], a[INET6_ADDRSTRLEN];
	struct addrinfo *ai = NULL;
	int fd = -1, one = 1, rcvbuf = 1 << 20, rc;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->log = log;
	r->log_ctx = log_ctx;
	if (mw_split_hostport(addr_port, host, sizeof(host), port, sizeof(port))) {
		SETERR("'%s': expected ADDR:PORT (IPv6 as [ADDR]:PORT), the port from 0 to 65535",
		       addr_port);
		return -EINVAL;
	}
	rc = mw_radius_secret_load(r, secret_file, err, errlen);
	if (rc)
		return secret_error(rc);
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc) {
		SETERR("'%s': %s", addr_port, gai_strerror(rc));
		mw_radius_close(r);
		return -EINVAL;
	}
	fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/* answer from the address the request came to, even on a wildcard bind */
	if (ai->ai_family == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	} else {
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	}
	/* room for a burst (a NAS restarting sends every session at once) */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) || getsockname(fd, (struct sockaddr *)&ss, &sl))
		goto fail;
	r->family = ai->ai_family;
	freeaddrinfo(ai);
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(r->bound, sizeof(r->bound), "[%s]:%u", a, ntohs(s6->sin6_port));
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(r->bound, sizeof(r->bound), "%s:%u", a, ntohs(s4->sin_port));
	}
	r->fd = fd;
	return fd;
fail:
	rc = errno;
	SETERR("UDP %s: %s", addr_port, strerror(rc));
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	mw_radius_close(r);
	return -rc;
}

void mw_radius_close(struct mw_radius *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	explicit_bzero(r->secret, sizeof(r->secret));
	r->secret_len = 0;
}

static void peer_name(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ntohs(s6->sin6_port));
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(s4->sin_port));
	} else {
		snprintf(buf, len, "?");
	}
}

union cmsg_space {
	struct cmsghdr align;
	char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
};

/* Send @resp to @to, from the local address in @rx_ctl when there is one. */
static int answer(struct mw_radius *r, const uint8_t *resp, const struct sockaddr_storage *to,
		  socklen_t tolen, const struct msghdr *rx)
{
	struct iovec iov = { .iov_base = (void *)resp, .iov_len = MW_RADIUS_HDR };
	struct msghdr mh = { .msg_name = (void *)to, .msg_namelen = tolen,
			     .msg_iov = &iov, .msg_iovlen = 1 };
	union cmsg_space tx;
	struct cmsghdr *c, *out;

	memset(&tx, 0, sizeof(tx));
	for (c = CMSG_FIRSTHDR(rx); c; c = CMSG_NXTHDR((struct msghdr *)rx, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			pi.ipi_spec_dst = pi.ipi_addr;
			pi.ipi_ifindex = 0;
			mh.msg_control = tx.buf;
			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			out = CMSG_FIRSTHDR(&mh);
			out->cmsg_level = IPPROTO_IP;
			out->cmsg_type = IP_PKTINFO;
			out->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(out), &pi, sizeof(pi));
			break;
		}
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			mh.msg_control = tx.buf;
			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			out = CMSG_FIRSTHDR(&mh);
			out->cmsg_level = IPPROTO_IPV6;
			out->cmsg_type = IPV6_PKTINFO;
			out->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(out), &pi, sizeof(pi));
			break;
		}
	}
	if (sendmsg(r->fd, &mh, MSG_DONTWAIT) == MW_RADIUS_HDR)
		return 0;
	if (mh.msg_control && errno == EINVAL) {	/* e.g. sent to a broadcast address */
		mh.msg_control = NULL;
		mh.msg_controllen = 0;
		if (sendmsg(r->fd, &mh, MSG_DONTWAIT) == MW_RADIUS_HDR)
			return 0;
	}
	return -errno;
}

int mw_radius_handle(struct mw_radius *r, const char *pin_dir)
{
	static const struct mw_radius_ops ops = { pinned_bind, pinned_unbind };
	struct pinned c = { .pin_dir = pin_dir, .lock = -1 };
	uint8_t buf[MW_RADIUS_MAX], resp[MW_RADIUS_HDR];
	int n;

	for (n = 0; n < BATCH; n++) {
		struct sockaddr_storage from;
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		union cmsg_space rx;
		struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from),
				     .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = rx.buf, .msg_controllen = sizeof(rx.buf) };
		char peer[INET6_ADDRSTRLEN + 10];
		ssize_t got;
		int rc;

		memset(&from, 0, sizeof(from));
		got = recvmsg(r->fd, &mh, MSG_DONTWAIT);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			break;		/* EAGAIN: all read */
		}
		peer_name(&from, peer, sizeof(peer));
		if (mw_radius_process(r, buf, (size_t)got, &ops, &c, peer, resp) != MW_RV_ANSWER)
			continue;
		rc = answer(r, resp, &from, mh.msg_namelen, &mh);
		if (rc) {
			r->st.send_errors++;
			mw_radius_log(r, "answering %s: %s", peer, strerror(-rc));
		}
	}
	pinned_put(&c);
	return n;
}
