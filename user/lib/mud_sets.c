// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * MUD import: the MUD abstractions ('ietf-mud:mud' matches: local-networks,
 * my-controller, same-manufacturer, controller, manufacturer, model) stand
 * for addresses only the operator knows. Declared on the command line
 * (--local PREFIX, --controller URI=PREFIX,...), each becomes an address
 * set of the imported policy, written after its policy block, and the
 * aces that name it become rules to that set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mud_int.h"

static const struct {
	const char *key;	/* the 'ietf-mud:mud' match */
	const char *what;
	const char *option;
	const char *set;	/* the set's name, or the prefix of names made from keys */
} classes[MW_MUD_NCLASS] = {
	[MW_MUD_LOCAL] = { "local-networks", "the local networks", "local", "local-networks" },
	[MW_MUD_MY_CONTROLLER] = { "my-controller", "the device's controller", "my-controller",
				   "my-controller" },
	[MW_MUD_SAME_MFR] = { "same-manufacturer", "the devices of the same manufacturer",
			      "same-manufacturer", "same-manufacturer" },
	[MW_MUD_CONTROLLER] = { "controller", "a controller class", "controller", "ctl-" },
	[MW_MUD_MANUFACTURER] = { "manufacturer", "the devices of a manufacturer",
				  "manufacturer", "mfr-" },
	[MW_MUD_MODEL] = { "model", "the devices of a model", "model", "model-" },
};

static int keyed(int cls)
{
	return cls == MW_MUD_CONTROLLER || cls == MW_MUD_MANUFACTURER || cls == MW_MUD_MODEL;
}

const char *mud_class_what(int cls)
{
	return classes[cls].what;
}

const char *mud_class_key(int cls)
{
	return classes[cls].key;
}

const char *mw_mud_class_option(int cls)
{
	return cls >= 0 && cls < MW_MUD_NCLASS ? classes[cls].option : NULL;
}

int mw_mud_parse_decl(int cls, const char *arg, struct mw_mud_decl **v, int *n, char *err,
		      size_t len)
{
	const char *p = arg, *eq = NULL;
	char buf[128];

	if (keyed(cls)) {
		eq = strchr(arg, '=');
		if (!eq || eq == arg || !eq[1]) {
			snprintf(err, len, "--%s '%s': expected %s=PREFIX[,PREFIX]...",
				 classes[cls].option, arg, cls == MW_MUD_MANUFACTURER ? "DOMAIN" : "URI");
			return -1;
		}
		p = eq + 1;
	}
	for (;;) {
		const char *end = keyed(cls) ? strchr(p, ',') : NULL;
		size_t l = end ? (size_t)(end - p) : strlen(p);
		struct mw_mud_decl d = { .cls = cls };
		struct mw_perr e;
		char *k;

		if (l >= sizeof(buf)) {
			snprintf(err, len, "--%s: '%.*s...' is not a prefix", classes[cls].option,
				 40, p);
			return -1;
		}
		memcpy(buf, p, l);
		buf[l] = 0;
		if (mw_parse_prefix(buf, &d.pfx, &e)) {
			snprintf(err, len, "--%s: bad address '%s': %s", classes[cls].option, buf,
				 e.msg);
			return -1;
		}
		if (eq) {
			k = strndup(arg, (size_t)(eq - arg));
			if (!k) {
				fprintf(stderr, "modwall: out of memory\n");
				exit(1);
			}
			d.key = k;
		}
		*v = mud_xrealloc(*v, sizeof(**v) * (size_t)(*n + 1));
		(*v)[(*n)++] = d;
		if (!end)
			return 0;
		p = end + 1;
	}
}

void mw_mud_decls_free(struct mw_mud_decl *v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free((char *)v[i].key);
	free(v);
}

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static int name_taken(const struct ctx *c, const char *name)
{
	int i;

	for (i = 0; i < c->nsets; i++)
		if (!strcmp(c->sets[i].name, name))
			return 1;
	return 0;
}

