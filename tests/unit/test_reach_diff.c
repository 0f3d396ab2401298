/* render/reach_diff: the flows whose verdict changes between two models, on models
 * loaded from YAML: a port opened, a tenant isolated, a path into another tenant and
 * to the internet flagged, peers grouped, Peers added, no base. */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/key.h"
#include "model/model.h"
#include "render/reach_diff.h"
#include "tests/unit/unit.h"

#define NOW 1700000000

static char *doc;
static size_t doc_len, doc_cap;

__attribute__((format(printf, 1, 2)))
static void Y(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (doc_len + (size_t)n + 1 > doc_cap) {
		doc_cap = (doc_len + (size_t)n + 1) * 2;
		doc = realloc(doc, doc_cap);
	}
	va_start(ap, fmt);
	vsnprintf(doc + doc_len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	doc_len += (size_t)n;
}

/* A canonical Curve25519 public key for the name's number. */
static const char *key(unsigned seed)
{
	static char buf[WG_KEY_B64_LEN];
	uint8_t k[WG_KEY_LEN];

	for (int i = 0; i < WG_KEY_LEN; i++)
		k[i] = (uint8_t)(seed * 13 + i * 7);
	k[0] = (uint8_t)(seed >> 8);
	k[1] = (uint8_t)seed;
	k[31] &= 0x7f;
	return key_to_base64(k, buf);
}

#define OPT_ISOLATED  0x1   /* tenant acme isolated (else open to the shared scope) */
#define OPT_PORT8080  0x2   /* the contractors' rule opens 8080 too */
#define OPT_CROSS     0x4   /* acme may reach globex's LAN on tcp/22 */
#define OPT_DAVE_FULL 0x8   /* globex-dave is full, not vpn-only */
#define OPT_NEW_PEER  0x10  /* a Peer erin in tenant acme */
#define OPT_FORWARD   0x20  /* core forwards tcp/2222 of its public address to globex-carol's ssh */

/* An ISP: exit core, tenants acme and globex, each a router with a LAN and peers;
 * `extra` more peers in acme. */
static struct model *isp(unsigned opt, unsigned extra)
{
	const char *name = "t.yaml";
	struct model *m = NULL;
	struct diag d;
	int r;

	doc_len = 0;
	Y("apiVersion: wgf/v1\nkind: Network\nmetadata: {name: isp}\nspec:\n  addressPools: {ipv4: 10.40.0.0/16}\n");
	Y("---\napiVersion: wgf/v1\nkind: Tenant\nmetadata: {name: acme}\nspec:\n  addressPools: {ipv4: 10.40.8.0/21}\n"
	  "  isolated: %s\n", opt & OPT_ISOLATED ? "true" : "false");
	Y("---\napiVersion: wgf/v1\nkind: Tenant\nmetadata: {name: globex}\nspec:\n  addressPools: {ipv4: 10.40.20.0/24}\n");
	Y("---\napiVersion: wgf/v1\nkind: Host\nmetadata: {name: core}\nspec:\n  role: exit\n  publicKey: %s\n"
	  "  endpoint: 198.51.100.40:51820\n  addresses: [10.40.0.1/16]\n", key(1));
	if (opt & OPT_FORWARD)
		Y("  forwards:\n    - {name: carol-ssh, address: 198.51.100.40, protocol: tcp, port: 2222, to: globex-carol, "
		  "toPort: 22}\n");
	Y("---\napiVersion: wgf/v1\nkind: Host\nmetadata: {name: acme-router}\nspec:\n  tenant: acme\n  role: router\n"
	  "  publicKey: %s\n  endpoint: 198.51.100.41:51820\n  addresses: [10.40.10.1/24]\n  lans: [192.168.10.0/24]\n",
	  key(2));
	Y("---\napiVersion: wgf/v1\nkind: Host\nmetadata: {name: globex-router}\nspec:\n  tenant: globex\n  role: router\n"
	  "  publicKey: %s\n  endpoint: 198.51.100.42:51820\n  addresses: [10.40.20.1/24]\n  lans: [192.168.20.0/24]\n",
	  key(3));
	Y("---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: globex-dave, labels: {group: contractors}}\nspec:\n"
	  "  tenant: globex\n  publicKey: %s\n  addresses: [10.40.20.11]\n  hubs: [core]\n  access: %s\n", key(4),
	  opt & OPT_DAVE_FULL ? "full" : "vpn-only");
	Y("---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: globex-carol}\nspec:\n  tenant: globex\n"
	  "  publicKey: %s\n  addresses: [10.40.20.10]\n  hubs: [core]\n", key(5));
	for (unsigned i = 0; i < extra + 1; i++)
		Y("---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: acme-%u}\nspec:\n  tenant: acme\n  publicKey: %s\n"
		  "  addresses: [10.40.%u.%u]\n  hubs: [core]\n", i, key(100 + i), 12 + (i + 10) / 256, (i + 10) % 256);
	if (opt & OPT_NEW_PEER)
		Y("---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: erin}\nspec:\n  tenant: acme\n  publicKey: %s\n"
		  "  addresses: [10.40.10.250]\n  hubs: [core]\n", key(99));
	Y("---\napiVersion: wgf/v1\nkind: Policy\nmetadata: {name: contractors}\nspec:\n  rules:\n"
	  "    - from: {labels: {group: contractors}}\n      to: {cidr: 192.168.20.30/32}\n      protocol: tcp\n"
	  "      ports: [22%s]\n      action: accept\n", opt & OPT_PORT8080 ? ", 8080" : "");
	if (opt & OPT_CROSS)
		Y("    - from: {tenant: acme}\n      to: {cidr: 192.168.20.0/24}\n      protocol: tcp\n      ports: [22]\n"
		  "      action: accept\n");
	diag_init(&d);
	r = model_load_buffers(&name, (const char *const *)&doc, &doc_len, 1, &m, &d);
	if (r < 0)
		diag_print(&d, stderr);
	CHECK_INT(r, 0);
	diag_free(&d);
	return m;
}

static struct model *models[2];

/* The diff of two variants; done() frees it and the models it borrows from. */
static void diff(unsigned base_opt, unsigned head_opt, unsigned extra, struct reach_diff *out)
{
	models[0] = isp(base_opt, extra);
	models[1] = isp(head_opt, extra);
	CHECK_INT(reach_diff_compute(models[0], models[1], NOW, out), 0);
}

static void done(struct reach_diff *d)
{
	reach_diff_clear(d);
	model_free(models[0]);
	model_free(models[1]);
}

static const char *label(const struct reach_diff *d, size_t end)
{
	return d->ends[end].label;
}

static void test_unchanged(void)
{
	struct reach_diff d;

	diff(OPT_ISOLATED, OPT_ISOLATED, 0, &d);
	CHECK_INT(d.n_flows, 0);
	CHECK(d.n_evaluations > 0);
	done(&d);
}

static void test_one_port(void)
{
	struct reach_diff d;

	diff(OPT_ISOLATED, OPT_ISOLATED | OPT_PORT8080, 0, &d);
	CHECK_INT(d.n_flows, 1);
	if (d.n_flows == 1) {
		const struct reach_flow *f = &d.flows[0];

		CHECK_STR(label(&d, f->src), "peer globex-dave");
		CHECK_STR(label(&d, f->dst), "192.168.20.30 (LAN 192.168.20.0/24 of host globex-router)");
		CHECK_STR(f->services, "tcp/8080");
		CHECK(!f->before && f->after);
		CHECK_STR(f->why_after, "policy contractors rule 1");
		CHECK(strstr(f->why_before, "default drop") != NULL);
		CHECK_INT(f->flags, REACH_OPENED);
		CHECK_INT(d.n_opened, 1);
		CHECK_INT(d.n_flagged, 0);
	}
	done(&d);
}

static void test_isolate_tenant(void)
{
	struct reach_diff d;

	diff(0, OPT_ISOLATED, 3, &d);
	CHECK(d.n_flows > 0);
	CHECK_INT(d.n_opened, 0);
	for (size_t i = 0; i < d.n_flows; i++) {
		const struct reach_end *s = &d.ends[d.flows[i].src], *t = &d.ends[d.flows[i].dst];

		CHECK(d.flows[i].before && !d.flows[i].after);
		/* every flow that goes is one between acme and the shared scope */
		CHECK((s->tenant && !strcmp(s->tenant, "acme") && !t->tenant) ||
		      (t->tenant && !strcmp(t->tenant, "acme") && !s->tenant));
	}
	done(&d);
}

static void test_cross_tenant_flagged(void)
{
	struct reach_diff d;
	size_t cross = 0;

	diff(OPT_ISOLATED, OPT_ISOLATED | OPT_CROSS, 2, &d);
	CHECK(d.n_flows > 0);
	for (size_t i = 0; i < d.n_flows; i++) {
		const struct reach_flow *f = &d.flows[i];

		CHECK(f->after && !f->before);
		CHECK(strstr(f->services, "tcp/22") != NULL);
		CHECK_STR(f->why_after, "policy contractors rule 2");
		CHECK_STR(d.ends[f->src].tenant, "acme");
		CHECK_STR(d.ends[f->dst].tenant, "globex");
		cross += (f->flags & REACH_CROSS_TENANT) != 0;
	}
	CHECK_INT(cross, d.n_flows);
	CHECK_INT(d.n_flagged, d.n_flows);
	done(&d);
}

static void test_internet_flagged(void)
{
	struct reach_diff d;
	size_t inet = 0;

	diff(OPT_ISOLATED, OPT_ISOLATED | OPT_DAVE_FULL, 0, &d);
	for (size_t i = 0; i < d.n_flows; i++)
		if (d.ends[d.flows[i].dst].kind == REACH_INTERNET) {
			CHECK_STR(label(&d, d.flows[i].src), "peer globex-dave");
			CHECK(d.flows[i].flags & REACH_INTERNET_PATH);
			CHECK(strstr(d.flows[i].why_after, "access level full of peer globex-dave") != NULL);
			inet++;
		}
	CHECK(inet > 0);
	done(&d);
}

/* A forward added opens a path from the internet; removed, it closes it, and says
 * where the forward was written at base. */
static void test_forward(void)
{
	struct reach_diff d;

	diff(OPT_ISOLATED, OPT_ISOLATED | OPT_FORWARD, 0, &d);
	CHECK_INT(d.n_flows, 1);
	if (d.n_flows == 1) {
		const struct reach_flow *f = &d.flows[0];

		CHECK_INT(d.ends[f->src].kind, REACH_INTERNET);
		CHECK_INT(d.ends[f->dst].kind, REACH_FORWARD);
		CHECK_STR(label(&d, f->dst), "forward carol-ssh on host core (198.51.100.40 tcp/2222)");
		CHECK_STR(f->services, "tcp/2222");
		CHECK(!f->before && f->after);
		CHECK(strstr(f->why_after, "forward carol-ssh on host core → 10.40.20.10:22") == f->why_after);
		CHECK_INT(f->flags, REACH_OPENED | REACH_INTERNET_PATH);
		CHECK(!f->loc_at_base && f->loc.line > 0);
	}
	done(&d);
	diff(OPT_ISOLATED | OPT_FORWARD, OPT_ISOLATED, 0, &d);
	CHECK_INT(d.n_flows, 1);
	if (d.n_flows == 1) {
		CHECK(d.flows[0].before && !d.flows[0].after);
		CHECK_INT(d.flows[0].flags, 0);
		CHECK(d.flows[0].loc_at_base);
	}
	done(&d);
}

/* 300 peers that the policy cannot tell apart are one group: one flow for all. */
static void test_grouped(void)
{
	struct reach_diff d;
	size_t big = 0;

	diff(0, OPT_ISOLATED, 299, &d);
	CHECK(d.n_endpoints > 300);
	CHECK(d.n_ends < 20);
	for (size_t i = 0; i < d.n_ends; i++)
		if (d.ends[i].n_members == 300) {
			CHECK(strstr(d.ends[i].label, "300 peers (tenant acme, full, hub core): acme-0, ") == d.ends[i].label);
			CHECK(strstr(d.ends[i].label, " and 295 more") != NULL);
			big++;
		}
	CHECK_INT(big, 1);
	done(&d);
}

static void test_new_peer_and_no_base(void)
{
	struct model *b = isp(OPT_ISOLATED, 0), *h = isp(OPT_ISOLATED | OPT_NEW_PEER, 0);
	struct reach_diff d;
	bool from_erin = false;

	CHECK_INT(reach_diff_compute(b, h, NOW, &d), 0);
	CHECK(d.n_flows > 0);
	for (size_t i = 0; i < d.n_flows; i++) {
		CHECK(d.flows[i].after && !d.flows[i].before);
		from_erin |= !strcmp(label(&d, d.flows[i].src), "peer erin");
		CHECK(!(d.flows[i].flags & REACH_CROSS_TENANT));
	}
	CHECK(from_erin);
	reach_diff_clear(&d);
	CHECK_INT(reach_diff_compute(NULL, h, NOW, &d), 0);
	CHECK(d.n_flows > 0);
	CHECK_INT(d.n_closed, 0);
	reach_diff_clear(&d);
	reach_diff_clear(NULL);
	model_free(b);
	model_free(h);
}

/* How many (source, destination, service) triples of single endpoints change: a
 * group's flow stands for every member pair (n(n-1) within one group). */
static size_t triples(const struct reach_diff *d)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n_flows; i++) {
		const struct reach_flow *f = &d->flows[i];
		size_t s = d->ends[f->src].n_members, t = d->ends[f->dst].n_members, svc = 1;

		for (const char *p = f->services; (p = strchr(p, ',')); p++)
			svc++;
		n += (f->src == f->dst ? s * (s - 1) : s * t) * svc * (f->both_families ? 2 : 1);
	}
	return n;
}

