/* render/firewall: compile, nft body and summary, and the evaluator, on models loaded
 * from YAML (README "Access control", "kind: Tenant", "kind: Policy", "Port forwards"). */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/key.h"
#include "model/model.h"
#include "render/firewall.h"
#include "reconcile/kernel/nft.h"   /* nft_body_valid: what the apply side checks */
#include "render/render.h"
#include "tests/unit/unit.h"

#define NOW 1700000000   /* 2023-11-14: after the expired peer's date */

/* ---- building models ---- */

static FILE *yf;
static char *ytext;
static size_t ylen;
static unsigned yseed;

#define Y(...) fprintf(yf, __VA_ARGS__)

static const char *key(void)
{
	static char buf[WG_KEY_B64_LEN];
	uint8_t k[WG_KEY_LEN];

	yseed++;
	for (int i = 0; i < WG_KEY_LEN; i++)
		k[i] = (uint8_t)(yseed * 13 + i * 7);
	k[0] = (uint8_t)(yseed >> 8);
	k[1] = (uint8_t)yseed;
	k[31] &= 0x7f;         /* a canonical Curve25519 key: wgf refuses the others */
	return key_to_base64(k, buf);
}

static void y_begin(const char *pools)
{
	yf = open_memstream(&ytext, &ylen);
	Y("---\napiVersion: wgf/v1\nkind: Network\nmetadata: {name: net}\nspec:\n  addressPools: %s\n", pools);
}

/* spec: further lines of the spec, each indented by two spaces */
static void y_host(const char *meta, const char *spec)
{
	Y("---\napiVersion: wgf/v1\nkind: Host\nmetadata: {%s}\nspec:\n  publicKey: %s\n%s", meta, key(), spec);
}

static void y_peer(const char *meta, const char *spec)
{
	Y("---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {%s}\nspec:\n  publicKey: %s\n%s", meta, key(), spec);
}

static void y_doc(const char *kind, const char *meta, const char *spec)
{
	Y("---\napiVersion: wgf/v1\nkind: %s\nmetadata: {%s}\nspec:\n%s", kind, meta, spec);
}

static struct model *y_load(void)
{
	const char *name = "t.yaml";
	struct model *m = NULL;
	struct diag d;
	int r;

	fclose(yf);
	diag_init(&d);
	r = model_load_buffers(&name, (const char *const *)&ytext, &ylen, 1, &m, &d);
	if (r < 0) {
		diag_print(&d, stderr);
		fprintf(stderr, "---- model was:\n%s\n", ytext);
	}
	CHECK_INT(r, 0);
	diag_free(&d);
	free(ytext);
	ytext = NULL;
	return m;
}

static struct fw_network *compile(const struct model *m)
{
	struct fw_network *fw = NULL;

	CHECK_INT(fw_compile(m, 0, NOW, &fw), 0);
	return fw;
}

/* Renders host `name`; the caller clears *out. */
static void render(const struct fw_network *fw, const struct model *m, const char *name, struct hs_firewall *out)
{
	const struct model_host *h = model_find_host(m, name);

	memset(out, 0, sizeof(*out));
	CHECK(h != NULL);
	if (h)
		CHECK_INT(fw_render_host(fw, h, out), 0);
	CHECK(out->present);
	CHECK(out->body != NULL);
}

static const char *item(const struct hs_firewall *fw, const char *key_)
{
	for (size_t i = 0; i < fw->n_items; i++)
		if (!strcmp(fw->items[i].key, key_))
			return fw->items[i].value;
	return NULL;
}

#define CHECK_HAS(body, s) do { \
	if (!strstr((body) ? (body) : "", (s))) { \
		fprintf(stderr, "  %s:%d: body lacks: %s\n", __FILE__, __LINE__, (s)); \
		unit_failed_checks++; \
	} } while (0)
#define CHECK_LACKS(body, s) do { \
	if (strstr((body) ? (body) : "", (s))) { \
		fprintf(stderr, "  %s:%d: body has: %s\n", __FILE__, __LINE__, (s)); \
		unit_failed_checks++; \
	} } while (0)

/* The element list of set or map `name` in body (a static copy), or "". */
static const char *elements(const char *body, const char *kind, const char *name)
{
	static char buf[8192];
	char head[64];
	const char *s, *e;

	snprintf(head, sizeof(head), "\t%s %s {\n", kind, name);
	buf[0] = '\0';
	if (!(s = strstr(body, head)) || !(s = strstr(s, "elements = {")) || !(e = strstr(s, "}")))
		return buf;
	snprintf(buf, sizeof(buf), "%.*s", (int)(e - s), s);
	return buf;
}

/* ---- evaluating ---- */

enum { DROP = 0, ACCEPT = 1, NO_TUNNEL = 2 };

static unsigned proto_of(const char *p)
{
	return !strcmp(p, "tcp") ? FW_PROTO_TCP : !strcmp(p, "udp") ? FW_PROTO_UDP : FW_PROTO_ICMP;
}

static void expect_at(int line, const struct fw_network *fw, const char *src, const char *dst, const char *proto,
		      unsigned port, int want, const char *why)
{
	struct fw_query q = { .proto = proto_of(proto), .port = (uint16_t)port };
	struct fw_decision d;
	int r, got;

	if (!prefix_parse(src, true, &q.src) || !prefix_parse(dst, true, &q.dst)) {
		fprintf(stderr, "  %s:%d: bad address\n", __FILE__, line);
		unit_failed_checks++;
		return;
	}
	r = fw_evaluate(fw, &q, &d);
	got = r == -EINVAL ? NO_TUNNEL : r < 0 ? -1 : d.accept;
	if (got != want || (why && (!d.why || !strstr(d.why, why)))) {
		fprintf(stderr, "  %s:%d: %s -> %s %s/%u: got %s (r=%d, %s), want %s%s%s\n", __FILE__, line, src, dst,
			proto, port, got == ACCEPT ? "accept" : got == DROP ? "drop" : "no tunnel", r,
			d.why ? d.why : "", want == ACCEPT ? "accept" : want == DROP ? "drop" : "no tunnel",
			why ? " with " : "", why ? why : "");
		unit_failed_checks++;
	}
	fw_decision_clear(&d);
}

#define EXPECT(fw, src, dst, proto, port, want, why) expect_at(__LINE__, fw, src, dst, proto, port, want, why)

/* ---- levels ---- */

static struct model *levels_model(const char *hub_role)
{
	char spec[256];

