/* Cross-object checks of access control: tenants and their members, access
 * levels; then public addresses and port forwards (model_validate_forward.c),
 * policies and their tests (model_validate_policy.c). */
#include "model/model_validate_access.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_validate_forward.h"
#include "model/model_validate_policy.h"

static bool net_ok(const struct loader *l, const struct obj_extra *x, size_t net)
{
	return usable_network(l, x, net) != NULL;
}

static const struct wgf_prefix *tenant_pool(const struct model_tenant *t, uint8_t family)
{
	if (family == AF_INET)
		return t->has_pool4 ? &t->pool4 : NULL;
	return t->has_pool6 ? &t->pool6 : NULL;
}

/* --- tenants ----------------------------------------------------------- */

static void check_tenants(struct loader *l, const struct name_index *nets)
{
	struct model *m = l->m;
	char a[PREFIX_STRLEN], b[PREFIX_STRLEN];

	for (size_t i = 0; i < m->n_tenants; i++) {
		struct model_tenant *t = &m->tenants[i];
		struct obj_extra *x = &l->ten_x[i];
		const struct model_network *n;

		validate_network_ref(l, nets, "Tenant", &t->meta, x, &t->network);
		n = usable_network(l, x, t->network);
		if (!n)
			continue;
		for (int f = 0; f < 2; f++) {
			uint8_t fam = f ? AF_INET6 : AF_INET;
			const struct wgf_prefix *tp = tenant_pool(t, fam), *np = pool_for(n, fam);
			const struct wgf_loc *loc = f ? &x->pool6_loc : &x->pool4_loc;

			if (!tp)
				continue;
			/* a pool found wrong marks its tenant failed: members are not checked against it */
			if (!np) {
				validate_err(l, loc, "Tenant %s has an %s pool but Network %s has none", display_name(&t->meta),
					     family_name(fam), display_name(&n->meta));
				x->failed = true;
			} else if (!prefix_contains(np, tp)) {
				validate_err(l, loc, "tenant pool %s is outside the network's %s pool %s",
					     prefix_format(tp, a), family_name(fam), prefix_format(np, b));
				x->failed = true;
				continue;
			}
			for (size_t j = 0; j < i; j++) {
				const struct model_tenant *o = &m->tenants[j];
				const struct wgf_prefix *op = tenant_pool(o, fam);
				const struct wgf_loc *ol = f ? &l->ten_x[j].pool6_loc : &l->ten_x[j].pool4_loc;

				if (!l->ten_x[j].network_ok || o->network != t->network || !op || !prefix_overlaps(op, tp))
					continue;
				validate_err(l, loc, "tenant pool %s of Tenant %s overlaps pool %s of Tenant %s (%s:%u:%u)",
					     prefix_format(tp, a), display_name(&t->meta), prefix_format(op, b),
					     display_name(&o->meta), ol->file, ol->line, ol->col);
				/* either may be the wrong one: members are checked against neither */
				x->failed = true;
				l->ten_x[j].failed = true;
			}
		}
	}
}

/* A tenant of network net other than skip whose pool overlaps a, or MODEL_NONE.
 * Tenants whose pools are wrong are left out. */
static size_t tenant_overlapping(const struct loader *l, size_t net, const struct wgf_prefix *a, size_t skip)
{
	const struct model *m = l->m;

	for (size_t i = 0; i < m->n_tenants; i++) {
		const struct wgf_prefix *p = tenant_pool(&m->tenants[i], a->family);
		if (i != skip && l->ten_x[i].network_ok && !l->ten_x[i].failed && m->tenants[i].network == net && p &&
		    prefix_overlaps(p, a))
			return i;
	}
	return MODEL_NONE;
}

