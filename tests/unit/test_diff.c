/* diff_host_states: field ownership, action kinds, order, counts, scale. */
#include <stdlib.h>
#include <string.h>

#include "model/hoststate.h"
#include "reconcile/plan/plan.h"
#include "reconcile/plan/plan_fields.h"
#include "tests/unit/unit.h"

#define L(...) ((const char *[]){ __VA_ARGS__, NULL })

static struct host_state *state(void)
{
	struct host_state *hs = hoststate_new();

	hs->host_name = strdup("hub");
	return hs;
}

static struct hs_device *dev(struct host_state *hs, const char *ifname, bool observed)
{
	struct hs_device *d = hoststate_add_device(hs, ifname);

	d->up = true;
	d->mtu = 1420;
	d->listen_port = 51820;
	d->has_private_key = true;
	memset(d->private_key, 0x40, WG_KEY_LEN);
	key_clamp(d->private_key);
	if (observed) {
		d->exists = true;
		d->backend = HS_BACKEND_KERNEL;
		d->ifindex = 7;
	}
	return d;
}

static void pfx(const char *s, struct wgf_prefix *p)
{
	CHECK(prefix_parse(s, true, p));
}

static void key_of(uint8_t key[WG_KEY_LEN], unsigned seed)
{
	memset(key, 0x11, WG_KEY_LEN);
	key[0] = (uint8_t)(seed >> 8);
	key[1] = (uint8_t)seed;
}

static struct hs_peer *peer(struct hs_device *d, const char *name, unsigned seed, const char *const *aips)
{
	struct hs_peer *p = hs_device_add_peer(d);
	struct wgf_prefix ip;

	p->name = name ? strdup(name) : NULL;
	key_of(p->public_key, seed);
	for (size_t i = 0; aips[i]; i++) {
		pfx(aips[i], &ip);
		hs_peer_add_allowed_ip(p, &ip);
	}
	return p;
}

static void addr(struct hs_device *d, const char *s)
{
	struct wgf_prefix p;

	pfx(s, &p);
	hs_device_add_address(d, &p);
}

static void route(struct host_state *hs, const char *ifname, const char *dst, uint32_t metric)
{
	struct hs_route r = { .table = 254, .metric = metric };

	strcpy(r.ifname, ifname);
	pfx(dst, &r.dst);
	hoststate_add_route(hs, &r);
}

/* A converged-looking host: wg0 with two peers, an address, a route, a sysctl. */
static struct host_state *base(bool observed)
{
	struct host_state *hs = state();
	struct hs_device *d = dev(hs, "wg0", observed);
	struct hs_peer *p;

	addr(d, "10.10.0.1/24");
	p = peer(d, "alice", 1, L("10.10.0.10/32", "192.168.77.0/24"));
	p->keepalive = 25;
	p->has_psk = true;
	memset(p->psk, 0x33, WG_KEY_LEN);
	CHECK(endpoint_parse("198.51.100.10:51820", &p->endpoint));
	peer(d, "bob", 2, L("10.10.0.11/32"));
	route(hs, "wg0", "192.168.77.0/24", 0);
	hoststate_add_sysctl(hs, "net.ipv4.ip_forward", "1");
	if (observed) {
		for (size_t i = 0; i < d->n_peers; i++) {
			free(d->peers[i].name);
			d->peers[i].name = NULL;
		}
	}
	return hs;
}

static struct plan *diff(struct host_state *want, struct host_state *have, const struct diff_opts *o)
{
	struct plan *p = NULL;

	hoststate_normalize(want);
	hoststate_normalize(have);
	CHECK_INT(diff_host_states(want, have, o, &p), 0);
	return p;
}

/* One line per action: "obj op ifname name". */
static const char *actions(const struct plan *p)
{
	static char buf[8192];

	buf[0] = '\0';
	for (size_t i = 0; i < p->n_actions; i++) {
		const struct plan_action *a = &p->actions[i];
		size_t len = strlen(buf);

		snprintf(buf + len, sizeof(buf) - len, "%s %s %s %s\n", plan_obj_name(a->obj),
			 plan_op_name(a->op), a->ifname, a->name ? a->name : "-");
	}
	return buf;
}

/* A field's change as the text plan shows it (plan_field_text), or NULL when the
 * action does not change that field. Kept in a ring of slots so that a few can
 * be compared in one expression; what a slot held is freed when it is reused. */
struct shown_change {
	const char *field;
	char *old, *new;
};