	y_begin("{ipv4: 10.0.0.0/16, ipv6: \"fd00::/64\"}");
	snprintf(spec, sizeof(spec), "  role: %s\n  endpoint: 198.51.100.1:51820\n"
		 "  addresses: [10.0.0.1/16, \"fd00::1/64\"]\n", hub_role);
	y_host("name: hub", spec);
	y_host("name: router", "  role: router\n  addresses: [10.0.0.2/16]\n"
	       "  lans: [192.168.50.0/24, 192.168.60.0/24]\n");
	y_peer("name: alice", "  addresses: [10.0.0.10, \"fd00::10\"]\n  hubs: [hub]\n");
	y_peer("name: vic", "  addresses: [10.0.0.11]\n  hubs: [hub]\n  access: vpn-only\n");
	y_peer("name: lana", "  addresses: [10.0.0.12]\n  hubs: [hub]\n  access: lan-only\n");
	y_peer("name: lanb", "  addresses: [10.0.0.13]\n  hubs: [hub]\n  access: lan-only\n"
	       "  accessLans: [192.168.50.0/24]\n");
	y_peer("name: cus", "  addresses: [10.0.0.14]\n  hubs: [hub]\n  access: custom\n");
	y_peer("name: dis", "  addresses: [10.0.0.15]\n  hubs: [hub]\n  enabled: false\n");
	y_peer("name: old", "  addresses: [10.0.0.16]\n  hubs: [hub]\n  expires: \"2020-01-01\"\n");
	return y_load();
}

static void test_levels(void)
{
	struct model *m = levels_model("hub");
	struct fw_network *fw = m ? compile(m) : NULL;
	struct hs_firewall out;

	if (!fw)
		goto out;
	/* full: the scope's tunnel space and LANs */
	EXPECT(fw, "10.0.0.10", "10.0.0.11", "tcp", 22, ACCEPT, "access level full of peer alice");
	EXPECT(fw, "10.0.0.10", "192.168.60.5", "tcp", 22, ACCEPT, NULL);
	EXPECT(fw, "fd00::10", "fd00::1", "icmp", 0, ACCEPT, NULL);
	EXPECT(fw, "10.0.0.10", "10.0.0.1", "udp", 53, ACCEPT, NULL);
	/* vpn-only: tunnel space only */
	EXPECT(fw, "10.0.0.11", "10.0.0.10", "tcp", 22, ACCEPT, "vpn-only");
	EXPECT(fw, "10.0.0.11", "192.168.50.5", "tcp", 22, DROP, "default drop");
	/* lan-only without accessLans: every LAN of its scope, nothing else */
	EXPECT(fw, "10.0.0.12", "192.168.50.5", "tcp", 80, ACCEPT, NULL);
	EXPECT(fw, "10.0.0.12", "192.168.60.5", "tcp", 80, ACCEPT, NULL);
	EXPECT(fw, "10.0.0.12", "10.0.0.10", "tcp", 80, DROP, NULL);
	EXPECT(fw, "10.0.0.12", "10.0.0.1", "icmp", 0, DROP, NULL);
	/* lan-only with accessLans */
	EXPECT(fw, "10.0.0.13", "192.168.50.5", "tcp", 80, ACCEPT, NULL);
	EXPECT(fw, "10.0.0.13", "192.168.60.5", "tcp", 80, DROP, NULL);
	EXPECT(fw, "10.0.0.13", "10.0.0.10", "icmp", 0, DROP, NULL);
	/* custom: nothing without a policy */
	EXPECT(fw, "10.0.0.14", "10.0.0.10", "icmp", 0, DROP, "access level custom");
	/* everyone may be reached by a full peer, custom ones included */
	EXPECT(fw, "10.0.0.10", "10.0.0.14", "icmp", 0, ACCEPT, NULL);
	/* disabled and expired peers are nobody */
	EXPECT(fw, "10.0.0.15", "10.0.0.10", "icmp", 0, DROP, "no enabled peer or host");
	EXPECT(fw, "10.0.0.16", "10.0.0.10", "icmp", 0, DROP, "no enabled peer or host");
	/* a LAN behind the router is its host's: full */
	EXPECT(fw, "192.168.50.7", "10.0.0.10", "tcp", 22, ACCEPT, "access level full of host router");
	/* the hub sends straight to its own peers: not filtered */
	EXPECT(fw, "10.0.0.1", "10.0.0.11", "tcp", 22, ACCEPT, "not filtered: hub");
	/* no tunnel crossed */
	EXPECT(fw, "10.0.0.1", "203.0.113.9", "tcp", 443, NO_TUNNEL, "does not cross a wgf tunnel");
	EXPECT(fw, "192.168.50.7", "192.168.50.8", "tcp", 22, NO_TUNNEL, NULL);
	EXPECT(fw, "192.168.50.7", "8.8.8.8", "udp", 53, NO_TUNNEL, NULL);

	render(fw, m, "hub", &out);
	CHECK_STR(item(&out, "access/peer/alice"), "full: tunnel addresses and LANs of the shared scope (from 10.0.0.10/32, fd00::10/128)");
	CHECK_STR(item(&out, "access/peer/vic"), "vpn-only: tunnel addresses of the shared scope (from 10.0.0.11/32)");
	CHECK_STR(item(&out, "access/peer/lana"), "lan-only: LANs of the shared scope (from 10.0.0.12/32)");
	CHECK_STR(item(&out, "access/peer/lanb"), "lan-only: 192.168.50.0/24 (from 10.0.0.13/32)");
	CHECK_STR(item(&out, "access/peer/cus"), "custom: only what policies allow (from 10.0.0.14/32)");
	CHECK(item(&out, "access/host/router") != NULL);
	CHECK(item(&out, "access/peer/dis") == NULL);
	CHECK(item(&out, "access/peer/old") == NULL);
	CHECK_LACKS(out.body, "10.0.0.15");
	CHECK_LACKS(out.body, "10.0.0.16");
	CHECK_LACKS(out.body, "10.0.0.14");     /* custom: no class, no map element */
	CHECK_LACKS(out.body, "internal4");     /* not an exit */
	CHECK_HAS(out.body, "\t\tip saddr vmap @src4\n\t\tip6 saddr vmap @src6\n\t\tcounter drop comment \"default drop\"\n");
	CHECK_HAS(out.body, "iifname \"wg0\" jump from_tunnel");
	CHECK_HAS(out.body, "iifname \"wg0\" ct state established,related accept");
	CHECK_HAS(elements(out.body, "map", "src4"), "192.168.50.0/24 : jump c");
	CHECK_HAS(elements(out.body, "map", "src6"), "fd00::10 : jump c");
	CHECK_LACKS(out.body, "nat_");
	hs_firewall_clear(&out);
out:
	fw_network_free(fw);
	model_free(m);
}

