// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Readings of the maps, from the poll loop's ask to the HTTP threads.
 *
 * A reading of a million subjects reads hundreds of MiB of maps; the poll
 * loop answers RADIUS and follows links meanwhile, so it never makes one.
 * It copies the little of its own state a reading shows (reload, RADIUS,
 * DNS and IPFIX counters: a struct mw_job) and posts that to the reader
 * thread, which reads the maps, renders the text, writes the textfile when
 * asked to and publishes the text for the HTTP threads. Nothing but d->pub
 * is shared; the reader's own state (its arrays, the process_* readings,
 * the dropped-series total) is touched by no other thread.
 *
 * A scrape asks for a reading through an eventfd and waits, under
 * d->pub.mu, for one whose copy of the loop's state was made after it
 * asked (so an Accounting-Response it saw is counted); concurrent scrapes
 * share one. When none comes within FRESH_WAIT_S after the oldest waiting
 * scrape asked (the loop stuck in a reload, a reading already under way
 * and the next one behind it), scrapes get the last published reading at
 * once. A job posted while another waits replaces it: its copy is newer
 * and it answers every ask the older one did. The loop and the reader
 * hold the lock only to hand over a pointer, and the text is shared by
 * reference, never copied per scrape.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include "daemon_int.h"

#define FRESH_WAIT_S	1.0	/* a scrape waits this long for a fresh reading */

int pub_init(struct mw_pub *p)
{
	pthread_condattr_t ca;
	int rc;

	p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (p->efd < 0)
		return -errno;
	pthread_mutex_init(&p->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	rc = pthread_cond_init(&p->cv, &ca);
	if (!rc) {
		rc = pthread_cond_init(&p->work, NULL);
		if (rc)
			pthread_cond_destroy(&p->cv);
	}
	pthread_condattr_destroy(&ca);
	if (rc) {
		pthread_mutex_destroy(&p->mu);
		close(p->efd);
		p->efd = -1;
		return -rc;
	}
	return 0;
}

void text_put(struct mw_text *t)
{
	if (t && atomic_fetch_sub(&t->refs, 1) == 1) {
		free(t->s);
		free(t);
	}
}

static void job_free(struct mw_job *j)
{
	if (j) {
		reg_put(j->reg);
		free(j);
	}
}

/* ---- the reader thread ---- */

/* The reading @j asks for, as text to publish; NULL when its rendering failed. */
static struct mw_text *make_reading(struct daemon *d, struct mw_job *j)
{
	struct mw_sbuf b = { 0 };
	struct mw_text *t = NULL;
	int rc;

	rc = collect(d, j, &b);
	if (j->textfile)
		write_textfile(d, rc ? NULL : &b, rc);
	if (!rc && d->cfg.listen)
		t = malloc(sizeof(*t));
	if (t) {
		t->s = b.s;
		t->len = b.len;
		atomic_init(&t->refs, 1);
	} else {
		mw_sbuf_free(&b);
	}
	return t;
}

static void *reader(void *arg)
{
	struct daemon *d = arg;
	struct mw_pub *p = &d->pub;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct mw_text *t, *old;
		struct mw_job *j;

		while (!p->job && !p->stop)
			pthread_cond_wait(&p->work, &p->mu);
		if (p->stop)
			break;
		j = p->job;
		p->job = NULL;
		pthread_mutex_unlock(&p->mu);
		t = make_reading(d, j);
		pthread_mutex_lock(&p->mu);
		old = p->text;
		p->text = t;
		p->done = j->seq;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		text_put(old);
		job_free(j);
		pthread_mutex_lock(&p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int pub_start(struct daemon *d)
{
	int rc = pthread_create(&d->pub.thread, NULL, reader, d);

	if (rc)
		return -rc;
	d->pub.running = 1;
	return 0;
}

void pub_destroy(struct mw_pub *p)
{
	if (p->running) {
		pthread_mutex_lock(&p->mu);
		p->stop = 1;
		pthread_cond_signal(&p->work);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->thread, NULL);
		p->running = 0;
	}
	job_free(p->job);
	text_put(p->text);
	p->job = NULL;
	p->text = NULL;
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	close(p->efd);
	p->efd = -1;
}

/* ---- the poll loop ---- */

void pub_post(struct daemon *d, int textfile, int count_dropped)
{
	struct mw_pub *p = &d->pub;
	struct mw_job *j = calloc(1, sizeof(*j)), *old;
	uint64_t n;

	if (!j) {
		dlog("no memory for a reading");
		return;
	}
	j->textfile = textfile;
	j->count_dropped = count_dropped;
	j->st = d->st;
	if (d->st.radius) {
		j->radius = *d->st.radius;
		j->st.radius = &j->radius;
	}
	if (d->st.dns) {
		j->dns = *d->st.dns;
		j->st.dns = &j->dns;
	}
	if (d->fx) {
		mw_flowexp_stats_get(d->fx, &j->fx);
		j->st.ipfix = &j->fx;
	}
	j->reg = reg_get(d->reg);
	pthread_mutex_lock(&p->mu);
	/* scrapes ask under the lock: every ask so far is answered by this copy */
	while (read(p->efd, &n, sizeof(n)) == sizeof(n))
		;
	p->want = 0;		/* who asks from now on needs the next copy */
	j->seq = ++p->taken;
	old = p->job;
	if (old) {		/* not begun: this one answers its asks too */
		j->textfile |= old->textfile;
		j->count_dropped |= old->count_dropped;
	}
	p->job = j;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
	job_free(old);
}

void pub_asked(struct daemon *d)
{
	struct pollfd pfd = { .fd = d->pub.efd, .events = POLLIN };

	if (poll(&pfd, 1, 0) == 1)
		pub_post(d, 0, 1);
}

void pub_wait(struct mw_pub *p)
{
	pthread_mutex_lock(&p->mu);
	while (p->done < p->taken)
		pthread_cond_wait(&p->cv, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

/* ---- the HTTP threads ---- */

struct mw_text *pub_get(struct mw_pub *p)
{
	struct timespec now, until;
	struct mw_text *t;
	uint64_t one = 1, need;
	double deadline;

	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&p->mu);
	need = p->taken + 1;	/* a copy of the loop's state made after this ask */
	if (!p->want) {
		p->want = 1;
		p->want_since = (double)now.tv_sec + (double)now.tv_nsec / 1e9;
		if (write(p->efd, &one, sizeof(one)) != sizeof(one))
			p->want = 0;	/* only at 2^64 - 1 unread asks: serve what there is */
	}
	deadline = p->want_since + FRESH_WAIT_S;
	until.tv_sec = (time_t)deadline;
	until.tv_nsec = (long)((deadline - (double)until.tv_sec) * 1e9);
	while (p->done < need)
		if (pthread_cond_timedwait(&p->cv, &p->mu, &until) == ETIMEDOUT)
			break;
	t = p->text;
	if (t)
		atomic_fetch_add(&t->refs, 1);
	pthread_mutex_unlock(&p->mu);
	return t;
}