static const struct shown_change *change(const struct plan_action *a, const char *field)
{
	static struct shown_change ring[8];
	static size_t next;
	struct plan_field f[PLAN_FIELDS_MAX];
	size_t n = plan_action_fields(a, f);
	bool oom = false;

	for (size_t i = 0; i < n; i++) {
		struct shown_change *c;
		if (strcmp(f[i].name, field))
			continue;
		c = &ring[next++ % 8];
		free(c->old);
		free(c->new);
		c->field = f[i].name;
		c->old = plan_field_text(&f[i], true, &oom);
		c->new = plan_field_text(&f[i], false, &oom);
		return oom ? NULL : c;
	}
	return NULL;
}

static void test_identical_is_empty(void)
{
	struct host_state *want = base(false), *have = base(true);
	struct hs_device *o = &have->devices[0];
	struct plan *p;

	p = diff(base(false), base(true), NULL);
	CHECK(plan_is_empty(p));
	CHECK_INT(p->n_create + p->n_update + p->n_delete, 0);
	CHECK_STR(p->host_name, "hub");
	plan_free(p);

	/* unclamped observed private key, all-zero PSK = none, roamed endpoint,
	 * status fields, an unrelated sysctl: still nothing to do */
	o->private_key[0] |= 7;
	o->private_key[31] |= 0x80;
	o->peers[1].has_psk = true;
	memset(o->peers[1].psk, 0, WG_KEY_LEN);
	CHECK(endpoint_parse("203.0.113.9:40000", &o->peers[0].endpoint));
	o->peers[0].last_handshake_sec = 1700000000;
	o->peers[0].rx_bytes = 1234;
	o->mtu = 1420;
	hoststate_add_sysctl(have, "net.ipv6.conf.all.forwarding", "0");
	/* desired: no key known, listen port left to the kernel */
	want->devices[0].has_private_key = false;
	p = diff(want, have, NULL);
	CHECK_STR(actions(p), "");
	plan_free(p);

	want = base(false);
	have = base(true);
	want->devices[0].listen_port = 0;
	have->devices[0].listen_port = 43211;
	want->devices[0].mtu = 0;
	have->devices[0].mtu = 1500;
	p = diff(want, have, NULL);
	CHECK(plan_is_empty(p));
	plan_free(p);
}

static void test_every_kind_in_order(void)
{
	struct host_state *want = base(false), *have = base(true);
	const char *owned[] = { "wg9", "wg0" };
	struct diff_opts opts = { .owned_ifnames = owned, .n_owned = 2 };
	struct hs_device *d, *o;
	struct plan *p;

	/* desired: new peer carol, new address, new route, metric change, new interface wg1 */
	d = &want->devices[0];
	peer(d, "carol", 3, L("10.10.0.12/32"));
	addr(d, "fd10::1/64");
	route(want, "wg0", "192.168.88.0/24", 0);
	route(want, "wg0", "10.20.0.0/16", 100);
	d = dev(want, "wg1", false);
	addr(d, "10.30.0.1/24");
	peer(d, "far", 9, L("10.30.0.2/32"));

	/* observed: link down with another MTU, another port, bob's keepalive,
	 * a stray peer, address, route; owned wg9 and foreign wg7 */
	o = &have->devices[0];
	o->up = false;
	o->mtu = 1500;
	o->listen_port = 51821;
	o->peers[1].keepalive = 10;
	peer(o, NULL, 7, L("10.10.0.99/32"));
	addr(o, "10.10.0.2/24");
	route(have, "wg0", "10.20.0.0/16", 0);
	route(have, "wg0", "172.16.0.0/12", 0);
	o = dev(have, "wg9", true);
	addr(o, "10.99.0.1/24");
	peer(o, "x", 20, L("10.99.0.2/32"));
	route(have, "wg9", "10.98.0.0/16", 0);
	o = dev(have, "wg7", true);
	peer(o, "y", 21, L("10.97.0.2/32"));
	free(have->sysctls[0].value);
	have->sysctls[0].value = strdup("0");

	p = diff(want, have, &opts);
	CHECK_STR(actions(p),
		  "route delete wg0 172.16.0.0/12\n"
		  "address delete wg0 10.10.0.2/24\n"
		  "peer delete wg0 -\n"
		  "interface delete wg9 wg9\n"
		  "interface update wg0 wg0\n"
		  "interface create wg1 wg1\n"
		  "device update wg0 wg0\n"
		  "device create wg1 wg1\n"
		  "peer update wg0 bob\n"
		  "peer create wg0 carol\n"
		  "peer create wg1 far\n"
		  "address create wg0 fd10::1/64\n"
		  "address create wg1 10.30.0.1/24\n"
		  "route update wg0 10.20.0.0/16\n"
		  "route create wg0 192.168.88.0/24\n"
		  "sysctl update  net.ipv4.ip_forward\n");
	/* the device action of a new link is part of creating it */
	CHECK_INT(p->n_create, 6);
	CHECK_INT(p->n_update, 5);
	CHECK_INT(p->n_delete, 4);
	if (p->n_actions == 16) {
		const struct plan_action *a = &p->actions[4];
		CHECK(a->u.link.set_mtu && a->u.link.set_up);
		CHECK_STR(change(a, "mtu")->old, "1500");
		CHECK_STR(change(a, "mtu")->new, "1420");
		a = &p->actions[5];
		CHECK(a->u.link.backend == HS_BACKEND_AUTO && a->u.link.set_up && a->u.link.set_mtu);
		CHECK(a->dev_desired && !a->dev_observed);
		a = &p->actions[6];
		CHECK(a->u.device.set_listen_port && !a->u.device.set_private_key && !a->u.device.set_fwmark);
		CHECK_STR(change(a, "listen_port")->old, "51821");
		a = &p->actions[7];
		CHECK(a->u.device.set_private_key && a->u.device.set_listen_port && !a->u.device.set_fwmark);
		a = &p->actions[8];
		CHECK(a->u.peer.set_keepalive && !a->u.peer.set_psk && !a->u.peer.replace_allowed_ips);
		CHECK_STR(change(a, "keepalive")->old, "10");
		CHECK_STR(change(a, "keepalive")->new, "off");
		a = &p->actions[13];
		CHECK_INT(a->u.route.metric, 100);
		CHECK_STR(change(a, "metric")->old, "0");
		a = &p->actions[15];
		CHECK_STR(a->u.sysctl.key, "net.ipv4.ip_forward");
		CHECK_STR(a->u.sysctl.value, "1");
		CHECK_STR(change(a, "value")->old, "0");
	}
	plan_free(p);
}

