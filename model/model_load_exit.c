/* The ExitGroup kind, and the "exit" a Peer, Tenant or Host names (README
 * "Exit groups"): names kept in the extras, resolved by validation. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_internal.h"
#include "model/model_load_spec.h"
#include "model/model_load_value.h"

_Static_assert(offsetof(struct model_exit_group, meta) == 0, "a kind's struct starts with its meta");

#define EXIT_DIRECT "direct"           /* "exit: direct": no group, the host's own internet */

/* "only" or "except": a non-empty list of network prefixes. */
static void load_exit_prefixes(struct loader *l, const struct ynode *seq, const char *field, struct wgf_prefix **out,
			       size_t *n_out)
{
	if (!want_type(l, seq, field, YNODE_SEQUENCE))
		return;
	if (seq->n == 0) {
		load_err(l, seq, "\"%s\" is empty: leave it out to send everything through the group", field);
		return;
	}
	*out = load_calloc(l, seq->n, sizeof(**out));
	if (!*out)
		return;
	for (size_t i = 0; i < seq->n; i++) {
		char buf[PREFIX_STRLEN];
		struct wgf_prefix p, m;
		const char *s;

		if (!want_string(l, seq->items[i], field, &s))
			continue;
		if (!prefix_parse(s, true, &p)) {
			load_err(l, seq->items[i], "\"%s\" %s is not an IP address or prefix", field, diag_quote(s));
			continue;
		}
		if (!prefix_is_network(&p)) {
			m = p;
			prefix_mask(&m);
			load_err(l, seq->items[i], "\"%s\" %s has host bits set (did you mean %s?)", field, diag_quote(s),
				 prefix_format(&m, buf));
			continue;
		}
		(*out)[(*n_out)++] = p;
	}
}

/* An ExitGroup's name (kept in x for validation) or "direct". */
static bool load_exit_name(struct loader *l, const struct ynode *n, const char *field, struct obj_extra *x)
{
	const char *s;

	if (!want_string(l, n, field, &s))
		return false;
	if (!strcmp(s, EXIT_DIRECT))
		return true;
	x->exit_group = load_strdup(l, s);
	x->exit_group_loc = load_loc(l, n);
	return x->exit_group != NULL;
}

SPEC_LOADER(spec_load_exit)
{
	static const char *const fields[] = { "group", "only", "except" };
	struct model_exit_use *u = (struct model_exit_use *)((char *)obj + f->offset);
	const struct ynode *g, *only, *except;

	u->group = MODEL_NONE;
	u->loc = load_loc(l, n);
	if (n->type == YNODE_SCALAR)
		return u->set = load_exit_name(l, n, f->name, x);
	if (n->type != YNODE_MAPPING) {
		load_err(l, n, "\"exit\" must be an ExitGroup name, \"direct\" or a mapping of \"group\" and \"only\" or "
			 "\"except\", got %s", ynode_describe(n));
		return false;
	}
	check_fields(l, n, &NAME_LIST(fields), "exit");
	g = ynode_get(n, "group");
	only = ynode_get(n, "only");
	except = ynode_get(n, "except");
	if (!g) {
		load_missing(l, n, "group", "exit");
		return false;
	}
	if (!load_exit_name(l, g, "exit.group", x))
		return false;
	if (!x->exit_group && (only || except)) {
		load_err(l, only ? only : except, "\"%s\" needs an exit group: \"direct\" sends everything directly",
			 only ? "only" : "except");
		return false;
	}
	if (only && except) {
		load_err(l, except, "\"only\" and \"except\" exclude each other: give the destinations that use the "
			 "group (\"only\") or those that do not (\"except\")");
		return false;
	}
	if (only)
		load_exit_prefixes(l, only, "only", &u->only, &u->n_only);
	if (except)
		load_exit_prefixes(l, except, "except", &u->except, &u->n_except);
	return u->set = true;
}

