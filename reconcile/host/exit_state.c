/* <state-dir>/exits.json: what `wgf watch` last saw, for `wgf status`. */
#include "reconcile/host/exit_state.h"

#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/host/fileio.h"
#include "reconcile/plan/json_put.h"

#define JSON_DEPTH 8

static void group_clear(struct exit_state_group *g)
{
	for (size_t i = 0; i < g->n_members; i++) {
		free(g->members[i].name);
		free(g->members[i].ifname);
		free(g->members[i].why);
	}
	for (size_t i = 0; i < g->n_tables; i++) {
		free(g->tables[i].slot);
		free(g->tables[i].member);
	}
	free(g->members);
	free(g->tables);
	free(g->name);
	free(g->strategy);
	free(g->when_all_down);
}

void exit_state_clear(struct exit_state *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_groups; i++)
		group_clear(&s->groups[i]);
	free(s->groups);
	free(s->host);
	memset(s, 0, sizeof(*s));
}

/* ---- from watch ---- */

static int dup_or_null(const char *s, char **out)
{
	*out = NULL;
	return !s || (*out = strdup(s)) ? 0 : -ENOMEM;
}

static int64_t to_wall(int64_t t, int64_t mono_now, int64_t wall_now)
{
	return t == EXIT_SINCE_START ? 0 : wall_now - (mono_now - t);
}

static int group_from_select(const struct exit_group_state *g, int64_t mono_now, int64_t wall_now,
			     struct exit_state_group *out)
{
	const struct exit_group_use *u = g->use;
	int r = 0;

	out->members = calloc(u->n_members + 1, sizeof(*out->members));
	out->tables = calloc(u->n_tables + 1, sizeof(*out->tables));
	if (!out->members || !out->tables)
		return -ENOMEM;
	r |= dup_or_null(u->group->meta.name, &out->name);
	r |= dup_or_null(exit_strategy_name(u->group->strategy), &out->strategy);
	r |= dup_or_null(exit_all_down_name(u->group->all_down), &out->when_all_down);
	for (size_t i = 0; i < u->n_members; i++) {
		const struct exit_member_health *h = &g->members[i];
		struct exit_state_member *m = &out->members[out->n_members++];

		r |= dup_or_null(u->members[i].name, &m->name);
		r |= dup_or_null(u->members[i].ifname, &m->ifname);
		r |= dup_or_null(!h->up && h->why[0] ? h->why : NULL, &m->why);
		m->up = h->up;
		m->since_ms = to_wall(h->since, mono_now, wall_now);
		m->has_latency = h->has_rtt;
		m->latency_ms = fmin(h->rtt_ms, EXIT_STATE_MAX_LATENCY_MS);
		m->handshake_age_s = h->handshake_age_s;
	}
	for (size_t i = 0; i < u->n_tables; i++) {
		const struct exit_table_state *t = &g->tables[i];
		struct exit_state_table *o = &out->tables[out->n_tables++];

		o->table = t->table;
		o->route = t->route.kind;
		o->switched_ms = to_wall(t->switched_at, mono_now, wall_now);
		r |= dup_or_null(t->slot < u->n_members ? u->members[t->slot].name : NULL, &o->slot);
		r |= dup_or_null(t->route.kind == EXIT_ROUTE_MEMBER ? u->members[t->route.member].name : NULL,
				 &o->member);
	}
	return r ? -ENOMEM : 0;
}

int exit_state_from_select(const char *host, const struct exit_group_state *g, size_t n, int64_t mono_now,
			   int64_t wall_now, struct exit_state *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	out->updated_ms = wall_now;
	out->groups = calloc(n + 1, sizeof(*out->groups));
	if (!out->groups || dup_or_null(host, &out->host) < 0) {
		exit_state_clear(out);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t iv = g[i].use->group->health.interval_ms;

		if (!out->interval_ms || iv < out->interval_ms)
			out->interval_ms = iv;
		r = group_from_select(&g[i], mono_now, wall_now, &out->groups[out->n_groups++]);
		if (r < 0) {
			exit_state_clear(out);
			return r;
		}
	}
	return 0;
}

/* ---- JSON ---- */

static struct json_object *member_json(const struct exit_state_member *m)
{
	struct json_object *o = json_object_new_object();
	int e = 0;

