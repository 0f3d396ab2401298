/* Cross-object checks of policies: selectors and tests resolved in their
 * network, then the evaluation order. */
#include "model/model_validate_policy.h"

#include <stdlib.h>
#include <string.h>

void resolve_selectors(struct loader *l, const struct name_index *hosts, const struct name_index *peers,
			      const struct name_index *tenants, size_t net, struct model_selector *s, size_t n)
{
	const struct model *m = l->m;

	for (size_t i = 0; i < n; i++) {
		const struct name_index *ix;
		const char *kind;
		size_t other_net;
		long j;

		switch (s[i].kind) {
		case SEL_PEER:
			ix = peers, kind = "Peer";
			break;
		case SEL_HOST:
			ix = hosts, kind = "Host";
			break;
		case SEL_TENANT:
			ix = tenants, kind = "Tenant";
			break;
		default:
			continue;
		}
		j = name_index_find(ix, s[i].name);
		if (j < 0) {
			if (!l->incomplete)
				validate_err(l, &s[i].loc, "selector: %s %s does not exist", kind, diag_quote(s[i].name));
			continue;
		}
		s[i].index = (size_t)j;
		other_net = s[i].kind == SEL_PEER ? m->peers[j].network :
			    s[i].kind == SEL_HOST ? m->hosts[j].network : m->tenants[j].network;
		if (other_net != net)
			validate_err(l, &s[i].loc, "selector: %s %s is in another Network", kind, diag_quote(s[i].name));
	}
}

/* A test's "from" or "to": an address, or a Peer or Host name. */
static bool resolve_endpoint(struct loader *l, const struct name_index *hosts, const struct name_index *peers,
			     size_t net, const char *s, const struct wgf_loc *loc, struct wgf_prefix *addr,
			     size_t *peer, size_t *host)
{
	const struct model *m = l->m;
	long pi, hi;

	if (prefix_parse(s, true, addr)) {
		if (addr->len != prefix_max_len(addr->family)) {
			validate_err(l, loc, "test address %s must be a single address", diag_quote(s));
			return false;
		}
		return true;
	}
	pi = name_index_find(peers, s);
	hi = name_index_find(hosts, s);
	if (pi >= 0 && m->peers[pi].network != net)
		pi = -1;
	if (hi >= 0 && m->hosts[hi].network != net)
		hi = -1;
	if (pi >= 0 && hi >= 0) {
		validate_err(l, loc, "test: %s names both a Peer and a Host: use an address", diag_quote(s));
		return false;
	}
	if (pi < 0 && hi < 0) {
		if (!l->incomplete)
			validate_err(l, loc, "test: %s is neither a Peer, a Host (of this network) nor an IP address",
				     diag_quote(s));
		return false;
	}
	addr->family = 0;
	if (pi >= 0)
		*peer = (size_t)pi;
	else
		*host = (size_t)hi;
	return true;
}

static bool name_address(const struct model *m, size_t peer, size_t host, uint8_t family, struct wgf_prefix *out)
{
	if (peer != MODEL_NONE)
		return first_address(m->peers[peer].addresses, m->peers[peer].n_addresses, family, out);
	return first_address(m->hosts[host].addresses, m->hosts[host].n_addresses, family, out);
}