static void test_exit_internet(void)
{
	struct model *m = levels_model("exit"), *m2 = levels_model("hub");
	struct fw_network *fw = m ? compile(m) : NULL, *fw2 = m2 ? compile(m2) : NULL;
	struct hs_firewall out;

	if (!fw || !fw2)
		goto out;
	EXPECT(fw, "10.0.0.10", "203.0.113.9", "tcp", 443, ACCEPT, "full of peer alice");
	EXPECT(fw, "fd00::10", "2001:db8::9", "tcp", 443, ACCEPT, NULL);
	EXPECT(fw, "10.0.0.11", "203.0.113.9", "tcp", 443, DROP, "default drop");
	EXPECT(fw, "10.0.0.12", "203.0.113.9", "tcp", 443, DROP, NULL);
	EXPECT(fw2, "10.0.0.10", "203.0.113.9", "tcp", 443, DROP, "hub hub is not an exit");

	render(fw, m, "hub", &out);
	CHECK_HAS(out.body, "ip daddr != @internal4 accept");
	CHECK_HAS(out.body, "ip6 daddr != @internal6 accept");
	CHECK_HAS(out.body, "oifname != \"wg0\" ip saddr @internal4 ip daddr != @internal4 masquerade");
	CHECK_HAS(out.body, "oifname != \"wg0\" ip6 saddr @internal6 ip6 daddr != @internal6 masquerade");
	CHECK_HAS(elements(out.body, "set", "internal4"), "10.0.0.0/16");
	CHECK_HAS(elements(out.body, "set", "internal4"), "192.168.60.0/24");
	CHECK_STR(item(&out, "masquerade/internet"), "exit: peers → internet");
	CHECK_STR(item(&out, "access/peer/alice"),
		  "full: tunnel addresses and LANs of the shared scope, and the internet (from 10.0.0.10/32, fd00::10/128)");
	hs_firewall_clear(&out);
	/* the router of the same network is no exit */
	render(fw, m, "router", &out);
	CHECK_LACKS(out.body, "internal4");
	CHECK(item(&out, "masquerade/internet") == NULL);
	hs_firewall_clear(&out);
out:
	fw_network_free(fw);
	fw_network_free(fw2);
	model_free(m);
	model_free(m2);
}

/* ---- tenants ---- */

static struct model *tenant_model(void)
{
	y_begin("{ipv4: 10.0.0.0/16}");
	y_doc("Tenant", "name: acme", "  addressPools: {ipv4: 10.0.1.0/24}\n");
	y_doc("Tenant", "name: beta", "  addressPools: {ipv4: 10.0.2.0/24}\n  isolated: false\n");
	y_doc("Tenant", "name: gamma", "  addressPools: {ipv4: 10.0.3.0/24}\n  isolated: false\n");
	y_host("name: hub", "  role: exit\n  endpoint: 198.51.100.1:51820\n  addresses: [10.0.0.1/16]\n");
	y_host("name: acme-gw", "  role: router\n  tenant: acme\n  addresses: [10.0.1.2/16]\n"
	       "  lans: [192.168.10.0/24]\n");
	y_peer("name: s1", "  addresses: [10.0.0.10]\n  hubs: [hub]\n");
	y_peer("name: a1", "  tenant: acme\n  addresses: [10.0.1.10]\n  hubs: [hub]\n");
	y_peer("name: a2", "  tenant: acme\n  addresses: [10.0.1.11]\n  hubs: [hub]\n  access: vpn-only\n");
	y_peer("name: b1", "  tenant: beta\n  addresses: [10.0.2.10]\n  hubs: [hub]\n");
	y_peer("name: g1", "  tenant: gamma\n  addresses: [10.0.3.10]\n  hubs: [hub]\n");
	y_doc("Policy", "name: beta-to-acme",
	      "  rules:\n"
	      "    - {from: {tenant: beta}, to: {tenant: acme}, protocol: tcp, ports: [443], action: accept}\n");
	return y_load();
}

