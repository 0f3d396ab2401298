/* Cross-object checks: names, references, pools, hubs, addresses, endpoints,
 * the hosts' topology (model_validate_topology.c);
 * then the checks that compare every object (model_validate_overlap.c) and
 * those of access control (model_validate_access.c).
 * Every check that compares objects sorts and scans neighbours (O(n log n)). */
#include "model/model_validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_validate_access.h"
#include "model/model_validate_capacity.h"
#include "model/model_validate_exit.h"
#include "model/model_validate_internet_only.h"
#include "model/model_validate_overlap.h"
#include "model/model_validate_secrets.h"
#include "model/model_validate_topology.h"
#include "model/model_validate_util.h"

static const struct model_meta *network_meta(const struct model *m, size_t i)
{
	return &m->networks[i].meta;
}

static const struct model_meta *host_meta(const struct model *m, size_t i)
{
	return &m->hosts[i].meta;
}

static const struct model_meta *peer_meta(const struct model *m, size_t i)
{
	return &m->peers[i].meta;
}

static const struct model_meta *tenant_meta(const struct model *m, size_t i)
{
	return &m->tenants[i].meta;
}

static const struct model_meta *policy_meta(const struct model *m, size_t i)
{
	return &m->policies[i].meta;
}

static const struct model_meta *operator_meta(const struct model *m, size_t i)
{
	return &m->operators[i].meta;
}

static const struct model_meta *exit_group_meta(const struct model *m, size_t i)
{
	return &m->exit_groups[i].meta;
}

/* What a single address is to the pool when no device may have it: its network
 * address (IPv4; the subnet-router anycast address in IPv6) or its IPv4
 * broadcast address. NULL otherwise, and for /31, /32, /127, /128 pools. */
static const char *pool_reserved_address(const struct wgf_prefix *pool, const struct wgf_prefix *a)
{
	unsigned max = prefix_max_len(a->family);
	struct wgf_prefix in = *a;

	if (a->len != max || (unsigned)pool->len + 2 > max)
		return NULL;
	in.len = pool->len;
	if (prefix_is_network(&in))
		return a->family == AF_INET ? "the network address" : "the subnet-router anycast address";
	if (a->family == AF_INET && prefix_host_all_ones(&in))
		return "the broadcast address";
	return NULL;
}

static void check_address(struct loader *l, const struct model_network *n, const struct wgf_prefix *a,
			  const struct wgf_loc *loc, bool host)
{
	const struct wgf_prefix *pool = pool_for(n, a->family);
	char abuf[PREFIX_STRLEN], pbuf[PREFIX_STRLEN];
	struct wgf_prefix single = prefix_host(a);

	if (!pool) {
		validate_err(l, loc, "address \"%s\" is %s but Network %s has no %s pool", prefix_format(a, abuf),
		     family_name(a->family), display_name(&n->meta), family_name(a->family));
		return;
	}
	if (!prefix_contains(pool, host ? &single : a))
		validate_err(l, loc, "address \"%s\" is outside the network's %s pool %s", prefix_format(a, abuf),
		     family_name(a->family), prefix_format(pool, pbuf));
	else if (host && a->len < pool->len)
		validate_err(l, loc, "address \"%s\" has a wider on-link prefix than the network's %s pool %s",
		     prefix_format(a, abuf), family_name(a->family), prefix_format(pool, pbuf));
	else if (!host && pool_reserved_address(pool, a))
		validate_err(l, loc, "address \"%s\" is %s of the network's %s pool %s: no peer can use it",
		     prefix_format(a, abuf), pool_reserved_address(pool, a), family_name(a->family),
		     prefix_format(pool, pbuf));
}

static void check_lans_vs_pools(struct loader *l, const struct model_network *n, const struct wgf_prefix *lans,
				size_t n_lans, const struct wgf_loc *locs)
{
	char lbuf[PREFIX_STRLEN], pbuf[PREFIX_STRLEN];

	for (size_t i = 0; i < n_lans; i++) {
		const struct wgf_prefix *pool = pool_for(n, lans[i].family);
		if (pool && prefix_overlaps(pool, &lans[i]))
			validate_err(l, &locs[i], "LAN %s overlaps the network's %s pool %s", prefix_format(&lans[i], lbuf),
			     family_name(pool->family), prefix_format(pool, pbuf));
	}
}

/* An endpoint is where the tunnel's own UDP packets go: never an address the
 * tunnel itself carries. */