static bool resolve_tenant(struct loader *l, const struct name_index *tenants, struct obj_extra *x, size_t net,
			   size_t *tenant)
{
	struct model *m = l->m;
	long ti;

	if (!x->tenant)
		return true;
	ti = name_index_find(tenants, x->tenant);
	if (ti < 0) {
		if (!l->incomplete)
			validate_err(l, &x->tenant_loc, "Tenant %s does not exist", diag_quote(x->tenant));
		return false;
	}
	if (x->network_ok && l->ten_x[ti].network_ok && m->tenants[ti].network != net) {
		validate_err(l, &x->tenant_loc, "Tenant %s is in Network %s, not in Network %s",
			     diag_quote(x->tenant), display_name(&m->networks[m->tenants[ti].network].meta),
			     display_name(&m->networks[net].meta));
		return false;
	}
	*tenant = (size_t)ti;
	return true;
}

/* One address of a member or non-member: no other tenant's pool, and inside its own.
 * Host addresses count as single addresses, peer addresses as the prefixes they are. */
static void check_member_address(struct loader *l, const char *kind, const struct model_meta *meta,
				 size_t net, size_t tenant, const struct wgf_prefix *addr, bool single,
				 const struct wgf_loc *loc)
{
	struct model *m = l->m;
	struct wgf_prefix a = single ? prefix_host(addr) : *addr;
	size_t in = tenant_overlapping(l, net, &a, tenant);
	char b1[PREFIX_STRLEN], b2[PREFIX_STRLEN];
	const struct wgf_prefix *p;

	if (in != MODEL_NONE) {
		p = tenant_pool(&m->tenants[in], a.family);
		if (prefix_contains(p, &a))
			validate_err(l, loc, "address %s of %s %s is inside the pool of Tenant %s, but %s %s is %s",
				     prefix_format(addr, b1), kind, display_name(meta), display_name(&m->tenants[in].meta),
				     kind, display_name(meta),
				     tenant == MODEL_NONE ? "in no tenant (add \"tenant\")" : "in another tenant");
		else
			validate_err(l, loc, "address %s of %s %s overlaps the pool %s of Tenant %s, but %s %s is %s",
				     prefix_format(addr, b1), kind, display_name(meta), prefix_format(p, b2),
				     display_name(&m->tenants[in].meta), kind, display_name(meta),
				     tenant == MODEL_NONE ? "in no tenant" : "in another tenant");
		return;
	}
	if (tenant == MODEL_NONE || l->ten_x[tenant].failed)
		return;
	p = tenant_pool(&m->tenants[tenant], a.family);
	if (!p)
		validate_err(l, loc, "address %s of %s %s is %s but its Tenant %s has no %s pool", prefix_format(addr, b1),
			     kind, display_name(meta), family_name(a.family), display_name(&m->tenants[tenant].meta),
			     family_name(a.family));
	else if (!prefix_contains(p, &a))
		validate_err(l, loc, "address %s of %s %s is outside the %s pool %s of its Tenant %s",
			     prefix_format(addr, b1), kind, display_name(meta), family_name(a.family),
			     prefix_format(p, b2), display_name(&m->tenants[tenant].meta));
}

static void check_member(struct loader *l, const char *kind, const struct model_meta *meta, struct obj_extra *x,
			 size_t net, size_t tenant, const struct wgf_prefix *addrs, size_t n_addrs, bool single)
{
	if (x->tenant_failed || !net_ok(l, x, net))
		return;
	for (size_t i = 0; i < n_addrs; i++)
		check_member_address(l, kind, meta, net, tenant, &addrs[i], single, &x->addr_locs[i]);
}

static void count_member(struct loader *l, struct pool_fit *fit, const char *kind, const struct model_meta *meta,
			 const struct obj_extra *x, size_t net, size_t tenant, const struct wgf_prefix *addrs,
			 size_t n_addrs, bool single)
{
	const struct model_tenant *t;

	if (tenant == MODEL_NONE || x->tenant_failed || l->ten_x[tenant].failed || !net_ok(l, x, net))
		return;
	t = &l->m->tenants[tenant];
	for (size_t i = 0; i < n_addrs; i++) {
		const struct wgf_prefix *p = tenant_pool(t, addrs[i].family);
		if (p)
			pool_fit_count(&fit[2 * tenant + (p->family == AF_INET6)], p, &addrs[i], single, kind, meta,
				       &x->addr_locs[i]);
	}
}

