/* Policy rules and route kinds in a HostState: the rule's normal form, order and
 * words (hoststate), a deep copy, what a switched route is satisfied by, and
 * both files that carry them (a snapshot, a saved plan's desired state) written
 * and read back, older files without rules read as none, hostile ones refused. */
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "model/hoststate.h"
#include "reconcile/host/snapshot.h"
#include "reconcile/plan/saved_plan_state.h"
#include "tests/unit/unit.h"

static void pfx(const char *s, struct wgf_prefix *p)
{
	CHECK(prefix_parse(s, true, p));
}

static struct hs_rule rule_of(int family, uint32_t prio, const char *src, uint32_t table)
{
	struct hs_rule r = { .family = family, .priority = prio, .table = table, .suppress_prefixlen = -1 };

	if (src)
		pfx(src, &r.src);
	return r;
}

/* Normalizing makes one spelling per rule, sorts by family then priority, and
 * drops a repeat; format says the rule in `ip rule` words. */
static void test_normal_form_and_words(void)
{
	struct host_state *hs = hoststate_new(), *copy;
	struct hs_rule a = rule_of(AF_INET6, 20000, NULL, HS_ROUTE_TABLE_MAIN), b = rule_of(AF_INET, 20100, "10.8.0.9/24", 52001);
	struct hs_rule c = rule_of(AF_INET, 20900, NULL, 52000), d = b;
	char buf[HS_RULE_STRLEN];

	a.suppress_prefixlen = 0;
	c.has_fwmark = c.invert = true;
	c.fwmark = 51820;
	c.fwmask = UINT32_MAX;
	d.fwmark = 7;                   /* no has_fwmark: not a mark */
	CHECK_INT(hoststate_add_rule(hs, &a), 0);
	CHECK_INT(hoststate_add_rule(hs, &b), 0);
	CHECK_INT(hoststate_add_rule(hs, &c), 0);
	CHECK_INT(hoststate_add_rule(hs, &d), 0);
	hoststate_normalize(hs);
	CHECK_INT(hs->n_rules, 3);
	if (hs->n_rules != 3)
		goto out;
	CHECK_STR(hs_rule_format(&hs->rules[0], buf), "20100: from 10.8.0.0/24 lookup 52001");
	CHECK_STR(hs_rule_format(&hs->rules[1], buf), "20900: not from all fwmark 0xca6c lookup 52000 (IPv4)");
	CHECK_INT(hs->rules[1].fwmask, 0);
	CHECK_STR(hs_rule_format(&hs->rules[2], buf), "20000: from all lookup main suppress_prefixlength 0 (IPv6)");
	CHECK(hs_rule_cmp(&hs->rules[0], &hs->rules[1]) < 0 && hs_rule_cmp(&hs->rules[1], &hs->rules[2]) < 0);
	c = rule_of(AF_INET6, 20150, "fd00::/64", 7);
	pfx("2001:db8::/32", &c.dst);
	strcpy(c.iifname, "wg0");
	c.has_fwmark = true;
	c.fwmark = 1;
	c.fwmask = 0xff;
	CHECK_STR(hs_rule_format(&c, buf), "20150: from fd00::/64 to 2001:db8::/32 iif wg0 fwmark 0x1/0xff lookup 7");
	copy = hoststate_dup(hs);
	CHECK(copy && copy->n_rules == 3 && copy->rules != hs->rules);
	CHECK(copy && !memcmp(copy->rules, hs->rules, 3 * sizeof(*hs->rules)));
	CHECK(copy && hoststate_add_rule(copy, &c) == 0 && copy->n_rules == 4);
	hoststate_free(copy);
out:
	hoststate_free(hs);
}

static struct hs_route route_of(const char *ifname, const char *dst, uint32_t table, enum hs_route_type type)
{
	struct hs_route r = { .table = table, .type = type };

	snprintf(r.ifname, sizeof(r.ifname), "%s", ifname);
	pfx(dst, &r.dst);
	return r;
}

