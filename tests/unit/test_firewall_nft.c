/* render/firewall_nft: what the rendered `table inet wgf` body does, read the way nft
 * reads it, not only what the evaluator (fw_evaluate) says. Each access level's class
 * chain accepts the right destinations; masquerade only where asked for; an IPv4-only
 * exit gives no IPv6 internet. (Issue 11: mutations of firewall_nft.c survived
 * test_firewall.c because it asserts the evaluator and a few strings.)
 * WGF_UNIT_DUMP=1 prints every rendered body. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/key.h"
#include "model/model.h"
#include "model/prefix.h"
#include "render/firewall.h"
#include "render/render.h"
#include "tests/unit/unit.h"

#define NOW 1700000000   /* 2023-11-14 */

/* ---- models from YAML text ---- */

static char *ytext;
static size_t ylen;
static FILE *yf;
static unsigned yseed;

#define Y(...) fprintf(yf, __VA_ARGS__)

static const char *key(void)
{
	static char buf[WG_KEY_B64_LEN];
	uint8_t k[WG_KEY_LEN];

	yseed++;
	for (int i = 0; i < WG_KEY_LEN; i++)
		k[i] = (uint8_t)(yseed * 29 + i * 5);
	k[0] = (uint8_t)(yseed >> 8);
	k[1] = (uint8_t)yseed;
	k[31] &= 0x7f;
	return key_to_base64(k, buf);
}

static void y_begin(const char *pools)
{
	yf = open_memstream(&ytext, &ylen);
	Y("---\napiVersion: wgf/v1\nkind: Network\nmetadata: {name: net}\nspec:\n  addressPools: %s\n", pools);
}

static void y_host(const char *name, const char *spec)
{
	Y("---\napiVersion: wgf/v1\nkind: Host\nmetadata: {name: %s}\nspec:\n  publicKey: %s\n%s", name, key(), spec);
}

static void y_peer(const char *name, const char *spec)
{
	Y("---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: %s}\nspec:\n  publicKey: %s\n%s", name, key(), spec);
}

/* Loads the text written since y_begin; NULL (and a failed check) when it is invalid. */
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
	return r < 0 ? NULL : m;
}

/* Renders host `name` of network 0: its whole HostState (the caller frees it). */
static struct host_state *render(const struct model *m, const char *name)
{
	const struct model_host *h = m ? model_find_host(m, name) : NULL;
	struct render_opts o = { .now = NOW };
	struct host_state *hs = NULL;

	CHECK(h != NULL);
	if (!h)
		return NULL;
	CHECK_INT(render_host(m, h, &o, &hs), 0);
	if (hs && getenv("WGF_UNIT_DUMP"))
		fprintf(stderr, "---- %s:\n%s\n", name, hs->firewall.body ? hs->firewall.body : "(none)");
	return hs;
}

/* ---- reading the body the way nft does (the subset wgf writes) ---- */

/* The text between "\t<kind> <name> {\n" and its closing "\n\t}\n" (static copy), or NULL. */
static const char *block(const char *body, const char *kind, const char *name)
{
	static char buf[16384];
	char head[96];
	const char *s, *e;

	snprintf(head, sizeof(head), "\t%s %s {\n", kind, name);
	if (!body || !(s = strstr(body, head)))
		return NULL;
	s += strlen(head);
	if (!(e = strstr(s, "\n\t}\n")))
		return NULL;
	snprintf(buf, sizeof(buf), "%.*s", (int)(e - s), s);
	return buf;
}

/* Is address a in an element of set `name` ("elements = { p, p, ... }")? -1: no such set */
static int in_set(const char *body, const char *name, const struct wgf_prefix *a)
{
	const char *b = block(body, "set", name), *s;
	char elems[16384], *tok, *save;

	if (!b)
		return -1;
	if (!(s = strstr(b, "elements = {")))
		return 0;
	snprintf(elems, sizeof(elems), "%s", s + strlen("elements = {"));
	if (strchr(elems, '}'))
		*strchr(elems, '}') = '\0';
	for (tok = strtok_r(elems, ", \t\n", &save); tok; tok = strtok_r(NULL, ", \t\n", &save)) {
		struct wgf_prefix p;

		if (!prefix_parse(tok, true, &p)) {
			fprintf(stderr, "  set %s: cannot read element \"%s\"\n", name, tok);
			unit_failed_checks++;
			return 0;
		}
		if (p.family == a->family && prefix_contains(&p, a))
			return 1;
	}
	return 0;
}

