/* DNS of wgf's interfaces: a Host's dns rendered on its interface, the plan's
 * dns changes (made last, removed first, never drift for what the manager
 * decides), plan errors without systemd-resolved, plans, saved plans and
 * snapshots carrying it, apply and rollback against the fake kernel, and the
 * resolvconf record parser. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "model/diag.h"
#include "model/model.h"
#include "reconcile/host/apply.h"
#include "reconcile/host/observe.h"
#include "reconcile/host/snapshot.h"
#include "reconcile/kernel/dns_resolvconf.h"
#include "reconcile/plan/plan.h"
#include "reconcile/plan/plan_json.h"
#include "reconcile/plan/saved_plan_state.h"
#include "render/render.h"
#include "tests/unit/kernel_fake.h"
#include "tests/unit/unit.h"

#define K1 "nvxiIrZiEXsUVsSiztvMMslEl483akOdYQiZbPy2xR8="
#define K2 "I6OkHgtCPh2pjt/cgmQbwc5seW6z/kHM4dygnK8rV04="

static const char *const no_owned[] = { NULL };

static struct hs_dns *add_dns(struct host_state *hs, const char *ifname, const char *const *servers,
			      const char *const *search, const char *const *routing, enum hs_dns_route dr)
{
	struct hs_dns *d = hoststate_add_dns(hs, ifname);
	struct wgf_prefix p;

	for (size_t i = 0; servers && servers[i]; i++) {
		CHECK(prefix_parse(servers[i], true, &p));
		hs_dns_add_server(d, &p);
	}
	for (size_t i = 0; search && search[i]; i++)
		hs_dns_add_search(d, search[i]);
	for (size_t i = 0; routing && routing[i]; i++)
		hs_dns_add_routing(d, routing[i]);
	d->default_route = dr;
	return d;
}

#define L(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* wg0 with an address, and DNS on it when split says so. */
static struct host_state *want_state(bool dns, bool split)
{
	struct host_state *hs = hoststate_new();
	struct hs_device *d = hoststate_add_device(hs, "wg0");
	struct wgf_prefix a;

	hs->host_name = strdup("gw");
	d->up = true;
	d->mtu = 1420;
	d->listen_port = 51820;
	d->has_private_key = true;
	memset(d->private_key, 0x42, WG_KEY_LEN);
	key_clamp(d->private_key);
	prefix_parse("10.10.0.1/24", true, &a);
	hs_device_add_address(d, &a);
	if (dns && split)
		add_dns(hs, "wg0", L("10.10.0.53"), NULL, L("corp.test"), HS_DNS_ROUTE_NO)->origin =
			strdup("hosts/gw.yaml:9:5");
	else if (dns)
		add_dns(hs, "wg0", L("10.10.0.53", "fd10::53"), L("corp.test"), NULL, HS_DNS_ROUTE_AUTO)->origin =
			strdup("hosts/gw.yaml:9:5");
	hoststate_normalize(hs);
	return hs;
}

static struct host_state *observe(struct kernel_fake *f, const char *const *owned)
{
	const char *names[4] = { "wg0" };
	struct observe_opts oo = { .ifnames = names, .n_ifnames = 1 };
	struct wgf_error err = {0};
	struct host_state *hs = NULL;

	for (size_t i = 0; owned[i] && oo.n_ifnames < 4; i++)
		names[oo.n_ifnames++] = owned[i];
	CHECK_INT(observe_host(&f->k, &oo, &hs, &err), 0);
	if (wgf_error_is_set(&err))
		fprintf(stderr, "  observe: %s\n", wgf_error_message(&err));
	wgf_error_clear(&err);
	return hs;
}

static struct plan *plan_for(struct kernel_fake *f, const struct host_state *want, const char *const *owned)
{
	struct diff_opts o = { .owned_ifnames = owned };
	struct host_state *have = observe(f, owned);
	struct plan *p = NULL;

	while (owned[o.n_owned])
		o.n_owned++;
	if (have)
		CHECK_INT(diff_host_states(hoststate_dup(want), have, &o, &p), 0);
	return p;
}

static int apply(struct kernel_fake *f, const struct plan *p, struct apply_result *res)
{
	struct apply_opts o = { .backend = HS_BACKEND_KERNEL };

	return apply_plan(&f->k, p, &o, res);
}