static void test_owned_and_foreign_interfaces(void)
{
	const char *owned[] = { "wg5" };
	struct diff_opts opts = { .owned_ifnames = owned, .n_owned = 1 };
	struct host_state *want, *have;
	struct hs_device *o;
	struct plan *p;

	for (int pass = 0; pass < 2; pass++) {
		want = base(false);
		have = base(true);
		o = dev(have, "wg5", true);
		addr(o, "10.55.0.1/24");
		peer(o, NULL, 50, L("10.55.0.2/32"));
		peer(o, NULL, 51, L("10.55.0.3/32"));
		route(have, "wg5", "10.56.0.0/16", 0);
		p = diff(want, have, pass ? NULL : &opts);
		CHECK_STR(actions(p), pass ? "route delete wg5 10.56.0.0/16\n" : "interface delete wg5 wg5\n");
		CHECK_INT(p->n_delete, 1);
		plan_free(p);
	}

	/* a foreign interface without wgf routes: untouched, even its peers */
	want = base(false);
	have = base(true);
	o = dev(have, "eth-wg", true);
	peer(o, NULL, 60, L("0.0.0.0/0"));
	addr(o, "192.0.2.7/24");
	p = diff(want, have, &opts);
	CHECK(plan_is_empty(p));
	plan_free(p);

	/* a desired link whose observed record says it does not exist: created */
	want = base(false);
	have = state();
	dev(have, "wg0", true)->exists = false;
	hoststate_add_sysctl(have, "net.ipv4.ip_forward", "1");
	route(have, "wg0", "192.168.77.0/24", 0);
	p = diff(want, have, NULL);
	CHECK_STR(actions(p),
		  "interface create wg0 wg0\n"
		  "device create wg0 wg0\n"
		  "peer create wg0 alice\n"
		  "peer create wg0 bob\n"
		  "address create wg0 10.10.0.1/24\n");
	CHECK_INT(p->n_create, 4);
	CHECK_INT(p->n_update + p->n_delete, 0);
	plan_free(p);
}

static struct plan *peer_diff(void (*edit)(struct hs_peer *want, struct hs_peer *have))
{
	struct host_state *want = base(false), *have = base(true);

	/* alice is peers[0] in both (inserted first, smaller key) */
	edit(&want->devices[0].peers[0], &have->devices[0].peers[0]);
	return diff(want, have, NULL);
}