	if (!o)
		return NULL;
	e |= json_put_str(o, "name", m->name);
	e |= json_put_str(o, "interface", m->ifname);
	e |= json_put(o, "up", json_object_new_boolean(m->up));
	e |= m->since_ms ? json_put(o, "since_ms", json_object_new_int64(m->since_ms)) : json_put_null(o, "since_ms");
	e |= json_put_str(o, "why", m->why);
	e |= m->has_latency ? json_put(o, "latency_ms", json_object_new_double(round(m->latency_ms * 1000) / 1000))
			    : json_put_null(o, "latency_ms");
	e |= m->handshake_age_s >= 0 ? json_put(o, "handshake_age_s", json_object_new_int64(m->handshake_age_s))
				     : json_put_null(o, "handshake_age_s");
	if (e) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *table_json(const struct exit_state_table *t)
{
	struct json_object *o = json_object_new_object();
	int e = 0;

	if (!o)
		return NULL;
	e |= json_put(o, "table", json_object_new_int64(t->table));
	e |= json_put_str(o, "slot", t->slot);
	e |= json_put_str(o, "route", exit_route_kind_name(t->route));
	e |= json_put_str(o, "member", t->member);
	e |= t->switched_ms ? json_put(o, "switched_ms", json_object_new_int64(t->switched_ms))
			    : json_put_null(o, "switched_ms");
	if (e) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *group_json(const struct exit_state_group *g)
{
	struct json_object *o = json_object_new_object(), *ms = json_object_new_array(),
			   *ts = json_object_new_array();
	int e = 0;

	if (!o || !ms || !ts) {
		json_object_put(o);
		json_object_put(ms);
		json_object_put(ts);
		return NULL;
	}
	for (size_t i = 0; i < g->n_members; i++)
		e |= json_push(ms, member_json(&g->members[i]));
	for (size_t i = 0; i < g->n_tables; i++)
		e |= json_push(ts, table_json(&g->tables[i]));
	e |= json_put_str(o, "name", g->name);
	e |= json_put_str(o, "strategy", g->strategy);
	e |= json_put_str(o, "when_all_down", g->when_all_down);
	e |= json_put(o, "members", ms);
	e |= json_put(o, "tables", ts);
	if (e) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

char *exit_state_format(const struct exit_state *s)
{
	struct json_object *o = json_object_new_object(), *gs = json_object_new_array();
	const char *text;
	char *out = NULL;
	int e = 0;

	if (!o || !gs) {
		json_object_put(o);
		json_object_put(gs);
		return NULL;
	}
	for (size_t i = 0; i < s->n_groups; i++)
		e |= json_push(gs, group_json(&s->groups[i]));
	e |= json_put_str(o, "host", s->host);
	e |= json_put(o, "updated_ms", json_object_new_int64(s->updated_ms));
	e |= json_put(o, "interval_ms", json_object_new_int64(s->interval_ms));
	e |= json_put(o, "groups", gs);
	text = e ? NULL : json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text && asprintf(&out, "%s\n", text) < 0)
		out = NULL;
	json_object_put(o);
	return out;
}

/* ---- reading ---- */

/* A string member into *out (a copy); null or missing: NULL unless required. */
static int get_str(struct json_object *o, const char *key, bool required, char **out)
{
	struct json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v) || !v)
		return required ? -EBADMSG : 0;
	if (!json_object_is_type(v, json_type_string) ||
	    strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v))
		return -EBADMSG;
	return (*out = strdup(json_object_get_string(v))) ? 0 : -ENOMEM;
}

/* An integer in [min, max]; null or missing: dflt. */
static int get_int(struct json_object *o, const char *key, int64_t min, int64_t max, int64_t dflt, int64_t *out)
{
	struct json_object *v;

	*out = dflt;
	if (!json_object_object_get_ex(o, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return -EBADMSG;
	*out = json_object_get_int64(v);
	return *out < min || *out > max ? -EBADMSG : 0;
}

static struct json_object *get_array(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_array))
		return NULL;
	return v;
}

static int member_parse(struct json_object *o, struct exit_state_member *m)
{
	struct json_object *v;
	int r;

	if (!json_object_is_type(o, json_type_object))
		return -EBADMSG;
	if ((r = get_str(o, "name", true, &m->name)) || (r = get_str(o, "interface", false, &m->ifname)) ||
	    (r = get_str(o, "why", false, &m->why)) ||
	    (r = get_int(o, "since_ms", 0, INT64_MAX, 0, &m->since_ms)) ||
	    (r = get_int(o, "handshake_age_s", 0, INT64_MAX, -1, &m->handshake_age_s)))
		return r;
	if (!json_object_object_get_ex(o, "up", &v) || !json_object_is_type(v, json_type_boolean))
		return -EBADMSG;
	m->up = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "latency_ms", &v) && v) {
		if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
			return -EBADMSG;
		m->latency_ms = json_object_get_double(v);
		if (!isfinite(m->latency_ms) || m->latency_ms < 0 || m->latency_ms > EXIT_STATE_MAX_LATENCY_MS)
			return -EBADMSG;
		m->has_latency = true;
	}
	return 0;
}

static int table_parse(struct json_object *o, struct exit_state_table *t)
{
	char *route = NULL;
	int64_t table;
	int r;

	if (!json_object_is_type(o, json_type_object))
		return -EBADMSG;
	if ((r = get_int(o, "table", 1, UINT32_MAX, -1, &table)) || (r = table < 0 ? -EBADMSG : 0) ||
	    (r = get_str(o, "slot", false, &t->slot)) || (r = get_str(o, "member", false, &t->member)) ||
	    (r = get_int(o, "switched_ms", 0, INT64_MAX, 0, &t->switched_ms)) ||
	    (r = get_str(o, "route", true, &route)))
		goto out;
	t->table = (uint32_t)table;
	r = -EBADMSG;
	for (int k = EXIT_ROUTE_NONE; k <= EXIT_ROUTE_THROW; k++)
		if (!strcmp(route, exit_route_kind_name((enum exit_route_kind)k))) {
			t->route = (enum exit_route_kind)k;
			r = 0;
		}
	if (r == 0 && (t->route == EXIT_ROUTE_MEMBER) != (t->member != NULL))
		r = -EBADMSG;
out:
	free(route);
	return r;
}