static void test_tenants(void)
{
	struct model *m = tenant_model();
	struct fw_network *fw = m ? compile(m) : NULL;
	struct hs_firewall out;
	const char *tun;

	if (!fw)
		goto out;
	/* inside a tenant */
	EXPECT(fw, "10.0.1.10", "10.0.1.11", "tcp", 22, ACCEPT, "tenant acme");
	EXPECT(fw, "10.0.1.10", "192.168.10.5", "tcp", 22, ACCEPT, NULL);
	EXPECT(fw, "10.0.1.11", "10.0.1.2", "icmp", 0, ACCEPT, NULL);
	EXPECT(fw, "192.168.10.5", "10.0.1.11", "tcp", 22, ACCEPT, NULL);
	/* an isolated tenant and the shared scope: neither way */
	EXPECT(fw, "10.0.1.10", "10.0.0.10", "tcp", 22, DROP, "default drop");
	EXPECT(fw, "10.0.0.10", "10.0.1.10", "tcp", 22, DROP, NULL);
	EXPECT(fw, "10.0.0.10", "192.168.10.5", "tcp", 22, DROP, NULL);
	EXPECT(fw, "10.0.1.10", "10.0.0.1", "icmp", 0, DROP, NULL);
	EXPECT(fw, "192.168.10.5", "10.0.0.10", "tcp", 22, DROP, NULL);
	/* a non-isolated tenant and the shared scope: both ways */
	EXPECT(fw, "10.0.2.10", "10.0.0.10", "tcp", 22, ACCEPT, NULL);
	EXPECT(fw, "10.0.0.10", "10.0.2.10", "tcp", 22, ACCEPT, NULL);
	EXPECT(fw, "10.0.2.10", "10.0.0.1", "icmp", 0, ACCEPT, NULL);
	/* tenants never reach each other by level, isolated or not */
	EXPECT(fw, "10.0.2.10", "10.0.3.10", "tcp", 22, DROP, NULL);
	EXPECT(fw, "10.0.3.10", "10.0.2.10", "tcp", 22, DROP, NULL);
	EXPECT(fw, "10.0.1.10", "10.0.2.10", "tcp", 22, DROP, NULL);
	/* ... only by policy, and only what it says */
	EXPECT(fw, "10.0.2.10", "10.0.1.10", "tcp", 443, ACCEPT, "policy beta-to-acme rule 1");
	EXPECT(fw, "10.0.2.10", "192.168.10.5", "tcp", 443, ACCEPT, "policy beta-to-acme rule 1");
	EXPECT(fw, "10.0.2.10", "10.0.1.10", "tcp", 444, DROP, NULL);
	EXPECT(fw, "10.0.1.10", "10.0.2.10", "tcp", 443, DROP, NULL);
	/* the internet through the exit, tenant or not */
	EXPECT(fw, "10.0.1.10", "203.0.113.1", "tcp", 443, ACCEPT, NULL);
	EXPECT(fw, "10.0.1.11", "203.0.113.1", "tcp", 443, DROP, NULL);

	render(fw, m, "hub", &out);
	/* the shared tunnel space is the pool minus every tenant's pool */
	tun = elements(out.body, "set", "s0_tun4");
	CHECK_HAS(tun, "10.0.0.0/24,");
	CHECK_HAS(tun, "10.0.4.0/22,");
	CHECK_HAS(tun, "10.0.128.0/17");
	CHECK_LACKS(tun, "10.0.1.0");
	CHECK_LACKS(tun, "10.0.2.0");
	CHECK_LACKS(tun, "10.0.0.0/16");
	CHECK_HAS(elements(out.body, "set", "s1_tun4"), "10.0.1.0/24");
	CHECK_HAS(elements(out.body, "set", "s1_lan4"), "192.168.10.0/24");
	CHECK_STR(item(&out, "tenant/acme"), "pools 10.0.1.0/24, isolated");
	CHECK_STR(item(&out, "tenant/beta"), "pools 10.0.2.0/24, not isolated");
	CHECK_STR(item(&out, "access/peer/a2"), "vpn-only: tunnel addresses of tenant acme (from 10.0.1.11/32)");
	CHECK_STR(item(&out, "access/peer/b1"),
		  "full: tunnel addresses and LANs of tenant beta and the shared scope, and the internet (from 10.0.2.10/32)");
	CHECK_STR(item(&out, "access/peer/s1"), "full: tunnel addresses and LANs of the shared scope, "
		  "tenant beta and tenant gamma, and the internet (from 10.0.0.10/32)");
	CHECK_STR(item(&out, "access/host/acme-gw"),
		  "full: tunnel addresses and LANs of tenant acme, and the internet (from 10.0.1.2/32, 192.168.10.0/24)");
	/* the policy's destination: acme's pool and its members' LANs */
	CHECK_HAS(elements(out.body, "set", "r0_dst4"), "10.0.1.0/24,");
	CHECK_HAS(elements(out.body, "set", "r0_dst4"), "192.168.10.0/24");
	hs_firewall_clear(&out);
out:
	fw_network_free(fw);
	model_free(m);
}

/* ---- policies ---- */

static struct model *policy_model(void)
{
	y_begin("{ipv4: 10.0.0.0/16, ipv6: \"fd00::/64\"}");
	y_host("name: hub", "  role: hub\n  endpoint: 198.51.100.1:51820\n  addresses: [10.0.0.1/16, \"fd00::1/64\"]\n");
	y_host("name: router", "  role: router\n  addresses: [10.0.0.2/16]\n  lans: [192.168.50.0/24]\n");
	y_peer("name: alice, labels: {group: staff, team: red}", "  addresses: [10.0.0.10, \"fd00::10\"]\n  hubs: [hub]\n");
	y_peer("name: bob, labels: {group: staff}", "  addresses: [10.0.0.11]\n  hubs: [hub]\n  access: vpn-only\n");
	y_peer("name: carol, labels: {group: guests}",
	       "  addresses: [10.0.0.12, \"fd00::12\"]\n  hubs: [hub]\n  access: custom\n");
	y_peer("name: dave", "  addresses: [10.0.0.13]\n  hubs: [hub]\n");
	y_doc("Policy", "name: p1", "  priority: 10\n  rules:\n"
	      "    - {from: {peer: dave}, to: {cidr: 192.168.50.10/32}, protocol: tcp, ports: [22], action: drop}\n"
	      "    - from: {labels: {group: staff}}\n"
	      "      to: {cidr: 192.168.50.10/32}\n"
	      "      protocol: tcp\n"
	      "      ports: [445, 8000-8100]\n"
	      "      action: accept\n"
	      "    - {from: {labels: {group: staff, team: red}}, to: {cidr: 192.168.50.20/32}, protocol: both,"
	      " ports: [53], action: accept}\n"
	      "    - {from: {peer: carol}, to: {peer: alice}, protocol: icmp, action: accept}\n"
	      "    - {from: {peer: carol}, to: {cidr: 192.168.50.0/24}, action: accept}\n"
	      "    - {from: {peer: carol}, to: [{cidr: 10.0.0.0/8}, {peer: alice}, {host: router}], protocol: udp,"
	      " ports: [9000-9010, 9005-9020, 9021], action: accept}\n"
	      "    - {to: {cidr: 192.168.50.30/32}, protocol: tcp, ports: [25], action: drop}\n");
	/* a lower priority number goes first, whatever the name */
	y_doc("Policy", "name: p0", "  priority: 5\n  rules:\n"
	      "    - {from: {peer: bob}, to: {cidr: 192.168.50.10/32}, protocol: tcp, ports: [8050], action: drop}\n");
	/* the same priority: by name, "zz" before "zz-b" */
	y_doc("Policy", "name: zz-b", "  priority: 20\n  rules:\n"
	      "    - {from: {peer: carol}, to: {cidr: 192.168.70.40/32}, protocol: tcp, ports: [1], action: accept}\n");
	y_doc("Policy", "name: zz", "  priority: 20\n  rules:\n"
	      "    - {from: {peer: carol}, to: {cidr: 192.168.70.40/32}, protocol: tcp, ports: [1], action: drop}\n");
	return y_load();
}

