/* ExitGroup and "exit" in the model (README "Exit groups"): defaults, every
 * field, the order of groups and members, which exit a peer uses (Peer, then
 * ExitGroup "use", then Tenant), and every error at its file:line:col. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "tests/unit/diag_check.h"
#include "tests/unit/unit.h"

#define FIXTURE "tests/unit/fixtures/model/exits"

/* Network n (wg0, 10.1.0.0/24), hub h, exits x1 and x2, peers p1 (team a) and p2. */
static const char BASE[] =
	"apiVersion: wgf/v1\nkind: Network\nmetadata: {name: n}\nspec: {addressPools: {ipv4: 10.1.0.0/24}}\n"
	"---\napiVersion: wgf/v1\nkind: Host\nmetadata: {name: h}\n"
	"spec: {role: hub, publicKey: d7Iv58cDUxIDz+hKeiZhsEvEL7rqMsi/2xZm2MdqSjc=, endpoint: \"192.0.2.1:51820\", "
	"addresses: [10.1.0.1/24]}\n"
	"---\napiVersion: wgf/v1\nkind: Host\nmetadata: {name: x1}\n"
	"spec: {role: exit, publicKey: +xMAXA1XFcbqQsPz0qkrt9NWR32PkRGqX8DuLabMcx0=, endpoint: \"198.51.100.1:51820\", "
	"addresses: [10.1.0.2/24]}\n"
	"---\napiVersion: wgf/v1\nkind: Host\nmetadata: {name: x2}\n"
	"spec: {role: exit, publicKey: 6IH5Uw1iJT9bHDD61LvkiZJ7ZL1ASSfn/K4oKxKQhzE=, endpoint: \"198.51.100.2:51820\", "
	"addresses: [10.1.0.3/24]}\n"
	"---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: p1, labels: {team: a}}\n"
	"spec: {publicKey: cmC6xSNj2Ep8TeJCkx4ETRjrCaIXGHfmioUDvkFTfys=, addresses: [10.1.0.10], hubs: [h]}\n"
	"---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: p2}\n"
	"spec: {publicKey: Kw/rJCgbqK3MQ4gNa2fEJPT7Hml/ccXobiaLAP1cGFg=, addresses: [10.1.0.11], hubs: [h]}\n";

/* An ExitGroup g: its spec's lines start at line 5. */
#define GROUP(name, spec) "apiVersion: wgf/v1\nkind: ExitGroup\nmetadata: {name: " name "}\nspec:\n" spec
/* A Host r (router, attached to h): its spec's lines start at line 5, after these 4 (9 lines in all). */
#define ROUTER(extra) "apiVersion: wgf/v1\nkind: Host\nmetadata: {name: r}\nspec:\n" \
	"  role: router\n  publicKey: buQt6xmxGwhNvfH8wYoSb5T023QhMyWC1C5CefT5ZA0=\n" \
	"  addresses: [10.1.0.5/24]\n  hubs: [h]\n" extra
#define DOC "---\n"

static int load_case(const char *text, bool base, struct model **m, struct diag *d)
{
	const char *names[] = { "base.yaml", "t.yaml" };
	const char *texts[] = { BASE, text };
	size_t lens[] = { strlen(BASE), strlen(text) };

	diag_init(d);
	*m = NULL;
	return base ? model_load_buffers(names, texts, lens, 2, m, d) :
		      model_load_buffers(names + 1, texts + 1, lens + 1, 1, m, d);
}

/* text (after BASE, or alone) fails with exactly one error: "t.yaml:line:col: msg" */
static void expect_only_error_at(int at, const char *text, bool base, unsigned line, unsigned col, const char *msg)
{
	struct model *m;
	struct diag d;
	int r = load_case(text, base, &m, &d);
	bool one = d.n == 1 && !d.entries[0].warning && d.entries[0].file && !strcmp(d.entries[0].file, "t.yaml") &&
		   d.entries[0].line == line && d.entries[0].col == col && !strcmp(d.entries[0].msg, msg);

	if (r != -EINVAL || m || !one) {
		fprintf(stderr, "  %s:%d: want only t.yaml:%u:%u: %s (r=%d, model %s), got:\n", __FILE__, at, line, col,
			msg, r, m ? "loaded" : "none");
		dump(&d);
		unit_failed_checks++;
	}
	model_free(m);
	diag_free(&d);
}

#define EXPECT_ONLY_ERROR(text, line, col, msg) expect_only_error_at(__LINE__, text, true, line, col, msg)
#define EXPECT_ONLY_ERROR_ALONE(text, line, col, msg) expect_only_error_at(__LINE__, text, false, line, col, msg)

static struct model *expect_loads_at(int at, const char *text)
{
	struct model *m;
	struct diag d;
	int r = load_case(text, true, &m, &d);

	if (r != 0 || !m || d.n) {
		fprintf(stderr, "  %s:%d: want a clean load (r=%d), got:\n", __FILE__, at, r);
		dump(&d);
		unit_failed_checks++;
		model_free(m);
		m = NULL;
	}
	diag_free(&d);
	return m;
}

#define EXPECT_LOADS(text) expect_loads_at(__LINE__, text)

static const struct model_peer *peer(const struct model *m, const char *name)
{
	const struct model_peer *p = model_find_peer(m, name);

	CHECK(p != NULL);
	return p;
}

