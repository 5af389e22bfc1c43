// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The link and neighbour watch in a poll loop of its own, against the
 * pinned state under MODWALL_PIN_DIR, as the daemon runs it: for the
 * end-to-end tests in tests/linkwatch/run.sh. Run it in the network
 * namespace it is to watch (nsenter --net=...).
 *
 *   watch_test [--status FILE] [--rcvbuf BYTES]
 *
 * SIGHUP: mw_linkwatch_resync() (what the daemon does after a reload).
 * SIGINT/SIGTERM: stop. --status FILE is rewritten (atomically) whenever a
 * counter changes: one "name value" per line. --rcvbuf shrinks the
 * notification socket's buffer so that a burst overruns it.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include "linkwatch.h"

static void write_status(const char *path, const struct mw_linkwatch *w)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "reattached %llu\nfailed %llu\ngone %llu\nwaiting %u\n"
		"neigh_added %llu\nneigh_removed %llu\nneigh_conflicts %llu\nlearned %u\n"
		"resyncs %llu\noverruns %llu\nlast_reattach_ms %.0f\n",
		(unsigned long long)w->reattached, (unsigned long long)w->failed,
		(unsigned long long)w->gone, w->waiting, (unsigned long long)w->neigh_added,
		(unsigned long long)w->neigh_removed, (unsigned long long)w->neigh_conflicts,
		w->learned, (unsigned long long)w->resyncs, (unsigned long long)w->overruns,
		w->last_reattach_s * 1000);
	if (fclose(f) == 0)
		rename(tmp, path);
}

static unsigned long long fingerprint(const struct mw_linkwatch *w)
{
	return w->reattached * 1000003ull ^ w->failed * 10007ull ^ w->gone * 101ull ^
	       w->waiting * 7919ull ^ w->neigh_added * 65537ull ^ w->neigh_removed * 257ull ^
	       w->neigh_conflicts * 31ull ^ w->learned * 17ull ^ w->resyncs * 13ull ^
	       w->overruns;
}

int main(int argc, char **argv)
{
	const char *pin_dir = getenv("MODWALL_PIN_DIR"), *status = NULL;
	struct mw_linkwatch w;
	struct pollfd p[2];
	sigset_t sigs;
	unsigned long long last = ~0ull;
	char err[512];
	int fd, sfd, stop = 0, rcvbuf = 0, i;

	for (i = 1; i < argc; i += 2) {
		if (i + 1 < argc && !strcmp(argv[i], "--status")) {
			status = argv[i + 1];
		} else if (i + 1 < argc && !strcmp(argv[i], "--rcvbuf")) {
			rcvbuf = atoi(argv[i + 1]);
		} else {
			fprintf(stderr, "usage: watch_test [--status FILE] [--rcvbuf BYTES]\n");
			return 2;
		}
	}
	if (!pin_dir || !*pin_dir)
		pin_dir = MW_PIN_DIR;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0) {
		perror("signalfd");
		return 1;
	}
	fd = mw_linkwatch_open(&w, pin_dir, err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, "watch_test: %s\n", err);
		return 1;
	}
	if (rcvbuf && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		perror("watch_test: SO_RCVBUFFORCE");
	fprintf(stderr, "watch_test: watching %s (pid %d)\n", pin_dir, (int)getpid());
	while (!stop) {
		struct signalfd_siginfo si;

		if (status && fingerprint(&w) != last) {
			write_status(status, &w);
			last = fingerprint(&w);
		}
		p[0] = (struct pollfd){ .fd = fd, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		if (poll(p, 2, mw_linkwatch_timeout(&w)) < 0 && errno != EINTR) {
			perror("poll");
			break;
		}
		while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGHUP) {
				int rc = mw_linkwatch_resync(&w);

				fprintf(stderr, "watch_test: SIGHUP: resync %s\n",
					rc ? strerror(-rc) : "done");
			} else {
				stop = 1;
			}
		}
		mw_linkwatch_handle(&w);
	}
	if (status)
		write_status(status, &w);
	mw_linkwatch_close(&w);
	fprintf(stderr, "watch_test: stopped\n");
	return 0;
}
