/* Exit groups in render (README "Exit groups"): a hub's tunnel per member, its
 * tables, switched routes and rules; the exit's entry for the hub; client
 * configs; stable table numbers and round-robin shares; prefix_subtract; the
 * evaluator's exit choice. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "model/key.h"
#include "model/model.h"
#include "model/prefix.h"
#include "render/client_config.h"
#include "render/exits.h"
#include "render/firewall.h"
#include "render/render.h"
#include "tests/unit/diag_check.h"
#include "tests/unit/unit.h"

#define K1 "nvxiIrZiEXsUVsSiztvMMslEl483akOdYQiZbPy2xR8="
#define K2 "I6OkHgtCPh2pjt/cgmQbwc5seW6z/kHM4dygnK8rV04="
#define K3 "cU/Cl9JLoCDtRvy1k9shZgLNUhLsx1P0VrlUUtl6dBQ="
#define K4 "UvImZaYMEtKJGF2VDuiBNgkWb2sRPReNbA/TkB/yOSE="
#define K5 "oJXyD5OVZQz5OAuO2yJKaySKHpJOj9CuLhqUkqMwXxg="
#define K6 "jLYQkA+eNH+uiG3GUHeV7HRcTD/LLrLHPhSTTIZ+4Fc="
#define K7 "unJJm/oSHoNrKsFXJu59awr2qxPDjpLK4NFQV7FZmH8="

#define NET "apiVersion: wgf/v1\nkind: Network\nmetadata: {name: net}\n" \
	    "spec: {addressPools: {ipv4: 10.9.0.0/16, ipv6: \"fd09::/64\"}}\n"
#define DOC(kind, name, spec) "---\napiVersion: wgf/v1\nkind: " kind "\nmetadata: {name: " name "}\nspec: {" spec "}\n"
#define HUB DOC("Host", "hub", "role: hub, publicKey: " K1 ", endpoint: \"192.0.2.1:51820\", " \
		"addresses: [10.9.0.1/16, \"fd09::1/64\"]")
#define EXA DOC("Host", "exa", "role: exit, publicKey: " K2 ", endpoint: \"192.0.2.2:51820\", " \
		"addresses: [10.9.0.2/16, \"fd09::2/64\"]")
#define EXB DOC("Host", "exb", "role: exit, publicKey: " K3 ", endpoint: \"192.0.2.3:51820\", " \
		"addresses: [10.9.0.3/16, \"fd09::3/64\"]")
#define GROUP_EU DOC("ExitGroup", "eu", "network: net, members: [{host: exa, priority: 10}, {host: exb, priority: 20}]")
#define GROUP_RR DOC("ExitGroup", "rr", "network: net, strategy: round-robin, members: [{host: exa}, {host: exb}]")

static const char TWO_EXITS[] = NET HUB EXA EXB GROUP_EU GROUP_RR
	DOC("Peer", "lap", "publicKey: " K4 ", addresses: [10.9.1.1, \"fd09::1:1\"], hubs: [hub], exit: eu")
	DOC("Peer", "tab", "publicKey: " K5 ", addresses: [10.9.1.2], hubs: [hub], "
	    "exit: {group: eu, only: [203.0.113.0/24]}")
	DOC("Peer", "old", "publicKey: " K6 ", addresses: [10.9.1.3], hubs: [hub], exit: {group: eu, except: [0.0.0.0/1]}")
	DOC("Peer", "plain", "publicKey: " K7 ", addresses: [10.9.1.4], hubs: [hub]");

static struct model *load(const char *text)
{
	const char *name = "t.yaml";
	size_t len = strlen(text);
	struct model *m = NULL;
	struct diag d;

	diag_init(&d);
	if (model_load_buffers(&name, &text, &len, 1, &m, &d) != 0 || d.n) {
		fprintf(stderr, "#  want a clean load, got:\n");
		dump(&d);
		unit_failed_checks++;
	}
	diag_free(&d);
	return m;
}

static struct host_state *render(const struct model *m, const char *host)
{
	struct render_opts o = { .now = 1000 };
	struct host_state *hs = NULL;
	const struct model_host *h = model_find_host(m, host);

	CHECK(h);
	if (h)
		CHECK_INT(render_host(m, h, &o, &hs), 0);
	return hs;
}

static const struct hs_peer *peer_named(const struct hs_device *d, const char *name)
{
	for (size_t i = 0; d && i < d->n_peers; i++)
		if (d->peers[i].name && !strcmp(d->peers[i].name, name))
			return &d->peers[i];
	return NULL;
}

static bool has_allowed(const struct hs_peer *p, const char *s)
{
	struct wgf_prefix want;

	if (!p || !prefix_parse(s, true, &want))
		return false;
	for (size_t i = 0; i < p->n_allowed_ips; i++)
		if (prefix_equal(&p->allowed_ips[i], &want))
			return true;
	return false;
}

static const struct hs_route *route_to(const struct host_state *hs, uint32_t table, const char *dst)
{
	struct wgf_prefix want;

	if (!prefix_parse(dst, true, &want))
		return NULL;
	for (size_t i = 0; i < hs->n_routes; i++)
		if (hs->routes[i].table == table && prefix_equal(&hs->routes[i].dst, &want))
			return &hs->routes[i];
	return NULL;
}

/* The rule of priority prio from src (NULL: any) to dst (NULL: any), or NULL. */
static const struct hs_rule *rule_of(const struct host_state *hs, uint32_t prio, const char *src, const char *dst)
{
	struct wgf_prefix s = { 0 }, d = { 0 };

	if ((src && !prefix_parse(src, true, &s)) || (dst && !prefix_parse(dst, true, &d)))
		return NULL;
	for (size_t i = 0; i < hs->n_rules; i++) {
		const struct hs_rule *r = &hs->rules[i];

		if (r->priority != prio)
			continue;
		if (src && (!prefix_equal(&r->src, &s)))
			continue;
		if (!src && r->src.len)
			continue;
		if (dst && !prefix_equal(&r->dst, &d))
			continue;
		if (!dst && r->dst.len)
			continue;
		return r;
	}
	return NULL;
}