static void test_switched_satisfied_by(void)
{
	struct host_state *want = hoststate_new();
	struct hs_route sw = route_of("wgx-a", "0.0.0.0/0", 52000, HS_ROUTE_UNICAST), have;

	sw.switched = true;
	hoststate_add_device(want, "wgx-a");
	hoststate_add_device(want, "wgx-b");
	hoststate_normalize(want);
	have = route_of("wgx-b", "0.0.0.0/0", 52000, HS_ROUTE_UNICAST);
	CHECK(hs_route_satisfies(&sw, &have, want));
	have = route_of("", "0.0.0.0/0", 52000, HS_ROUTE_BLACKHOLE);
	CHECK(hs_route_satisfies(&sw, &have, want));
	have = route_of("", "0.0.0.0/0", 52000, HS_ROUTE_THROW);
	CHECK(hs_route_satisfies(&sw, &have, want));
	have = route_of("eth0", "0.0.0.0/0", 52000, HS_ROUTE_UNICAST);
	CHECK(!hs_route_satisfies(&sw, &have, want));
	have = route_of("wgx-a", "0.0.0.0/0", 52001, HS_ROUTE_UNICAST);
	CHECK(!hs_route_satisfies(&sw, &have, want));
	have = route_of("wgx-a", "10.0.0.0/8", 52000, HS_ROUTE_UNICAST);
	CHECK(!hs_route_satisfies(&sw, &have, want));
	CHECK_STR(hs_route_type_name(HS_ROUTE_THROW), "throw");
	CHECK_INT(hs_route_type_from_name("blackhole"), HS_ROUTE_BLACKHOLE);
	CHECK_INT(hs_route_type_from_name("prohibit"), -1);
	hoststate_free(want);
}

/* A state with rules of both families and every route kind. */
static struct host_state *sample(bool switched)
{
	struct host_state *hs = hoststate_new();
	struct hs_rule r = rule_of(AF_INET, 20900, NULL, 52000);
	struct hs_route rt;

	hoststate_add_device(hs, "wgx-a")->exists = true;
	r.has_fwmark = r.invert = true;
	r.fwmark = 51820;
	hoststate_add_rule(hs, &r);
	r = rule_of(AF_INET6, 20100, "fd00:8::/64", 52001);
	pfx("2001:db8::/32", &r.dst);
	strcpy(r.iifname, "wgx-a");
	r.suppress_prefixlen = 0;
	hoststate_add_rule(hs, &r);
	rt = route_of("", "0.0.0.0/0", 52001, HS_ROUTE_BLACKHOLE);
	hoststate_add_route(hs, &rt);
	rt = route_of("", "::/0", 52001, HS_ROUTE_THROW);
	hoststate_add_route(hs, &rt);
	rt = route_of("wgx-a", "0.0.0.0/0", 52000, HS_ROUTE_UNICAST);
	pfx("10.8.0.1", &rt.prefsrc);
	rt.has_prefsrc = true;
	rt.switched = switched;
	hoststate_add_route(hs, &rt);
	hoststate_normalize(hs);
	return hs;
}

static bool same_rules_and_routes(const struct host_state *a, const struct host_state *b)
{
	if (a->n_rules != b->n_rules || a->n_routes != b->n_routes)
		return false;
	for (size_t i = 0; i < a->n_rules; i++)
		if (hs_rule_cmp(&a->rules[i], &b->rules[i]))
			return false;
	for (size_t i = 0; i < a->n_routes; i++) {
		const struct hs_route *x = &a->routes[i], *y = &b->routes[i];
		if (hs_route_cmp(x, y) || x->type != y->type || x->has_prefsrc != y->has_prefsrc ||
		    (x->has_prefsrc && !prefix_equal(&x->prefsrc, &y->prefsrc)) || x->switched != y->switched ||
		    x->metric != y->metric)
			return false;
	}
	return true;
}

static char *replace(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	char *out;

	if (!at)
		return NULL;
	out = malloc(strlen(text) - strlen(from) + strlen(to) + 1);
	if (!out)
		return NULL;
	memcpy(out, text, (size_t)(at - text));
	strcpy(out + (at - text), to);
	strcat(out, at + strlen(from));
	return out;
}

static int parse_snapshot(const char *text, struct snapshot *snap, struct wgf_error *err)
{
	return snapshot_parse(text, strlen(text), snap, err);
}

