/* Issue 14, for service providers: a hub's capacity (Host maxPeers) and the
 * access level internet-only. Validation messages and where they point; the
 * evaluator behind `wgf test` (the internet through the exit and DNS on it, nothing
 * else, and nobody reaches such a peer but through a policy); the readable items;
 * the reachability report, which must agree with the evaluator. The nft body of
 * the level is read in test_firewall_nft.c. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "render/firewall.h"
#include "render/reach_diff.h"
#include "tests/unit/diag_check.h"
#include "tests/unit/unit.h"

#define NOW 1700000000

#define K1 "ZB+ahxcBMlCTz5dIn6mPUEXZxaeoNYIxzP0WTdRd+TY="
#define K2 "ZWKa+ol3PqWAF2VSF1o5qAAEo69hhlDOIr9Tmr1vV1w="
#define K3 "bWTrHuvag4CBOLxowO3TenS8Rl0cAdfaP2B4hMtqpwo="
#define K4 "ANhoCHKBwFpQJyzfuBuwXM1mtaNZNhzuDji99fsZnyc="
#define K5 "JVcesRp5QGHphrMz8uzSUpgh3kk33Zwf+wzmAYfZ+D8="
#define K6 "lhF47vV9cXT/f39G0W8lbrFzGH1sHXlE4w7NXVFweHw="
#define K7 "7cp0gvlpRxdH6kzCtFRc8MUCYyEFl3vn50UF+WOdcXs="
#define K8 "+RTYBnLRBfPTkJ+IQ3+75UunOh+xAb7zWMA1DDZMti0="
#define K9 "MZMX8YGPXCBLEgWW3HNo8Bp6UpsdG2jXQeaUD6htkVw="

/* world.yaml: an exit "core", a plain hub "edge", a router with a LAN, tenant acme
 * with a full peer (alice) and two internet-only subscribers (guest1, guest2), and an
 * untenanted full peer (pub). Line numbers matter: core's maxPeers is at 9:116, the
 * network's dns at 4:68. */
#define WORLD_NET(dns) \
	"apiVersion: wgf/v1\nkind: Network\nmetadata: {name: isp}\n"                               /* 1-3 */ \
	"spec: {addressPools: {ipv4: 10.40.0.0/16, ipv6: \"fd40::/48\"}" dns "}\n"               /* 4 */ \
	"---\napiVersion: wgf/v1\nkind: Host\nmetadata: {name: core}\n"                           /* 5-8 */ \
	"spec: {role: exit, publicKey: " K1 ", endpoint: \"192.0.2.1:51820\", maxPeers: %u, "    /* 9 */ \
	"addresses: [10.40.0.1/16, \"fd40::1/48\"]}\n"
static const char WORLD_REST[] =
	"---\napiVersion: wgf/v1\nkind: Host\nmetadata: {name: edge}\n"
	"spec: {role: hub, publicKey: " K2 ", endpoint: \"192.0.2.2:51820\", addresses: [10.40.0.2/16]}\n"
	"---\napiVersion: wgf/v1\nkind: Host\nmetadata: {name: router}\n"
	"spec: {role: router, publicKey: " K3 ", addresses: [10.40.0.3/16], lans: [192.168.50.0/24], hubs: [core]}\n"
	"---\napiVersion: wgf/v1\nkind: Tenant\nmetadata: {name: acme}\n"
	"spec: {addressPools: {ipv4: 10.40.10.0/24, ipv6: \"fd40:0:0:10::/64\"}}\n"
	"---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: alice}\n"
	"spec: {tenant: acme, publicKey: " K4 ", addresses: [10.40.10.10, \"fd40:0:0:10::10\"], hubs: [core]}\n"
	"---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: guest1}\n"
	"spec: {tenant: acme, access: internet-only, publicKey: " K5 ", addresses: [10.40.10.20, \"fd40:0:0:10::20\"], "
	"hubs: [core]}\n"
	"---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: guest2}\n"
	"spec: {tenant: acme, access: internet-only, publicKey: " K6 ", addresses: [10.40.10.21], hubs: [core]}\n"
	"---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: pub}\n"
	"spec: {publicKey: " K7 ", addresses: [10.40.0.50], hubs: [edge]}\n";