static void edit_keepalive_reset(struct hs_peer *w, struct hs_peer *h) { w->keepalive = 0; (void)h; }
static void edit_psk_removed(struct hs_peer *w, struct hs_peer *h) { w->has_psk = false; (void)h; }
static void edit_psk_changed(struct hs_peer *w, struct hs_peer *h) { w->psk[3] ^= 1; (void)h; }
static void edit_psk_missing(struct hs_peer *w, struct hs_peer *h) { h->has_psk = false; (void)w; }
static void edit_endpoint_new(struct hs_peer *w, struct hs_peer *h) { h->endpoint.family = 0; (void)w; }
static void edit_endpoint_undeclared(struct hs_peer *w, struct hs_peer *h) { w->endpoint.family = 0; (void)h; }
static void edit_endpoint_roamed(struct hs_peer *w, struct hs_peer *h) { h->endpoint.port = 1; (void)w; }
static void edit_allowed_ips(struct hs_peer *w, struct hs_peer *h)
{
	struct wgf_prefix ip;

	pfx("10.10.0.13/32", &ip);
	hs_peer_add_allowed_ip(h, &ip);
	pfx("10.10.0.12/32", &ip);
	hs_peer_add_allowed_ip(w, &ip);
}

static const struct plan_action *only_action(const struct plan *p)
{
	CHECK_INT(p->n_actions, 1);
	CHECK_INT(p->n_update, 1);
	return p->n_actions == 1 ? &p->actions[0] : NULL;
}

static void test_peer_update_rules(void)
{
	const struct plan_action *a;
	struct plan *p;

	p = peer_diff(edit_keepalive_reset);
	a = only_action(p);
	CHECK(a && a->u.peer.set_keepalive && !a->u.peer.set_psk && !a->u.peer.set_endpoint &&
	      !a->u.peer.replace_allowed_ips);
	CHECK(a && a->peer_desired && a->peer_observed && a->peer_desired->keepalive == 0);
	CHECK_STR(a ? change(a, "keepalive")->new : NULL, "off");
	plan_free(p);

	p = peer_diff(edit_psk_removed);
	a = only_action(p);
	CHECK(a && a->u.peer.set_psk && !a->u.peer.set_keepalive);
	CHECK_STR(a ? change(a, "preshared_key")->old : NULL, "(sensitive)");
	CHECK_STR(a ? change(a, "preshared_key")->new : NULL, "(none)");
	plan_free(p);

	p = peer_diff(edit_psk_changed);
	a = only_action(p);
	CHECK(a && a->u.peer.set_psk);
	plan_free(p);

	p = peer_diff(edit_psk_missing);
	a = only_action(p);
	CHECK(a && a->u.peer.set_psk);
	plan_free(p);

	p = peer_diff(edit_endpoint_new);
	a = only_action(p);
	CHECK(a && a->u.peer.set_endpoint && !a->u.peer.set_psk);
	CHECK_STR(a ? change(a, "endpoint")->new : NULL, "198.51.100.10:51820");
	plan_free(p);

	p = peer_diff(edit_endpoint_undeclared);
	CHECK(plan_is_empty(p));
	plan_free(p);
	p = peer_diff(edit_endpoint_roamed);
	CHECK(plan_is_empty(p));
	plan_free(p);

	p = peer_diff(edit_allowed_ips);
	a = only_action(p);
	CHECK(a && a->u.peer.replace_allowed_ips && !a->u.peer.set_endpoint);
	CHECK_STR(a ? change(a, "allowed_ips")->new : NULL, "+10.10.0.12/32 −10.10.0.13/32");
	CHECK_STR(a ? a->name : NULL, "alice");
	plan_free(p);
}

static void test_device_rules(void)
{
	struct host_state *want, *have;
	const struct plan_action *a;
	struct plan *p;

	want = base(false);
	have = base(true);
	have->devices[0].private_key[5] ^= 1;
	have->devices[0].fwmark = 5;
	p = diff(want, have, NULL);
	a = only_action(p);
	CHECK(a && a->obj == PLAN_OBJ_DEVICE && a->u.device.set_private_key && a->u.device.set_fwmark &&
	      !a->u.device.set_listen_port);
	CHECK_STR(a ? change(a, "private_key")->old : NULL, "(sensitive)");
	CHECK_STR(a ? change(a, "private_key")->new : NULL, "(sensitive)");
	CHECK(a && change(a, "public_key") && strcmp(change(a, "public_key")->old, change(a, "public_key")->new));
	CHECK_STR(a ? change(a, "fwmark")->new : NULL, "0");
	plan_free(p);

	want = base(false);
	have = base(true);
	have->devices[0].has_private_key = false;
	memset(have->devices[0].private_key, 0, WG_KEY_LEN);
	p = diff(want, have, NULL);
	a = only_action(p);
	CHECK(a && a->u.device.set_private_key);
	CHECK_STR(a ? change(a, "private_key")->old : NULL, "(none)");
	plan_free(p);
}