static const char *member_name(const struct model *m, const struct model_exit_group *g, size_t i)
{
	return i < g->n_members && g->members[i].host < m->n_hosts ? m->hosts[g->members[i].host].meta.name : NULL;
}

/* The group of a peer's exit: its name, "direct", or "none". */
static const char *peer_exit(const struct model *m, const char *name)
{
	const struct model_peer *p = model_find_peer(m, name);
	const struct model_exit_use *u = p ? model_peer_exit(m, p) : NULL;

	if (!p)
		return "no such peer";
	if (!u)
		return "none";
	if (u->group == MODEL_NONE)
		return "direct";
	return u->group < m->n_exit_groups ? m->exit_groups[u->group].meta.name : "out of range";
}

/* ---- what loads ---- */

static void test_defaults(void)
{
	struct model *m = EXPECT_LOADS(GROUP("g", "  members: [{host: x1}]\n"));
	const struct model_exit_group *g;

	if (!m)
		return;
	CHECK_INT(m->n_exit_groups, 1);
	g = model_find_exit_group(m, "g");
	CHECK(g == &m->exit_groups[0]);
	CHECK(model_find_exit_group(m, "nope") == NULL);
	CHECK_INT(g->network, 0);
	CHECK_INT(g->strategy, EXIT_STRATEGY_PRIORITY);
	CHECK_INT(g->all_down, EXIT_ALL_DOWN_BLACKHOLE);
	CHECK_STR(exit_strategy_name(g->strategy), "priority");
	CHECK_STR(exit_all_down_name(g->all_down), "blackhole");
	CHECK_INT(g->n_members, 1);
	CHECK_STR(member_name(m, g, 0), "x1");
	CHECK_INT(g->members[0].priority, 100);
	CHECK_INT(g->health.interval_ms, 1000);
	CHECK_INT(g->health.timeout_ms, 1000);
	CHECK_INT(g->health.failures, 3);
	CHECK_INT(g->health.successes, 3);
	CHECK_INT(g->health.hold_ms, 60000);
	CHECK_INT(g->health.handshake_max, 180);
	CHECK_INT(g->health.latency_margin_ms, 10);
	CHECK(!g->health.has_target);
	CHECK_INT(g->n_use, 0);
	CHECK(g->use_exit.set && g->use_exit.group == 0 && !g->use_exit.n_only && !g->use_exit.n_except);
	/* no one says: every peer's exit is left to its hub */
	CHECK_STR(peer_exit(m, "p1"), "none");
	CHECK_STR(peer_exit(m, "p2"), "none");
	CHECK(!m->hosts[0].exit.set && !m->tenants);
	/* every host gets its default exit interface; only an exit's is used */
	CHECK_STR(model_find_host(m, "x1")->exit_ifname, "wgx-x1");
	CHECK_STR(model_find_host(m, "h")->exit_ifname, "wgx-h");
	model_free(m);

	m = EXPECT_LOADS(GROUP("g", "  members: [{host: frankfurt-exit-1}]\n")
			 DOC "apiVersion: wgf/v1\nkind: Host\nmetadata: {name: frankfurt-exit-1}\n"
			 "spec: {role: exit, publicKey: I6OkHgtCPh2pjt/cgmQbwc5seW6z/kHM4dygnK8rV04=, "
			 "endpoint: \"203.0.113.1:51820\", addresses: [10.1.0.4/24]}\n");
	if (m) {
		CHECK_STR(model_find_host(m, "frankfurt-exit-1")->exit_ifname, "wgx-frankfurt-e");
		CHECK_INT(strlen(model_find_host(m, "frankfurt-exit-1")->exit_ifname), 15);
	}
	model_free(m);
}

static void test_every_field(void)
{
	struct model *m = NULL;
	struct diag d;
	const struct model_exit_group *us, *eu;
	char buf[PREFIX_STRLEN];

	diag_init(&d);
	CHECK_INT(model_load_dir(FIXTURE, &m, &d), 0);
	CHECK_INT(d.n, 0);
	diag_free(&d);
	if (!m)
		return;
	CHECK_INT(m->n_exit_groups, 2);
	/* sorted by name: eu before us, though us is written first */
	CHECK_STR(m->exit_groups[0].meta.name, "eu");
	CHECK_STR(m->exit_groups[1].meta.name, "us");
	us = model_find_exit_group(m, "us");
	eu = model_find_exit_group(m, "eu");
	if (!us || !eu)
		goto out;
	CHECK_INT(us->use_exit.group, 1);
	CHECK_INT(eu->use_exit.group, 0);
	CHECK_INT(us->strategy, EXIT_STRATEGY_PRIORITY);
	CHECK_INT(eu->strategy, EXIT_STRATEGY_ROUND_ROBIN);
	CHECK_STR(exit_strategy_name(eu->strategy), "round-robin");
	CHECK_STR(exit_strategy_name(EXIT_STRATEGY_LATENCY), "latency");
	CHECK_INT(us->all_down, EXIT_ALL_DOWN_DIRECT);
	CHECK_STR(exit_all_down_name(us->all_down), "direct");
	/* members by priority: us-east (10) before us-west (100) */
	CHECK_INT(us->n_members, 2);
	CHECK_STR(member_name(m, us, 0), "us-east");
	CHECK_INT(us->members[0].priority, 10);
	CHECK_STR(member_name(m, us, 1), "us-west");
	CHECK_INT(us->members[1].priority, 100);
	CHECK_INT(us->health.interval_ms, 500);
	CHECK_INT(us->health.timeout_ms, 2000);
	CHECK_INT(us->health.failures, 2);
	CHECK_INT(us->health.successes, 4);
	CHECK_INT(us->health.hold_ms, 120000);
	CHECK_INT(us->health.handshake_max, 3600);
	CHECK_INT(us->health.latency_margin_ms, 0);
	CHECK(us->health.has_target);
	CHECK_STR(prefix_format(&us->health.target, buf), "198.51.100.99/32");
	CHECK_INT(us->health.target_loc.line, 75);
	CHECK_INT(us->n_use, 1);
	CHECK(us->n_use == 1 && us->use[0].kind == SEL_LABELS && us->use[0].n_labels == 1);
	CHECK_STR(model_find_host(m, "eu-frankfurt-1")->exit_ifname, "wgx-fra1");
	CHECK_STR(model_find_host(m, "us-east")->exit_ifname, "wgx-us-east");
out:
	model_free(m);
}

