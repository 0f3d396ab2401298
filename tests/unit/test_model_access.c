/* The loader and validator for access control: kind Tenant and kind Policy,
 * Host tenant/publicAddresses/forwards/masquerade and role exit, Peer
 * tenant/access/accessLans. Every case is loaded from YAML text as wgf would. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "tests/unit/diag_check.h"
#include "tests/unit/unit.h"

#define K1 "ZB+ahxcBMlCTz5dIn6mPUEXZxaeoNYIxzP0WTdRd+TY="
#define K2 "ZWKa+ol3PqWAF2VSF1o5qAAEo69hhlDOIr9Tmr1vV1w="
#define K3 "bWTrHuvag4CBOLxowO3TenS8Rl0cAdfaP2B4hMtqpwo="
#define K4 "ANhoCHKBwFpQJyzfuBuwXM1mtaNZNhzuDji99fsZnyc="
#define K5 "JVcesRp5QGHphrMz8uzSUpgh3kk33Zwf+wzmAYfZ+D8="
#define K6 "lhF47vV9cXT/f39G0W8lbrFzGH1sHXlE4w7NXVFweHw="
#define K7 "7cp0gvlpRxdH6kzCtFRc8MUCYyEFl3vn50UF+WOdcXs="
#define K8 "+RTYBnLRBfPTkJ+IQ3+75UunOh+xAb7zWMA1DDZMti0="
#define K9 "MZMX8YGPXCBLEgWW3HNo8Bp6UpsdG2jXQeaUD6htkVw="
#define K10 "9FnGNQ4ITruPnzogFfY8VQVGNsHXVzS310t25mqX4AY="

/* world.yaml: a network, a hub, a home router with two LANs, a shared peer, and
 * tenant acme with its router and one peer. Line numbers matter to the cases
 * that name a place in this file (acme's pool is at world.yaml:24:44). */
static const char WORLD[] =
	"apiVersion: wgf/v1\n"                                                          /* 1 */
	"kind: Network\n"
	"metadata: {name: home}\n"
	"spec: {addressPools: {ipv4: 10.10.0.0/16, ipv6: \"fd00:10::/48\"}}\n"
	"---\n"                                                                         /* 5 */
	"apiVersion: wgf/v1\n"
	"kind: Host\n"
	"metadata: {name: hub}\n"
	"spec: {network: home, role: hub, publicKey: " K1 ", endpoint: \"192.0.2.1:51820\", addresses: [10.10.0.1/16, \"fd00:10::1/48\"]}\n"
	"---\n"                                                                         /* 10 */
	"apiVersion: wgf/v1\n"
	"kind: Host\n"
	"metadata: {name: homerouter}\n"
	"spec: {network: home, role: router, publicKey: " K2 ", addresses: [10.10.0.2/16], lans: [192.168.50.0/24, \"fd50::/64\"], hubs: [hub]}\n"
	"---\n"                                                                         /* 15 */
	"apiVersion: wgf/v1\n"
	"kind: Peer\n"
	"metadata: {name: alice, labels: {group: staff}}\n"
	"spec: {network: home, publicKey: " K3 ", addresses: [10.10.0.10, \"fd00:10::10\"], hubs: [hub], lans: [172.20.0.0/24]}\n"
	"---\n"                                                                         /* 20 */
	"apiVersion: wgf/v1\n"
	"kind: Tenant\n"
	"metadata: {name: acme}\n"
	"spec: {network: home, addressPools: {ipv4: 10.10.1.0/24, ipv6: \"fd00:10:0:1::/64\"}}\n"
	"---\n"                                                                         /* 25 */
	"apiVersion: wgf/v1\n"
	"kind: Host\n"
	"metadata: {name: acme-router}\n"
	"spec: {network: home, tenant: acme, role: router, publicKey: " K4 ", addresses: [10.10.1.1/24], lans: [192.168.10.0/24], hubs: [hub]}\n"
	"---\n"                                                                         /* 30 */
	"apiVersion: wgf/v1\n"
	"kind: Peer\n"
	"metadata: {name: acme-bob}\n"
	"spec: {network: home, tenant: acme, publicKey: " K5 ", addresses: [10.10.1.11], hubs: [hub]}\n";

/* Lines 1-8 of the peer cases; the case adds lines from 9 on. */
#define PEER "apiVersion: wgf/v1\nkind: Peer\nmetadata:\n  name: p\nspec:\n" \
	     "  publicKey: " K7 "\n  addresses: [10.10.0.20]\n  hubs: [hub]\n"
/* Lines 1-5 of host, tenant and policy cases. */
#define HOST_HEAD   "apiVersion: wgf/v1\nkind: Host\nmetadata:\n  name: h\nspec:\n"
#define TENANT_HEAD "apiVersion: wgf/v1\nkind: Tenant\nmetadata:\n  name: t\nspec:\n"
#define POLICY_HEAD "apiVersion: wgf/v1\nkind: Policy\nmetadata:\n  name: pol\nspec:\n"
/* Lines 1-11: a hub with three public addresses; forwards follow from line 12. */
#define EDGE HOST_HEAD "  role: hub\n  publicKey: " K6 "\n  endpoint: 198.51.100.7:51820\n" \
	     "  addresses: [10.10.0.5/16]\n  publicAddresses: [198.51.100.7, 198.51.100.8, \"2001:db8::7\"]\n" \
	     "  forwards:\n"
/* One forward: four lines; its values start at columns address 16, protocol 17,
 * port 13, to 11, and the item itself at column 7. */
#define FWD(addr, proto, port, to) "    - address: " addr FWD_TAIL(proto, port, to)
#define FWD_TAIL(proto, port, to) "\n      protocol: " proto "\n      port: " port "\n      to: " to "\n"
/* Lines 6-7 of a test/rule list: one rule accepting everything (to pad policies). */
#define RULES_ANY "  rules:\n    - action: accept\n"

static int load(size_t n, const char *const *names, const char *const *texts, struct model **m, struct diag *d)
{
	size_t lens[4];

	for (size_t i = 0; i < n; i++)
		lens[i] = strlen(texts[i]);
	diag_init(d);
	return model_load_buffers(names, texts, lens, n, m, d);
}

/* world.yaml and text as t.yaml (or text alone). */
static int load_case(const char *text, bool world, struct model **m, struct diag *d)
{
	const char *names[] = { "world.yaml", "t.yaml" };
	const char *texts[] = { WORLD, text };

	return world ? load(2, names, texts, m, d) : load(1, names + 1, texts + 1, m, d);
}

/* The load fails with an error at file:line:col containing sub; with only, it is
 * the only error (no cascades). */
static void expect_err(int at, const char *text, bool world, const char *file, unsigned line, unsigned col,
		       const char *sub, bool only)
{
	struct model *m = (struct model *)1;
	struct diag d;
	int r = load_case(text, world, &m, &d);

	if (r != -EINVAL || m || !has_error(&d, file, line, col, sub) || (only && d.n_errors != 1)) {
		fprintf(stderr, "  test_model_access.c:%d: expected %s%s:%u:%u: ...%s... (r=%d), got:\n", at,
			only ? "only " : "", file, line, col, sub, r);
		dump(&d);
		unit_failed_checks++;
	}
	model_free(m);
	diag_free(&d);
}

/* Exactly this one error, in t.yaml, loaded with world.yaml. */
#define EXPECT_ONLY(text, line, col, sub) expect_err(__LINE__, text, true, "t.yaml", line, col, sub, true)
/* This error among others. */
#define EXPECT_ERR(text, line, col, sub) expect_err(__LINE__, text, true, "t.yaml", line, col, sub, false)
/* t.yaml alone, exactly this one error. */
#define EXPECT_ALONE(text, line, col, sub) expect_err(__LINE__, text, false, "t.yaml", line, col, sub, true)

/* Loads world.yaml and text; the model on success, else NULL (and a failed check). */
static struct model *load_ok(int at, const char *text)
{
	struct model *m = NULL;
	struct diag d;
	int r = load_case(text, true, &m, &d);

	if (r != 0 || !m || d.n_errors) {
		fprintf(stderr, "  test_model_access.c:%d: expected success (r=%d), got:\n", at, r);
		dump(&d);
		unit_failed_checks++;
		model_free(m);
		m = NULL;
	}
	diag_free(&d);
	return m;
}
#define LOAD_OK(text) load_ok(__LINE__, text)
#define EXPECT_OK(text) model_free(LOAD_OK(text))

static const char *fmt(const struct wgf_prefix *p)
{
	static char bufs[4][PREFIX_STRLEN];
	static unsigned next;

	return prefix_format(p, bufs[next++ % 4]);
}

static size_t peer_idx(const struct model *m, const char *name)
{
	for (size_t i = 0; i < m->n_peers; i++)
		if (!strcmp(m->peers[i].meta.name, name))
			return i;
	return MODEL_NONE;
}

static size_t host_idx(const struct model *m, const char *name)
{
	for (size_t i = 0; i < m->n_hosts; i++)
		if (!strcmp(m->hosts[i].meta.name, name))
			return i;
	return MODEL_NONE;
}

static const struct model_peer *peer(const struct model *m, const char *name)
{
	size_t i = peer_idx(m, name);

	CHECK(i != MODEL_NONE);
	return i == MODEL_NONE ? NULL : &m->peers[i];
}

static const struct model_host *host(const struct model *m, const char *name)
{
	size_t i = host_idx(m, name);

	CHECK(i != MODEL_NONE);
	return i == MODEL_NONE ? NULL : &m->hosts[i];
}

/* --- tenants ------------------------------------------------------------- */

static void test_tenant_loaded(void)
{
	struct model *m = LOAD_OK("");
	const struct model_tenant *t;

	if (!m)
		return;
	CHECK_INT(m->n_tenants, 1);
	t = &m->tenants[0];
	CHECK_STR(t->meta.name, "acme");
	CHECK_STR(t->meta.loc.file, "world.yaml");
	CHECK_INT(t->meta.loc.line, 22);
	CHECK_INT(t->network, 0);
	CHECK(t->isolated);
	CHECK(t->has_pool4 && t->has_pool6);
	CHECK_STR(fmt(&t->pool4), "10.10.1.0/24");
	CHECK_STR(fmt(&t->pool6), "fd00:10:0:1::/64");
	CHECK_INT(host(m, "acme-router")->tenant, 0);
	CHECK_INT(peer(m, "acme-bob")->tenant, 0);
	CHECK(host(m, "hub")->tenant == MODEL_NONE);
	CHECK(host(m, "homerouter")->tenant == MODEL_NONE);
	CHECK(peer(m, "alice")->tenant == MODEL_NONE);
	model_free(m);

	/* a second tenant: explicit network, not isolated, an IPv6 pool only, labels */
	m = LOAD_OK(TENANT_HEAD "  network: home\n  isolated: false\n  addressPools:\n    ipv6: \"fd00:10:0:2::/64\"\n"
		    "---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: q, labels: {tier: gold}}\n"
		    "spec: {tenant: t, publicKey: " K7 ", addresses: [\"fd00:10:0:2::5\"], hubs: [hub]}\n"
		    "---\napiVersion: wgf/v1\nkind: Host\nmetadata: {name: beta-box}\n"
		    "spec: {tenant: t, publicKey: " K8 ", addresses: [\"fd00:10:0:2::1/64\"]}\n");
	if (!m)
		return;
	CHECK_INT(m->n_tenants, 2);
	t = &m->tenants[1];
	CHECK_STR(t->meta.name, "t");
	CHECK(!t->isolated);
	CHECK(!t->has_pool4 && t->has_pool6);
	CHECK_STR(fmt(&t->pool6), "fd00:10:0:2::/64");
	CHECK_INT(peer(m, "q")->tenant, 1);
	CHECK_INT(host(m, "beta-box")->tenant, 1);
	CHECK_INT(peer(m, "q")->meta.n_labels, 1);
	model_free(m);

	/* tenants of two networks may use the same space in each */
	m = LOAD_OK("apiVersion: wgf/v1\nkind: Network\nmetadata: {name: work}\nspec: {addressPools: {ipv4: 10.10.0.0/16}}\n"
		    "---\n" TENANT_HEAD "  network: work\n  addressPools: {ipv4: 10.10.1.0/24}\n"
		    "---\napiVersion: wgf/v1\nkind: Host\nmetadata: {name: w1}\n"
		    "spec: {network: work, tenant: t, publicKey: " K8 ", addresses: [10.10.1.1/24]}\n");
	if (m) {
		CHECK_INT(m->n_tenants, 2);
		CHECK_INT(m->tenants[1].network, 1);
		CHECK_INT(host(m, "w1")->tenant, 1);
		CHECK_INT(host(m, "w1")->network, 1);
	}
	model_free(m);
}

