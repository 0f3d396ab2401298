/* A host's WireGuard peers and their allowed IPs (README "Topology").
 *
 * A host has an entry for each host it peers with directly (model_hosts_direct)
 * and for each peer attached to it; everything else of its network is put on the
 * entry of the host that reaches it (its carrier). WireGuard gives a prefix to one
 * peer of an interface and checks the source of what arrives against it, so a
 * carrier must be where replies come from too:
 * - a host in the mesh reaches a peer or an attached host through its primary hub;
 * - an attached host reaches what is homed on one of its own healthy hubs through
 *   that hub (a peer's primary hub; for two attached hosts, the first hub of the
 *   one defined first that the other also has, so both sides agree), and the rest
 *   through its serving hub, whose entry holds the network's pools (longest
 *   prefix wins) instead of every address. */
#include "render/render_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

bool render_peer_active(const struct model_peer *p, int64_t now)
{
	return p->enabled && !(p->has_expires && p->expires <= now);
}

size_t render_serving_hub(const struct model_host *h, const bool *hub_down)
{
	if (!h->n_hubs)
		return MODEL_NONE;
	for (size_t i = 0; hub_down && i < h->n_hubs; i++)
		if (!hub_down[h->hubs[i]])
			return h->hubs[i];
	return h->hubs[0];
}

static bool peer_attached_to(const struct model_peer *p, size_t host_index)
{
	for (size_t i = 0; i < p->n_hubs; i++)
		if (p->hubs[i] == host_index)
			return true;
	return false;
}

static bool hub_down(const struct render_ctx *c, size_t hub)
{
	return c->o && c->o->hub_down && c->o->hub_down[hub];
}

/* Inside one of the network's pools: the serving hub's entry has it already. */
static bool pooled(const struct render_ctx *c, size_t carrier, const struct wgf_prefix *ip)
{
	const struct model_network *n = &c->m->networks[c->h->network];

	if (carrier != c->serving)
		return false;
	return (n->has_pool4 && prefix_contains(&n->pool4, ip)) || (n->has_pool6 && prefix_contains(&n->pool6, ip));
}

static int add_allowed(struct hs_peer *hp, const struct wgf_prefix *ip)
{
	struct wgf_prefix masked = *ip;

	prefix_mask(&masked);
	return hs_peer_add_allowed_ip(hp, &masked);
}

/* addrs (single addresses when host) and lans on the entry of host carrier. */
static int carry(struct render_ctx *c, size_t carrier, const struct wgf_prefix *addrs, size_t n_addrs, bool host,
		 const struct wgf_prefix *lans, size_t n_lans)
{
	struct hs_peer *hp;
	int r = 0;

	if (carrier >= c->m->n_hosts || c->entry[carrier] == MODEL_NONE)
		return 0;
	hp = &c->dev->peers[c->entry[carrier]];
	for (size_t i = 0; i < n_addrs && r >= 0; i++) {
		struct wgf_prefix a = host ? prefix_host(&addrs[i]) : addrs[i];

		if (!pooled(c, carrier, &a))
			r = add_allowed(hp, &a);
	}
	for (size_t i = 0; i < n_lans && r >= 0; i++)
		r = add_allowed(hp, &lans[i]);
	return r;
}

static int add_entry(struct render_ctx *c, const char *name, const uint8_t pub[WG_KEY_LEN],
		     const struct wgf_endpoint *ep, uint16_t keepalive, struct hs_peer **out)
{
	struct hs_peer *hp = hs_device_add_peer(c->dev);

	if (!hp)
		return -ENOMEM;
	hp->name = strdup(name);
	if (!hp->name)
		return -ENOMEM;
	memcpy(hp->public_key, pub, WG_KEY_LEN);
	hp->endpoint = *ep;
	hp->keepalive = keepalive;
	*out = hp;
	return 0;
}

/* The entry for a host h peers with directly: its addresses and LANs. */
static int host_entry(struct render_ctx *c, size_t xi)
{
	const struct model_host *x = &c->m->hosts[xi];
	const struct model_network *n = &c->m->networks[c->h->network];
	uint16_t keepalive = n->keepalive;
	struct hs_peer *hp;
	int r;

	/* a host outside the mesh is behind NAT or has no fixed address: it keeps its
	 * mapping open toward the hosts that have an endpoint */
	if (!keepalive && (c->h->n_hubs || x->n_hubs) && !c->h->endpoint.family && x->endpoint.family)
		keepalive = RENDER_NAT_KEEPALIVE;
	r = add_entry(c, x->meta.name, x->public_key, &x->endpoint, keepalive, &hp);
	if (r < 0)
		return r;
	c->entry[xi] = c->dev->n_peers - 1;
	return carry(c, xi, x->addresses, x->n_addresses, true, x->lans, x->n_lans);
}