/* Peer's own "exit", else the ExitGroup whose "use" selects it, else its Tenant's. */
static void test_precedence(void)
{
	struct model *m = NULL;
	struct diag d;
	const struct model_exit_use *u;
	const struct model_host *h;
	char buf[PREFIX_STRLEN];

	diag_init(&d);
	CHECK_INT(model_load_dir(FIXTURE, &m, &d), 0);
	diag_free(&d);
	if (!m)
		return;
	CHECK_STR(peer_exit(m, "alice"), "us");   /* labels region: us */
	CHECK_STR(peer_exit(m, "bob"), "eu");     /* its own exit beats the group selecting it */
	CHECK_STR(peer_exit(m, "guest"), "us");   /* the group selecting it beats its tenant's */
	CHECK_STR(peer_exit(m, "kiosk"), "eu");   /* its tenant's */
	CHECK_STR(peer_exit(m, "dave"), "direct");
	CHECK_STR(peer_exit(m, "erin"), "none");
	CHECK(model_peer_exit(m, peer(m, "alice")) == &model_find_exit_group(m, "us")->use_exit);
	CHECK(model_peer_exit(m, peer(m, "kiosk")) == &m->tenants[0].exit);
	u = model_peer_exit(m, peer(m, "bob"));
	CHECK(u == &peer(m, "bob")->exit);
	CHECK(u && u->n_only == 2 && u->n_except == 0);
	if (u && u->n_only == 2) {
		CHECK_STR(prefix_format(&u->only[0], buf), "2001:db8::/32");
		CHECK_STR(prefix_format(&u->only[1], buf), "203.0.113.0/24");
	}
	h = model_find_host(m, "office");
	CHECK(h->exit.set && h->exit.group == 0 && h->exit.n_except == 2 && h->exit.n_only == 0);
	if (h->exit.n_except == 2)
		CHECK_STR(prefix_format(&h->exit.except[1], buf), "169.254.169.254/32");
	h = model_find_host(m, "eu-frankfurt-1");
	CHECK(h->exit.set && h->exit.group == 1);
	h = model_find_host(m, "hub");
	CHECK(!h->exit.set && h->exit.group == MODEL_NONE);
	model_free(m);
}

static void test_order(void)
{
	struct model *m = EXPECT_LOADS(GROUP("zz", "  members: [{host: x2}, {host: x1}]\n")
				       DOC GROUP("aa", "  members: [{host: x1, priority: 200}, {host: x2}]\n")
				       DOC GROUP("mm", "  members: [{host: x2, priority: 0}, {host: x1, priority: 65535}]\n"));

	if (!m)
		return;
	CHECK_INT(m->n_exit_groups, 3);
	CHECK_STR(m->exit_groups[0].meta.name, "aa");
	CHECK_STR(m->exit_groups[1].meta.name, "mm");
	CHECK_STR(m->exit_groups[2].meta.name, "zz");
	for (size_t i = 0; i < 3; i++)
		CHECK_INT(m->exit_groups[i].use_exit.group, i);
	/* ties by name */
	CHECK_STR(member_name(m, &m->exit_groups[2], 0), "x1");
	CHECK_STR(member_name(m, &m->exit_groups[2], 1), "x2");
	/* lower priority first */
	CHECK_STR(member_name(m, &m->exit_groups[0], 0), "x2");
	CHECK_STR(member_name(m, &m->exit_groups[0], 1), "x1");
	CHECK_STR(member_name(m, &m->exit_groups[1], 0), "x2");
	CHECK_INT(m->exit_groups[1].members[1].priority, 65535);
	model_free(m);
}