/* Loads world.yaml (core's maxPeers, the network's dns) and extra.yaml. */
static int load(unsigned max_peers, const char *dns, const char *extra, struct model **m, struct diag *d)
{
	char *world = NULL;
	const char *names[2] = { "world.yaml", "extra.yaml" };
	const char *bufs[2];
	size_t lens[2];
	int r;

	if (!strcmp(dns, ""))
		r = asprintf(&world, WORLD_NET("") "%s", max_peers, WORLD_REST);
	else
		r = asprintf(&world, WORLD_NET(", dns: {servers: [%s]}") "%s", dns, max_peers, WORLD_REST);
	if (r < 0)
		return -ENOMEM;
	bufs[0] = world;
	bufs[1] = extra;
	lens[0] = strlen(world);
	lens[1] = strlen(extra);
	diag_init(d);
	r = model_load_buffers(names, bufs, lens, 2, m, d);
	free(world);
	return r;
}

#define EXPECT_DIAG(warn, max, dns, extra, file, line, col, msg) do { \
	struct model *_m = NULL; \
	struct diag _d; \
	int _r = load((max), (dns), (extra), &_m, &_d); \
	if (!has_entry(&_d, (warn), (file), (line), (col), (msg)) || (!(warn) && _r != -EINVAL)) { \
		fprintf(stderr, "#  %s:%d: want %s %s:%u:%u: %s (load %d); got:\n", __FILE__, __LINE__, \
			(warn) ? "warning" : "error", (file), (line), (col), (msg), _r); \
		dump(&_d); \
		unit_failed_checks++; \
	} \
	model_free(_m); \
	diag_free(&_d); \
	} while (0)

#define EXPECT_CLEAN(max, dns, extra) do { \
	struct model *_m = NULL; \
	struct diag _d; \
	int _r = load((max), (dns), (extra), &_m, &_d); \
	if (_r != 0 || _d.n) { \
		fprintf(stderr, "#  %s:%d: want a clean load, got %d:\n", __FILE__, __LINE__, _r); \
		dump(&_d); \
		unit_failed_checks++; \
	} \
	model_free(_m); \
	diag_free(&_d); \
	} while (0)

#define PEER(name, key, addr, rest) \
	"---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: " name "}\n" \
	"spec: {publicKey: " key ", addresses: [" addr "]" rest "}\n"

/* core is listed by router (a host: not counted), alice, guest1 (first) and guest2. */
static void test_max_peers(void)
{
	EXPECT_CLEAN(3, "", "");
	EXPECT_DIAG(false, 2, "", "", "world.yaml", 9, 116,
		    "Host \"core\" takes at most 2 peers (maxPeers) but 3 enabled Peers list it among their hubs "
		    "(3 of them first): failover can put them all on it; raise maxPeers or move 1 to another hub");
	/* a peer that lists core second counts: failover puts it there */
	EXPECT_DIAG(false, 3, "", PEER("roamer", K8, "10.40.0.60", ", hubs: [edge, core]"), "world.yaml", 9, 116,
		    "but 4 enabled Peers list it among their hubs (3 of them first)");
	/* a disabled one does not */
	EXPECT_CLEAN(3, "", PEER("off", K8, "10.40.0.60", ", hubs: [core], enabled: false"));
	/* no maxPeers: no limit */
	{
		struct model *m = NULL;
		struct diag d;
		size_t first = 0;

		CHECK_INT(load(3, "", "", &m, &d), 0);
		if (m) {
			CHECK_INT(model_hub_peers(m, 0, &first), 3);
			CHECK_INT(first, 3);
			CHECK_INT(model_hub_peers(m, 1, NULL), 1);
			CHECK_INT(m->hosts[1].max_peers, 0);
		}
		model_free(m);
		diag_free(&d);
	}
}