static void test_hub_tunnels(void)
{
	struct model *m = load(TWO_EXITS);
	struct host_state *hs = m ? render(m, "hub") : NULL;
	const struct hs_device *main_dev, *xa, *xb;
	const struct hs_peer *pa;

	if (!hs)
		goto out;
	main_dev = hoststate_find_device(hs, "wg0");
	xa = hoststate_find_device(hs, "wgx-exa");
	xb = hoststate_find_device(hs, "wgx-exb");
	CHECK(main_dev && xa && xb);
	if (!main_dev || !xa || !xb)
		goto out;
	/* the exits are not on the main interface any more */
	CHECK(!peer_named(main_dev, "exa"));
	CHECK(!peer_named(main_dev, "exb"));
	CHECK(peer_named(main_dev, "lap"));
	/* each member's tunnel: the hub's key, no port, the exit owning everything */
	CHECK_INT(xa->n_peers, 1);
	pa = peer_named(xa, "exa");
	CHECK(pa && has_allowed(pa, "0.0.0.0/0") && has_allowed(pa, "::/0"));
	CHECK(pa && pa->endpoint.family == AF_INET && pa->endpoint.port == 51820);
	CHECK(pa && pa->keepalive == 25);
	CHECK_INT(xa->listen_port, 0);
	/* what exa's entry carried goes to its tunnel */
	CHECK(route_to(hs, HS_ROUTE_TABLE_MAIN, "10.9.0.2/32") &&
	      !strcmp(route_to(hs, HS_ROUTE_TABLE_MAIN, "10.9.0.2/32")->ifname, "wgx-exa"));
	/* from the hub's tunnel address: the tunnel has none, and another device's
	 * (the underlay's) is not in the exit's allowed IPs */
	CHECK(route_to(hs, HS_ROUTE_TABLE_MAIN, "10.9.0.2/32") &&
	      route_to(hs, HS_ROUTE_TABLE_MAIN, "10.9.0.2/32")->has_prefsrc);
	{
		const struct hs_route *r6 = route_to(hs, HS_ROUTE_TABLE_MAIN, "fd09::2/128");
		char a[PREFIX_STRLEN] = "";

		CHECK(r6 && r6->has_prefsrc);
		if (r6 && r6->has_prefsrc)
			prefix_format_addr(&r6->prefsrc, a);
		CHECK_STR(a, "fd09::1");
	}
	CHECK(!hoststate_find_device(hs, "wgx-hub"));
out:
	hoststate_free(hs);
	model_free(m);
}

