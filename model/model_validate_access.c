/* Cross-object checks of access control: tenants and their members, access
 * levels, public addresses and port forwards, policies and their tests. */
#include "model/model_load.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The host of network net one of whose lans contains p, or MODEL_NONE. */
static size_t lan_host(const struct model *m, size_t net, const struct wgf_prefix *p)
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

/* --- public addresses and forwards ------------------------------------- */

static bool first_address(const struct wgf_prefix *addrs, size_t n, uint8_t family, struct wgf_prefix *out)
{
	for (size_t i = 0; i < n; i++)
		if (addrs[i].family == family) {
			*out = prefix_host(&addrs[i]);
			return true;
		}
	return false;
}

/* Is a inside some host's lans or some peer's addresses/lans of network net? */
static bool reachable_address(const struct model *m, size_t net, const struct wgf_prefix *a)
{
	if (lan_host(m, net, a) != MODEL_NONE)
		return true;
	for (size_t i = 0; i < m->n_hosts; i++)
		for (size_t j = 0; m->hosts[i].network == net && j < m->hosts[i].n_addresses; j++) {
			struct wgf_prefix h = prefix_host(&m->hosts[i].addresses[j]);
			if (prefix_equal(&h, a))
				return true;
		}
	for (size_t i = 0; i < m->n_peers; i++) {
		const struct model_peer *p = &m->peers[i];
		if (p->network != net)
			continue;
		for (size_t j = 0; j < p->n_addresses; j++)
			if (prefix_contains(&p->addresses[j], a))
				return true;
		for (size_t j = 0; j < p->n_lans; j++)
			if (prefix_contains(&p->lans[j], a))
				return true;
	}
	return false;
}

static void check_forward_ports(struct loader *l, const struct model_forward *f)
{
	if (f->to_port && (unsigned)f->to_port + (f->ports.hi - f->ports.lo) > 65535)
		validate_err(l, &f->port_loc, "toPort %u shifts the range %u-%u beyond 65535", f->to_port,
			     f->ports.lo, f->ports.hi);
	if (f->to_port && f->to_port != f->ports.lo && f->ports.hi - f->ports.lo >= 4096)
		validate_err(l, &f->port_loc, "a range with another toPort may span at most 4096 ports");
}

/* The public address: one of the host's, or its only one when none is written. */
static bool forward_address(struct loader *l, const struct model_host *h, struct model_forward *f)
{
	char a[PREFIX_STRLEN];
	bool found = false;

	if (!f->has_addr) {
		/* addr_loc moves off the item only when "address" was written (and reported bad) */
		if (f->addr_loc.line != f->loc.line || f->addr_loc.col != f->loc.col)
			return false;
		if (h->n_public_addrs != 1) {
			validate_err(l, &f->loc, "forward needs \"address\": Host %s has %zu public addresses",
				     display_name(&h->meta), h->n_public_addrs);
			return false;
		}
		f->public_addr = h->public_addrs[0];
		f->has_addr = true;
		return true;
	}
	for (size_t j = 0; j < h->n_public_addrs && !found; j++)
		found = prefix_equal(&h->public_addrs[j], &f->public_addr);
	if (!found) {
		validate_err(l, &f->addr_loc, "forward address %s is not one of Host %s's publicAddresses",
			     prefix_format_addr(&f->public_addr, a), display_name(&h->meta));
		f->has_addr = false;
	}
	return found;
}

static void forward_to_address(struct loader *l, const struct model_host *h, struct model_forward *f,
			       const struct wgf_prefix *t)
{
	uint8_t fam = f->public_addr.family;
	char a[PREFIX_STRLEN];

	if (t->len != prefix_max_len(t->family))
		validate_err(l, &f->to_loc, "forward target %s must be a single address", diag_quote(f->to));
	else if (t->family != fam)
		validate_err(l, &f->to_loc, "forward target %s is %s but the public address %s is %s",
			     diag_quote(f->to), family_name(t->family), prefix_format_addr(&f->public_addr, a),
			     family_name(fam));
	else if (!reachable_address(l->m, h->network, t))
		validate_err(l, &f->to_loc, "forward target %s is neither a peer's address nor inside a host's lans",
			     diag_quote(f->to));
	else
		f->target = *t;
}