static void test_policies(void)
{
	struct model *m = policy_model();
	struct fw_network *fw = m ? compile(m) : NULL;
	struct hs_firewall out;

	if (!fw)
		goto out;
	/* first match: a drop before the level that would accept */
	EXPECT(fw, "10.0.0.13", "192.168.50.10", "tcp", 22, DROP, "policy p1 rule 1");
	EXPECT(fw, "10.0.0.13", "192.168.50.10", "tcp", 23, ACCEPT, "access level full");
	/* labels; ports and ranges; an earlier policy's drop wins */
	EXPECT(fw, "10.0.0.11", "192.168.50.10", "tcp", 445, ACCEPT, "policy p1 rule 2");
	EXPECT(fw, "10.0.0.11", "192.168.50.10", "tcp", 8000, ACCEPT, NULL);
	EXPECT(fw, "10.0.0.11", "192.168.50.10", "tcp", 8100, ACCEPT, NULL);
	EXPECT(fw, "10.0.0.11", "192.168.50.10", "tcp", 8050, DROP, "policy p0 rule 1");
	EXPECT(fw, "10.0.0.11", "192.168.50.10", "tcp", 8101, DROP, "default drop");
	EXPECT(fw, "10.0.0.11", "192.168.50.10", "udp", 445, DROP, NULL);
	EXPECT(fw, "10.0.0.11", "192.168.50.10", "icmp", 0, DROP, NULL);
	EXPECT(fw, "10.0.0.10", "192.168.50.10", "tcp", 445, ACCEPT, "policy p1 rule 2");
	/* every label must match; both = tcp and udp */
	EXPECT(fw, "10.0.0.10", "192.168.50.20", "udp", 53, ACCEPT, "policy p1 rule 3");
	EXPECT(fw, "10.0.0.10", "192.168.50.20", "tcp", 53, ACCEPT, "policy p1 rule 3");
	EXPECT(fw, "10.0.0.11", "192.168.50.20", "udp", 53, DROP, NULL);
	/* icmp matches icmp only, in both families */
	EXPECT(fw, "10.0.0.12", "10.0.0.10", "icmp", 0, ACCEPT, "policy p1 rule 4");
	EXPECT(fw, "fd00::12", "fd00::10", "icmp", 0, ACCEPT, "policy p1 rule 4");
	EXPECT(fw, "10.0.0.12", "10.0.0.10", "tcp", 22, DROP, "access level custom");
	/* any protocol, cidr selector */
	EXPECT(fw, "10.0.0.12", "192.168.50.99", "tcp", 1, ACCEPT, "policy p1 rule 5");
	EXPECT(fw, "10.0.0.12", "192.168.50.99", "udp", 65535, ACCEPT, NULL);
	EXPECT(fw, "10.0.0.12", "192.168.50.99", "icmp", 0, ACCEPT, NULL);
	EXPECT(fw, "10.0.0.12", "192.168.51.1", "icmp", 0, DROP, NULL);
	/* overlapping ranges merged, a list of destinations */
	EXPECT(fw, "10.0.0.12", "10.0.0.11", "udp", 9000, ACCEPT, "policy p1 rule 6");
	EXPECT(fw, "10.0.0.12", "10.0.0.11", "udp", 9021, ACCEPT, "policy p1 rule 6");
	EXPECT(fw, "10.0.0.12", "10.0.0.11", "udp", 9022, DROP, NULL);
	EXPECT(fw, "fd00::12", "fd00::10", "udp", 9000, ACCEPT, "policy p1 rule 6");
	/* from any */
	EXPECT(fw, "10.0.0.10", "192.168.50.30", "tcp", 25, DROP, "policy p1 rule 7");
	EXPECT(fw, "192.168.50.30", "10.0.0.10", "tcp", 25, ACCEPT, NULL);
	/* same priority: by name */
	EXPECT(fw, "10.0.0.12", "192.168.70.40", "tcp", 1, DROP, "policy zz rule 1");

	render(fw, m, "hub", &out);
	/* r0 is p0's rule, r1..r7 p1's */
	CHECK_HAS(out.body, "\t\tip saddr @r0_src4 ip daddr @r0_dst4 tcp dport 8050 drop comment \"policy p0 rule 1\"\n");
	CHECK_HAS(out.body, "\t\tip saddr @r2_src4 ip daddr @r2_dst4 tcp dport { 445, 8000-8100 } accept "
		  "comment \"policy p1 rule 2\"\n");
	CHECK_HAS(out.body, "ip saddr @r3_src4 ip daddr @r3_dst4 meta l4proto { tcp, udp } th dport 53 accept");
	CHECK_HAS(out.body, "ip saddr @r4_src4 ip daddr @r4_dst4 meta l4proto icmp accept");
	CHECK_HAS(out.body, "ip6 saddr @r4_src6 ip6 daddr @r4_dst6 meta l4proto ipv6-icmp accept");
	CHECK_HAS(out.body, "ip saddr @r5_src4 ip daddr @r5_dst4 accept comment \"policy p1 rule 5\"");
	CHECK_LACKS(out.body, "r5_src6");      /* to has no IPv6: no IPv6 rule */
	CHECK_LACKS(out.body, "r5_dst6");
	CHECK_HAS(out.body, "udp dport 9000-9021 accept");
	CHECK_HAS(out.body, "\t\tip daddr @r7_dst4 tcp dport 25 drop");
	CHECK_LACKS(out.body, "r7_src");
	CHECK_LACKS(out.body, "r1_src6");      /* dave has no IPv6 address */
	/* sets hold no prefix inside another: 10.0.0.0/8 covers alice and the router */
	CHECK_STR(elements(out.body, "set", "r6_dst4"), "elements = { 10.0.0.0/8,\n\t\t\t     192.168.50.0/24 ");
	CHECK_STR(elements(out.body, "set", "r2_src4"), "elements = { 10.0.0.10,\n\t\t\t     10.0.0.11 ");
	/* policy rules come first, the default drop last */
	CHECK(strstr(out.body, "policy p0 rule 1") < strstr(out.body, "policy p1 rule 1"));
	CHECK(strstr(out.body, "policy p1 rule 7") < strstr(out.body, "policy zz rule 1"));
	CHECK(strstr(out.body, "policy zz rule 1") < strstr(out.body, "policy zz-b rule 1"));
	CHECK(strstr(out.body, "policy zz-b rule 1") < strstr(out.body, "ip saddr vmap @src4"));

	CHECK_STR(item(&out, "policy/00010-p1 #0002"),
		  "from labels group=staff to 192.168.50.10/32 tcp/445,8000-8100 accept");
	CHECK_STR(item(&out, "policy/00010-p1 #0005"), "from peer carol to 192.168.50.0/24 accept");
	CHECK_STR(item(&out, "policy/00010-p1 #0003"),
		  "from labels group=staff,team=red to 192.168.50.20/32 tcp+udp/53 accept");
	CHECK_STR(item(&out, "policy/00010-p1 #0007"), "from any to 192.168.50.30/32 tcp/25 drop");
	/* item keys sort in evaluation order ("zz" before "zz-b", as the policies are) */
	CHECK(item(&out, "policy/00020-zz #0001") != NULL);
	CHECK(item(&out, "policy/00020-zz-b #0001") != NULL);
	CHECK(strcmp("policy/00020-zz #0001", "policy/00020-zz-b #0001") < 0);
	CHECK(strcmp("policy/00005-p0 #0001", "policy/00010-p1 #0001") < 0);
	hs_firewall_clear(&out);
out:
	fw_network_free(fw);
	model_free(m);
}