/* The chain the source map src4/src6 sends src to ("cN"), or "" when none (static). */
static const char *class_of(const char *body, const struct wgf_prefix *src)
{
	static char chain[32];
	const char *b = block(body, "map", src->family == AF_INET ? "src4" : "src6"), *s;
	char elems[16384], *line, *save;

	chain[0] = '\0';
	if (!b || !(s = strstr(b, "elements = {")))
		return chain;
	snprintf(elems, sizeof(elems), "%s", s + strlen("elements = {"));
	for (line = strtok_r(elems, ",}\n", &save); line; line = strtok_r(NULL, ",}\n", &save)) {
		char pfx[64], target[32];
		struct wgf_prefix p;

		if (sscanf(line, " %63s : jump %31s", pfx, target) != 2)
			continue;
		if (prefix_parse(pfx, true, &p) && p.family == src->family && prefix_contains(&p, src))
			snprintf(chain, sizeof(chain), "%s", target);
	}
	return chain;
}

/* Does chain `chain` accept dst (tcp or udp to port; 0: a port no line names)? Every
 * line is one of
 *   comment "..."
 *   ip|ip6 daddr [!=] @SET accept [comment "..."]
 *   ip|ip6 daddr @SET meta l4proto { tcp, udp } th dport PORT accept [comment "..."]
 * anything else is a failed check (this reader would not know what it does). */
static bool chain_accepts_port(const char *body, const char *chain, const struct wgf_prefix *dst, unsigned port)
{
	const char *b = block(body, "chain", chain);
	char text[16384], *line, *save;
	bool accept = false;

	if (!b) {
		fprintf(stderr, "  no chain %s\n", chain);
		unit_failed_checks++;
		return false;
	}
	snprintf(text, sizeof(text), "%s", b);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char fam[8], set[64], verdict[16];
		unsigned dport;
		bool neg;
		int in;

		line += strspn(line, "\t ");
		if (!strncmp(line, "comment \"", 9))
			continue;
		if (sscanf(line, "%7s daddr @%63s meta l4proto { tcp, udp } th dport %u %15s", fam, set, &dport,
			   verdict) == 4) {
			if (dport != port)
				continue;
			neg = false;
		} else if (sscanf(line, "%7s daddr != @%63s %15s", fam, set, verdict) == 3)
			neg = true;
		else if (sscanf(line, "%7s daddr @%63s %15s", fam, set, verdict) == 3)
			neg = false;
		else
			goto unknown;
		if (strcmp(verdict, "accept") || (strcmp(fam, "ip") && strcmp(fam, "ip6")))
			goto unknown;
		if ((dst->family == AF_INET) != !strcmp(fam, "ip"))
			continue;
		in = in_set(body, set, dst);
		if (in < 0) {
			fprintf(stderr, "  chain %s reads set %s, which the body lacks\n", chain, set);
			unit_failed_checks++;
			continue;
		}
		if (neg ? !in : in)
			accept = true;
		continue;
unknown:
		fprintf(stderr, "  chain %s: a line this test cannot read: %s\n", chain, line);
		unit_failed_checks++;
	}
	return accept;
}

static bool chain_accepts(const char *body, const char *chain, const struct wgf_prefix *dst)
{
	return chain_accepts_port(body, chain, dst, 0);
}

/* The access-level verdict of the body for src -> dst: 1 accept, 0 not (the default drop). */
static int level_accepts(const char *body, const char *src, const char *dst)
{
	struct wgf_prefix s, d;
	const char *c;

	if (!prefix_parse(src, true, &s) || !prefix_parse(dst, true, &d))
		return -1;
	c = class_of(body, &s);
	if (!*c)
		return 0;
	return chain_accepts(body, c, &d);
}