static void test_hub_tables_and_rules(void)
{
	struct model *m = load(TWO_EXITS);
	struct host_state *hs = m ? render(m, "hub") : NULL;
	struct render_exits ex;
	const struct exit_group_use *eu = NULL;
	const struct hs_route *rt;
	const struct hs_rule *ru;
	uint32_t t;

	if (!hs)
		goto out;
	CHECK_INT(render_exits(m, model_find_host(m, "hub"), &ex), 0);
	CHECK_INT(ex.n_groups, 1);   /* rr: nobody on the hub uses it */
	eu = ex.n_groups ? &ex.groups[0] : NULL;
	CHECK(eu && !strcmp(eu->group->meta.name, "eu") && eu->n_members == 2 && eu->n_tables == 1);
	if (!eu)
		goto done;
	CHECK_STR(eu->members[0].name, "exa");
	CHECK_STR(eu->members[0].ifname, "wgx-exa");
	t = eu->tables[0].table;
	CHECK(t >= EXIT_TABLE_BASE && t <= EXIT_TABLE_MAX);
	rt = route_to(hs, t, "0.0.0.0/0");
	CHECK(rt && rt->switched && rt->type == HS_ROUTE_UNICAST && !strcmp(rt->ifname, "wgx-exa"));
	CHECK(rt && rt->has_prefsrc);
	CHECK(route_to(hs, t, "::/0") && route_to(hs, t, "::/0")->switched);
	/* rules: main without its default first, both families */
	ru = rule_of(hs, 20000, NULL, NULL);
	CHECK(ru && ru->table == HS_ROUTE_TABLE_MAIN && ru->suppress_prefixlen == 0);
	CHECK_INT(hs->n_rules ? hs->rules[0].priority : 0, 20000);
	/* lap: every source into eu's table */
	CHECK(rule_of(hs, 20100, "10.9.1.1/32", NULL) && rule_of(hs, 20100, "10.9.1.1/32", NULL)->table == t);
	CHECK(rule_of(hs, 20100, "fd09::1:1/128", NULL));
	/* tab: only 203.0.113.0/24 */
	CHECK(rule_of(hs, 20100, "10.9.1.2/32", "203.0.113.0/24"));
	CHECK(!rule_of(hs, 20100, "10.9.1.2/32", NULL));
	/* plain has no exit: no rule */
	CHECK(!rule_of(hs, 20100, "10.9.1.4/32", NULL));
	/* no full tunnel of its own: no fwmark, no 20900 */
	CHECK(!rule_of(hs, 20900, NULL, NULL));
	CHECK_INT(hoststate_find_device(hs, "wg0")->fwmark, 0);
done:
	render_exits_clear(&ex);
out:
	hoststate_free(hs);
	model_free(m);
}

