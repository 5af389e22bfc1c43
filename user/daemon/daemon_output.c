// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The daemon's readings, made in the reader thread: rendered, and written as the textfile. */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "daemon_int.h"

int collect(struct daemon *d, struct mw_job *j, struct mw_sbuf *out)
{
	struct mw_mread_opts o = { .db = j->reg ? &j->reg->db : NULL, .geo = d->geo,
				   .names = j->st.flow_top > 0, .store = &d->store };
	struct mw_msnap s;
	int rc;

	mw_metrics_read(mw_opts.pin_dir, &o, &s);
	if (s.up != d->was_up) {
		if (!s.up)
			dlog("pinned maps unavailable: %s", s.err);
		else if (d->was_up == 0)
			dlog("pinned maps readable again");
		d->was_up = s.up;
	}
	/* after the maps are closed again: they are no descriptors of the daemon's own */
	mw_proc_read(&d->proc);
	j->st.proc = &d->proc;
	j->st.series_dropped = d->series_dropped;
	rc = mw_metrics_render(&s, &j->st, out);
	if (j->count_dropped)	/* else a reading no scrape asked for: nothing was left out */
		d->series_dropped = j->st.series_dropped;
	mw_msnap_free(&s);
	return rc;
}

void write_textfile(struct daemon *d, const struct mw_sbuf *b, int rc)
{
	char err[1024];

	if (!rc)
		rc = mw_metrics_write_textfile(d->cfg.textfile, b->s, b->len, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "rendering metrics: %s", strerror(-rc));
	/* say so when it starts or stops failing, not at every interval */
	if (rc && d->textfile_ok != 0)
		dlog("textfile: %s", err);
	else if (!rc && d->textfile_ok == 0)
		dlog("textfile: %s/%s written again", d->cfg.textfile, MW_METRICS_TEXTFILE);
	d->textfile_ok = !rc;
}