static void test_snapshot_round_trip(void)
{
	struct host_state *hs = sample(false);
	struct statedir_records rec = {0};
	struct snapshot snap = {0};
	struct wgf_error err = {0};
	struct json_object *j = snapshot_to_json("h", hs, &rec);
	const char *text = j ? json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : "";
	char *old = NULL, *bad = NULL;
	uint8_t d1[SNAPSHOT_DIGEST_LEN], d2[SNAPSHOT_DIGEST_LEN];

	CHECK_INT(parse_snapshot(text, &snap, &err), 0);
	CHECK(snap.observed && same_rules_and_routes(hs, snap.observed));
	CHECK(strstr(text, "\"interface\":null,\"destination\":\"0.0.0.0/0\"") != NULL);
	snapshot_clear(&snap);

	/* a snapshot from before rules: none */
	old = replace(text, strstr(text, "\"rules\":[") ? "\"rules\":[" : "?", "\"x_rules\":[");
	CHECK(old != NULL);
	CHECK_INT(old ? parse_snapshot(old, &snap, &err) : -1, 0);
	CHECK(snap.observed && snap.observed->n_rules == 0 && snap.observed->n_routes == 3);
	snapshot_clear(&snap);

	/* outside wgf's range, or a prefsrc of the other family: refused */
	bad = replace(text, "\"priority\":20900", "\"priority\":32766");
	CHECK_INT(bad ? parse_snapshot(bad, &snap, &err) : 0, -EBADMSG);
	CHECK(strstr(wgf_error_message(&err), "rules[0]: priority: expected 20000 to 20999") != NULL);
	free(bad);
	wgf_error_clear(&err);
	bad = replace(text, "\"prefsrc\":\"10.8.0.1\"", "\"prefsrc\":\"fd00::1\"");
	CHECK_INT(bad ? parse_snapshot(bad, &snap, &err) : 0, -EBADMSG);
	CHECK(strstr(wgf_error_message(&err), "prefsrc") != NULL);
	free(bad);
	wgf_error_clear(&err);

	/* the digest sees a rule and a route's kind */
	CHECK_INT(snapshot_digest("h", hs, &rec, d1), 0);
	hs->rules[0].invert = !hs->rules[0].invert;
	CHECK_INT(snapshot_digest("h", hs, &rec, d2), 0);
	CHECK(memcmp(d1, d2, sizeof(d1)) != 0);
	hs->rules[0].invert = !hs->rules[0].invert;
	hs->routes[0].type = HS_ROUTE_THROW;
	CHECK_INT(snapshot_digest("h", hs, &rec, d2), 0);
	CHECK(memcmp(d1, d2, sizeof(d1)) != 0);
	free(old);
	json_object_put(j);
	hoststate_free(hs);
}

/* A saved plan's fingerprint reads a switched route only as "there is one":
 * watch pointing it at another member does not make the plan stale. */
static void test_fingerprint_switched(void)
{
	struct host_state *want = sample(true), *have = sample(false);
	struct statedir_records rec = {0};
	uint8_t f1[SNAPSHOT_DIGEST_LEN], f2[SNAPSHOT_DIGEST_LEN];
	struct hs_route *r = NULL;

	hoststate_add_device(want, "wgx-b");
	hoststate_normalize(want);
	for (size_t i = 0; i < have->n_routes; i++)
		if (have->routes[i].table == 52000)
			r = &have->routes[i];
	CHECK(r != NULL);
	if (!r)
		goto out;
	snapshot_fingerprint("h", have, &rec, want, f1);
	strcpy(r->ifname, "wgx-b");
	snapshot_fingerprint("h", have, &rec, want, f2);
	CHECK(!memcmp(f1, f2, sizeof(f1)));
	r->ifname[0] = '\0';
	r->type = HS_ROUTE_BLACKHOLE;
	snapshot_fingerprint("h", have, &rec, want, f2);
	CHECK(!memcmp(f1, f2, sizeof(f1)));
	strcpy(r->ifname, "eth0");
	r->type = HS_ROUTE_UNICAST;
	snapshot_fingerprint("h", have, &rec, want, f2);
	CHECK(memcmp(f1, f2, sizeof(f1)) != 0);
out:
	hoststate_free(want);
	hoststate_free(have);
}

static void test_saved_state_round_trip(void)
{
	struct host_state *hs = sample(true), *back = NULL;
	struct wgf_error err = {0};
	struct json_object *j = NULL, *o;
	const char *text;
	char *bad;

	CHECK_INT(saved_state_to_json(hs, &j, &err), 0);
	CHECK_INT(j ? saved_state_from_json(j, "desired", &back, &err) : -1, 0);
	CHECK(back && same_rules_and_routes(hs, back));
	hoststate_free(back);
	back = NULL;
	/* a repeated rule is refused: the diff's walk needs one of each */
	text = j ? json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : "";
	bad = replace(text, "\"rules\":[{", "\"rules\":[{\"family\":4,\"priority\":20900,\"from\":null,\"to\":null,"
		      "\"iif\":null,\"fwmark\":51820,\"fwmask\":0,\"not\":true,\"table\":52000,"
		      "\"suppress_prefixlength\":null},{");
	o = bad ? json_tokener_parse(bad) : NULL;
	CHECK_INT(o ? saved_state_from_json(o, "desired", &back, &err) : 0, -EBADMSG);
	CHECK(strstr(wgf_error_message(&err), "desired.rules: a rule is listed twice") != NULL);
	wgf_error_clear(&err);
	json_object_put(o);
	free(bad);
	json_object_put(j);
	hoststate_free(hs);
}

int main(void)
{
	RUN(test_normal_form_and_words);
	RUN(test_switched_satisfied_by);
	RUN(test_snapshot_round_trip);
	RUN(test_fingerprint_switched);
	RUN(test_saved_state_round_trip);
	UNIT_DONE();
}
