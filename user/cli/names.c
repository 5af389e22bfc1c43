// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * names: what the DNS learner knows. The (name, address) pairs learned
 * from the answers devices received (mw_dns), with the time each has left
 * and the device that received it last, and the names each device asked
 * for (mw_asked).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include "cli.h"
#include "dnsallow.h"
#include "observe.h"
#include "state.h"

struct asked {
	struct mw_asked_key k;
	struct mw_asked_val v;
};

static int cmp_asked(const void *a, const void *b)
{
	const struct asked *x = a, *y = b;

	if (x->k.subject != y->k.subject)
		return x->k.subject < y->k.subject ? -1 : 1;
	if (x->v.last_ns != y->v.last_ns)
		return x->v.last_ns > y->v.last_ns ? -1 : 1;
	return strcmp(x->k.name, y->k.name);
}

static int cmp_learned(const void *a, const void *b)
{
	const struct mw_learned *x = a, *y = b;
	int c = strcmp(x->k.name, y->k.name);

	if (c)
		return c;
	if (x->k.family != y->k.family)
		return x->k.family < y->k.family ? -1 : 1;
	return memcmp(x->k.addr, y->k.addr, sizeof(x->k.addr));
}

static const char *subject_name(const struct mw_subject_info *tab, uint32_t max, uint32_t id,
				char *buf, size_t len)
{
	if (id < max && tab[id].kind != MW_KIND_FREE) {
		snprintf(buf, len, "%.*s", MW_NAME_LEN, tab[id].name);
		return buf;
	}
	snprintf(buf, len, "#%u", id);
	return buf;
}