static void test_addresses_and_routes(void)
{
	struct host_state *want = base(false), *have = base(true);
	struct plan *p;

	/* same address, other prefix length: remove one, add the other */
	have->devices[0].addresses[0].len = 16;
	have->routes[0].table = 1000;
	p = diff(want, have, NULL);
	CHECK_STR(actions(p),
		  "route delete wg0 192.168.77.0/24\n"
		  "address delete wg0 10.10.0.1/16\n"
		  "address create wg0 10.10.0.1/24\n"
		  "route create wg0 192.168.77.0/24\n");
	CHECK_INT(p->n_actions == 4 ? p->actions[0].u.route.table : 0, 1000);
	CHECK_INT(p->n_actions == 4 ? p->actions[3].u.route.table : 0, 254);
	plan_free(p);
}

static void test_ipv6_route_metric(void)
{
	struct host_state *want = base(false), *have = base(true);
	struct plan *p;

	/* the kernel reports an IPv6 route added with metric 0 as 1024 */
	route(want, "wg0", "fd10:50::/64", 0);
	route(have, "wg0", "fd10:50::/64", 1024);
	p = diff(want, have, NULL);
	CHECK_INT(p->n_actions, 0);
	plan_free(p);

	want = base(false);
	have = base(true);
	route(want, "wg0", "fd10:50::/64", 0);
	route(have, "wg0", "fd10:50::/64", 5);
	p = diff(want, have, NULL);
	CHECK_STR(actions(p), "route update wg0 fd10:50::/64\n");
	plan_free(p);

	/* IPv4 has no such default */
	want = base(false);
	have = base(true);
	have->routes[0].metric = 1024;
	p = diff(want, have, NULL);
	CHECK_INT(p->n_actions, 1);
	plan_free(p);
}

static struct hs_rule rule_of(int family, uint32_t prio, const char *src, uint32_t table)
{
	struct hs_rule r = { .family = family, .priority = prio, .table = table, .suppress_prefixlen = -1 };

	if (src)
		pfx(src, &r.src);
	return r;
}

static void add_rule(struct host_state *hs, struct hs_rule r)
{
	CHECK_INT(hoststate_add_rule(hs, &r), 0);
}

/* A rule is its every field: a change is a delete (first, with the removals)
 * and a create (after the routes); equal rules are no change. */
static void test_rules(void)
{
	struct host_state *want = base(false), *have = base(true);
	struct hs_rule pair = rule_of(AF_INET, 20900, NULL, 52000), sup = rule_of(AF_INET, 20000, NULL, 254);
	struct plan *p;

	pair.has_fwmark = pair.invert = true;
	pair.fwmark = 51820;
	sup.suppress_prefixlen = 0;
	add_rule(want, sup);
	add_rule(have, sup);
	add_rule(want, pair);
	pair.fwmask = UINT32_MAX;      /* as the kernel reports "no mask": the same rule */
	add_rule(have, pair);
	add_rule(want, rule_of(AF_INET, 20100, "10.8.0.0/24", 52001));
	add_rule(have, rule_of(AF_INET, 20100, "10.8.0.0/24", 52002));
	add_rule(have, rule_of(AF_INET6, 20100, "fd00:8::/64", 52001));
	route(want, "wg0", "10.99.0.0/16", 0);
	route(have, "wg0", "10.98.0.0/16", 0);
	p = diff(want, have, NULL);
	CHECK_STR(actions(p),
		  "rule delete  20100: from 10.8.0.0/24 lookup 52002\n"
		  "rule delete  20100: from fd00:8::/64 lookup 52001\n"
		  "route delete wg0 10.98.0.0/16\n"
		  "route create wg0 10.99.0.0/16\n"
		  "rule create  20100: from 10.8.0.0/24 lookup 52001\n");
	CHECK_INT(p->n_create, 2);
	CHECK_INT(p->n_delete, 3);
	CHECK_INT(p->n_actions == 5 && p->actions[4].rule_desired && !p->actions[4].rule_observed, 1);
	CHECK_INT(p->n_actions == 5 ? p->actions[4].u.rule.table : 0, 52001);
	CHECK_INT(p->n_actions == 5 ? p->actions[1].u.rule.family : 0, AF_INET6);
	plan_free(p);

	/* host bits and a mark without has_fwmark are not a difference */
	want = base(false);
	have = base(true);
	pair = rule_of(AF_INET, 20100, "10.8.0.7/24", 52001);
	pair.fwmark = 5;
	add_rule(want, pair);
	add_rule(have, rule_of(AF_INET, 20100, "10.8.0.0/24", 52001));
	add_rule(have, rule_of(AF_INET, 20100, "10.8.0.0/24", 52001));
	p = diff(want, have, NULL);
	CHECK_INT(p->n_actions, 0);
	plan_free(p);
}