/* Grouping loses nothing: on every change, the groups' flows stand for exactly the
 * triples that change when every endpoint is evaluated alone. */
static void test_grouping_agrees(void)
{
	static const unsigned change[][2] = {
		{ OPT_ISOLATED, OPT_ISOLATED | OPT_PORT8080 }, { 0, OPT_ISOLATED }, { OPT_ISOLATED, 0 },
		{ OPT_ISOLATED, OPT_ISOLATED | OPT_CROSS }, { OPT_ISOLATED, OPT_ISOLATED | OPT_DAVE_FULL },
		{ OPT_ISOLATED | OPT_FORWARD, OPT_ISOLATED | OPT_NEW_PEER }, { OPT_CROSS, OPT_ISOLATED | OPT_PORT8080 },
	};

	for (size_t k = 0; k < sizeof(change) / sizeof(*change); k++) {
		struct reach_diff g, e;

		diff(change[k][0], change[k][1], 6, &g);
		CHECK_INT(reach_diff_compute_each(models[0], models[1], NOW, &e), 0);
		CHECK(g.n_ends < e.n_ends);
		CHECK(g.n_flows > 0);
		CHECK_INT(triples(&g), triples(&e));
		reach_diff_clear(&e);
		done(&g);
	}
}

int main(void)
{
	if (key_init() < 0)
		return 1;
	RUN(test_unchanged);
	RUN(test_one_port);
	RUN(test_isolate_tenant);
	RUN(test_cross_tenant_flagged);
	RUN(test_internet_flagged);
	RUN(test_forward);
	RUN(test_grouped);
	RUN(test_grouping_agrees);
	RUN(test_new_peer_and_no_base);
	free(doc);
	UNIT_DONE();
}
