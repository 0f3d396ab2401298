/* Model -> desired HostState for one host (README "Topology: what each host gets"). */
#include "render/render_int.h"
#include "render/firewall.h"
#include "render/exits.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

/* One route per prefix the device's peers carry, outside h's on-link prefixes.
 * An attached host's all go to the same device and its serving hub carries the
 * pools, so they are aggregated: prefixes inside another and halves of one are
 * not routed on their own (a mesh host's routes are kept one per prefix, as
 * hosts converged before topologies have them). */
static int render_routes(struct render_ctx *c)
{
	struct wgf_prefix *dst = NULL;
	size_t n = 0, cap = 0;
	int r = 0;

	for (size_t i = 0; i < c->dev->n_peers; i++) {
		const struct hs_peer *hp = &c->dev->peers[i];

		for (size_t j = 0; j < hp->n_allowed_ips; j++) {
			if (on_link(c->h, &hp->allowed_ips[j]))
				continue;
			if (n == cap) {
				struct wgf_prefix *v = realloc(dst, (cap ? 2 * cap : 64) * sizeof(*dst));
				if (!v) {
					r = -ENOMEM;
					goto out;
				}
				dst = v;
				cap = cap ? 2 * cap : 64;
			}
			dst[n++] = hp->allowed_ips[j];
		}
	}
	if (c->h->n_hubs)
		n = prefix_aggregate(dst, n);
	else
		n = prefix_sort_unique(dst, n);
	for (size_t i = 0; i < n && r >= 0; i++) {
		struct hs_route rt = { .table = HS_ROUTE_TABLE_MAIN, .metric = 0, .dst = dst[i] };

		strcpy(rt.ifname, c->dev->ifname);
		r = hoststate_add_route(c->hs, &rt);
	}
out:
	free(dst);
	return r;
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

static int render_firewall(const struct model *m, const struct model_host *h, const struct render_opts *o,
			   struct host_state *hs)
{
	const struct fw_network *cached = NULL;
	struct fw_network *fw = NULL;
	int64_t now = o ? o->now : 0;
	int r;

	if (o && o->fw_cache)
		r = fw_cache_get(o->fw_cache, m, h->network, now, &cached);
	else
		r = fw_compile(m, h->network, now, &fw);
	if (r >= 0)
		r = fw_render_host(fw ? fw : cached, h, &hs->firewall);
	fw_network_free(fw);
	return r;
}

int render_host(const struct model *m, const struct model_host *h,
		const struct render_opts *o, struct host_state **out)
{
	struct render_ctx c = { .m = m, .h = h, .o = o, .serving = MODEL_NONE };
	struct render_exits ex = { 0 };
	const struct model_network *n;
	int r;

	*out = NULL;
	c.host_index = model_host_index(m, h);
	if (c.host_index == MODEL_NONE)
		return -ENOENT;
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
	r = render_peers(&c);
	if (r >= 0)
		r = render_exit_side(&c);
	if (r >= 0)
		r = render_exit_host(&c, &ex);
	if (r < 0)
		goto out;
	c.dev = &c.hs->devices[0];
	r = render_routes(&c);
	if (r >= 0)
		r = render_exit_rules(&c, &ex);
	if (r < 0)
		goto out;
	r = render_sysctls(&c);
	if (r < 0)
		goto out;
	r = render_firewall(m, h, o, c.hs);
	if (r < 0)
		goto out;
	r = render_dns(h, c.hs);
	if (r < 0)
		goto out;
	hoststate_normalize(c.hs);
	*out = c.hs;
	c.hs = NULL;
	r = 0;
out:
	render_exits_clear(&ex);
	free(c.entry);
	hoststate_free(c.hs);
	return r;
}