static void check_endpoint(struct loader *l, const struct model_network *n, const char *kind,
			   const struct model_meta *meta, const struct wgf_endpoint *e, const struct obj_extra *x,
			   const struct wgf_prefix *own, size_t n_own)
{
	struct wgf_prefix a = endpoint_prefix(e);
	char ebuf[ENDPOINT_STRLEN], pbuf[PREFIX_STRLEN];
	const struct wgf_prefix *pool;

	if (!e->family)
		return;
	for (size_t i = 0; i < n_own; i++) {
		struct wgf_prefix o = prefix_host(&own[i]);
		if (prefix_equal(&o, &a)) {
			validate_err(l, &x->endpoint_loc, "\"endpoint\" %s is %s %s's own tunnel address (%s): the tunnel "
				     "cannot carry its own packets", endpoint_format(e, ebuf), kind, display_name(meta),
				     prefix_format(&own[i], pbuf));
			return;
		}
	}
	pool = n ? pool_for(n, a.family) : NULL;
	if (pool && prefix_contains(pool, &a))
		validate_err(l, &x->endpoint_loc, "\"endpoint\" %s is inside the network's %s pool %s: the tunnel "
			     "cannot carry its own packets", endpoint_format(e, ebuf), family_name(a.family),
			     prefix_format(pool, pbuf));
}

/* Networks, and what hosts take from them; before any check that needs pools. */
/* Networks, and what hosts take from them; before any check that needs pools. */
static void resolve_hosts(struct loader *l, const struct name_index *nets)
{
	struct model *m = l->m;

	for (size_t i = 0; i < m->n_hosts; i++) {
		struct model_host *h = &m->hosts[i];
		struct obj_extra *x = &l->host_x[i];

		validate_network_ref(l, nets, "Host", &h->meta, x, &h->network);
		if (host_role_takes_peers(h->role) && !h->endpoint.family && !x->failed)
			validate_err(l, x->role_loc.line ? &x->role_loc : &h->meta.loc,
			     "Host %s is a hub but has no \"endpoint\"", display_name(&h->meta));
		if (!x->network_ok)
			continue;
		if (!x->has_ifname)
			memcpy(h->ifname, m->networks[h->network].ifname, IFNAMSIZ);
		if (!x->has_port)
			h->listen_port = m->networks[h->network].listen_port;
		if (!x->has_mtu)
			h->mtu = m->networks[h->network].mtu;
	}
}

static void check_hosts(struct loader *l)
{
	struct model *m = l->m;

	for (size_t i = 0; i < m->n_hosts; i++) {
		struct model_host *h = &m->hosts[i];
		struct obj_extra *x = &l->host_x[i];
		const struct model_network *n = x->network_ok ? usable_network(l, x, h->network) : NULL;

		check_endpoint(l, n, "Host", &h->meta, &h->endpoint, x, h->addresses, h->n_addresses);
		if (!n)
			continue;
		for (size_t j = 0; j < h->n_addresses; j++)
			check_address(l, n, &h->addresses[j], &x->addr_locs[j], true);
		check_lans_vs_pools(l, n, h->lans, h->n_lans, x->lan_locs);
	}
}

static void check_network_pools(struct loader *l)
{
	struct model *m = l->m;
	struct pool_fit *fit = calloc(2 * m->n_networks + 1, sizeof(*fit));

	if (!fit) {
		l->oom = true;
		return;
	}
	for (size_t i = 0; i < m->n_hosts; i++) {
		const struct model_host *h = &m->hosts[i];
		const struct obj_extra *x = &l->host_x[i];
		const struct model_network *n = x->network_ok ? usable_network(l, x, h->network) : NULL;
		for (size_t j = 0; n && j < h->n_addresses; j++) {
			const struct wgf_prefix *pool = pool_for(n, h->addresses[j].family);
			if (pool)
				pool_fit_count(&fit[2 * h->network + (pool->family == AF_INET6)], pool, &h->addresses[j],
					       true, "Host", &h->meta, &x->addr_locs[j]);
		}
	}
	for (size_t i = 0; i < m->n_peers; i++) {
		const struct model_peer *p = &m->peers[i];
		const struct obj_extra *x = &l->peer_x[i];
		const struct model_network *n = x->network_ok ? usable_network(l, x, p->network) : NULL;
		for (size_t j = 0; n && j < p->n_addresses; j++) {
			const struct wgf_prefix *pool = pool_for(n, p->addresses[j].family);
			if (pool)
				pool_fit_count(&fit[2 * p->network + (pool->family == AF_INET6)], pool, &p->addresses[j],
					       false, "Peer", &p->meta, &x->addr_locs[j]);
		}
	}
	for (size_t i = 0; i < m->n_networks; i++) {
		const struct model_network *n = &m->networks[i];
		struct obj_extra *x = &l->net_x[i];
		char whose[128];

		if (x->failed)
			continue;
		snprintf(whose, sizeof(whose), "Network %s's hosts and peers", display_name(&n->meta));
		if ((n->has_pool4 && pool_fit_wrong(l, &fit[2 * i], "\"addressPools.ipv4\"", &n->pool4, &x->pool4_loc,
						    whose)) |
		    (n->has_pool6 && pool_fit_wrong(l, &fit[2 * i + 1], "\"addressPools.ipv6\"", &n->pool6,
						    &x->pool6_loc, whose)))
			x->failed = true;
	}
	free(fit);
}