static void test_policy_internet_not_exit(void)
{
	struct model *m;
	struct fw_network *fw;

	y_begin("{ipv4: 10.0.0.0/16}");
	y_host("name: hub", "  role: hub\n  endpoint: 198.51.100.1:51820\n  addresses: [10.0.0.1/16]\n");
	y_host("name: ex", "  role: exit\n  endpoint: 198.51.100.2:51820\n  addresses: [10.0.0.2/16]\n");
	y_peer("name: p", "  addresses: [10.0.0.10]\n  hubs: [hub]\n  access: custom\n");
	y_peer("name: q", "  addresses: [10.0.0.11]\n  hubs: [ex]\n  access: custom\n");
	y_doc("Policy", "name: web", "  rules:\n"
	      "    - {to: {cidr: 0.0.0.0/0}, protocol: tcp, ports: [443], action: accept}\n");
	m = y_load();
	fw = m ? compile(m) : NULL;
	if (fw) {
		EXPECT(fw, "10.0.0.10", "203.0.113.1", "tcp", 443, DROP, "hub hub is not an exit");
		EXPECT(fw, "10.0.0.11", "203.0.113.1", "tcp", 443, ACCEPT, "policy web rule 1");
		EXPECT(fw, "10.0.0.10", "10.0.0.11", "tcp", 443, ACCEPT, "policy web rule 1");
		EXPECT(fw, "10.0.0.11", "203.0.113.1", "tcp", 80, DROP, NULL);
	}
	fw_network_free(fw);
	model_free(m);
}

/* ---- forwards ---- */

static struct model *forward_model(void)
{
	y_begin("{ipv4: 10.0.0.0/24}");
	y_doc("Tenant", "name: iso", "  addressPools: {ipv4: 10.0.0.128/25}\n");
	y_host("name: vps", "  role: hub\n  endpoint: 198.51.100.1:51820\n"
	       "  publicAddresses: [198.51.100.1, 198.51.100.2]\n  addresses: [10.0.0.1/24]\n"
	       "  forwards:\n"
	       "    - {name: mc, address: 198.51.100.1, protocol: tcp, port: 25565, to: game}\n"
	       "    - {name: mc2, address: 198.51.100.2, protocol: tcp, port: 25565, to: game2}\n"
	       "    - {name: range, address: 198.51.100.1, protocol: udp, port: 27015-27020, to: game}\n"
	       "    - {name: shift, address: 198.51.100.1, protocol: both, port: 8000-8002, to: game, toPort: 9000}\n"
	       "    - {address: 198.51.100.1, protocol: tcp, port: 80, to: 192.168.50.10}\n"
	       "    - {name: far, address: 198.51.100.2, protocol: tcp, port: 22, to: faraway}\n"
	       "    - {name: same, address: 198.51.100.2, protocol: tcp, port: 2222, to: game, toPort: 2222}\n");
	y_host("name: hub2", "  role: hub\n  endpoint: 198.51.100.3:51820\n  addresses: [10.0.0.3/24]\n");
	y_host("name: r", "  role: router\n  addresses: [10.0.0.2/24]\n  lans: [192.168.50.0/24]\n"
	       "  masquerade: true\n");
	y_peer("name: game", "  addresses: [10.0.0.10]\n  hubs: [vps]\n  access: custom\n");
	y_peer("name: game2", "  addresses: [10.0.0.11]\n  hubs: [vps]\n  access: custom\n");
	y_peer("name: faraway", "  tenant: iso\n  addresses: [10.0.0.130]\n  hubs: [hub2]\n");
	return y_load();
}

static void check_forward(int line, const struct fw_network *fw, const char *dst, const char *proto, unsigned port,
			  const char *target, unsigned tport)
{
	struct fw_query q = { .proto = proto_of(proto), .port = (uint16_t)port };
	struct fw_decision d;
	struct wgf_prefix want;
	int r;

	prefix_parse("203.0.113.5", true, &q.src);
	prefix_parse(dst, true, &q.dst);
	prefix_parse(target, true, &want);
	r = fw_evaluate(fw, &q, &d);
	if (r || !d.accept || !d.forwarded || !prefix_equal(&d.target, &want) || d.target_port != tport) {
		fprintf(stderr, "  %s:%d: forward %s %s/%u: r=%d accept=%d forwarded=%d port=%u (%s)\n", __FILE__,
			line, dst, proto, port, r, d.accept, d.forwarded, d.target_port, d.why ? d.why : "");
		unit_failed_checks++;
	}
	fw_decision_clear(&d);
}

#define CHECK_FORWARD(fw, dst, proto, port, target, tport) check_forward(__LINE__, fw, dst, proto, port, target, tport)

