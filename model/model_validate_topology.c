/* Who peers with whom (README "Topology"): hosts in the mesh peer with each
 * other; a host with "hubs" peers only with those and its "links". Two hosts
 * that peer directly need an endpoint on at least one side, or the pair is a
 * blackhole: that is an error here, never a silent drop on the hosts. */
#include "model/model_validate_topology.h"

#include <stdlib.h>
#include <string.h>

#include "model/model_suggest.h"

void unknown_host(struct loader *l, const struct kind_indexes *k, const struct wgf_loc *loc,
			 const char *field, const char *name)
{
	struct name_list hosts = { k->hosts->e, k->hosts->n, sizeof(*k->hosts->e) };
	const char *other = other_kind(k, name), *sug;

	if (other) {
		validate_err(l, loc, "%s %s is %s, not a Host: \"%ss\" lists Hosts%s", field, diag_quote(name), other,
			     field, !strcmp(field, "hub") ? " with role hub or exit" :
			     !strcmp(field, "member") ? " with role exit" : "");
		return;
	}
	if (l->incomplete)
		return;
	sug = name_list_suggest(&hosts, name);
	if (sug)
		validate_err(l, loc, "%s %s: Host %s does not exist (did you mean \"%s\"?)", field, diag_quote(name),
			     diag_quote(name), sug);
	else
		validate_err(l, loc, "%s %s: Host %s does not exist", field, diag_quote(name), diag_quote(name));
}

void validate_hub_list(struct loader *l, struct obj_extra *x, size_t net, const struct kind_indexes *k,
		       size_t *stamp, size_t mark, size_t **hubs, size_t *n_hubs)
{
	struct model *m = l->m;

	*hubs = calloc(x->n_hub_names ? x->n_hub_names : 1, sizeof(**hubs));
	if (!*hubs) {
		l->oom = true;
		return;
	}
	for (size_t j = 0; j < x->n_hub_names; j++) {
		long hi = name_index_find(k->hosts, x->hub_names[j]);
		const struct model_host *h;

		if (hi < 0) {
			unknown_host(l, k, &x->hub_locs[j], "hub", x->hub_names[j]);
			continue;
		}
		if (stamp[hi] == mark) {
			validate_err(l, &x->hub_locs[j], "hub %s is listed twice", diag_quote(x->hub_names[j]));
			continue;
		}
		stamp[hi] = mark;
		(*hubs)[(*n_hubs)++] = (size_t)hi;
		h = &m->hosts[hi];
		if (l->host_x[hi].failed)
			continue;
		if (!host_role_takes_peers(h->role))
			validate_err(l, &x->hub_locs[j], "hub %s: Host %s has role %s, not hub", diag_quote(x->hub_names[j]),
			     display_name(&h->meta), host_role_name(h->role));
		else if (x->network_ok && l->host_x[hi].network_ok && h->network != net)
			validate_err(l, &x->hub_locs[j], "hub %s is in Network %s, not in Network %s",
			     diag_quote(x->hub_names[j]), display_name(&m->networks[h->network].meta),
			     display_name(&m->networks[net].meta));
	}
}

static bool in_mesh(const struct loader *l, size_t i)
{
	return l->host_x[i].n_hub_names == 0;
}

/* One link a -> b as written; false when it is not a usable link. */
static bool check_link(struct loader *l, const struct kind_indexes *k, size_t a, size_t j, size_t *stamp,
		       size_t *out)
{
	const struct model *m = l->m;
	const struct obj_extra *x = &l->host_x[a];
	const char *name = x->link_names[j];
	const struct wgf_loc *loc = &x->link_locs[j];
	const struct model_host *ha = &m->hosts[a], *hb;
	long b = name_index_find(k->hosts, name);

	if (b < 0) {
		unknown_host(l, k, loc, "link", name);
		return false;
	}
	hb = &m->hosts[b];
	if ((size_t)b == a) {
		validate_err(l, loc, "Host %s lists itself in \"links\"", display_name(&ha->meta));
		return false;
	}
	if (stamp[b] == a + 1) {
		validate_err(l, loc, "link %s is listed twice", diag_quote(name));
		return false;
	}
	stamp[b] = a + 1;
	if (l->host_x[b].failed || x->failed)
		return false;
	if (x->network_ok && l->host_x[b].network_ok && ha->network != hb->network) {
		validate_err(l, loc, "link %s is in Network %s, not in Network %s", diag_quote(name),
			     display_name(&m->networks[hb->network].meta), display_name(&m->networks[ha->network].meta));
		return false;
	}
	if (host_role_takes_peers(hb->role) || host_role_takes_peers(ha->role)) {
		validate_err(l, loc, "link %s: Host %s has role %s: a hub's hosts attach to it with \"hubs\"",
			     diag_quote(name), display_name(host_role_takes_peers(hb->role) ? &hb->meta : &ha->meta),
			     host_role_name(host_role_takes_peers(hb->role) ? hb->role : ha->role));
		return false;
	}
	if (in_mesh(l, a) && in_mesh(l, (size_t)b)) {
		validate_err(l, loc, "link %s: Hosts %s and %s are both in the mesh (no \"hubs\") and already peer "
			     "directly", diag_quote(name), display_name(&ha->meta), display_name(&hb->meta));
		return false;
	}
	if (!ha->endpoint.family && !hb->endpoint.family) {
		validate_err(l, loc, "link %s: neither Host %s nor Host %s has an \"endpoint\": they would peer "
			     "directly but can never reach each other (give one of them an \"endpoint\")",
			     diag_quote(name), display_name(&ha->meta), display_name(&hb->meta));
		return false;
	}
	*out = (size_t)b;
	return true;
}