static void test_use_selectors(void)
{
	/* by peer, by label; the same peer twice in one group is fine */
	struct model *m = EXPECT_LOADS(GROUP("g", "  members: [{host: x1}]\n  use: [{peer: p2}, {labels: {team: a}}, "
					    "{peer: p1}]\n")
				       DOC "apiVersion: wgf/v1\nkind: Tenant\nmetadata: {name: t}\n"
				       "spec: {addressPools: {ipv4: 10.1.0.128/25}}\n"
				       DOC GROUP("k", "  members: [{host: x2}]\n  use: {tenant: t}\n")
				       DOC "apiVersion: wgf/v1\nkind: Peer\nmetadata: {name: p3}\n"
				       "spec: {publicKey: bYqXF1bs4yw1HjmsZGMCeCHnKTmwwMTdIbbjbcNDnTk=, "
				       "addresses: [10.1.0.130], hubs: [h], tenant: t}\n");

	if (!m)
		return;
	CHECK_STR(peer_exit(m, "p1"), "g");
	CHECK_STR(peer_exit(m, "p2"), "g");
	CHECK_STR(peer_exit(m, "p3"), "k");
	CHECK(model_peer_exit(m, peer(m, "p3")) == &model_find_exit_group(m, "k")->use_exit);
	model_free(m);
}

static void test_exit_forms(void)
{
	struct model *m = EXPECT_LOADS(GROUP("g", "  members: [{host: x1}]\n")
				       DOC "apiVersion: wgf/v1\nkind: Peer\nmetadata: {name: p3}\n"
				       "spec: {publicKey: bYqXF1bs4yw1HjmsZGMCeCHnKTmwwMTdIbbjbcNDnTk=, "
				       "addresses: [10.1.0.12], hubs: [h], exit: {group: direct}}\n"
				       DOC "apiVersion: wgf/v1\nkind: Peer\nmetadata: {name: p4}\n"
				       "spec: {publicKey: CdwLYnrD/pxPgyXb14zmnfmjchTXd7+XJtCBAkM8iS4=, "
				       "addresses: [10.1.0.13], hubs: [h], exit: {group: g, except: [\"::/0\", 10.0.0.0/8]}}\n"
				       DOC ROUTER("  exit: g\n"));

	if (!m)
		return;
	CHECK_STR(peer_exit(m, "p3"), "direct");
	CHECK_STR(peer_exit(m, "p4"), "g");
	CHECK_INT(peer(m, "p4")->exit.n_except, 2);
	CHECK(model_find_host(m, "r")->exit.set && model_find_host(m, "r")->exit.group == 0);
	model_free(m);
}

/* "500ms", "1s", "2m", "1h"; zero where it means "at once" */
static void test_durations(void)
{
	static const struct { const char *v; uint32_t ms; } ok[] = {
		{ "500ms", 500 }, { "1s", 1000 }, { "2m", 120000 }, { "1h", 3600000 }, { "0ms", 0 }, { "0s", 0 },
		{ "1193h", 4294800000u }, { "4294967295ms", 4294967295u },
	};
	static const char *const bad[] = { "1", "1.5s", "01s", "1 s", "1d", "4294968s", "ms", "-1s", "1S", "1sec",
					   "99999999999ms" };
	char text[512], msg[256];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct model *m;

		snprintf(text, sizeof(text), GROUP("g", "  members: [{host: x1}]\n  health:\n    hold: \"%s\"\n"), ok[i].v);
		m = expect_loads_at(__LINE__, text);
		if (m)
			CHECK_INT(m->exit_groups[0].health.hold_ms, ok[i].ms);
		model_free(m);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), GROUP("g", "  members: [{host: x1}]\n  health:\n    hold: \"%s\"\n"), bad[i]);
		snprintf(msg, sizeof(msg), "\"health.hold\" must be a duration: a whole number and ms, s, m or h "
			 "(\"500ms\", \"1s\", \"2m\", \"1h\"), got \"%s\"", bad[i]);
		expect_only_error_at(__LINE__, text, true, 7, 11, msg);
	}
}

/* ---- errors, each alone at its place ---- */

