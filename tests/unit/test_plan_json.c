/* A plan serialised to JSON and read back is the same plan (plan_equal), writes
 * the same JSON and prints the same text: for every host of every example, from
 * nothing (everything created) and from a drifted host (updates, removals, a
 * key change, firewall drift). And plan_equal sees every kind of difference. */
#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "reconcile/plan/fw_record.h"
#include "reconcile/plan/plan.h"
#include "reconcile/plan/plan_json.h"
#include "render/render.h"
#include "tests/unit/unit.h"

#define NOW 1767225600   /* 2026-01-01 */

static char *json_text(const struct plan *p)
{
	struct json_object *o = plan_to_json(p);
	char *s = o ? strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)) : NULL;

	json_object_put(o);
	return s;
}

static char *text_of(const struct plan *p)
{
	struct plan_print_opts po = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	plan_print_text(p, &po, f);
	fclose(f);
	return buf;
}

/* p to JSON and back: equal, the same JSON, the same text. Returns the copy. */
static struct plan *round_trip(const struct plan *p, const char *what)
{
	struct wgf_error err = { 0 };
	struct plan *q = NULL;
	struct json_object *o = plan_to_json(p);
	char *j1 = json_text(p), *j2 = NULL, *t1 = text_of(p), *t2 = NULL;
	const char *why = NULL;

	CHECK(o != NULL);
	CHECK_INT(plan_from_json(o, &q, &err), 0);
	if (err.code)
		fprintf(stderr, "#  %s: %s\n", what, wgf_error_message(&err));
	if (q) {
		if (!plan_equal(p, q, &why))
			fprintf(stderr, "#  %s: not equal: %s\n", what, why);
		CHECK(plan_equal(p, q, NULL));
		j2 = json_text(q);
		t2 = text_of(q);
		CHECK_STR(j2, j1);
		CHECK_STR(t2, t1);
	}
	json_object_put(o);
	wgf_error_clear(&err);
	free(j1);
	free(j2);
	free(t1);
	free(t2);
	return q;
}

/* The host as it would be after someone changed things by hand, and an older
 * interface wgf made and no longer wants. */
static struct host_state *drifted(const struct host_state *want)
{
	struct host_state *hs = hoststate_dup(want);
	struct hs_route stray = { .ifname = "wgold", .table = HS_ROUTE_TABLE_MAIN };
	struct wgf_prefix extra;
	struct hs_device *old;

	for (size_t i = 0; i < hs->n_devices; i++) {
		struct hs_device *d = &hs->devices[i];
		d->exists = true;
		d->backend = HS_BACKEND_KERNEL;
		d->private_key[5] ^= 0x55;
		d->listen_port++;
		d->mtu = 1280;
		d->up = false;
		if (d->n_peers > 1) {
			hs_peer_clear(&d->peers[--d->n_peers]);
			d->peers[0].keepalive += 5;
			d->peers[0].has_psk = true;
			d->peers[0].psk[0] = 1;
			if (d->peers[0].n_allowed_ips > 1)
				d->peers[0].n_allowed_ips--;
			prefix_parse("10.250.0.1/32", false, &extra);
			hs_peer_add_allowed_ip(&d->peers[d->n_peers - 1], &extra);
		}
		prefix_parse("10.251.0.1/24", false, &extra);
		hs_device_add_address(d, &extra);
	}
	old = hoststate_add_device(hs, "wgold");
	old->exists = true;
	prefix_parse("10.252.0.0/24", false, &stray.dst);
	hoststate_add_route(hs, &stray);
	for (size_t i = 0; i < hs->n_routes; i++)
		hs->routes[i].metric += 7;
	for (size_t i = 0; i < hs->n_sysctls; i++) {
		free(hs->sysctls[i].value);
		hs->sysctls[i].value = strdup("0");
	}
	if (hs->firewall.present) {
		free(hs->firewall.body);
		hs->firewall.body = strdup("table inet wgf {\n\tchain by_hand {\n\t\ttcp dport 22 accept\n\t}\n}\n");
	}
	hoststate_normalize(hs);
	return hs;
}