static void forward_to_name(struct loader *l, const struct name_index *peers, const struct name_index *hosts,
			    const struct model_host *h, struct model_forward *f)
{
	const struct model *m = l->m;
	uint8_t fam = f->public_addr.family;
	long pi = name_index_find(peers, f->to), hi = name_index_find(hosts, f->to);
	char a[PREFIX_STRLEN];

	if (pi >= 0 && hi >= 0) {
		validate_err(l, &f->to_loc, "forward target %s names both a Peer and a Host: use an address",
			     diag_quote(f->to));
	} else if (pi >= 0) {
		const struct model_peer *p = &m->peers[pi];
		if (p->network != h->network)
			validate_err(l, &f->to_loc, "forward target Peer %s is in another Network", diag_quote(f->to));
		else if (!first_address(p->addresses, p->n_addresses, fam, &f->target))
			validate_err(l, &f->to_loc, "forward target Peer %s has no %s address for %s",
				     diag_quote(f->to), family_name(fam), prefix_format_addr(&f->public_addr, a));
		else
			f->peer = (size_t)pi;
	} else if (hi >= 0) {
		const struct model_host *o = &m->hosts[hi];
		if (o->network != h->network || !first_address(o->addresses, o->n_addresses, fam, &f->target))
			validate_err(l, &f->to_loc, "forward target Host %s has no %s address in this network",
				     diag_quote(f->to), family_name(fam));
	} else if (!l->incomplete) {
		validate_err(l, &f->to_loc, "forward target %s is neither a Peer, a Host nor an IP address",
			     diag_quote(f->to));
	}
}

static void resolve_forward(struct loader *l, const struct name_index *peers, const struct name_index *hosts,
			    struct model_host *h, struct model_forward *f)
{
	struct wgf_prefix t;

	check_forward_ports(l, f);
	if (!forward_address(l, h, f) || !f->to)
		return;
	if (prefix_parse(f->to, true, &t))
		forward_to_address(l, h, f, &t);
	else
		forward_to_name(l, peers, hosts, h, f);
}

/* Services of the host itself that a forward on its public address takes away
 * (DNAT happens before the host sees the packet): a warning, not an error. */
static const struct {
	uint16_t port;
	unsigned proto;
	const char *name;
} host_service_ports[] = {
	{ 22, FW_PROTO_TCP, "ssh" },
	{ 23, FW_PROTO_TCP, "telnet" },
	{ 161, FW_PROTO_UDP, "SNMP" },
	{ 830, FW_PROTO_TCP, "NETCONF" },
	{ 9090, FW_PROTO_TCP, "Cockpit" },
};

static const char *port_text(const struct model_port_range *r, char buf[16])
{
	if (r->lo == r->hi)
		snprintf(buf, 16, "%u", r->lo);
	else
		snprintf(buf, 16, "%u-%u", r->lo, r->hi);
	return buf;
}

/* A forward must not take the host's own WireGuard port (an error: the tunnel
 * breaks), and should not take every port or a management port (warnings). */
static void check_forward_takeover(struct loader *l, const struct model_host *h, const struct model_forward *f)
{
	char pbuf[16], abuf[PREFIX_STRLEN];

	if (!f->protos || !f->ports.lo)
		return;
	if ((f->protos & FW_PROTO_UDP) && f->ports.lo <= h->listen_port && h->listen_port <= f->ports.hi) {
		validate_err(l, &f->port_loc, "forward port %s (udp) takes Host %s's WireGuard listenPort %u: the "
			     "tunnel's own packets would be sent to the target", port_text(&f->ports, pbuf),
			     display_name(&h->meta), h->listen_port);
		return;
	}
	if (!f->has_addr)
		return;
	if (f->ports.lo == 1 && f->ports.hi == 65535) {
		diag_warn(l->d, &f->port_loc, "forward port 1-65535 takes every port of %s: nothing on Host %s "
			  "itself (ssh included) is reachable at that address", prefix_format_addr(&f->public_addr, abuf),
			  display_name(&h->meta));
		return;
	}
	for (size_t i = 0; i < sizeof(host_service_ports) / sizeof(host_service_ports[0]); i++) {
		uint16_t p = host_service_ports[i].port;
		if (!(f->protos & host_service_ports[i].proto) || p < f->ports.lo || p > f->ports.hi)
			continue;
		diag_warn(l->d, &f->port_loc, "forward port %s (%s) takes port %u (%s) of %s: Host %s's own %s is "
			  "not reachable at that address", port_text(&f->ports, pbuf),
			  host_service_ports[i].proto == FW_PROTO_TCP ? "tcp" : "udp", p, host_service_ports[i].name,
			  prefix_format_addr(&f->public_addr, abuf), display_name(&h->meta), host_service_ports[i].name);
		return;
	}
}

struct fwd_entry {
	const struct model_forward *f;
	const struct model_host *h;
	size_t host, fwd;              /* definition order, for ties */
	unsigned proto;
};

static int fwd_entry_cmp(const void *pa, const void *pb)
{
	const struct fwd_entry *a = pa, *b = pb;
	int r = prefix_cmp(&a->f->public_addr, &b->f->public_addr);

	if (r)
		return r;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->f->ports.lo != b->f->ports.lo)
		return a->f->ports.lo < b->f->ports.lo ? -1 : 1;
	if (a->host != b->host)
		return a->host < b->host ? -1 : 1;
	return a->fwd < b->fwd ? -1 : a->fwd > b->fwd;
}

