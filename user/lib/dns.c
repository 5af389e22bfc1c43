// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * DNS messages through ldns (see dns.h): ldns reads the wire format,
 * this file walks the answer section from the question name.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <ldns/ldns.h>

#include "dns.h"

#define NAME_ENTRY(e, v, n)	[v] = n,
static const char *const result_names[] = { MW_DNS_RESULTS(NAME_ENTRY) };
_Static_assert(sizeof(result_names) / sizeof(result_names[0]) == MW_DNS_RESULT_NR,
	       "a DNS result without a name");

const char *mw_dns_result_name(int r)
{
	return r >= 0 && r < MW_DNS_RESULT_NR ? result_names[r] : "?";
}

/* ldns's refusals, by kind */
static int from_ldns(ldns_status st)
{
	switch (st) {
	case LDNS_STATUS_WIRE_INCOMPLETE_HEADER:
		return MW_DNS_E_SHORT;
	case LDNS_STATUS_PACKET_OVERFLOW:
	case LDNS_STATUS_WIRE_INCOMPLETE_QUESTION:
	case LDNS_STATUS_WIRE_INCOMPLETE_ANSWER:
	case LDNS_STATUS_WIRE_INCOMPLETE_AUTHORITY:
	case LDNS_STATUS_WIRE_INCOMPLETE_ADDITIONAL:
		return MW_DNS_E_TRUNCATED;
	case LDNS_STATUS_INVALID_POINTER:
		return MW_DNS_E_POINTER;
	case LDNS_STATUS_LABEL_OVERFLOW:
	case LDNS_STATUS_DOMAINNAME_OVERFLOW:
	case LDNS_STATUS_DOMAINNAME_UNDERFLOW:
	case LDNS_STATUS_EMPTY_LABEL:
		return MW_DNS_E_LABEL;
	case LDNS_STATUS_WIRE_RDATA_ERR:
	case LDNS_STATUS_RDATA_OVERFLOW:
		return MW_DNS_E_RDATA;
	case LDNS_STATUS_MEM_ERR:
		return MW_DNS_E_NOMEM;
	default:
		return MW_DNS_E_MALFORMED;
	}
}

/*
 * @d as modwall's text form into @out (MW_DNS_NAME_MAX + 1 bytes).
 * ldns writes a byte that is not plain text as "\DDD" or "\.", so a
 * backslash (or any other byte outside the set) means refuse.
 */
static int name_text(const ldns_rdf *d, char *out)
{
	char *s;
	size_t n, i;
	int ret = MW_DNS_E_NAME;

	if (!d || ldns_rdf_get_type(d) != LDNS_RDF_TYPE_DNAME)
		return MW_DNS_E_NAME;
	s = ldns_rdf2str(d);
	if (!s)
		return MW_DNS_E_NOMEM;
	n = strlen(s);
	if (n && s[n - 1] == '.')
		n--;
	if (n == 0 || n > MW_DNS_NAME_MAX)
		goto out;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			   c == '-' || c == '_' || c == '.'))
			goto out;
		out[i] = c;
	}
	out[n] = '\0';
	ret = MW_DNS_OK;
out:
	free(s);
	return ret;
}

/* TTLs with the top bit set are 0 (RFC 2181, 8) */
static uint32_t rr_ttl(const ldns_rr *rr)
{
	uint32_t t = ldns_rr_ttl(rr);

	return t & 0x80000000u ? 0 : t;
}

static int add_addr(struct mw_dns_msg *m, const ldns_rr *rr, const char *owner,
		    unsigned int hop, uint32_t chain_ttl)
{
	const ldns_rdf *rd = ldns_rr_rdf(rr, 0);
	struct mw_dns_addr *a;
	int v6 = ldns_rr_get_type(rr) == LDNS_RR_TYPE_AAAA;
	size_t want = v6 ? 16 : 4;

	if (!rd || ldns_rdf_size(rd) != want ||
	    ldns_rdf_get_type(rd) != (v6 ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A))
		return MW_DNS_E_RDATA;
	if (m->n_addrs == MW_DNS_MAX_ADDRS) {
		m->flags |= MW_DNS_F_ADDRS_CUT;
		return MW_DNS_OK;
	}
	a = &m->addrs[m->n_addrs++];
	memset(a, 0, sizeof(*a));
	strcpy(a->name, owner);
	a->family = v6 ? AF_INET6 : AF_INET;
	a->hop = hop;
	memcpy(a->addr, ldns_rdf_data(rd), want);
	a->rr_ttl = rr_ttl(rr);
	a->ttl = a->rr_ttl < chain_ttl ? a->rr_ttl : chain_ttl;
	return MW_DNS_OK;
}