/* A tenant pool that most of its members' addresses lie outside is wrong:
 * reported once, and the tenant is failed (its members are not checked). */
static void check_tenant_pools_fit(struct loader *l)
{
	struct model *m = l->m;
	struct pool_fit *fit = calloc(2 * m->n_tenants + 1, sizeof(*fit));

	if (!fit) {
		l->oom = true;
		return;
	}
	for (size_t i = 0; i < m->n_hosts; i++)
		count_member(l, fit, "Host", &m->hosts[i].meta, &l->host_x[i], m->hosts[i].network, m->hosts[i].tenant,
			     m->hosts[i].addresses, m->hosts[i].n_addresses, true);
	for (size_t i = 0; i < m->n_peers; i++)
		count_member(l, fit, "Peer", &m->peers[i].meta, &l->peer_x[i], m->peers[i].network, m->peers[i].tenant,
			     m->peers[i].addresses, m->peers[i].n_addresses, false);
	for (size_t i = 0; i < m->n_tenants; i++) {
		struct model_tenant *t = &m->tenants[i];
		struct obj_extra *x = &l->ten_x[i];
		char whose[128];

		if (x->failed)
			continue;
		snprintf(whose, sizeof(whose), "Tenant %s's members", display_name(&t->meta));
		if ((t->has_pool4 && pool_fit_wrong(l, &fit[2 * i], "tenant pool", &t->pool4, &x->pool4_loc, whose)) |
		    (t->has_pool6 && pool_fit_wrong(l, &fit[2 * i + 1], "tenant pool", &t->pool6, &x->pool6_loc, whose)))
			x->failed = true;
	}
	free(fit);
}

/* --- access levels ----------------------------------------------------- */

static bool same_scope(const struct model *m, size_t a, size_t b)
{
	if (a == b)
		return true;
	/* a tenant that is not isolated shares with the untenanted part */
	if (a == MODEL_NONE)
		return !m->tenants[b].isolated;
	if (b == MODEL_NONE)
		return !m->tenants[a].isolated;
	return false;
}

static const char *tenant_label(const struct model *m, size_t t)
{
	return t == MODEL_NONE ? "the shared part of the network" : display_name(&m->tenants[t].meta);
}

static bool push_lan(struct loader *l, struct model_peer *p, size_t *cap, const struct wgf_prefix *lan)
{
	for (size_t i = 0; i < p->n_access_lans; i++)
		if (prefix_equal(&p->access_lans[i], lan))
			return true;
	if (p->n_access_lans == *cap) {
		size_t c = *cap ? *cap * 2 : 4;
		struct wgf_prefix *n = reallocarray(p->access_lans, c, sizeof(*n));
		if (!n) {
			l->oom = true;
			return false;
		}
		p->access_lans = n;
		*cap = c;
	}
	p->access_lans[p->n_access_lans++] = *lan;
	return true;
}

static void check_access_lans(struct loader *l, const struct name_index *hosts, struct model_peer *p,
			      struct obj_extra *x)
{
	struct model *m = l->m;
	size_t cap = 0;

