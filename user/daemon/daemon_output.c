// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The daemon's readings: rendered for a scrape, and written as the textfile. */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "daemon_int.h"

int collect(struct daemon *d, struct mw_sbuf *out)
{
	struct mw_mread_opts o = { .db = d->have_db ? &d->db : NULL, .geo = d->geo,
				   .names = d->st.flow_top > 0 };
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
	if (d->fx)
		mw_flowexp_stats_get(d->fx, &d->fx_stats);
	rc = mw_metrics_render(&s, &d->st, out);
	mw_msnap_free(&s);
	return rc;
}

void write_textfile(struct daemon *d)
{
	struct mw_sbuf b = { 0 };
	char err[1024];
	int rc;

	rc = collect(d, &b);
	if (!rc)
		rc = mw_metrics_write_textfile(d->cfg.textfile, b.s, b.len, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "rendering metrics: %s", strerror(-rc));
	mw_sbuf_free(&b);
	/* say so when it starts or stops failing, not at every interval */
	if (rc && d->textfile_ok != 0)
		dlog("textfile: %s", err);
	else if (!rc && d->textfile_ok == 0)
		dlog("textfile: %s/%s written again", d->cfg.textfile, MW_METRICS_TEXTFILE);
	d->textfile_ok = !rc;
}
