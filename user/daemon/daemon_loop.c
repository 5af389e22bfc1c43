// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The daemon's poll loop: signals (SIGHUP reloads), RADIUS, the link watch,
 * the DNS learner, and the asks for readings (for the HTTP threads and the
 * textfile), which the reader thread makes. All daemon state but d->pub
 * and the reader's own belongs to this thread.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#include "cli.h"
#include "daemon_int.h"

double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int daemon_loop(struct daemon *d, int http, int sfd, int rfd, int wfd)
{
	struct pollfd pfd[5];
	double next_write = 0;
	int stop = 0;

	if (d->cfg.textfile) {
		dlog("writing %s/%s every %g s", d->cfg.textfile, MW_METRICS_TEXTFILE,
		     d->cfg.interval);
		next_write = mono_now();
	}

	while (!stop) {
		struct signalfd_siginfo si;
		int timeout = -1, n = 0, ri = -1;

		if (d->cfg.textfile) {
			double left = next_write - mono_now();

			timeout = left <= 0 ? 0 : (int)(left * 1000) + 1;
		}
		pfd[n++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		if (http)
			pfd[n++] = (struct pollfd){ .fd = d->pub.efd, .events = POLLIN };
		if (rfd >= 0) {
			ri = n;
			pfd[n++] = (struct pollfd){ .fd = rfd, .events = POLLIN };
		}
		if (wfd >= 0) {
			int lt = mw_linkwatch_timeout(&d->lw);

			if (timeout < 0 || lt < timeout)
				timeout = lt;
			pfd[n++] = (struct pollfd){ .fd = wfd, .events = POLLIN };
		}
		if (d->dl_open) {
			int dt = mw_dnslearn_timeout(&d->dl), dfd = mw_dnslearn_fd(&d->dl);

			if (timeout < 0 || dt < timeout)
				timeout = dt;
			if (dfd >= 0)
				pfd[n++] = (struct pollfd){ .fd = dfd, .events = POLLIN };
		}
		if (poll(pfd, (nfds_t)n, timeout) < 0 && errno != EINTR) {
			mw_err("daemon: poll: %s", strerror(errno));
			return -1;
		}
		while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGHUP) {
				daemon_reload(d);
			} else {
				dlog("%s: shutting down", strsignal((int)si.ssi_signo));
				stop = 1;
			}
		}
		if (ri >= 0 && (pfd[ri].revents & POLLIN) && !stop)
			mw_radius_handle(&d->radius, mw_opts.pin_dir);
		if (wfd >= 0 && !stop)
			mw_linkwatch_handle(&d->lw);
		if (d->dl_open && !stop)
			mw_dnslearn_handle(&d->dl);
		/* after the rest: a scrape that waited for it sees RADIUS and reload counters current */
		if (http && !stop)
			pub_asked(d);
		if (d->cfg.textfile && !stop && mono_now() >= next_write) {
			pub_post(d, 1, 1);
			next_write += d->cfg.interval;
			if (next_write < mono_now())	/* fell behind: no burst of writes */
				next_write = mono_now() + d->cfg.interval;
		}
	}
	return 0;
}
