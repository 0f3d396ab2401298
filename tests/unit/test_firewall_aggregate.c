/* render/firewall at scale: the source maps aggregate each class's addresses exactly
 * (never an address of nobody, of a custom principal or of another class), a large
 * network's items per host, and the compiled-network cache of plan --all. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/key.h"
#include "model/model.h"
#include "reconcile/kernel/nft.h"   /* nft_body_valid */
#include "render/firewall.h"
#include "render/render.h"
#include "tests/unit/unit.h"

#define NOW 1700000000

static unsigned yseed;

static const char *key(void)
{
	static char buf[WG_KEY_B64_LEN];
	uint8_t k[WG_KEY_LEN];

	yseed++;
	for (int i = 0; i < WG_KEY_LEN; i++)
		k[i] = (uint8_t)(yseed * 13 + i * 7);
	k[0] = (uint8_t)(yseed >> 8);
	k[1] = (uint8_t)yseed;
	k[31] &= 0x7f;
	return key_to_base64(k, buf);
}

static struct model *load(const char *text)
{
	const char *name = "t.yaml";
	size_t len = strlen(text);
	struct model *m = NULL;
	struct diag d;
	int r;

	diag_init(&d);
	r = model_load_buffers(&name, &text, &len, 1, &m, &d);
	if (r < 0)
		diag_print(&d, stderr);
	CHECK_INT(r, 0);
	diag_free(&d);
	return m;
}

static const char *level_name(char c)
{
	switch (c) {
	case 'F': return "full";
	case 'V': return "vpn-only";
	case 'L': return "lan-only";
	case 'C': return "custom";
	default: return NULL;
	}
}

/* A hub at .1 (::1), a router at .250 with a LAN, and a peer at each other address
 * of 10.0.0.0/24 (v4) and fd00::/120 (v6) whose letter is F, V, L or C; '.' is nobody. */
static char *fleet_text(const char *v4, const char *v6)
{
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	fprintf(f, "---\napiVersion: wgf/v1\nkind: Network\nmetadata: {name: net}\nspec:\n"
		"  addressPools: {ipv4: 10.0.0.0/16, ipv6: \"fd00::/64\"}\n");
	fprintf(f, "---\napiVersion: wgf/v1\nkind: Host\nmetadata: {name: hub}\nspec:\n  publicKey: %s\n"
		"  role: hub\n  endpoint: 198.51.100.1:51820\n  addresses: [10.0.0.1/16, \"fd00::1/64\"]\n", key());
	fprintf(f, "---\napiVersion: wgf/v1\nkind: Host\nmetadata: {name: router}\nspec:\n  publicKey: %s\n"
		"  role: router\n  addresses: [10.0.0.250/16]\n  lans: [192.168.1.0/24]\n  hubs: [hub]\n", key());
	for (int fam = 0; fam < 2; fam++) {
		const char *s = fam ? v6 : v4;

		for (size_t i = 0; s[i]; i++) {
			if (!level_name(s[i]) || i == 1)   /* .1 is the hub's */
				continue;
			fprintf(f, "---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: p%d-%zu}\nspec:\n"
				"  publicKey: %s\n  hubs: [hub]\n  access: %s\n", fam ? 6 : 4, i, key(),
				level_name(s[i]));
			if (fam)
				fprintf(f, "  addresses: [\"fd00::%zx\"]\n", i);
			else
				fprintf(f, "  addresses: [10.0.0.%zu]\n", i);
		}
	}
	fclose(f);
	return text;
}

struct elem {
	struct wgf_prefix p;
	char chain[16];
};

/* The elements of map `name` in body: "prefix : jump cN" separated by commas. */
static size_t map_elements(const char *body, const char *name, struct elem *out, size_t max)
{
	char head[32];
	const char *s, *e;
	size_t n = 0;

	snprintf(head, sizeof(head), "\tmap %s {\n", name);
	if (!(s = strstr(body, head)) || !(s = strstr(s, "elements = { ")) || !(e = strchr(s, '}')))
		return 0;
	s += strlen("elements = { ");
	while (s < e && n < max) {
		char pfx[PREFIX_STRLEN], chain[16];
		int used = 0;

		while (*s == ',' || *s == ' ' || *s == '\n' || *s == '\t')
			s++;
		if (s >= e)
			break;
		if (sscanf(s, "%49s : jump %15[c0-9]%n", pfx, chain, &used) != 2 ||
		    !prefix_parse(pfx, true, &out[n].p)) {
			fprintf(stderr, "#  unreadable map element at: %.40s\n", s);
			unit_failed_checks++;
			return n;
		}
		snprintf(out[n].chain, sizeof(out[n].chain), "%s", chain);
		n++;
		s += used;
	}
	return n;
}