static void test_internet_only_validation(void)
{
	EXPECT_CLEAN(10, "10.40.0.1, \"fd40::1\"", "");
	/* no exit among its hubs, at "access" (extra.yaml:5:10) */
	EXPECT_DIAG(false, 10, "", PEER("g3", K8, "10.40.0.60", ", access: internet-only, hubs: [edge]"),
		    "extra.yaml", 5, 98, "access internet-only: Peer \"g3\" reaches the internet through nothing: its "
		    "first hub \"edge\" has role hub and its exit is not set; add \"exit: GROUP\" naming an ExitGroup, "
		    "or list a hub with role exit first");
	/* an exit, but not first: its traffic goes to its first hub */
	EXPECT_DIAG(false, 10, "", PEER("g3", K8, "10.40.0.60", ", access: internet-only, hubs: [edge, core]"),
		    "extra.yaml", 5, 98, "access internet-only: Peer \"g3\"'s first hub \"edge\" has role hub, and its "
		    "traffic goes to its first hub: list an exit (\"core\") first, or add \"exit: GROUP\" naming an "
		    "ExitGroup");
	/* failing over to a plain hub: a warning */
	EXPECT_DIAG(true, 10, "", PEER("g3", K8, "10.40.0.60", ", access: internet-only, hubs: [core, edge]"),
		    "extra.yaml", 5, 98, "access internet-only: Peer \"g3\" reaches nothing while it fails over to hub "
		    "\"edge\", which is not an exit");
	/* DNS inside the network but not on its exit: a warning (a policy may open it) */
	EXPECT_DIAG(true, 10, "10.40.0.2", "", "world.yaml", 4, 68,
		    "DNS server 10.40.0.2 is inside the network but not on an exit of Peer \"guest2\": access "
		    "internet-only reaches only DNS on its exits (add a Policy to allow it)");
	EXPECT_DIAG(true, 10, "192.168.50.53", "", "world.yaml", 4, 68, "DNS server 192.168.50.53 is inside");
	/* DNS on the internet or on the exit: nothing to say */
	EXPECT_CLEAN(10, "9.9.9.9", "");
	/* one problem, one message: a hub that is not a hub is reported with the hubs */
	{
		struct model *m = NULL;
		struct diag d;

		CHECK_INT(load(10, "", PEER("g3", K8, "10.40.0.60", ", access: internet-only, hubs: [router]"), &m,
			       &d), -EINVAL);
		CHECK(has_error(&d, "extra.yaml", 5, 120, "Host \"router\" has role router, not hub"));
		CHECK(!has_error(&d, NULL, 0, 0, "internet-only"));
		model_free(m);
		diag_free(&d);
	}
}

/* ---- the evaluator ---- */

enum { DROP = 0, ACCEPT = 1, NO_TUNNEL = 2 };

static unsigned proto_of(const char *p)
{
	return !strcmp(p, "tcp") ? FW_PROTO_TCP : !strcmp(p, "udp") ? FW_PROTO_UDP : FW_PROTO_ICMP;
}

static void expect_at(int line, const struct fw_network *fw, const char *src, const char *dst, const char *proto,
		      unsigned port, int want, const char *why)
{
	struct fw_query q = { .proto = proto_of(proto), .port = (uint16_t)port };
	struct fw_decision d = { 0 };
	int r, got;

	if (!prefix_parse(src, true, &q.src) || !prefix_parse(dst, true, &q.dst)) {
		fprintf(stderr, "#  %s:%d: bad address\n", __FILE__, line);
		unit_failed_checks++;
		return;
	}
	r = fw_evaluate(fw, &q, &d);
	got = r == -EINVAL ? NO_TUNNEL : r < 0 ? -1 : d.accept;
	if (got != want || (why && (!d.why || !strstr(d.why, why)))) {
		fprintf(stderr, "#  %s:%d: %s -> %s %s/%u: got %s (%s), want %s%s%s\n", __FILE__, line, src, dst, proto,
			port, got == ACCEPT ? "accept" : got == DROP ? "drop" : "no tunnel", d.why ? d.why : "",
			want == ACCEPT ? "accept" : want == DROP ? "drop" : "no tunnel", why ? " with " : "",
			why ? why : "");
		unit_failed_checks++;
	}
	fw_decision_clear(&d);
}

#define EXPECT(fw, src, dst, proto, port, want, why) expect_at(__LINE__, fw, src, dst, proto, port, want, why)

/* alice may ssh to guest2 and guest1 may reach one web server on the LAN: policies
 * open either way. */
static const char POLICY[] =
	"---\napiVersion: wgf/v1\nkind: Policy\nmetadata: {name: open}\n"
	"spec:\n  rules:\n"
	"    - {from: {peer: alice}, to: {peer: guest2}, protocol: tcp, ports: [22], action: accept}\n"
	"    - {from: {peer: guest1}, to: {cidr: 192.168.50.10/32}, protocol: tcp, ports: [443], action: accept}\n";