static void test_group_errors(void)
{
	EXPECT_ONLY_ERROR(GROUP("g", "  members: [{host: x1}]\n  strategi: latency\n"), 6, 3,
			  "unknown field \"strategi\" in ExitGroup spec (did you mean \"strategy\"?)");
	EXPECT_ONLY_ERROR(GROUP("g", "  strategy: latency\n"), 5, 3,
			  "missing required field \"members\" in ExitGroup spec");
	EXPECT_ONLY_ERROR(GROUP("g", "  members: []\n"), 5, 12, "\"members\" must list at least one exit Host");
	EXPECT_ONLY_ERROR(GROUP("g", "  members: x1\n"), 5, 12, "\"members\" must be a list, got \"x1\"");
	EXPECT_ONLY_ERROR(GROUP("g", "  members: [x1]\n"), 5, 13, "\"members item\" must be a mapping, got \"x1\"");
	EXPECT_ONLY_ERROR(GROUP("g", "  members: [{priority: 1}]\n"), 5, 13,
			  "missing required field \"host\" in member");
	EXPECT_ONLY_ERROR(GROUP("g", "  members: [{host: x1, weight: 1}]\n"), 5, 24, "unknown field \"weight\" in member");
	EXPECT_ONLY_ERROR(GROUP("g", "  members: [{host: x1, priority: 65536}]\n"), 5, 34,
			  "\"priority\" must be between 0 and 65535, got \"65536\"");
	EXPECT_ONLY_ERROR(GROUP("g", "  members: [{host: x3}]\n"), 5, 20,
			  "member \"x3\": Host \"x3\" does not exist (did you mean \"x1\"?)");
	EXPECT_ONLY_ERROR(GROUP("g", "  members: [{host: p1}]\n"), 5, 20,
			  "member \"p1\" is a Peer, not a Host: \"members\" lists Hosts with role exit");
	EXPECT_ONLY_ERROR(GROUP("g", "  members: [{host: h}]\n"), 5, 20,
			  "member \"h\": Host \"h\" has role hub, not exit (the members of an exit group send its "
			  "traffic to the internet)");
	EXPECT_ONLY_ERROR(GROUP("g", "  members: [{host: x1}, {host: x2}, {host: x1, priority: 1}]\n"), 5, 44,
			  "member \"x1\" is listed twice");
	EXPECT_ONLY_ERROR(GROUP("g", "  members: [{host: x1}]\n  strategy: fastest\n"), 6, 13,
			  "\"strategy\" must be priority, round-robin or latency, got \"fastest\"");
	EXPECT_ONLY_ERROR(GROUP("g", "  members: [{host: x1}]\n  strategy: round_robin\n"), 6, 13,
			  "\"strategy\" must be priority, round-robin or latency, got \"round_robin\" (did you mean "
			  "\"round-robin\"?)");
	EXPECT_ONLY_ERROR(GROUP("g", "  members: [{host: x1}]\n  whenAllDown: leak\n"), 6, 16,
			  "\"whenAllDown\" must be blackhole or direct, got \"leak\"");
	EXPECT_ONLY_ERROR(GROUP("direct", "  members: [{host: x1}]\n"), 3, 18,
			  "ExitGroup name \"direct\" is reserved: \"exit: direct\" means no exit group");
	EXPECT_ONLY_ERROR(GROUP("g", "  members: [{host: x1}]\n") DOC GROUP("g", "  members: [{host: x2}]\n"), 9, 18,
			  "duplicate ExitGroup name \"g\" (first defined at t.yaml:3:18)");
	EXPECT_ONLY_ERROR(GROUP("g", "  network: m\n  members: [{host: x1}]\n"), 5, 12, "Network \"m\" does not exist");
	/* an exit without an endpoint is refused once, at the Host */
	EXPECT_ONLY_ERROR(GROUP("g", "  members: [{host: x3}]\n")
			  DOC "apiVersion: wgf/v1\nkind: Host\nmetadata: {name: x3}\n"
			  "spec: {role: exit, publicKey: I6OkHgtCPh2pjt/cgmQbwc5seW6z/kHM4dygnK8rV04=, "
			  "addresses: [10.1.0.4/24]}\n", 10, 14, "Host \"x3\" is a hub but has no \"endpoint\"");
}

static void test_health_errors(void)
{
#define HEALTH(h) GROUP("g", "  members: [{host: x1}]\n  health:\n" h)
	EXPECT_ONLY_ERROR(HEALTH("    interval: 0s\n"), 7, 15, "\"health.interval\" must be more than 0, got \"0s\"");
	EXPECT_ONLY_ERROR(HEALTH("    timeout: 0ms\n"), 7, 14, "\"health.timeout\" must be more than 0, got \"0ms\"");
	EXPECT_ONLY_ERROR(HEALTH("    interval: 100ms\n    timeout: 1001ms\n"), 8, 14,
			  "\"health.timeout\" \"1001ms\" is more than 10 times \"interval\" (100ms): a member would be "
			  "probed again and again before one answer is given up");
	EXPECT_ONLY_ERROR(HEALTH("    timeout: 11s\n"), 7, 14,
			  "\"health.timeout\" \"11s\" is more than 10 times \"interval\" (1s, the default): a member "
			  "would be probed again and again before one answer is given up");
	EXPECT_ONLY_ERROR(HEALTH("    failures: 0\n"), 7, 15, "\"health.failures\" must be between 1 and 1000, got \"0\"");
	EXPECT_ONLY_ERROR(HEALTH("    successes: \"3\"\n"), 7, 16,
			  "\"health.successes\" must be an integer, got the string \"3\"");
	EXPECT_ONLY_ERROR(HEALTH("    handshake: 2m\n"), 7, 16,
			  "\"health.handshake\" must be at least 150s, got \"2m\": WireGuard renews a session's handshake "
			  "only 2 minutes after the last (with the next packet), so a healthy member's gets that old");
	EXPECT_ONLY_ERROR(HEALTH("    handshake: 180500ms\n"), 7, 16,
			  "\"health.handshake\" is counted in whole seconds, got \"180500ms\"");
	EXPECT_ONLY_ERROR(HEALTH("    target: 198.51.100.0/24\n"), 7, 13,
			  "\"health.target\" \"198.51.100.0/24\" is not a single IP address");
	EXPECT_ONLY_ERROR(HEALTH("    target: 224.0.0.1\n"), 7, 13,
			  "\"health.target\" \"224.0.0.1\": 224.0.0.1 is a special-purpose address (multicast, "
			  "224.0.0.0/4): WireGuard carries unicast only");
	EXPECT_ONLY_ERROR(HEALTH("    target: 10.1.0.2\n"), 7, 13,
			  "\"health.target\" 10.1.0.2 is inside the network's IPv4 pool 10.1.0.0/24: the target is "
			  "probed beyond the exit, on the internet");
	EXPECT_ONLY_ERROR(HEALTH("    intervall: 1s\n"), 7, 5,
			  "unknown field \"intervall\" in health (did you mean \"interval\"?)");
	EXPECT_ONLY_ERROR(GROUP("g", "  members: [{host: x1}]\n  health: 1s\n"), 6, 11,
			  "\"health\" must be a mapping, got \"1s\"");
#undef HEALTH
}

