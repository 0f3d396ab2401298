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

static void check_hosts(struct loader *l, const struct name_index *nets)
{
	struct model *m = l->m;

	for (size_t i = 0; i < m->n_hosts; i++) {
		struct model_host *h = &m->hosts[i];
		struct obj_extra *x = &l->host_x[i];
		const struct model_network *n;

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
		n = usable_network(l, x, h->network);
		if (!n)
			continue;
		for (size_t j = 0; j < h->n_addresses; j++)
			check_address(l, n, &h->addresses[j], &x->addr_locs[j], true);
		check_lans_vs_pools(l, n, h->lans, h->n_lans, x->lan_locs);
	}
}

/* stamp[host] == mark when the host is already among this peer's hubs. */
static void check_hubs(struct loader *l, struct model_peer *p, struct obj_extra *x, const struct name_index *hosts,
		       size_t *stamp, size_t mark)
{
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
			if (!l->incomplete)
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

static void check_peers(struct loader *l, const struct name_index *nets, const struct name_index *hosts)
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

		resolve_network(l, nets, (struct objref){ "Peer", &p->meta, x }, &p->network);
		check_hubs(l, p, x, hosts, stamp, i + 1);
		n = usable_network(l, x, p->network);
		if (!n)
			continue;
		for (size_t j = 0; j < p->n_addresses; j++)
			check_address(l, n, &p->addresses[j], &x->addr_locs[j], false);
		check_lans_vs_pools(l, n, p->lans, p->n_lans, x->lan_locs);
	}
	free(stamp);
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
	const uint8_t *key;
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
		if (l->host_x[i].has_key)
			e[n++] = (struct key_entry){ m->hosts[i].public_key, "Host", &m->hosts[i].meta,
						     &l->host_x[i].key_loc, l->host_x[i].seq };
	for (size_t i = 0; i < m->n_peers; i++)
		if (l->peer_x[i].has_key)
			e[n++] = (struct key_entry){ m->peers[i].public_key, "Peer", &m->peers[i].meta,
						     &l->peer_x[i].key_loc, l->peer_x[i].seq };
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
	check_hosts(l, &nets);
	check_peers(l, &nets, &hosts);
	if (l->oom)
		goto out;
	check_overlaps(l);
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