static void rt_kind(struct host_state *hs, const char *ifname, const char *dst, uint32_t table,
		    enum hs_route_type type, const char *src, bool switched)
{
	struct hs_route r = { .table = table, .type = type, .switched = switched };

	strcpy(r.ifname, ifname);
	pfx(dst, &r.dst);
	if (src) {
		pfx(src, &r.prefsrc);
		r.has_prefsrc = true;
	}
	hoststate_add_route(hs, &r);
}

/* A route's type and prefsrc are part of it: a change is an update (replace);
 * blackhole and throw routes have no interface. */
static void test_route_kinds(void)
{
	struct host_state *want = base(false), *have = base(true);
	struct plan *p;

	rt_kind(want, "wg0", "0.0.0.0/0", 52001, HS_ROUTE_UNICAST, "10.10.0.1", false);
	rt_kind(have, "wg0", "0.0.0.0/0", 52001, HS_ROUTE_UNICAST, "10.10.0.2", false);
	rt_kind(want, "", "::/0", 52001, HS_ROUTE_THROW, NULL, false);
	rt_kind(have, "", "::/0", 52001, HS_ROUTE_BLACKHOLE, NULL, false);
	rt_kind(want, "", "0.0.0.0/0", 52002, HS_ROUTE_BLACKHOLE, NULL, false);
	rt_kind(have, "", "0.0.0.0/0", 52002, HS_ROUTE_BLACKHOLE, NULL, false);
	p = diff(want, have, NULL);
	CHECK_STR(actions(p), "route update  ::/0\nroute update wg0 0.0.0.0/0\n");
	CHECK_STR(p->n_actions == 2 ? change(&p->actions[0], "type")->new : NULL, "throw");
	CHECK_STR(p->n_actions == 2 ? change(&p->actions[0], "type")->old : NULL, "blackhole");
	CHECK_STR(p->n_actions == 2 ? change(&p->actions[1], "prefsrc")->new : NULL, "10.10.0.1");
	CHECK_STR(p->n_actions == 2 ? change(&p->actions[1], "prefsrc")->old : NULL, "10.10.0.2");
	CHECK(p->n_actions == 2 && !change(&p->actions[1], "metric") && !change(&p->actions[1], "type"));
	plan_free(p);

	/* a new blackhole says what it is */
	want = base(false);
	have = base(true);
	rt_kind(want, "", "0.0.0.0/0", 52002, HS_ROUTE_BLACKHOLE, NULL, false);
	p = diff(want, have, NULL);
	CHECK_STR(actions(p), "route create  0.0.0.0/0\n");
	CHECK_STR(p->n_actions == 1 ? change(&p->actions[0], "type")->new : NULL, "blackhole");
	plan_free(p);
}

/* A switched route: any wgf route of its (table, dst) out of a desired device,
 * a blackhole or a throw stands for it (no change, and it stays); a route out
 * of another device does not; with none, the first choice is made. */
