/* An exit that is a member of groups other hosts use (README "Exit groups"):
 * the entry of each such host on its main device carries what that host sends
 * through it (its peers' addresses, its own and its LANs for a full tunnel),
 * and has no endpoint: the host calls from its own interface for this exit,
 * and a declared endpoint would send this exit's handshakes to the host's main
 * interface, which has no entry for it. */
#include "render/render_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool group_has_member(const struct model_exit_group *g, size_t xi)
{
	for (size_t i = 0; i < g->n_members; i++)
		if (g->members[i].host == xi)
			return true;
	return false;
}

static bool through_me(const struct render_ctx *c, const struct model_exit_use *e)
{
	return e && e->set && e->group != MODEL_NONE && group_has_member(&c->m->exit_groups[e->group], c->host_index);
}

static int entry_for(struct render_ctx *c, size_t hi, struct hs_peer **out)
{
	const struct model_host *h = &c->m->hosts[hi];
	struct hs_peer *hp;

	if (c->entry[hi] != MODEL_NONE) {
		*out = &c->dev->peers[c->entry[hi]];
		return 0;
	}
	hp = hs_device_add_peer(c->dev);
	if (!hp)
		return -ENOMEM;
	hp->name = strdup(h->meta.name);
	if (!hp->name)
		return -ENOMEM;
	memcpy(hp->public_key, h->public_key, WG_KEY_LEN);
	c->entry[hi] = c->dev->n_peers - 1;
	for (size_t i = 0; i < h->n_addresses; i++) {
		struct wgf_prefix a = prefix_host(&h->addresses[i]);
		int r = hs_peer_add_allowed_ip(hp, &a);

		if (r < 0)
			return r;
	}
	*out = hp;
	return 0;
}

/* What a host sends through this exit: each prefix stays on that host's entry
 * only (drop_elsewhere). */
struct claims {
	struct claim {
		size_t host;
		struct wgf_prefix prefix;
	} *v;
	size_t n, cap;
};

static int claim(struct claims *cl, size_t hi, const struct wgf_prefix *p)
{
	if (cl->n == cl->cap) {
		size_t cap = cl->cap ? 2 * cl->cap : 16;
		struct claim *v = reallocarray(cl->v, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		cl->v = v;
		cl->cap = cap;
	}
	cl->v[cl->n++] = (struct claim){ .host = hi, .prefix = *p };
	return 0;
}

static int add_sources(struct render_ctx *c, struct claims *cl, size_t hi, const struct wgf_prefix *v, size_t n,
		       bool host_bits)
{
	struct hs_peer *hp = NULL;
	int r = entry_for(c, hi, &hp);

	if (r < 0)
		return r;
	for (size_t i = 0; i < n && r >= 0; i++) {
		struct wgf_prefix a = host_bits ? prefix_host(&v[i]) : v[i];

		prefix_mask(&a);
		r = hs_peer_add_allowed_ip(hp, &a);
		if (r >= 0)
			r = claim(cl, hi, &a);
	}
	hp->endpoint.family = 0;
	return r;
}

/* A prefix on two entries would move between them on every apply: the entry
 * of the host that sends it through this exit keeps it. (Another entry may
 * carry it too, as the hub of a host that sends its own traffic here does.) */
static void drop_elsewhere(struct render_ctx *c, const struct claims *cl)
{
	for (size_t i = 0; i < cl->n; i++) {
		const struct hs_peer *keep = &c->dev->peers[c->entry[cl->v[i].host]];

		for (size_t e = 0; e < c->dev->n_peers; e++) {
			struct hs_peer *o = &c->dev->peers[e];
			size_t w = 0;

			if (o == keep)
				continue;
			for (size_t j = 0; j < o->n_allowed_ips; j++)
				if (prefix_cmp(&o->allowed_ips[j], &cl->v[i].prefix))
					o->allowed_ips[w++] = o->allowed_ips[j];
			o->n_allowed_ips = w;
		}
	}
}

int render_exit_side(struct render_ctx *c)
{
	const struct model *m = c->m;
	int64_t now = c->o ? c->o->now : 0;
	struct claims cl = { 0 };
	int r = 0;

	if (c->h->role != HOST_ROLE_EXIT || !m->n_exit_groups)
		return 0;
	for (size_t hi = 0; hi < m->n_hosts && r >= 0; hi++) {
		const struct model_host *h = &m->hosts[hi];

		if (hi == c->host_index || h->network != c->h->network || !through_me(c, &h->exit))
			continue;
		r = add_sources(c, &cl, hi, h->addresses, h->n_addresses, true);
		if (r >= 0)
			r = add_sources(c, &cl, hi, h->lans, h->n_lans, false);
	}
	for (size_t i = 0; i < m->n_peers && r >= 0; i++) {
		const struct model_peer *p = &m->peers[i];
		size_t hi = p->n_hubs ? p->hubs[0] : MODEL_NONE;

		if (p->network != c->h->network || hi == MODEL_NONE || hi == c->host_index ||
		    !render_peer_active(p, now) || !through_me(c, model_peer_exit(m, p)))
			continue;
		r = add_sources(c, &cl, hi, p->addresses, p->n_addresses, false);
		if (r >= 0)
			r = add_sources(c, &cl, hi, p->lans, p->n_lans, false);
	}
	if (r >= 0)
		drop_elsewhere(c, &cl);
	free(cl.v);
	return r;
}