/* Every address a of the range (base + i) with letter want[i]: covered by exactly
 * one element when its principal has a class, by none when nobody or custom holds
 * it; addresses of one class jump to one chain, of different classes to different ones. */
static void check_exact(const struct elem *el, size_t n, const char *base, const char *want)
{
	char chain_of[256][16] = { { 0 } };   /* per letter */
	struct wgf_prefix a;

	CHECK(prefix_parse(base, true, &a));
	for (size_t i = 0; want[i]; i++) {
		const char *got = NULL;
		size_t hits = 0;

		a.addr[prefix_addr_len(a.family) - 1] = (uint8_t)i;
		for (size_t k = 0; k < n; k++)
			if (prefix_contains(&el[k].p, &a)) {
				hits++;
				got = el[k].chain;
			}
		if (want[i] == '.' || want[i] == 'C') {
			if (hits)
				fprintf(stderr, "#  %s + %zu ('%c') is in the map\n", base, i, want[i]);
			CHECK_INT(hits, 0);
			continue;
		}
		CHECK_INT(hits, 1);
		if (hits != 1)
			continue;
		if (!chain_of[(unsigned char)want[i]][0])
			snprintf(chain_of[(unsigned char)want[i]], 16, "%s", got);
		CHECK_STR(got, chain_of[(unsigned char)want[i]]);
	}
	for (int x = 0; x < 256; x++)
		for (int y = x + 1; y < 256; y++)
			if (chain_of[x][0] && chain_of[y][0] && !strcmp(chain_of[x], chain_of[y])) {
				fprintf(stderr, "#  classes '%c' and '%c' share %s\n", x, y, chain_of[x]);
				unit_failed_checks++;
			}
}

static bool has_element(const struct elem *el, size_t n, const char *prefix)
{
	struct wgf_prefix p;

	if (!prefix_parse(prefix, false, &p))
		return false;
	for (size_t k = 0; k < n; k++)
		if (prefix_equal(&el[k].p, &p))
			return true;
	return false;
}

static void render_fw(const struct model *m, const char *host, struct fw_network **fw, struct hs_firewall *out)
{
	memset(out, 0, sizeof(*out));
	*fw = NULL;
	CHECK_INT(fw_compile(m, 0, NOW, fw), 0);
	if (*fw)
		CHECK_INT(fw_render_host(*fw, model_find_host(m, host), out), 0);
	CHECK(out->body && nft_body_valid(out->body));
}

/* .0-.15: F with a hole at .9 (nobody), .5 (V) and .6 (C); .16-.31: F and V
 * interleaved; .32-.47: pairs; .48-.63: L; .64-.127: F. */
#define V4 ".FFFFVCFF.FFFFFF" "FVFVFVFVFVFVFVFV" "FFVVFFVVFFVVFFVV" "LLLLLLLLLLLLLLLL" \
	   "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
#define V6 ".F..............FFF.FFFFFFVFFFFF"

static void test_exact(void)
{
	char *text = fleet_text(V4, V6), v4[256];
	struct model *m = load(text);
	struct fw_network *fw = NULL;
	struct hs_firewall out;
	struct elem el[512];
	size_t n;

	free(text);
	if (!m)
		return;
	render_fw(m, "router", &fw, &out);
	/* the router (F) at .250 */
	memset(v4, '.', sizeof(v4));
	memcpy(v4, V4, strlen(V4));
	v4[250] = 'F';
	v4[255] = '\0';
	n = map_elements(out.body ? out.body : "", "src4", el, 512);
	check_exact(el, n, "10.0.0.0", v4);
	/* the hole at .9 splits F's run; .5 (V) and .6 (C) too */
	CHECK(has_element(el, n, "10.0.0.1/32"));
	CHECK(has_element(el, n, "10.0.0.2/31"));
	CHECK(has_element(el, n, "10.0.0.4/32"));
	CHECK(has_element(el, n, "10.0.0.5/32"));
	CHECK(has_element(el, n, "10.0.0.7/32"));
	CHECK(has_element(el, n, "10.0.0.8/32"));
	CHECK(has_element(el, n, "10.0.0.10/31"));
	CHECK(has_element(el, n, "10.0.0.12/30"));
	/* interleaved: one element per address; pairs: /31s */
	CHECK(has_element(el, n, "10.0.0.16/32"));
	CHECK(has_element(el, n, "10.0.0.17/32"));
	CHECK(has_element(el, n, "10.0.0.32/31"));
	CHECK(has_element(el, n, "10.0.0.34/31"));
	CHECK(has_element(el, n, "10.0.0.48/28"));
	CHECK(has_element(el, n, "10.0.0.64/26"));
	CHECK(has_element(el, n, "192.168.1.0/24"));    /* the router's LAN: F */
	CHECK_INT(n, 36);   /* F 21 + the LAN, V 13, L 1 (as Python's ipaddress.collapse_addresses has it) */
	n = map_elements(out.body ? out.body : "", "src6", el, 512);
	check_exact(el, n, "fd00::", V6);
	CHECK(has_element(el, n, "fd00::10/127"));
	CHECK(has_element(el, n, "fd00::12/128"));
	CHECK(has_element(el, n, "fd00::14/126"));
	CHECK(has_element(el, n, "fd00::18/127"));
	CHECK(has_element(el, n, "fd00::1a/128"));
	CHECK(has_element(el, n, "fd00::1b/128"));
	CHECK(has_element(el, n, "fd00::1c/126"));
	CHECK_INT(n, 8);    /* with the hub's fd00::1 */
	hs_firewall_clear(&out);
	fw_network_free(fw);
	model_free(m);
}