static void test_switched_routes(void)
{
	struct host_state *want, *have;
	struct plan *p;
	const char *in_use[][2] = { { "wgx-us-east", NULL }, { "wgx-us-west", NULL }, { "", "blackhole" },
				    { "", "throw" } };

	for (size_t i = 0; i < sizeof(in_use) / sizeof(in_use[0]); i++) {
		want = base(false);
		have = base(true);
		dev(want, "wgx-us-east", false);
		dev(want, "wgx-us-west", false);
		dev(have, "wgx-us-east", true);
		dev(have, "wgx-us-west", true);
		rt_kind(want, "wgx-us-east", "0.0.0.0/0", 52000, HS_ROUTE_UNICAST, "10.10.0.1", true);
		rt_kind(have, in_use[i][0], "0.0.0.0/0", 52000,
			!in_use[i][1] ? HS_ROUTE_UNICAST : hs_route_type_from_name(in_use[i][1]), NULL, false);
		p = diff(want, have, NULL);
		CHECK_STR(actions(p), "");
		plan_free(p);
	}

	want = base(false);
	have = base(true);
	dev(want, "wgx-us-east", false);
	dev(have, "wgx-us-east", true);
	rt_kind(want, "wgx-us-east", "0.0.0.0/0", 52000, HS_ROUTE_UNICAST, "10.10.0.1", true);
	rt_kind(have, "eth0", "0.0.0.0/0", 52000, HS_ROUTE_UNICAST, NULL, false);
	rt_kind(have, "wgx-us-east", "0.0.0.0/0", 52001, HS_ROUTE_UNICAST, NULL, false);
	p = diff(want, have, NULL);
	CHECK_STR(actions(p),
		  "route delete eth0 0.0.0.0/0\n"
		  "route delete wgx-us-east 0.0.0.0/0\n"
		  "route create wgx-us-east 0.0.0.0/0\n");
	CHECK_INT(p->n_actions == 3 ? p->actions[2].u.route.table : 0, 52000);
	CHECK_INT(p->n_actions == 3 ? p->actions[2].u.route.has_prefsrc : 0, 1);
	plan_free(p);
}

static void test_declared_endpoint_changes(void)
{
	struct host_state *want, *have, *declared;
	struct diff_opts o = {0};
	struct plan *p;

	/* observed differs from desired, declaration unchanged: a roam, no change */
	want = base(false);
	have = base(true);
	declared = base(false);
	hoststate_normalize(declared);
	CHECK(endpoint_parse("203.0.113.9:40000", &have->devices[0].peers[0].endpoint));
	o.declared = declared;
	p = diff(want, have, &o);
	CHECK_INT(p->n_actions, 0);
	plan_free(p);

	/* the declaration changed since the last apply: the new endpoint is sent */
	want = base(false);
	have = base(true);
	hoststate_normalize(want);
	for (size_t i = 0; i < want->devices[0].n_peers; i++)
		if (want->devices[0].peers[i].endpoint.family)
			CHECK(endpoint_parse("198.51.100.99:51821", &want->devices[0].peers[i].endpoint));
	CHECK(endpoint_parse("203.0.113.9:40000", &have->devices[0].peers[0].endpoint));
	p = diff(want, have, &o);
	CHECK_INT(p->n_actions, 1);
	if (p->n_actions == 1) {
		const struct shown_change *ch = change(&p->actions[0], "endpoint");
		CHECK(p->actions[0].u.peer.set_endpoint);
		CHECK(ch && !strcmp(ch->new, "198.51.100.99:51821") && !strcmp(ch->old, "203.0.113.9:40000"));
	}
	plan_free(p);

	/* without a record of the last declaration a difference stays a roam */
	want = base(false);
	have = base(true);
	hoststate_normalize(want);
	for (size_t i = 0; i < want->devices[0].n_peers; i++)
		if (want->devices[0].peers[i].endpoint.family)
			CHECK(endpoint_parse("198.51.100.99:51821", &want->devices[0].peers[i].endpoint));
	o.declared = NULL;
	p = diff(want, have, &o);
	CHECK_INT(p->n_actions, 0);
	plan_free(p);
	hoststate_free(declared);
}