static void plan_host(const struct model *m, const struct model_host *h, size_t *n_plans, size_t *n_actions)
{
	uint8_t key[WG_KEY_LEN];
	struct render_opts ro = { .now = NOW, .private_key = key };
	struct peer_notice_opts no = { .now = NOW, .warn_days = 400, .host = h };
	struct host_state *want = NULL, *want2 = NULL, *have;
	struct fw_record *rec = NULL;
	const char *owned[] = { "wgold" };
	struct diff_opts o = { .owned_ifnames = owned, .n_owned = 1 };
	char what[128];

	for (int i = 0; i < WG_KEY_LEN; i++)
		key[i] = (uint8_t)(i * 7 + 3);
	CHECK_INT(render_host(m, h, &ro, &want), 0);
	CHECK_INT(render_host(m, h, &ro, &want2), 0);
	if (!want || !want2)
		return;
	for (int from_drift = 0; from_drift < 2; from_drift++) {
		struct host_state *w = from_drift ? want2 : want;
		struct plan *p = NULL, *q;

		have = from_drift ? drifted(w) : hoststate_new();
		if (from_drift && w->firewall.present) {
			struct hs_firewall applied = { .body = strdup("chain old {\n}\n") };
			hs_firewall_add_item(&applied, "access/peer/zz-gone", "full");
			CHECK_INT(fw_record_new(&applied, "table inet wgf {\n}\n", &rec), 0);
			hs_firewall_clear(&applied);
			o.fw_applied = rec;
		}
		free(w->host_name);
		w->host_name = strdup(h->meta.name);
		CHECK_INT(diff_host_states(w, have, &o, &p), 0);
		o.fw_applied = NULL;
		if (!p)
			continue;
		p->source = strdup(m->source);
		CHECK_INT(peer_notices_collect(m, &no, &p->notices), 0);
		snprintf(what, sizeof(what), "%s, host %s, %s", m->source, h->meta.name, from_drift ? "drifted" : "empty");
		q = round_trip(p, what);
		(*n_plans)++;
		*n_actions += p->n_actions;
		plan_free(q);
		plan_free(p);
		fw_record_free(rec);
		rec = NULL;
	}
}

static void test_every_example_round_trips(void)
{
	DIR *dir = opendir("examples");
	struct dirent *e;
	size_t n_plans = 0, n_actions = 0, n_examples = 0;
	char path[512];

	CHECK(dir != NULL);
	while (dir && (e = readdir(dir))) {
		struct model *m = NULL;
		struct diag d;

		if (e->d_name[0] == '.' || e->d_type != DT_DIR)
			continue;
		snprintf(path, sizeof(path), "examples/%s", e->d_name);
		diag_init(&d);
		CHECK_INT(model_load_dir(path, &m, &d), 0);
		diag_free(&d);
		if (!m)
			continue;
		n_examples++;
		for (size_t i = 0; i < m->n_hosts; i++)
			plan_host(m, &m->hosts[i], &n_plans, &n_actions);
		model_free(m);
	}
	if (dir)
		closedir(dir);
	/* every example, every host, both ways; and enough happened to mean something */
	CHECK(n_examples >= 5);
	CHECK(n_plans >= 2 * n_examples);
	CHECK(n_actions > 100);
}

/* plan_equal is not "always true": each kind of difference is seen. */
static void test_equal_sees_differences(void)
{
	DIR *dir = NULL;
	struct model *m = NULL;
	struct diag d;
	struct host_state *want = NULL, *have;
	struct plan *p = NULL, *q = NULL;
	struct render_opts ro = { .now = NOW };
	struct wgf_error err = { 0 };
	struct json_object *o;
	const char *why;

	(void)dir;
	diag_init(&d);
	CHECK_INT(model_load_dir("examples/home-access", &m, &d), 0);
	diag_free(&d);
	if (!m)
		return;
	CHECK_INT(render_host(m, &m->hosts[0], &ro, &want), 0);
	have = drifted(want);
	CHECK_INT(diff_host_states(want, have, NULL, &p), 0);
	o = plan_to_json(p);
	CHECK_INT(plan_from_json(o, &q, &err), 0);
	json_object_put(o);
	if (!p || !q)
		goto out;
	CHECK(plan_equal(p, q, &why));
	for (size_t i = 0; i < q->n_actions; i++) {
		struct plan_action *a = &q->actions[i];
		if (a->obj == PLAN_OBJ_PEER && a->op == PLAN_UPDATE) {
			a->u.peer.set_psk = !a->u.peer.set_psk;
			CHECK(!plan_equal(p, q, &why));
			CHECK_STR(why, "what an action sends");
			a->u.peer.set_psk = !a->u.peer.set_psk;
			((struct hs_peer *)a->peer_desired)->keepalive += 1;
			a->u.peer.set_keepalive = p->actions[i].u.peer.set_keepalive;
			if (a->u.peer.set_keepalive) {
				CHECK(!plan_equal(p, q, &why));
				CHECK_STR(why, "a field's value before or after");
			}
			((struct hs_peer *)a->peer_desired)->keepalive -= 1;
		}
		if (a->obj == PLAN_OBJ_ROUTE) {
			a->u.route.metric++;
			CHECK(!plan_equal(p, q, NULL));
			a->u.route.metric--;
		}
	}
	CHECK(plan_equal(p, q, &why));
	free(q->source);
	q->source = strdup("elsewhere");
	CHECK(!plan_equal(p, q, &why));
	CHECK_STR(why, "the host or the source");
out:
	wgf_error_clear(&err);
	plan_free(p);
	plan_free(q);
	model_free(m);
}

