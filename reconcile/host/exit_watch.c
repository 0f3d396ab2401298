/* The exit-group watcher: probes, decisions, route switches, journal, state. */
#include "reconcile/host/exit_watch.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/host/exit_select.h"
#include "reconcile/host/exit_state.h"
#include "reconcile/host/journal.h"
#include "reconcile/host/statedir.h"

#define PENDING_MAX 256                /* journal entries kept while the state lock is busy */
/* A member that is down has its peer reset at most this often (and at most
 * every `failures` intervals): WireGuard's own retry is 5 s apart. */
#define RESET_MIN_MS 2000

/* A member's tunnel while it is down: a stale session (the exit restarted)
 * would keep it so for 15 s, until WireGuard itself starts a new handshake. */
struct member_watch {
	bool failed;                   /* its probe failed this round */
	bool said;                     /* this outage's first reset is logged, the rest not */
	int64_t reset_at;              /* monotonic ms of its last reset; EXIT_SINCE_START: none */
};

struct watched_group {
	struct model_exit_group group; /* the model's, durations scaled */
	struct exit_group_use use;     /* render's, pointing at group */
	int64_t due;                   /* monotonic ms of its next round */
	struct member_watch *mw;       /* use.n_members */
};

/* A switch for the journal: reason, group, from, to (owned), when (unix s). */
struct pending_switch {
	char *text[4];
	int64_t time;
};

struct exit_watch {
	struct kernel *k;
	const struct model_host *host;
	struct exit_watch_opts o;
	bool has4, has6;               /* the host's tunnel address of each family */
	struct wgf_prefix src4, src6;
	/* the probes' mark: the fwmark of the host's tunnels, which its full-tunnel
	 * rule ("not fwmark M lookup TABLE") lets pass, so that a probe is never
	 * routed by the very table it tests (a blackhole there would drop it) */
	uint32_t fwmark;
	struct watched_group *g;
	struct exit_group_state *st;
	size_t n;
	struct pending_switch *pending; /* journal entries waiting for the state lock */
	size_t n_pending;
	/* wall clock minus monotonic clock, as exits.json converts times: sampled
	 * once and kept until the wall clock steps, since two fresh samples differ
	 * by a millisecond now and then and a stored time would flicker */
	int64_t wall_offset;
	bool has_wall_offset;
};

__attribute__((format(printf, 2, 3)))
static void say(const struct exit_watch *w, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!w->o.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	w->o.log(msg);
}