static void check_test(struct loader *l, const struct name_index *hosts, const struct name_index *peers,
		       size_t net, struct model_test *t)
{
	const struct model *m = l->m;
	bool from_name, to_name;
	uint8_t fam;

	if (t->exit) {
		long xi = name_index_find(hosts, t->exit);

		if (xi < 0 || m->hosts[xi].network != net || m->hosts[xi].role != HOST_ROLE_EXIT) {
			if (!l->incomplete)
				validate_err(l, &t->exit_loc, "test: \"exit\" %s is not an exit Host of this network",
					     diag_quote(t->exit));
		} else {
			t->exit_host = (size_t)xi;
		}
	}
	if (!t->from || !t->to)
		return;
	from_name = resolve_endpoint(l, hosts, peers, net, t->from, &t->from_loc, &t->src, &t->from_peer, &t->from_host);
	to_name = resolve_endpoint(l, hosts, peers, net, t->to, &t->to_loc, &t->dst, &t->to_peer, &t->to_host);
	if (!from_name || !to_name)
		return;
	from_name = !t->src.family;
	to_name = !t->dst.family;
	if (!from_name && !to_name) {
		if (t->src.family != t->dst.family)
			validate_err(l, &t->loc, "test: %s and %s are of different address families",
				     diag_quote(t->from), diag_quote(t->to));
		return;
	}
	if (!from_name)
		fam = t->src.family;
	else if (!to_name)
		fam = t->dst.family;
	else if (t->family)
		fam = t->family;
	else {
		struct wgf_prefix x, y;
		fam = name_address(m, t->from_peer, t->from_host, AF_INET, &x) &&
		      name_address(m, t->to_peer, t->to_host, AF_INET, &y) ? AF_INET : AF_INET6;
	}
	if (from_name && !name_address(m, t->from_peer, t->from_host, fam, &t->src))
		validate_err(l, &t->from_loc, "test: %s has no %s address", diag_quote(t->from), family_name(fam));
	if (to_name && !name_address(m, t->to_peer, t->to_host, fam, &t->dst))
		validate_err(l, &t->to_loc, "test: %s has no %s address", diag_quote(t->to), family_name(fam));
}

static void check_policies(struct loader *l, const struct name_index *nets, const struct name_index *hosts,
			   const struct name_index *peers, const struct name_index *tenants)
{
	struct model *m = l->m;

	for (size_t i = 0; i < m->n_policies; i++) {
		struct model_policy *pol = &m->policies[i];
		struct obj_extra *x = &l->pol_x[i];

		validate_network_ref(l, nets, "Policy", &pol->meta, x, &pol->network);
		if (!x->network_ok)
			continue;
		for (size_t j = 0; j < pol->n_rules; j++) {
			struct model_rule *r = &pol->rules[j];
			resolve_selectors(l, hosts, peers, tenants, pol->network, r->from, r->n_from);
			resolve_selectors(l, hosts, peers, tenants, pol->network, r->to, r->n_to);
		}
		for (size_t j = 0; j < pol->n_tests; j++)
			check_test(l, hosts, peers, pol->network, &pol->tests[j]);
	}
}

static const struct model *sort_model;

static int policy_order(const void *pa, const void *pb)
{
	const struct model_policy *a = &sort_model->policies[*(const size_t *)pa];
	const struct model_policy *b = &sort_model->policies[*(const size_t *)pb];

	if (a->network != b->network)
		return a->network < b->network ? -1 : 1;
	if (a->priority != b->priority)
		return a->priority < b->priority ? -1 : 1;
	return strcmp(a->meta.name ? a->meta.name : "", b->meta.name ? b->meta.name : "");
}

/* Evaluation order: (network, priority, name); the extras move along. */
static void sort_policies(struct loader *l)
{
	struct model *m = l->m;
	size_t n = m->n_policies, *ix;
	struct model_policy *p;
	struct obj_extra *x;

	if (n < 2)
		return;
	ix = calloc(n, sizeof(*ix));
	p = calloc(n, sizeof(*p));
	x = calloc(n, sizeof(*x));
	if (!ix || !p || !x) {
		l->oom = true;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		ix[i] = i;
	sort_model = m;
	qsort(ix, n, sizeof(*ix), policy_order);
	sort_model = NULL;
	for (size_t i = 0; i < n; i++) {
		p[i] = m->policies[ix[i]];
		x[i] = l->pol_x[ix[i]];
	}
	memcpy(m->policies, p, n * sizeof(*p));
	memcpy(l->pol_x, x, n * sizeof(*x));
out:
	free(ix);
	free(p);
	free(x);
}


void validate_policies(struct loader *l, const struct name_index *nets, const struct name_index *hosts,
		       const struct name_index *peers, const struct name_index *tenants)
{
	check_policies(l, nets, hosts, peers, tenants);
	sort_policies(l);
}