static void test_use_errors(void)
{
	EXPECT_ONLY_ERROR(GROUP("g", "  members: [{host: x1}]\n  use: [{host: h}]\n"), 6, 9,
			  "\"use\" selects Peers by peer, tenant or labels, not by host: a Host sends its own traffic "
			  "through a group with its \"exit\"");
	/* a host that does not exist is not looked up: one error */
	EXPECT_ONLY_ERROR(GROUP("g", "  members: [{host: x1}]\n  use: {host: nobody}\n"), 6, 8,
			  "\"use\" selects Peers by peer, tenant or labels, not by host: a Host sends its own traffic "
			  "through a group with its \"exit\"");
	EXPECT_ONLY_ERROR(GROUP("g", "  members: [{host: x1}]\n  use: [{cidr: 10.1.0.0/24}]\n"), 6, 9,
			  "\"use\" selects Peers by peer, tenant or labels, not by cidr");
	EXPECT_ONLY_ERROR(GROUP("g", "  members: [{host: x1}]\n  use: [{peer: p9}]\n"), 6, 9,
			  "selector: Peer \"p9\" does not exist");
	EXPECT_ONLY_ERROR(GROUP("g", "  members: [{host: x1}]\n  use: []\n"), 6, 8,
			  "an empty selector list matches nothing (leave the field out to match anything)");
}

/* A peer two groups select: an error at each group's selector, naming the other. */
static void test_use_twice(void)
{
	const char *text = GROUP("g", "  members: [{host: x1}]\n  use: {labels: {team: a}}\n")
			   DOC GROUP("k", "  members: [{host: x2}]\n  use: [{peer: p2}, {peer: p1}]\n");
	struct model *m;
	struct diag d;
	int r = load_case(text, true, &m, &d);

	CHECK_INT(r, -EINVAL);
	CHECK(m == NULL);
	CHECK_INT(d.n, 2);
	CHECK(has_error(&d, "t.yaml", 6, 8, "Peer \"p1\" is selected by ExitGroup \"g\" and by ExitGroup \"k\" "
			"(t.yaml:13:21): a peer uses one exit group (narrow one \"use\")"));
	CHECK(has_error(&d, "t.yaml", 13, 21, "Peer \"p1\" is selected by ExitGroup \"k\" and by ExitGroup \"g\" "
			"(t.yaml:6:8): a peer uses one exit group (narrow one \"use\")"));
	if (d.n != 2)
		dump(&d);
	model_free(m);
	diag_free(&d);
}

/* "exit" on a Peer (the same loader serves Tenant and Host). */
#define PEER_EXIT(e) GROUP("g", "  members: [{host: x1}]\n") DOC \
	"apiVersion: wgf/v1\nkind: Peer\nmetadata: {name: p3}\nspec:\n" \
	"  publicKey: bYqXF1bs4yw1HjmsZGMCeCHnKTmwwMTdIbbjbcNDnTk=\n  addresses: [10.1.0.12]\n  hubs: [h]\n" e

static void test_exit_errors(void)
{
	/* the exit's line is 14 */
	EXPECT_ONLY_ERROR(PEER_EXIT("  exit: gg\n"), 14, 9, "exit: ExitGroup \"gg\" does not exist (did you mean \"g\"?)");
	EXPECT_ONLY_ERROR(PEER_EXIT("  exit: internet\n"), 14, 9,
			  "exit: ExitGroup \"internet\" does not exist (\"direct\" means none)");
	EXPECT_ONLY_ERROR(PEER_EXIT("  exit:\n"), 14, 8, "\"exit\" has no value");
	EXPECT_ONLY_ERROR(PEER_EXIT("  exit: [g]\n"), 14, 9,
			  "\"exit\" must be an ExitGroup name, \"direct\" or a mapping of \"group\" and \"only\" or "
			  "\"except\", got a list");
	EXPECT_ONLY_ERROR(PEER_EXIT("  exit: {only: [10.0.0.0/8]}\n"), 14, 9, "missing required field \"group\" in exit");
	EXPECT_ONLY_ERROR(PEER_EXIT("  exit: {group: g, via: x1}\n"), 14, 20, "unknown field \"via\" in exit");
	EXPECT_ONLY_ERROR(PEER_EXIT("  exit: {group: g, only: [10.0.0.0/8], except: [10.1.0.0/16]}\n"), 14, 48,
			  "\"only\" and \"except\" exclude each other: give the destinations that use the group "
			  "(\"only\") or those that do not (\"except\")");
	EXPECT_ONLY_ERROR(PEER_EXIT("  exit: {group: direct, except: [10.0.0.0/8]}\n"), 14, 33,
			  "\"except\" needs an exit group: \"direct\" sends everything directly");
	EXPECT_ONLY_ERROR(PEER_EXIT("  exit: {group: g, only: []}\n"), 14, 26,
			  "\"only\" is empty: leave it out to send everything through the group");
	EXPECT_ONLY_ERROR(PEER_EXIT("  exit: {group: g, except: [10.1.2.3/16]}\n"), 14, 29,
			  "\"except\" \"10.1.2.3/16\" has host bits set (did you mean 10.1.0.0/16?)");
	EXPECT_ONLY_ERROR(PEER_EXIT("  exit: {group: g, only: [example.com]}\n"), 14, 27,
			  "\"only\" \"example.com\" is not an IP address or prefix");
	EXPECT_ONLY_ERROR(PEER_EXIT("  exit: {group: g, only: 10.0.0.0/8}\n"), 14, 26,
			  "\"only\" must be a list, got \"10.0.0.0/8\"");
	/* Tenant and Host: the same loader, the same resolution */
	EXPECT_ONLY_ERROR("apiVersion: wgf/v1\nkind: Tenant\nmetadata: {name: t}\n"
			  "spec: {addressPools: {ipv4: 10.1.0.128/25}, exit: nowhere}\n", 4, 51,
			  "exit: ExitGroup \"nowhere\" does not exist (\"direct\" means none)");
	EXPECT_ONLY_ERROR(ROUTER("  exit: {group: x1}\n"), 9, 17, "exit: ExitGroup \"x1\" does not exist (\"direct\" means none)");
}

