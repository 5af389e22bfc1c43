// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * MUD import (RFC 8520, with the ACL model of RFC 8519 and the DNS-name
 * matches of ietf-acldns). The from-device policy names ACLs; each accepted
 * ace becomes allow rules:
 *
 *   matches.ipv4/ipv6: protocol, destination-ipv4/ipv6-network,
 *                      ietf-acldns:dst-dnsname (a name rule, or resolved
 *                      at import time)
 *   matches.tcp/udp:   destination-port (operator eq, lte, gte or neq with
 *                      port; or lower-port and upper-port);
 *                      ietf-mud:direction-initiated (tcp: initiated-by)
 *   matches.icmp:      type
 *   matches.ietf-mud:mud: local-networks, my-controller, same-manufacturer,
 *                      controller, manufacturer, model: an address set the
 *                      operator declares
 *   matches.eth:       only what restates the IP match, and ARP (always
 *                      passed: nothing to import)
 *
 * The ACLs are looked up in 'ietf-access-control-list:acls' and in the
 * 'ietf-access-control-list:access-lists' of drafts before RFC 8519.
 *
 * modwall's allow rules have no order, while an ACL is first-match: a drop
 * ace followed by an accept ace that overlaps it would be widened by the
 * import, so that is an error too (a warning when lenient).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "compile.h"
#include "file.h"
#include "mud_int.h"

/* ---- the MUD file ---- */

static int acl_family(struct json_object *acl)
{
	struct json_object *t = mud_get(acl, "type");
	const char *s;

	if (!t || !json_object_is_type(t, json_type_string))
		return FAM4 | FAM6;
	s = mud_identity(json_object_get_string(t));
	if (!strcmp(s, "ipv4-acl-type") || !strcmp(s, "mixed-eth-ipv4-acl-type"))
		return FAM4;
	if (!strcmp(s, "ipv6-acl-type") || !strcmp(s, "mixed-eth-ipv6-acl-type"))
		return FAM6;
	return FAM4 | FAM6;
}

/* An ACL by name, in the RFC 8519 container or the one of earlier drafts. */
static struct json_object *find_acl(struct json_object *const acls[2], const char *name)
{
	size_t i, n;
	int k;

	for (k = 0; k < 2; k++) {
		n = acls[k] ? json_object_array_length(acls[k]) : 0;
		for (i = 0; i < n; i++) {
			struct json_object *acl = json_object_array_get_idx(acls[k], i);
			struct json_object *nm = mud_get(acl, "name");

			if (nm && json_object_is_type(nm, json_type_string) &&
			    !strcmp(json_object_get_string(nm), name))
				return acl;
		}
	}
	return NULL;
}

static void import_acl(struct ctx *c, struct json_object *acl, const char *name)
{
	struct json_object *aces = mud_get(mud_get(acl, "aces"), "ace");
	int fam = acl_family(acl);
	size_t i, n;

	mud_emit_comment_line(c, "acl %s", name);
	if (!aces) {
		mud_note(c, NULL, "ACL '%s' has no aces", name);
		return;
	}
	if (!json_object_is_type(aces, json_type_array)) {
		mud_err(c, "ACL '%s': 'aces' 'ace' is not a list", name);
		return;
	}
	n = json_object_array_length(aces);
	for (i = 0; i < n; i++) {
		struct ace a;
		const char *fwd = NULL;
		int rc = mud_parse_ace(c, &a, json_object_array_get_idx(aces, i), (int)i, name, fam,
				   &fwd);

		if (rc == 1) {
			mud_import_accept(c, &a);
		} else if (rc == 0 && a.arp) {
			mud_emit_comment_line(c, "%s: %s ARP, not imported: modwall always passes ARP",
					  a.name, fwd);
			mud_note(c, a.name, "%s ace for ARP not imported: modwall always passes ARP",
				 fwd);
		} else if (rc == 0) {
			mud_emit_comment_line(c, "%s: %s, not imported: what is not allowed is dropped",
					  a.name, fwd);
			mud_note(c, a.name, "%s ace not imported: everything not allowed is dropped",
			     fwd);
			/* kept to check the accept aces after it */
			free(a.dns);
			a.dns = NULL;
			if (a.nskip)	/* its destination is unknown: it may be anything */
				a.has_dst = 0;
			c->drops = mud_xrealloc(c->drops, sizeof(*c->drops) * (size_t)(c->ndrops + 1));
			c->drops[c->ndrops++] = a;
			continue;
		}
		mud_free_ace(&a);
	}
}

