/* Model -> desired HostState for one host (README "Topology: what each host gets"). */
#include "render/render.h"
#include "render/firewall.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct render_ctx {
	const struct model *m;
	const struct model_host *h;
	size_t host_index;
	struct host_state *hs;
	struct hs_device *dev;
	/* Active peers of h's network whose primary hub is host i, not attached to h:
	 * a singly linked list through next[], head[i] = first peer index + 1 (0 = end). */
	size_t *head;
	size_t *next;
};

bool render_peer_active(const struct model_peer *p, int64_t now)
{
	return p->enabled && !(p->has_expires && p->expires <= now);
}

static bool peer_attached_to(const struct model_peer *p, size_t host_index)
{
	for (size_t i = 0; i < p->n_hubs; i++)
		if (p->hubs[i] == host_index)
			return true;
	return false;
}

static int add_allowed(struct hs_peer *hp, const struct wgf_prefix *ip)
{
	struct wgf_prefix masked = *ip;

	prefix_mask(&masked);
	return hs_peer_add_allowed_ip(hp, &masked);
}

static int add_allowed_list(struct hs_peer *hp, const struct wgf_prefix *ips, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int r = add_allowed(hp, &ips[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_peer_entry(struct render_ctx *c, const char *name, const uint8_t pub[WG_KEY_LEN],
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

static int render_host_peer(struct render_ctx *c, size_t xi)
{
	const struct model_host *x = &c->m->hosts[xi];
	const struct model_network *n = &c->m->networks[c->h->network];
	struct hs_peer *hp;
	int r;

	r = add_peer_entry(c, x->meta.name, x->public_key, &x->endpoint, n->keepalive, &hp);
	if (r < 0)
		return r;
	for (size_t i = 0; i < x->n_addresses; i++) {
		struct wgf_prefix host = prefix_host(&x->addresses[i]);
		r = hs_peer_add_allowed_ip(hp, &host);
		if (r < 0)
			return r;
	}
	r = add_allowed_list(hp, x->lans, x->n_lans);
	if (r < 0 || !host_role_takes_peers(x->role))
		return r;
	for (size_t pi = c->head[xi]; pi; pi = c->next[pi - 1]) {
		const struct model_peer *p = &c->m->peers[pi - 1];
		r = add_allowed_list(hp, p->addresses, p->n_addresses);
		if (r < 0)
			return r;
		r = add_allowed_list(hp, p->lans, p->n_lans);
		if (r < 0)
			return r;
	}
	return 0;
}

static int render_spoke_peer(struct render_ctx *c, const struct model_peer *p)
{
	struct hs_peer *hp;
	int r;

	r = add_peer_entry(c, p->meta.name, p->public_key, &p->endpoint, p->keepalive, &hp);
	if (r < 0)
		return r;
	r = add_allowed_list(hp, p->addresses, p->n_addresses);
	if (r < 0)
		return r;
	return add_allowed_list(hp, p->lans, p->n_lans);
}

static int render_peers(struct render_ctx *c, int64_t now)
{
	const struct model *m = c->m;
	int r;

	c->head = calloc(m->n_hosts ? m->n_hosts : 1, sizeof(*c->head));
	c->next = calloc(m->n_peers ? m->n_peers : 1, sizeof(*c->next));
	if (!c->head || !c->next)
		return -ENOMEM;

	/* One pass over the peers: direct entries, and the per-hub lists the mesh uses. */
	for (size_t i = m->n_peers; i-- > 0;) {
		const struct model_peer *p = &m->peers[i];

		if (p->network != c->h->network || !render_peer_active(p, now) || p->n_hubs == 0)
			continue;
		if (peer_attached_to(p, c->host_index))
			continue;
		if (p->hubs[0] < m->n_hosts) {
			c->next[i] = c->head[p->hubs[0]];
			c->head[p->hubs[0]] = i + 1;
		}
	}
	for (size_t xi = 0; xi < m->n_hosts; xi++) {
		if (xi == c->host_index || m->hosts[xi].network != c->h->network)
			continue;
		r = render_host_peer(c, xi);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < m->n_peers; i++) {
		const struct model_peer *p = &m->peers[i];

		if (p->network != c->h->network || !render_peer_active(p, now) ||
		    !peer_attached_to(p, c->host_index))
			continue;
		r = render_spoke_peer(c, p);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool on_link(const struct model_host *h, const struct wgf_prefix *ip)
{
	for (size_t i = 0; i < h->n_addresses; i++) {
		struct wgf_prefix net = h->addresses[i];

		prefix_mask(&net);
		if (prefix_contains(&net, ip))
			return true;
	}
	return false;
}

static int render_routes(struct render_ctx *c)
{
	struct host_state *hs = c->hs;
	size_t n = 0;

	for (size_t i = 0; i < c->dev->n_peers; i++) {
		const struct hs_peer *hp = &c->dev->peers[i];

		for (size_t j = 0; j < hp->n_allowed_ips; j++) {
			struct hs_route rt = { .table = HS_ROUTE_TABLE_MAIN, .metric = 0 };
			int r;

			if (on_link(c->h, &hp->allowed_ips[j]))
				continue;
			strcpy(rt.ifname, c->dev->ifname);
			rt.dst = hp->allowed_ips[j];
			r = hoststate_add_route(hs, &rt);
			if (r < 0)
				return r;
		}
	}
	if (hs->n_routes < 2)
		return 0;
	qsort(hs->routes, hs->n_routes, sizeof(*hs->routes), hs_route_cmp);
	for (size_t i = 0; i < hs->n_routes; i++)
		if (!n || hs_route_cmp(&hs->routes[n - 1], &hs->routes[i]))
			hs->routes[n++] = hs->routes[i];
	hs->n_routes = n;
	return 0;
}

static int render_sysctls(struct render_ctx *c)
{
	bool v4 = false, v6 = false;
	int r = 0;

	if (c->h->role == HOST_ROLE_MEMBER)
		return 0;
	for (size_t i = 0; i < c->h->n_addresses; i++) {
		v4 |= c->h->addresses[i].family == AF_INET;
		v6 |= c->h->addresses[i].family == AF_INET6;
	}
	if (v4)
		r = hoststate_add_sysctl(c->hs, "net.ipv4.ip_forward", "1");
	if (r >= 0 && v6)
		r = hoststate_add_sysctl(c->hs, "net.ipv6.conf.all.forwarding", "1");
	return r;
}

static int render_firewall(const struct model *m, const struct model_host *h, int64_t now,
			   struct host_state *hs)
{
	struct fw_network *fw = NULL;
	int r = fw_compile(m, h->network, now, &fw);

	if (r >= 0)
		r = fw_render_host(fw, h, &hs->firewall);
	fw_network_free(fw);
	return r;
}

static int host_index(const struct model *m, const struct model_host *h, size_t *out)
{
	if (m->n_hosts && h >= m->hosts && h < m->hosts + m->n_hosts) {
		*out = (size_t)(h - m->hosts);
		return 0;
	}
	for (size_t i = 0; i < m->n_hosts; i++)
		if (!strcmp(m->hosts[i].meta.name, h->meta.name)) {
			*out = i;
			return 0;
		}
	return -ENOENT;
}

int render_host(const struct model *m, const struct model_host *h,
		const struct render_opts *o, struct host_state **out)
{
	struct render_ctx c = { .m = m, .h = h };
	const struct model_network *n;
	int r;

	*out = NULL;
	r = host_index(m, h, &c.host_index);
	if (r < 0)
		return r;
	if (h->network >= m->n_networks)
		return -EINVAL;
	n = &m->networks[h->network];

	r = -ENOMEM;
	c.hs = hoststate_new();
	if (!c.hs)
		goto out;
	c.hs->host_name = strdup(h->meta.name);
	if (!c.hs->host_name)
		goto out;
	c.dev = hoststate_add_device(c.hs, h->ifname);
	if (!c.dev)
		goto out;
	c.dev->backend = HS_BACKEND_AUTO;
	c.dev->up = true;
	c.dev->mtu = h->mtu;
	c.dev->listen_port = h->listen_port;
	c.dev->fwmark = n->fwmark;
	if (o && o->private_key) {
		c.dev->has_private_key = true;
		memcpy(c.dev->private_key, o->private_key, WG_KEY_LEN);
	}
	for (size_t i = 0; i < h->n_addresses; i++) {
		r = hs_device_add_address(c.dev, &h->addresses[i]);
		if (r < 0)
			goto out;
	}
	r = render_peers(&c, o ? o->now : 0);
	if (r < 0)
		goto out;
	hoststate_normalize(c.hs);
	r = render_routes(&c);
	if (r < 0)
		goto out;
	r = render_sysctls(&c);
	if (r < 0)
		goto out;
	r = render_firewall(m, h, o ? o->now : 0, c.hs);
	if (r < 0)
		goto out;
	hoststate_normalize(c.hs);
	*out = c.hs;
	c.hs = NULL;
	r = 0;
out:
	free(c.head);
	free(c.next);
	hoststate_free(c.hs);
	return r;
}