static int group_parse(struct json_object *o, struct exit_state_group *g)
{
	struct json_object *ms, *ts;
	size_t nm, nt;
	int r;

	if (!json_object_is_type(o, json_type_object) || !(ms = get_array(o, "members")) ||
	    !(ts = get_array(o, "tables")))
		return -EBADMSG;
	if ((r = get_str(o, "name", true, &g->name)) || (r = get_str(o, "strategy", false, &g->strategy)) ||
	    (r = get_str(o, "when_all_down", false, &g->when_all_down)))
		return r;
	nm = json_object_array_length(ms);
	nt = json_object_array_length(ts);
	g->members = calloc(nm + 1, sizeof(*g->members));
	g->tables = calloc(nt + 1, sizeof(*g->tables));
	if (!g->members || !g->tables)
		return -ENOMEM;
	for (size_t i = 0; i < nm; i++)
		if ((r = member_parse(json_object_array_get_idx(ms, i), &g->members[g->n_members++])) < 0)
			return r;
	for (size_t i = 0; i < nt; i++)
		if ((r = table_parse(json_object_array_get_idx(ts, i), &g->tables[g->n_tables++])) < 0)
			return r;
	return 0;
}

static int state_parse(struct json_object *o, struct exit_state *s)
{
	struct json_object *gs;
	int64_t iv;
	size_t n;
	int r;

	if (!json_object_is_type(o, json_type_object) || !(gs = get_array(o, "groups")))
		return -EBADMSG;
	if ((r = get_str(o, "host", false, &s->host)) ||
	    (r = get_int(o, "updated_ms", 0, INT64_MAX, -1, &s->updated_ms)) ||
	    (r = s->updated_ms < 0 ? -EBADMSG : 0) || (r = get_int(o, "interval_ms", 1, UINT32_MAX, -1, &iv)) ||
	    (r = iv < 0 ? -EBADMSG : 0))
		return r;
	s->interval_ms = (uint32_t)iv;
	n = json_object_array_length(gs);
	if (!(s->groups = calloc(n + 1, sizeof(*s->groups))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if ((r = group_parse(json_object_array_get_idx(gs, i), &s->groups[s->n_groups++])) < 0)
			return r;
	return 0;
}

int exit_state_parse(const char *text, size_t len, struct exit_state *out, struct wgf_error *err)
{
	struct json_tokener *tok;
	struct json_object *o;
	int r;

	memset(out, 0, sizeof(*out));
	if (len > EXIT_STATE_MAX_BYTES)
		return wgf_error_set(err, -EBADMSG, "larger than %u bytes", EXIT_STATE_MAX_BYTES);
	if (!(tok = json_tokener_new_ex(JSON_DEPTH)))
		return wgf_error_set(err, -ENOMEM, NULL);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, text, (int)len);
	r = !o || json_tokener_get_error(tok) != json_tokener_success || json_tokener_get_parse_end(tok) != len ?
		-EBADMSG : state_parse(o, out);
	json_object_put(o);
	json_tokener_free(tok);
	if (r < 0) {
		exit_state_clear(out);
		return wgf_error_set(err, r, r == -EBADMSG ? "not what wgf watch writes" : NULL);
	}
	return 0;
}

static int state_path(const char *state_dir, char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%s/%s", state_dir, EXIT_STATE_FILE) >= len ? -ENAMETOOLONG : 0;
}

int exit_state_save(const char *state_dir, const struct exit_state *s)
{
	char path[PATH_MAX], *text;
	int r;

	if ((r = state_path(state_dir, path, sizeof(path))) < 0)
		return r;
	if (!(text = exit_state_format(s)))
		return -ENOMEM;
	r = fileio_mkdir(state_dir);
	if (r == 0)
		r = fileio_write_volatile(path, text, strlen(text), 0644);
	free(text);
	return r;
}

int exit_state_load(const char *state_dir, struct exit_state *out, struct wgf_error *err)
{
	char path[PATH_MAX], *text = NULL;
	size_t len = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = state_path(state_dir, path, sizeof(path))) < 0)
		return wgf_error_set(err, r, NULL);
	r = fileio_read_regular(path, EXIT_STATE_MAX_BYTES, &text, &len);
	if (r < 0)
		return wgf_error_set(err, r, "reading %s: %s", path, strerror(-r));
	r = exit_state_parse(text, len, out, err);
	free(text);
	if (r < 0)
		wgf_error_prefix(err, "%s", path);
	return r;
}

bool exit_state_fresh(const struct exit_state *s, int64_t now_ms)
{
	return now_ms - s->updated_ms <= (int64_t)EXIT_STATE_STALE_ROUNDS * s->interval_ms;
}
