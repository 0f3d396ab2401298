/* Access internet-only (README "Access levels"): a peer's traffic reaches the
 * internet through an exit group (its exit resolves to one) or through its
 * first hub when that is an exit; anything else reaches nothing. After the
 * exits are resolved (model_validate_exit.c). */
#include "model/model_validate_internet_only.h"

static bool is_exit(const struct loader *l, size_t h)
{
	return !l->host_x[h].failed && l->m->hosts[h].role == HOST_ROLE_EXIT;
}

/* A DNS server inside the network that is not on a hub answering p's DNS is out
 * of an internet-only peer's reach (a policy may still open it: a warning). */
static void check_dns(struct loader *l, const struct model_peer *p, bool group)
{
	const struct model *m = l->m;
	const struct model_dns *dns = model_peer_dns(m, p);
	const struct model_network *n = &m->networks[p->network];
	char b[PREFIX_STRLEN];

	for (size_t i = 0; dns && i < dns->n_servers; i++) {
		const struct wgf_prefix *s = &dns->servers[i], *pool = pool_for(n, s->family);
		bool served = false;

		for (size_t j = 0; j < p->n_hubs && !served; j++)
			served = model_internet_only_dns_hub(m, p, j) && model_host_has_address(&m->hosts[p->hubs[j]], s);
		if (served || !((pool && prefix_contains(pool, s)) || lan_host(m, p->network, s) != MODEL_NONE))
			continue;
		diag_warn(l->d, dns->loc.line ? &dns->loc : &p->meta.loc,
			  group ? "DNS server %s is inside the network but not on Peer %s's first hub %s or an exit "
				  "among its hubs: access internet-only reaches only DNS there (add a Policy to allow it)"
				: "DNS server %s is inside the network but not on an exit of Peer %s%s: access "
				  "internet-only reaches only DNS on its exits (add a Policy to allow it)",
			  prefix_format_addr(s, b), display_name(&p->meta),
			  group ? display_name(&m->hosts[p->hubs[0]].meta) : "");
	}
}

/* The exit p's traffic takes; *unresolved when it names a group that does not
 * exist (reported where it is named). */
static const struct model_exit_use *peer_exit(const struct loader *l, size_t pi, bool *unresolved)
{
	const struct model *m = l->m;
	const struct model_peer *p = &m->peers[pi];
	const struct model_exit_use *e = model_peer_exit(m, p);
	const struct obj_extra *x = NULL;

	if (e == &p->exit)
		x = &l->peer_x[pi];
	else if (e && p->tenant != MODEL_NONE && e == &m->tenants[p->tenant].exit)
		x = &l->ten_x[p->tenant];
	*unresolved = e && x && x->exit_group && e->group == MODEL_NONE;
	return e;
}

static void refuse(struct loader *l, const struct wgf_loc *loc, const struct model_peer *p,
		   const struct model_exit_use *e)
{
	const struct model *m = l->m;
	const struct model_host *first = &m->hosts[p->hubs[0]];
	size_t exit = MODEL_NONE;

	for (size_t j = 1; j < p->n_hubs && exit == MODEL_NONE; j++)
		if (is_exit(l, p->hubs[j]))
			exit = p->hubs[j];
	if (exit != MODEL_NONE && !e)
		validate_err(l, loc, "access internet-only: Peer %s's first hub %s has role %s, and its traffic goes "
			     "to its first hub: list an exit (%s) first, or add \"exit: GROUP\" naming an ExitGroup",
			     display_name(&p->meta), display_name(&first->meta), host_role_name(first->role),
			     display_name(&m->hosts[exit].meta));
	else
		validate_err(l, loc, "access internet-only: Peer %s reaches the internet through nothing: its first "
			     "hub %s has role %s and its exit is %s; add \"exit: GROUP\" naming an ExitGroup, or list "
			     "a hub with role exit first", display_name(&p->meta), display_name(&first->meta),
			     host_role_name(first->role), e ? "direct" : "not set");
}

/* On a hub that is not an exit, p leaves only through a member's tunnel
 * (render/firewall_nft.c): "direct" while every member is down leaves from the
 * hub itself, which drops it. ("only" and "except" are the client's: what they
 * leave out never enters the tunnel.) */
static void check_direct(struct loader *l, const struct wgf_loc *loc, const struct model_peer *p,
			 const struct model_exit_use *e)
{
	const struct model *m = l->m;
	const struct model_exit_group *g = &m->exit_groups[e->group];

	if (g->all_down == EXIT_ALL_DOWN_DIRECT)
		diag_warn(l->d, loc, "access internet-only: ExitGroup %s has whenAllDown: direct, but hub %s lets Peer "
			  "%s out only through a member: while every member is down it reaches nothing",
			  display_name(&g->meta), display_name(&m->hosts[p->hubs[0]].meta), display_name(&p->meta));
}

static void check_peer(struct loader *l, size_t pi)
{
	const struct model *m = l->m;
	const struct model_peer *p = &m->peers[pi];
	const struct obj_extra *x = &l->peer_x[pi];
	const struct wgf_loc *loc = x->access_loc.line ? &x->access_loc : &p->meta.loc;
	const struct model_exit_use *e;
	bool unresolved, group;

	if (p->access != ACCESS_INTERNET_ONLY || x->failed || !x->network_ok || !p->n_hubs)
		return;
	for (size_t j = 0; j < p->n_hubs; j++) {
		const struct model_host *h = &m->hosts[p->hubs[j]];

		if (l->host_x[p->hubs[j]].failed || !host_role_takes_peers(h->role) || h->network != p->network)
			return;   /* reported with its hubs */
	}
	e = peer_exit(l, pi, &unresolved);
	if (unresolved)
		return;
	group = e && e->group != MODEL_NONE;
	if (!group && !is_exit(l, p->hubs[0])) {
		refuse(l, loc, p, e);
		return;
	}
	if (group && !is_exit(l, p->hubs[0]))
		check_direct(l, loc, p, e);
	/* only the first hub routes p's sources into its group: render/exits.c */
	for (size_t j = 1; j < p->n_hubs; j++)
		if (!is_exit(l, p->hubs[j]))
			diag_warn(l->d, loc, "access internet-only: Peer %s reaches nothing while it fails over to "
				  "hub %s, which is not an exit", display_name(&p->meta),
				  display_name(&m->hosts[p->hubs[j]].meta));
	check_dns(l, p, group);
}

void validate_internet_only(struct loader *l)
{
	for (size_t i = 0; i < l->m->n_peers; i++)
		check_peer(l, i);
}