static size_t count(const struct plan *p, enum plan_obj obj, enum plan_op op)
{
	size_t n = 0;

	for (size_t i = 0; p && i < p->n_actions; i++)
		n += p->actions[i].obj == obj && p->actions[i].op == op;
	return n;
}

static char *plan_text(const struct plan *p)
{
	char *s = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&s, &len);

	plan_print_text(p, &(struct plan_print_opts){0}, m);
	fclose(m);
	return s;
}

/* A Host's dns lands on its interface, whole, with where it was said; a host
 * without one has none (nothing inherited from its Network). */
static void test_render(void)
{
	static const char net[] = "apiVersion: wgf/v1\nkind: Network\nmetadata: {name: n}\nspec:\n"
				  "  addressPools: {ipv4: 10.10.0.0/24}\n  dns: {servers: [10.10.0.99]}\n";
	static const char gw[] = "apiVersion: wgf/v1\nkind: Host\nmetadata: {name: gw}\nspec:\n"
				 "  publicKey: " K1 "\n  addresses: [10.10.0.1/24]\n  role: hub\n"
				 "  endpoint: 192.0.2.1:51820\n  dns:\n    servers: [10.10.0.53]\n"
				 "    routing: [corp.test]\n    defaultRoute: false\n";
	static const char h2[] = "apiVersion: wgf/v1\nkind: Host\nmetadata: {name: h2}\nspec:\n"
				 "  publicKey: " K2 "\n  addresses: [10.10.0.2/24]\n";
	const char *names[] = { "net.yaml", "hosts/gw.yaml", "hosts/h2.yaml" }, *bufs[] = { net, gw, h2 };
	size_t lens[] = { sizeof(net) - 1, sizeof(gw) - 1, sizeof(h2) - 1 };
	struct render_opts o = { .now = 1767225600 };
	struct host_state *hs = NULL;
	struct model *m = NULL;
	struct diag d;

	diag_init(&d);
	CHECK_INT(model_load_buffers(names, bufs, lens, 3, &m, &d), 0);
	if (!m) {
		diag_free(&d);
		return;
	}
	CHECK_INT(render_host(m, model_find_host(m, "gw"), &o, &hs), 0);
	CHECK(hs && hs->n_dns == 1);
	if (hs && hs->n_dns == 1) {
		const struct hs_dns *x = &hs->dns[0];
		CHECK_STR(x->ifname, "wg0");
		CHECK(x->n_servers == 1 && x->n_search == 0 && x->n_routing == 1);
		CHECK_STR(x->routing[0], "corp.test");
		CHECK(x->default_route == HS_DNS_ROUTE_NO);
		CHECK_STR(x->origin, "hosts/gw.yaml:10:5");
	}
	hoststate_free(hs);
	hs = NULL;
	CHECK_INT(render_host(m, model_find_host(m, "h2"), &o, &hs), 0);
	CHECK(hs && hs->n_dns == 0);
	hoststate_free(hs);
	model_free(m);
	diag_free(&d);
}

/* New link: DNS is the last change, after the link; the next plan is empty;
 * the text and JSON say it. */
static void test_create_last_then_converged(void)
{
	struct host_state *want = want_state(true, false);
	struct kernel_fake *f = kernel_fake_new();
	struct apply_result res = {0};
	struct plan *p;
	char *text;

	f->hs->dns_manager = HS_DNS_MANAGER_RESOLVED;
	p = plan_for(f, want, no_owned);
	CHECK(p && p->n_actions > 1 && p->actions[p->n_actions - 1].obj == PLAN_OBJ_DNS &&
	      p->actions[p->n_actions - 1].op == PLAN_CREATE);
	text = p ? plan_text(p) : NULL;
	CHECK(text && strstr(text, "  + dns wg0\n      servers: 10.10.0.53, fd10::53\n"
			      "      search:  corp.test\n"));
	free(text);
	CHECK_INT(apply(f, p, &res), 0);
	CHECK(f->n_calls && f->calls[f->n_calls - 1].op == KF_DNS_SET);
	for (size_t i = 0; i < f->n_calls; i++)
		if (f->calls[i].op == KF_LINK_ADD_WIREGUARD)
			CHECK(i < f->n_calls - 1);
	CHECK(f->hs->n_dns == 1);
	plan_free(p);
	apply_result_clear(&res);
	kernel_fake_reset_log(f);
	/* resolved reports the link as the default route (auto): not drift */
	p = plan_for(f, want, no_owned);
	CHECK(p && plan_is_empty(p));
	plan_free(p);
	kernel_fake_free(f);
	hoststate_free(want);
}