static void test_exit_side(void)
{
	struct model *m = load(TWO_EXITS);
	struct host_state *hs = m ? render(m, "exa") : NULL;
	const struct hs_peer *hub;

	if (!hs)
		goto out;
	hub = peer_named(hoststate_find_device(hs, "wg0"), "hub");
	CHECK(hub);
	/* the hub calls: no endpoint; its peers that use eu come through it */
	CHECK(hub && hub->endpoint.family == 0);
	CHECK(has_allowed(hub, "10.9.0.1/32"));
	CHECK(has_allowed(hub, "10.9.1.1/32") && has_allowed(hub, "10.9.1.2/32") && has_allowed(hub, "fd09::1:1/128"));
	CHECK(has_allowed(hub, "10.9.1.4/32"));   /* plain: carried by its hub, as in any mesh */
	/* the exit has no tunnels of its own */
	CHECK_INT(hs->n_devices, 1);
	CHECK_INT(hs->n_rules, 0);
out:
	hoststate_free(hs);
	model_free(m);
}

static char *config_of(const struct model *m, const char *peer)
{
	struct client_config_opts o = { .now = 1000 };
	char *text = NULL;
	size_t len;

	CHECK_INT(client_config_render(m, model_find_peer(m, peer), &o, &text, &len), 0);
	return text;
}

static void test_client_configs(void)
{
	struct model *m = load(TWO_EXITS);
	char *c;

	if (!m)
		return;
	c = config_of(m, "lap");
	CHECK(c && strstr(c, "AllowedIPs = 0.0.0.0/0, ::/0\n"));
	free(c);
	c = config_of(m, "tab");
	CHECK(c && strstr(c, "203.0.113.0/24") && strstr(c, "10.9.0.0/16") && !strstr(c, "0.0.0.0/0"));
	free(c);
	c = config_of(m, "old");
	CHECK(c && strstr(c, "128.0.0.0/1") && strstr(c, "::/0") && !strstr(c, "0.0.0.0/0"));
	free(c);
	c = config_of(m, "plain");
	CHECK(c && !strstr(c, "0.0.0.0/0"));
	free(c);
	model_free(m);
}

/* An IPv6-only peer's full tunnel still lists 0.0.0.0/0: its IPv4 goes into the
 * tunnel and is dropped, never around it; except 0.0.0.0/0 lets IPv4 go direct. */
static void test_client_config_ipv6_only(void)
{
	struct model *m = load(NET HUB EXA EXB GROUP_EU
			       DOC("Peer", "six", "publicKey: " K6 ", addresses: [\"fd09::1:6\"], hubs: [hub], exit: eu")
			       DOC("Peer", "six4", "publicKey: " K7 ", addresses: [\"fd09::1:7\"], hubs: [hub], "
				   "exit: {group: eu, except: [0.0.0.0/0]}"));
	char *c;

	if (!m)
		return;
	c = config_of(m, "six");
	CHECK(c && strstr(c, "Address = fd09::1:6/128\n") && strstr(c, "AllowedIPs = 0.0.0.0/0, ::/0\n"));
	free(c);
	c = config_of(m, "six4");
	CHECK(c && strstr(c, "::/0") && !strstr(c, "0.0.0.0/0") && !strstr(c, "128.0.0.0/1"));
	free(c);
	model_free(m);
}

static void test_prefix_subtract(void)
{
	struct wgf_prefix all = { .family = AF_INET }, minus[2], *v = NULL;
	char buf[PREFIX_STRLEN];
	size_t n = 0;

	CHECK(prefix_parse("10.0.0.0/8", false, &minus[0]));
	CHECK(prefix_parse("192.168.0.0/16", false, &minus[1]));
	CHECK_INT(prefix_subtract(&all, minus, 2, &v, &n), 0);
	/* 0/1 minus 10/8: 0/5 8/7 11/8 12/6 16/4 32/3 64/2; 128/1 minus 192.168/16: 9 + 128/2 ... */
	CHECK(n > 10);
	for (size_t i = 0; i < n; i++) {
		CHECK(!prefix_overlaps(&v[i], &minus[0]) && !prefix_overlaps(&v[i], &minus[1]));
		if (i)
			CHECK(prefix_cmp(&v[i - 1], &v[i]) < 0);
	}
	CHECK_STR(prefix_format(&v[0], buf), "0.0.0.0/5");
	free(v);
	v = NULL;
	n = 0;
	CHECK_INT(prefix_subtract(&all, &all, 1, &v, &n), 0);
	CHECK_INT(n, 0);
	free(v);
}