static void test_tenant_errors(void)
{
	/* the Tenant document itself */
	EXPECT_ONLY(TENANT_HEAD "  addressPools: {ipv4: 10.10.2.0/24}\n  isolate: true\n", 7, 3,
		    "unknown field \"isolate\" in Tenant spec (did you mean \"isolated\"?)");
	EXPECT_ONLY(TENANT_HEAD "  addressPools: {ipv4: 10.10.2.0/24, ipv5: 10.10.3.0/24}\n", 6, 38,
		    "unknown field \"ipv5\" in addressPools (did you mean \"ipv4\"?)");
	EXPECT_ONLY(TENANT_HEAD "  isolated: true\n", 6, 3, "missing required field \"addressPools\" in Tenant spec");
	EXPECT_ONLY(TENANT_HEAD "  addressPools: {}\n", 6, 17, "\"addressPools\" needs \"ipv4\", \"ipv6\" or both");
	EXPECT_ONLY(TENANT_HEAD "  addressPools: 10.10.2.0/24\n", 6, 17, "\"addressPools\" must be a mapping");
	EXPECT_ONLY(TENANT_HEAD "  addressPools: {ipv4: 10.10.2.0/24}\n  isolated: no\n", 7, 13,
		    "\"isolated\" must be true or false, got \"no\"");
	EXPECT_ONLY(TENANT_HEAD "  addressPools: {ipv4: 10.10.2.1/24}\n", 6, 24,
		    "\"addressPools.ipv4\" \"10.10.2.1/24\" has host bits set (did you mean 10.10.2.0/24?)");
	EXPECT_ONLY(TENANT_HEAD "  addressPools: {ipv6: 10.10.2.0/24}\n", 6, 24,
		    "\"addressPools.ipv6\" must be an IPv6 prefix, got \"10.10.2.0/24\"");
	EXPECT_ONLY(TENANT_HEAD "  network: work\n  addressPools: {ipv4: 10.10.2.0/24}\n", 6, 12,
		    "Network \"work\" does not exist");
	EXPECT_ONLY("apiVersion: wgf/v1\nkind: tenant\nmetadata: {name: t}\nspec: {}\n", 2, 7,
		    "unknown kind \"tenant\" (did you mean \"Tenant\"?)");
	EXPECT_ONLY("apiVersion: wgf/v1\nkind: Tenant\nmetadata: {name: acme}\nspec: {addressPools: {ipv4: 10.10.2.0/24}}\n",
		    3, 18, "duplicate Tenant name \"acme\" (first defined at world.yaml:23:18)");
	/* a Tenant and a Peer may share a name */
	EXPECT_OK("apiVersion: wgf/v1\nkind: Tenant\nmetadata: {name: alice}\nspec: {addressPools: {ipv4: 10.10.2.0/24}}\n");

	/* pools: inside the network's, never overlapping another tenant's (both places named) */
	EXPECT_ONLY(TENANT_HEAD "  addressPools: {ipv4: 10.20.0.0/24}\n", 6, 24,
		    "tenant pool 10.20.0.0/24 is outside the network's IPv4 pool 10.10.0.0/16");
	EXPECT_ONLY(TENANT_HEAD "  addressPools: {ipv4: 10.0.0.0/8}\n", 6, 24,
		    "tenant pool 10.0.0.0/8 is outside the network's IPv4 pool 10.10.0.0/16");
	EXPECT_ONLY(TENANT_HEAD "  addressPools: {ipv4: 10.10.1.128/25}\n", 6, 24,
		    "tenant pool 10.10.1.128/25 of Tenant \"t\" overlaps pool 10.10.1.0/24 of Tenant \"acme\" (world.yaml:24:44)");
	EXPECT_ONLY(TENANT_HEAD "  addressPools: {ipv4: 10.10.2.0/24, ipv6: \"fd00:10::/56\"}\n", 6, 44,
		    "tenant pool fd00:10::/56 of Tenant \"t\" overlaps pool fd00:10:0:1::/64 of Tenant \"acme\" (world.yaml:24:64)");
	expect_err(__LINE__, "apiVersion: wgf/v1\nkind: Network\nmetadata: {name: n}\nspec: {addressPools: {ipv4: 10.1.0.0/16}}\n"
		   "---\n" TENANT_HEAD "  addressPools: {ipv6: \"fd00::/64\"}\n", false, "t.yaml", 11, 24,
		   "Tenant \"t\" has an IPv6 pool but Network \"n\" has none", true);

	/* members: tenant exists, addresses inside its pools */
	EXPECT_ONLY(PEER "  tenant: nope\n", 9, 11, "Tenant \"nope\" does not exist");
	EXPECT_ONLY(PEER "  tenant: ~\n", 9, 11, "\"tenant\" has no value");
	EXPECT_ONLY(PEER "  tenant: [acme]\n", 9, 11, "\"tenant\" must be a string, got a list");
	EXPECT_ONLY(HOST_HEAD "  publicKey: " K6 "\n  addresses: [10.10.0.5/16]\n  tenant: \"acme; drop\"\n", 8, 11,
		    "Tenant \"acme; drop\" does not exist");
	EXPECT_ONLY(PEER "  tenant: acme\n", 7, 15,
		    "address 10.10.0.20/32 of Peer \"p\" is outside the IPv4 pool 10.10.1.0/24 of its Tenant \"acme\"");
	EXPECT_ONLY(HOST_HEAD "  tenant: acme\n  publicKey: " K6 "\n  addresses: [10.10.1.2/24, \"fd00:10::5/48\"]\n", 8,
		    29, "address fd00:10::5/48 of Host \"h\" is outside the IPv6 pool fd00:10:0:1::/64 of its Tenant \"acme\"");
	EXPECT_ONLY(TENANT_HEAD "  addressPools: {ipv4: 10.10.2.0/24}\n"
		    "---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: q}\n"
		    "spec: {tenant: t, publicKey: " K7 ", addresses: [10.10.2.5, \"fd00:10::5\"], hubs: [hub]}\n", 11, 99,
		    "address fd00:10::5/128 of Peer \"q\" is IPv6 but its Tenant \"t\" has no IPv6 pool");
	/* a peer prefix wider than its tenant's pool */
	EXPECT_ONLY(TENANT_HEAD "  addressPools: {ipv4: 10.10.2.0/25}\n"
		    "---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: q}\n"
		    "spec: {tenant: t, publicKey: " K7 ", addresses: [10.10.2.0/24], hubs: [hub]}\n", 11, 88,
		    "address 10.10.2.0/24 of Peer \"q\" is outside the IPv4 pool 10.10.2.0/25 of its Tenant \"t\"");
	/* non-members inside a tenant's pool */
	EXPECT_ONLY(PEER "  lans: []\n---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: q}\n"
		    "spec: {publicKey: " K8 ", addresses: [10.10.1.50], hubs: [hub]}\n", 14, 77,
		    "address 10.10.1.50/32 of Peer \"q\" is inside the pool of Tenant \"acme\", but Peer \"q\" is in no tenant "
		    "(add \"tenant\")");
	EXPECT_ONLY(HOST_HEAD "  publicKey: " K6 "\n  addresses: [\"fd00:10:0:1::9/64\"]\n", 7, 15,
		    "address fd00:10:0:1::9/64 of Host \"h\" is inside the pool of Tenant \"acme\", but Host \"h\" is in no "
		    "tenant");
	EXPECT_ONLY(TENANT_HEAD "  addressPools: {ipv4: 10.10.2.0/24}\n"
		    "---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: q}\n"
		    "spec: {tenant: t, publicKey: " K7 ", addresses: [10.10.1.77], hubs: [hub]}\n", 11, 88,
		    "address 10.10.1.77/32 of Peer \"q\" is inside the pool of Tenant \"acme\", but Peer \"q\" is in another "
		    "tenant");
	/* a non-member's prefix that covers a tenant's pool without starting inside it */
	EXPECT_ONLY(TENANT_HEAD "  addressPools: {ipv4: 10.10.6.0/24}\n"
		    "---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: q}\n"
		    "spec: {publicKey: " K7 ", addresses: [10.10.4.0/22], hubs: [hub]}\n", 11, 77,
		    "address 10.10.4.0/22 of Peer \"q\" overlaps the pool 10.10.6.0/24 of Tenant \"t\"");
	/* a tenant of another network */
	EXPECT_ONLY("apiVersion: wgf/v1\nkind: Network\nmetadata: {name: work}\nspec: {addressPools: {ipv4: 10.20.0.0/16}}\n"
		    "---\n" TENANT_HEAD "  network: work\n  addressPools: {ipv4: 10.20.1.0/24}\n"
		    "---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: q}\n"
		    "spec: {network: home, tenant: t, publicKey: " K7 ", addresses: [10.10.0.77], hubs: [hub]}\n", 17, 31,
		    "Tenant \"t\" is in Network \"work\", not in Network \"home\"");
}

/* --- access levels ------------------------------------------------------- */