/* Drift made by hand is an update that sets it whole; defaultRoute no against
 * yes is drift; DNS that is no longer wanted goes first among removals. */
static void test_update_and_delete(void)
{
	struct host_state *want = want_state(true, true), *none = want_state(false, false);
	struct kernel_fake *f = kernel_fake_new();
	struct apply_result res = {0};
	struct plan *p;
	struct hs_dns *d;
	char *text;

	f->hs->dns_manager = HS_DNS_MANAGER_RESOLVED;
	p = plan_for(f, want, no_owned);
	CHECK_INT(apply(f, p, &res), 0);
	plan_free(p);
	apply_result_clear(&res);
	/* by hand: resolvectl dns wg0 1.2.3.4; resolvectl default-route wg0 yes */
	d = hoststate_find_dns(f->hs, "wg0");
	CHECK(d && d->n_servers == 1);
	if (d) {
		prefix_parse("1.2.3.4", true, &d->servers[0]);
		d->default_route = HS_DNS_ROUTE_YES;
	}
	p = plan_for(f, want, no_owned);
	CHECK_INT(count(p, PLAN_OBJ_DNS, PLAN_UPDATE), 1);
	CHECK(p && p->n_actions == 1);
	text = p ? plan_text(p) : NULL;
	CHECK(text && strstr(text, "  ~ dns wg0\n      ~ servers: 1.2.3.4 → 10.10.0.53\n"
			      "      ~ default_route: yes → no\n"));
	free(text);
	CHECK_INT(apply(f, p, &res), 0);
	plan_free(p);
	apply_result_clear(&res);
	p = plan_for(f, want, no_owned);
	CHECK(p && plan_is_empty(p));
	plan_free(p);
	/* defaultRoute yes in the YAML, then auto again: resolved keeps the explicit
	 * yes, which auto (routing-only domains: not the default route) is not */
	d = hoststate_find_dns(want, "wg0");
	if (d)
		d->default_route = HS_DNS_ROUTE_YES;
	p = plan_for(f, want, no_owned);
	CHECK_INT(apply(f, p, &res), 0);
	plan_free(p);
	apply_result_clear(&res);
	if (d)
		d->default_route = HS_DNS_ROUTE_AUTO;
	p = plan_for(f, want, no_owned);
	CHECK_INT(count(p, PLAN_OBJ_DNS, PLAN_UPDATE), 1);
	text = p ? plan_text(p) : NULL;
	CHECK(text && strstr(text, "  ~ dns wg0\n      ~ default_route: yes → auto\n"));
	free(text);
	CHECK_INT(apply(f, p, &res), 0);
	plan_free(p);
	apply_result_clear(&res);
	p = plan_for(f, want, no_owned);
	CHECK(p && plan_is_empty(p));
	plan_free(p);
	if (d)
		d->default_route = HS_DNS_ROUTE_NO;
	/* no longer wanted: removed, before anything else */
	hs_firewall_clear(&none->firewall);
	hoststate_find_device(none, "wg0")->mtu = 1400;
	p = plan_for(f, none, no_owned);
	CHECK(p && p->n_actions == 2 && p->actions[0].obj == PLAN_OBJ_DNS && p->actions[0].op == PLAN_DELETE);
	kernel_fake_reset_log(f);
	CHECK_INT(apply(f, p, &res), 0);
	CHECK(f->n_calls && f->calls[0].op == KF_LINK_GET);
	CHECK(f->hs->n_dns == 0);
	plan_free(p);
	apply_result_clear(&res);
	kernel_fake_free(f);
	hoststate_free(want);
	hoststate_free(none);
}

/* A link wgf deletes: resolved forgets its DNS with it, a resolvconf record
 * outlives it and is deleted; another link's DNS is never in a plan. */
