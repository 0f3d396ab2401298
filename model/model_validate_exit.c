/* Cross-object checks of exit groups (README "Exit groups"): members are exits
 * of the group's network, each peer is selected by at most one group's "use",
 * every "exit" names a group of its own network, the interfaces hosts give
 * their exits are unique, a host reaches its group's exits only through them,
 * and no exits send through each other. */
#include "model/model_validate_exit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_internal.h"
#include "model/model_suggest.h"
#include "model/model_validate_policy.h"
#include "model/model_validate_topology.h"

static int group_order(const void *pa, const void *pb, void *ctx)
{
	const struct loader *l = ctx;
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	const char *na = l->m->exit_groups[a].meta.name, *nb = l->m->exit_groups[b].meta.name;
	int r = na && nb ? strcmp(na, nb) : !na - !nb;

	if (r)
		return r;
	return l->exit_x[a].seq < l->exit_x[b].seq ? -1 : l->exit_x[a].seq > l->exit_x[b].seq;
}

void exit_groups_sort(struct loader *l)
{
	struct model *m = l->m;
	size_t n = m->n_exit_groups, *ix;
	struct model_exit_group *g;
	struct obj_extra *x;

	if (n < 2)
		return;
	ix = calloc(n, sizeof(*ix));
	g = calloc(n, sizeof(*g));
	x = calloc(n, sizeof(*x));
	if (!ix || !g || !x) {
		l->oom = true;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		ix[i] = i;
	qsort_r(ix, n, sizeof(*ix), group_order, l);
	for (size_t i = 0; i < n; i++) {
		g[i] = m->exit_groups[ix[i]];
		x[i] = l->exit_x[ix[i]];
	}
	memcpy(m->exit_groups, g, n * sizeof(*g));
	memcpy(l->exit_x, x, n * sizeof(*x));
out:
	free(ix);
	free(g);
	free(x);
}

/* --- exit interfaces ------------------------------------------------------ */

static void resolve_exit_ifnames(struct loader *l)
{
	struct model *m = l->m;

	for (size_t i = 0; i < m->n_hosts; i++) {
		struct model_host *h = &m->hosts[i];
		const struct obj_extra *x = &l->host_x[i];

		if (x->has_exit_ifname && h->role != HOST_ROLE_EXIT && !x->failed)
			validate_err(l, &x->exit_ifname_loc, "\"exitInterface\" is for Hosts with role exit: Host %s has "
				     "role %s", display_name(&h->meta), host_role_name(h->role));
		if (!x->has_exit_ifname && h->meta.name)
			snprintf(h->exit_ifname, IFNAMSIZ, "wgx-%.11s", h->meta.name);
	}
}

enum ifname_kind { IFNAME_NETWORK, IFNAME_HOST, IFNAME_EXIT };

struct ifname_entry {
	const char *name;
	enum ifname_kind kind;
	size_t idx;
	size_t seq;
};

static int ifname_entry_cmp(const void *pa, const void *pb)
{
	const struct ifname_entry *a = pa, *b = pb;
	int r = strcmp(a->name, b->name);

	if (r)
		return r;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static const struct wgf_loc *exit_ifname_loc(const struct loader *l, size_t host)
{
	const struct obj_extra *x = &l->host_x[host];

	return x->has_exit_ifname ? &x->exit_ifname_loc : &l->m->hosts[host].meta.loc;
}

/* e (an exit's interface) has the name of first, which comes before it. */
static void ifname_clash(struct loader *l, const struct ifname_entry *first, const struct ifname_entry *e)
{
	const struct model *m = l->m;
	const struct model_host *h = &m->hosts[e->idx];
	const struct wgf_loc *at = exit_ifname_loc(l, e->idx), *f;
	const char *deflt = l->host_x[e->idx].has_exit_ifname ? "" :
			    " (by default \"wgx-\" and the first 11 characters of the name)";

	if (first->kind == IFNAME_EXIT) {
		f = exit_ifname_loc(l, first->idx);
		validate_err(l, at, "exit interface %s of Host %s%s is also Host %s's (%s:%u:%u): every exit needs its "
			     "own, set \"exitInterface\"", diag_quote(e->name), display_name(&h->meta), deflt,
			     display_name(&m->hosts[first->idx].meta), f->file, f->line, f->col);
		return;
	}
	f = first->kind == IFNAME_HOST ? &m->hosts[first->idx].meta.loc : &m->networks[first->idx].meta.loc;
	validate_err(l, at, "exit interface %s of Host %s%s is the interface of %s %s (%s:%u:%u): a host that uses "
		     "the exit would need two interfaces of that name; set \"exitInterface\"", diag_quote(e->name),
		     display_name(&h->meta), deflt, first->kind == IFNAME_HOST ? "Host" : "Network",
		     display_name(first->kind == IFNAME_HOST ? &m->hosts[first->idx].meta :
				  &m->networks[first->idx].meta), f->file, f->line, f->col);
}

/* Every exit's interface is unique, and no host's or network's interface. */
static void check_exit_ifnames(struct loader *l)
{
	const struct model *m = l->m;
	struct ifname_entry *e = calloc(m->n_networks + 2 * m->n_hosts + 1, sizeof(*e));
	size_t n = 0;

	if (!e) {
		l->oom = true;
		return;
	}
	for (size_t i = 0; i < m->n_networks; i++)
		e[n++] = (struct ifname_entry){ m->networks[i].ifname, IFNAME_NETWORK, i, l->net_x[i].seq };
	for (size_t i = 0; i < m->n_hosts; i++) {
		const struct model_host *h = &m->hosts[i];

		if (h->ifname[0])
			e[n++] = (struct ifname_entry){ h->ifname, IFNAME_HOST, i, l->host_x[i].seq };
		if (h->role == HOST_ROLE_EXIT && h->exit_ifname[0] && !l->host_x[i].failed)
			e[n++] = (struct ifname_entry){ h->exit_ifname, IFNAME_EXIT, i, l->host_x[i].seq };
	}
	qsort(e, n, sizeof(*e), ifname_entry_cmp);
	for (size_t i = 1, first = 0; i < n; i++) {
		if (strcmp(e[first].name, e[i].name))
			first = i;
		else if (e[i].kind == IFNAME_EXIT)
			ifname_clash(l, &e[first], &e[i]);
	}
	free(e);
}

/* --- groups and their members -------------------------------------------- */

static void check_member(struct loader *l, const struct kind_indexes *k, size_t gi, size_t j, size_t *stamp)
{
	const struct model *m = l->m;
	struct model_exit_group *g = &m->exit_groups[gi];
	const struct obj_extra *x = &l->exit_x[gi];
	struct model_exit_member *mb = &g->members[j];
	const char *name = x->member_names[j];
	const struct model_host *h;
	long hi;

	if (!name)
		return;
	hi = name_index_find(k->hosts, name);
	if (hi < 0) {
		unknown_host(l, k, &mb->loc, "member", name);
		return;
	}
	if (stamp[hi] == gi + 1) {
		validate_err(l, &mb->loc, "member %s is listed twice", diag_quote(name));
		return;
	}
	stamp[hi] = gi + 1;
	mb->host = (size_t)hi;
	h = &m->hosts[hi];
	if (l->host_x[hi].failed)
		return;
	if (h->role != HOST_ROLE_EXIT)
		validate_err(l, &mb->loc, "member %s: Host %s has role %s, not exit (the members of an exit group "
			     "send its traffic to the internet)", diag_quote(name), display_name(&h->meta),
			     host_role_name(h->role));
	else if (x->network_ok && l->host_x[hi].network_ok && h->network != g->network)
		validate_err(l, &mb->loc, "member %s is in Network %s, not in Network %s", diag_quote(name),
			     display_name(&m->networks[h->network].meta), display_name(&m->networks[g->network].meta));
}

static void check_target(struct loader *l, const struct model_exit_group *g, const struct obj_extra *x)
{
	const struct model_network *n = usable_network(l, x, g->network);
	const struct wgf_prefix *pool = n && g->health.has_target ? pool_for(n, g->health.target.family) : NULL;
	char abuf[PREFIX_STRLEN], pbuf[PREFIX_STRLEN];

	if (pool && prefix_contains(pool, &g->health.target))
		validate_err(l, &g->health.target_loc, "\"health.target\" %s is inside the network's %s pool %s: the "
			     "target is probed beyond the exit, on the internet", prefix_format_addr(&g->health.target, abuf),
			     family_name(pool->family), prefix_format(pool, pbuf));
}

static void check_groups(struct loader *l, const struct kind_indexes *k)
{
	struct model *m = l->m;
	size_t *stamp = calloc(m->n_hosts ? m->n_hosts : 1, sizeof(*stamp));

	if (!stamp) {
		l->oom = true;
		return;
	}
	for (size_t gi = 0; gi < m->n_exit_groups; gi++) {
		struct model_exit_group *g = &m->exit_groups[gi];
		struct obj_extra *x = &l->exit_x[gi];

		g->use_exit = (struct model_exit_use){ .set = true, .loc = g->meta.loc, .group = gi };
		if (g->meta.name && !strcmp(g->meta.name, "direct"))
			validate_err(l, &x->name_loc, "ExitGroup name \"direct\" is reserved: \"exit: direct\" means no "
				     "exit group");
		validate_network_ref(l, k->nets, "ExitGroup", &g->meta, x, &g->network);
		for (size_t j = 0; j < g->n_members; j++)
			check_member(l, k, gi, j, stamp);
		if (!x->network_ok)
			continue;
		check_target(l, g, x);
		resolve_selectors(l, k->hosts, k->peers, k->tenants, g->network, g->use, g->n_use);
	}
	free(stamp);
}

/* --- "exit" on Peers, Tenants and Hosts ----------------------------------- */

static void resolve_exit_use(struct loader *l, const struct name_index *groups, struct obj_extra *x, size_t net,
			     struct model_exit_use *u)
{
	const struct model *m = l->m;
	struct name_list names = { groups->e, groups->n, sizeof(*groups->e) };
	const char *sug;
	long gi;

	if (!u->set || !x->exit_group)
		return;
	gi = name_index_find(groups, x->exit_group);
	if (gi < 0) {
		if (l->incomplete)
			return;
		sug = name_list_suggest(&names, x->exit_group);
		if (sug)
			validate_err(l, &x->exit_group_loc, "exit: ExitGroup %s does not exist (did you mean \"%s\"?)",
				     diag_quote(x->exit_group), sug);
		else
			validate_err(l, &x->exit_group_loc, "exit: ExitGroup %s does not exist (\"direct\" means none)",
				     diag_quote(x->exit_group));
		return;
	}
	u->group = (size_t)gi;
	if (x->network_ok && l->exit_x[gi].network_ok && m->exit_groups[gi].network != net)
		validate_err(l, &x->exit_group_loc, "exit: ExitGroup %s is in Network %s, not in Network %s",
			     diag_quote(x->exit_group), display_name(&m->networks[m->exit_groups[gi].network].meta),
			     display_name(&m->networks[net].meta));
}

/* An exit that sends its own traffic through a group it is a member of. */
static void check_host_exit_self(struct loader *l, size_t hi)
{
	const struct model *m = l->m;
	const struct model_host *h = &m->hosts[hi];
	const struct model_exit_group *g;

	if (!h->exit.set || h->exit.group == MODEL_NONE || m->exit_groups[h->exit.group].network != h->network)
		return;
	g = &m->exit_groups[h->exit.group];
	for (size_t j = 0; j < g->n_members; j++)
		if (g->members[j].host == hi)
			validate_err(l, &l->host_x[hi].exit_group_loc, "exit: ExitGroup %s has Host %s itself as a member: "
				     "an exit cannot send its own traffic through itself (use a group of other exits)",
				     display_name(&g->meta), display_name(&h->meta));
}

static void resolve_exit_uses(struct loader *l, const struct name_index *groups)
{
	struct model *m = l->m;

	for (size_t i = 0; i < m->n_peers; i++)
		resolve_exit_use(l, groups, &l->peer_x[i], m->peers[i].network, &m->peers[i].exit);
	for (size_t i = 0; i < m->n_tenants; i++)
		resolve_exit_use(l, groups, &l->ten_x[i], m->tenants[i].network, &m->tenants[i].exit);
	for (size_t i = 0; i < m->n_hosts; i++) {
		resolve_exit_use(l, groups, &l->host_x[i], m->hosts[i].network, &m->hosts[i].exit);
		check_host_exit_self(l, i);
	}
}

/* --- peers a group's "use" selects ----------------------------------------- */

/* Which group, and which of its selectors, chose each peer first. */
struct selection {
	size_t *group, *sel;
};

static void select_peer(struct loader *l, struct selection *s, size_t gi, size_t si, size_t pi)
{
	const struct model *m = l->m;
	const struct model_peer *p = &m->peers[pi];
	const struct model_exit_group *a, *b = &m->exit_groups[gi];
	const struct wgf_loc *la, *lb = &b->use[si].loc;

	if (!l->peer_x[pi].network_ok || p->network != b->network || s->group[pi] == gi)
		return;
	if (s->group[pi] == MODEL_NONE) {
		s->group[pi] = gi;
		s->sel[pi] = si;
		return;
	}
	a = &m->exit_groups[s->group[pi]];
	la = &a->use[s->sel[pi]].loc;
	validate_err(l, la, "Peer %s is selected by ExitGroup %s and by ExitGroup %s (%s:%u:%u): a peer uses one exit "
		     "group (narrow one \"use\")", display_name(&p->meta), display_name(&a->meta), display_name(&b->meta),
		     lb->file, lb->line, lb->col);
	validate_err(l, lb, "Peer %s is selected by ExitGroup %s and by ExitGroup %s (%s:%u:%u): a peer uses one exit "
		     "group (narrow one \"use\")", display_name(&p->meta), display_name(&b->meta), display_name(&a->meta),
		     la->file, la->line, la->col);
}

/* Each peer is selected by at most one group (model_peer_exit takes the first). */
static void select_peers(struct loader *l)
{
	const struct model *m = l->m;
	size_t n = m->n_peers ? m->n_peers : 1;
	struct selection s = { malloc(n * sizeof(*s.group)), malloc(n * sizeof(*s.sel)) };

	if (!s.group || !s.sel) {
		l->oom = true;
		goto out;
	}
	for (size_t i = 0; i < m->n_peers; i++)
		s.group[i] = MODEL_NONE;
	for (size_t gi = 0; gi < m->n_exit_groups; gi++) {
		const struct model_exit_group *g = &m->exit_groups[gi];

		if (!l->exit_x[gi].network_ok)
			continue;
		for (size_t si = 0; si < g->n_use; si++) {
			const struct model_selector *sel = &g->use[si];

			if (sel->kind == SEL_PEER && sel->index < m->n_peers)
				select_peer(l, &s, gi, si, sel->index);
			for (size_t pi = 0; pi < m->n_peers && sel->kind != SEL_PEER; pi++)
				if (model_exit_selects_peer(m, sel, &m->peers[pi]))
					select_peer(l, &s, gi, si, pi);
		}
	}
out:
	free(s.group);
	free(s.sel);
}

/* --- a host reaches its group's exits through their interfaces ------------ */

struct membership {
	size_t group, host;
};

static int membership_cmp(const void *pa, const void *pb)
{
	const struct membership *a = pa, *b = pb;

	if (a->group != b->group)
		return a->group < b->group ? -1 : 1;
	return (a->host > b->host) - (a->host < b->host);
}

/* A host whose own traffic goes through a group: its tunnel to each member is
 * that member's exit interface, so no member may also be one of its hubs.
 * (Hubs have no hubs, and topology refuses a link with a hub or an exit.) */
static void check_exit_hubs(struct loader *l)
{
	const struct model *m = l->m;
	struct membership *ms, key;
	size_t n = 0;

	for (size_t gi = 0; gi < m->n_exit_groups; gi++)
		n += m->exit_groups[gi].n_members;
	ms = calloc(n ? n : 1, sizeof(*ms));
	if (!ms) {
		l->oom = true;
		return;
	}
	n = 0;
	for (size_t gi = 0; gi < m->n_exit_groups; gi++)
		for (size_t j = 0; j < m->exit_groups[gi].n_members; j++)
			ms[n++] = (struct membership){ gi, m->exit_groups[gi].members[j].host };
	qsort(ms, n, sizeof(*ms), membership_cmp);
	for (size_t i = 0; i < m->n_hosts; i++) {
		const struct model_host *h = &m->hosts[i];
		const struct obj_extra *x = &l->host_x[i];

		if (!h->exit.set || h->exit.group == MODEL_NONE)
			continue;
		for (size_t j = 0; j < h->n_hubs; j++) {
			const struct model_host *hub = &m->hosts[h->hubs[j]];
			const struct wgf_loc *at = &x->hubs_loc;

			key = (struct membership){ h->exit.group, h->hubs[j] };
			if (!bsearch(&key, ms, n, sizeof(*ms), membership_cmp))
				continue;
			for (size_t k = 0; k < x->n_hub_names; k++)
				if (!strcmp(x->hub_names[k], hub->meta.name))
					at = &x->hub_locs[k];
			validate_err(l, at, "hub %s is a member of ExitGroup %s, which Host %s sends its traffic through "
				     "(%s:%u:%u): their tunnel moves to the exit interface %s, so it cannot also be its hub "
				     "(attach it to another hub)", display_name(&hub->meta),
				     display_name(&m->exit_groups[h->exit.group].meta), display_name(&h->meta),
				     x->exit_group_loc.file, x->exit_group_loc.line, x->exit_group_loc.col,
				     diag_quote(hub->exit_ifname));
		}
	}
	free(ms);
}

/* --- exits that send through each other ----------------------------------- */

/* The exit a host's own traffic (and what it forwards) goes through next: an
 * edge to every member of its Host.exit group. */
static const struct model_exit_group *transit_group(const struct model *m, size_t hi)
{
	const struct model_host *h = &m->hosts[hi];

	if (!h->exit.set || h->exit.group == MODEL_NONE || m->exit_groups[h->exit.group].network != h->network)
		return NULL;
	return &m->exit_groups[h->exit.group];
}

/* Traffic an exit forwards through its group arrives at a member, which forwards
 * it through its own group: a cycle would loop it for ever. Depth-first over
 * Host.exit edges with an explicit stack (a repository may hold many hosts). */
static void cycle_report(struct loader *l, const size_t *stack, size_t depth, size_t back)
{
	const struct model *m = l->m;
	char path[512];
	size_t at = 0, from = depth;

	while (from > 0 && stack[from - 1] != back)
		from--;
	from = from ? from - 1 : 0;
	path[0] = '\0';
	for (size_t i = from; i < depth && at < sizeof(path); i++)
		at += (size_t)snprintf(path + at, sizeof(path) - at, "%s -> ", display_name(&m->hosts[stack[i]].meta));
	if (at < sizeof(path))
		snprintf(path + at, sizeof(path) - at, "%s", display_name(&m->hosts[back].meta));
	validate_err(l, &l->host_x[stack[depth - 1]].exit_group_loc,
		     "exit: exits send their traffic through each other (%s): what one forwards would come back "
		     "to it; give one of them \"exit: direct\" or a group without the others", path);
}

static void check_exit_cycles(struct loader *l)
{
	const struct model *m = l->m;
	uint8_t *state = calloc(m->n_hosts + 1, 1);           /* 0 new, 1 on the stack, 2 done */
	size_t *stack = calloc(m->n_hosts + 1, sizeof(*stack)), *next = calloc(m->n_hosts + 1, sizeof(*next));

	if (!state || !stack || !next) {
		l->oom = true;
		goto out;
	}
	for (size_t root = 0; root < m->n_hosts; root++) {
		size_t depth = 0;

		if (state[root] || !transit_group(m, root))
			continue;
		stack[depth++] = root;
		state[root] = 1;
		while (depth) {
			size_t hi = stack[depth - 1], to;
			const struct model_exit_group *g = transit_group(m, hi);

			if (!g || next[hi] >= g->n_members) {
				state[hi] = 2;
				depth--;
				continue;
			}
			to = g->members[next[hi]++].host;
			if (to == MODEL_NONE || to == hi)
				continue;   /* reported by check_member, check_host_exit_self */
			if (state[to] == 1)
				cycle_report(l, stack, depth, to);
			else if (state[to] == 0) {
				state[to] = 1;
				stack[depth++] = to;
			}
		}
	}
out:
	free(state);
	free(stack);
	free(next);
}

/* --- order of members -------------------------------------------------------- */

static int member_order(const void *pa, const void *pb, void *ctx)
{
	const struct model *m = ctx;
	const struct model_exit_member *a = pa, *b = pb;

	if (a->priority != b->priority)
		return a->priority < b->priority ? -1 : 1;
	if (a->host == MODEL_NONE || b->host == MODEL_NONE)
		return (a->host == MODEL_NONE) - (b->host == MODEL_NONE);
	return strcmp(m->hosts[a->host].meta.name, m->hosts[b->host].meta.name);
}

void validate_exits(struct loader *l, const struct kind_indexes *k, const struct name_index *groups)
{
	struct model *m = l->m;

	resolve_exit_ifnames(l);
	check_exit_ifnames(l);
	if (!l->oom)
		check_groups(l, k);
	if (l->oom)
		return;
	resolve_exit_uses(l, groups);
	select_peers(l);
	if (!l->oom)
		check_exit_hubs(l);
	if (!l->oom)
		check_exit_cycles(l);
	for (size_t gi = 0; gi < m->n_exit_groups; gi++)
		if (m->exit_groups[gi].n_members > 1)
			qsort_r(m->exit_groups[gi].members, m->exit_groups[gi].n_members, sizeof(*m->exit_groups[gi].members),
				member_order, m);
}