static void test_forwards(void)
{
	struct model *m = forward_model();
	struct fw_network *fw = m ? compile(m) : NULL;
	struct hs_firewall out;
	const char *e;

	if (!fw)
		goto out;
	CHECK_FORWARD(fw, "198.51.100.1", "tcp", 25565, "10.0.0.10", 25565);
	CHECK_FORWARD(fw, "198.51.100.2", "tcp", 25565, "10.0.0.11", 25565);    /* two public addresses */
	CHECK_FORWARD(fw, "198.51.100.1", "udp", 27015, "10.0.0.10", 27015);
	CHECK_FORWARD(fw, "198.51.100.1", "udp", 27020, "10.0.0.10", 27020);
	CHECK_FORWARD(fw, "198.51.100.1", "tcp", 8000, "10.0.0.10", 9000);      /* shifted */
	CHECK_FORWARD(fw, "198.51.100.1", "udp", 8002, "10.0.0.10", 9002);
	CHECK_FORWARD(fw, "198.51.100.1", "tcp", 80, "192.168.50.10", 80);      /* behind the router */
	CHECK_FORWARD(fw, "198.51.100.2", "tcp", 2222, "10.0.0.10", 2222);
	EXPECT(fw, "203.0.113.5", "198.51.100.1", "tcp", 25565, ACCEPT, "forward mc on host vps → 10.0.0.10:25565");
	EXPECT(fw, "203.0.113.5", "198.51.100.1", "tcp", 80, ACCEPT, "forward 198.51.100.1 tcp/80 on host vps");
	/* not forwarded: the host's own address is its own firewall's business */
	EXPECT(fw, "203.0.113.5", "198.51.100.1", "tcp", 27015, NO_TUNNEL, "not decided by wgf");
	EXPECT(fw, "203.0.113.5", "198.51.100.1", "udp", 27021, NO_TUNNEL, NULL);
	EXPECT(fw, "203.0.113.5", "198.51.100.1", "tcp", 8003, NO_TUNNEL, NULL);
	EXPECT(fw, "203.0.113.5", "198.51.100.2", "tcp", 80, NO_TUNNEL, NULL);
	EXPECT(fw, "203.0.113.5", "198.51.100.1", "icmp", 0, NO_TUNNEL, NULL);
	EXPECT(fw, "203.0.113.5", "10.0.0.10", "tcp", 25565, DROP, "nothing is forwarded from outside to 10.0.0.10");
	/* the target's hub filters what the forwarding host sends it */
	EXPECT(fw, "203.0.113.5", "198.51.100.2", "tcp", 22, DROP, "but host hub2 drops it");

	render(fw, m, "vps", &out);
	e = elements(out.body, "map", "fwd_addr4");
	CHECK_HAS(e, "198.51.100.1 . tcp . 25565 : 10.0.0.10");
	CHECK_HAS(e, "198.51.100.2 . tcp . 25565 : 10.0.0.11");
	CHECK_HAS(e, "198.51.100.1 . udp . 27015-27020 : 10.0.0.10");
	CHECK_HAS(e, "198.51.100.1 . tcp . 80 : 192.168.50.10");
	CHECK_HAS(e, "198.51.100.2 . tcp . 2222 : 10.0.0.10");
	e = elements(out.body, "map", "fwd_port4");
	CHECK_HAS(e, "198.51.100.1 . tcp . 8000 : 10.0.0.10 . 9000,");
	CHECK_HAS(e, "198.51.100.1 . tcp . 8002 : 10.0.0.10 . 9002,");
	CHECK_HAS(e, "198.51.100.1 . udp . 8001 : 10.0.0.10 . 9001,");
	CHECK_HAS(e, "198.51.100.1 . udp . 8002 : 10.0.0.10 . 9002");
	CHECK_LACKS(e, "8003");
	CHECK_HAS(out.body, "\tmap fwd_addr4 {\n\t\ttype ipv4_addr . inet_proto . inet_service : ipv4_addr\n");
	CHECK_HAS(out.body, "\tmap fwd_port4 {\n\t\ttype ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service\n");
	CHECK_HAS(out.body, "type nat hook prerouting priority dstnat; policy accept;\n"
		  "\t\tiifname != \"wg0\" meta l4proto { tcp, udp } dnat ip to ip daddr . meta l4proto . th dport map @fwd_addr4\n"
		  "\t\tiifname != \"wg0\" meta l4proto { tcp, udp } dnat ip to ip daddr . meta l4proto . th dport map @fwd_port4\n");
	CHECK_HAS(out.body, "oifname \"wg0\" ct status dnat masquerade");
	CHECK_LACKS(out.body, "fwd_addr6");
	CHECK_STR(item(&out, "forward/198.51.100.1/tcp/25565"), "→ game 10.0.0.10:25565 (mc)");
	CHECK_STR(item(&out, "forward/198.51.100.1/tcp/8000-8002"), "→ game 10.0.0.10:9000-9002 (shift)");
	CHECK_STR(item(&out, "forward/198.51.100.1/udp/8000-8002"), "→ game 10.0.0.10:9000-9002 (shift)");
	CHECK_STR(item(&out, "forward/198.51.100.1/tcp/80"), "→ 192.168.50.10:80");
	CHECK_STR(item(&out, "forward/198.51.100.2/tcp/25565"), "→ game2 10.0.0.11:25565 (mc2)");
	hs_firewall_clear(&out);

	render(fw, m, "hub2", &out);
	CHECK_LACKS(out.body, "nat_");
	CHECK_LACKS(out.body, "fwd_");
	hs_firewall_clear(&out);

	render(fw, m, "r", &out);
	CHECK_HAS(elements(out.body, "set", "own_lans4"), "192.168.50.0/24");
	CHECK_HAS(out.body, "type nat hook postrouting priority srcnat; policy accept;\n"
		  "\t\tiifname \"wg0\" oifname != \"wg0\" ip daddr @own_lans4 masquerade");
	CHECK_LACKS(out.body, "nat_prerouting");
	CHECK_STR(item(&out, "masquerade/lans"), "tunnel → 192.168.50.0/24");
	hs_firewall_clear(&out);
out:
	fw_network_free(fw);
	model_free(m);
}

/* ---- determinism and scale ---- */

static char *scale_yaml(unsigned n_peers)
{
	y_begin("{ipv4: 10.0.0.0/16, ipv6: \"fd00::/48\"}");
	y_doc("Tenant", "name: acme", "  addressPools: {ipv4: 10.0.128.0/17, ipv6: \"fd00:0:0:1::/64\"}\n");
	y_host("name: hub", "  role: exit\n  endpoint: 198.51.100.1:51820\n  addresses: [10.0.0.1/16, \"fd00::1/48\"]\n"
	       "  forwards:\n    - {address: 198.51.100.1, protocol: tcp, port: 443, to: p0}\n");
	y_host("name: router", "  role: router\n  addresses: [10.0.0.2/16]\n  lans: [192.168.50.0/24]\n");
	y_host("name: acme-gw", "  role: router\n  tenant: acme\n  addresses: [10.0.128.2/17]\n"
	       "  lans: [192.168.60.0/24]\n  hubs: [hub]\n");
	for (unsigned i = 0; i < n_peers; i++) {
		static const char *const access[] = { "full", "vpn-only", "lan-only", "lan-only", "custom" };
		bool acme = i % 2;
		unsigned j = i / 2 + 10, kind = i % 5;
		char meta[96], spec[512];

		snprintf(meta, sizeof(meta), "name: p%u%s", i, i % 3 ? "" : ", labels: {group: staff}");
		snprintf(spec, sizeof(spec), "%s  addresses: [10.0.%u.%u, \"fd00:0:0:%u::%x\"]\n  hubs: [hub]\n"
			 "  access: %s\n%s", acme ? "  tenant: acme\n" : "", (acme ? 128 : 0) + j / 250, j % 250,
			 acme ? 1 : 0, j, access[kind],
			 kind != 3 ? "" : acme ? "  accessLans: [192.168.60.0/25]\n" : "  accessLans: [router]\n");
		y_peer(meta, spec);
	}
	y_doc("Policy", "name: staff", "  rules:\n"
	      "    - {from: {labels: {group: staff}}, to: {host: router}, protocol: tcp, ports: [22], action: accept}\n");
	fclose(yf);
	return ytext;
}

