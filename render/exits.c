/* Which exit groups a host sends traffic through, and its tables for them
 * (README "Exit groups"). */
#include "render/exits.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	h ^= 0xff;   /* "ab"+"c" and "a"+"bc" differ */
	return h * 0x100000001b3ull;
}

#define FNV_SEED 0xcbf29ce484222325ull

/* A stable table number per (group, slot): adding or removing a group moves no
 * other group's table, unless two hash to the same number (then the later in
 * name order takes the next free one). */
static uint32_t table_hash(const char *group, const char *slot)
{
	uint64_t h = fnv1a(FNV_SEED, group);

	if (slot)
		h = fnv1a(h, slot);
	return EXIT_TABLE_BASE + (uint32_t)(h % (EXIT_TABLE_MAX - EXIT_TABLE_BASE + 1));
}

static uint64_t rr_weight(const char *peer_name, const char *member)
{
	return fnv1a(fnv1a(FNV_SEED, peer_name), member);
}

size_t exit_rr_member(const struct exit_group_use *u, const char *peer_name)
{
	size_t best = 0;
	uint64_t best_w = 0;

	for (size_t i = 0; i < u->n_members; i++) {
		uint64_t w = rr_weight(peer_name, u->members[i].name);

		if (i == 0 || w > best_w) {
			best = i;
			best_w = w;
		}
	}
	return best;
}

size_t exit_group_choice(const struct model *m, const struct model_exit_group *g, const char *peer_name)
{
	size_t best = MODEL_NONE;
	uint64_t best_w = 0;

	if (!g->n_members || g->strategy == EXIT_STRATEGY_LATENCY)
		return MODEL_NONE;
	if (g->strategy == EXIT_STRATEGY_PRIORITY)
		return g->members[0].host;
	for (size_t i = 0; i < g->n_members; i++) {
		uint64_t w = rr_weight(peer_name, m->hosts[g->members[i].host].meta.name);

		if (best == MODEL_NONE || w > best_w) {
			best = g->members[i].host;
			best_w = w;
		}
	}
	return best;
}

/* Does h (index hi) send anything through group g: its own traffic, or a peer's
 * whose primary hub it is. */
static bool host_uses_group(const struct model *m, size_t hi, size_t g)
{
	const struct model_host *h = &m->hosts[hi];

	if (h->exit.set && h->exit.group == g)
		return true;
	for (size_t i = 0; i < m->n_peers; i++) {
		const struct model_peer *p = &m->peers[i];
		const struct model_exit_use *e;

		if (p->network != h->network || !p->n_hubs || p->hubs[0] != hi)
			continue;
		e = model_peer_exit(m, p);
		if (e && e->group == g)
			return true;
	}
	return false;
}

static void first_address(const struct model_host *x, int family, bool *has, struct wgf_prefix *out)
{
	for (size_t i = 0; i < x->n_addresses; i++)
		if (x->addresses[i].family == family) {
			*out = prefix_host(&x->addresses[i]);
			*has = true;
			return;
		}
}

static int add_members(const struct model *m, size_t hi, struct exit_group_use *u)
{
	const struct model_exit_group *g = u->group;

	u->members = calloc(g->n_members ? g->n_members : 1, sizeof(*u->members));
	if (!u->members)
		return -ENOMEM;
	for (size_t i = 0; i < g->n_members; i++) {
		const struct model_host *x = &m->hosts[g->members[i].host];
		struct exit_member_use *mu;

		if (g->members[i].host == hi)
			continue;   /* validation refuses it; never a tunnel to itself */
		mu = &u->members[u->n_members++];
		mu->host = g->members[i].host;
		mu->name = x->meta.name;
		memcpy(mu->ifname, x->exit_ifname, IFNAMSIZ);
		mu->priority = g->members[i].priority;
		first_address(x, AF_INET, &mu->has_probe4, &mu->probe4);
		first_address(x, AF_INET6, &mu->has_probe6, &mu->probe6);
	}
	return 0;
}

static bool table_taken(const struct render_exits *e, uint32_t t)
{
	for (size_t i = 0; i < e->n_groups; i++)
		for (size_t j = 0; j < e->groups[i].n_tables; j++)
			if (e->groups[i].tables[j].table == t)
				return true;
	return false;
}

static uint32_t take_table(const struct render_exits *e, uint32_t t)
{
	while (table_taken(e, t))
		t = t == EXIT_TABLE_MAX ? EXIT_TABLE_BASE : t + 1;
	return t;
}

static int add_tables(struct render_exits *e, struct exit_group_use *u)
{
	bool rr = u->group->strategy == EXIT_STRATEGY_ROUND_ROBIN;
	size_t n = rr ? u->n_members : 1;

	u->tables = calloc(n ? n : 1, sizeof(*u->tables));
	if (!u->tables)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *slot = rr ? u->members[i].name : NULL;

		u->tables[i].slot = rr ? i : SIZE_MAX;
		u->tables[i].table = take_table(e, table_hash(u->group->meta.name, slot));
		u->n_tables++;
	}
	return 0;
}

int render_exits(const struct model *m, const struct model_host *h, struct render_exits *out)
{
	size_t hi = model_host_index(m, h);
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (hi == MODEL_NONE || !m->n_exit_groups)
		return 0;
	out->groups = calloc(m->n_exit_groups, sizeof(*out->groups));
	if (!out->groups)
		return -ENOMEM;
	for (size_t g = 0; g < m->n_exit_groups && r >= 0; g++) {
		struct exit_group_use *u;

		if (m->exit_groups[g].network != h->network || !host_uses_group(m, hi, g))
			continue;
		u = &out->groups[out->n_groups++];
		u->group = &m->exit_groups[g];
		u->group_index = g;
		r = add_members(m, hi, u);
		if (r >= 0)
			r = add_tables(out, u);
	}
	if (r < 0)
		render_exits_clear(out);
	return r;
}

void render_exits_clear(struct render_exits *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n_groups; i++) {
		free(e->groups[i].members);
		free(e->groups[i].tables);
	}
	free(e->groups);
	memset(e, 0, sizeof(*e));
}

const struct exit_table *exit_group_table(const struct exit_group_use *u, size_t slot)
{
	for (size_t i = 0; i < u->n_tables; i++)
		if (u->tables[i].slot == slot)
			return &u->tables[i];
	return u->n_tables ? &u->tables[0] : NULL;
}
