/* A host that sends traffic through exit groups (README "Exit groups"): a
 * tunnel interface per member that owns the whole internet there, the groups'
 * tables with the switched default routes, and the policy rules that send the
 * right sources into them.
 *
 * WireGuard gives a prefix to one peer per interface, so 0.0.0.0/0 cannot sit
 * on several exits of one interface: each member gets its own interface, and
 * which member is in use is a route in a table (wgf watch switches it), never
 * an allowed-IPs change. */
#include "render/render_int.h"
#include "render/exits.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define RULE_PRIO_SUPPRESS 20000   /* internal routes of main win; its default does not */
#define RULE_PRIO_PEER     20100   /* a peer's own exit, or a group's "use" */
#define RULE_PRIO_TENANT   20500   /* a tenant's exit */
#define RULE_PRIO_OWN_MARK 20890   /* the host's own tunnel packets: main */
#define RULE_PRIO_OWN_SKIP 20895   /* the host's "except" prefixes: main */
#define RULE_PRIO_OWN      20900   /* the host's own traffic (and its LANs') */

static const struct wgf_prefix *family_any(int family)
{
	static const struct wgf_prefix any4 = { .family = AF_INET }, any6 = { .family = AF_INET6 };

	return family == AF_INET ? &any4 : &any6;
}

static bool host_has_family(const struct model_host *h, int family)
{
	for (size_t i = 0; i < h->n_addresses; i++)
		if (h->addresses[i].family == family)
			return true;
	return false;
}

uint32_t render_exit_fwmark(const struct model *m, const struct model_host *h)
{
	uint32_t mark = m->networks[h->network].fwmark;

	if (!h->exit.set || h->exit.group == MODEL_NONE)
		return mark;
	return mark ? mark : EXIT_FWMARK_DEFAULT;
}

static int add_rule(struct render_ctx *c, uint32_t prio, const struct wgf_prefix *src,
		    const struct wgf_prefix *dst, uint32_t table)
{
	struct hs_rule ru = { .priority = prio, .table = table, .suppress_prefixlen = -1 };

	ru.family = src ? src->family : dst->family;
	ru.src = src ? *src : *family_any(ru.family);
	ru.dst = dst ? *dst : *family_any(ru.family);
	prefix_mask(&ru.src);
	prefix_mask(&ru.dst);
	return hoststate_add_rule(c->hs, &ru);
}

static const struct exit_group_use *group_use(const struct render_exits *ex, size_t g)
{
	for (size_t i = 0; i < ex->n_groups; i++)
		if (ex->groups[i].group_index == g)
			return &ex->groups[i];
	return NULL;
}

/* The table a source named name goes to under use e (main for "direct"). */
static uint32_t use_table(const struct render_exits *ex, const struct model_exit_use *e, const char *name)
{
	const struct exit_group_use *u = e->group == MODEL_NONE ? NULL : group_use(ex, e->group);
	const struct exit_table *t;

	if (!u)
		return HS_ROUTE_TABLE_MAIN;
	t = exit_group_table(u, u->group->strategy == EXIT_STRATEGY_ROUND_ROBIN ? exit_rr_member(u, name)
										 : SIZE_MAX);
	return t ? t->table : HS_ROUTE_TABLE_MAIN;
}

/* Rules from each of srcs: to each "only" prefix of its family, else anywhere. */
static int source_rules(struct render_ctx *c, uint32_t prio, const struct wgf_prefix *srcs, size_t n,
			const struct model_exit_use *e, uint32_t table)
{
	int r = 0;

	for (size_t i = 0; i < n && r >= 0; i++) {
		if (!e->n_only) {
			r = add_rule(c, prio, &srcs[i], NULL, table);
			continue;
		}
		for (size_t j = 0; j < e->n_only && r >= 0; j++)
			if (e->only[j].family == srcs[i].family)
				r = add_rule(c, prio, &srcs[i], &e->only[j], table);
	}
	return r;
}

static int peer_rules(struct render_ctx *c, const struct render_exits *ex, bool *tenant_done)
{
	const struct model *m = c->m;
	int64_t now = c->o ? c->o->now : 0;
	int r = 0;

	for (size_t i = 0; i < m->n_peers && r >= 0; i++) {
		const struct model_peer *p = &m->peers[i];
		const struct model_exit_use *e;
		bool rr, tenant_wide;

		if (p->network != c->h->network || !p->n_hubs || p->hubs[0] != c->host_index ||
		    !render_peer_active(p, now))
			continue;
		e = model_peer_exit(m, p);
		if (!e)
			continue;
		rr = e->group != MODEL_NONE && m->exit_groups[e->group].strategy == EXIT_STRATEGY_ROUND_ROBIN;
		tenant_wide = p->tenant != MODEL_NONE && e == &m->tenants[p->tenant].exit && !rr;
		if (tenant_wide) {
			const struct model_tenant *t = &m->tenants[p->tenant];
			uint32_t table = use_table(ex, e, p->meta.name);

			if (tenant_done[p->tenant])
				continue;
			tenant_done[p->tenant] = true;
			if (t->has_pool4)
				r = source_rules(c, RULE_PRIO_TENANT, &t->pool4, 1, e, table);
			if (r >= 0 && t->has_pool6)
				r = source_rules(c, RULE_PRIO_TENANT, &t->pool6, 1, e, table);
			continue;
		}
		r = source_rules(c, RULE_PRIO_PEER, p->addresses, p->n_addresses, e, use_table(ex, e, p->meta.name));
		if (r >= 0)
			r = source_rules(c, RULE_PRIO_PEER, p->lans, p->n_lans, e, use_table(ex, e, p->meta.name));
	}
	return r;
}