#define EXPECT_LEVEL(body, src, dst, want) do { \
	int _g = level_accepts((body), (src), (dst)); \
	if (_g != (want)) { \
		fprintf(stderr, "  %s:%d: %s -> %s: the body %s, want %s\n", __FILE__, __LINE__, (src), (dst), \
			_g == 1 ? "accepts" : _g == 0 ? "does not accept" : "(bad address)", \
			(want) ? "accept" : "not accepted"); \
		unit_failed_checks++; \
	} } while (0)

/* The comment of the chain src jumps to: "<level> <scope>..." */
static void expect_class_at(int line, const char *body, const char *src, const char *level)
{
	struct wgf_prefix s;
	const char *c, *b;
	char want[64];

	CHECK(prefix_parse(src, true, &s));
	c = class_of(body, &s);
	b = *c ? block(body, "chain", c) : NULL;
	snprintf(want, sizeof(want), "comment \"%s ", level);
	if (!b || !strstr(b, want)) {
		fprintf(stderr, "  %s:%d: %s jumps to %s, which is not a %s class chain:\n%s\n", __FILE__, line, src,
			*c ? c : "(no chain)", level, b ? b : "");
		unit_failed_checks++;
	}
}

#define EXPECT_CLASS(body, src, level) expect_class_at(__LINE__, body, src, level)

static const char *sysctl(const struct host_state *hs, const char *k)
{
	for (size_t i = 0; i < hs->n_sysctls; i++)
		if (!strcmp(hs->sysctls[i].key, k))
			return hs->sysctls[i].value;
	return NULL;
}

/* ---- the tests ---- */

/* hub_role hub or exit; one peer of each level, a router with LANs of both families */
static struct model *levels_model(const char *hub_role, const char *pools, bool v6)
{
	char spec[256];

	y_begin(pools);
	snprintf(spec, sizeof(spec), "  role: %s\n  endpoint: 198.51.100.1:51820\n  addresses: [10.0.0.1/16%s]\n",
		 hub_role, v6 ? ", \"fd00::1/64\"" : "");
	y_host("hub", spec);
	y_host("router", v6 ? "  role: router\n  addresses: [10.0.0.2/16, \"fd00::2/64\"]\n"
			      "  lans: [192.168.50.0/24, 192.168.60.0/24, \"fd50::/64\"]\n"
			    : "  role: router\n  addresses: [10.0.0.2/16]\n  lans: [192.168.50.0/24, 192.168.60.0/24]\n");
	y_peer("alice", v6 ? "  addresses: [10.0.0.10, \"fd00::10\"]\n  hubs: [hub]\n"
			   : "  addresses: [10.0.0.10]\n  hubs: [hub]\n");
	y_peer("vic", v6 ? "  addresses: [10.0.0.11, \"fd00::11\"]\n  hubs: [hub]\n  access: vpn-only\n"
			 : "  addresses: [10.0.0.11]\n  hubs: [hub]\n  access: vpn-only\n");
	y_peer("lana", v6 ? "  addresses: [10.0.0.12, \"fd00::12\"]\n  hubs: [hub]\n  access: lan-only\n"
			  : "  addresses: [10.0.0.12]\n  hubs: [hub]\n  access: lan-only\n");
	y_peer("lanb", "  addresses: [10.0.0.13]\n  hubs: [hub]\n  access: lan-only\n  accessLans: [192.168.50.0/24]\n");
	y_peer("cus", "  addresses: [10.0.0.14]\n  hubs: [hub]\n  access: custom\n");
	return y_load();
}

/* Each access level jumps to its own class chain, and that chain accepts exactly the
 * destinations of the level (README "Access control"). */
