/* Exit-group health and the member each table uses: pure decisions. */
#include "reconcile/host/exit_select.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const route_kind_names[] = {
	[EXIT_ROUTE_NONE] = "none",
	[EXIT_ROUTE_MEMBER] = "member",
	[EXIT_ROUTE_BLACKHOLE] = "blackhole",
	[EXIT_ROUTE_THROW] = "throw",
};

const char *exit_route_kind_name(enum exit_route_kind k)
{
	return (unsigned)k < sizeof(route_kind_names) / sizeof(route_kind_names[0]) ? route_kind_names[k] : "?";
}

int exit_group_state_init(struct exit_group_state *g, const struct exit_group_use *use)
{
	memset(g, 0, sizeof(*g));
	g->use = use;
	g->members = calloc(use->n_members ? use->n_members : 1, sizeof(*g->members));
	g->tables = calloc(use->n_tables ? use->n_tables : 1, sizeof(*g->tables));
	if (!g->members || !g->tables) {
		exit_group_state_clear(g);
		return -ENOMEM;
	}
	for (size_t i = 0; i < use->n_members; i++) {
		g->members[i].up = true;
		g->members[i].since = EXIT_SINCE_START;
		g->members[i].first = EXIT_SINCE_START;
		g->members[i].handshake_age_s = -1;
	}
	for (size_t i = 0; i < use->n_tables; i++) {
		g->tables[i].table = use->tables[i].table;
		g->tables[i].slot = use->tables[i].slot;
		g->tables[i].switched_at = EXIT_SINCE_START;
	}
	return 0;
}

void exit_group_state_clear(struct exit_group_state *g)
{
	if (!g)
		return;
	free(g->members);
	free(g->tables);
	memset(g, 0, sizeof(*g));
}

