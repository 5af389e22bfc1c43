// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Policy language: devices and their identities, classes, vendor sets and
 * interface defaults.
 */
#include <stdlib.h>
#include <string.h>
#include "policy_int.h"

static int parse_ident(struct lexer *lx, struct mw_policy *pol, struct mw_dev *d)
{
	struct mw_ident id = { 0 };
	struct mw_perr e;
	struct mw_loc l;
	int sv;

	id.loc = lx->tloc;
	if (!strcmp(lx->text, "mac"))
		id.type = MW_IDENT_MAC;
	else if (!strcmp(lx->text, "imei"))
		id.type = MW_IDENT_IMEI;
	else
		id.type = MW_IDENT_IP;
	if (pol_expect_word(lx, pol, id.type == MW_IDENT_MAC ? "a MAC address" :
			id.type == MW_IDENT_IMEI ? "an IMEI" : "an IP address or prefix"))
		return -1;
	l = lx->tloc;
	if (id.type == MW_IDENT_MAC) {
		if (mw_parse_mac(lx->text, &id.mac, &e)) {
			struct mw_loc el = at_col(&l, e.col);

			mw_diag_add(&pol->errors, &el, "bad MAC address '%s': %s", lx->text, e.msg);
			return -1;
		}
		if (id.mac == 0xffffffffffffull || !id.mac) {
			mw_diag_add(&pol->errors, &l, "%s is the %s MAC address, not a device",
				    lx->text, id.mac ? "broadcast" : "all-zero");
			return -1;
		}
		if (id.mac & (1ull << 40)) {
			mw_diag_add(&pol->errors, &l, "%s is a multicast MAC address, not a device",
				    lx->text);
			return -1;
		}
	} else if (id.type == MW_IDENT_IMEI) {
		if (mw_parse_imei(lx->text, &id.imei, &sv, &e)) {
			struct mw_loc el = at_col(&l, e.col);

			mw_diag_add(&pol->errors, &el, "bad IMEI '%s': %s", lx->text, e.msg);
			return -1;
		}
		if (sv) {
			char imei[16];

			mw_format_imei(id.imei, imei);
			mw_diag_add(&pol->errors, &l, "'%s' is an IMEISV (16 digits, software "
				    "version last); a device is named by its IMEI: %s", lx->text,
				    imei);
			return -1;
		}
	} else {
		if (mw_parse_prefix(lx->text, &id.pfx, &e)) {
			struct mw_loc el = at_col(&l, e.col);

			mw_diag_add(&pol->errors, &el, "bad IP address '%s': %s", lx->text, e.msg);
			return -1;
		}
		if (mw_device_prefix_check(&id.pfx, &e)) {
			mw_diag_add(&pol->errors, &l, "%s: %s", lx->text, e.msg);
			return -1;
		}
	}
	id.loc = l;
	d->ids = pol_grow(d->ids, d->nids, sizeof(id));
	d->ids[d->nids++] = id;
	return 0;
}

int pol_parse_device(struct lexer *lx, struct mw_policy *pol)
{
	struct mw_dev d = { 0 };
	int t;

	if (pol_expect_name(lx, pol, "device name", d.name, &d.loc))
		return -1;
	for (;;) {
		t = pol_lex_next(lx, pol);
		if (t == T_ERROR)
			goto fail;
		if (t == T_WORD && (!strcmp(lx->text, "mac") || !strcmp(lx->text, "imei") ||
				    !strcmp(lx->text, "ip"))) {
			if (parse_ident(lx, pol, &d))
				goto fail;
			continue;
		}
		if (t == T_WORD && !strcmp(lx->text, "policy") && d.nids) {
			if (pol_parse_ref(lx, pol, &d.pol))
				goto fail;
			break;
		}
		mw_diag_add(&pol->errors, &lx->tloc, d.nids ?
			    "expected mac, imei, ip or policy in device %s, found %s" :
			    "expected mac, imei or ip after device %s, found %s", d.name,
			    pol_tok_desc(lx));
		pol_lex_unget(lx);
		goto fail;
	}
	pol->devs = pol_grow(pol->devs, pol->ndevs, sizeof(d));
	pol->devs[pol->ndevs++] = d;
	return 0;
fail:
	free(d.ids);
	return -1;
}