static SPEC_LOADER(exit_members)
{
	static const char *const fields[] = { "host", "priority" };
	struct model_exit_group *g = obj;

	if (!want_type(l, n, f->name, YNODE_SEQUENCE))
		return false;
	if (n->n == 0) {
		load_err(l, n, "\"members\" must list at least one exit Host");
		return false;
	}
	g->members = load_calloc(l, n->n, sizeof(*g->members));
	x->member_names = load_calloc(l, n->n, sizeof(*x->member_names));
	if (!g->members || !x->member_names)
		return false;
	x->n_member_names = n->n;
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *it = n->items[i], *v;
		struct model_exit_member *mb = &g->members[g->n_members];
		const char *s;
		uint64_t p;

		if (!want_type(l, it, "members item", YNODE_MAPPING))
			continue;
		*mb = (struct model_exit_member){ load_loc(l, it), MODEL_NONE, 100 };
		check_fields(l, it, &NAME_LIST(fields), "member");
		if (!(v = ynode_get(it, "host"))) {
			load_missing(l, it, "host", "member");
		} else if (want_string(l, v, "host", &s)) {
			x->member_names[g->n_members] = load_strdup(l, s);
			mb->loc = load_loc(l, v);
		}
		if ((v = ynode_get(it, "priority")) && want_uint(l, v, "priority", 0, 65535, &p))
			mb->priority = (int32_t)p;
		g->n_members++;
	}
	return true;
}

#define HEALTH(field) offsetof(struct model_exit_health, field)

/* The health durations in milliseconds, and the least each may be. */
static const struct {
	const char *name, *field;
	size_t offset;
	uint32_t min_ms;
} health_durations[] = {
	{ "interval", "health.interval", HEALTH(interval_ms), 1 },
	{ "timeout", "health.timeout", HEALTH(timeout_ms), 1 },
	{ "hold", "health.hold", HEALTH(hold_ms), 0 },
	{ "latencyMargin", "health.latencyMargin", HEALTH(latency_margin_ms), 0 },
};

/* A healthy member's latest handshake gets this old: WireGuard renews it 2
 * minutes after the last, with the next packet (keepalive: up to 25 s later). */
#define HANDSHAKE_MIN_S 150

static void load_handshake(struct loader *l, const struct ynode *n, struct model_exit_health *h)
{
	uint32_t ms;

	if (!want_duration_ms(l, n, "health.handshake", &ms))
		return;
	if (ms % 1000)
		load_err(l, n, "\"health.handshake\" is counted in whole seconds, got %s", diag_quote(n->value));
	else if (ms / 1000 < HANDSHAKE_MIN_S)
		load_err(l, n, "\"health.handshake\" must be at least %us, got %s: WireGuard renews a session's handshake "
			 "only 2 minutes after the last (with the next packet), so a healthy member's gets that old",
			 HANDSHAKE_MIN_S, diag_quote(n->value));
	else
		h->handshake_max = ms / 1000;
}

static void load_target(struct loader *l, const struct ynode *n, struct model_exit_health *h)
{
	const struct prefix_special *sp;
	char abuf[PREFIX_STRLEN], rbuf[PREFIX_STRLEN];
	struct wgf_prefix a;
	const char *s;

	if (!want_string(l, n, "health.target", &s))
		return;
	if (!prefix_parse(s, true, &a) || a.len != prefix_max_len(a.family)) {
		load_err(l, n, "\"health.target\" %s is not a single IP address", diag_quote(s));
		return;
	}
	sp = prefix_special_find(&a, PREFIX_REFUSE_ENDPOINT);
	if (sp) {
		load_err(l, n, "\"health.target\" %s: %s is a special-purpose address (%s, %s): %s", diag_quote(s),
			 prefix_format_addr(&a, abuf), sp->name, prefix_format(&sp->range, rbuf), sp->why);
		return;
	}
	h->has_target = true;
	h->target = a;
	h->target_loc = load_loc(l, n);
}

/* A probe still waiting when the next is sent is fine; ten of them is a mistake. */
static void check_timeout(struct loader *l, const struct ynode *health, const struct model_exit_health *h)
{
	const struct ynode *t = ynode_get(health, "timeout"), *i = ynode_get(health, "interval");

	if (t && (uint64_t)h->timeout_ms > 10 * (uint64_t)h->interval_ms)
		load_err(l, t, "\"health.timeout\" %s is more than 10 times \"interval\" (%s): a member would be probed "
			 "again and again before one answer is given up", diag_quote(t->value),
			 i ? i->value : "1s, the default");
}