static void test_nft_class_chains_per_level(void)
{
	struct model *m = levels_model("hub", "{ipv4: 10.0.0.0/16, ipv6: \"fd00::/64\"}", true);
	struct host_state *hs = m ? render(m, "hub") : NULL;
	const char *b;

	if (!hs)
		goto out;
	b = hs->firewall.body;
	CHECK(b != NULL);
	EXPECT_CLASS(b, "10.0.0.10", "full");
	EXPECT_CLASS(b, "fd00::10", "full");
	EXPECT_CLASS(b, "10.0.0.11", "vpn-only");
	EXPECT_CLASS(b, "fd00::11", "vpn-only");
	EXPECT_CLASS(b, "10.0.0.12", "lan-only");
	EXPECT_CLASS(b, "fd00::12", "lan-only");
	EXPECT_CLASS(b, "10.0.0.13", "lan-only");
	EXPECT_CLASS(b, "192.168.50.9", "full");        /* a LAN behind a router is its host's */
	/* full: tunnel addresses and LANs, of both families; not the internet (no exit) */
	EXPECT_LEVEL(b, "10.0.0.10", "10.0.0.11", 1);
	EXPECT_LEVEL(b, "10.0.0.10", "10.0.0.1", 1);
	EXPECT_LEVEL(b, "10.0.0.10", "192.168.50.5", 1);
	EXPECT_LEVEL(b, "10.0.0.10", "192.168.60.5", 1);
	EXPECT_LEVEL(b, "fd00::10", "fd00::11", 1);
	EXPECT_LEVEL(b, "fd00::10", "fd50::5", 1);
	EXPECT_LEVEL(b, "10.0.0.10", "203.0.113.9", 0);
	EXPECT_LEVEL(b, "fd00::10", "2001:db8::9", 0);
	/* vpn-only: tunnel addresses only */
	EXPECT_LEVEL(b, "10.0.0.11", "10.0.0.10", 1);
	EXPECT_LEVEL(b, "10.0.0.11", "10.0.0.1", 1);
	EXPECT_LEVEL(b, "fd00::11", "fd00::10", 1);
	EXPECT_LEVEL(b, "10.0.0.11", "192.168.50.5", 0);
	EXPECT_LEVEL(b, "10.0.0.11", "192.168.60.5", 0);
	EXPECT_LEVEL(b, "fd00::11", "fd50::5", 0);
	EXPECT_LEVEL(b, "10.0.0.11", "203.0.113.9", 0);
	/* lan-only: every LAN of the scope, no tunnel address */
	EXPECT_LEVEL(b, "10.0.0.12", "192.168.50.5", 1);
	EXPECT_LEVEL(b, "10.0.0.12", "192.168.60.5", 1);
	EXPECT_LEVEL(b, "fd00::12", "fd50::5", 1);
	EXPECT_LEVEL(b, "10.0.0.12", "10.0.0.10", 0);
	EXPECT_LEVEL(b, "10.0.0.12", "10.0.0.1", 0);
	EXPECT_LEVEL(b, "fd00::12", "fd00::10", 0);
	EXPECT_LEVEL(b, "10.0.0.12", "203.0.113.9", 0);
	/* lan-only with accessLans: those LANs only */
	EXPECT_LEVEL(b, "10.0.0.13", "192.168.50.5", 1);
	EXPECT_LEVEL(b, "10.0.0.13", "192.168.60.5", 0);
	EXPECT_LEVEL(b, "10.0.0.13", "10.0.0.10", 0);
	/* custom: no class chain at all */
	EXPECT_LEVEL(b, "10.0.0.14", "10.0.0.10", 0);
	EXPECT_LEVEL(b, "10.0.0.14", "192.168.50.5", 0);
out:
	hoststate_free(hs);
	model_free(m);
}