static void rule(struct host_state *hs, int family, uint32_t prio, const char *src, const char *dst, uint32_t table)
{
	struct hs_rule r = { .family = family, .priority = prio, .table = table, .suppress_prefixlen = -1 };

	r.src.family = r.dst.family = (uint8_t)family;
	if (src)
		CHECK(prefix_parse(src, false, &r.src));
	if (dst)
		CHECK(prefix_parse(dst, false, &r.dst));
	CHECK_INT(hoststate_add_rule(hs, &r), 0);
}

static void route_kind(struct host_state *hs, const char *ifname, const char *dst, uint32_t table,
		       enum hs_route_type type, const char *src)
{
	struct hs_route r = { .table = table, .type = type };

	snprintf(r.ifname, sizeof(r.ifname), "%s", ifname);
	CHECK(prefix_parse(dst, false, &r.dst));
	if (src)
		CHECK(prefix_parse(src, true, &r.prefsrc));
	r.has_prefsrc = src != NULL;
	CHECK_INT(hoststate_add_route(hs, &r), 0);
}

/* Rules (created, deleted, every field) and route kinds (blackhole, throw,
 * prefsrc; created, changed, deleted) come back the same, and a rule that
 * differs is a different plan. */
static void test_rules_and_route_kinds(void)
{
	struct host_state *want = hoststate_new(), *have = hoststate_new();
	struct plan *p = NULL, *q;
	struct hs_rule full = { .family = AF_INET, .priority = 20900, .table = 52000, .has_fwmark = true,
				.invert = true, .fwmark = 51820, .iifname = "wg0", .suppress_prefixlen = 0 };
	size_t n_rules = 0;

	hoststate_add_device(want, "wg0");
	hoststate_add_device(have, "wg0")->exists = true;
	rule(want, AF_INET, 20000, NULL, NULL, HS_ROUTE_TABLE_MAIN);
	rule(want, AF_INET6, 20100, "fd00:8::/64", "2001:db8::/32", 52001);
	CHECK_INT(hoststate_add_rule(want, &full), 0);
	full.fwmask = 0xff00;
	full.has_fwmark = true;
	CHECK_INT(hoststate_add_rule(have, &full), 0);
	rule(have, AF_INET, 20100, "10.8.0.0/24", NULL, 52002);
	route_kind(want, "", "0.0.0.0/0", 52001, HS_ROUTE_BLACKHOLE, NULL);
	route_kind(want, "", "::/0", 52001, HS_ROUTE_THROW, NULL);
	route_kind(have, "", "::/0", 52001, HS_ROUTE_BLACKHOLE, NULL);
	route_kind(want, "wg0", "0.0.0.0/0", 52002, HS_ROUTE_UNICAST, "10.8.0.1");
	route_kind(have, "wg0", "0.0.0.0/0", 52002, HS_ROUTE_UNICAST, NULL);
	route_kind(want, "wg0", "::/0", 52002, HS_ROUTE_UNICAST, "fd00:8::1");
	route_kind(have, "", "0.0.0.0/0", 52009, HS_ROUTE_THROW, NULL);
	hoststate_normalize(want);
	hoststate_normalize(have);
	CHECK_INT(diff_host_states(want, have, NULL, &p), 0);
	if (!p)
		return;
	for (size_t i = 0; i < p->n_actions; i++)
		n_rules += p->actions[i].obj == PLAN_OBJ_RULE;
	CHECK_INT(n_rules, 5);
	CHECK_INT(p->n_actions, 10);
	q = round_trip(p, "rules and route kinds");
	for (size_t i = 0; q && i < q->n_actions; i++) {
		struct plan_action *a = &q->actions[i];

		if (a->obj == PLAN_OBJ_RULE) {
			a->u.rule.invert = !a->u.rule.invert;
			CHECK(!plan_equal(p, q, NULL));
			a->u.rule.invert = !a->u.rule.invert;
		}
		if (a->obj == PLAN_OBJ_ROUTE) {
			a->u.route.type = a->u.route.type == HS_ROUTE_THROW ? HS_ROUTE_BLACKHOLE : HS_ROUTE_THROW;
			CHECK(!plan_equal(p, q, NULL));
			a->u.route.type = p->actions[i].u.route.type;
		}
	}
	CHECK(q && plan_equal(p, q, NULL));
	plan_free(q);
	plan_free(p);
}