static int parse_member(struct lexer *lx, struct mw_policy *pol, struct mw_class *c)
{
	struct mw_member m = { 0 };
	struct mw_perr e;
	int t;

	m.loc = lx->tloc;
	if (!strcmp(lx->text, "vendor")) {
		m.type = MW_MEMBER_VENDOR;
		t = pol_lex_next(lx, pol);
		if (t == T_ERROR)
			return -1;
		if (t != T_STRING || !lx->text[0]) {
			mw_diag_add(&pol->errors, &lx->tloc, t == T_STRING ? "empty vendor name" :
				    "expected a vendor name in quotes, found %s", pol_tok_desc(lx));
			if (t != T_WORD && t != T_STRING)
				pol_lex_unget(lx);
			return -1;
		}
		m.loc = lx->tloc;
		m.vendor = strdup(lx->text);
	} else if (!strcmp(lx->text, "prefix")) {
		m.type = MW_MEMBER_PREFIX;
		if (pol_expect_word(lx, pol, "a MAC prefix"))
			return -1;
		m.loc = lx->tloc;
		if (mw_parse_mac_prefix(lx->text, &m.prefix, &m.bits, &e)) {
			struct mw_loc el = at_col(&m.loc, e.col);

			mw_diag_add(&pol->errors, &el, "bad MAC prefix '%s': %s", lx->text, e.msg);
			return -1;
		}
	} else {
		m.type = MW_MEMBER_SET;
		if (pol_expect_name(lx, pol, "vendor set name", m.set, &m.loc))
			return -1;
	}
	c->mem = pol_grow(c->mem, c->nmem, sizeof(m));
	c->mem[c->nmem++] = m;
	return 0;
}

void pol_free_class(struct mw_class *c)
{
	int i;

	for (i = 0; i < c->nmem; i++)
		free(c->mem[i].vendor);
	free(c->mem);
}

int pol_parse_class(struct lexer *lx, struct mw_policy *pol)
{
	struct mw_class c = { 0 };
	int t;

	if (pol_expect_name(lx, pol, "class name", c.name, &c.loc))
		return -1;
	for (;;) {
		t = pol_lex_next(lx, pol);
		if (t == T_ERROR)
			goto fail;
		if (t == T_WORD && (!strcmp(lx->text, "vendor") || !strcmp(lx->text, "prefix") ||
				    !strcmp(lx->text, "vendorset"))) {
			if (parse_member(lx, pol, &c))
				goto fail;
			continue;
		}
		if (t == T_WORD && !strcmp(lx->text, "policy") && c.nmem) {
			if (pol_parse_ref(lx, pol, &c.pol))
				goto fail;
			break;
		}
		mw_diag_add(&pol->errors, &lx->tloc, c.nmem ?
			    "expected vendor, prefix, vendorset or policy in class %s, found %s" :
			    "expected vendor, prefix or vendorset after class %s, found %s",
			    c.name, pol_tok_desc(lx));
		pol_lex_unget(lx);
		goto fail;
	}
	pol->classes = pol_grow(pol->classes, pol->nclasses, sizeof(c));
	pol->classes[pol->nclasses++] = c;
	return 0;
fail:
	pol_free_class(&c);
	return -1;
}

int pol_parse_vendorset(struct lexer *lx, struct mw_policy *pol)
{
	struct mw_class c = { 0 };
	int t;

	if (pol_open_block(lx, pol, "vendorset", "vendor set name", c.name, &c.loc))
		return -1;
	for (;;) {
		t = pol_lex_next(lx, pol);
		if (t == T_RBRACE)
			break;
		if (t == T_ERROR)
			goto fail;
		if (t == T_WORD && (!strcmp(lx->text, "vendor") || !strcmp(lx->text, "prefix") ||
				    !strcmp(lx->text, "vendorset"))) {
			if (parse_member(lx, pol, &c))
				goto fail;
			continue;
		}
		mw_diag_add(&pol->errors, &lx->tloc, "expected vendor, prefix, vendorset or '}' "
			    "in vendorset %s, found %s", c.name, pol_tok_desc(lx));
		if (t == T_EOF)
			pol_lex_unget(lx);
		goto fail;
	}
	if (!c.nmem) {
		mw_diag_add(&pol->errors, &c.loc, "vendorset %s is empty", c.name);
		goto fail;
	}
	pol->sets = pol_grow(pol->sets, pol->nsets, sizeof(c));
	pol->sets[pol->nsets++] = c;
	return 0;
fail:
	pol_free_class(&c);
	return -1;
}

int pol_parse_interface(struct lexer *lx, struct mw_policy *pol)
{
	struct mw_ifdef f = { 0 };
	int bad = 0;

	if (pol_expect_word(lx, pol, "an interface name"))
		return -1;
	f.loc = lx->tloc;
	if (strlen(lx->text) >= MW_IFNAME_LEN || strchr(lx->text, '/')) {
		mw_diag_add(&pol->errors, &lx->tloc, "'%s' is not a valid interface name",
			    lx->text);
		bad = 1;
	}
	if (!bad)
		strcpy(f.ifname, lx->text);
	if (pol_expect_word(lx, pol, "'default'"))
		return -1;
	if (strcmp(lx->text, "default")) {
		mw_diag_add(&pol->errors, &lx->tloc, "expected 'default' after interface %s, "
			    "found %s", f.ifname, pol_tok_desc(lx));
		return -1;
	}
	if (pol_parse_ref(lx, pol, &f.pol) || bad)
		return -1;
	pol->ifdefs = pol_grow(pol->ifdefs, pol->nifdefs, sizeof(f));
	pol->ifdefs[pol->nifdefs++] = f;
	return 0;
}