static int peer_entry(struct render_ctx *c, const struct model_peer *p)
{
	struct hs_peer *hp;
	int r;

	r = add_entry(c, p->meta.name, p->public_key, &p->endpoint, p->keepalive, &hp);
	if (r >= 0)
		r = render_peer_psk(c, p, hp);
	for (size_t i = 0; i < p->n_addresses && r >= 0; i++)
		r = add_allowed(hp, &p->addresses[i]);
	for (size_t i = 0; i < p->n_lans && r >= 0; i++)
		r = add_allowed(hp, &p->lans[i]);
	return r;
}

/* Through which of h's hubs h and the attached host y talk, when they share one. */
static size_t pair_hub(const struct model *m, size_t a, size_t b)
{
	const struct model_host *first = &m->hosts[a < b ? a : b], *other = &m->hosts[a < b ? b : a];

	for (size_t i = 0; i < first->n_hubs; i++)
		if (model_host_attached_to(other, first->hubs[i]))
			return first->hubs[i];
	return MODEL_NONE;
}

/* The host whose entry carries something homed on hub home (MODEL_NONE: a mesh host, itself). */
static size_t carrier_of(const struct render_ctx *c, size_t home)
{
	if (!c->h->n_hubs)
		return home;
	if (home != MODEL_NONE && model_host_attached_to(c->h, home) && !hub_down(c, home))
		return home;
	return c->serving;
}

static int carry_hosts(struct render_ctx *c)
{
	const struct model *m = c->m;
	int r = 0;

	for (size_t yi = 0; yi < m->n_hosts && r >= 0; yi++) {
		const struct model_host *y = &m->hosts[yi];
		size_t home;

		if (yi == c->host_index || y->network != c->h->network || c->entry[yi] != MODEL_NONE)
			continue;
		if (!c->h->n_hubs)
			home = y->hubs[0];   /* not direct with a mesh host: attached elsewhere */
		else if (y->n_hubs)
			home = pair_hub(m, c->host_index, yi);
		else
			home = MODEL_NONE;
		r = carry(c, carrier_of(c, home), y->addresses, y->n_addresses, true, y->lans, y->n_lans);
	}
	return r;
}

static int carry_pools(struct render_ctx *c)
{
	const struct model_network *n = &c->m->networks[c->h->network];
	struct hs_peer *hp;
	int r = 0;

	if (c->serving == MODEL_NONE || c->entry[c->serving] == MODEL_NONE)
		return 0;
	hp = &c->dev->peers[c->entry[c->serving]];
	if (n->has_pool4)
		r = add_allowed(hp, &n->pool4);
	if (r >= 0 && n->has_pool6)
		r = add_allowed(hp, &n->pool6);
	return r;
}

int render_peers(struct render_ctx *c)
{
	const struct model *m = c->m;
	int64_t now = c->o ? c->o->now : 0;
	int r = 0;

	c->serving = render_serving_hub(c->h, c->o ? c->o->hub_down : NULL);
	c->entry = malloc((m->n_hosts ? m->n_hosts : 1) * sizeof(*c->entry));
	if (!c->entry)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_hosts; i++)
		c->entry[i] = MODEL_NONE;
	for (size_t xi = 0; xi < m->n_hosts && r >= 0; xi++)
		if (model_hosts_direct(m, c->host_index, xi))
			r = host_entry(c, xi);
	if (r >= 0)
		r = carry_pools(c);
	for (size_t i = 0; i < m->n_peers && r >= 0; i++) {
		const struct model_peer *p = &m->peers[i];

		if (p->network != c->h->network || !render_peer_active(p, now) || !p->n_hubs)
			continue;
		if (peer_attached_to(p, c->host_index))
			r = peer_entry(c, p);
		else
			r = carry(c, carrier_of(c, p->hubs[0]), p->addresses, p->n_addresses, false, p->lans, p->n_lans);
	}
	if (r >= 0)
		r = carry_hosts(c);
	/* each entry's addresses as the fewest prefixes: the same addresses, and no
	 * other entry has a prefix inside them (addresses and LANs never overlap) */
	for (size_t i = 0; r >= 0 && c->h->n_hubs && i < c->dev->n_peers; i++)
		c->dev->peers[i].n_allowed_ips = prefix_aggregate(c->dev->peers[i].allowed_ips,
								  c->dev->peers[i].n_allowed_ips);
	return r;
}