static void test_owned_link_removal(void)
{
	struct host_state *want = want_state(true, false), *none = hoststate_new();
	const char *const owned[] = { "wg0", NULL };
	struct kernel_fake *f = kernel_fake_new();
	struct apply_result res = {0};
	struct plan *p;

	f->hs->dns_manager = HS_DNS_MANAGER_RESOLVCONF;
	p = plan_for(f, want, no_owned);
	CHECK_INT(apply(f, p, &res), 0);
	plan_free(p);
	apply_result_clear(&res);
	add_dns(f->hs, "eth0", L("192.0.2.53"), NULL, NULL, HS_DNS_ROUTE_AUTO);
	hoststate_normalize_dns(f->hs);
	p = plan_for(f, none, owned);
	CHECK_INT(count(p, PLAN_OBJ_DNS, PLAN_DELETE), 1);
	CHECK(p && p->actions[0].obj == PLAN_OBJ_DNS && !strcmp(p->actions[0].ifname, "wg0"));
	CHECK_INT(apply(f, p, &res), 0);
	CHECK(f->hs->n_dns == 1 && !strcmp(f->hs->dns[0].ifname, "eth0"));
	plan_free(p);
	apply_result_clear(&res);
	kernel_fake_free(f);
	hoststate_free(want);
	hoststate_free(none);
}

/* Split DNS without resolved, or DNS with no manager at all, is a plan error
 * naming the Host's dns; plain servers through resolvconf are fine. */
static void test_plan_errors(void)
{
	struct host_state *split = want_state(true, true), *plain = want_state(true, false), *have = hoststate_new();
	struct wgf_error err = {0};

	have->dns_manager = HS_DNS_MANAGER_RESOLVCONF;
	CHECK_INT(plan_dns_check(split, have, &err), -EOPNOTSUPP);
	CHECK_STR(wgf_error_message(&err), "hosts/gw.yaml:9:5: routing domains (split DNS) of interface wg0 need "
		  "systemd-resolved, which this host does not run (resolvconf takes servers and search domains "
		  "only): nothing was changed");
	wgf_error_clear(&err);
	CHECK_INT(plan_dns_check(plain, have, &err), 0);
	have->dns_manager = HS_DNS_MANAGER_NONE;
	CHECK_INT(plan_dns_check(plain, have, &err), -EOPNOTSUPP);
	CHECK_STR(wgf_error_message(&err), "hosts/gw.yaml:9:5: the dns of interface wg0 needs systemd-resolved or "
		  "resolvconf, and this host has neither");
	wgf_error_clear(&err);
	have->dns_manager = HS_DNS_MANAGER_RESOLVED;
	CHECK_INT(plan_dns_check(split, have, &err), 0);
	have->dns_manager = HS_DNS_MANAGER_UNKNOWN;
	CHECK_INT(plan_dns_check(split, have, &err), 0);
	hoststate_free(split);
	hoststate_free(plain);
	hoststate_free(have);
}

/* A failed DNS write undoes the apply: the link it made is gone again. */
static void test_rollback(void)
{
	struct host_state *want = want_state(true, false);
	struct kernel_fake *f = kernel_fake_new();
	struct apply_result res = {0};
	char *before, *after;
	struct plan *p;

	f->hs->dns_manager = HS_DNS_MANAGER_RESOLVED;
	before = kernel_fake_dump(f);
	p = plan_for(f, want, no_owned);
	kernel_fake_fail(f, KF_DNS_SET, 1, -EPERM, "fake: SetLinkDNS refused");
	CHECK_INT(apply(f, p, &res), -EPERM);
	CHECK(res.rolled_back);
	CHECK(strstr(wgf_error_message(&res.error), "dns of wg0") != NULL);
	after = kernel_fake_dump(f);
	CHECK_STR(after, before);
	free(before);
	free(after);
	plan_free(p);
	apply_result_clear(&res);
	kernel_fake_free(f);
	hoststate_free(want);
}

/* A plan's JSON carries the whole setting and reads back as the same plan. */
static void test_json_round_trip(void)
{
	struct host_state *want = want_state(true, true);
	struct kernel_fake *f = kernel_fake_new();
	struct wgf_error err = {0};
	struct plan *p, *q = NULL;
	struct json_object *o;
	const char *why = NULL;

	f->hs->dns_manager = HS_DNS_MANAGER_RESOLVED;
	add_dns(f->hs, "wg0", L("1.2.3.4"), L("x.test"), NULL, HS_DNS_ROUTE_YES);
	p = plan_for(f, want, no_owned);
	o = p ? plan_to_json(p) : NULL;
	CHECK(o != NULL);
	CHECK_INT(plan_from_json(o, &q, &err), 0);
	if (wgf_error_is_set(&err))
		fprintf(stderr, "  %s\n", wgf_error_message(&err));
	CHECK(q && plan_equal(p, q, &why));
	if (why)
		fprintf(stderr, "  differs: %s\n", why);
	json_object_put(o);
	plan_free(q);
	plan_free(p);
	kernel_fake_free(f);
	hoststate_free(want);
}

