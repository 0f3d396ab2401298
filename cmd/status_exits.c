/* wgf status: the exit groups as `wgf watch` last wrote them (exits.json). */
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/wgf.h"
#include "reconcile/host/exit_state.h"
#include "render/health.h"

/* 0 and *s when there is a state file; 1 when none; -1 after a warning. */
static int load(const char *state_dir, struct exit_state *s)
{
	struct wgf_error err = {0};
	int r = exit_state_load(state_dir, s, &err);

	if (r == -ENOENT) {
		wgf_error_clear(&err);
		return 1;
	}
	if (r < 0) {
		cmd_error("warning: %s", wgf_error_message(&err));
		wgf_error_clear(&err);
		return -1;
	}
	return 0;
}

static void span(int64_t ms, char *buf, size_t len)
{
	int64_t s = ms / 1000;

	if (s < 120)
		snprintf(buf, len, "%llds", (long long)s);
	else if (s < 7200)
		snprintf(buf, len, "%lldm", (long long)(s / 60));
	else
		snprintf(buf, len, "%lldh", (long long)(s / 3600));
}

static void print_member(const struct exit_state_member *m, int64_t now)
{
	char since[32], t[40];

	if (m->since_ms) {
		time_t tt = (time_t)(m->since_ms / 1000);
		struct tm tm;

		span(now - m->since_ms, since, sizeof(since));
		gmtime_r(&tt, &tm);
		strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", &tm);
		printf("  member %-16s %-15s %s since %s (%s)", m->name, m->ifname ? m->ifname : "", m->up ? "up" : "DOWN",
		       t, since);
	} else {
		printf("  member %-16s %-15s %s since watch started", m->name, m->ifname ? m->ifname : "",
		       m->up ? "up" : "DOWN");
	}
	if (m->has_latency)
		printf(", latency %.1f ms", m->latency_ms);
	if (m->handshake_age_s >= 0)
		printf(", handshake %llds ago", (long long)m->handshake_age_s);
	else
		printf(", no handshake");
	if (!m->up && m->why)
		printf(": %s", m->why);
	putchar('\n');
}

void cmd_status_exits_print(const char *state_dir, int64_t now)
{
	struct exit_state s;
	char ago[32];
	bool fresh;

	if (load(state_dir, &s) != 0)
		return;
	fresh = exit_state_fresh(&s, now);
	span(now - s.updated_ms, ago, sizeof(ago));
	for (size_t i = 0; i < s.n_groups; i++) {
		const struct exit_state_group *g = &s.groups[i];

		printf("exit group %s (%s, whenAllDown: %s): ", g->name, g->strategy ? g->strategy : "?",
		       g->when_all_down ? g->when_all_down : "?");
		if (fresh)
			printf("wgf watch updated %s ago\n", ago);
		else
			printf("WATCH NOT RUNNING (last update %s ago): what follows may be out of date\n", ago);
		for (size_t j = 0; j < g->n_members; j++)
			print_member(&g->members[j], now);
		for (size_t j = 0; j < g->n_tables; j++) {
			const struct exit_state_table *t = &g->tables[j];

			printf("  table %u", t->table);
			if (t->slot)
				printf(" (share of %s)", t->slot);
			printf(": %s\n", t->route == EXIT_ROUTE_MEMBER ? t->member : t->route == EXIT_ROUTE_THROW ?
			       "throw (direct: the host's own internet)" : exit_route_kind_name(t->route));
		}
	}
	exit_state_clear(&s);
}

struct json_object *cmd_status_exits_json(const char *state_dir, int64_t now)
{
	struct json_object *o = NULL, *state;
	struct exit_state s;
	char *text;

	if (load(state_dir, &s) != 0)
		return NULL;
	text = exit_state_format(&s);
	state = text ? json_tokener_parse(text) : NULL;
	if (state && (o = json_object_new_object())) {
		json_object_object_add(o, "watch_running", json_object_new_boolean(exit_state_fresh(&s, now)));
		json_object_object_add(o, "updated_ms", json_object_new_int64(s.updated_ms));
		json_object_object_add(o, "groups", json_object_get(json_object_object_get(state, "groups")));
	}
	json_object_put(state);
	free(text);
	exit_state_clear(&s);
	return o;
}

void cmd_status_exits_facts(const char *state_dir, int64_t now, struct health_host_facts *f)
{
	struct exit_state s;

	if (load(state_dir, &s) != 0)
		return;
	f->watch_stale = s.n_groups && !exit_state_fresh(&s, now);
	for (size_t i = 0; i < s.n_groups; i++) {
		size_t down = 0;

		for (size_t j = 0; j < s.groups[i].n_members; j++)
			down += !s.groups[i].members[j].up;
		if (down && down == s.groups[i].n_members)
			f->groups_all_down++;
		else
			f->members_down += down;
	}
	exit_state_clear(&s);
}