/* @prefix and @n bytes of @k in the characters of a name; 0 when it fits and is free. */
static int try_name(const struct ctx *c, const char *prefix, const char *k, size_t n,
		    char out[MW_NAME_LEN])
{
	char buf[MW_NAME_LEN];
	size_t len = strlen(prefix), i;

	if (len + n >= MW_NAME_LEN)
		return -1;
	memcpy(buf, prefix, len);
	for (i = 0; i < n; i++)
		buf[len + i] = (k[i] >= 'a' && k[i] <= 'z') || (k[i] >= 'A' && k[i] <= 'Z') ||
			       (k[i] >= '0' && k[i] <= '9') || k[i] == '-' || k[i] == '.' ||
			       k[i] == '_' ? k[i] : '_';
	len += n;
	while (len > strlen(prefix) && buf[len - 1] == '_')
		len--;
	buf[len] = 0;
	if (name_taken(c, buf))
		return -1;
	memcpy(out, buf, len + 1);
	return 0;
}

/*
 * The set of a controller, manufacturer or model: "ctl-" and the URI
 * without its scheme in the characters of a name; when that is too long,
 * its host alone; when that is taken too, a cut with a hash of the URI.
 */
static void keyed_name(const struct ctx *c, int cls, const char *key, char out[MW_NAME_LEN])
{
	const char *k = strstr(key, "://") ? strstr(key, "://") + 3 : key;
	const char *pfx = classes[cls].set;
	char buf[MW_NAME_LEN];

	if (!try_name(c, pfx, k, strlen(k), out) || !try_name(c, pfx, k, strcspn(k, "/?#"), out))
		return;
	snprintf(buf, sizeof(buf), "%s%.*s", pfx, (int)(MW_NAME_LEN - 10 - strlen(pfx)), k);
	try_name(c, "", buf, strlen(buf), out);	/* sanitised, as a base for the hash */
	snprintf(buf, sizeof(buf), "%.*s-%08x", MW_NAME_LEN - 10, out, fnv1a(key));
	memcpy(out, buf, sizeof(buf));
}

void mud_sets_build(struct ctx *c)
{
	int i, k;

	for (i = 0; i < c->o->ndecl; i++) {
		const struct mw_mud_decl *d = &c->o->decl[i];
		struct mudset *s;

		k = mud_set_find(c, d->cls, d->key);
		if (k < 0) {
			c->sets = mud_xrealloc(c->sets, sizeof(*c->sets) * (size_t)(c->nsets + 1));
			s = &c->sets[c->nsets];
			memset(s, 0, sizeof(*s));
			s->cls = d->cls;
			s->key = d->key;
			if (keyed(d->cls))
				keyed_name(c, d->cls, d->key ? d->key : "", s->name);
			else
				snprintf(s->name, sizeof(s->name), "%s", classes[d->cls].set);
			k = c->nsets++;
		}
		s = &c->sets[k];
		s->pfx = mud_xrealloc(s->pfx, sizeof(*s->pfx) * (size_t)(s->npfx + 1));
		s->pfx[s->npfx++] = d->pfx;
	}
}

int mud_set_find(const struct ctx *c, int cls, const char *key)
{
	int i;

	for (i = 0; i < c->nsets; i++)
		if (c->sets[i].cls == cls &&
		    (!keyed(cls) || (key && c->sets[i].key && !strcmp(c->sets[i].key, key))))
			return i;
	return -1;
}

void mud_sets_emit(struct ctx *c)
{
	int i, k;

	for (i = 0; i < c->nsets; i++) {
		const struct mudset *s = &c->sets[i];
		char *key = s->key ? mud_printable(s->key) : NULL;

		if (!s->used) {
			mud_note(c, NULL, "--%s%s%s declared, but no imported ace names %s",
				 classes[s->cls].option, key ? " " : "", key ? key : "",
				 classes[s->cls].what);
			free(key);
			continue;
		}
		fprintf(c->out, "# %s%s%s%s (--%s)\naddrset %s {", classes[s->cls].what,
			key ? " " : "", key ? key : "", "", classes[s->cls].option, s->name);
		for (k = 0; k < s->npfx; k++) {
			char p[64];

			mw_format_prefix(&s->pfx[k], p, sizeof(p));
			fprintf(c->out, " %s", p);
		}
		fputs(" }\n", c->out);
		free(key);
	}
}

void mud_sets_free(struct ctx *c)
{
	int i;

	for (i = 0; i < c->nsets; i++)
		free(c->sets[i].pfx);
	free(c->sets);
	c->sets = NULL;
	c->nsets = 0;
}