/* The evaluator decides from the principals, the tables from the aggregates: they agree. */
static void test_decisions(void)
{
	static const struct { const char *src, *dst; bool accept; } cases[] = {
		{ "10.0.0.4", "192.168.1.9", true },     /* full */
		{ "10.0.0.5", "192.168.1.9", false },    /* vpn-only */
		{ "10.0.0.5", "10.0.0.1", true },
		{ "10.0.0.6", "10.0.0.1", false },       /* custom */
		{ "10.0.0.9", "10.0.0.1", false },       /* nobody, inside F's aggregate neighbours */
		{ "10.0.0.50", "192.168.1.9", true },    /* lan-only */
		{ "10.0.0.50", "10.0.0.1", false },
		{ "fd00::13", "fd00::1", false },        /* the IPv6 hole */
		{ "fd00::12", "fd00::1", true },
	};
	char *text = fleet_text(V4, V6);
	struct model *m = load(text);
	struct fw_network *fw = NULL;

	free(text);
	if (!m || fw_compile(m, 0, NOW, &fw) < 0) {
		CHECK(0);
		goto out;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fw_query q = { .proto = FW_PROTO_TCP, .port = 22 };
		struct fw_decision d;

		CHECK(prefix_parse(cases[i].src, true, &q.src) && prefix_parse(cases[i].dst, true, &q.dst));
		CHECK_INT(fw_evaluate(fw, &q, &d), 0);
		if (d.accept != cases[i].accept)
			fprintf(stderr, "#  %s -> %s: %s\n", cases[i].src, cases[i].dst, d.why ? d.why : "");
		CHECK_INT(d.accept, cases[i].accept);
		fw_decision_clear(&d);
	}
out:
	fw_network_free(fw);
	model_free(m);
}

/* 300 peers on one hub: the router names itself, the hub and the classes; the hub its peers. */
static char *large_text(unsigned n, int vpn_only_peer)
{
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	fprintf(f, "---\napiVersion: wgf/v1\nkind: Network\nmetadata: {name: net}\nspec:\n"
		"  addressPools: {ipv4: 10.0.0.0/16}\n");
	fprintf(f, "---\napiVersion: wgf/v1\nkind: Host\nmetadata: {name: hub}\nspec:\n  publicKey: %s\n"
		"  role: hub\n  endpoint: 198.51.100.1:51820\n  addresses: [10.0.0.1/16]\n", key());
	fprintf(f, "---\napiVersion: wgf/v1\nkind: Host\nmetadata: {name: router}\nspec:\n  publicKey: %s\n"
		"  role: router\n  addresses: [10.0.0.2/16]\n  lans: [192.168.1.0/24]\n  hubs: [hub]\n", key());
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: p%u}\nspec:\n  publicKey: %s\n"
			"  hubs: [hub]\n  addresses: [10.0.%u.%u]\n  access: %s\n", i, key(), 1 + i / 256, i % 256,
			(int)i == vpn_only_peer || i == 0 ? "vpn-only" : "full");
	fclose(f);
	return text;
}

static const char *item(const struct hs_firewall *fw, const char *key_)
{
	for (size_t i = 0; i < fw->n_items; i++)
		if (!strcmp(fw->items[i].key, key_))
			return fw->items[i].value;
	return NULL;
}