/* The same on an exit: full gains the internet (both families), the others do not. */
static void test_nft_class_chains_exit(void)
{
	struct model *m = levels_model("exit", "{ipv4: 10.0.0.0/16, ipv6: \"fd00::/64\"}", true);
	struct host_state *hs = m ? render(m, "hub") : NULL;
	const char *b;

	if (!hs)
		goto out;
	b = hs->firewall.body;
	EXPECT_LEVEL(b, "10.0.0.10", "203.0.113.9", 1);
	EXPECT_LEVEL(b, "fd00::10", "2001:db8::9", 1);
	EXPECT_LEVEL(b, "10.0.0.10", "192.168.50.5", 1);
	EXPECT_LEVEL(b, "10.0.0.11", "203.0.113.9", 0);
	EXPECT_LEVEL(b, "10.0.0.11", "10.0.0.10", 1);
	EXPECT_LEVEL(b, "10.0.0.12", "203.0.113.9", 0);
	EXPECT_LEVEL(b, "10.0.0.12", "192.168.50.5", 1);
	EXPECT_LEVEL(b, "10.0.0.12", "10.0.0.10", 0);
	EXPECT_LEVEL(b, "10.0.0.13", "203.0.113.9", 0);
	EXPECT_LEVEL(b, "10.0.0.13", "192.168.60.5", 0);
out:
	hoststate_free(hs);
	model_free(m);
}

/* masquerade only where the repository asks for it: a router with `masquerade: true`
 * (toward its own LANs), an exit (toward the internet); nowhere else. */
static struct model *masq_model(bool masq)
{
	y_begin("{ipv4: 10.0.0.0/16, ipv6: \"fd00::/64\"}");
	y_host("hub", "  role: hub\n  endpoint: 198.51.100.1:51820\n  addresses: [10.0.0.1/16, \"fd00::1/64\"]\n");
	y_host("router", masq ? "  role: router\n  addresses: [10.0.0.2/16, \"fd00::2/64\"]\n"
				"  lans: [192.168.50.0/24, \"fd50::/64\"]\n  masquerade: true\n"
			      : "  role: router\n  addresses: [10.0.0.2/16, \"fd00::2/64\"]\n"
				"  lans: [192.168.50.0/24, \"fd50::/64\"]\n");
	y_host("member", "  role: member\n  addresses: [10.0.0.3/16]\n  hubs: [hub]\n");
	y_peer("alice", "  addresses: [10.0.0.10]\n  hubs: [hub]\n");
	return y_load();
}

static const char *item(const struct host_state *hs, const char *k)
{
	for (size_t i = 0; i < hs->firewall.n_items; i++)
		if (!strcmp(hs->firewall.items[i].key, k))
			return hs->firewall.items[i].value;
	return NULL;
}

static void test_nft_masquerade_only_when_asked(void)
{
	struct model *plain = masq_model(false), *masq = masq_model(true);
	const char *names[] = { "hub", "router", "member" };
	struct host_state *hs;
	struct wgf_prefix p;

	if (!plain || !masq)
		goto out;
	/* without masquerade: true, no host of the network masquerades */
	for (size_t i = 0; i < 3; i++) {
		if (!(hs = render(plain, names[i])))
			continue;
		if (hs->firewall.body && strstr(hs->firewall.body, "masquerade")) {
			fprintf(stderr, "  %s:%d: host %s masquerades without masquerade: true:\n%s\n", __FILE__, __LINE__,
				names[i], hs->firewall.body);
			unit_failed_checks++;
		}
		CHECK(item(hs, "masquerade/lans") == NULL);
		CHECK(item(hs, "masquerade/internet") == NULL);
		hoststate_free(hs);
	}
	/* with it: the router, and only the router, toward its own LANs of both families */
	for (size_t i = 0; i < 3; i++) {
		if (!(hs = render(masq, names[i])))
			continue;
		if (i != 1) {
			CHECK(!hs->firewall.body || !strstr(hs->firewall.body, "masquerade"));
			hoststate_free(hs);
			continue;
		}
		CHECK(hs->firewall.body && strstr(hs->firewall.body,
			"\t\tiifname \"wg0\" oifname != \"wg0\" ip daddr @own_lans4 masquerade comment \"LANs\"\n"));
		CHECK(hs->firewall.body && strstr(hs->firewall.body,
			"\t\tiifname \"wg0\" oifname != \"wg0\" ip6 daddr @own_lans6 masquerade comment \"LANs\"\n"));
		CHECK(hs->firewall.body && strstr(hs->firewall.body, "type nat hook postrouting"));
		prefix_parse("192.168.50.7", true, &p);
		CHECK_INT(in_set(hs->firewall.body, "own_lans4", &p), 1);
		prefix_parse("10.0.0.10", true, &p);
		CHECK_INT(in_set(hs->firewall.body, "own_lans4", &p), 0);
		prefix_parse("fd50::7", true, &p);
		CHECK_INT(in_set(hs->firewall.body, "own_lans6", &p), 1);
		CHECK(item(hs, "masquerade/lans") != NULL);
		CHECK(item(hs, "masquerade/internet") == NULL);
		hoststate_free(hs);
	}
out:
	model_free(plain);
	model_free(masq);
}