static void test_internet_only_evaluator(void)
{
	struct model *m = NULL;
	struct fw_network *fw = NULL;
	struct diag d;

	CHECK_INT(load(10, "10.40.0.1, \"fd40::1\", 10.40.0.2", POLICY, &m, &d), 0);
	diag_free(&d);
	if (!m || fw_compile(m, 0, NOW, &fw) < 0)
		goto out;
	/* the internet, through the exit, both families */
	EXPECT(fw, "10.40.10.20", "203.0.113.9", "tcp", 443, ACCEPT, "access level internet-only of peer guest1");
	EXPECT(fw, "10.40.10.20", "203.0.113.9", "icmp", 0, ACCEPT, "the internet");
	EXPECT(fw, "fd40:0:0:10::20", "2001:db8::9", "udp", 443, ACCEPT, NULL);
	/* DNS on its exit (tcp and udp 53 at core's tunnel address), no other port there */
	EXPECT(fw, "10.40.10.20", "10.40.0.1", "udp", 53, ACCEPT, "DNS at 10.40.0.1");
	EXPECT(fw, "10.40.10.20", "10.40.0.1", "tcp", 53, ACCEPT, NULL);
	EXPECT(fw, "fd40:0:0:10::20", "fd40::1", "udp", 53, ACCEPT, NULL);
	EXPECT(fw, "10.40.10.20", "10.40.0.1", "tcp", 22, DROP, "does not cover 10.40.0.1");
	EXPECT(fw, "10.40.10.20", "10.40.0.1", "icmp", 0, DROP, NULL);
	/* a DNS server that is not on its exit is nothing to it */
	EXPECT(fw, "10.40.10.20", "10.40.0.2", "udp", 53, DROP, NULL);
	/* nothing else: its tenant's peers, hosts, LANs, untenanted peers */
	EXPECT(fw, "10.40.10.20", "10.40.10.10", "tcp", 22, DROP, NULL);
	EXPECT(fw, "10.40.10.20", "10.40.10.21", "icmp", 0, DROP, "internet-only lets only policies reach it");
	EXPECT(fw, "10.40.10.20", "10.40.0.3", "tcp", 22, DROP, NULL);
	EXPECT(fw, "10.40.10.20", "192.168.50.5", "tcp", 22, DROP, NULL);
	EXPECT(fw, "10.40.10.20", "10.40.0.50", "icmp", 0, DROP, NULL);
	/* ... unless a policy says so */
	EXPECT(fw, "10.40.10.20", "192.168.50.10", "tcp", 443, ACCEPT, "policy open rule 2");
	EXPECT(fw, "10.40.10.20", "192.168.50.10", "tcp", 80, DROP, NULL);
	/* nobody reaches it: not its tenant's full peer, not a router's LAN, not pub */
	EXPECT(fw, "10.40.10.10", "10.40.10.20", "tcp", 22, DROP,
	       "default drop: no policy rule matches and 10.40.10.20 is peer guest1's, whose access level internet-only "
	       "lets only policies reach it");
	EXPECT(fw, "fd40:0:0:10::10", "fd40:0:0:10::20", "icmp", 0, DROP, "internet-only");
	EXPECT(fw, "192.168.50.7", "10.40.10.20", "tcp", 22, DROP, "internet-only");
	EXPECT(fw, "10.40.0.50", "10.40.10.21", "icmp", 0, DROP, "internet-only");
	EXPECT(fw, "10.40.0.3", "10.40.10.20", "icmp", 0, DROP, "internet-only");
	/* ... but a policy may open it */
	EXPECT(fw, "10.40.10.10", "10.40.10.21", "tcp", 22, ACCEPT, "policy open rule 1");
	EXPECT(fw, "10.40.10.10", "10.40.10.21", "tcp", 23, DROP, "internet-only");
	/* its own hub sends to it unfiltered (wgf filters what comes out of a tunnel) */
	EXPECT(fw, "10.40.0.1", "10.40.10.20", "tcp", 22, ACCEPT, "not filtered");
	/* the full peer of the same tenant is unchanged */
	EXPECT(fw, "10.40.10.10", "203.0.113.9", "tcp", 443, ACCEPT, "access level full");
	EXPECT(fw, "10.40.10.10", "192.168.50.5", "tcp", 22, DROP, NULL);   /* another scope's LAN */
out:
	fw_network_free(fw);
	model_free(m);
}

static size_t peer_index(const struct model *m, const char *name)
{
	for (size_t i = 0; i < m->n_peers; i++)
		if (!strcmp(m->peers[i].meta.name, name))
			return i;
	return MODEL_NONE;
}

static const char *item(const struct hs_firewall *f, const char *key)
{
	for (size_t i = 0; i < f->n_items; i++)
		if (!strcmp(f->items[i].key, key))
			return f->items[i].value;
	return NULL;
}