/* Saved plans keep the desired DNS (only on the plan's own interfaces, every
 * value checked); snapshots keep the observed DNS and the manager. */
static void test_saved_and_snapshot(void)
{
	struct host_state *want = want_state(true, true), *back = NULL;
	struct statedir_records rec = {0};
	struct json_object *o = NULL, *dns;
	struct wgf_error err = {0};
	struct snapshot snap;
	const char *text;

	CHECK_INT(saved_state_to_json(want, &o, &err), 0);
	CHECK_INT(saved_state_from_json(o, "desired", &back, &err), 0);
	CHECK(back && back->n_dns == 1 && hs_dns_equal(&back->dns[0], &want->dns[0]));
	hoststate_free(back);
	back = NULL;
	/* hostile: a line break in a domain, another link's DNS */
	CHECK(json_object_object_get_ex(o, "dns", &dns));
	json_object_object_add(json_object_object_get(dns, "wg0"), "search",
			       json_tokener_parse("[\"a.test\\nnameserver 6.6.6.6\"]"));
	CHECK_INT(saved_state_from_json(o, "desired", &back, &err), -EBADMSG);
	CHECK(strstr(wgf_error_message(&err), "search: not a DNS name") != NULL);
	wgf_error_clear(&err);
	json_object_object_del(dns, "wg0");
	json_object_object_add(dns, "eth0", json_tokener_parse("{\"servers\": [], \"search\": [], \"routing\": [], "
								"\"default_route\": \"auto\"}"));
	CHECK_INT(saved_state_from_json(o, "desired", &back, &err), -EBADMSG);
	CHECK(strstr(wgf_error_message(&err), "\"eth0\" is not one of the plan's interfaces") != NULL);
	wgf_error_clear(&err);
	json_object_put(o);

	want->dns_manager = HS_DNS_MANAGER_RESOLVED;
	o = snapshot_to_json("gw", want, &rec);
	text = o ? json_object_to_json_string(o) : "";
	CHECK_INT(snapshot_parse(text, strlen(text), &snap, &err), 0);
	CHECK(snap.observed && snap.observed->dns_manager == HS_DNS_MANAGER_RESOLVED && snap.observed->n_dns == 1 &&
	      hs_dns_equal(&snap.observed->dns[0], &want->dns[0]));
	snapshot_clear(&snap);
	/* a snapshot from before DNS: no manager known */
	json_object_object_del(o, "dns");
	text = json_object_to_json_string(o);
	CHECK_INT(snapshot_parse(text, strlen(text), &snap, &err), 0);
	CHECK(snap.observed && snap.observed->dns_manager == HS_DNS_MANAGER_UNKNOWN && snap.observed->n_dns == 0);
	snapshot_clear(&snap);
	json_object_put(o);
	hoststate_free(want);
}

/* resolvconf records: what normalize-resolvconf writes, and what people do. */
static void test_resolvconf_parse(void)
{
	static const char text[] = "# by hand\nnameserver 10.10.0.53\nnameserver  fd10::53 \n"
				   "nameserver not-an-address\nsearch Corp.Test. b.test bad..name -dash.test dash-.test\n"
				   "domain x.test\noptions rotate\n\nnameserver\n";
	struct hs_dns d = {0};

	CHECK_INT(resolvconf_parse(text, sizeof(text) - 1, &d), 0);
	CHECK_INT(d.n_servers, 2);
	CHECK_INT(d.n_search, 3);
	if (d.n_search == 3) {
		CHECK_STR(d.search[0], "corp.test");
		CHECK_STR(d.search[1], "b.test");
		CHECK_STR(d.search[2], "x.test");
	}
	hs_dns_clear(&d);
	CHECK_INT(resolvconf_parse("", 0, &d), 0);
	CHECK(d.n_servers == 0 && d.n_search == 0);
	hs_dns_clear(&d);
}

int main(void)
{
	RUN(test_render);
	RUN(test_create_last_then_converged);
	RUN(test_update_and_delete);
	RUN(test_owned_link_removal);
	RUN(test_plan_errors);
	RUN(test_rollback);
	RUN(test_json_round_trip);
	RUN(test_saved_and_snapshot);
	RUN(test_resolvconf_parse);
	UNIT_DONE();
}