static void resolve_peers(struct loader *l, const struct name_index *nets)
{
	struct model *m = l->m;

	for (size_t i = 0; i < m->n_peers; i++)
		validate_network_ref(l, nets, "Peer", &m->peers[i].meta, &l->peer_x[i], &m->peers[i].network);
}

static void check_peers(struct loader *l, const struct kind_indexes *k)
{
	struct model *m = l->m;
	size_t *stamp = calloc(m->n_hosts ? m->n_hosts : 1, sizeof(*stamp));

	if (!stamp) {
		l->oom = true;
		return;
	}
	for (size_t i = 0; i < m->n_peers && !l->oom; i++) {
		struct model_peer *p = &m->peers[i];
		struct obj_extra *x = &l->peer_x[i];
		const struct model_network *n;

		validate_hub_list(l, x, p->network, k, stamp, i + 1, &p->hubs, &p->n_hubs);
		n = x->network_ok ? usable_network(l, x, p->network) : NULL;
		check_endpoint(l, n, "Peer", &p->meta, &p->endpoint, x, p->addresses, p->n_addresses);
		if (!n)
			continue;
		for (size_t j = 0; j < p->n_addresses; j++)
			check_address(l, n, &p->addresses[j], &x->addr_locs[j], false);
		check_lans_vs_pools(l, n, p->lans, p->n_lans, x->lan_locs);
	}
	free(stamp);
}

void model_validate(struct loader *l)
{
	const struct model *m = l->m;
	struct name_index nets = { 0 }, hosts = { 0 }, peers = { 0 }, tenants = { 0 }, policies = { 0 }, ops = { 0 };
	struct name_index groups = { 0 };

	exit_groups_sort(l);
	if (l->oom ||
	    !name_index_build(l, &nets, "Network", m->n_networks, network_meta, l->net_x) ||
	    !name_index_build(l, &hosts, "Host", m->n_hosts, host_meta, l->host_x) ||
	    !name_index_build(l, &peers, "Peer", m->n_peers, peer_meta, l->peer_x) ||
	    !name_index_build(l, &tenants, "Tenant", m->n_tenants, tenant_meta, l->ten_x) ||
	    !name_index_build(l, &policies, "Policy", m->n_policies, policy_meta, l->pol_x) ||
	    !name_index_build(l, &ops, "Operator", m->n_operators, operator_meta, l->op_x) ||
	    !name_index_build(l, &groups, "ExitGroup", m->n_exit_groups, exit_group_meta, l->exit_x)) {
		l->oom = true;
		goto out;
	}
	resolve_hosts(l, &nets);
	resolve_peers(l, &nets);
	validate_operators(l, &nets);
	check_network_pools(l);
	if (l->oom)
		goto out;
	check_hosts(l);
	check_peers(l, &(struct kind_indexes){ &nets, &hosts, &peers, &tenants, &policies });
	if (l->oom)
		goto out;
	validate_topology(l, &(struct kind_indexes){ &nets, &hosts, &peers, &tenants, &policies });
	validate_capacity(l);
	if (l->oom)
		goto out;
	validate_overlaps(l);
	validate_loops(l);
	validate_keys(l);
	model_validate_access(l, &nets, &hosts, &peers, &tenants);
	if (l->oom)
		goto out;
	validate_exits(l, &(struct kind_indexes){ &nets, &hosts, &peers, &tenants, &policies }, &groups);
	if (!l->oom)
		validate_internet_only(l);
	validate_secrets(l, &(struct kind_indexes){ &nets, &hosts, &peers, &tenants, &policies }, &ops);
out:
	if (l->oom)
		diag_add(l->d, NULL, "out of memory");
	free(nets.e);
	free(hosts.e);
	free(peers.e);
	free(tenants.e);
	free(policies.e);
	free(ops.e);
	free(groups.e);
}