static void test_created_peer_display(void)
{
	struct host_state *want = base(false), *have = base(true);
	struct hs_peer *np;
	const struct plan_action *a;
	struct plan *p;

	np = peer(&want->devices[0], "big", 99, L("10.10.0.50/32"));
	for (int i = 0; i < 999; i++) {
		struct wgf_prefix ip = { .family = AF_INET, .len = 32, .addr = { 10, 40, (uint8_t)(i >> 8), (uint8_t)i } };
		hs_peer_add_allowed_ip(np, &ip);
	}
	np->has_psk = true;
	memset(np->psk, 0x77, WG_KEY_LEN);
	np->keepalive = 25;
	p = diff(want, have, NULL);
	CHECK_INT(p->n_actions, 1);
	CHECK_INT(p->n_create, 1);
	a = &p->actions[0];
	CHECK(a->op == PLAN_CREATE && a->obj == PLAN_OBJ_PEER);
	CHECK_STR(change(a, "allowed_ips")->new,
		  "10.10.0.50/32, 10.40.0.0/32, 10.40.0.1/32, 10.40.0.2/32, 10.40.0.3/32, "
		  "10.40.0.4/32, 10.40.0.5/32, 10.40.0.6/32, … (+992 more)");
	CHECK(change(a, "allowed_ips")->old == NULL);
	CHECK_STR(change(a, "keepalive")->new, "25");
	CHECK_STR(change(a, "preshared_key")->new, "(sensitive)");
	CHECK(change(a, "endpoint") == NULL);
	plan_free(p);

	/* a delta over many prefixes stays short */
	want = base(false);
	have = base(true);
	for (int i = 0; i < 500; i++) {
		struct wgf_prefix ip = { .family = AF_INET, .len = 32, .addr = { 10, 41, (uint8_t)(i >> 8), (uint8_t)i } };
		hs_peer_add_allowed_ip(&want->devices[0].peers[1], &ip);
	}
	p = diff(want, have, NULL);
	CHECK_INT(p->n_actions, 1);
	if (p->n_actions == 1)
		CHECK_STR(change(&p->actions[0], "allowed_ips")->new,
			  "+10.41.0.0/32 +10.41.0.1/32 +10.41.0.2/32 +10.41.0.3/32 +10.41.0.4/32 "
			  "+10.41.0.5/32 +10.41.0.6/32 +10.41.0.7/32 … (+492 more)");
	plan_free(p);
}

static struct host_state *big(bool observed)
{
	struct host_state *hs = state();
	struct hs_device *d = dev(hs, "wg0", observed);

	addr(d, "10.0.0.1/8");
	for (unsigned i = 0; i < 10000; i++) {
		struct hs_peer *p = hs_device_add_peer(d);
		struct wgf_prefix ip = { .family = AF_INET, .len = 32,
					 .addr = { 10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i } };

		key_of(p->public_key, i * 7919 % 10007);
		p->keepalive = 25;
		hs_peer_add_allowed_ip(p, &ip);
		ip.addr[0] = 172;
		ip.len = 24;
		ip.addr[3] = 0;
		hs_peer_add_allowed_ip(p, &ip);
		if (!observed)
			p->name = strdup("p");
	}
	return hs;
}

static void test_ten_thousand_peers(void)
{
	struct host_state *want = big(false), *have = big(true);
	struct plan *p;

	p = diff(want, have, NULL);
	CHECK_INT(p->n_actions, 0);
	plan_free(p);

	want = big(false);
	have = big(true);
	have->devices[0].peers[4321].keepalive = 0;
	p = diff(want, have, NULL);
	CHECK_INT(p->n_actions, 1);
	CHECK_INT(p->n_update, 1);
	CHECK(p->n_actions == 1 && p->actions[0].u.peer.set_keepalive);
	plan_free(p);
}

static void test_names(void)
{
	CHECK_STR(plan_obj_name(PLAN_OBJ_LINK), "interface");
	CHECK_STR(plan_obj_name(PLAN_OBJ_DEVICE), "device");
	CHECK_STR(plan_obj_name(PLAN_OBJ_PEER), "peer");
	CHECK_STR(plan_obj_name(PLAN_OBJ_ADDRESS), "address");
	CHECK_STR(plan_obj_name(PLAN_OBJ_ROUTE), "route");
	CHECK_STR(plan_obj_name(PLAN_OBJ_RULE), "rule");
	CHECK_INT(plan_obj_from_name("rule"), PLAN_OBJ_RULE);
	CHECK_STR(plan_obj_name(PLAN_OBJ_SYSCTL), "sysctl");
	CHECK_STR(plan_obj_name(PLAN_OBJ_FIREWALL), "nftables table");
	CHECK_STR(plan_op_name(PLAN_CREATE), "create");
	CHECK_STR(plan_op_name(PLAN_UPDATE), "update");
	CHECK_STR(plan_op_name(PLAN_DELETE), "delete");
	plan_free(NULL);
}

int main(void)
{
	if (key_init() < 0)
		return 1;
	RUN(test_identical_is_empty);
	RUN(test_every_kind_in_order);
	RUN(test_owned_and_foreign_interfaces);
	RUN(test_peer_update_rules);
	RUN(test_device_rules);
	RUN(test_addresses_and_routes);
	RUN(test_ipv6_route_metric);
	RUN(test_rules);
	RUN(test_route_kinds);
	RUN(test_switched_routes);
	RUN(test_declared_endpoint_changes);
	RUN(test_created_peer_display);
	RUN(test_ten_thousand_peers);
	RUN(test_names);
	UNIT_DONE();
}
