// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Policy language: address sets. addrset NAME { PREFIX... } names remote
 * prefixes that allow rules use together (allow tcp to addrset NAME port
 * 443): the compiler gives each prefix of the set the rule's protocol,
 * range and initiator, as if the rule were written once per prefix.
 */
#include <stdlib.h>
#include <string.h>
#include "policy_int.h"

int pol_parse_addrset(struct lexer *lx, struct mw_policy *pol)
{
	struct mw_addrset s = { 0 };
	struct mw_perr e;
	int t;

	if (pol_open_block(lx, pol, "addrset", "address set name", s.name, &s.loc))
		return -1;
	for (;;) {
		struct mw_prefix p;

		t = pol_lex_next(lx, pol);
		if (t == T_RBRACE)
			break;
		if (t == T_ERROR)
			goto fail;
		if (t != T_WORD) {
			mw_diag_add(&pol->errors, &lx->tloc, "expected an address, a prefix or '}' "
				    "in addrset %s, found %s", s.name, pol_tok_desc(lx));
			if (t == T_EOF)
				pol_lex_unget(lx);
			goto fail;
		}
		if (mw_parse_prefix(lx->text, &p, &e)) {
			struct mw_loc el = at_col(&lx->tloc, e.col);

			mw_diag_add(&pol->errors, &el, "bad address '%s': %s", lx->text, e.msg);
			goto fail;
		}
		s.pfx = pol_grow(s.pfx, s.npfx, sizeof(p));
		s.pfx[s.npfx++] = p;
	}
	if (!s.npfx) {
		mw_diag_add(&pol->errors, &s.loc, "addrset %s is empty", s.name);
		goto fail;
	}
	pol->addrsets = pol_grow(pol->addrsets, pol->naddrsets, sizeof(s));
	pol->addrsets[pol->naddrsets++] = s;
	return 0;
fail:
	free(s.pfx);
	return -1;
}