static bool same_name(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* The table's slot member's name; NULL: the group's only table. */
static const char *slot_name(const struct exit_group_state *g, size_t t)
{
	size_t slot = g->tables[t].slot;

	return slot < g->use->n_members ? g->use->members[slot].name : NULL;
}

void exit_group_state_carry(struct exit_group_state *g, const struct exit_group_state *from)
{
	for (size_t i = 0; i < g->use->n_members; i++)
		for (size_t j = 0; j < from->use->n_members; j++)
			if (same_name(g->use->members[i].name, from->use->members[j].name))
				g->members[i] = from->members[j];
	for (size_t i = 0; i < g->use->n_tables; i++)
		for (size_t j = 0; j < from->use->n_tables; j++) {
			const char *a = slot_name(g, i), *b = slot_name(from, j);

			if (g->tables[i].table == from->tables[j].table && (a == b || same_name(a, b)))
				g->tables[i].switched_at = from->tables[j].switched_at;
		}
}

void exit_select_set_route(struct exit_group_state *g, size_t table, const struct exit_route *r)
{
	if (table < g->use->n_tables && (r->kind != EXIT_ROUTE_MEMBER || r->member < g->use->n_members))
		g->tables[table].route = *r;
}

const char *exit_route_describe(const struct exit_group_use *u, const struct exit_route *r, char *buf)
{
	switch (r->kind) {
	case EXIT_ROUTE_MEMBER:
		snprintf(buf, EXIT_WHY_LEN, "%s", r->member < u->n_members ? u->members[r->member].name : "?");
		break;
	case EXIT_ROUTE_BLACKHOLE:
		snprintf(buf, EXIT_WHY_LEN, "blackhole");
		break;
	case EXIT_ROUTE_THROW:
		snprintf(buf, EXIT_WHY_LEN, "throw (direct)");
		break;
	default:
		snprintf(buf, EXIT_WHY_LEN, "none");
		break;
	}
	return buf;
}

/* ---- health ---- */

static void member_observe(struct exit_member_health *h, const struct model_exit_health *cfg,
			   const struct exit_probe *p, int64_t now)
{
	bool stale = p->handshake_age_s >= 0 && cfg->handshake_max && (uint64_t)p->handshake_age_s > cfg->handshake_max;
	bool ok = p->answered && !stale;

	if (h->first == EXIT_SINCE_START)
		h->first = now;
	h->probes++;
	h->handshake_age_s = p->handshake_age_s;
	if (p->answered) {
		double rtt = (double)p->rtt_us / 1000.0;

		h->answered++;
		h->last_rtt_us = p->rtt_us;
		h->rtt_ms = h->has_rtt ? EXIT_RTT_EWMA_ALPHA * rtt + (1 - EXIT_RTT_EWMA_ALPHA) * h->rtt_ms : rtt;
		h->has_rtt = true;
	}
	if (ok) {
		h->fails = 0;
		if (h->oks < UINT32_MAX)
			h->oks++;
		if (!h->up && h->oks >= cfg->successes) {
			h->up = true;
			h->since = now;
			h->why[0] = '\0';
		}
		return;
	}
	h->oks = 0;
	if (h->fails < UINT32_MAX)
		h->fails++;
	if (!h->up || (h->fails < cfg->failures && !stale))
		return;
	h->up = false;
	h->since = now;
	if (stale)
		snprintf(h->why, sizeof(h->why), "latest handshake %lld s ago (more than %u s)",
			 (long long)p->handshake_age_s, cfg->handshake_max);
	else
		snprintf(h->why, sizeof(h->why), "%s (%u probe%s in a row)", p->why[0] ? p->why : "no reply",
			 h->fails, h->fails == 1 ? "" : "s");
}

void exit_select_observe(struct exit_group_state *g, const struct exit_probe *p, int64_t now)
{
	for (size_t i = 0; i < g->use->n_members; i++)
		member_observe(&g->members[i], &g->use->group->health, &p[i], now);
}

/* Up, and for hold already. A member up from the start counts from its first
 * round: a watch that (re)starts takes no member back at once, so a table it
 * finds on a stand-in stays there until the better member has proved itself. */
static bool settled(const struct exit_member_health *h, uint32_t hold_ms, int64_t now)
{
	int64_t since = h->since == EXIT_SINCE_START ? h->first : h->since;

	return h->up && since != EXIT_SINCE_START && now - since >= (int64_t)hold_ms;
}

/* ---- choosing ---- */

struct choice {
	struct exit_route route;
	char why[2 * EXIT_WHY_LEN];
};

static bool route_usable(const struct exit_group_state *g, const struct exit_route *r)
{
	return r->kind == EXIT_ROUTE_MEMBER && g->members[r->member].up;
}

static void choose_member(struct choice *c, size_t m)
{
	c->route.kind = EXIT_ROUTE_MEMBER;
	c->route.member = m;
}

/* Why the table leaves what it uses (it is not usable any more). */
static void why_leaving(const struct exit_group_state *g, const struct exit_route *cur, struct choice *c)
{
	const struct exit_group_use *u = g->use;

	if (cur->kind == EXIT_ROUTE_MEMBER)
		snprintf(c->why, sizeof(c->why), "%s is down: %s", u->members[cur->member].name,
			 g->members[cur->member].why);
	else if (cur->kind == EXIT_ROUTE_NONE)
		snprintf(c->why, sizeof(c->why), "no route yet");
	else
		snprintf(c->why, sizeof(c->why), "a member is up again");
}

static void choose_all_down(const struct exit_group_state *g, struct choice *c)
{
	bool direct = g->use->group->all_down == EXIT_ALL_DOWN_DIRECT;

	c->route.kind = direct ? EXIT_ROUTE_THROW : EXIT_ROUTE_BLACKHOLE;
	snprintf(c->why, sizeof(c->why), "every member is down (whenAllDown: %s)", direct ? "direct" : "blackhole");
}

/* The first member up in order[0..n): settled ones first. SIZE_MAX: none. */
static size_t first_up(const struct exit_group_state *g, const size_t *order, size_t n, int64_t now)
{
	uint32_t hold = g->use->group->health.hold_ms;

	for (size_t i = 0; i < n; i++)
		if (settled(&g->members[order[i]], hold, now))
			return order[i];
	for (size_t i = 0; i < n; i++)
		if (g->members[order[i]].up)
			return order[i];
	return SIZE_MAX;
}

/* The table leaves a route that is not usable for the first member up in order. */
static void replace_unusable(const struct exit_group_state *g, const struct exit_route *cur, const size_t *order,
			     size_t n, int64_t now, struct choice *c)
{
	size_t m = first_up(g, order, n, now);

	if (m == SIZE_MAX) {
		choose_all_down(g, c);
		return;
	}
	why_leaving(g, cur, c);
	choose_member(c, m);
}

static void pick_priority(const struct exit_group_state *g, const struct exit_table_state *t, int64_t now,
			  const size_t *order, struct choice *c)
{
	const struct exit_group_use *u = g->use;
	uint32_t hold = u->group->health.hold_ms;

	c->route = t->route;
	if (!route_usable(g, &t->route)) {
		replace_unusable(g, &t->route, order, u->n_members, now, c);
		return;
	}
	for (size_t i = 0; i < t->route.member; i++) {
		if (!settled(&g->members[i], hold, now))
			continue;
		snprintf(c->why, sizeof(c->why), "%s (priority %d) comes before %s (priority %d) and has been up "
			 "for %u ms", u->members[i].name, u->members[i].priority, u->members[t->route.member].name,
			 u->members[t->route.member].priority, hold);
		choose_member(c, i);
		return;
	}
}

/* Members up by average round trip (measured ones first), then by order. */
static size_t fastest_up(const struct exit_group_state *g, bool settled_only, int64_t now)
{
	uint32_t hold = g->use->group->health.hold_ms;
	size_t best = SIZE_MAX;

	for (size_t i = 0; i < g->use->n_members; i++) {
		const struct exit_member_health *h = &g->members[i];

		if (!h->up || (settled_only && !settled(h, hold, now)))
			continue;
		if (best == SIZE_MAX || (h->has_rtt && !g->members[best].has_rtt) ||
		    (h->has_rtt && h->rtt_ms < g->members[best].rtt_ms))
			best = i;
	}
	return best;
}

static void pick_latency(const struct exit_group_state *g, const struct exit_table_state *t, int64_t now,
			 struct choice *c)
{
	const struct model_exit_health *cfg = &g->use->group->health;
	const struct exit_member_health *cur;
	size_t best;

	c->route = t->route;
	if (!route_usable(g, &t->route)) {
		best = fastest_up(g, true, now);
		if (best == SIZE_MAX)
			best = fastest_up(g, false, now);
		if (best == SIZE_MAX) {
			choose_all_down(g, c);
			return;
		}
		why_leaving(g, &t->route, c);
		choose_member(c, best);
		return;
	}
	cur = &g->members[t->route.member];
	best = fastest_up(g, true, now);
	if (best == SIZE_MAX || best == t->route.member || !g->members[best].has_rtt)
		return;
	if (t->switched_at != EXIT_SINCE_START && now - t->switched_at < (int64_t)cfg->hold_ms)
		return;
	if (cur->has_rtt && g->members[best].rtt_ms + cfg->latency_margin_ms >= cur->rtt_ms)
		return;
	snprintf(c->why, sizeof(c->why), "%s answers in %.1f ms, %s in %.1f ms (latencyMargin %u ms)",
		 g->use->members[best].name, g->members[best].rtt_ms, g->use->members[t->route.member].name,
		 cur->rtt_ms, cfg->latency_margin_ms);
	choose_member(c, best);
}

static void pick_round_robin(const struct exit_group_state *g, const struct exit_table_state *t, int64_t now,
			     struct choice *c)
{
	const struct exit_group_use *u = g->use;
	uint32_t hold = u->group->health.hold_ms;
	size_t own = t->slot, order[u->n_members ? u->n_members : 1], n;
	bool on_own = t->route.kind == EXIT_ROUTE_MEMBER && t->route.member == own;

	c->route = t->route;
	if (g->members[own].up && !on_own &&
	    (settled(&g->members[own], hold, now) || !route_usable(g, &t->route))) {
		if (route_usable(g, &t->route))
			snprintf(c->why, sizeof(c->why), "%s (this table's own member) has been up again for %u ms",
				 u->members[own].name, hold);
		else
			why_leaving(g, &t->route, c);
		choose_member(c, own);
		return;
	}
	if (route_usable(g, &t->route))
		return;
	n = exit_rr_fallback_order(u, own, order);
	replace_unusable(g, &t->route, order, n, now, c);
}

size_t exit_select_decide(struct exit_group_state *g, int64_t now, struct exit_decision *out)
{
	const struct exit_group_use *u = g->use;
	size_t order[u->n_members ? u->n_members : 1], n = 0;

	for (size_t i = 0; i < u->n_members; i++)
		order[i] = i;
	for (size_t i = 0; i < u->n_tables; i++) {
		struct exit_table_state *t = &g->tables[i];
		struct choice c = { .route = t->route };

		if (u->n_members == 0)
			choose_all_down(g, &c);
		else if (u->group->strategy == EXIT_STRATEGY_LATENCY)
			pick_latency(g, t, now, &c);
		else if (u->group->strategy == EXIT_STRATEGY_ROUND_ROBIN && t->slot < u->n_members)
			pick_round_robin(g, t, now, &c);
		else
			pick_priority(g, t, now, order, &c);
		if (c.route.kind == t->route.kind &&
		    (c.route.kind != EXIT_ROUTE_MEMBER || c.route.member == t->route.member))
			continue;
		out[n].table = i;
		out[n].from = t->route;
		out[n].to = c.route;
		memcpy(out[n].why, c.why, sizeof(c.why));
		n++;
		t->route = c.route;
		/* the first route of a table is no switch: latency's hold counts from a real one */
		if (out[n - 1].from.kind != EXIT_ROUTE_NONE)
			t->switched_at = now;
	}
	return n;
}

/* ---- round-robin stand-ins ---- */

static uint64_t hash_str(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 0x100000001b3ULL;
	}
	h ^= 0xff;                     /* a separator no name holds */
	return h * 0x100000001b3ULL;
}

/* FNV-1a of the three names, then a finalizer that spreads the bits. */
static uint64_t rendezvous_score(const char *group, const char *slot, const char *candidate)
{
	uint64_t h = hash_str(hash_str(hash_str(0xcbf29ce484222325ULL, group), slot), candidate);

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

size_t exit_rr_fallback_order(const struct exit_group_use *u, size_t slot, size_t *order)
{
	uint64_t score[u->n_members ? u->n_members : 1];
	size_t n = 0;

	for (size_t i = 0; i < u->n_members; i++) {
		size_t j;

		if (i == slot)
			continue;
		score[i] = rendezvous_score(u->group->meta.name, u->members[slot].name, u->members[i].name);
		/* insertion: highest score first, ties by member order */
		for (j = n; j > 0 && score[order[j - 1]] < score[i]; j--)
			order[j] = order[j - 1];
		order[j] = i;
		n++;
	}
	return n;
}
