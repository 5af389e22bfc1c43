// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A minimal RADIUS accounting listener over the library, for the end to
 * end test: the same poll loop shape as `modwall daemon`, nothing else.
 *
 *   radiusd_test ADDR:PORT SECRET_FILE STATS_FILE
 *
 * Pins are under $MODWALL_PIN_DIR (default /sys/fs/bpf/modwall). Prints
 * "listening on ADDR:PORT" once the socket is bound; after every batch it
 * rewrites STATS_FILE ("name value" lines, renamed into place). SIGTERM or
 * SIGINT ends it.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include "radius.h"

static void write_stats(const struct mw_radius_stats *s, const char *path)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "received %llu\nanswered %llu\nmalformed %llu\nrejected %llu\n"
		"unsupported %llu\nunrecorded %llu\nsend_errors %llu\nstart %llu\nstop %llu\n"
		"interim %llu\nacct_on %llu\nacct_off %llu\nother_status %llu\nbound %llu\n"
		"refreshed %llu\nunbound %llu\nconflicts %llu\nignored %llu\n",
		(unsigned long long)s->received, (unsigned long long)s->answered,
		(unsigned long long)s->malformed, (unsigned long long)s->rejected,
		(unsigned long long)s->unsupported, (unsigned long long)s->unrecorded,
		(unsigned long long)s->send_errors, (unsigned long long)s->start,
		(unsigned long long)s->stop, (unsigned long long)s->interim,
		(unsigned long long)s->acct_on, (unsigned long long)s->acct_off,
		(unsigned long long)s->other_status, (unsigned long long)s->bound,
		(unsigned long long)s->refreshed, (unsigned long long)s->unbound,
		(unsigned long long)s->conflicts, (unsigned long long)s->ignored);
	if (fclose(f) == 0)
		rename(tmp, path);
}

int main(int argc, char **argv)
{
	const char *pin_dir = getenv("MODWALL_PIN_DIR");
	struct mw_radius r = { .fd = -1 };
	struct pollfd pfd[2];
	sigset_t sigs;
	char err[1024];
	int sfd, stop = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: %s ADDR:PORT SECRET_FILE STATS_FILE\n", argv[0]);
		return 2;
	}
	if (!pin_dir || !*pin_dir)
		pin_dir = MW_PIN_DIR;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &sigs, NULL) ||
	    (sfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
		perror("signalfd");
		return 1;
	}
	if (mw_radius_open(&r, argv[1], argv[2], err, sizeof(err)) < 0) {
		fprintf(stderr, "radiusd_test: %s\n", err);
		return 1;
	}
	write_stats(&r.st, argv[3]);
	printf("listening on %s\n", r.bound);
	fflush(stdout);
	while (!stop) {
		struct signalfd_siginfo si;

		pfd[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = r.fd, .events = POLLIN };
		if (poll(pfd, 2, -1) < 0 && errno != EINTR) {
			perror("poll");
			break;
		}
		while (read(sfd, &si, sizeof(si)) == sizeof(si))
			stop = 1;
		if (pfd[1].revents & POLLIN) {
			mw_radius_handle(&r, pin_dir);
			write_stats(&r.st, argv[3]);
		}
	}
	mw_radius_close(&r);
	return 0;
}