/* What is not a plan is refused, with where. */
static void test_bad_json(void)
{
	static const char *const cases[][2] = {
		{ "{\"format_version\":1,\"changes\":[]}", "format_version" },
		{ "{\"format_version\":2}", "changes: expected a list" },
		{ "{\"format_version\":2,\"changes\":[{\"action\":\"explode\",\"object\":\"peer\"}],\"peer_notices\":[]}",
		  "changes[0]: expected an object with an action and an object" },
		{ "{\"format_version\":2,\"changes\":[{\"action\":\"create\",\"object\":\"peer\",\"interface\":\"wg0\","
		  "\"public_key\":\"nope\",\"fields\":[]}],\"peer_notices\":[]}", "changes[0]: public_key" },
		{ "{\"format_version\":2,\"changes\":[{\"action\":\"create\",\"object\":\"address\",\"interface\":"
		  "\"wg0\",\"name\":\"10.0.0.300/24\",\"fields\":[]}],\"peer_notices\":[]}", "changes[0]: name" },
		{ "{\"format_version\":2,\"changes\":[{\"action\":\"create\",\"object\":\"interface\",\"interface\":"
		  "\"a-name-far-too-long-for-linux\",\"fields\":[]}],\"peer_notices\":[]}", "changes[0]: interface" },
		{ "{\"format_version\":2,\"changes\":[{\"action\":\"create\",\"object\":\"rule\",\"name\":\"x\","
		  "\"rule\":{\"family\":4,\"priority\":100,\"from\":null,\"to\":null,\"iif\":null,\"fwmark\":null,"
		  "\"fwmask\":null,\"not\":false,\"table\":254,\"suppress_prefixlength\":0},\"fields\":[]}],"
		  "\"peer_notices\":[]}", "changes[0]: rule: priority: expected 20000 to 20999" },
		{ "{\"format_version\":2,\"changes\":[{\"action\":\"update\",\"object\":\"rule\",\"name\":\"x\","
		  "\"fields\":[]}],\"peer_notices\":[]}", "changes[0]: a rule is never updated" },
		{ "{\"format_version\":2,\"changes\":[{\"action\":\"create\",\"object\":\"rule\",\"interface\":\"wg0\","
		  "\"name\":\"x\",\"fields\":[]}],\"peer_notices\":[]}", "changes[0]: interface: a rule belongs to no interface" },
		{ "{\"format_version\":2,\"changes\":[{\"action\":\"create\",\"object\":\"route\",\"interface\":\"wg0\","
		  "\"name\":\"0.0.0.0/0\",\"route\":{\"table\":52000,\"metric\":0,\"type\":\"blackhole\","
		  "\"prefsrc\":null},\"fields\":[]}],\"peer_notices\":[]}", "changes[0]: route: interface: a route out of" },
		{ "{\"format_version\":2,\"changes\":[{\"action\":\"create\",\"object\":\"route\",\"interface\":\"wg0\","
		  "\"name\":\"0.0.0.0/0\",\"route\":{\"table\":52000,\"metric\":0,\"type\":\"unicast\","
		  "\"prefsrc\":\"fd00::1\"},\"fields\":[]}],\"peer_notices\":[]}", "changes[0]: route: prefsrc" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *o = json_tokener_parse(cases[i][0]);
		struct wgf_error err = { 0 };
		struct plan *p = NULL;

		CHECK(o != NULL);
		CHECK_INT(plan_from_json(o, &p, &err), -EBADMSG);
		CHECK(p == NULL);
		CHECK(strstr(wgf_error_message(&err), cases[i][1]) != NULL);
		if (!strstr(wgf_error_message(&err), cases[i][1]))
			fprintf(stderr, "#  case %zu: %s\n", i, wgf_error_message(&err));
		wgf_error_clear(&err);
		json_object_put(o);
	}
}

int main(void)
{
	RUN(test_every_example_round_trips);
	RUN(test_equal_sees_differences);
	RUN(test_rules_and_route_kinds);
	RUN(test_bad_json);
	UNIT_DONE();
}