int cmd_names(int argc, char **argv)
{
	struct mw_subject_info *tab = NULL;
	struct mw_learned *l = NULL;
	struct asked *asked = NULL;
	uint32_t subject = UINT32_MAX;	/* every device */
	ssize_t na;
	struct mw_maps m;
	char err[1024], who[MW_NAME_LEN + 16];
	uint64_t now;
	int64_t off;
	ssize_t nl;
	size_t i;
	int a, rc = MW_EXIT_FAIL;

	a = mw_getopt(argc, argv, "names [DEVICE]", NULL, NULL, NULL);
	if (a < 0)
		return a == -2 ? MW_EXIT_OK : MW_EXIT_USAGE;
	if (argc - a > 1) {
		mw_err("names: one device at a time");
		return MW_EXIT_USAGE;
	}
	if (mw_maps_open_ro(&m, mw_opts.pin_dir, err, sizeof(err))) {
		mw_err("names: %s", err);
		return MW_EXIT_FAIL;
	}
	tab = calloc(m.max_subjects, sizeof(*tab));
	if (!tab || mw_read_subjects(&m, tab)) {
		mw_err("names: reading %s: %s", MW_MAP_SUBJECTS, strerror(errno));
		goto out;
	}
	if (argc - a == 1) {
		uint32_t k;

		for (k = 1; k < m.max_subjects; k++)
			if (tab[k].kind != MW_KIND_FREE &&
			    !strncmp(tab[k].name, argv[a], MW_NAME_LEN))
				break;
		if (k == m.max_subjects) {
			mw_err("names: no device or class named '%s'", argv[a]);
			rc = MW_EXIT_USAGE;
			goto out;
		}
		subject = k;
	}
	nl = mw_dns_read(&m, &l);
	na = nl < 0 ? 0 : mw_map_collect(m.asked, sizeof(struct mw_asked_key),
					 sizeof(struct mw_asked_val), sizeof(struct asked),
					 offsetof(struct asked, v), (void **)&asked);
	if (nl < 0 || na < 0) {
		mw_err("names: reading the learned names: %s",
		       strerror(nl < 0 ? (int)-nl : (int)-na));
		goto out;
	}
	{
		/* one device's */
		size_t w = 0;

		for (i = 0; i < (size_t)na; i++)
			if (subject == UINT32_MAX || asked[i].k.subject == subject)
				asked[w++] = asked[i];
		na = (ssize_t)w;
	}
	qsort(l, (size_t)nl, sizeof(*l), cmp_learned);
	qsort(asked, (size_t)na, sizeof(*asked), cmp_asked);
	now = mw_mono_ns();
	off = mw_clock_offset();
	if (mw_opts.json) {
		struct json_object *j = json_object_new_object(), *ja = json_object_new_array(),
				   *jk = json_object_new_array();

		for (i = 0; i < (size_t)nl; i++) {
			struct json_object *o;
			char addr[INET6_ADDRSTRLEN];

			if (subject != UINT32_MAX && l[i].v.subject != subject)
				continue;
			o = json_object_new_object();
			inet_ntop(l[i].k.family, l[i].k.addr, addr, sizeof(addr));
			json_object_object_add(o, "name", json_object_new_string(l[i].k.name));
			json_object_object_add(o, "address", json_object_new_string(addr));
			json_object_object_add(o, "ttl", json_object_new_int64(l[i].v.ttl));
			json_object_object_add(o, "leaves_in", json_object_new_int64(
				l[i].v.expires_ns > now ? (int64_t)((l[i].v.expires_ns - now) /
								    1000000000ull) : 0));
			json_object_object_add(o, "device", json_object_new_string(
				subject_name(tab, m.max_subjects, l[i].v.subject, who, sizeof(who))));
			json_object_array_add(ja, o);
		}
		for (i = 0; i < (size_t)na; i++) {
			struct json_object *o = json_object_new_object();
			char t[32];

			json_object_object_add(o, "device", json_object_new_string(
				subject_name(tab, m.max_subjects, asked[i].k.subject, who, sizeof(who))));
			json_object_object_add(o, "name", json_object_new_string(asked[i].k.name));
			json_object_object_add(o, "count", json_object_new_int64(
				(int64_t)asked[i].v.count));
			mw_format_iso(asked[i].v.first_ns + (uint64_t)off, 3, t, sizeof(t));
			json_object_object_add(o, "first_asked", json_object_new_string(t));
			mw_format_iso(asked[i].v.last_ns + (uint64_t)off, 3, t, sizeof(t));
			json_object_object_add(o, "last_asked", json_object_new_string(t));
			json_object_array_add(jk, o);
		}
		json_object_object_add(j, "learned", ja);
		json_object_object_add(j, "asked", jk);
		mw_json_print(j);
	} else {
		printf("%-40s  %-39s  %7s  %s\n", "NAME", "ADDRESS", "LEAVES", "RECEIVED BY");
		for (i = 0; i < (size_t)nl; i++) {
			char addr[INET6_ADDRSTRLEN];

			if (subject != UINT32_MAX && l[i].v.subject != subject)
				continue;
			inet_ntop(l[i].k.family, l[i].k.addr, addr, sizeof(addr));
			printf("%-40s  %-39s  %6llus  %s\n", l[i].k.name, addr,
			       (unsigned long long)(l[i].v.expires_ns > now ?
						    (l[i].v.expires_ns - now) / 1000000000ull : 0),
			       subject_name(tab, m.max_subjects, l[i].v.subject, who, sizeof(who)));
		}
		printf("\n%-24s  %-40s  %7s  %s\n", "DEVICE", "ASKED FOR", "ANSWERS", "LAST");
		for (i = 0; i < (size_t)na; i++) {
			char t[32];

			mw_format_iso(asked[i].v.last_ns + (uint64_t)off, 0, t, sizeof(t));
			printf("%-24s  %-40s  %7llu  %s\n",
			       subject_name(tab, m.max_subjects, asked[i].k.subject, who, sizeof(who)),
			       asked[i].k.name, (unsigned long long)asked[i].v.count, t);
		}
	}
	rc = MW_EXIT_OK;
out:
	free(l);
	free(asked);
	free(tab);
	mw_maps_close(&m);
	return rc;
}