/* An exit of an IPv4-only network gives the internet over IPv4 only: no IPv6 accept
 * toward the internet, no IPv6 masquerade, no IPv6 forwarding sysctl. */
static void test_ipv4_only_exit_gives_no_ipv6_internet(void)
{
	struct model *m = levels_model("exit", "{ipv4: 10.0.0.0/16}", false);
	struct host_state *hs = m ? render(m, "hub") : NULL;
	struct wgf_prefix s, d;
	const char *b, *c;

	if (!hs)
		goto out;
	b = hs->firewall.body;
	CHECK(b != NULL);
	/* IPv4: the internet, masqueraded */
	EXPECT_LEVEL(b, "10.0.0.10", "203.0.113.9", 1);
	CHECK(b && strstr(b, "oifname != \"wg0\" ip saddr @internal4 ip daddr != @internal4 masquerade comment \"exit\""));
	CHECK_STR(sysctl(hs, "net.ipv4.ip_forward"), "1");
	/* IPv6: nothing, whatever chain a packet reaches */
	CHECK(b && !strstr(b, "ip6 "));
	CHECK(b && !strstr(b, "internal6"));
	CHECK(sysctl(hs, "net.ipv6.conf.all.forwarding") == NULL);
	prefix_parse("10.0.0.10", true, &s);
	prefix_parse("2001:db8::9", true, &d);
	c = class_of(b, &s);
	CHECK(*c);
	if (*c)
		CHECK(!chain_accepts(b, c, &d));
	CHECK_STR(item(hs, "masquerade/internet"), "exit: peers → internet");
out:
	hoststate_free(hs);
	model_free(m);
}

/* internet-only: its class chain accepts the internet (on the exit) and DNS at the
 * exit's tunnel address, nothing else; and from_tunnel drops what goes to an
 * internet-only peer after the policy rules, before any class chain accepts it. */
static struct model *internet_only_model(void)
{
	y_begin("{ipv4: 10.0.0.0/16, ipv6: \"fd00::/64\"}\n  dns: {servers: [10.0.0.1, \"fd00::1\"]}");
	y_host("core", "  role: exit\n  endpoint: 198.51.100.1:51820\n  addresses: [10.0.0.1/16, \"fd00::1/64\"]\n");
	y_host("edge", "  role: hub\n  endpoint: 198.51.100.2:51820\n  addresses: [10.0.0.2/16]\n");
	y_host("router", "  role: router\n  addresses: [10.0.0.3/16]\n  lans: [192.168.50.0/24]\n  hubs: [core]\n");
	y_peer("alice", "  addresses: [10.0.0.10, \"fd00::10\"]\n  hubs: [core]\n");
	y_peer("g1", "  addresses: [10.0.0.20, \"fd00::20\"]\n  hubs: [core]\n  access: internet-only\n");
	y_peer("g2", "  addresses: [10.0.0.21]\n  hubs: [core]\n  access: internet-only\n");
	y_peer("g3", "  addresses: [10.0.0.22]\n  hubs: [core]\n  access: internet-only\n");
	Y("---\napiVersion: wgf/v1\nkind: Policy\nmetadata: {name: open}\nspec:\n  rules:\n"
	  "    - {from: {peer: alice}, to: {peer: g2}, protocol: tcp, ports: [22], action: accept}\n");
	return y_load();
}