static uint32_t scaled(uint32_t ms, double f)
{
	double v = (double)ms * f;

	return v < 1 ? 1 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* ---- routes ---- */

static bool is_default(const struct hs_route *r, uint8_t family)
{
	return r->dst.family == family && r->dst.len == 0;
}

/* What table t has now (its default route of the host's first family). */
static void route_found(const struct exit_group_use *u, const struct hs_route *r, struct exit_route *out)
{
	out->kind = EXIT_ROUTE_NONE;
	if (r->type == HS_ROUTE_BLACKHOLE) {
		out->kind = EXIT_ROUTE_BLACKHOLE;
	} else if (r->type == HS_ROUTE_THROW) {
		out->kind = EXIT_ROUTE_THROW;
	} else {
		for (size_t i = 0; i < u->n_members; i++)
			if (!strcmp(r->ifname, u->members[i].ifname)) {
				out->kind = EXIT_ROUTE_MEMBER;
				out->member = i;
			}
	}
}

static int read_routes(struct exit_watch *w)
{
	struct wgf_error err = {0};
	struct hs_route *rs = NULL;
	uint8_t family = w->has4 ? AF_INET : AF_INET6;
	size_t n = 0;
	int r = kernel_route_list(w->k, &rs, &n, &err);

	if (r < 0) {
		say(w, "listing routes: %s", wgf_error_message(&err));
		wgf_error_clear(&err);
		return r;
	}
	for (size_t gi = 0; gi < w->n; gi++)
		for (size_t ti = 0; ti < w->g[gi].use.n_tables; ti++)
			for (size_t i = 0; i < n; i++) {
				struct exit_route found;

				if (rs[i].table != w->g[gi].use.tables[ti].table || !is_default(&rs[i], family))
					continue;
				route_found(&w->g[gi].use, &rs[i], &found);
				if (found.kind != EXIT_ROUTE_NONE)
					exit_select_set_route(&w->st[gi], ti, &found);
			}
	free(rs);
	return 0;
}

/* Points table's default route of family at r. */
static int set_route(struct exit_watch *w, const struct exit_group_use *u, uint32_t table, uint8_t family,
		     const struct exit_route *to, const struct hs_route *have, size_t n_have)
{
	struct hs_route rt = { .table = table, .dst = { .family = family } };
	struct wgf_error err = {0};
	struct rtnl_link_info li;
	int ifindex = 0, r;

	rt.type = to->kind == EXIT_ROUTE_BLACKHOLE ? HS_ROUTE_BLACKHOLE :
		  to->kind == EXIT_ROUTE_THROW ? HS_ROUTE_THROW : HS_ROUTE_UNICAST;
	if (to->kind == EXIT_ROUTE_MEMBER) {
		memcpy(rt.ifname, u->members[to->member].ifname, sizeof(rt.ifname));
		rt.has_prefsrc = family == AF_INET ? w->has4 : w->has6;
		rt.prefsrc = family == AF_INET ? w->src4 : w->src6;
		r = kernel_link_get(w->k, rt.ifname, &li, &err);
		if (r < 0)
			goto out;
		ifindex = li.ifindex;
	}
	r = kernel_route_replace(w->k, ifindex, &rt, have, n_have, &err);
out:
	if (r < 0)
		say(w, "exit group %s: setting table %u's %s default route to %s: %s", u->group->meta.name, table,
		    family == AF_INET ? "IPv4" : "IPv6", to->kind == EXIT_ROUTE_MEMBER ? rt.ifname :
		    exit_route_kind_name(to->kind), wgf_error_message(&err));
	wgf_error_clear(&err);
	return r;
}

/* ---- the journal ---- */

static void pending_free(struct pending_switch *p)
{
	for (size_t i = 0; i < 4; i++)
		free(p->text[i]);
}

static void journal_queue(struct exit_watch *w, const char *const text[4], int64_t wall)
{
	struct pending_switch p = { .time = wall / 1000 };

	if (w->n_pending == PENDING_MAX) {
		say(w, "the journal has been locked for %d switches: dropping the oldest", PENDING_MAX);
		pending_free(&w->pending[0]);
		memmove(w->pending, w->pending + 1, (PENDING_MAX - 1) * sizeof(*w->pending));
		w->n_pending--;
	}
	for (size_t i = 0; i < 4; i++)
		if (!(p.text[i] = strdup(text[i]))) {
			pending_free(&p);
			return;
		}
	w->pending[w->n_pending++] = p;
}

/* Appends what is queued, under the state lock; while reconcile holds it,
 * the entries wait for the next round. */
static void journal_flush(struct exit_watch *w)
{
	size_t done = 0;
	int lock, r = 0;

	if (!w->n_pending)
		return;
	lock = statedir_lock(w->o.state_dir, true);
	if (lock < 0) {
		if (lock != -EWOULDBLOCK)
			say(w, "journal: taking the lock in %s: %s", w->o.state_dir, strerror(-lock));
		return;
	}
	for (; done < w->n_pending; done++) {
		struct pending_switch *p = &w->pending[done];
		struct journal_entry e = {
			.time = p->time, .host = w->host->meta.name, .source = "wgf watch",
			.result = JOURNAL_EXIT_SWITCHED, .reason = p->text[0], .exit_group = p->text[1],
			.exit_from = p->text[2], .exit_to = p->text[3],
		};

		if ((r = journal_append(w->o.state_dir, &e)) < 0) {
			say(w, "journal: appending in %s: %s", w->o.state_dir, strerror(-r));
			break;
		}
		pending_free(p);
	}
	statedir_unlock(lock);
	memmove(w->pending, w->pending + done, (w->n_pending - done) * sizeof(*w->pending));
	w->n_pending -= done;
}

/* ---- one switch ---- */

/* The journal's word for a route: the member's name, "blackhole" or "throw". */
static const char *journal_word(const struct exit_group_use *u, const struct exit_route *r, char *buf)
{
	if (r->kind == EXIT_ROUTE_MEMBER)
		return exit_route_describe(u, r, buf);
	return exit_route_kind_name(r->kind);
}

static int apply_decision(struct exit_watch *w, size_t gi, const struct exit_decision *d, int64_t wall,
			  const struct hs_route *have, size_t n_have)
{
	struct watched_group *g = &w->g[gi];
	struct exit_table_state *t = &w->st[gi].tables[d->table];
	char from[EXIT_WHY_LEN], to[EXIT_WHY_LEN], reason[1024];
	int r = 0;

	if (w->has4)
		r = set_route(w, &g->use, t->table, AF_INET, &d->to, have, n_have);
	if (r == 0 && w->has6)
		r = set_route(w, &g->use, t->table, AF_INET6, &d->to, have, n_have);
	if (r < 0) {
		t->route = d->from;            /* as the kernel still has it: the next round tries again */
		return r;
	}
	exit_route_describe(&g->use, &d->from, from);
	exit_route_describe(&g->use, &d->to, to);
	snprintf(reason, sizeof(reason), "exit group %s, table %u: %s -> %s: %s", g->group.meta.name, t->table,
		 from, to, d->why);
	say(w, "%s", reason);
	if (d->from.kind != EXIT_ROUTE_NONE) {
		const char *text[4] = { reason, g->group.meta.name, journal_word(&g->use, &d->from, from),
					journal_word(&g->use, &d->to, to) };
		journal_queue(w, text, wall);
		if (w->o.on_switch)
			w->o.on_switch(w->o.ctx, g->group.meta.name, t->table, text[2], text[3], d->why);
	}
	return 0;
}

/* ---- probes ---- */

/* Where member m's probes go in a round: its tunnel address, and the target. */
struct member_slot {
	size_t tunnel, target;         /* into the round's targets; SIZE_MAX: none */
};

static void target_add(const struct exit_watch *w, const char *ifname, const struct wgf_prefix *addr,
		       struct ping_target *t, size_t *n)
{
	struct ping_target *p = &t[(*n)++];

	memset(p, 0, sizeof(*p));
	p->ifname = ifname;
	p->addr = prefix_host(addr);
	p->fwmark = w->fwmark;
	if (addr->family == AF_INET && w->has4) {
		p->has_src = true;
		p->src = w->src4;
	} else if (addr->family == AF_INET6 && w->has6) {
		p->has_src = true;
		p->src = w->src6;
	}
}

static void member_targets(const struct exit_watch *w, const struct watched_group *g, const struct exit_member_use *m,
			   struct ping_target *t, size_t *n, struct member_slot *s)
{
	s->tunnel = s->target = SIZE_MAX;
	if (m->has_probe4 && (w->has4 || !m->has_probe6)) {
		s->tunnel = *n;
		target_add(w, m->ifname, &m->probe4, t, n);
	} else if (m->has_probe6) {
		s->tunnel = *n;
		target_add(w, m->ifname, &m->probe6, t, n);
	}
	if (g->group.health.has_target) {
		s->target = *n;
		target_add(w, m->ifname, &g->group.health.target, t, n);
	}
}

/* Did t answer within timeout? Else why not, into why. */
static bool answered(const struct ping_target *t, uint32_t timeout, const char *what, char *why, size_t len)
{
	char a[PREFIX_STRLEN];

	if (t->alive && t->rtt_us <= (uint64_t)timeout * 1000)
		return true;
	if (t->error)
		snprintf(why, len, "cannot probe %s%s through %s: %s", what, prefix_format_addr(&t->addr, a), t->ifname,
			 strerror(-t->error));
	else
		snprintf(why, len, "no reply from %s%s through %s within %u ms", what, prefix_format_addr(&t->addr, a),
			 t->ifname, timeout);
	return false;
}

/* The latest handshake on ifname's peer, in seconds before wall; -1: none. */
static int64_t handshake_age(struct exit_watch *w, const char *ifname, int64_t wall)
{
	struct hs_device d = {0};
	int64_t last = 0;

	if (kernel_wg_get_device(w->k, ifname, kernel_wg_backend_detect(w->k, ifname), &d, NULL) == 0)
		for (size_t i = 0; i < d.n_peers; i++)
			if (d.peers[i].last_handshake_sec > last)
				last = d.peers[i].last_handshake_sec;
	hs_device_clear(&d);
	return last > 0 ? (wall / 1000 > last ? wall / 1000 - last : 0) : -1;
}

static void member_probe(struct exit_watch *w, const struct watched_group *g, size_t mi,
			 const struct ping_target *t, const struct member_slot *s, int64_t wall, struct exit_probe *p)
{
	uint32_t timeout = g->group.health.timeout_ms;

	memset(p, 0, sizeof(*p));
	p->handshake_age_s = handshake_age(w, g->use.members[mi].ifname, wall);
	if (s->tunnel == SIZE_MAX) {
		snprintf(p->why, sizeof(p->why), "no tunnel address to probe");
		return;
	}
	p->answered = answered(&t[s->tunnel], timeout, "", p->why, sizeof(p->why)) &&
		      (s->target == SIZE_MAX || answered(&t[s->target], timeout, "target ", p->why, sizeof(p->why)));
	p->rtt_us = t[s->tunnel].rtt_us;
}

/* ---- a round ---- */

static int group_round(struct exit_watch *w, size_t gi, const struct ping_target *t, const struct member_slot *s,
		       int64_t now, int64_t wall, struct hs_route **have, size_t *n_have, bool *listed)
{
	struct watched_group *g = &w->g[gi];
	struct exit_probe *p = calloc(g->use.n_members + 1, sizeof(*p));
	struct exit_decision *d = calloc(g->use.n_tables + 1, sizeof(*d));
	size_t n;
	int switched = 0;

	if (!p || !d) {
		free(p);
		free(d);
		return -ENOMEM;
	}
	for (size_t i = 0; i < g->use.n_members; i++) {
		member_probe(w, g, i, t, &s[i], wall, &p[i]);
		g->mw[i].failed = !p[i].answered;
	}
	exit_select_observe(&w->st[gi], p, now);
	n = exit_select_decide(&w->st[gi], now, d);
	if (n && !*listed) {
		*listed = true;
		if (kernel_route_list(w->k, have, n_have, NULL) < 0) {
			*have = NULL;
			*n_have = 0;
		}
	}
	for (size_t i = 0; i < n; i++)
		switched += apply_decision(w, gi, &d[i], wall, *have, *n_have) == 0;
	g->due = now + g->group.health.interval_ms;
	free(p);
	free(d);
	return switched;
}

/* ---- a fresh handshake with a member that is down ---- */

/* Removes the one peer of ifname and adds it back with the same settings, in
 * one request: the new peer has no session, so the next probe starts a
 * handshake at once. The configuration after it is the same (plan is empty). */
static int peer_reset(struct exit_watch *w, const char *ifname, struct wgf_error *err)
{
	enum hs_backend b = kernel_wg_backend_detect(w->k, ifname);
	struct wg_peer_set ps[2] = {0};
	struct wg_device_set set = { .peers = ps, .n_peers = 2 };
	struct hs_device d = {0};
	int r = kernel_wg_get_device(w->k, ifname, b, &d, err);

	if (r < 0)
		goto out;
	if (d.n_peers != 1) {
		r = wgf_error_set(err, -ENOTUNIQ, "%zu peers on %s, not one", d.n_peers, ifname);
		goto out;
	}
	ps[0].peer = ps[1].peer = &d.peers[0];
	ps[0].remove = true;
	ps[1].send = (struct hs_peer_fields){ .set_psk = true, .set_endpoint = d.peers[0].endpoint.family != 0,
					      .set_keepalive = true, .replace_allowed_ips = true };
	r = kernel_wg_set_device(w->k, ifname, b, &set, err);
out:
	hs_device_clear(&d);
	return r;
}

/* Is the interface up or in use in any group? Then it is left alone. */
static bool ifname_busy(const struct exit_watch *w, const char *ifname)
{
	for (size_t gi = 0; gi < w->n; gi++) {
		const struct exit_group_state *st = &w->st[gi];

		for (size_t mi = 0; mi < w->g[gi].use.n_members; mi++)
			if (!strcmp(w->g[gi].use.members[mi].ifname, ifname) && st->members[mi].up)
				return true;
		for (size_t ti = 0; ti < w->g[gi].use.n_tables; ti++)
			if (st->tables[ti].route.kind == EXIT_ROUTE_MEMBER &&
			    !strcmp(w->g[gi].use.members[st->tables[ti].route.member].ifname, ifname))
				return true;
	}
	return false;
}

/* Marks every member on ifname (one tunnel may serve several groups) reset at now. */
static void mark_reset(struct exit_watch *w, const char *ifname, int64_t now)
{
	for (size_t gi = 0; gi < w->n; gi++)
		for (size_t mi = 0; mi < w->g[gi].use.n_members; mi++)
			if (!strcmp(w->g[gi].use.members[mi].ifname, ifname)) {
				w->g[gi].mw[mi].reset_at = now;
				w->g[gi].mw[mi].said = true;
			}
}

/* Each member down whose probe failed this round, in use nowhere: its peer
 * reset, at most every max(failures * interval, RESET_MIN_MS), both scaled. */
static void reset_down_members(struct exit_watch *w, int64_t now)
{
	for (size_t gi = 0; gi < w->n; gi++) {
		struct watched_group *g = &w->g[gi];
		int64_t every = (int64_t)g->group.health.failures * g->group.health.interval_ms;
		int64_t least = scaled(RESET_MIN_MS, w->o.time_scale > 0 ? w->o.time_scale : 1);

		if (every < least)
			every = least;
		for (size_t mi = 0; mi < g->use.n_members; mi++) {
			struct member_watch *m = &g->mw[mi];
			const char *ifname = g->use.members[mi].ifname;
			struct wgf_error err = {0};
			bool said = m->said, failed = m->failed;

			m->failed = false;             /* a group not due this round has no new probe */
			if (w->st[gi].members[mi].up) {
				m->said = false;
				m->reset_at = EXIT_SINCE_START;
				continue;
			}
			if (!failed || (m->reset_at != EXIT_SINCE_START && now - m->reset_at < every) ||
			    ifname_busy(w, ifname))
				continue;
			if (peer_reset(w, ifname, &err) < 0 && !said)
				say(w, "exit group %s: %s is down: resetting its peer on %s: %s", g->group.meta.name,
				    g->use.members[mi].name, ifname, wgf_error_message(&err));
			else if (!said)
				say(w, "exit group %s: %s is down: re-handshake (its peer on %s reset, again every "
				    "%lld ms while it stays down)", g->group.meta.name, g->use.members[mi].name, ifname,
				    (long long)every);
			wgf_error_clear(&err);
			mark_reset(w, ifname, now);
		}
	}
}

#define WALL_STEP_MS 1000

static int save_state(struct exit_watch *w, int64_t now, int64_t wall)
{
	struct exit_state s;
	int64_t off = wall - now;
	int r;

	if (!w->has_wall_offset || llabs(off - w->wall_offset) >= WALL_STEP_MS) {
		w->wall_offset = off;
		w->has_wall_offset = true;
	}
	r = exit_state_from_select(w->host->meta.name, w->st, w->n, now, now + w->wall_offset, &s);

	if (r < 0)
		return r;
	r = exit_state_save(w->o.state_dir, &s);
	if (r < 0)
		say(w, "writing %s/%s: %s", w->o.state_dir, EXIT_STATE_FILE, strerror(-r));
	exit_state_clear(&s);
	return r == -ENOMEM ? r : 0;
}

int exit_watch_round(struct exit_watch *w, int64_t now, int64_t wall)
{
	size_t n_targets = 0, cap = 0, n_slots = 0, *first = calloc(w->n + 1, sizeof(*first)), n_have = 0;
	struct ping_target *t = NULL;
	struct member_slot *s = NULL;
	struct hs_route *have = NULL;
	uint32_t timeout = 0;
	bool listed = false;
	int r = -ENOMEM, switched = 0;

	for (size_t gi = 0; gi < w->n; gi++)
		cap += w->g[gi].use.n_members;
	t = calloc(2 * cap + 1, sizeof(*t));
	s = calloc(cap + 1, sizeof(*s));
	if (!first || !t || !s)
		goto out;
	for (size_t gi = 0; gi < w->n; gi++) {
		struct watched_group *g = &w->g[gi];

		first[gi] = n_slots;
		if (now < g->due)
			continue;
		if (g->group.health.timeout_ms > timeout)
			timeout = g->group.health.timeout_ms;
		for (size_t mi = 0; mi < g->use.n_members; mi++)
			member_targets(w, g, &g->use.members[mi], t, &n_targets, &s[n_slots++]);
	}
	r = n_targets ? kernel_ping_many(w->k, t, n_targets, timeout) : 0;
	if (r < 0) {
		say(w, "cannot probe: %s", strerror(-r));
		goto out;
	}
	for (size_t gi = 0; gi < w->n; gi++) {
		if (now < w->g[gi].due)
			continue;
		r = group_round(w, gi, t, &s[first[gi]], now, wall, &have, &n_have, &listed);
		if (r < 0)
			goto out;
		switched += r;
	}
	reset_down_members(w, now);
	journal_flush(w);
	r = save_state(w, now, wall);
out:
	free(first);
	free(t);
	free(s);
	free(have);
	return r < 0 ? r : switched;
}

int64_t exit_watch_next(const struct exit_watch *w, int64_t now)
{
	int64_t next = INT64_MAX;

	for (size_t i = 0; i < w->n; i++)
		if (w->g[i].due < next)
			next = w->g[i].due;
	return next == INT64_MAX || next - now < 1 ? 1 : next - now;
}

/* ---- setting up ---- */

static void host_sources(struct exit_watch *w)
{
	for (size_t i = 0; i < w->host->n_addresses; i++) {
		const struct wgf_prefix *a = &w->host->addresses[i];

		if (a->family == AF_INET && !w->has4) {
			w->has4 = true;
			w->src4 = prefix_host(a);
		} else if (a->family == AF_INET6 && !w->has6) {
			w->has6 = true;
			w->src6 = prefix_host(a);
		}
	}
}

int exit_watch_new(struct kernel *k, const struct model *m, const struct model_host *h,
		   const struct render_exits *e, const struct exit_watch_opts *o, struct exit_watch **out)
{
	struct exit_watch *w = calloc(1, sizeof(*w));
	double f = o->time_scale > 0 ? o->time_scale : 1;
	int r = -ENOMEM;

	*out = NULL;
	if (!w)
		return -ENOMEM;
	w->k = k;
	w->host = h;
	w->o = *o;
	w->fwmark = m && h->network < m->n_networks && m->networks[h->network].fwmark ?
		    m->networks[h->network].fwmark : EXIT_FWMARK_DEFAULT;
	host_sources(w);
	w->g = calloc(e->n_groups + 1, sizeof(*w->g));
	w->st = calloc(e->n_groups + 1, sizeof(*w->st));
	w->pending = calloc(PENDING_MAX, sizeof(*w->pending));
	if (!w->g || !w->st || !w->pending)
		goto fail;
	for (size_t i = 0; i < e->n_groups; i++, w->n++) {
		struct watched_group *g = &w->g[i];
		struct model_exit_health *hh = &g->group.health;

		g->group = *e->groups[i].group;
		hh->interval_ms = scaled(hh->interval_ms, f);
		hh->timeout_ms = scaled(hh->timeout_ms, f);
		hh->hold_ms = scaled(hh->hold_ms, f);
		g->use = e->groups[i];
		g->use.group = &g->group;
		if (!(g->mw = calloc(g->use.n_members + 1, sizeof(*g->mw)))) {
			r = -ENOMEM;
			goto fail;
		}
		for (size_t mi = 0; mi < g->use.n_members; mi++)
			g->mw[mi].reset_at = EXIT_SINCE_START;
		if ((r = exit_group_state_init(&w->st[i], &g->use)) < 0) {
			free(g->mw);
			goto fail;
		}
	}
	read_routes(w);
	*out = w;
	return 0;
fail:
	exit_watch_free(w);
	return r;
}

/* A member's last peer reset, so a reload neither resets it again at once nor says it twice. */
static void member_watch_carry(struct watched_group *g, const struct watched_group *from)
{
	for (size_t i = 0; i < g->use.n_members; i++)
		for (size_t j = 0; j < from->use.n_members; j++)
			if (!strcmp(g->use.members[i].name, from->use.members[j].name))
				g->mw[i] = from->mw[j];
}

void exit_watch_carry(struct exit_watch *w, struct exit_watch *from)
{
	w->wall_offset = from->wall_offset;
	w->has_wall_offset = from->has_wall_offset;
	for (size_t i = 0; i < w->n; i++)
		for (size_t j = 0; j < from->n; j++)
			if (!strcmp(w->g[i].group.meta.name, from->g[j].group.meta.name)) {
				exit_group_state_carry(&w->st[i], &from->st[j]);
				member_watch_carry(&w->g[i], &from->g[j]);
			}
	for (size_t i = 0; i < from->n_pending; i++) {
		if (w->n_pending == PENDING_MAX) {
			pending_free(&from->pending[i]);
			continue;
		}
		w->pending[w->n_pending++] = from->pending[i];
	}
	from->n_pending = 0;
}

void exit_watch_free(struct exit_watch *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++) {
		exit_group_state_clear(&w->st[i]);
		free(w->g[i].mw);
	}
	for (size_t i = 0; i < w->n_pending; i++)
		pending_free(&w->pending[i]);
	free(w->pending);
	free(w->g);
	free(w->st);
	free(w);
}