static void test_access_loaded(void)
{
	struct model *m = LOAD_OK(
		"apiVersion: wgf/v1\nkind: Peer\nmetadata: {name: p1}\n"
		"spec: {publicKey: " K6 ", addresses: [10.10.0.21], hubs: [hub], access: vpn-only}\n---\n"
		"apiVersion: wgf/v1\nkind: Peer\nmetadata: {name: p2}\n"
		"spec: {publicKey: " K7 ", addresses: [10.10.0.22], hubs: [hub], access: custom}\n---\n"
		"apiVersion: wgf/v1\nkind: Peer\nmetadata: {name: p3}\n"
		"spec: {publicKey: " K8 ", addresses: [10.10.0.23], hubs: [hub], access: lan-only}\n---\n"
		"apiVersion: wgf/v1\nkind: Peer\nmetadata: {name: p4}\n"
		"spec: {publicKey: " K9 ", addresses: [10.10.0.24], hubs: [hub], access: lan-only, accessLans: [homerouter]}\n"
		"---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: p5}\n"
		"spec: {publicKey: " K10 ", addresses: [10.10.0.25], hubs: [hub], access: lan-only,\n"
		"       accessLans: [192.168.50.0/25, homerouter, 192.168.50.7, \"fd50::/64\"]}\n");
	const struct model_peer *p;

	if (!m)
		return;
	CHECK_INT(peer(m, "alice")->access, ACCESS_FULL);
	CHECK_INT(peer(m, "alice")->n_access_lans, 0);
	CHECK_INT(peer(m, "p1")->access, ACCESS_VPN_ONLY);
	CHECK_INT(peer(m, "p2")->access, ACCESS_CUSTOM);
	CHECK_STR(access_level_name(peer(m, "p2")->access), "custom");
	/* lan-only without a list: every LAN of its scope (left to the renderer) */
	p = peer(m, "p3");
	CHECK_INT(p->access, ACCESS_LAN_ONLY);
	CHECK_INT(p->n_access_lans, 0);
	/* a host name stands for all of its lans */
	p = peer(m, "p4");
	CHECK_INT(p->n_access_lans, 2);
	if (p->n_access_lans == 2) {
		CHECK_STR(fmt(&p->access_lans[0]), "192.168.50.0/24");
		CHECK_STR(fmt(&p->access_lans[1]), "fd50::/64");
	}
	/* prefixes are kept as written (a bare address is one address); duplicates once */
	p = peer(m, "p5");
	CHECK_INT(p->n_access_lans, 4);
	if (p->n_access_lans == 4) {
		CHECK_STR(fmt(&p->access_lans[0]), "192.168.50.0/25");
		CHECK_STR(fmt(&p->access_lans[1]), "192.168.50.0/24");
		CHECK_STR(fmt(&p->access_lans[2]), "fd50::/64");
		CHECK_STR(fmt(&p->access_lans[3]), "192.168.50.7/32");
	}
	model_free(m);

	/* within a tenant; and a non-isolated tenant shares LANs with the shared part */
	m = LOAD_OK("apiVersion: wgf/v1\nkind: Peer\nmetadata: {name: p1}\n"
		    "spec: {tenant: acme, publicKey: " K6 ", addresses: [10.10.1.21], hubs: [hub], access: lan-only,"
		    " accessLans: [acme-router]}\n---\n"
		    TENANT_HEAD "  isolated: false\n  addressPools: {ipv4: 10.10.2.0/24}\n---\n"
		    "apiVersion: wgf/v1\nkind: Host\nmetadata: {name: t-router}\n"
		    "spec: {tenant: t, role: router, publicKey: " K7 ", addresses: [10.10.2.1/24], lans: [192.168.20.0/24]}\n"
		    "---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: p2}\n"
		    "spec: {publicKey: " K8 ", addresses: [10.10.0.22], hubs: [hub], access: lan-only,"
		    " accessLans: [t-router, homerouter]}\n---\n"
		    "apiVersion: wgf/v1\nkind: Peer\nmetadata: {name: p3}\n"
		    "spec: {tenant: t, publicKey: " K9 ", addresses: [10.10.2.23], hubs: [hub], access: lan-only,"
		    " accessLans: [192.168.50.0/24]}\n");
	if (!m)
		return;
	p = peer(m, "p1");
	CHECK_INT(p->tenant, 0);
	CHECK_INT(p->n_access_lans, 1);
	if (p->n_access_lans == 1)
		CHECK_STR(fmt(&p->access_lans[0]), "192.168.10.0/24");
	CHECK_INT(peer(m, "p2")->n_access_lans, 3);
	CHECK_INT(peer(m, "p3")->n_access_lans, 1);
	model_free(m);
}

static void test_access_errors(void)
{
	EXPECT_ONLY(PEER "  access: lan_only\n", 9, 11,
		    "\"access\" must be full, vpn-only, lan-only, internet-only or custom, got \"lan_only\" (did you mean \"lan-only\"?)");
	EXPECT_ONLY(PEER "  access: FULL\n", 9, 11, "got \"FULL\" (did you mean \"full\"?)");
	EXPECT_ONLY(PEER "  access: everything\n", 9, 11,
		    "\"access\" must be full, vpn-only, lan-only, internet-only or custom, got \"everything\"");
	EXPECT_ONLY(PEER "  access: [full]\n", 9, 11, "\"access\" must be a string, got a list");
	EXPECT_ONLY(PEER "  acess: full\n", 9, 3, "unknown field \"acess\" in Peer spec (did you mean \"access\"?)");
	EXPECT_ONLY(PEER "  accesslans: [homerouter]\n", 9, 3,
		    "unknown field \"accesslans\" in Peer spec (did you mean \"accessLans\"?)");
	/* accessLans only with lan-only */
	EXPECT_ONLY(PEER "  access: vpn-only\n  accessLans: [homerouter]\n", 10, 16,
		    "\"accessLans\" applies only to access: lan-only (Peer \"p\" has access: vpn-only)");
	EXPECT_ONLY(PEER "  accessLans: [homerouter]\n", 9, 16,
		    "\"accessLans\" applies only to access: lan-only (Peer \"p\" has access: full)");
	/* a misspelt level is one error, not two */
	EXPECT_ONLY(PEER "  access: lan-onyl\n  accessLans: [homerouter]\n", 9, 11, "did you mean \"lan-only\"?");
	EXPECT_ONLY(PEER "  access: lan-only\n  accessLans: []\n", 10, 15,
		    "\"accessLans\" is empty: leave it out to reach every LAN of the peer's scope");
	EXPECT_ONLY(PEER "  access: lan-only\n  accessLans: homerouter\n", 10, 15,
		    "\"accessLans\" must be a list, got \"homerouter\"");
	EXPECT_ONLY(PEER "  access: lan-only\n  accessLans: [~]\n", 10, 16, "\"accessLans\" has no value");
	/* entries: names of hosts with lans in scope, or prefixes inside such lans */
	EXPECT_ONLY(PEER "  access: lan-only\n  accessLans: [nas]\n", 10, 16,
		    "accessLans entry \"nas\" is neither a Host name nor a prefix");
	EXPECT_ONLY(PEER "  access: lan-only\n  accessLans: [\"\\\"; flush ruleset\"]\n", 10, 16,
		    "accessLans entry \"\\\"; flush ruleset\" is neither a Host name nor a prefix");
	EXPECT_ONLY(PEER "  access: lan-only\n  accessLans: [hub]\n", 10, 16, "accessLans: Host \"hub\" has no lans");
	EXPECT_ONLY(PEER "  access: lan-only\n  accessLans: [192.168.50.1/24]\n", 10, 16,
		    "accessLans entry \"192.168.50.1/24\" has host bits set");
	EXPECT_ONLY(PEER "  access: lan-only\n  accessLans: [192.168.0.0/16]\n", 10, 16,
		    "accessLans entry \"192.168.0.0/16\" is not inside any host's lans");
	/* a peer's lans are not among them (README: inside a host's lans) */
	EXPECT_ONLY(PEER "  access: lan-only\n  accessLans: [172.20.0.0/24]\n", 10, 16,
		    "accessLans entry \"172.20.0.0/24\" is not inside any host's lans");
	EXPECT_ONLY(PEER "  access: lan-only\n  accessLans: [homerouter, 10.10.0.0/24]\n", 10, 28,
		    "accessLans entry \"10.10.0.0/24\" is not inside any host's lans");
	/* crossing tenants takes a Policy */
	EXPECT_ONLY(PEER "  access: lan-only\n  accessLans: [acme-router]\n", 10, 16,
		    "accessLans: Host \"acme-router\" is in \"acme\", not in the shared part of the network: use a Policy "
		    "to cross tenants");
	EXPECT_ONLY(PEER "  access: lan-only\n  accessLans: [192.168.10.0/25]\n", 10, 16,
		    "accessLans entry \"192.168.10.0/25\" is a LAN of Host \"acme-router\" in \"acme\", not in the shared "
		    "part of the network: use a Policy to cross tenants");
	EXPECT_ONLY("apiVersion: wgf/v1\nkind: Peer\nmetadata: {name: q}\n"
		    "spec: {tenant: acme, publicKey: " K7 ", addresses: [10.10.1.20], hubs: [hub], access: lan-only,"
		    " accessLans: [homerouter]}\n", 4, 148,
		    "accessLans: Host \"homerouter\" is in the shared part of the network, not in \"acme\"");
	/* a host of another network */
	EXPECT_ONLY("apiVersion: wgf/v1\nkind: Network\nmetadata: {name: work}\nspec: {addressPools: {ipv4: 10.20.0.0/16}}\n"
		    "---\napiVersion: wgf/v1\nkind: Host\nmetadata: {name: w1}\n"
		    "spec: {network: work, role: router, publicKey: " K8 ", addresses: [10.20.0.1/16], lans: [192.168.99.0/24]}\n"
		    "---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: q}\n"
		    "spec: {network: home, publicKey: " K7 ", addresses: [10.10.0.30], hubs: [hub], access: lan-only,"
		    " accessLans: [w1]}\n", 14, 149, "accessLans: Host \"w1\" is in another Network");
}

/* --- hosts: role exit, masquerade, public addresses ----------------------- */

