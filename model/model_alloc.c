/* Free tunnel addresses (model/model_alloc.h). */
#include "model/model_alloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Where a candidate may not go: single addresses (sorted) and wider prefixes. */
struct taken {
	struct wgf_prefix *single, *wide;
	size_t n_single, n_wide, cap_single, cap_wide;
};

static int take(struct taken *t, const struct wgf_prefix *p, int family, bool host)
{
	struct wgf_prefix a = host ? prefix_host(p) : *p;
	bool single = a.len == prefix_max_len(a.family);
	struct wgf_prefix **v = single ? &t->single : &t->wide;
	size_t *n = single ? &t->n_single : &t->n_wide, *cap = single ? &t->cap_single : &t->cap_wide;
	struct wgf_prefix *g;

	if (a.family != family)
		return 0;
	if (*n == *cap) {
		g = realloc(*v, (*cap ? 2 * *cap : 16) * sizeof(**v));
		if (!g)
			return -ENOMEM;
		*v = g;
		*cap = *cap ? 2 * *cap : 16;
	}
	(*v)[(*n)++] = a;
	return 0;
}

static int collect(const struct model *m, size_t network, size_t tenant, int family, struct taken *t)
{
	int r = 0;

	for (size_t i = 0; i < m->n_hosts && r == 0; i++)
		for (size_t j = 0; j < m->hosts[i].n_addresses && r == 0; j++)
			r = take(t, &m->hosts[i].addresses[j], family, true);
	for (size_t i = 0; i < m->n_peers && r == 0; i++)
		for (size_t j = 0; j < m->peers[i].n_addresses && r == 0; j++)
			r = take(t, &m->peers[i].addresses[j], family, false);
	for (size_t i = 0; i < m->n_tenants && r == 0; i++) {
		const struct model_tenant *te = &m->tenants[i];
		bool has = family == AF_INET ? te->has_pool4 : te->has_pool6;

		if (tenant == MODEL_NONE && te->network == network && has)
			r = take(t, family == AF_INET ? &te->pool4 : &te->pool6, family, false);
	}
	return r;
}

static int cmp(const void *a, const void *b)
{
	return prefix_cmp(a, b);
}

static bool is_taken(const struct taken *t, const struct wgf_prefix *a)
{
	for (size_t i = 0; i < t->n_wide; i++)
		if (prefix_contains(&t->wide[i], a))
			return true;
	return t->n_single && bsearch(a, t->single, t->n_single, sizeof(*a), cmp);
}

/* a + 1 within its family; false on wrap-around. */
static bool next_addr(struct wgf_prefix *a)
{
	for (size_t i = prefix_addr_len(a->family); i-- > 0;)
		if (++a->addr[i] != 0)
			return true;
	return false;
}

int model_alloc_address(const struct model *m, size_t network, size_t tenant, int family, struct wgf_prefix *out)
{
	const struct model_network *n = &m->networks[network];
	const struct model_tenant *te = tenant != MODEL_NONE ? &m->tenants[tenant] : NULL;
	bool has = te ? (family == AF_INET ? te->has_pool4 : te->has_pool6) :
			(family == AF_INET ? n->has_pool4 : n->has_pool6);
	struct wgf_prefix pool, a;
	struct taken t = { 0 };
	int r;

	if (!has)
		return -ENOENT;
	pool = te ? (family == AF_INET ? te->pool4 : te->pool6) : (family == AF_INET ? n->pool4 : n->pool6);
	r = collect(m, network, tenant, family, &t);
	if (r < 0)
		goto out;
	if (t.n_single)
		qsort(t.single, t.n_single, sizeof(*t.single), cmp);
	a = pool;
	a.len = (uint8_t)prefix_max_len(family);
	r = -ENOSPC;
	while (next_addr(&a) && prefix_contains(&pool, &a)) {
		struct wgf_prefix in = a;

		in.len = pool.len;
		if (family == AF_INET && pool.len < 31 && prefix_host_all_ones(&in))
			break;
		if (!is_taken(&t, &a)) {
			*out = a;
			r = 0;
			break;
		}
	}
out:
	free(t.single);
	free(t.wide);
	return r;
}