/* The host's own traffic through its exit: wg-quick's pair, with the mark on
 * every one of its tunnels' packets. */
static int own_rules(struct render_ctx *c, const struct render_exits *ex, int family)
{
	const struct model_exit_use *e = &c->h->exit;
	uint32_t table, mark = render_exit_fwmark(c->m, c->h);
	struct hs_rule ru = { .family = family, .priority = RULE_PRIO_OWN_MARK, .has_fwmark = true,
			      .fwmark = mark, .table = HS_ROUTE_TABLE_MAIN, .suppress_prefixlen = -1 };
	int r;

	if (!e->set || e->group == MODEL_NONE)
		return 0;
	table = use_table(ex, e, c->h->meta.name);
	ru.src = ru.dst = *family_any(family);
	r = hoststate_add_rule(c->hs, &ru);
	for (size_t i = 0; i < e->n_except && r >= 0; i++)
		if (e->except[i].family == family)
			r = add_rule(c, RULE_PRIO_OWN_SKIP, NULL, &e->except[i], HS_ROUTE_TABLE_MAIN);
	if (r < 0)
		return r;
	if (!e->n_only)
		return add_rule(c, RULE_PRIO_OWN, NULL, family_any(family), table);
	for (size_t i = 0; i < e->n_only && r >= 0; i++)
		if (e->only[i].family == family)
			r = add_rule(c, RULE_PRIO_OWN, NULL, &e->only[i], table);
	return r;
}

static int suppress_rule(struct render_ctx *c, int family)
{
	struct hs_rule ru = { .family = family, .priority = RULE_PRIO_SUPPRESS, .table = HS_ROUTE_TABLE_MAIN,
			      .suppress_prefixlen = 0 };

	ru.src = ru.dst = *family_any(family);
	return hoststate_add_rule(c->hs, &ru);
}

static const struct wgf_prefix *first_of(const struct model_host *h, int family)
{
	for (size_t i = 0; i < h->n_addresses; i++)
		if (h->addresses[i].family == family)
			return &h->addresses[i];
	return NULL;
}

/* Each table's default routes, out of its first choice: watch moves them. */
static int table_routes(struct render_ctx *c, const struct exit_group_use *u, int family)
{
	const struct wgf_prefix *src = first_of(c->h, family);
	int r = 0;

	for (size_t i = 0; i < u->n_tables && r >= 0; i++) {
		struct hs_route rt = { .table = u->tables[i].table, .dst = *family_any(family), .switched = true };
		size_t first = u->tables[i].slot == SIZE_MAX ? 0 : u->tables[i].slot;

		if (!u->n_members) {
			rt.type = u->group->all_down == EXIT_ALL_DOWN_DIRECT ? HS_ROUTE_THROW : HS_ROUTE_BLACKHOLE;
		} else {
			memcpy(rt.ifname, u->members[first].ifname, IFNAMSIZ);
			rt.has_prefsrc = src != NULL;
			if (src)
				rt.prefsrc = prefix_host(src);
		}
		r = hoststate_add_route(c->hs, &rt);
	}
	return r;
}

/* The tunnel to member x: h's key, x's whole internet, h always calls. */
static int member_device(struct render_ctx *c, const struct exit_member_use *mu)
{
	const struct model_host *x = &c->m->hosts[mu->host];
	struct hs_device *d;
	struct hs_peer *hp;
	int r;

	d = hoststate_add_device(c->hs, mu->ifname);
	if (!d)
		return -ENOMEM;
	c->dev = &c->hs->devices[0];   /* the array may have moved */
	d->backend = HS_BACKEND_AUTO;
	d->up = true;
	d->mtu = c->h->mtu;
	d->fwmark = c->dev->fwmark;
	d->has_private_key = c->dev->has_private_key;
	memcpy(d->private_key, c->dev->private_key, WG_KEY_LEN);
	hp = hs_device_add_peer(d);
	if (!hp)
		return -ENOMEM;
	hp->name = strdup(x->meta.name);
	if (!hp->name)
		return -ENOMEM;
	memcpy(hp->public_key, x->public_key, WG_KEY_LEN);
	hp->endpoint = x->endpoint;
	hp->keepalive = RENDER_NAT_KEEPALIVE;
	r = hs_peer_add_allowed_ip(hp, family_any(AF_INET));
	if (r >= 0)
		r = hs_peer_add_allowed_ip(hp, family_any(AF_INET6));
	return r;
}