static void test_host_fields(void)
{
	struct model *m = LOAD_OK(
		HOST_HEAD "  role: exit\n  publicKey: " K6 "\n  endpoint: \"[2001:db8::1]:51820\"\n  addresses: [10.10.0.5/16]\n"
		"---\napiVersion: wgf/v1\nkind: Host\nmetadata: {name: r}\n"
		"spec: {role: router, masquerade: true, publicKey: " K7 ", addresses: [10.10.0.6/16], lans: [192.168.60.0/24], hubs: [h]}\n"
		"---\napiVersion: wgf/v1\nkind: Host\nmetadata: {name: r2}\n"
		"spec: {role: router, masquerade: false, publicKey: " K8 ", addresses: [10.10.0.7/16],\n"
		"       endpoint: \"203.0.113.9:1\", publicAddresses: [203.0.113.10, \"2001:db8::10\"]}\n"
		"---\napiVersion: wgf/v1\nkind: Host\nmetadata: {name: m}\n"
		"spec: {role: member, masquerade: false, publicKey: " K9 ", addresses: [10.10.0.8/16], publicAddresses: []}\n"
		"---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: q}\n"
		"spec: {publicKey: " K10 ", addresses: [10.10.0.40], hubs: [h, hub]}\n");
	const struct model_host *h;

	if (!m)
		return;
	h = host(m, "h");
	CHECK_INT(h->role, HOST_ROLE_EXIT);
	CHECK_STR(host_role_name(h->role), "exit");
	CHECK(host_role_takes_peers(h->role));
	CHECK(!h->masquerade);
	/* the default public address: the endpoint's */
	CHECK_INT(h->n_public_addrs, 1);
	if (h->n_public_addrs == 1)
		CHECK_STR(fmt(&h->public_addrs[0]), "2001:db8::1/128");
	h = host(m, "hub");
	CHECK_INT(h->n_public_addrs, 1);
	if (h->n_public_addrs == 1)
		CHECK_STR(fmt(&h->public_addrs[0]), "192.0.2.1/32");
	CHECK_INT(host(m, "homerouter")->n_public_addrs, 0);
	CHECK(host(m, "r")->masquerade);
	CHECK_INT(host(m, "r")->n_public_addrs, 0);
	/* given: replaces the endpoint's */
	h = host(m, "r2");
	CHECK(!h->masquerade);
	CHECK_INT(h->n_public_addrs, 2);
	if (h->n_public_addrs == 2) {
		CHECK_STR(fmt(&h->public_addrs[0]), "203.0.113.10/32");
		CHECK_STR(fmt(&h->public_addrs[1]), "2001:db8::10/128");
	}
	CHECK_INT(host(m, "m")->n_public_addrs, 0);
	CHECK_INT(peer(m, "q")->n_hubs, 2);
	model_free(m);

	EXPECT_ONLY(HOST_HEAD "  role: exits\n  publicKey: " K6 "\n  addresses: [10.10.0.5/16]\n", 6, 9,
		    "\"role\" must be hub, exit, router or member, got \"exits\" (did you mean \"exit\"?)");
	EXPECT_ONLY(HOST_HEAD "  role: exit\n  publicKey: " K6 "\n  addresses: [10.10.0.5/16]\n", 6, 9,
		    "Host \"h\" is a hub but has no \"endpoint\"");
	/* masquerade: routers only, a real boolean */
	EXPECT_ONLY(HOST_HEAD "  role: hub\n  endpoint: 198.51.100.7:1\n  masquerade: true\n  publicKey: " K6 "\n"
		    "  addresses: [10.10.0.5/16]\n", 8, 15, "\"masquerade\" applies to role router (Host \"h\" has role hub)");
	EXPECT_ONLY(HOST_HEAD "  role: exit\n  endpoint: 198.51.100.7:1\n  masquerade: true\n  publicKey: " K6 "\n"
		    "  addresses: [10.10.0.5/16]\n", 8, 15, "(Host \"h\" has role exit)");
	EXPECT_ONLY(HOST_HEAD "  masquerade: true\n  publicKey: " K6 "\n  addresses: [10.10.0.5/16]\n", 6, 15,
		    "(Host \"h\" has role member)");
	EXPECT_ONLY(HOST_HEAD "  role: router\n  masquerade: yes\n  publicKey: " K6 "\n  addresses: [10.10.0.5/16]\n", 7,
		    15, "\"masquerade\" must be true or false, got \"yes\"");
	EXPECT_ONLY(HOST_HEAD "  role: router\n  masquerade: \"true\"\n  publicKey: " K6 "\n  addresses: [10.10.0.5/16]\n",
		    7, 15, "\"masquerade\" must be true or false, got the string \"true\"");
	EXPECT_ONLY(HOST_HEAD "  masqerade: true\n  publicKey: " K6 "\n  addresses: [10.10.0.5/16]\n", 6, 3,
		    "unknown field \"masqerade\" in Host spec (did you mean \"masquerade\"?)");
	/* public addresses: single addresses, each once */
	EXPECT_ONLY(HOST_HEAD "  publicKey: " K6 "\n  addresses: [10.10.0.5/16]\n  publicAddresses: [198.51.100.0/24]\n",
		    8, 21, "publicAddresses \"198.51.100.0/24\" must be a single address, without a prefix length");
	EXPECT_ONLY(HOST_HEAD "  publicKey: " K6 "\n  addresses: [10.10.0.5/16]\n  publicAddresses: [vps.example.com]\n",
		    8, 21, "address \"vps.example.com\" is not an IP address or prefix");
	EXPECT_ONLY(HOST_HEAD "  publicKey: " K6 "\n  addresses: [10.10.0.5/16]\n"
		    "  publicAddresses: [198.51.100.7, \"2001:db8::7\", 198.51.100.7]\n", 8, 50,
		    "public address 198.51.100.7 is listed twice");
	EXPECT_ONLY(HOST_HEAD "  publicKey: " K6 "\n  addresses: [10.10.0.5/16]\n  publicAddresses: 198.51.100.7\n", 8,
		    20, "\"publicAddresses\" must be a list, got \"198.51.100.7\"");
	EXPECT_ONLY(HOST_HEAD "  publicKey: " K6 "\n  addresses: [10.10.0.5/16]\n  publicAdresses: [198.51.100.7]\n", 8,
		    3, "unknown field \"publicAdresses\" in Host spec (did you mean \"publicAddresses\"?)");
}

/* --- forwards ------------------------------------------------------------ */

static void test_forwards_loaded(void)
{
	struct model *m = LOAD_OK(
		EDGE
		"    - name: web\n"                                           /* 12 */
		"      address: 198.51.100.7\n"
		"      protocol: tcp\n"
		"      port: 80\n"
		"      to: alice\n"
		"    - address: 198.51.100.7\n"                               /* 17 */
		"      protocol: both\n"
		"      port: 8000-8100\n"
		"      to: 192.168.50.10\n"
		"      toPort: 9000\n"
		"    - address: \"2001:db8::7\"\n"                            /* 22 */
		"      protocol: udp\n"
		"      port: \"27015-27030\"\n"
		"      to: alice\n"
		"    - {address: 198.51.100.8, protocol: tcp, port: 22, to: homerouter, toPort: 2222}\n"    /* 26 */
		"    - {address: 198.51.100.8, protocol: tcp, port: 25, to: 10.10.0.10}\n"
		"    - {address: 198.51.100.8, protocol: udp, port: 25, to: 172.20.0.9}\n"
		"    - {address: \"2001:db8::7\", protocol: tcp, port: 443, to: \"fd50::80\"}\n"
		"    - {address: 198.51.100.8, protocol: tcp, port: 65535, to: acme-bob}\n"
		"---\napiVersion: wgf/v1\nkind: Host\nmetadata: {name: vps}\n"
		"spec: {role: hub, publicKey: " K7 ", endpoint: \"203.0.113.1:51820\", addresses: [10.10.0.6/16],\n"
		"       forwards: [{protocol: udp, port: 1-1024, to: alice}]}\n");
	const struct model_host *h;
	const struct model_forward *f;

	if (!m)
		return;
	h = host(m, "h");
	CHECK_INT(h->n_public_addrs, 3);
	CHECK_INT(h->n_forwards, 8);
	if (h->n_forwards != 8)
		goto out;
	f = &h->forwards[0];
	CHECK_STR(f->name, "web");
	CHECK_INT(f->loc.line, 12);
	CHECK_INT(f->loc.col, 7);
	CHECK_INT(f->port_loc.line, 15);
	CHECK_INT(f->port_loc.col, 13);
	CHECK_INT(f->to_loc.line, 16);
	CHECK_INT(f->addr_loc.line, 13);
	CHECK(f->has_addr);
	CHECK_STR(fmt(&f->public_addr), "198.51.100.7/32");
	CHECK_INT(f->protos, FW_PROTO_TCP);
	CHECK_INT(f->ports.lo, 80);
	CHECK_INT(f->ports.hi, 80);
	CHECK_STR(f->to, "alice");
	CHECK_INT(f->peer, peer_idx(m, "alice"));
	CHECK_STR(fmt(&f->target), "10.10.0.10/32");
	CHECK_INT(f->to_port, 0);

	f = &h->forwards[1];
	CHECK(f->name == NULL);
	CHECK_INT(f->protos, FW_PROTO_TCP | FW_PROTO_UDP);
	CHECK_INT(f->ports.lo, 8000);
	CHECK_INT(f->ports.hi, 8100);
	CHECK(f->peer == MODEL_NONE);
	CHECK_STR(fmt(&f->target), "192.168.50.10/32");
	CHECK_INT(f->to_port, 9000);

	/* an IPv6 public address forwards to the peer's IPv6 address */
	f = &h->forwards[2];
	CHECK_STR(fmt(&f->public_addr), "2001:db8::7/128");
	CHECK_INT(f->protos, FW_PROTO_UDP);
	CHECK_INT(f->ports.lo, 27015);
	CHECK_INT(f->ports.hi, 27030);
	CHECK_INT(f->peer, peer_idx(m, "alice"));
	CHECK_STR(fmt(&f->target), "fd00:10::10/128");

	/* a host name: its tunnel address */
	f = &h->forwards[3];
	CHECK(f->peer == MODEL_NONE);
	CHECK_STR(fmt(&f->target), "10.10.0.2/32");
	CHECK_INT(f->to_port, 2222);
	CHECK_INT(f->loc.line, 26);
	CHECK_INT(f->port_loc.col, 52);
	/* a peer's address written as an address; an address in a peer's lans; a v6 LAN address */
	CHECK_STR(fmt(&h->forwards[4].target), "10.10.0.10/32");
	CHECK(h->forwards[4].peer == MODEL_NONE);
	CHECK_STR(fmt(&h->forwards[5].target), "172.20.0.9/32");
	CHECK_STR(fmt(&h->forwards[6].target), "fd50::80/128");
	/* a tenant's peer */
	CHECK_INT(h->forwards[7].peer, peer_idx(m, "acme-bob"));
	CHECK_INT(h->forwards[7].ports.lo, 65535);

	/* without "address": the only public address (the endpoint's) */
	h = host(m, "vps");
	CHECK_INT(h->n_forwards, 1);
	if (h->n_forwards == 1) {
		f = &h->forwards[0];
		CHECK(f->has_addr);
		CHECK_STR(fmt(&f->public_addr), "203.0.113.1/32");
		CHECK_INT(f->ports.lo, 1);
		CHECK_INT(f->ports.hi, 1024);
		CHECK_STR(fmt(&f->target), "10.10.0.10/32");
	}
out:
	model_free(m);

	/* the same port on different addresses or protocols; adjacent ranges */
	EXPECT_OK(EDGE FWD("198.51.100.7", "tcp", "25565", "alice") FWD("198.51.100.8", "tcp", "25565", "alice")
		  FWD("198.51.100.7", "udp", "25565", "alice") FWD("198.51.100.7", "both", "8000-8100", "alice")
		  FWD("198.51.100.7", "tcp", "8101-8200", "alice") FWD("198.51.100.7", "udp", "7999", "alice"));
}