/* Adding a group moves no other group's table; adding a member moves only the
 * peers that go to it. */
static void test_stability(void)
{
	struct model *m1 = load(NET HUB EXA EXB GROUP_RR
				DOC("Peer", "p1", "publicKey: " K4 ", addresses: [10.9.1.1], hubs: [hub], exit: rr")
				DOC("Peer", "p2", "publicKey: " K5 ", addresses: [10.9.1.2], hubs: [hub], exit: rr")
				DOC("Peer", "p3", "publicKey: " K6 ", addresses: [10.9.1.3], hubs: [hub], exit: rr")
				DOC("Peer", "p4", "publicKey: " K7 ", addresses: [10.9.1.4], hubs: [hub], exit: rr"));
	struct render_exits ex = { 0 };
	size_t on[2] = { 0 };

	if (!m1)
		return;
	CHECK_INT(render_exits(m1, model_find_host(m1, "hub"), &ex), 0);
	CHECK_INT(ex.n_groups, 1);
	if (ex.n_groups) {
		CHECK_INT(ex.groups[0].n_tables, 2);
		CHECK(ex.groups[0].tables[0].table != ex.groups[0].tables[1].table);
		for (int i = 1; i <= 4; i++) {
			char name[8];

			snprintf(name, sizeof(name), "p%d", i);
			on[exit_rr_member(&ex.groups[0], name)]++;
			/* offline choice and the hub's slot agree */
			CHECK_INT(exit_group_choice(m1, ex.groups[0].group, name),
				  ex.groups[0].members[exit_rr_member(&ex.groups[0], name)].host);
		}
	}
	CHECK_INT(on[0] + on[1], 4);
	render_exits_clear(&ex);
	model_free(m1);
}

static void test_evaluate_exit(void)
{
	struct model *m = load(TWO_EXITS);
	struct fw_network *fw = NULL;
	struct fw_query q = { .proto = FW_PROTO_TCP, .port = 443 };
	struct fw_decision d = { 0 };

	if (!m)
		return;
	CHECK_INT(fw_compile(m, 0, 1000, &fw), 0);
	CHECK(prefix_parse("10.9.1.1", true, &q.src) && prefix_parse("198.51.100.7", true, &q.dst));
	CHECK_INT(fw_evaluate(fw, &q, &d), 0);
	CHECK(d.accept);
	CHECK_STR(d.exit_host, "exa");
	CHECK_STR(d.exit_group, "eu");
	CHECK(d.why && strstr(d.why, "leaving through exit exa of group eu"));
	fw_decision_clear(&d);
	/* plain: its hub is not an exit and it has none */
	CHECK(prefix_parse("10.9.1.4", true, &q.src));
	CHECK_INT(fw_evaluate(fw, &q, &d), 0);
	CHECK(!d.accept && d.why && strstr(d.why, "not an exit"));
	fw_decision_clear(&d);
	fw_network_free(fw);
	model_free(m);
}

/* Two groups with the same members on one hub: one tunnel per member, a
 * table per group (and per share for round-robin). */
static void test_shared_members(void)
{
	struct model *m = load(NET HUB EXA EXB GROUP_EU GROUP_RR
			       DOC("Peer", "p1", "publicKey: " K4 ", addresses: [10.9.1.1], hubs: [hub], exit: eu")
			       DOC("Peer", "p2", "publicKey: " K5 ", addresses: [10.9.1.2], hubs: [hub], exit: rr"));
	struct host_state *hs = m ? render(m, "hub") : NULL;
	const struct hs_rule *r1, *r2;
	size_t tables = 0;

	if (!hs)
		goto out;
	CHECK_INT(hs->n_devices, 3);
	for (size_t i = 0; i < hs->n_routes; i++)
		tables += hs->routes[i].switched && hs->routes[i].dst.family == AF_INET;
	CHECK_INT(tables, 3);
	r1 = rule_of(hs, 20100, "10.9.1.1/32", NULL);
	r2 = rule_of(hs, 20100, "10.9.1.2/32", NULL);
	CHECK(r1 && r2 && r1->table != r2->table);
out:
	hoststate_free(hs);
	model_free(m);
}