/* x's entry on the main device goes: what it carried is routed to x's own
 * tunnel (render_exit_member_routes), and x's addresses in any case. */
static int take_member_entry(struct render_ctx *c, size_t xi, struct wgf_prefix **moved, size_t *n_moved)
{
	const struct model_host *x = &c->m->hosts[xi];
	size_t e = c->entry[xi];
	struct wgf_prefix *v;
	size_t n = e == MODEL_NONE ? 0 : c->dev->peers[e].n_allowed_ips;

	v = realloc(*moved, (*n_moved + n + x->n_addresses + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	*moved = v;
	for (size_t i = 0; i < x->n_addresses; i++)
		v[(*n_moved)++] = prefix_host(&x->addresses[i]);
	if (e == MODEL_NONE)
		return 0;
	memcpy(v + *n_moved, c->dev->peers[e].allowed_ips, n * sizeof(*v));
	*n_moved += n;
	hs_peer_clear(&c->dev->peers[e]);
	memmove(&c->dev->peers[e], &c->dev->peers[e + 1], (c->dev->n_peers - e - 1) * sizeof(*c->dev->peers));
	c->dev->n_peers--;
	for (size_t i = 0; i < c->m->n_hosts; i++)
		if (c->entry[i] != MODEL_NONE && c->entry[i] > e)
			c->entry[i]--;
	c->entry[xi] = MODEL_NONE;
	return 0;
}

/* Linear: the devices are not sorted yet. */
static bool has_device(const struct host_state *hs, const char *ifname)
{
	for (size_t i = 0; i < hs->n_devices; i++)
		if (!strcmp(hs->devices[i].ifname, ifname))
			return true;
	return false;
}

/* Once per member (it may be in several groups): its tunnel, and what the
 * main device routed to it goes there. */
static int member_tunnel(struct render_ctx *c, const struct exit_member_use *mu)
{
	struct wgf_prefix *moved = NULL;
	size_t n_moved = 0;
	int r = take_member_entry(c, mu->host, &moved, &n_moved);

	for (size_t j = 0; j < n_moved; j++)
		prefix_mask(&moved[j]);
	n_moved = prefix_sort_unique(moved, n_moved);
	for (size_t j = 0; j < n_moved && r >= 0; j++) {
		const struct wgf_prefix *src = first_of(c->h, moved[j].family);
		struct hs_route rt = { .table = HS_ROUTE_TABLE_MAIN, .dst = moved[j], .has_prefsrc = src != NULL };

		/* the tunnel has no address: without one, the kernel picks another device's */
		if (src)
			rt.prefsrc = prefix_host(src);
		memcpy(rt.ifname, mu->ifname, IFNAMSIZ);
		r = hoststate_add_route(c->hs, &rt);
	}
	free(moved);
	return r < 0 ? r : member_device(c, mu);
}

int render_exit_host(struct render_ctx *c, struct render_exits *ex)
{
	int r = render_exits(c->m, c->h, ex);

	if (r < 0 || !ex->n_groups)
		return r;
	c->dev->fwmark = render_exit_fwmark(c->m, c->h);
	for (size_t g = 0; g < ex->n_groups && r >= 0; g++)
		for (size_t i = 0; i < ex->groups[g].n_members && r >= 0; i++) {
			const struct exit_member_use *mu = &ex->groups[g].members[i];

			if (!has_device(c->hs, mu->ifname))
				r = member_tunnel(c, mu);
		}
	return r;
}

int render_exit_rules(struct render_ctx *c, const struct render_exits *ex)
{
	bool *tenant_done;
	int r = 0;

	if (!ex->n_groups && !(c->h->exit.set && c->h->exit.group != MODEL_NONE))
		return 0;
	tenant_done = calloc(c->m->n_tenants + 1, sizeof(*tenant_done));
	if (!tenant_done)
		return -ENOMEM;
	for (int k = 0; k < 2 && r >= 0; k++) {
		int family = k ? AF_INET6 : AF_INET;

		if (!host_has_family(c->h, family))
			continue;
		r = suppress_rule(c, family);
		for (size_t g = 0; g < ex->n_groups && r >= 0; g++)
			r = table_routes(c, &ex->groups[g], family);
		if (r >= 0)
			r = own_rules(c, ex, family);
	}
	if (r >= 0)
		r = peer_rules(c, ex, tenant_done);
	free(tenant_done);
	return r;
}