/*
 * From the question name, hop by hop: the A/AAAA records of the current
 * name, then its CNAME (the first, should there be more) to the next. A
 * target already on the chain is a loop; the walk stops there.
 */
static int walk(struct mw_dns_msg *m, const ldns_rr_list *ans, const ldns_rdf *qname)
{
	const ldns_rdf *chain[MW_DNS_MAX_CHAIN + 1];
	const char *cur_text = m->qname;
	uint32_t chain_ttl = UINT32_MAX;
	size_t n = ldns_rr_list_rr_count(ans), i;
	unsigned int hop = 0, j;
	int ret;

	chain[0] = qname;
	for (;;) {
		const ldns_rr *cname = NULL;
		const ldns_rdf *target;
		struct mw_dns_cname *c;

		for (i = 0; i < n; i++) {
			const ldns_rr *rr = ldns_rr_list_rr(ans, i);
			ldns_rr_type t = ldns_rr_get_type(rr);

			if (ldns_dname_compare(ldns_rr_owner(rr), chain[hop]))
				continue;
			if (t == LDNS_RR_TYPE_A || t == LDNS_RR_TYPE_AAAA) {
				ret = add_addr(m, rr, cur_text, hop, chain_ttl);
				if (ret)
					return ret;
			} else if (t == LDNS_RR_TYPE_CNAME && !cname) {
				cname = rr;
			}
		}
		if (!cname)
			return MW_DNS_OK;
		if (hop == MW_DNS_MAX_CHAIN) {
			m->flags |= MW_DNS_F_CHAIN_CUT;
			return MW_DNS_OK;
		}

		target = ldns_rr_rdf(cname, 0);
		c = &m->cnames[hop];
		if (!target || ldns_rdf_get_type(target) != LDNS_RDF_TYPE_DNAME)
			return MW_DNS_E_RDATA;
		for (j = 0; j <= hop; j++)
			if (!ldns_dname_compare(target, chain[j])) {
				m->flags |= MW_DNS_F_LOOP;
				return MW_DNS_OK;
			}
		ret = name_text(target, c->target);
		if (ret)
			return ret;
		strcpy(c->alias, cur_text);
		c->ttl = rr_ttl(cname);
		if (c->ttl < chain_ttl)
			chain_ttl = c->ttl;
		cur_text = c->target;
		chain[++hop] = target;
		m->n_cnames = hop;
	}
}

static int check_answers(const ldns_rr_list *ans)
{
	size_t i, n = ldns_rr_list_rr_count(ans);

	for (i = 0; i < n; i++)
		if (ldns_rr_get_class(ldns_rr_list_rr(ans, i)) != LDNS_RR_CLASS_IN)
			return MW_DNS_E_CLASS;
	return MW_DNS_OK;
}

int mw_dns_parse(const uint8_t *buf, size_t len, struct mw_dns_msg *m)
{
	ldns_pkt *pkt = NULL;
	const ldns_rr *q;
	ldns_status st;
	int ret;

	memset(m, 0, offsetof(struct mw_dns_msg, cnames));
	m->n_addrs = 0;
	if (len < LDNS_HEADER_SIZE)
		return MW_DNS_E_SHORT;
	st = ldns_wire2pkt(&pkt, buf, len);
	if (st != LDNS_STATUS_OK) {
		ldns_pkt_free(pkt);
		return from_ldns(st);
	}
	if (ldns_pkt_get_opcode(pkt) != LDNS_PACKET_QUERY) {
		ret = MW_DNS_E_OPCODE;
		goto out;
	}
	if (ldns_pkt_qdcount(pkt) != 1 ||
	    ldns_rr_list_rr_count(ldns_pkt_question(pkt)) != 1) {
		ret = MW_DNS_E_QDCOUNT;
		goto out;
	}
	q = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
	if (ldns_rr_get_class(q) != LDNS_RR_CLASS_IN) {
		ret = MW_DNS_E_CLASS;
		goto out;
	}
	ret = name_text(ldns_rr_owner(q), m->qname);
	if (ret)
		goto out;
	m->response = ldns_pkt_qr(pkt);
	m->rcode = ldns_pkt_get_rcode(pkt);
	m->qtype = ldns_rr_get_type(q);
	m->id = ldns_pkt_id(pkt);
	if (ldns_pkt_tc(pkt))
		m->flags |= MW_DNS_F_TC;
	if (!m->response)
		goto out;
	ret = check_answers(ldns_pkt_answer(pkt));
	if (!ret)
		ret = walk(m, ldns_pkt_answer(pkt), ldns_rr_owner(q));
out:
	ldns_pkt_free(pkt);
	if (ret) {
		m->n_cnames = 0;
		m->n_addrs = 0;
	}
	return ret;
}