static void test_forward_errors(void)
{
	/* the forward item */
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "80", "alice") "      toport: 8080\n", 16, 7,
		    "unknown field \"toport\" in forward (did you mean \"toPort\"?)");
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "80", "alice") "      dest: x\n", 16, 7,
		    "unknown field \"dest\" in forward");
	EXPECT_ONLY(EDGE "    - 80\n", 12, 7, "\"forwards item\" must be a mapping, got \"80\"");
	EXPECT_ONLY(EDGE "    {port: 80}\n", 12, 5, "\"forwards\" must be a list, got a mapping");
	EXPECT_ONLY(EDGE "    - {address: 198.51.100.7, port: 80, to: alice}\n", 12, 7,
		    "missing required field \"protocol\" in forward");
	EXPECT_ONLY(EDGE "    - {address: 198.51.100.7, protocol: tcp, to: alice}\n", 12, 7,
		    "missing required field \"port\" in forward");
	EXPECT_ONLY(EDGE "    - {address: 198.51.100.7, protocol: tcp, port: 80}\n", 12, 7,
		    "missing required field \"to\" in forward");
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "icmp", "80", "alice"), 13, 17,
		    "\"protocol\" must be one of tcp, udp, both, got \"icmp\"");
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "TCP", "80", "alice"), 13, 17, "\"protocol\" must be one of tcp, udp, both");
	/* names are shown in plans and must be plain */
	EXPECT_ONLY(EDGE "    - name: \"\\\"; flush ruleset\"\n" "      address: 198.51.100.7" FWD_TAIL("tcp", "80", "alice"), 12, 13,
		    "forward name \"\\\"; flush ruleset\" is not valid (1-63 lowercase letters");
	EXPECT_ONLY(EDGE "    - name: \"web\\nadd rule\"\n" "      address: 198.51.100.7" FWD_TAIL("tcp", "80", "alice"), 12, 13,
		    "forward name \"web\\x0aadd rule\" is not valid");
	EXPECT_ONLY(EDGE "    - name: Web\n" "      address: 198.51.100.7" FWD_TAIL("tcp", "80", "alice"), 12, 13,
		    "forward name \"Web\" is not valid");

	/* the public address */
	EXPECT_ONLY(EDGE "    - {protocol: tcp, port: 80, to: alice}\n", 12, 7,
		    "forward needs \"address\": Host \"h\" has 3 public addresses");
	EXPECT_ONLY(HOST_HEAD "  role: router\n  publicKey: " K6 "\n  addresses: [10.10.0.5/16]\n"
		    "  forwards: [{protocol: tcp, port: 80, to: alice}]\n", 9, 14,
		    "forward needs \"address\": Host \"h\" has 0 public addresses");
	EXPECT_ONLY(EDGE FWD("198.51.100.9", "tcp", "80", "alice"), 12, 16,
		    "forward address 198.51.100.9 is not one of Host \"h\"'s publicAddresses");
	EXPECT_ONLY(EDGE FWD("\"2001:db8::8\"", "tcp", "80", "alice"), 12, 16,
		    "forward address 2001:db8::8 is not one of Host \"h\"'s publicAddresses");
	EXPECT_ONLY(EDGE FWD("198.51.100.0/24", "tcp", "80", "alice"), 12, 16,
		    "forward address \"198.51.100.0/24\" is not an IP address");
	EXPECT_ONLY(EDGE FWD("vps.example.com", "tcp", "80", "alice"), 12, 16,
		    "forward address \"vps.example.com\" is not an IP address");
	/* a port check still runs when the address is wrong */
	expect_err(__LINE__, EDGE FWD("198.51.100.9", "tcp", "65000-65100", "alice") "      toPort: 65500\n", true,
		   "t.yaml", 14, 13, "toPort 65500 shifts the range 65000-65100 beyond 65535", false);

	/* ports and toPort */
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "0", "alice"), 14, 13, "\"port\" must be between 1 and 65535, got \"0\"");
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "70000", "alice"), 14, 13,
		    "\"port\" must be between 1 and 65535, got \"70000\"");
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "10-5", "alice"), 14, 13,
		    "\"port\" range \"10-5\" must be lo-hi with 1 <= lo <= hi <= 65535");
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "0-10", "alice"), 14, 13, "\"port\" range \"0-10\" must be lo-hi");
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "1-65536", "alice"), 14, 13, "\"port\" range \"1-65536\" must be lo-hi");
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "1-99999999999999999999999", "alice"), 14, 13,
		    "\"port\" range \"1-99999999999999999999999\" must be lo-hi");
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "abc", "alice"), 14, 13,
		    "\"port\" must be a port (1-65535) or a range \"lo-hi\", got \"abc\"");
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "-80", "alice"), 14, 13, "or a range \"lo-hi\", got \"-80\"");
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "80-", "alice"), 14, 13, "or a range \"lo-hi\", got \"80-\"");
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "80-90-100", "alice"), 14, 13, "\"80-90-100\"");
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "80 - 90", "alice"), 14, 13, "\"80 - 90\"");
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "0x50", "alice"), 14, 13, "\"0x50\"");
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "080-090", "alice"), 14, 13, "\"080-090\"");
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "[80]", "alice"), 14, 13, "got a list");
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "~", "alice"), 14, 13, "\"port\" has no value");
	/* a quoted number is a string, as everywhere; a quoted range is fine */
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "\"445\"", "alice"), 14, 13,
		    "\"port\" must be an integer, got the string \"445\"");
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "80", "alice") "      toPort: 0\n", 16, 15,
		    "\"toPort\" must be between 1 and 65535, got \"0\"");
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "80", "alice") "      toPort: 8000-8100\n", 16, 15,
		    "\"toPort\" must be a plain decimal integer, got \"8000-8100\"");
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "65000-65100", "alice") "      toPort: 65500\n", 14, 13,
		    "toPort 65500 shifts the range 65000-65100 beyond 65535");
	EXPECT_OK(EDGE FWD("198.51.100.7", "tcp", "65000-65100", "alice") "      toPort: 65435\n");
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "1000-6000", "alice") "      toPort: 11000\n", 14, 13,
		    "a range with another toPort may span at most 4096 ports");
	EXPECT_OK(EDGE FWD("198.51.100.7", "tcp", "1000-6000", "alice") "      toPort: 1000\n");

	/* the target */
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "80", "172.16.0.5"), 15, 11,
		    "forward target \"172.16.0.5\" is neither a peer's address nor inside a host's lans");
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "80", "10.10.0.99"), 15, 11,
		    "forward target \"10.10.0.99\" is neither a peer's address nor inside a host's lans");
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "80", "\"fd00:10::10\""), 15, 11,
		    "forward target \"fd00:10::10\" is IPv6 but the public address 198.51.100.7 is IPv4");
	EXPECT_ONLY(EDGE FWD("\"2001:db8::7\"", "tcp", "80", "192.168.50.10"), 15, 11,
		    "forward target \"192.168.50.10\" is IPv4 but the public address 2001:db8::7 is IPv6");
	EXPECT_ONLY(EDGE FWD("\"2001:db8::7\"", "tcp", "80", "acme-bob"), 15, 11,
		    "forward target Peer \"acme-bob\" has no IPv6 address for 2001:db8::7");
	EXPECT_ONLY(EDGE FWD("\"2001:db8::7\"", "tcp", "80", "acme-router"), 15, 11,
		    "forward target Host \"acme-router\" has no IPv6 address in this network");
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "80", "192.168.50.0/24"), 15, 11,
		    "forward target \"192.168.50.0/24\" must be a single address");
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "80", "nobody"), 15, 11,
		    "forward target \"nobody\" is neither a Peer, a Host nor an IP address");
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "80", "\"x; flush ruleset\""), 15, 11,
		    "forward target \"x; flush ruleset\" is neither a Peer, a Host nor an IP address");
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "80", "~"), 15, 11, "\"to\" has no value");
	/* a name that is both a Peer and a Host is ambiguous */
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "80", "homerouter")
		    "---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: homerouter}\n"
		    "spec: {publicKey: " K7 ", addresses: [10.10.0.50], hubs: [hub]}\n", 15, 11,
		    "forward target \"homerouter\" names both a Peer and a Host: use an address");
	/* a peer of another network */
	EXPECT_ONLY("apiVersion: wgf/v1\nkind: Network\nmetadata: {name: work}\nspec: {addressPools: {ipv4: 10.20.0.0/16}}\n"
		    "---\napiVersion: wgf/v1\nkind: Host\nmetadata: {name: whub}\n"
		    "spec: {network: work, role: hub, endpoint: \"192.0.2.20:1\", publicKey: " K8 ", addresses: [10.20.0.1/16]}\n"
		    "---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: wpeer}\n"
		    "spec: {network: work, publicKey: " K9 ", addresses: [10.20.0.9], hubs: [whub]}\n"
		    "---\n" HOST_HEAD "  network: home\n  role: hub\n  endpoint: 198.51.100.7:1\n  publicKey: " K6 "\n"
		    "  addresses: [10.10.0.5/16]\n  forwards: [{protocol: tcp, port: 80, to: wpeer}]\n", 26, 44,
		    "forward target Peer \"wpeer\" is in another Network");
}

static void test_forward_conflicts(void)
{
	/* same address, protocol and port: reported at the later, naming the earlier */
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "80", "alice") FWD("198.51.100.7", "tcp", "80", "acme-bob"), 18, 13,
		    "forward 198.51.100.7 tcp/80 conflicts with the forward of Host \"h\" at t.yaml:14:13 "
		    "(same address, protocol and port)");
	/* overlapping ranges: the first port they share */
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "udp", "8000-8100", "alice") FWD("198.51.100.7", "udp", "7000-8050", "alice"),
		    14, 13, "forward 198.51.100.7 udp/8000 conflicts with the forward of Host \"h\" at t.yaml:18:13");
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "8000-8100", "alice") FWD("198.51.100.7", "tcp", "8100", "alice"),
		    18, 13, "forward 198.51.100.7 tcp/8100 conflicts with the forward of Host \"h\" at t.yaml:14:13");
	/* both against udp, and against tcp */
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "both", "53", "alice") FWD("198.51.100.7", "udp", "53", "alice"), 18, 13,
		    "forward 198.51.100.7 udp/53 conflicts with the forward of Host \"h\" at t.yaml:14:13");
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "53", "alice") FWD("198.51.100.7", "both", "50-60", "alice"), 14, 13,
		    "forward 198.51.100.7 tcp/53 conflicts with the forward of Host \"h\" at t.yaml:18:13");
	/* the default address counts as that address */
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "80", "alice") FWD("\"2001:db8::7\"", "tcp", "80", "alice")
		    FWD("\"2001:db8:0::7\"", "tcp", "80", "alice"), 22, 13,
		    "forward 2001:db8::7 tcp/80 conflicts with the forward of Host \"h\" at t.yaml:18:13");
	/* three at once: each later one is reported */
	{
		struct model *m = (struct model *)1;
		struct diag d;
		int r = load_case(EDGE FWD("198.51.100.7", "tcp", "1-100", "alice") FWD("198.51.100.7", "tcp", "50", "alice")
				  FWD("198.51.100.7", "tcp", "60", "alice"), true, &m, &d);

		CHECK_INT(r, -EINVAL);
		CHECK_INT(d.n_errors, 2);
		CHECK(has_error(&d, "t.yaml", 18, 13, "tcp/50 conflicts with the forward of Host \"h\" at t.yaml:14:13"));
		CHECK(has_error(&d, "t.yaml", 22, 13, "tcp/60 conflicts with the forward of Host \"h\" at t.yaml:14:13"));
		if (d.n != 2)
			dump(&d);
		model_free(m);
		diag_free(&d);
	}
	/* two hosts with one public address (one machine in two networks, say):
	 * reported at the one defined later, whatever the order in memory */
	expect_err(__LINE__, HOST_HEAD "  role: hub\n  endpoint: 192.0.2.1:51821\n  publicKey: " K6 "\n"
		   "  addresses: [10.10.0.5/16]\n  forwards: [{protocol: tcp, port: 80, to: alice}]\n"
		   "---\napiVersion: wgf/v1\nkind: Host\nmetadata: {name: h2}\n"
		   "spec: {role: hub, endpoint: \"192.0.2.1:51822\", publicKey: " K7 ", addresses: [10.10.0.6/16],\n"
		   "       forwards: [{protocol: tcp, port: 80, to: alice}]}\n", true, "t.yaml", 16, 41,
		   "forward 192.0.2.1 tcp/80 conflicts with the forward of Host \"h\" at t.yaml:10:36", true);
}

/* --- policies ------------------------------------------------------------ */