/* Two Networks a and b, an exit in each (xb's line 19 ends with `extra`), and
 * ExitGroup ga of network a on line 24. */
#define TWO_NETS(extra, members) \
	"apiVersion: wgf/v1\nkind: Network\nmetadata: {name: a}\nspec: {addressPools: {ipv4: 10.1.0.0/24}}\n" \
	"---\napiVersion: wgf/v1\nkind: Network\nmetadata: {name: b}\n" \
	"spec: {interface: wg1, addressPools: {ipv4: 10.2.0.0/24}}\n" \
	"---\napiVersion: wgf/v1\nkind: Host\nmetadata: {name: xa}\n" \
	"spec: {network: a, role: exit, publicKey: +xMAXA1XFcbqQsPz0qkrt9NWR32PkRGqX8DuLabMcx0=, " \
	"endpoint: \"198.51.100.1:51820\", addresses: [10.1.0.2/24]}\n" \
	"---\napiVersion: wgf/v1\nkind: Host\nmetadata: {name: xb}\n" \
	"spec: {network: b, role: exit, publicKey: 6IH5Uw1iJT9bHDD61LvkiZJ7ZL1ASSfn/K4oKxKQhzE=, " \
	"endpoint: \"198.51.100.2:51820\", addresses: [10.2.0.2/24]" extra "}\n" \
	"---\napiVersion: wgf/v1\nkind: ExitGroup\nmetadata: {name: ga}\n" \
	"spec: {" members "}\n"

static void test_exit_other_network(void)
{
	EXPECT_ONLY_ERROR_ALONE(TWO_NETS("", "network: a, members: [{host: xa}, {host: xb}]"), 24, 49,
				"member \"xb\" is in Network \"b\", not in Network \"a\"");
	EXPECT_ONLY_ERROR_ALONE(TWO_NETS(", exit: ga", "network: a, members: [{host: xa}]"), 19, 153,
				"exit: ExitGroup \"ga\" is in Network \"a\", not in Network \"b\"");
	EXPECT_ONLY_ERROR_ALONE(TWO_NETS("", "members: [{host: xa}]"), 22, 1,
				"ExitGroup \"ga\" must name its \"network\": there are 2 Networks");
}

static void test_exit_interface_errors(void)
{
	EXPECT_ONLY_ERROR(GROUP("g", "  members: [{host: x1}]\n") DOC
			  "apiVersion: wgf/v1\nkind: Host\nmetadata: {name: x3}\n"
			  "spec: {role: exit, publicKey: I6OkHgtCPh2pjt/cgmQbwc5seW6z/kHM4dygnK8rV04=, "
			  "endpoint: \"203.0.113.1:51820\", addresses: [10.1.0.4/24], exitInterface: wgx-x1}\n", 10, 149,
			  "exit interface \"wgx-x1\" of Host \"x3\" is also Host \"x1\"'s (base.yaml:12:1): every exit needs "
			  "its own, set \"exitInterface\"");
	EXPECT_ONLY_ERROR(GROUP("g", "  members: [{host: x1}]\n") DOC
			  "apiVersion: wgf/v1\nkind: Host\nmetadata: {name: x3}\n"
			  "spec: {role: exit, publicKey: I6OkHgtCPh2pjt/cgmQbwc5seW6z/kHM4dygnK8rV04=, "
			  "endpoint: \"203.0.113.1:51820\", addresses: [10.1.0.4/24], exitInterface: wg0}\n", 10, 149,
			  "exit interface \"wg0\" of Host \"x3\" is the interface of Network \"n\" (base.yaml:2:1): a host "
			  "that uses the exit would need two interfaces of that name; set \"exitInterface\"");
	/* two default names that agree in their first 11 characters */
	EXPECT_ONLY_ERROR("apiVersion: wgf/v1\nkind: Host\nmetadata: {name: frankfurt-exit-1}\n"
			  "spec: {role: exit, publicKey: I6OkHgtCPh2pjt/cgmQbwc5seW6z/kHM4dygnK8rV04=, "
			  "endpoint: \"203.0.113.1:51820\", addresses: [10.1.0.4/24]}\n"
			  DOC "apiVersion: wgf/v1\nkind: Host\nmetadata: {name: frankfurt-exit-2}\n"
			  "spec: {role: exit, publicKey: buQt6xmxGwhNvfH8wYoSb5T023QhMyWC1C5CefT5ZA0=, "
			  "endpoint: \"203.0.113.2:51820\", addresses: [10.1.0.5/24]}\n", 7, 1,
			  "exit interface \"wgx-frankfurt-e\" of Host \"frankfurt-exit-2\" (by default \"wgx-\" and the "
			  "first 11 characters of the name) is also Host \"frankfurt-exit-1\"'s (t.yaml:2:1): every exit "
			  "needs its own, set \"exitInterface\"");
	EXPECT_ONLY_ERROR(ROUTER("  exitInterface: wgx-r\n"), 9, 18,
			  "\"exitInterface\" is for Hosts with role exit: Host \"r\" has role router");
	EXPECT_ONLY_ERROR(ROUTER("  exitInterface: all\n"), 9, 18,
			  "interface name \"all\" is reserved: net.ipv4.conf.all and net.ipv6.conf.all set every interface's sysctls");
	EXPECT_ONLY_ERROR(ROUTER("  exitInterface: [a]\n"), 9, 18, "\"exitInterface\" must be a string, got a list");
}

