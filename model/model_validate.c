/* Cross-object checks: names, references, pools, overlaps, keys.
 * Every check that compares objects sorts and scans neighbours (O(n log n)). */
#include "model/model_load.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool model_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > MODEL_NAME_MAX || s[0] < 'a' || s[0] > 'z' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(char c)
{
	return is_alpha(c) || (c >= '0' && c <= '9');
}

bool model_ifname_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n >= IFNAMSIZ || !is_alpha(s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

/* Names that exist on every Linux host, or that the kernel keeps for itself:
 * wgf owns the interfaces it is given, and writes sysctls under their names. */
const char *model_ifname_reserved(const char *s)
{
	static const struct {
		const char *name, *why;
	} reserved[] = {
		{ "lo", "it is the loopback interface every host has" },
		{ "all", "net.ipv4.conf.all and net.ipv6.conf.all set every interface's sysctls" },
		{ "default", "net.ipv4.conf.default and net.ipv6.conf.default are the sysctls of new interfaces" },
		{ "bonding_masters", "/sys/class/net/bonding_masters is the bonding driver's control file" },
	};

	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (!strcmp(s, reserved[i].name))
			return reserved[i].why;
	return NULL;
}

bool model_label_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 63 || !is_alnum(s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

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

/* An object of any kind, seen through what the checks need. */
struct objref {
	const char *kind;
	const struct model_meta *meta;
	struct obj_extra *x;
};

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
static bool name_index_build(struct loader *l, struct name_index *ix, const char *kind, size_t n,
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

/* --- references -------------------------------------------------------- */

static void resolve_network(struct loader *l, const struct name_index *nets, struct objref o, size_t *net);

void validate_network_ref(struct loader *l, const struct name_index *nets, const char *kind,
			  const struct model_meta *meta, struct obj_extra *x, size_t *net)
{
	resolve_network(l, nets, (struct objref){ kind, meta, x }, net);
}

static void resolve_network(struct loader *l, const struct name_index *nets, struct objref o, size_t *net)
{
	const struct model *m = l->m;
	long i;

	if (o.x->has_network) {
		i = name_index_find(nets, o.x->network);
		if (i < 0) {
			if (!l->incomplete)
				validate_err(l, &o.x->network_loc, "Network %s does not exist", diag_quote(o.x->network));
			return;
		}
		*net = (size_t)i;
		o.x->network_ok = true;
		return;
	}
	if (m->n_networks == 1) {
		*net = 0;
		o.x->network_ok = true;
	} else if (m->n_networks == 0) {
		if (!l->incomplete)
			validate_err(l, &o.meta->loc, "%s %s belongs to no Network: there is none", o.kind,
			     display_name(o.meta));
	} else {
		validate_err(l, &o.meta->loc, "%s %s must name its \"network\": there are %zu Networks", o.kind,
		     display_name(o.meta), m->n_networks);
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
static void resolve_hosts(struct loader *l, const struct name_index *nets)
{
	struct model *m = l->m;

	for (size_t i = 0; i < m->n_hosts; i++) {
		struct model_host *h = &m->hosts[i];
		struct obj_extra *x = &l->host_x[i];

		resolve_network(l, nets, (struct objref){ "Host", &h->meta, x }, &h->network);
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

/* stamp[host] == mark when the host is already among this peer's hubs. */
/* The name indexes of every kind, to say what a wrong reference names instead. */
struct kind_indexes {
	const struct name_index *nets, *hosts, *peers, *tenants, *policies;
};

/* The kind of another object with this name, or NULL. */
static const char *other_kind(const struct kind_indexes *k, const char *name)
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

static void check_hubs(struct loader *l, struct model_peer *p, struct obj_extra *x, const struct kind_indexes *k,
		       size_t *stamp, size_t mark)
{
	const struct name_index *hosts = k->hosts;
	struct model *m = l->m;

	p->hubs = calloc(x->n_hub_names ? x->n_hub_names : 1, sizeof(*p->hubs));
	if (!p->hubs) {
		l->oom = true;
		return;
	}
	for (size_t j = 0; j < x->n_hub_names; j++) {
		long hi = name_index_find(hosts, x->hub_names[j]);
		const struct model_host *h;

		if (hi < 0) {
			const char *other = other_kind(k, x->hub_names[j]);
			if (other)
				validate_err(l, &x->hub_locs[j], "hub %s is %s, not a Host: \"hubs\" lists Hosts with role "
					     "hub or exit", diag_quote(x->hub_names[j]), other);
			else if (!l->incomplete)
				validate_err(l, &x->hub_locs[j], "hub %s: Host %s does not exist", diag_quote(x->hub_names[j]),
				     diag_quote(x->hub_names[j]));
			continue;
		}
		if (stamp[hi] == mark) {
			validate_err(l, &x->hub_locs[j], "hub %s is listed twice", diag_quote(x->hub_names[j]));
			continue;
		}
		stamp[hi] = mark;
		p->hubs[p->n_hubs++] = (size_t)hi;
		h = &m->hosts[hi];
		if (l->host_x[hi].failed)
			continue;
		if (!host_role_takes_peers(h->role))
			validate_err(l, &x->hub_locs[j], "hub %s: Host %s has role %s, not hub", diag_quote(x->hub_names[j]),
			     display_name(&h->meta), host_role_name(h->role));
		else if (x->network_ok && l->host_x[hi].network_ok && h->network != p->network)
			validate_err(l, &x->hub_locs[j], "hub %s is in Network %s, not in Network %s",
			     diag_quote(x->hub_names[j]), display_name(&m->networks[h->network].meta),
			     display_name(&m->networks[p->network].meta));
	}
}

static void resolve_peers(struct loader *l, const struct name_index *nets)
{
	struct model *m = l->m;

	for (size_t i = 0; i < m->n_peers; i++)
		resolve_network(l, nets, (struct objref){ "Peer", &m->peers[i].meta, &l->peer_x[i] },
				&m->peers[i].network);
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

		check_hubs(l, p, x, k, stamp, i + 1);
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

/* --- routing loops: a LAN that holds an endpoint ------------------------- */

struct ep_entry {
	size_t net;
	struct wgf_prefix a;           /* the endpoint's address, /32 or /128 */
	const struct wgf_endpoint *e;
	const char *kind;
	const struct model_meta *meta;
	const struct wgf_loc *loc;
	size_t seq;
};

static int ep_entry_cmp(const void *pa, const void *pb)
{
	const struct ep_entry *a = pa, *b = pb;
	int r;

	if (a->net != b->net)
		return a->net < b->net ? -1 : 1;
	r = prefix_cmp(&a->a, &b->a);
	if (r)
		return r;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* The first endpoint (by address) of network net inside lan, or NULL. */
static const struct ep_entry *ep_in(const struct ep_entry *e, size_t n, size_t net, const struct wgf_prefix *lan)
{
	struct ep_entry key = { .net = net, .a = *lan };
	size_t lo = 0, hi = n;

	key.a.len = 0;   /* sorts before every address of the LAN */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ep_entry_cmp(&e[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n && e[lo].net == net && prefix_contains(lan, &e[lo].a))
		return &e[lo];
	return NULL;
}

static void check_lan_loops(struct loader *l, const struct ep_entry *e, size_t n, size_t net, const char *kind,
			    const struct model_meta *meta, const struct wgf_prefix *lans, size_t n_lans,
			    const struct wgf_loc *locs)
{
	char lbuf[PREFIX_STRLEN], ebuf[ENDPOINT_STRLEN];

	for (size_t i = 0; i < n_lans; i++) {
		const struct ep_entry *in = ep_in(e, n, net, &lans[i]);
		if (!in)
			continue;
		validate_err(l, &locs[i], "LAN %s of %s %s holds the endpoint %s of %s %s (%s:%u:%u): the tunnel's "
			     "packets to it would be routed into the tunnel", prefix_format(&lans[i], lbuf), kind,
			     display_name(meta), endpoint_format(in->e, ebuf), in->kind, display_name(in->meta),
			     in->loc->file, in->loc->line, in->loc->col);
	}
}

/* Every host routes every LAN of its network into the tunnel: an endpoint
 * inside one would be reached through the tunnel it carries. */
static void check_loops(struct loader *l)
{
	const struct model *m = l->m;
	struct ep_entry *e = calloc(m->n_hosts + m->n_peers + 1, sizeof(*e));
	size_t n = 0;

	if (!e) {
		l->oom = true;
		return;
	}
	for (size_t i = 0; i < m->n_hosts; i++)
		if (l->host_x[i].network_ok && m->hosts[i].endpoint.family)
			e[n++] = (struct ep_entry){ m->hosts[i].network, endpoint_prefix(&m->hosts[i].endpoint),
						    &m->hosts[i].endpoint, "Host", &m->hosts[i].meta,
						    &l->host_x[i].endpoint_loc, l->host_x[i].seq };
	for (size_t i = 0; i < m->n_peers; i++)
		if (l->peer_x[i].network_ok && m->peers[i].endpoint.family)
			e[n++] = (struct ep_entry){ m->peers[i].network, endpoint_prefix(&m->peers[i].endpoint),
						    &m->peers[i].endpoint, "Peer", &m->peers[i].meta,
						    &l->peer_x[i].endpoint_loc, l->peer_x[i].seq };
	qsort(e, n, sizeof(*e), ep_entry_cmp);
	for (size_t i = 0; n && i < m->n_hosts; i++)
		if (l->host_x[i].network_ok)
			check_lan_loops(l, e, n, m->hosts[i].network, "Host", &m->hosts[i].meta, m->hosts[i].lans,
					m->hosts[i].n_lans, l->host_x[i].lan_locs);
	for (size_t i = 0; n && i < m->n_peers; i++)
		if (l->peer_x[i].network_ok)
			check_lan_loops(l, e, n, m->peers[i].network, "Peer", &m->peers[i].meta, m->peers[i].lans,
					m->peers[i].n_lans, l->peer_x[i].lan_locs);
	free(e);
}

/* --- overlaps ---------------------------------------------------------- */

struct span {
	struct wgf_prefix p;           /* what is compared: a network prefix */
	size_t net;
	const char *what;              /* "address" or "LAN" */
	const char *kind;
	const struct model_meta *meta;
	const struct wgf_loc *loc;
	size_t seq, item;
};

static int span_cmp(const void *pa, const void *pb)
{
	const struct span *a = pa, *b = pb;
	int r;

	if (a->net != b->net)
		return a->net < b->net ? -1 : 1;
	r = prefix_cmp(&a->p, &b->p);
	if (r)
		return r;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return a->item < b->item ? -1 : a->item > b->item;
}

static void add_spans(struct span *s, size_t *n, size_t net, const char *what, const char *kind,
		      const struct model_meta *meta, const struct obj_extra *x, const struct wgf_prefix *ps,
		      size_t n_ps, const struct wgf_loc *locs, bool single, size_t base)
{
	for (size_t i = 0; i < n_ps; i++) {
		struct span *sp = &s[(*n)++];

		sp->p = single ? prefix_host(&ps[i]) : ps[i];
		prefix_mask(&sp->p);
		sp->net = net;
		sp->what = what;
		sp->kind = kind;
		sp->meta = meta;
		sp->loc = &locs[i];
		sp->seq = x->seq;
		sp->item = base + i;
	}
}

/* After sorting by start address, a prefix overlaps an earlier one exactly
 * when it lies inside the widest earlier prefix still open (prefixes nest). */
static void check_overlaps(struct loader *l)
{
	const struct model *m = l->m;
	struct span *s;
	size_t n = 0, total = 0;
	const struct span *open = NULL;

	for (size_t i = 0; i < m->n_hosts; i++)
		total += m->hosts[i].n_addresses + m->hosts[i].n_lans;
	for (size_t i = 0; i < m->n_peers; i++)
		total += m->peers[i].n_addresses + m->peers[i].n_lans;
	s = calloc(total ? total : 1, sizeof(*s));
	if (!s) {
		l->oom = true;
		return;
	}
	for (size_t i = 0; i < m->n_hosts; i++) {
		const struct model_host *h = &m->hosts[i];
		const struct obj_extra *x = &l->host_x[i];
		if (!x->network_ok)
			continue;
		add_spans(s, &n, h->network, "address", "Host", &h->meta, x, h->addresses, h->n_addresses,
			  x->addr_locs, true, 0);
		add_spans(s, &n, h->network, "LAN", "Host", &h->meta, x, h->lans, h->n_lans, x->lan_locs, false,
			  h->n_addresses);
	}
	for (size_t i = 0; i < m->n_peers; i++) {
		const struct model_peer *p = &m->peers[i];
		const struct obj_extra *x = &l->peer_x[i];
		if (!x->network_ok)
			continue;
		add_spans(s, &n, p->network, "address", "Peer", &p->meta, x, p->addresses, p->n_addresses,
			  x->addr_locs, false, 0);
		add_spans(s, &n, p->network, "LAN", "Peer", &p->meta, x, p->lans, p->n_lans, x->lan_locs, false,
			  p->n_addresses);
	}
	qsort(s, n, sizeof(*s), span_cmp);
	for (size_t i = 0; i < n; i++) {
		const struct span *c = &s[i];
		char a[PREFIX_STRLEN], b[PREFIX_STRLEN];

		if (!open || open->net != c->net || !prefix_overlaps(&open->p, &c->p)) {
			open = c;
			continue;
		}
		validate_err(l, c->loc, "%s %s of %s %s overlaps %s%s%s of %s %s (%s:%u:%u)", c->what, prefix_format(&c->p, a),
		     c->kind, display_name(c->meta), strcmp(c->what, open->what) ? open->what : "",
		     strcmp(c->what, open->what) ? " " : "", prefix_format(&open->p, b), open->kind,
		     display_name(open->meta), open->loc->file, open->loc->line, open->loc->col);
	}
	free(s);
}

/* --- keys -------------------------------------------------------------- */

struct key_entry {
	uint8_t key[WG_KEY_LEN];       /* canonical form: a key with bit 255 set is the same key */
	const char *kind;
	const struct model_meta *meta;
	const struct wgf_loc *loc;
	size_t seq;
};

static int key_entry_cmp(const void *pa, const void *pb)
{
	const struct key_entry *a = pa, *b = pb;
	int r = memcmp(a->key, b->key, WG_KEY_LEN);

	if (r)
		return r;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void check_keys(struct loader *l)
{
	const struct model *m = l->m;
	struct key_entry *e = calloc(m->n_hosts + m->n_peers + 1, sizeof(*e));
	size_t n = 0;

	if (!e) {
		l->oom = true;
		return;
	}
	for (size_t i = 0; i < m->n_hosts; i++)
		if (l->host_x[i].has_key) {
			e[n] = (struct key_entry){ .kind = "Host", .meta = &m->hosts[i].meta,
						   .loc = &l->host_x[i].key_loc, .seq = l->host_x[i].seq };
			key_public_canonical(e[n++].key, m->hosts[i].public_key);
		}
	for (size_t i = 0; i < m->n_peers; i++)
		if (l->peer_x[i].has_key) {
			e[n] = (struct key_entry){ .kind = "Peer", .meta = &m->peers[i].meta,
						   .loc = &l->peer_x[i].key_loc, .seq = l->peer_x[i].seq };
			key_public_canonical(e[n++].key, m->peers[i].public_key);
		}
	qsort(e, n, sizeof(*e), key_entry_cmp);
	for (size_t i = 1, first = 0; i < n; i++) {
		if (memcmp(e[first].key, e[i].key, WG_KEY_LEN)) {
			first = i;
			continue;
		}
		validate_err(l, e[i].loc, "duplicate publicKey: %s %s has the same key as %s %s (%s:%u:%u)", e[i].kind,
		     display_name(e[i].meta), e[first].kind, display_name(e[first].meta), e[first].loc->file,
		     e[first].loc->line, e[first].loc->col);
	}
	free(e);
}

void model_validate(struct loader *l)
{
	const struct model *m = l->m;
	struct name_index nets = { 0 }, hosts = { 0 }, peers = { 0 }, tenants = { 0 }, policies = { 0 };

	if (!name_index_build(l, &nets, "Network", m->n_networks, network_meta, l->net_x) ||
	    !name_index_build(l, &hosts, "Host", m->n_hosts, host_meta, l->host_x) ||
	    !name_index_build(l, &peers, "Peer", m->n_peers, peer_meta, l->peer_x) ||
	    !name_index_build(l, &tenants, "Tenant", m->n_tenants, tenant_meta, l->ten_x) ||
	    !name_index_build(l, &policies, "Policy", m->n_policies, policy_meta, l->pol_x)) {
		l->oom = true;
		goto out;
	}
	resolve_hosts(l, &nets);
	resolve_peers(l, &nets);
	check_network_pools(l);
	if (l->oom)
		goto out;
	check_hosts(l);
	check_peers(l, &(struct kind_indexes){ &nets, &hosts, &peers, &tenants, &policies });
	if (l->oom)
		goto out;
	check_overlaps(l);
	check_loops(l);
	check_keys(l);
	model_validate_access(l, &nets, &hosts, &peers, &tenants);
out:
	if (l->oom)
		diag_add(l->d, NULL, "out of memory");
	free(nets.e);
	free(hosts.e);
	free(peers.e);
	free(tenants.e);
	free(policies.e);
}