static struct model *load_text(const char *text)
{
	yf = open_memstream(&ytext, &ylen);
	fputs(text, yf);
	return y_load();
}

static size_t rule_lines(const char *body)
{
	size_t n = 0;

	for (const char *l = body; l && *l;) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) : strlen(l);
		char line[512];

		snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : sizeof(line) - 1), l);
		if ((strstr(line, " accept") || strstr(line, " drop") || strstr(line, "jump ") ||
		     strstr(line, "masquerade") || strstr(line, "vmap")) && !strstr(line, " : jump ") &&
		    !strstr(line, "policy accept;"))
			n++;
		l = e ? e + 1 : NULL;
	}
	return n;
}

static void render_text(const char *text, const char *host, struct hs_firewall *out, double *ms)
{
	struct model *m = load_text(text);
	struct fw_network *fw = NULL;
	struct timespec a, b;

	memset(out, 0, sizeof(*out));
	if (!m)
		return;
	clock_gettime(CLOCK_MONOTONIC, &a);
	CHECK_INT(fw_compile(m, 0, NOW, &fw), 0);
	if (fw)
		CHECK_INT(fw_render_host(fw, model_find_host(m, host), out), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (ms)
		*ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	fw_network_free(fw);
	model_free(m);
}

static void test_deterministic(void)
{
	char *text = scale_yaml(40);
	struct hs_firewall a, b;
	struct model *m;
	struct host_state *hs = NULL;
	struct render_opts o = { .now = NOW };

	render_text(text, "hub", &a, NULL);
	render_text(text, "hub", &b, NULL);
	CHECK(a.body && b.body && !strcmp(a.body, b.body));
	CHECK(nft_body_valid(a.body));
	CHECK_INT(a.n_items, b.n_items);
	for (size_t i = 0; i < a.n_items && i < b.n_items; i++) {
		CHECK_STR(a.items[i].key, b.items[i].key);
		CHECK_STR(a.items[i].value, b.items[i].value);
	}
	/* render_host fills the desired state's firewall, items sorted */
	m = load_text(text);
	if (m)
		CHECK_INT(render_host(m, model_find_host(m, "hub"), &o, &hs), 0);
	if (hs) {
		CHECK(hs->firewall.present);
		CHECK_STR(hs->firewall.body, a.body);
		CHECK_INT(hs->firewall.n_items, a.n_items);
		for (size_t i = 1; i < hs->firewall.n_items; i++)
			CHECK(strcmp(hs->firewall.items[i - 1].key, hs->firewall.items[i].key) < 0);
	}
	hoststate_free(hs);
	model_free(m);
	hs_firewall_clear(&a);
	hs_firewall_clear(&b);
	free(text);
}

static void test_rules_do_not_grow_with_peers(void)
{
	char *small = scale_yaml(10), *big = scale_yaml(2000);
	struct hs_firewall a, b;
	double ms = 0;

	render_text(small, "hub", &a, NULL);
	render_text(big, "hub", &b, &ms);
	CHECK(a.body && b.body);
	if (a.body && b.body) {
		CHECK(rule_lines(a.body) > 10);
		CHECK_INT(rule_lines(a.body), rule_lines(b.body));
		CHECK(strlen(b.body) > 2000 * 20);   /* the peers are there, as elements */
		CHECK_HAS(b.body, "10.0.4.9 : jump c");
	}
	printf("# 2000 peers: compile + render %.1f ms, %zu rule lines, %zu bytes\n", ms,
	       b.body ? rule_lines(b.body) : 0, b.body ? strlen(b.body) : 0);
	hs_firewall_clear(&a);
	hs_firewall_clear(&b);
	free(small);
	free(big);
}

static void test_bad_input(void)
{
	struct model *m = levels_model("hub");
	struct fw_network *fw = m ? compile(m) : NULL;
	struct fw_query q = { .proto = FW_PROTO_TCP, .port = 1 };
	struct fw_decision d;
	struct model_host h;

	if (!fw)
		goto out;
	{
		struct fw_network *none = fw;

		CHECK_INT(fw_compile(m, 7, NOW, &none), -EINVAL);   /* leaves *out NULL */
		CHECK(none == NULL);
	}
	prefix_parse("10.0.0.10", true, &q.src);
	prefix_parse("fd00::11", true, &q.dst);
	CHECK_INT(fw_evaluate(fw, &q, &d), -EINVAL);
	CHECK(d.why != NULL);
	fw_decision_clear(&d);
	prefix_parse("10.0.0.11", true, &q.dst);
	q.proto = FW_PROTO_ANY;
	CHECK_INT(fw_evaluate(fw, &q, &d), -EINVAL);
	fw_decision_clear(&d);
	fw_decision_clear(NULL);
	/* an interface name that is not safe in nft text */
	h = *model_find_host(m, "hub");
	strcpy(h.ifname, "wg\"0");
	{
		struct hs_firewall out = { 0 };
		CHECK_INT(fw_render_host(fw, &h, &out), -EINVAL);
		CHECK(!out.present && !out.body && !out.n_items);
	}
out:
	fw_network_free(fw);
	model_free(m);
}

int main(void)
{
	if (key_init() < 0)
		return 1;
	RUN(test_levels);
	RUN(test_exit_internet);
	RUN(test_tenants);
	RUN(test_policies);
	RUN(test_policy_internet_not_exit);
	RUN(test_forwards);
	RUN(test_deterministic);
	RUN(test_rules_do_not_grow_with_peers);
	RUN(test_bad_input);
	UNIT_DONE();
}