/* Same public address, protocol and an overlapping port: reported at the later one. */
static void check_forward_conflicts(struct loader *l)
{
	const struct model *m = l->m;
	struct fwd_entry *e;
	size_t n = 0, total = 0;

	for (size_t i = 0; i < m->n_hosts; i++)
		total += 2 * m->hosts[i].n_forwards;
	e = calloc(total ? total : 1, sizeof(*e));
	if (!e) {
		l->oom = true;
		return;
	}
	for (size_t i = 0; i < m->n_hosts; i++)
		for (size_t j = 0; j < m->hosts[i].n_forwards; j++) {
			const struct model_forward *f = &m->hosts[i].forwards[j];
			if (!f->has_addr)
				continue;
			for (unsigned b = FW_PROTO_TCP; b <= FW_PROTO_UDP; b <<= 1)
				if (f->protos & b)
					e[n++] = (struct fwd_entry){ f, &m->hosts[i], i, j, b };
		}
	qsort(e, n, sizeof(*e), fwd_entry_cmp);
	for (size_t i = 1, open = 0; i < n; i++) {
		const struct fwd_entry *o = &e[open], *c = &e[i];
		char a[PREFIX_STRLEN];

		if (prefix_cmp(&o->f->public_addr, &c->f->public_addr) || o->proto != c->proto ||
		    c->f->ports.lo > o->f->ports.hi) {
			open = i;
			continue;
		}
		validate_err(l, &c->f->port_loc, "forward %s %s/%u conflicts with the forward of Host %s at %s:%u:%u "
			     "(same address, protocol and port)", prefix_format_addr(&c->f->public_addr, a),
			     c->proto == FW_PROTO_TCP ? "tcp" : "udp", c->f->ports.lo > o->f->ports.lo ?
			     c->f->ports.lo : o->f->ports.lo, display_name(&o->h->meta), o->f->port_loc.file,
			     o->f->port_loc.line, o->f->port_loc.col);
		if (c->f->ports.hi > o->f->ports.hi)
			open = i;
	}
	free(e);
}

static void check_hosts_access(struct loader *l, const struct name_index *peers, const struct name_index *hosts)
{
	struct model *m = l->m;
	char a[PREFIX_STRLEN];

	for (size_t i = 0; i < m->n_hosts && !l->oom; i++) {
		struct model_host *h = &m->hosts[i];
		struct obj_extra *x = &l->host_x[i];

		if (h->masquerade && h->role != HOST_ROLE_ROUTER)
			validate_err(l, &x->masquerade_loc, "\"masquerade\" applies to role router (Host %s has role %s)",
				     display_name(&h->meta), host_role_name(h->role));
		if (!x->has_public && h->endpoint.family) {
			h->public_addrs = calloc(1, sizeof(*h->public_addrs));
			if (!h->public_addrs) {
				l->oom = true;
				return;
			}
			h->public_addrs[0].family = h->endpoint.family;
			h->public_addrs[0].len = (uint8_t)prefix_max_len(h->endpoint.family);
			memcpy(h->public_addrs[0].addr, h->endpoint.addr, sizeof(h->endpoint.addr));
			h->n_public_addrs = 1;
		}
		for (size_t j = 0; x->has_public && j < h->n_public_addrs; j++)
			for (size_t k = 0; k < j; k++)
				if (prefix_equal(&h->public_addrs[j], &h->public_addrs[k]))
					validate_err(l, &x->public_locs[j], "public address %s is listed twice",
						     prefix_format_addr(&h->public_addrs[j], a));
		if (!x->network_ok)
			continue;
		for (size_t j = 0; j < h->n_forwards; j++) {
			const struct model_forward *f = &h->forwards[j];
			resolve_forward(l, peers, hosts, h, &h->forwards[j]);
			check_forward_takeover(l, h, f);
			for (size_t k = 0; f->name && k < j; k++)
				if (h->forwards[k].name && !strcmp(h->forwards[k].name, f->name))
					validate_err(l, &f->loc, "duplicate forward name %s on Host %s (first at %s:%u:%u)",
						     diag_quote(f->name), display_name(&h->meta), h->forwards[k].loc.file,
						     h->forwards[k].loc.line, h->forwards[k].loc.col);
		}
	}
	check_forward_conflicts(l);
}

/* --- policies ---------------------------------------------------------- */

static void resolve_selectors(struct loader *l, const struct name_index *hosts, const struct name_index *peers,
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
	check_hosts_access(l, peers, hosts);
	if (l->oom)
		return;
	check_policies(l, nets, hosts, peers, tenants);
	sort_policies(l);
}