/* "mud:LINE:COL: text" -> "text": a location in the generated text means nothing to the user. */
static const char *strip_loc(const char *msg)
{
	const char *p = msg;
	int i;

	if (strncmp(msg, "mud:", 4))
		return msg;
	for (i = 0; i < 3; i++) {
		p = strchr(p, ':');
		if (!p)
			return msg;
		p++;
	}
	return p + (*p == ' ');
}

static const char *str_member(struct json_object *o, const char *key)
{
	struct json_object *v = mud_get(o, key);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* The names of the ACLs of a from-device-policy or to-device-policy; NULL when absent. */
static struct json_object *policy_acls(struct ctx *c, struct json_object *mud, const char *key)
{
	struct json_object *p = mud_get(mud, key), *l;

	if (!p)
		return NULL;
	l = mud_get(mud_get(p, "access-lists"), "access-list");
	if (!l || !json_object_is_type(l, json_type_array)) {
		mud_err(c, "'%s' has no 'access-lists' 'access-list' list", key);
		return NULL;
	}
	return l;
}

static int convert(struct mw_mud *m, struct json_object *root, const struct mw_mud_opts *o)
{
	struct ctx c = { .m = m, .o = o };
	struct json_object *mud, *acls[2], *from, *to;
	char *file, *url, *sys, *buf = NULL;
	size_t len = 0, i, n;
	int rc = -1;

	file = mud_printable(o->file ? o->file : "-");
	c.file = file;
	mud = mud_get(root, MUD_KEY);
	if (!mud || !json_object_is_type(mud, json_type_object)) {
		mud_err(&c, "no '%s' object: not a MUD file", MUD_KEY);
		free(file);
		return -1;
	}
	from = policy_acls(&c, mud, "from-device-policy");
	if (!from) {
		if (!m->errors.n)
			mud_err(&c, "'%s' has no 'from-device-policy': no traffic from the device to "
			    "import", MUD_KEY);
		free(file);
		return -1;
	}
	n = json_object_array_length(from);
	if (!n) {
		mud_err(&c, "'from-device-policy' names no ACL");
		free(file);
		return -1;
	}
	acls[0] = mud_get(mud_get(root, ACLS_KEY), "acl");
	acls[1] = mud_get(mud_get(root, OLD_ACLS_KEY), "acl");
	for (i = 0; i < 2; i++)
		if (acls[i] && !json_object_is_type(acls[i], json_type_array)) {
			mud_err(&c, "'%s' 'acl' is not a list", i ? OLD_ACLS_KEY : ACLS_KEY);
			free(file);
			return -1;
		}
	if (acls[1])
		mud_note(&c, NULL, "ACLs read from '%s', the container of drafts before RFC 8519 "
			 "(now '%s')", OLD_ACLS_KEY, ACLS_KEY);
	for (i = 0; i < n; i++) {
		const char *nm = str_member(json_object_array_get_idx(from, i), "name");
		char *p;

		if (!nm) {
			mud_err(&c, "'from-device-policy' access-list #%zu has no name", i + 1);
			continue;
		}
		if (find_acl(acls, nm))
			continue;
		p = mud_printable(nm);
		if (!mud_get(root, ACLS_KEY) && !mud_get(root, OLD_ACLS_KEY))
			mud_err(&c, "'from-device-policy' names ACL '%s', but there is no '%s' object",
			    p, ACLS_KEY);
		else
			mud_err(&c, "'from-device-policy' names ACL '%s', which '%s' does not define", p,
			    ACLS_KEY);
		free(p);
	}
	if (m->errors.n) {
		free(file);
		return -1;
	}

	if (o->name) {
		snprintf(m->name, sizeof(m->name), "%s", o->name);
	} else {
		mw_mud_policy_name(str_member(json_object_array_get_idx(from, 0), "name"), m->name);
	}

	c.out = open_memstream(&buf, &len);
	if (!c.out) {
		mud_err(&c, "%s", strerror(errno));
		free(file);
		return -1;
	}
	url = mud_printable(str_member(mud, "mud-url") ? str_member(mud, "mud-url") : "(none)");
	sys = mud_printable(str_member(mud, "systeminfo") ? str_member(mud, "systeminfo") : "(none)");
	fprintf(c.out, "# modwall mud import of %s\n# MUD URL:    %s\n# systeminfo: %s\n", file,
		url, sys);
	free(url);
	free(sys);
	fputs("# from-device ACLs:", c.out);
	for (i = 0; i < n; i++) {
		char *p = mud_printable(str_member(json_object_array_get_idx(from, i), "name"));

		fprintf(c.out, "%s %s", i ? "," : "", p);
		free(p);
	}
	fputc('\n', c.out);
	to = mud_get(mud, "to-device-policy");
	if (to) {
		fputs("# to-device ACLs not imported: allow rules work both ways\n", c.out);
		mud_note(&c, NULL, "to-device-policy not imported: an allow rule passes traffic to its "
		     "remote end from the device on a lan interface, and from it to the device on "
		     "a wan interface");
	}
	mud_sets_build(&c);
	fprintf(c.out, "policy %s {\n", m->name);
	for (i = 0; i < n; i++) {
		const char *nm = str_member(json_object_array_get_idx(from, i), "name");
		char *p = mud_printable(nm);

		import_acl(&c, find_acl(acls, nm), p);
		free(p);
	}
	if (!c.nrules && !m->errors.n) {
		fputs("    drop    # nothing from the device is accepted\n", c.out);
		mud_note(&c, NULL, "no accept ace imported: the policy drops everything");
	}
	fputs("}\n", c.out);
	mud_sets_emit(&c);
	if (fclose(c.out)) {
		mud_err(&c, "%s", strerror(errno));
		buf = NULL;
	}
	m->nrules = c.nrules;

	/* the text must be what check accepts: parse and compile it */
	if (!m->errors.n && buf) {
		struct mw_policy pol;
		struct mw_plan plan;
		int k;

		if (mw_policy_load_string(&pol, "mud", buf) == 0)
			mw_compile(&plan, &pol, NULL, NULL);
		else
			memset(&plan, 0, sizeof(plan));
		for (k = 0; k < pol.errors.n; k++)
			mud_err(&c, "the imported policy would be rejected: %s",
			    strip_loc(pol.errors.msg[k]));
		mw_plan_free(&plan);
		mw_policy_free(&pol);
	}
	if (!m->errors.n) {
		m->text = buf;
		buf = NULL;
		rc = 0;
	}
	free(buf);
	for (i = 0; i < (size_t)c.ndrops; i++)
		mud_free_ace(&c.drops[i]);
	free(c.drops);
	free(c.rules);
	for (i = 0; i < (size_t)c.nnames; i++)
		free(c.names[i]);
	free(c.names);
	mud_sets_free(&c);
	free(file);
	return rc;
}

int mw_mud_import(struct mw_mud *m, struct json_object *root, const struct mw_mud_opts *o)
{
	memset(m, 0, sizeof(*m));
	if (o->name && !mw_mud_valid_name(o->name)) {
		char *s = mud_printable(o->name);

		mw_diag_add(&m->errors, NULL, "'%s' is not a valid policy name: letters, digits, "
			    "'_', '-' and '.', starting with a letter or '_', at most %d "
			    "characters, and not a keyword or a built-in policy", s,
			    MW_NAME_LEN - 1);
		free(s);
		return -1;
	}
	return convert(m, root, o);
}

int mw_mud_import_file(struct mw_mud *m, const char *path, const struct mw_mud_opts *o)
{
	struct mw_mud_opts opts = *o;
	struct json_object *root;
	char *text, *p, why[128];
	size_t len;
	int rc;

	if (!opts.file)
		opts.file = strcmp(path, "-") ? path : "<stdin>";
	memset(m, 0, sizeof(*m));
	p = mud_printable(opts.file);
	if (strcmp(path, "-"))
		rc = mw_file_read(path, MW_FILE_MUD_MAX, &text, &len, why, sizeof(why));
	else
		rc = mw_file_read_fd(0, MW_FILE_MUD_MAX, &text, &len, why, sizeof(why));
	if (rc) {
		mw_diag_add(&m->errors, NULL, "%s: %s", p, why);
		free(p);
		return -1;
	}
	root = mw_mud_parse_json(text, len, p, &m->errors);
	free(text);
	free(p);
	if (!root)
		return -1;
	rc = mw_mud_import(m, root, &opts);
	json_object_put(root);
	return rc;
}

void mw_mud_free(struct mw_mud *m)
{
	free(m->text);
	mw_diag_free(&m->errors);
	mw_diag_free(&m->warnings);
	mw_diag_free(&m->notes);
	memset(m, 0, sizeof(*m));
}