static SPEC_LOADER(exit_health)
{
	static const char *const fields[] = { "interval", "timeout", "failures", "successes", "hold", "handshake",
					      "target", "latencyMargin" };
	struct model_exit_health *h = &((struct model_exit_group *)obj)->health;
	const struct ynode *v;
	bool ok = true;
	uint64_t c;

	if (!want_type(l, n, f->name, YNODE_MAPPING))
		return false;
	check_fields(l, n, &NAME_LIST(fields), "health");
	for (size_t i = 0; i < sizeof(health_durations) / sizeof(health_durations[0]); i++) {
		uint32_t ms;

		if (!(v = ynode_get(n, health_durations[i].name)))
			continue;
		if (!want_duration_ms(l, v, health_durations[i].field, &ms))
			ok = false;
		else if (ms < health_durations[i].min_ms)
			ok = false, load_err(l, v, "\"%s\" must be more than 0, got %s", health_durations[i].field,
					     diag_quote(v->value));
		else
			*(uint32_t *)((char *)h + health_durations[i].offset) = ms;
	}
	if ((v = ynode_get(n, "failures")) && want_uint(l, v, "health.failures", 1, 1000, &c))
		h->failures = (uint32_t)c;
	if ((v = ynode_get(n, "successes")) && want_uint(l, v, "health.successes", 1, 1000, &c))
		h->successes = (uint32_t)c;
	if ((v = ynode_get(n, "handshake")))
		load_handshake(l, v, h);
	if ((v = ynode_get(n, "target")))
		load_target(l, v, h);
	if (ok)
		check_timeout(l, n, h);
	return true;
}

static SPEC_LOADER(exit_strategy)
{
	const char *s;
	int v;

	if (!want_string(l, n, f->name, &s) || !want_choice(l, n, f->name, s, &model_exit_strategies, 0, &v))
		return false;
	((struct model_exit_group *)obj)->strategy = (enum exit_strategy)v;
	return true;
}

static SPEC_LOADER(exit_all_down)
{
	const char *s;
	int v;

	if (!want_string(l, n, f->name, &s) || !want_choice(l, n, f->name, s, &model_exit_all_down, 0, &v))
		return false;
	((struct model_exit_group *)obj)->all_down = (enum exit_all_down)v;
	return true;
}

/* Policy's selectors, of peers only: a Host says its own "exit". Those of
 * hosts and prefixes are reported at their node and dropped (nothing to resolve). */
static SPEC_LOADER(exit_use)
{
	struct model_exit_group *g = obj;
	size_t cnt = n->type == YNODE_SEQUENCE ? n->n : 1, kept = 0;

	load_selectors(l, n, &g->use, &g->n_use);
	for (size_t i = 0; i < g->n_use; i++) {
		if (g->use[i].kind == SEL_HOST || g->use[i].kind == SEL_CIDR)
			free(g->use[i].name);   /* labels are only a SEL_LABELS's */
		else
			g->use[kept++] = g->use[i];
	}
	g->n_use = kept;
	for (size_t i = 0; i < cnt; i++) {
		const struct ynode *it = n->type == YNODE_SEQUENCE ? n->items[i] : n;
		const char *k;

		if (it->type != YNODE_MAPPING || it->n != 1 || it->pairs[0].key->type != YNODE_SCALAR)
			continue;
		k = it->pairs[0].key->value;
		if (!strcmp(k, "host"))
			load_err(l, it, "\"use\" selects Peers by peer, tenant or labels, not by host: a Host sends its "
				 "own traffic through a group with its \"exit\"");
		else if (!strcmp(k, "cidr"))
			load_err(l, it, "\"use\" selects Peers by peer, tenant or labels, not by cidr");
	}
	return true;
}

#define GROUP(field) offsetof(struct model_exit_group, field)

static const struct spec_field exit_group_fields[] = {
	{ "network", spec_load_network_ref, false, 0, 0, 0 },
	{ "strategy", exit_strategy, false, 0, 0, 0 },
	{ "members", exit_members, true, 0, 0, 0 },
	{ "health", exit_health, false, 0, 0, 0 },
	{ "whenAllDown", exit_all_down, false, 0, 0, 0 },
	{ "use", exit_use, false, 0, 0, 0 },
};

static const struct model_exit_group exit_group_defaults = {
	.strategy = EXIT_STRATEGY_PRIORITY,
	.all_down = EXIT_ALL_DOWN_BLACKHOLE,
	.health = { .interval_ms = 1000, .timeout_ms = 1000, .failures = 3, .successes = 3, .hold_ms = 60000,
		    .handshake_max = 180, .latency_margin_ms = 10 },
	.use_exit = { .group = MODEL_NONE },
};

static void exit_group_clear(void *obj)
{
	model_exit_group_clear(obj);
}

const struct kind_spec kind_exit_group = {
	"ExitGroup", "ExitGroup spec", SPEC_FIELDS(exit_group_fields), &exit_group_defaults,
	sizeof(struct model_exit_group), exit_group_clear, offsetof(struct model, exit_groups),
	offsetof(struct model, n_exit_groups), offsetof(struct loader, exit_x), offsetof(struct loader, cap_exit_groups),
};