/* A host's own exit: not through itself, and its group's exits are not its hubs. */
static void test_host_exit_errors(void)
{
	EXPECT_ONLY_ERROR(GROUP("g", "  members: [{host: x1}, {host: x2}]\n") DOC
			  "apiVersion: wgf/v1\nkind: Host\nmetadata: {name: x3}\n"
			  "spec: {role: exit, publicKey: I6OkHgtCPh2pjt/cgmQbwc5seW6z/kHM4dygnK8rV04=, "
			  "endpoint: \"203.0.113.1:51820\", addresses: [10.1.0.4/24], exit: k}\n"
			  DOC GROUP("k", "  members: [{host: x3}, {host: x2}]\n"), 10, 140,
			  "exit: ExitGroup \"k\" has Host \"x3\" itself as a member: an exit cannot send its own traffic "
			  "through itself (use a group of other exits)");
	EXPECT_ONLY_ERROR(GROUP("g", "  members: [{host: x1}]\n") DOC
			  "apiVersion: wgf/v1\nkind: Host\nmetadata: {name: r}\nspec:\n"
			  "  role: router\n  publicKey: buQt6xmxGwhNvfH8wYoSb5T023QhMyWC1C5CefT5ZA0=\n"
			  "  addresses: [10.1.0.5/24]\n  hubs: [h, x1]\n  exit: g\n", 14, 13,
			  "hub \"x1\" is a member of ExitGroup \"g\", which Host \"r\" sends its traffic through "
			  "(t.yaml:15:9): their tunnel moves to the exit interface \"wgx-x1\", so it cannot also be its hub "
			  "(attach it to another hub)");
	/* two exits that send through each other: what one forwards would loop */
	EXPECT_ONLY_ERROR(GROUP("k", "  members: [{host: x4}]\n") DOC GROUP("j", "  members: [{host: x3}, {host: x1}]\n")
			  DOC "apiVersion: wgf/v1\nkind: Host\nmetadata: {name: x3}\n"
			  "spec: {role: exit, publicKey: I6OkHgtCPh2pjt/cgmQbwc5seW6z/kHM4dygnK8rV04=, "
			  "endpoint: \"203.0.113.1:51820\", addresses: [10.1.0.4/24], exit: k}\n"
			  DOC "apiVersion: wgf/v1\nkind: Host\nmetadata: {name: x4}\n"
			  "spec: {role: exit, publicKey: 7zzVKmHSIy4UqVVx3LmjuFPkzC8MS6jJ0vuUXc9mPHE=, "
			  "endpoint: \"203.0.113.2:51820\", addresses: [10.1.0.6/24], exit: j}\n", 21, 140,
			  "exit: exits send their traffic through each other (\"x3\" -> \"x4\" -> \"x3\"): what one "
			  "forwards would come back to it; give one of them \"exit: direct\" or a group without the others");
	/* multi-hop: an exit sends its own traffic through a group of other exits */
	model_free(EXPECT_LOADS(GROUP("g", "  members: [{host: x1}]\n") DOC
				"apiVersion: wgf/v1\nkind: Host\nmetadata: {name: x3}\n"
				"spec: {role: exit, publicKey: I6OkHgtCPh2pjt/cgmQbwc5seW6z/kHM4dygnK8rV04=, "
				"endpoint: \"203.0.113.1:51820\", addresses: [10.1.0.4/24], exit: g}\n"));
}

int main(void)
{
	RUN(test_defaults);
	RUN(test_every_field);
	RUN(test_precedence);
	RUN(test_order);
	RUN(test_use_selectors);
	RUN(test_exit_forms);
	RUN(test_durations);
	RUN(test_group_errors);
	RUN(test_health_errors);
	RUN(test_use_errors);
	RUN(test_use_twice);
	RUN(test_exit_errors);
	RUN(test_exit_other_network);
	RUN(test_exit_interface_errors);
	RUN(test_host_exit_errors);
	UNIT_DONE();
}