static void test_nft_internet_only(void)
{
	struct model *m = internet_only_model();
	struct host_state *core = m ? render(m, "core") : NULL, *edge = m ? render(m, "edge") : NULL;
	struct wgf_prefix g1, g2, g4, alice, inet, inet6, exit4, exit6, lan;
	const char *b, *c, *ft, *io, *pol, *vmap;

	if (!core || !edge)
		goto out;
	b = core->firewall.body;
	prefix_parse("10.0.0.20", true, &g1);
	prefix_parse("10.0.0.21", true, &g2);
	prefix_parse("10.0.0.23", true, &g4);
	prefix_parse("10.0.0.10", true, &alice);
	prefix_parse("203.0.113.9", true, &inet);
	prefix_parse("2001:db8::9", true, &inet6);
	prefix_parse("10.0.0.1", true, &exit4);
	prefix_parse("fd00::1", true, &exit6);
	prefix_parse("192.168.50.5", true, &lan);
	EXPECT_CLASS(b, "10.0.0.20", "internet-only");
	EXPECT_CLASS(b, "fd00::20", "internet-only");
	EXPECT_CLASS(b, "10.0.0.21", "internet-only");
	c = class_of(b, &g1);
	CHECK(*c);
	if (*c) {
		CHECK_STR(class_of(b, &g2), c);                 /* one class for every subscriber */
		/* the internet, both families */
		CHECK(chain_accepts(b, c, &inet));
		CHECK(chain_accepts(b, c, &inet6));
		/* DNS at the exit, port 53 only */
		CHECK(chain_accepts_port(b, c, &exit4, 53));
		CHECK(chain_accepts_port(b, c, &exit6, 53));
		CHECK(!chain_accepts_port(b, c, &exit4, 22));
		CHECK(!chain_accepts(b, c, &exit4));
		/* nothing inside: peers, hosts, LANs */
		CHECK(!chain_accepts(b, c, &alice));
		CHECK(!chain_accepts(b, c, &g2));
		CHECK(!chain_accepts_port(b, c, &g2, 53));
		CHECK(!chain_accepts(b, c, &lan));
	}
	/* on a hub that is not an exit: no internet */
	c = class_of(edge->firewall.body, &g1);
	CHECK(*c);
	if (*c) {
		CHECK(!chain_accepts(edge->firewall.body, c, &inet));
		CHECK(chain_accepts_port(edge->firewall.body, c, &exit4, 53));
	}
	/* internet_only4/6 hold exactly the subscribers (aggregated: .20-.23 minus .23 is .20/31 + .22) */
	CHECK_INT(in_set(b, "internet_only4", &g1), 1);
	CHECK_INT(in_set(b, "internet_only4", &g2), 1);
	CHECK_INT(in_set(b, "internet_only4", &g4), 0);
	CHECK_INT(in_set(b, "internet_only4", &alice), 0);
	CHECK_INT(in_set(b, "internet_only4", &exit4), 0);
	CHECK_INT(in_set(b, "internet_only6", &exit6), 0);
	prefix_parse("fd00::20", true, &g4);
	CHECK_INT(in_set(b, "internet_only6", &g4), 1);
	/* from_tunnel: policy rules, then the drop toward subscribers, then the class map */
	ft = block(b, "chain", "from_tunnel");
	CHECK(ft != NULL);
	if (ft) {
		pol = strstr(ft, "comment \"policy open rule 1\"");
		io = strstr(ft, "ip daddr @internet_only4 counter drop");
		vmap = strstr(ft, "ip saddr vmap @src4");
		CHECK(pol && io && vmap && pol < io && io < vmap);
		CHECK(strstr(ft, "ip6 daddr @internet_only6 counter drop") != NULL);
	}
	CHECK(edge->firewall.body && strstr(edge->firewall.body, "ip daddr @internet_only4 counter drop"));
out:
	hoststate_free(core);
	hoststate_free(edge);
	model_free(m);
}

int main(void)
{
	if (key_init() < 0)
		return 1;
	RUN(test_nft_class_chains_per_level);
	RUN(test_nft_class_chains_exit);
	RUN(test_nft_masquerade_only_when_asked);
	RUN(test_ipv4_only_exit_gives_no_ipv6_internet);
	RUN(test_nft_internet_only);
	UNIT_DONE();
}