/* A router behind a hub (whose peers use eu too) with its own full tunnel
 * through eu: on the exit,
 * its address and LAN are on its own entry (it calls from its exit tunnel),
 * not on the hub's, which carries them in the mesh otherwise. */
static void test_exit_side_host_behind_hub(void)
{
	struct model *m = load(NET HUB EXA EXB GROUP_EU
			       DOC("Host", "rt", "role: router, publicKey: " K4 ", hubs: [hub], "
				   "addresses: [10.9.0.6/16], lans: [192.168.78.0/24], exit: eu")
			       DOC("Peer", "lap", "publicKey: " K5 ", addresses: [10.9.1.1], hubs: [hub], exit: eu"));
	struct host_state *hs = m ? render(m, "exa") : NULL;
	const struct hs_device *d;
	const struct hs_peer *hub, *rt;

	if (!hs)
		goto out;
	d = hoststate_find_device(hs, "wg0");
	hub = peer_named(d, "hub");
	rt = peer_named(d, "rt");
	CHECK(hub && rt);
	CHECK(rt && has_allowed(rt, "10.9.0.6/32") && has_allowed(rt, "192.168.78.0/24"));
	CHECK(rt && rt->endpoint.family == 0);
	CHECK(hub && !has_allowed(hub, "10.9.0.6/32") && !has_allowed(hub, "192.168.78.0/24"));
	CHECK(hub && has_allowed(hub, "10.9.0.1/32") && has_allowed(hub, "10.9.1.1/32"));
out:
	hoststate_free(hs);
	model_free(m);
}

/* Multi-hop: an exit (exc) whose own exit is eu masquerades its peers to the
 * internet, but not into its tunnels to eu's members: they carry its tunnel
 * addresses (a masqueraded source there is not in the member's allowed IPs). */
static void test_multi_hop_masquerade(void)
{
	struct model *m = load(NET HUB EXA EXB GROUP_EU
			       DOC("Host", "exc", "role: exit, publicKey: " K4 ", endpoint: \"192.0.2.4:51820\", "
				   "addresses: [10.9.0.4/16], exit: eu"));
	struct host_state *hs = m ? render(m, "exc") : NULL;
	struct host_state *hsa = m ? render(m, "exa") : NULL;

	if (!hs || !hsa)
		goto out;
	CHECK(hs->firewall.body && strstr(hs->firewall.body,
		"oifname != { \"wg0\", \"wgx-exa\", \"wgx-exb\" } ip saddr @internal4 ip daddr != @internal4 masquerade"));
	/* an exit with no exit of its own: its interface alone, as before */
	CHECK(hsa->firewall.body && strstr(hsa->firewall.body,
		"oifname != \"wg0\" ip saddr @internal4 ip daddr != @internal4 masquerade"));
out:
	hoststate_free(hs);
	hoststate_free(hsa);
	model_free(m);
}

int main(void)
{
	RUN(test_multi_hop_masquerade);
	RUN(test_exit_side_host_behind_hub);
	RUN(test_shared_members);
	RUN(test_hub_tunnels);
	RUN(test_hub_tables_and_rules);
	RUN(test_exit_side);
	RUN(test_client_configs);
	RUN(test_client_config_ipv6_only);
	RUN(test_prefix_subtract);
	RUN(test_stability);
	RUN(test_evaluate_exit);
	UNIT_DONE();
}