static void test_internet_only_items(void)
{
	struct model *m = NULL;
	struct fw_network *fw = NULL;
	struct hs_firewall core = { 0 }, edge = { 0 };
	struct diag d;

	CHECK_INT(load(10, "10.40.0.1", "", &m, &d), 0);
	diag_free(&d);
	if (!m || fw_compile(m, 0, NOW, &fw) < 0)
		goto out;
	CHECK_INT(fw_render_host(fw, model_find_host(m, "core"), &core), 0);
	CHECK_INT(fw_render_host(fw, model_find_host(m, "edge"), &edge), 0);
	CHECK_STR(item(&core, "access/peer/guest1"), "internet-only: the internet, DNS at 10.40.0.1/32, nothing else; "
		  "only policies reach it (from 10.40.10.20/32, fd40:0:0:10::20/128)");
	CHECK_STR(item(&edge, "access/peer/guest1"), "internet-only: the internet through its exit, DNS at "
		  "10.40.0.1/32, nothing else; only policies reach it (from 10.40.10.20/32, fd40:0:0:10::20/128)");
	CHECK_STR(item(&core, "access/peer/guest2"), "internet-only: the internet, DNS at 10.40.0.1/32, nothing else; "
		  "only policies reach it (from 10.40.10.21/32)");
	/* what its device routes into the tunnel: the internet (a full tunnel), and its DNS */
	{
		struct fw_reach reach;
		char buf[PREFIX_STRLEN];
		size_t gi = peer_index(m, "guest1");

		CHECK_INT(fw_peer_reach(fw, gi, &reach), 0);
		CHECK(reach.internet);
		CHECK_INT(reach.n, 1);
		if (reach.n == 1)
			CHECK_STR(prefix_format(&reach.p[0], buf), "10.40.0.1/32");
		free(reach.p);
	}
out:
	hs_firewall_clear(&core);
	hs_firewall_clear(&edge);
	fw_network_free(fw);
	model_free(m);
}

/* The reachability report decides with the evaluator: a full peer of an isolated
 * tenant made internet-only loses its tenant, keeps the internet (unchanged flows are
 * not listed) and gains only DNS on its exit, which is in the shared scope; the
 * grouping agrees with every endpoint alone. */
static void test_internet_only_reach(void)
{
	static const char full[] = PEER("carol", K9, "10.40.10.30", ", tenant: acme, hubs: [core]");
	static const char io[] = PEER("carol", K9, "10.40.10.30", ", tenant: acme, hubs: [core], access: internet-only");
	struct model *base = NULL, *head = NULL;
	struct reach_diff rd = { 0 }, each = { 0 };
	struct diag d;
	bool lost_alice = false, lost_in = false, gained_other = false, gained_dns = false, inet_changed = false;

	CHECK_INT(load(10, "10.40.0.1", full, &base, &d), 0);
	diag_free(&d);
	CHECK_INT(load(10, "10.40.0.1", io, &head, &d), 0);
	diag_free(&d);
	if (!base || !head)
		goto out;
	CHECK_INT(reach_diff_compute(base, head, NOW, &rd), 0);
	CHECK_INT(reach_diff_compute_each(base, head, NOW, &each), 0);
	for (size_t i = 0; i < rd.n_flows; i++) {
		const struct reach_flow *f = &rd.flows[i];
		const char *from = rd.ends[f->src].label, *to = rd.ends[f->dst].label;

		if (strstr(from, "carol") && strstr(to, "alice") && f->before && !f->after)
			lost_alice = true;
		if (strstr(to, "carol") && strstr(from, "alice") && f->before && !f->after)
			lost_in = true;
		if (f->after && !f->before && strstr(from, "carol") && strstr(to, "core") &&
		    !strcmp(f->services, "tcp/53, udp/53"))
			gained_dns = true;
		else if (f->after && !f->before)
			gained_other = true;
		if (strstr(from, "carol") && rd.ends[f->dst].kind == REACH_INTERNET)
			inet_changed = true;
	}
	CHECK(lost_alice);
	CHECK(lost_in);
	CHECK(gained_dns);
	CHECK(!gained_other);
	CHECK(!inet_changed);
	CHECK_INT(rd.n_opened, each.n_opened);
	CHECK_INT(rd.n_closed, each.n_closed);
	CHECK_INT(rd.n_closed > 0, 1);
out:
	reach_diff_clear(&rd);
	reach_diff_clear(&each);
	model_free(base);
	model_free(head);
}

int main(void)
{
	RUN(test_max_peers);
	RUN(test_internet_only_validation);
	RUN(test_internet_only_evaluator);
	RUN(test_internet_only_items);
	RUN(test_internet_only_reach);
	UNIT_DONE();
}
