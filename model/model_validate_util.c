/* What every cross-object check uses: errors, name indexes, network
 * references and pools. */
#include "model/model_validate_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void validate_err(struct loader *l, const struct wgf_loc *loc, const char *fmt, ...)
{
	va_list ap;

	l->n_errors++;
	va_start(ap, fmt);
	diag_vadd(l->d, loc, fmt, ap);
	va_end(ap);
}

const char *display_name(const struct model_meta *meta)
{
	return diag_quote(meta->name ? meta->name : "");
}

/* --- names ------------------------------------------------------------- */

static int name_entry_cmp(const void *pa, const void *pb)
{
	const struct name_entry *a = pa, *b = pb;
	int r = strcmp(a->name, b->name);

	if (r)
		return r;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Sorts the named objects of one kind and reports duplicates at the later one. */
bool name_index_build(struct loader *l, struct name_index *ix, const char *kind, size_t n,
			     const struct model_meta *(*meta_at)(const struct model *, size_t),
			     struct obj_extra *xs)
{
	ix->n = 0;
	ix->e = calloc(n ? n : 1, sizeof(*ix->e));
	if (!ix->e)
		return false;
	for (size_t i = 0; i < n; i++) {
		const struct model_meta *meta = meta_at(l->m, i);
		if (!meta->name || !xs[i].name_loc.line)
			continue;
		ix->e[ix->n++] = (struct name_entry){ meta->name, i, xs[i].seq };
	}
	qsort(ix->e, ix->n, sizeof(*ix->e), name_entry_cmp);
	for (size_t i = 1, first = 0; i < ix->n; i++) {
		const struct wgf_loc *f, *dup;

		if (strcmp(ix->e[first].name, ix->e[i].name)) {
			first = i;
			continue;
		}
		f = &xs[ix->e[first].idx].name_loc;
		dup = &xs[ix->e[i].idx].name_loc;
		validate_err(l, dup, "duplicate %s name %s (first defined at %s:%u:%u)", kind,
		     diag_quote(ix->e[i].name), f->file, f->line, f->col);
	}
	return true;
}

/* The first-defined object with this name, or -1. */
long name_index_find(const struct name_index *ix, const char *name)
{
	size_t lo = 0, hi = ix->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(ix->e[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ix->n && !strcmp(ix->e[lo].name, name))
		return (long)ix->e[lo].idx;
	return -1;
}

/* --- references -------------------------------------------------------- */

void validate_network_ref(struct loader *l, const struct name_index *nets, const char *kind,
			  const struct model_meta *meta, struct obj_extra *x, size_t *net)
{
	const struct model *m = l->m;
	long i;

	if (x->has_network) {
		i = name_index_find(nets, x->network);
		if (i < 0) {
			if (!l->incomplete)
				validate_err(l, &x->network_loc, "Network %s does not exist", diag_quote(x->network));
			return;
		}
		*net = (size_t)i;
		x->network_ok = true;
		return;
	}
	if (m->n_networks == 1) {
		*net = 0;
		x->network_ok = true;
	} else if (m->n_networks == 0) {
		if (!l->incomplete)
			validate_err(l, &meta->loc, "%s %s belongs to no Network: there is none", kind,
			     display_name(meta));
	} else {
		validate_err(l, &meta->loc, "%s %s must name its \"network\": there are %zu Networks", kind,
		     display_name(meta), m->n_networks);
	}
}

/* The network whose pools may be trusted for this object's checks, or NULL. */
const struct model_network *usable_network(const struct loader *l, const struct obj_extra *x, size_t net)
{
	if (!x->network_ok || l->net_x[net].failed)
		return NULL;
	return &l->m->networks[net];
}

const struct wgf_prefix *pool_for(const struct model_network *n, uint8_t family)
{
	if (family == AF_INET)
		return n->has_pool4 ? &n->pool4 : NULL;
	return n->has_pool6 ? &n->pool6 : NULL;
}

const char *family_name(uint8_t family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

/* The host of network net one of whose lans contains p, or MODEL_NONE. */
size_t lan_host(const struct model *m, size_t net, const struct wgf_prefix *p)
{
	for (size_t i = 0; i < m->n_hosts; i++) {
		const struct model_host *h = &m->hosts[i];
		if (h->network != net)
			continue;
		for (size_t j = 0; j < h->n_lans; j++)
			if (prefix_contains(&h->lans[j], p))
				return i;
	}
	return MODEL_NONE;
}

bool first_address(const struct wgf_prefix *addrs, size_t n, uint8_t family, struct wgf_prefix *out)
{
	for (size_t i = 0; i < n; i++)
		if (addrs[i].family == family) {
			*out = prefix_host(&addrs[i]);
			return true;
		}
	return false;
}

/* --- pools that hold none of their addresses ----------------------------- */

void pool_fit_count(struct pool_fit *f, const struct wgf_prefix *pool, const struct wgf_prefix *a, bool single,
		    const char *kind, const struct model_meta *meta, const struct wgf_loc *loc)
{
	struct wgf_prefix s = single ? prefix_host(a) : *a;

	if (prefix_contains(pool, &s)) {
		f->inside++;
		return;
	}
	if (!f->outside++)
		*f = (struct pool_fit){ f->inside, f->outside, kind, meta, a, loc };
}

/* When most of the addresses that belong in a pool lie outside it, the pool is
 * what is wrong: say so once, and the caller checks nothing against it. */
bool pool_fit_wrong(struct loader *l, const struct pool_fit *f, const char *what, const struct wgf_prefix *pool,
		    const struct wgf_loc *loc, const char *whose)
{
	char pbuf[PREFIX_STRLEN], abuf[PREFIX_STRLEN];

	if (f->outside < 2 || f->outside <= f->inside)
		return false;
	validate_err(l, loc, "%s %s does not hold %zu of the %zu %s addresses of %s (e.g. %s of %s %s, %s:%u:%u): "
		     "fix the pool first (addresses are not checked against it until then)", what,
		     prefix_format(pool, pbuf), f->outside, f->inside + f->outside, family_name(pool->family), whose,
		     prefix_format(f->addr, abuf), f->kind, display_name(f->meta), f->loc->file, f->loc->line,
		     f->loc->col);
	return true;
}

const char *other_kind(const struct kind_indexes *k, const char *name)
{
	if (name_index_find(k->peers, name) >= 0)
		return "a Peer";
	if (name_index_find(k->nets, name) >= 0)
		return "a Network";
	if (name_index_find(k->tenants, name) >= 0)
		return "a Tenant";
	if (name_index_find(k->policies, name) >= 0)
		return "a Policy";
	return NULL;
}