/* Adds b to h's links unless it is there. */
static int link_add(struct model_host *h, size_t b)
{
	size_t *v;

	for (size_t i = 0; i < h->n_links; i++)
		if (h->links[i] == b)
			return 0;
	v = realloc(h->links, (h->n_links + 1) * sizeof(*v));
	if (!v)
		return -1;
	h->links = v;
	h->links[h->n_links++] = b;
	return 0;
}

static void resolve_links(struct loader *l, const struct kind_indexes *k, size_t *stamp)
{
	struct model *m = l->m;

	memset(stamp, 0, m->n_hosts * sizeof(*stamp));
	for (size_t a = 0; a < m->n_hosts && !l->oom; a++) {
		for (size_t j = 0; j < l->host_x[a].n_link_names; j++) {
			size_t b;

			if (check_link(l, k, a, j, stamp, &b) &&
			    (link_add(&m->hosts[a], b) < 0 || link_add(&m->hosts[b], a) < 0))
				l->oom = true;
		}
	}
}

/* Mesh hosts without an endpoint: the first of each network, and each later one with it. */
static void check_mesh_endpoints(struct loader *l)
{
	const struct model *m = l->m;
	size_t *first = malloc((m->n_networks ? m->n_networks : 1) * sizeof(*first));

	if (!first) {
		l->oom = true;
		return;
	}
	for (size_t i = 0; i < m->n_networks; i++)
		first[i] = MODEL_NONE;
	for (size_t i = 0; i < m->n_hosts; i++) {
		const struct model_host *h = &m->hosts[i];
		const struct obj_extra *x = &l->host_x[i];

		if (!x->network_ok || x->failed || h->endpoint.family || !in_mesh(l, i))
			continue;
		if (first[h->network] == MODEL_NONE) {
			first[h->network] = i;
			continue;
		}
		validate_err(l, &h->meta.loc, "Hosts %s and %s are both in the mesh of Network %s and neither has an "
			     "\"endpoint\": they would peer directly but can never reach each other (give one an "
			     "\"endpoint\", or attach it to hubs with \"hubs\")", display_name(&h->meta),
			     display_name(&m->hosts[first[h->network]].meta), display_name(&m->networks[h->network].meta));
	}
	free(first);
}

void validate_topology(struct loader *l, const struct kind_indexes *k)
{
	struct model *m = l->m;
	size_t *stamp = calloc(m->n_hosts ? m->n_hosts : 1, sizeof(*stamp));

	if (!stamp) {
		l->oom = true;
		return;
	}
	for (size_t i = 0; i < m->n_hosts && !l->oom; i++) {
		struct model_host *h = &m->hosts[i];
		struct obj_extra *x = &l->host_x[i];

		if (!x->n_hub_names)
			continue;
		if (host_role_takes_peers(h->role)) {
			validate_err(l, &x->hubs_loc, "Host %s has role %s: hubs are in the mesh, only other hosts "
				     "attach to them with \"hubs\"", display_name(&h->meta), host_role_name(h->role));
			continue;
		}
		validate_hub_list(l, x, h->network, k, stamp, i + 1, &h->hubs, &h->n_hubs);
	}
	if (!l->oom)
		resolve_links(l, k, stamp);
	if (!l->oom)
		check_mesh_endpoints(l);
	free(stamp);
}