static void test_policies_loaded(void)
{
	struct model *m = LOAD_OK(
		"apiVersion: wgf/v1\nkind: Peer\nmetadata: {name: v6only, labels: {group: staff, site: b}}\n"
		"spec: {publicKey: " K6 ", addresses: [\"fd00:10::60\"], hubs: [hub]}\n---\n"
		POLICY_HEAD
		"  priority: 10\n"
		"  rules:\n"
		"    - from: [{labels: {group: staff}}, {peer: alice}]\n"        /* 13 */
		"      to: {cidr: 192.168.50.10/32}\n"
		"      protocol: tcp\n"
		"      ports: [445, 8000-8100, \"9000-9001\"]\n"
		"      action: accept\n"
		"    - from: {host: homerouter}\n"                               /* 18 */
		"      to: [{tenant: acme}, {cidr: 0.0.0.0/0}, {cidr: \"::/0\"}]\n"
		"      action: drop\n"
		"    - protocol: icmp\n"                                         /* 21 */
		"      action: accept\n"
		"    - protocol: both\n"
		"      ports: [53]\n"
		"      action: accept\n"
		"    - {protocol: udp, action: drop, to: {labels: {group: staff, site: b}}}\n"   /* 26 */
		"  tests:\n"
		"    - {from: alice, to: 192.168.50.10, port: 445, expect: accept}\n"          /* 28 */
		"    - {from: alice, to: \"fd50::10\", expect: drop}\n"
		"    - {from: alice, to: hub, protocol: udp, port: 53, expect: accept}\n"
		"    - {from: 203.0.113.5, to: 192.0.2.1, port: 80, expect: drop}\n"
		"    - {from: hub, to: acme-bob, protocol: icmp, expect: accept}\n"
		"    - {from: v6only, to: alice, expect: accept}\n"
		"    - {from: acme-router, to: 192.168.10.5, protocol: tcp, port: 1, expect: drop}\n"
		"---\napiVersion: wgf/v1\nkind: Policy\nmetadata: {name: alpha}\nspec: {rules: [{action: drop}]}\n"
		"---\napiVersion: wgf/v1\nkind: Policy\nmetadata: {name: beta}\nspec: {priority: 10, network: home}\n"
		"---\napiVersion: wgf/v1\nkind: Policy\nmetadata: {name: first}\nspec: {priority: 0, rules: []}\n");
	const struct model_policy *pol;
	const struct model_rule *r;
	const struct model_test *t;

	if (!m)
		return;
	/* by (priority, name) */
	CHECK_INT(m->n_policies, 4);
	if (m->n_policies != 4)
		goto out;
	CHECK_STR(m->policies[0].meta.name, "first");
	CHECK_STR(m->policies[1].meta.name, "beta");
	CHECK_STR(m->policies[2].meta.name, "pol");
	CHECK_STR(m->policies[3].meta.name, "alpha");
	CHECK_INT(m->policies[0].priority, 0);
	CHECK_INT(m->policies[3].priority, 100);
	CHECK_INT(m->policies[3].n_rules, 1);
	CHECK_INT(m->policies[0].n_rules, 0);
	CHECK_INT(m->policies[1].network, 0);

	pol = &m->policies[2];
	CHECK_INT(pol->priority, 10);
	CHECK_INT(pol->n_rules, 5);
	CHECK_INT(pol->n_tests, 7);
	if (pol->n_rules != 5 || pol->n_tests != 7)
		goto out;
	r = &pol->rules[0];
	CHECK_INT(r->loc.line, 13);
	CHECK_INT(r->loc.col, 7);
	CHECK(r->accept);
	CHECK_INT(r->protos, FW_PROTO_TCP);
	CHECK_INT(r->n_from, 2);
	CHECK_INT(r->n_to, 1);
	if (r->n_from == 2 && r->n_to == 1) {
		CHECK_INT(r->from[0].kind, SEL_LABELS);
		CHECK_INT(r->from[0].n_labels, 1);
		if (r->from[0].n_labels == 1) {
			CHECK_STR(r->from[0].labels[0].key, "group");
			CHECK_STR(r->from[0].labels[0].value, "staff");
		}
		CHECK_INT(r->from[0].loc.line, 13);
		CHECK_INT(r->from[0].loc.col, 14);
		CHECK_INT(r->from[1].kind, SEL_PEER);
		CHECK_STR(r->from[1].name, "alice");
		CHECK_INT(r->from[1].index, peer_idx(m, "alice"));
		CHECK_INT(r->to[0].kind, SEL_CIDR);
		CHECK_STR(fmt(&r->to[0].cidr), "192.168.50.10/32");
	}
	CHECK_INT(r->n_ports, 3);
	if (r->n_ports == 3) {
		CHECK(r->ports[0].lo == 445 && r->ports[0].hi == 445);
		CHECK(r->ports[1].lo == 8000 && r->ports[1].hi == 8100);
		CHECK(r->ports[2].lo == 9000 && r->ports[2].hi == 9001);
	}

	r = &pol->rules[1];
	CHECK(!r->accept);
	CHECK_INT(r->protos, FW_PROTO_ANY);
	CHECK_INT(r->n_ports, 0);
	CHECK_INT(r->n_from, 1);
	CHECK_INT(r->n_to, 3);
	if (r->n_from == 1 && r->n_to == 3) {
		CHECK_INT(r->from[0].kind, SEL_HOST);
		CHECK_INT(r->from[0].index, host_idx(m, "homerouter"));
		CHECK_INT(r->to[0].kind, SEL_TENANT);
		CHECK_INT(r->to[0].index, 0);
		CHECK_STR(fmt(&r->to[1].cidr), "0.0.0.0/0");
		CHECK_STR(fmt(&r->to[2].cidr), "::/0");
	}
	CHECK_INT(pol->rules[2].protos, FW_PROTO_ICMP);
	CHECK_INT(pol->rules[2].n_from + pol->rules[2].n_to, 0);
	CHECK_INT(pol->rules[3].protos, FW_PROTO_TCP | FW_PROTO_UDP);
	CHECK_INT(pol->rules[3].n_ports, 1);
	r = &pol->rules[4];
	CHECK_INT(r->protos, FW_PROTO_UDP);
	CHECK_INT(r->n_to, 1);
	if (r->n_to == 1)
		CHECK_INT(r->to[0].n_labels, 2);

	/* tests: names become addresses of the other side's family */
	t = &pol->tests[0];
	CHECK_INT(t->loc.line, 28);
	CHECK_INT(t->proto, FW_PROTO_TCP);
	CHECK_INT(t->port, 445);
	CHECK(t->expect_accept);
	CHECK_STR(t->from, "alice");
	CHECK_INT(t->from_peer, peer_idx(m, "alice"));
	CHECK(t->from_host == MODEL_NONE && t->to_peer == MODEL_NONE && t->to_host == MODEL_NONE);
	CHECK_STR(fmt(&t->src), "10.10.0.10/32");
	CHECK_STR(fmt(&t->dst), "192.168.50.10/32");
	t = &pol->tests[1];
	CHECK_INT(t->proto, FW_PROTO_ICMP);
	CHECK_INT(t->port, 0);
	CHECK(!t->expect_accept);
	CHECK_STR(fmt(&t->src), "fd00:10::10/128");
	CHECK_STR(fmt(&t->dst), "fd50::10/128");
	t = &pol->tests[2];
	CHECK_INT(t->proto, FW_PROTO_UDP);
	CHECK_INT(t->to_host, host_idx(m, "hub"));
	CHECK_STR(fmt(&t->src), "10.10.0.10/32");
	CHECK_STR(fmt(&t->dst), "10.10.0.1/32");
	t = &pol->tests[3];
	CHECK(t->from_peer == MODEL_NONE && t->from_host == MODEL_NONE);
	CHECK_STR(fmt(&t->src), "203.0.113.5/32");
	CHECK_STR(fmt(&t->dst), "192.0.2.1/32");
	CHECK_INT(t->proto, FW_PROTO_TCP);
	t = &pol->tests[4];
	CHECK_INT(t->from_host, host_idx(m, "hub"));
	CHECK_INT(t->to_peer, peer_idx(m, "acme-bob"));
	CHECK_STR(fmt(&t->dst), "10.10.1.11/32");
	/* both names, one without IPv4: IPv6 */
	t = &pol->tests[5];
	CHECK_STR(fmt(&t->src), "fd00:10::60/128");
	CHECK_STR(fmt(&t->dst), "fd00:10::10/128");
	t = &pol->tests[6];
	CHECK_STR(fmt(&t->src), "10.10.1.1/32");
out:
	model_free(m);
}

