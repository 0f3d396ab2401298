/* A plan's exit groups (plan_exits.h). */
#include "reconcile/plan/plan_exits.h"
#include "render/exits.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void observe_table(const struct host_state *hs, struct plan_exit_table *t)
{
	for (int fam = 0; fam < 2 && hs && !t->observed; fam++)
		for (size_t i = 0; i < hs->n_routes; i++) {
			const struct hs_route *rt = &hs->routes[i];

			if (rt->table != t->table || rt->dst.len || rt->dst.family != (fam ? AF_INET6 : AF_INET))
				continue;
			t->observed = true;
			t->type = rt->type;
			memcpy(t->in_use, rt->ifname, IFNAMSIZ);
			break;
		}
}

static int make_group(const struct exit_group_use *u, const struct host_state *observed, struct plan_exit_group *g)
{
	g->name = strdup(u->group->meta.name);
	g->strategy = exit_strategy_name(u->group->strategy);
	g->all_down = exit_all_down_name(u->group->all_down);
	g->members = calloc(u->n_members + 1, sizeof(*g->members));
	g->tables = calloc(u->n_tables + 1, sizeof(*g->tables));
	if (!g->name || !g->members || !g->tables)
		return -ENOMEM;
	for (size_t i = 0; i < u->n_members; i++, g->n_members++) {
		struct plan_exit_member *pm = &g->members[i];

		if (!(pm->host = strdup(u->members[i].name)))
			return -ENOMEM;
		memcpy(pm->ifname, u->members[i].ifname, IFNAMSIZ);
		pm->priority = u->members[i].priority;
	}
	for (size_t i = 0; i < u->n_tables; i++, g->n_tables++) {
		struct plan_exit_table *t = &g->tables[i];

		t->table = u->tables[i].table;
		if (u->tables[i].slot != SIZE_MAX && !(t->slot = strdup(u->members[u->tables[i].slot].name)))
			return -ENOMEM;
		observe_table(observed, t);
	}
	return 0;
}

int plan_exit_groups_make(const struct render_exits *ex, const struct host_state *observed,
			  struct plan_exit_groups *out)
{
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (!ex->n_groups)
		return 0;
	out->v = calloc(ex->n_groups, sizeof(*out->v));
	if (!out->v)
		return -ENOMEM;
	for (size_t i = 0; i < ex->n_groups && r >= 0; i++) {
		out->n++;
		r = make_group(&ex->groups[i], observed, &out->v[i]);
	}
	if (r < 0)
		plan_exit_groups_clear(out);
	return r;
}

void plan_exit_groups_clear(struct plan_exit_groups *g)
{
	for (size_t i = 0; g && i < g->n; i++) {
		for (size_t j = 0; j < g->v[i].n_members; j++)
			free(g->v[i].members[j].host);
		for (size_t j = 0; j < g->v[i].n_tables; j++)
			free(g->v[i].tables[j].slot);
		free(g->v[i].members);
		free(g->v[i].tables);
		free(g->v[i].name);
	}
	if (g) {
		free(g->v);
		memset(g, 0, sizeof(*g));
	}
}

const char *plan_exit_table_member(const struct plan_exit_group *g, const struct plan_exit_table *t)
{
	if (!t->observed || t->type != HS_ROUTE_UNICAST)
		return NULL;
	for (size_t i = 0; i < g->n_members; i++)
		if (!strcmp(g->members[i].ifname, t->in_use))
			return g->members[i].host;
	return NULL;
}