static void large_items(int vpn_only_peer, struct hs_firewall *router, struct hs_firewall *hub)
{
	char *text = large_text(300, vpn_only_peer);
	struct model *m = load(text);
	struct fw_network *fw = NULL;

	free(text);
	memset(router, 0, sizeof(*router));
	memset(hub, 0, sizeof(*hub));
	if (!m)
		return;
	render_fw(m, "router", &fw, router);
	if (fw)
		CHECK_INT(fw_render_host(fw, model_find_host(m, "hub"), hub), 0);
	fw_network_free(fw);
	model_free(m);
}

static void test_large_items(void)
{
	struct hs_firewall r1, h1, r2, h2;
	const char *v;

	large_items(-1, &r1, &h1);
	large_items(7, &r2, &h2);
	/* the router: itself, its hub, one item per class; no peer by name */
	CHECK(item(&r1, "access/host/router") != NULL);
	CHECK(item(&r1, "access/host/hub") != NULL);
	CHECK(item(&r1, "access/peer/p5") == NULL);
	CHECK(r1.n_items <= 6);
	v = item(&r1, "access/class/shared/full");
	CHECK(v && strstr(v, "2 hosts and 299 peers, from 10.0.0.1/32, 10.0.0.2/32, 10.0.1.1/32, 10.0.1.2/31 and "));
	v = item(&r1, "access/class/shared/vpn-only");
	CHECK(v && strstr(v, "vpn-only: tunnel addresses of the shared scope; 0 hosts and 1 peer, from 10.0.1.0/32"));
	/* the hub: each of its peers by name */
	CHECK(item(&h1, "access/peer/p0") != NULL);
	CHECK(item(&h1, "access/peer/p299") != NULL);
	CHECK(item(&h1, "access/host/router") != NULL);
	/* one peer's level changed: the hub says whose, the router's class items change */
	v = item(&h2, "access/peer/p7");
	CHECK(v && !strncmp(v, "vpn-only:", 9));
	v = item(&r2, "access/class/shared/full");
	CHECK(v && strstr(v, "2 hosts and 298 peers"));
	v = item(&r2, "access/class/shared/vpn-only");
	CHECK(v && strstr(v, "0 hosts and 2 peers, from 10.0.1.0/32, 10.0.1.7/32"));
	CHECK(r1.body && r2.body && strcmp(r1.body, r2.body));
	hs_firewall_clear(&r1);
	hs_firewall_clear(&h1);
	hs_firewall_clear(&r2);
	hs_firewall_clear(&h2);
}

/* render_host with the cache renders what it renders without, from one compile. */
static void test_cache(void)
{
	char *text = fleet_text(V4, V6);
	struct model *m = load(text);
	struct fw_cache cache = { 0 };
	const struct fw_network *a = NULL, *b = NULL, *c = NULL;

	free(text);
	if (!m)
		return;
	CHECK_INT(fw_cache_get(&cache, m, 0, NOW, &a), 0);
	CHECK_INT(fw_cache_get(&cache, m, 0, NOW, &b), 0);
	CHECK(a && a == b);
	CHECK_INT(fw_cache_get(&cache, m, 0, NOW + 1, &c), 0);
	CHECK(c && c != a);
	CHECK_INT(fw_cache_get(&cache, m, 3, NOW, &c), -EINVAL);
	for (size_t i = 0; i < m->n_hosts; i++) {
		struct render_opts plain = { .now = NOW }, cached = { .now = NOW, .fw_cache = &cache };
		struct host_state *x = NULL, *y = NULL;

		CHECK_INT(render_host(m, &m->hosts[i], &plain, &x), 0);
		CHECK_INT(render_host(m, &m->hosts[i], &cached, &y), 0);
		if (x && y) {
			CHECK_STR(x->firewall.body, y->firewall.body);
			CHECK_INT(x->firewall.n_items, y->firewall.n_items);
			for (size_t k = 0; k < x->firewall.n_items && k < y->firewall.n_items; k++) {
				CHECK_STR(x->firewall.items[k].key, y->firewall.items[k].key);
				CHECK_STR(x->firewall.items[k].value, y->firewall.items[k].value);
			}
		}
		hoststate_free(x);
		hoststate_free(y);
	}
	CHECK_INT(cache.n, 2);
	fw_cache_clear(&cache);
	CHECK(cache.n == 0 && cache.v == NULL);
	fw_cache_clear(&cache);
	model_free(m);
}

int main(void)
{
	if (key_init() < 0)
		return 1;
	RUN(test_exact);
	RUN(test_decisions);
	RUN(test_large_items);
	RUN(test_cache);
	UNIT_DONE();
}