static void test_rule_errors(void)
{
	/* the Policy document */
	EXPECT_ONLY(POLICY_HEAD "  rule: []\n", 6, 3, "unknown field \"rule\" in Policy spec (did you mean \"rules\"?)");
	EXPECT_ONLY(POLICY_HEAD "  priority: high\n", 6, 13, "\"priority\" must be a plain decimal integer, got \"high\"");
	EXPECT_ONLY(POLICY_HEAD "  priority: 65536\n", 6, 13, "\"priority\" must be between 0 and 65535");
	EXPECT_ONLY(POLICY_HEAD "  priority: -1\n", 6, 13, "\"priority\" must be a plain decimal integer, got \"-1\"");
	EXPECT_ONLY(POLICY_HEAD "  network: work\n", 6, 12, "Network \"work\" does not exist");
	EXPECT_ONLY(POLICY_HEAD "  rules: {action: accept}\n", 6, 10, "\"rules\" must be a list, got a mapping");
	EXPECT_ONLY(POLICY_HEAD "  rules: [accept]\n", 6, 11, "\"rules item\" must be a mapping, got \"accept\"");
	EXPECT_ONLY("apiVersion: wgf/v1\nkind: policy\nmetadata: {name: x}\nspec: {}\n", 2, 7,
		    "unknown kind \"policy\" (did you mean \"Policy\"?)");
	EXPECT_ONLY(POLICY_HEAD RULES_ANY "---\n" POLICY_HEAD "  priority: 5\n", 12, 9,
		    "duplicate Policy name \"pol\" (first defined at t.yaml:4:9)");
	EXPECT_ALONE(POLICY_HEAD RULES_ANY, 2, 1, "Policy \"pol\" belongs to no Network: there is none");

	/* the rule */
	EXPECT_ERR(POLICY_HEAD "  rules:\n    - actions: accept\n", 7, 7, "missing required field \"action\" in rule");
	EXPECT_ERR(POLICY_HEAD "  rules:\n    - actions: accept\n", 7, 7,
		   "unknown field \"actions\" in rule (did you mean \"action\"?)");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - action: allow\n", 7, 15, "\"action\" must be accept or drop, got \"allow\"");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - action: acept\n", 7, 15,
		    "\"action\" must be accept or drop, got \"acept\" (did you mean \"accept\"?)");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - action: Drop\n", 7, 15, "(did you mean \"drop\"?)");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, protocol: icmpv6}\n", 7, 34,
		    "\"protocol\" must be one of tcp, udp, both, icmp, any, got \"icmpv6\"");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, ports: [22]}\n", 7, 31,
		    "\"ports\" needs \"protocol\" tcp, udp or both");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, protocol: icmp, ports: [22]}\n", 7, 47,
		    "\"ports\" needs \"protocol\" tcp, udp or both");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, protocol: any, ports: [22]}\n", 7, 46,
		    "\"ports\" needs \"protocol\" tcp, udp or both");
	/* a misspelt protocol is one error, not two */
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, protocol: tpc, ports: [22]}\n", 7, 34,
		    "\"protocol\" must be one of");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, protocol: tcp, ports: []}\n", 7, 46,
		    "\"ports\" is empty: leave it out to match every port");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, protocol: tcp, ports: 22}\n", 7, 46,
		    "\"ports\" must be a list, got \"22\"");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, protocol: tcp, ports: [22, 0]}\n", 7, 51,
		    "\"ports\" must be between 1 and 65535, got \"0\"");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, protocol: tcp, ports: [10-5]}\n", 7, 47,
		    "\"ports\" range \"10-5\" must be lo-hi");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, protocol: tcp, ports: [70000]}\n", 7, 47,
		    "\"ports\" must be between 1 and 65535, got \"70000\"");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, protocol: tcp, ports: [abc]}\n", 7, 47,
		    "\"ports\" must be a port (1-65535) or a range \"lo-hi\", got \"abc\"");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, protocol: tcp, ports: [\"445\"]}\n", 7, 47,
		    "\"ports\" must be an integer, got the string \"445\"");

	/* selectors */
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, from: []}\n", 7, 30,
		    "an empty selector list matches nothing (leave the field out to match anything)");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, to: {peer: alice, host: hub}}\n", 7, 28,
		    "a selector is a mapping with exactly one of peer, host, tenant, labels or cidr, got 2 keys");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, to: {}}\n", 7, 28,
		    "a selector is a mapping with exactly one of peer, host, tenant, labels or cidr, got an empty mapping");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, to: [{peer: alice}, {}]}\n", 7, 44, "got an empty mapping");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, from: alice}\n", 7, 30,
		    "a selector is a mapping with exactly one of peer, host, tenant, labels or cidr, got \"alice\"");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, from: ~}\n", 7, 30, "got \"~\"");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, from: [[{peer: alice}]]}\n", 7, 31, "got a list");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, from: {peers: alice}}\n", 7, 31,
		    "unknown field \"peers\" in selector (did you mean \"peer\"?)");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, from: {group: {a: b}}}\n", 7, 31,
		    "unknown field \"group\" in selector");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, from: {peer: nobody}}\n", 7, 30,
		    "selector: Peer \"nobody\" does not exist");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, from: {host: alice}}\n", 7, 30,
		    "selector: Host \"alice\" does not exist");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, to: {tenant: globex}}\n", 7, 28,
		    "selector: Tenant \"globex\" does not exist");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, to: {peer: \"al\\\"ice\"}}\n", 7, 28,
		    "selector: Peer \"al\\\"ice\" does not exist");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, to: {peer: [alice]}}\n", 7, 35,
		    "\"peer\" must be a string, got a list");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, to: {labels: {}}}\n", 7, 37,
		    "\"labels\" must name at least one label");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, to: {labels: group}}\n", 7, 37,
		    "\"labels\" must be a mapping, got \"group\"");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, to: {labels: {group: \"x\\\"; flush ruleset\"}}}\n", 7, 45,
		    "label value \"x\\\"; flush ruleset\" is not valid");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, to: {labels: {\"a b\": x}}}\n", 7, 38,
		    "label key \"a b\" is not valid");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, to: {cidr: 10.0.0.1/8}}\n", 7, 35,
		    "cidr \"10.0.0.1/8\" has host bits set (did you mean 10.0.0.0/8?)");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, to: {cidr: internet}}\n", 7, 35,
		    "cidr \"internet\" is not an IP address or prefix");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, to: {cidr: ~}}\n", 7, 35, "\"cidr\" has no value");
	/* a selector of another network */
	EXPECT_ONLY("apiVersion: wgf/v1\nkind: Network\nmetadata: {name: work}\nspec: {addressPools: {ipv4: 10.20.0.0/16}}\n"
		    "---\n" POLICY_HEAD "  network: work\n  rules:\n    - {action: accept, to: {host: hub}}\n", 13, 28,
		    "selector: Host \"hub\" is in another Network");
	/* metadata labels are checked as strictly */
	EXPECT_ONLY("apiVersion: wgf/v1\nkind: Peer\nmetadata:\n  name: q\n  labels: {group: \"staff\\n\"}\n"
		    "spec: {publicKey: " K7 ", addresses: [10.10.0.20], hubs: [hub]}\n", 5, 19,
		    "label value \"staff\\x0a\" is not valid");
}

static void test_test_errors(void)
{
	/* fields */
	EXPECT_ERR(POLICY_HEAD "  tests:\n    - {from: alice, to: hub, expected: accept}\n", 7, 7,
		   "missing required field \"expect\" in test");
	EXPECT_ERR(POLICY_HEAD "  tests:\n    - {from: alice, to: hub, expected: accept}\n", 7, 30,
		   "unknown field \"expected\" in test (did you mean \"expect\"?)");
	EXPECT_ONLY(POLICY_HEAD "  tests:\n    - {to: hub, expect: accept}\n", 7, 7, "missing required field \"from\" in test");
	EXPECT_ONLY(POLICY_HEAD "  tests:\n    - {from: hub, expect: accept}\n", 7, 7, "missing required field \"to\" in test");
	EXPECT_ONLY(POLICY_HEAD "  tests:\n    - {from: alice, to: hub, expect: allow}\n", 7, 38,
		    "\"expect\" must be accept or drop, got \"allow\"");
	EXPECT_ONLY(POLICY_HEAD "  tests:\n    - {from: alice, to: hub, expect: [accept]}\n", 7, 38,
		    "\"expect\" must be a string, got a list");
	EXPECT_ONLY(POLICY_HEAD "  tests: {from: alice}\n", 6, 10, "\"tests\" must be a list, got a mapping");
	EXPECT_ONLY(POLICY_HEAD "  tests: [alice]\n", 6, 11, "\"tests item\" must be a mapping, got \"alice\"");
	/* protocol and port */
	EXPECT_ONLY(POLICY_HEAD "  tests:\n    - {from: alice, to: hub, protocol: icmp, port: 22, expect: accept}\n", 7, 52,
		    "\"port\" does not apply to icmp");
	EXPECT_ONLY(POLICY_HEAD "  tests:\n    - {from: alice, to: hub, protocol: tcp, expect: accept}\n", 7, 7,
		    "missing required field \"port\" in test (tcp and udp need one)");
	EXPECT_ONLY(POLICY_HEAD "  tests:\n    - {from: alice, to: hub, protocol: udp, expect: accept}\n", 7, 7,
		    "missing required field \"port\" in test (tcp and udp need one)");
	EXPECT_ONLY(POLICY_HEAD "  tests:\n    - {from: alice, to: hub, protocol: both, port: 53, expect: accept}\n", 7, 40,
		    "\"protocol\" must be one of tcp, udp, icmp, got \"both\"");
	EXPECT_ONLY(POLICY_HEAD "  tests:\n    - {from: alice, to: hub, port: 80-90, expect: accept}\n", 7, 36,
		    "\"port\" must be a plain decimal integer, got \"80-90\"");
	EXPECT_ONLY(POLICY_HEAD "  tests:\n    - {from: alice, to: hub, port: 0, expect: accept}\n", 7, 36,
		    "\"port\" must be between 1 and 65535, got \"0\"");
	EXPECT_ONLY(POLICY_HEAD "  tests:\n    - {from: alice, to: hub, port: \"22\", expect: accept}\n", 7, 36,
		    "\"port\" must be an integer, got the string \"22\"");
	/* from and to */
	EXPECT_ONLY(POLICY_HEAD "  tests:\n    - {from: nobody, to: hub, expect: accept}\n", 7, 14,
		    "test: \"nobody\" is neither a Peer, a Host (of this network) nor an IP address");
	EXPECT_ONLY(POLICY_HEAD "  tests:\n    - {from: alice, to: \"x\\\"; flush ruleset\", expect: accept}\n", 7, 25,
		    "test: \"x\\\"; flush ruleset\" is neither a Peer, a Host (of this network) nor an IP address");
	EXPECT_ONLY(POLICY_HEAD "  tests:\n    - {from: alice, to: 192.168.50.0/24, expect: accept}\n", 7, 25,
		    "test address \"192.168.50.0/24\" must be a single address");
	EXPECT_ONLY(POLICY_HEAD "  tests:\n    - {from: 10.10.0.10, to: \"fd50::1\", expect: accept}\n", 7, 7,
		    "test: \"10.10.0.10\" and \"fd50::1\" are of different address families");
	EXPECT_ONLY(POLICY_HEAD "  tests:\n    - {from: acme-bob, to: \"fd50::1\", expect: accept}\n", 7, 14,
		    "test: \"acme-bob\" has no IPv6 address");
	EXPECT_ONLY(POLICY_HEAD "  tests:\n    - {from: \"fd50::1\", to: acme-router, expect: accept}\n", 7, 29,
		    "test: \"acme-router\" has no IPv6 address");
	EXPECT_ONLY(POLICY_HEAD "  tests:\n    - {from: acme-bob, to: v6, expect: accept}\n"
		    "---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: v6}\n"
		    "spec: {publicKey: " K6 ", addresses: [\"fd00:10::60\"], hubs: [hub]}\n", 7, 14,
		    "test: \"acme-bob\" has no IPv6 address");
	/* a name that is both a Peer and a Host */
	EXPECT_ONLY(POLICY_HEAD "  tests:\n    - {from: alice, to: homerouter, expect: accept}\n"
		    "---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: homerouter}\n"
		    "spec: {publicKey: " K6 ", addresses: [10.10.0.50], hubs: [hub]}\n", 7, 25,
		    "test: \"homerouter\" names both a Peer and a Host: use an address");
	/* both sides wrong: both reported */
	{
		struct model *m = (struct model *)1;
		struct diag d;
		int r = load_case(POLICY_HEAD "  tests:\n    - {from: nobody, to: noone, expect: accept}\n", true, &m, &d);

		CHECK_INT(r, -EINVAL);
		CHECK(has_error(&d, "t.yaml", 7, 14, "test: \"nobody\" is neither"));
		CHECK(has_error(&d, "t.yaml", 7, 26, "test: \"noone\" is neither"));
		CHECK_INT(d.n, 2);
		model_free(m);
		diag_free(&d);
	}
}

/* --- hostile input -------------------------------------------------------- */

/* Names and labels end up in plans, nft comments and set names: anything but the
 * plain characters is rejected where it is written, and quoted in the message. */
static void test_hostile_names(void)
{
	EXPECT_ONLY("apiVersion: wgf/v1\nkind: Tenant\nmetadata: {name: \"acme\\\"; flush ruleset\"}\n"
		    "spec: {addressPools: {ipv4: 10.10.2.0/24}}\n", 3, 18,
		    "name \"acme\\\"; flush ruleset\" is not valid (1-63 lowercase letters");
	EXPECT_ONLY("apiVersion: wgf/v1\nkind: Policy\nmetadata: {name: \"p\\nadd rule inet wgf x drop\"}\nspec: {}\n", 3, 18,
		    "name \"p\\x0aadd rule inet wgf x drop\" is not valid");
	EXPECT_ONLY("apiVersion: wgf/v1\nkind: Policy\nmetadata: {name: p, labels: {\"a;b\": c}}\nspec: {}\n", 3, 30,
		    "label key \"a;b\" is not valid");
	EXPECT_ONLY("apiVersion: wgf/v1\nkind: Policy\nmetadata: {name: p, labels: {a: \"}\"}}\nspec: {}\n", 3, 33,
		    "label value \"}\" is not valid");
	EXPECT_ONLY(EDGE "    - name: \"x; flush ruleset\"\n      address: 198.51.100.7" FWD_TAIL("tcp", "80", "alice"), 12,
		    13, "forward name \"x; flush ruleset\" is not valid");
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "tcp", "80", "\"alice\\n\""), 15, 11,
		    "forward target \"alice\\x0a\" is neither a Peer, a Host nor an IP address");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, from: {tenant: \"acme\\\" }\"}}\n", 7, 30,
		    "selector: Tenant \"acme\\\" }\" does not exist");
	EXPECT_ONLY(POLICY_HEAD "  rules:\n    - {action: accept, from: {host: \"hub\\0x\"}}\n", 7, 37,
		    "\"host\" must not contain NUL characters");
	EXPECT_ONLY(POLICY_HEAD "  tests:\n    - {from: \"alice\\r\", to: hub, expect: accept}\n", 7, 14,
		    "test: \"alice\\x0d\" is neither a Peer, a Host (of this network) nor an IP address");
	EXPECT_ONLY(PEER "  tenant: \"acme\\t\"\n", 9, 11, "Tenant \"acme\\x09\" does not exist");
}