	if (!x->has_access_lans)
		return;
	if (p->access != ACCESS_LAN_ONLY) {
		if (x->failed)
			return;   /* e.g. a misspelt "access": the level is unknown */
		validate_err(l, x->n_access_lans ? &x->access_lan_locs[0] : &p->meta.loc,
			     "\"accessLans\" applies only to access: lan-only (Peer %s has access: %s)",
			     display_name(&p->meta), access_level_name(p->access));
		return;
	}
	if (!x->network_ok)
		return;
	for (size_t i = 0; i < x->n_access_lans && !l->oom; i++) {
		const char *s = x->access_lans[i];
		const struct wgf_loc *loc = &x->access_lan_locs[i];
		struct wgf_prefix pf;
		long hi;

		if (prefix_parse(s, true, &pf)) {
			size_t h;
			if (!prefix_is_network(&pf)) {
				validate_err(l, loc, "accessLans entry %s has host bits set", diag_quote(s));
				continue;
			}
			h = lan_host(m, p->network, &pf);
			if (h == MODEL_NONE) {
				validate_err(l, loc, "accessLans entry %s is not inside any host's lans", diag_quote(s));
				continue;
			}
			if (!same_scope(m, p->tenant, m->hosts[h].tenant)) {
				validate_err(l, loc, "accessLans entry %s is a LAN of Host %s in %s, not in %s: "
					     "use a Policy to cross tenants", diag_quote(s), display_name(&m->hosts[h].meta),
					     tenant_label(m, m->hosts[h].tenant), tenant_label(m, p->tenant));
				continue;
			}
			push_lan(l, p, &cap, &pf);
			continue;
		}
		hi = name_index_find(hosts, s);
		if (hi < 0) {
			if (!l->incomplete)
				validate_err(l, loc, "accessLans entry %s is neither a Host name nor a prefix", diag_quote(s));
			continue;
		}
		if (l->host_x[hi].network_ok && m->hosts[hi].network != p->network) {
			validate_err(l, loc, "accessLans: Host %s is in another Network", diag_quote(s));
			continue;
		}
		if (m->hosts[hi].n_lans == 0) {
			validate_err(l, loc, "accessLans: Host %s has no lans", diag_quote(s));
			continue;
		}
		if (!same_scope(m, p->tenant, m->hosts[hi].tenant)) {
			validate_err(l, loc, "accessLans: Host %s is in %s, not in %s: use a Policy to cross tenants",
				     diag_quote(s), tenant_label(m, m->hosts[hi].tenant), tenant_label(m, p->tenant));
			continue;
		}
		for (size_t j = 0; j < m->hosts[hi].n_lans; j++)
			push_lan(l, p, &cap, &m->hosts[hi].lans[j]);
	}
}

void model_validate_access(struct loader *l, const struct name_index *nets, const struct name_index *hosts,
			   const struct name_index *peers, const struct name_index *tenants)
{
	struct model *m = l->m;

	check_tenants(l, nets);
	for (size_t i = 0; i < m->n_hosts; i++)
		l->host_x[i].tenant_failed = !resolve_tenant(l, tenants, &l->host_x[i], m->hosts[i].network,
							     &m->hosts[i].tenant);
	for (size_t i = 0; i < m->n_peers; i++)
		l->peer_x[i].tenant_failed = !resolve_tenant(l, tenants, &l->peer_x[i], m->peers[i].network,
							     &m->peers[i].tenant);
	check_tenant_pools_fit(l);
	if (l->oom)
		return;
	for (size_t i = 0; i < m->n_hosts; i++) {
		struct model_host *h = &m->hosts[i];
		check_member(l, "Host", &h->meta, &l->host_x[i], h->network, h->tenant, h->addresses, h->n_addresses,
			     true);
	}
	for (size_t i = 0; i < m->n_peers; i++) {
		struct model_peer *p = &m->peers[i];
		check_member(l, "Peer", &p->meta, &l->peer_x[i], p->network, p->tenant, p->addresses, p->n_addresses,
			     false);
	}
	for (size_t i = 0; i < m->n_peers && !l->oom; i++)
		check_access_lans(l, hosts, &m->peers[i], &l->peer_x[i]);
	if (l->oom)
		return;
	validate_host_access(l, peers, hosts);
	if (l->oom)
		return;
	validate_policies(l, nets, hosts, peers, tenants);
}