/* --- everything together -------------------------------------------------- */

static void test_many_errors_one_run(void)
{
	int failed_before = unit_failed_checks;
	struct model *m = (struct model *)1;
	struct diag d;
	int r = load_case(
		TENANT_HEAD "  addressPools: {ipv4: 10.30.0.0/24}\n  isolatd: true\n"                  /* 1-7 */
		"---\n" PEER "  tenant: nope\n  access: lan-only\n  accessLans: [nas]\n"             /* 8-19 */
		"---\n" EDGE FWD("198.51.100.7", "udp", "0", "alice") FWD("198.51.100.9", "tcp", "22", "nobody") /* 20-39 */
		"---\n" POLICY_HEAD "  rules:\n    - {action: allow, from: {peer: ghost}}\n"             /* 40-47 */
		"  tests:\n    - {from: alice, to: hub, protocol: icmp, port: 1, expect: accept}\n",    /* 48-49 */
		true, &m, &d);

	CHECK_INT(r, -EINVAL);
	CHECK(m == NULL);
	CHECK(has_error(&d, "t.yaml", 6, 24, "tenant pool 10.30.0.0/24 is outside the network's IPv4 pool"));
	CHECK(has_error(&d, "t.yaml", 7, 3, "unknown field \"isolatd\" in Tenant spec (did you mean \"isolated\"?)"));
	CHECK(has_error(&d, "t.yaml", 17, 11, "Tenant \"nope\" does not exist"));
	CHECK(has_error(&d, "t.yaml", 19, 16, "accessLans entry \"nas\" is neither a Host name nor a prefix"));
	CHECK(has_error(&d, "t.yaml", 34, 13, "\"port\" must be between 1 and 65535, got \"0\""));
	CHECK(has_error(&d, "t.yaml", 36, 16, "forward address 198.51.100.9 is not one of Host \"h\"'s publicAddresses"));
	CHECK(has_error(&d, "t.yaml", 47, 16, "\"action\" must be accept or drop, got \"allow\""));
	CHECK(has_error(&d, "t.yaml", 47, 29, "selector: Peer \"ghost\" does not exist"));
	CHECK(has_error(&d, "t.yaml", 49, 52, "\"port\" does not apply to icmp"));
	CHECK_INT(d.n, 9);
	if (unit_failed_checks != failed_before)
		dump(&d);
	/* sorted by line, then column */
	for (size_t i = 1; i < d.n; i++)
		CHECK(d.entries[i - 1].line < d.entries[i].line ||
		      (d.entries[i - 1].line == d.entries[i].line && d.entries[i - 1].col <= d.entries[i].col));
	model_free(m);
	diag_free(&d);
}

/* A broken file elsewhere: names that might live there are not reported missing. */
static void test_incomplete_source(void)
{
	const char *names[] = { "world.yaml", "broken.yaml", "t.yaml" };
	const char *texts[] = {
		WORLD, "apiVersion: wgf/v1\nkind: Peer\nmetadata: {name: ghost\n",
		POLICY_HEAD "  rules:\n    - {action: accept, from: {peer: ghost}}\n"
		"  tests:\n    - {from: ghost, to: hub, expect: accept}\n"
		"---\n" PEER "  tenant: ghost-tenant\n  access: lan-only\n  accessLans: [ghost-host]\n"
		"---\n" EDGE FWD("198.51.100.7", "tcp", "80", "ghost"),
	};
	struct model *m = (struct model *)1;
	struct diag d;

	CHECK_INT(load(3, names, texts, &m, &d), -EINVAL);
	CHECK(m == NULL);
	CHECK_INT(d.n, 1);
	CHECK(has_error(&d, "broken.yaml", 0, 0, "YAML syntax error"));
	if (d.n != 1)
		dump(&d);
	diag_free(&d);
}

/* A large valid model with every new kind and field loads and frees cleanly
 * (run under valgrind and the sanitizers by make test). */
static void test_everything_valid(void)
{
	struct model *m = LOAD_OK(
		TENANT_HEAD "  isolated: false\n  addressPools: {ipv4: 10.10.2.0/24, ipv6: \"fd00:10:0:2::/64\"}\n"
		"---\napiVersion: wgf/v1\nkind: Host\nmetadata: {name: t-router, labels: {site: t}}\n"
		"spec: {tenant: t, role: router, masquerade: true, publicKey: " K6 ", addresses: [10.10.2.1/24],"
		" lans: [192.168.20.0/24]}\n"
		"---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: t-peer, labels: {site: t, group: staff}}\n"
		"spec: {tenant: t, publicKey: " K7 ", addresses: [10.10.2.9, \"fd00:10:0:2::9\"], hubs: [x],"
		" access: lan-only, accessLans: [t-router, homerouter, 192.168.50.128/25]}\n"
		"---\napiVersion: wgf/v1\nkind: Host\nmetadata: {name: x}\n"
		"spec: {role: exit, publicKey: " K8 ", endpoint: \"198.51.100.1:51820\", addresses: [10.10.0.9/16],\n"
		"       publicAddresses: [198.51.100.1, 198.51.100.2],\n"
		"       forwards: [{name: a, address: 198.51.100.1, protocol: both, port: 1000-1010, to: t-peer, toPort: 2000},\n"
		"                  {name: b, address: 198.51.100.2, protocol: tcp, port: 443, to: 192.168.20.4}]}\n"
		"---\n" POLICY_HEAD "  priority: 7\n  rules:\n"
		"    - {from: [{tenant: t}, {labels: {group: staff}}], to: [{host: homerouter}, {cidr: 192.168.50.0/24}],"
		" protocol: both, ports: [53, 1000-2000], action: accept}\n"
		"    - {from: {peer: t-peer}, protocol: icmp, action: drop}\n"
		"  tests:\n"
		"    - {from: t-peer, to: 192.168.50.10, port: 53, expect: accept}\n"
		"    - {from: 203.0.113.7, to: 198.51.100.2, port: 443, expect: accept}\n"
		"    - {from: t-router, to: x, expect: accept}\n");

	if (!m)
		return;
	CHECK_INT(m->n_tenants, 2);
	CHECK_INT(m->n_policies, 1);
	CHECK_INT(host(m, "x")->n_forwards, 2);
	CHECK_INT(peer(m, "t-peer")->n_access_lans, 4);
	CHECK(host(m, "t-router")->masquerade);
	model_free(m);
}

/* Loads world.yaml and text: valid, with exactly this one warning at t.yaml:line:col. */
static void expect_warn(int at, const char *text, unsigned line, unsigned col, const char *sub)
{
	struct model *m = NULL;
	struct diag d;
	int r = load_case(text, true, &m, &d);

	if (r != 0 || !m || d.n_errors || d.n_warnings != 1 || !has_warning(&d, "t.yaml", line, col, sub)) {
		fprintf(stderr, "  test_model_access.c:%d: expected valid with the warning t.yaml:%u:%u: ...%s... (r=%d, "
			"%zu errors, %zu warnings), got:\n", at, line, col, sub, r, d.n_errors, d.n_warnings);
		dump(&d);
		unit_failed_checks++;
	}
	model_free(m);
	diag_free(&d);
}

/* A forward must leave the tunnel its port; taking every port or ssh is a warning. */
static void test_forward_takeover(void)
{
	EXPECT_ONLY(EDGE FWD("198.51.100.7", "udp", "51820", "alice"), 14, 13,
		    "forward port 51820 (udp) takes Host \"h\"'s WireGuard listenPort 51820: the tunnel's own packets "
		    "would be sent to the target");
	EXPECT_ONLY(EDGE FWD("198.51.100.8", "both", "\"50000-60000\"", "alice"), 14, 13,
		    "forward port 50000-60000 (udp) takes Host \"h\"'s WireGuard listenPort 51820");
	EXPECT_ONLY(EDGE "    - protocol: udp\n      port: 1-65535\n      to: alice\n      address: 198.51.100.7\n", 13,
		    13, "forward port 1-65535 (udp) takes Host \"h\"'s WireGuard listenPort 51820");
	EXPECT_OK(EDGE FWD("198.51.100.7", "tcp", "51820", "alice"));
	expect_warn(__LINE__, EDGE FWD("198.51.100.7", "tcp", "22", "alice"), 14, 13,
		    "forward port 22 (tcp) takes port 22 (ssh) of 198.51.100.7: Host \"h\"'s own ssh is not reachable at "
		    "that address");
	expect_warn(__LINE__, EDGE FWD("198.51.100.7", "tcp", "1-65535", "alice"), 14, 13,
		    "forward port 1-65535 takes every port of 198.51.100.7: nothing on Host \"h\" itself (ssh included) is "
		    "reachable at that address");
	expect_warn(__LINE__, EDGE FWD("198.51.100.7", "udp", "100-200", "alice"), 14, 13,
		    "forward port 100-200 (udp) takes port 161 (SNMP) of 198.51.100.7");
	/* ssh is tcp: a udp forward of 22 takes nothing from it */
	EXPECT_OK(EDGE FWD("198.51.100.7", "udp", "22", "alice"));
}

/* Two overlapping tenant pools: one error, and neither is trusted for members. */
static void test_tenant_overlap_once(void)
{
	struct model *m = NULL;
	struct diag d;
	int r = load_case("apiVersion: wgf/v1\nkind: Tenant\nmetadata: {name: t1}\nspec: {addressPools: {ipv4: 10.10.160.0/19}}\n"
			  "---\napiVersion: wgf/v1\nkind: Tenant\nmetadata: {name: t2}\nspec: {addressPools: {ipv4: 10.10.128.0/18}}\n",
			  true, &m, &d);

	CHECK_INT(r, -EINVAL);
	CHECK_INT(d.n_errors, 1);
	CHECK(has_error(&d, "t.yaml", 9, 29, "tenant pool 10.10.128.0/18 of Tenant \"t2\" overlaps pool 10.10.160.0/19 of "
			"Tenant \"t1\" (t.yaml:4:29)"));
	if (d.n_errors != 1)
		dump(&d);
	model_free(m);
	diag_free(&d);
}

int main(void)
{
	if (key_init() < 0)
		return 1;
	RUN(test_tenant_loaded);
	RUN(test_tenant_errors);
	RUN(test_access_loaded);
	RUN(test_access_errors);
	RUN(test_host_fields);
	RUN(test_forwards_loaded);
	RUN(test_forward_errors);
	RUN(test_forward_conflicts);
	RUN(test_policies_loaded);
	RUN(test_rule_errors);
	RUN(test_test_errors);
	RUN(test_hostile_names);
	RUN(test_many_errors_one_run);
	RUN(test_incomplete_source);
	RUN(test_everything_valid);
	RUN(test_forward_takeover);
	RUN(test_tenant_overlap_once);
	UNIT_DONE();
}
