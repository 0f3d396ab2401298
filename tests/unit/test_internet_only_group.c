/* Access internet-only through an exit group (README "Access levels", "Exit
 * groups"): validation accepts a peer on a plain hub whose exit is a group and
 * refuses one without, at "access"; its hub routes it into the group's table and
 * its firewall lets it out only through a member's tunnel; `wgf test` sees it
 * leave through the group's exit and denies it the network; its client config is
 * a full tunnel. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Lines 1-4: the network (dns at 4:67 when given); the hosts follow. */
#define NET(dns) "apiVersion: wgf/v1\nkind: Network\nmetadata: {name: net}\n" \
	"spec: {addressPools: {ipv4: 10.9.0.0/16, ipv6: \"fd09::/64\"}" dns "}\n"
#define DOC(kind, name, spec) "---\napiVersion: wgf/v1\nkind: " kind "\nmetadata: {name: " name "}\nspec: {" spec "}\n"
#define HOSTS \
	DOC("Host", "hub", "role: hub, publicKey: " K1 ", endpoint: \"192.0.2.1:51820\", " \
	    "addresses: [10.9.0.1/16, \"fd09::1/64\"], lans: [192.168.7.0/24]") \
	DOC("Host", "exa", "role: exit, publicKey: " K2 ", endpoint: \"192.0.2.2:51820\", " \
	    "addresses: [10.9.0.2/16, \"fd09::2/64\"]") \
	DOC("Host", "exb", "role: exit, publicKey: " K3 ", endpoint: \"192.0.2.3:51820\", " \
	    "addresses: [10.9.0.3/16, \"fd09::3/64\"]") \
	DOC("ExitGroup", "eu", "network: net, members: [{host: exa, priority: 10}, {host: exb, priority: 20}], " \
	    "use: [{labels: {plan: guest}}]")
#define FULL DOC("Peer", "lap", "publicKey: " K5 ", addresses: [10.9.1.1], hubs: [hub], exit: eu")
/* the document of the peer under test: its spec at line 29 */
#define GUEST(rest) \
	"---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: guest" rest "}\n"

static const char WORLD[] = NET("") HOSTS FULL
	GUEST(", labels: {plan: guest}}\nspec: {access: internet-only, publicKey: " K4 ", "
	      "addresses: [10.9.1.9, \"fd09::1:9\"], hubs: [hub]");

static int load(const char *text, struct model **m, struct diag *d)
{
	const char *name = "t.yaml";
	size_t len = strlen(text);

	diag_init(d);
	return model_load_buffers(&name, &text, &len, 1, m, d);
}

static struct model *load_clean(const char *text)
{
	struct model *m = NULL;
	struct diag d;

	if (load(text, &m, &d) != 0 || d.n) {
		fprintf(stderr, "#  want a clean load, got:\n");
		dump(&d);
		unit_failed_checks++;
	}
	diag_free(&d);
	return m;
}

#define EXPECT_DIAG(warn, text, line, col, msg) do { \
	struct model *_m = NULL; \
	struct diag _d; \
	int _r = load((text), &_m, &_d); \
	if (!has_entry(&_d, (warn), "t.yaml", (line), (col), (msg)) || (!(warn) && _r != -EINVAL) || \
	    ((warn) && _r != 0)) { \
		fprintf(stderr, "#  %s:%d: want %s t.yaml:%u:%u: %s (load %d); got:\n", __FILE__, __LINE__, \
			(warn) ? "warning" : "error", (line), (col), (msg), _r); \
		dump(&_d); \
		unit_failed_checks++; \
	} \
	model_free(_m); \
	diag_free(&_d); \
	} while (0)

static void test_validation(void)
{
	struct model *m = load_clean(WORLD);

	/* the group's "use" selects it: valid, and its exit is the group */
	CHECK(m && model_peer_exit(m, model_find_peer(m, "guest")) &&
	      model_peer_exit(m, model_find_peer(m, "guest"))->group == 0);
	model_free(m);
	/* its own "exit: eu", no label */
	m = load_clean(NET("") HOSTS GUEST("}\nspec: {access: internet-only, publicKey: " K4 ", addresses: [10.9.1.9], "
					   "hubs: [hub], exit: eu"));
	model_free(m);
	/* no exit: refused at "access", naming both fixes */
	EXPECT_DIAG(false, NET("") HOSTS GUEST("}\nspec: {access: internet-only, publicKey: " K4 ", addresses: "
					       "[10.9.1.9], hubs: [hub]"), 29, 16,
		    "access internet-only: Peer \"guest\" reaches the internet through nothing: its first hub \"hub\" "
		    "has role hub and its exit is not set; add \"exit: GROUP\" naming an ExitGroup, or list a hub "
		    "with role exit first");
	/* "exit: direct" overrides the group's "use": refused */
	EXPECT_DIAG(false, NET("") HOSTS GUEST(", labels: {plan: guest}}\nspec: {access: internet-only, publicKey: " K4
					       ", addresses: [10.9.1.9], hubs: [hub], exit: direct"), 29, 16,
		    "its first hub \"hub\" has role hub and its exit is direct; add \"exit: GROUP\"");
	/* a group that does not exist: one error, where it is named */
	{
		struct diag d;

		m = NULL;
		CHECK_INT(load(NET("") HOSTS GUEST("}\nspec: {access: internet-only, publicKey: " K4 ", addresses: "
						   "[10.9.1.9], hubs: [hub], exit: us"), &m, &d), -EINVAL);
		CHECK(has_error(&d, "t.yaml", 29, 130, "exit: ExitGroup \"us\" does not exist"));
		CHECK(!has_error(&d, NULL, 0, 0, "internet-only"));
		model_free(m);
		diag_free(&d);
	}
	/* whenAllDown: direct would leave from the hub, which drops it: a warning */
	EXPECT_DIAG(true, NET("") HOSTS DOC("ExitGroup", "d", "network: net, members: [{host: exa}], whenAllDown: direct")
		    GUEST("}\nspec: {access: internet-only, publicKey: " K4 ", addresses: [10.9.1.9], hubs: [hub], exit: d"),
		    34, 16, "access internet-only: ExitGroup \"d\" has whenAllDown: direct, but hub \"hub\" lets Peer "
		    "\"guest\" out only through a member: while every member is down it reaches nothing");
	/* DNS on its first hub: nothing to say; on a member exit: out of reach, a warning */
	m = load_clean(NET(", dns: {servers: [10.9.0.1]}") HOSTS FULL
		       GUEST(", labels: {plan: guest}}\nspec: {access: internet-only, publicKey: " K4 ", "
			     "addresses: [10.9.1.9], hubs: [hub]"));
	model_free(m);
	EXPECT_DIAG(true, NET(", dns: {servers: [10.9.0.2]}") HOSTS FULL
		    GUEST(", labels: {plan: guest}}\nspec: {access: internet-only, publicKey: " K4 ", "
			  "addresses: [10.9.1.9], hubs: [hub]"), 4, 67,
		    "DNS server 10.9.0.2 is inside the network but not on Peer \"guest\"'s first hub \"hub\" or an exit "
		    "among its hubs: access internet-only reaches only DNS there (add a Policy to allow it)");
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

static const struct hs_rule *rule_from(const struct host_state *hs, uint32_t prio, const char *src)
{
	struct wgf_prefix s;

	if (!prefix_parse(src, true, &s))
		return NULL;
	for (size_t i = 0; i < hs->n_rules; i++)
		if (hs->rules[i].priority == prio && prefix_equal(&hs->rules[i].src, &s) && !hs->rules[i].dst.len)
			return &hs->rules[i];
	return NULL;
}

static void test_render_hub(void)
{
	struct model *m = load_clean(WORLD);
	struct host_state *hs = m ? render(m, "hub") : NULL;
	struct render_exits ex = { 0 };
	const char *b;
	uint32_t t;

	if (!hs)
		goto out;
	CHECK_INT(render_exits(m, model_find_host(m, "hub"), &ex), 0);
	CHECK_INT(ex.n_groups, 1);
	if (!ex.n_groups)
		goto out;
	t = ex.groups[0].tables[0].table;
	/* its sources go into the group's table, like the full peer's */
	CHECK(rule_from(hs, 20100, "10.9.1.9/32") && rule_from(hs, 20100, "10.9.1.9/32")->table == t);
	CHECK(rule_from(hs, 20100, "fd09::1:9/128") && rule_from(hs, 20100, "fd09::1:9/128")->table == t);
	CHECK(rule_from(hs, 20100, "10.9.1.1/32") && rule_from(hs, 20100, "10.9.1.1/32")->table == t);
	b = hs->firewall.body;
	CHECK(b);
	if (!b)
		goto out;
	/* the internet-only class: out of a member's tunnel only */
	CHECK(strstr(b, "ip saddr @via_exit4 ip daddr != @internal4 oifname { \"wgx-exa\", \"wgx-exb\" } accept "
		      "comment \"internet through an exit group\""));
	CHECK(strstr(b, "ip6 saddr @via_exit6 ip6 daddr != @internal6 oifname { \"wgx-exa\", \"wgx-exb\" } accept"));
	/* the full peer's class: the internet through the group, by any route (as before) */
	CHECK(strstr(b, "ip saddr @via_exit4 ip daddr != @internal4 accept comment \"internet through an exit group\""));
	/* nobody reaches an internet-only peer but through a policy */
	CHECK(strstr(b, "ip daddr @internet_only4 counter drop"));
out:
	render_exits_clear(&ex);
	hoststate_free(hs);
	model_free(m);
}

/* One member: the interface bare, as nft lists a one-element set. */
static void test_render_one_member(void)
{
	struct model *m = load_clean(NET("")
		DOC("Host", "hub", "role: hub, publicKey: " K1 ", endpoint: \"192.0.2.1:51820\", addresses: [10.9.0.1/16]")
		DOC("Host", "exa", "role: exit, publicKey: " K2 ", endpoint: \"192.0.2.2:51820\", addresses: [10.9.0.2/16]")
		DOC("ExitGroup", "one", "network: net, members: [{host: exa}]")
		DOC("Peer", "guest", "access: internet-only, publicKey: " K4 ", addresses: [10.9.1.9], hubs: [hub], "
		    "exit: one"));
	struct host_state *hs = m ? render(m, "hub") : NULL;

	CHECK(hs && hs->firewall.body && strstr(hs->firewall.body, "ip daddr != @internal4 oifname \"wgx-exa\" accept"));
	hoststate_free(hs);
	model_free(m);
}

enum { DROP, ACCEPT };

static void expect_at(int line, const struct fw_network *fw, const char *src, const char *dst, unsigned proto,
		      unsigned port, int want, const char *why, const char *exit)
{
	struct fw_query q = { .proto = proto, .port = (uint16_t)port };
	struct fw_decision d = { 0 };
	int r;

	if (!prefix_parse(src, true, &q.src) || !prefix_parse(dst, true, &q.dst)) {
		fprintf(stderr, "#  %s:%d: bad address\n", __FILE__, line);
		unit_failed_checks++;
		return;
	}
	r = fw_evaluate(fw, &q, &d);
	if (r < 0 || d.accept != (want == ACCEPT) || (why && (!d.why || !strstr(d.why, why))) ||
	    (exit && (!d.exit_host || strcmp(d.exit_host, exit))) || (!exit && d.exit_host && want == ACCEPT)) {
		fprintf(stderr, "#  %s:%d: %s -> %s: want %s (%s, exit %s), got %d %s: %s (exit %s)\n", __FILE__, line,
			src, dst, want ? "accept" : "drop", why ? why : "-", exit ? exit : "-", r,
			d.accept ? "accept" : "drop", d.why ? d.why : "-", d.exit_host ? d.exit_host : "-");
		unit_failed_checks++;
	}
	fw_decision_clear(&d);
}

#define EXPECT(...) expect_at(__LINE__, __VA_ARGS__)

static void test_evaluate(void)
{
	struct model *m = load_clean(NET(", dns: {servers: [10.9.0.1]}") HOSTS FULL
		GUEST(", labels: {plan: guest}}\nspec: {access: internet-only, publicKey: " K4 ", "
		      "addresses: [10.9.1.9, \"fd09::1:9\"], hubs: [hub]"));
	struct fw_network *fw = NULL;

	if (!m)
		return;
	CHECK_INT(fw_compile(m, 0, 1000, &fw), 0);
	if (!fw)
		goto out;
	/* the internet, through the group's first member */
	EXPECT(fw, "10.9.1.9", "198.51.100.7", FW_PROTO_TCP, 443, ACCEPT, "leaving through exit exa of group eu", "exa");
	EXPECT(fw, "fd09::1:9", "2001:db8::7", FW_PROTO_TCP, 443, ACCEPT, "access level internet-only", "exa");
	/* the network: hosts, the other peer, the hub's LAN */
	EXPECT(fw, "10.9.1.9", "10.9.0.2", FW_PROTO_TCP, 22, DROP, "does not cover", NULL);
	EXPECT(fw, "10.9.1.9", "10.9.1.1", FW_PROTO_ICMP, 0, DROP, "does not cover", NULL);
	EXPECT(fw, "10.9.1.9", "192.168.7.5", FW_PROTO_TCP, 80, DROP, "does not cover", NULL);
	/* DNS on its first hub, and only DNS */
	EXPECT(fw, "10.9.1.9", "10.9.0.1", FW_PROTO_UDP, 53, ACCEPT, "internet-only", NULL);
	EXPECT(fw, "10.9.1.9", "10.9.0.1", FW_PROTO_TCP, 22, DROP, NULL, NULL);
	/* the full peer: unchanged, and it cannot reach the internet-only one */
	EXPECT(fw, "10.9.1.1", "10.9.0.2", FW_PROTO_TCP, 22, ACCEPT, NULL, NULL);
	EXPECT(fw, "10.9.1.1", "198.51.100.7", FW_PROTO_TCP, 443, ACCEPT, NULL, "exa");
	EXPECT(fw, "10.9.1.1", "10.9.1.9", FW_PROTO_TCP, 22, DROP, "internet-only lets only policies reach it", NULL);
out:
	fw_network_free(fw);
	model_free(m);
}

static void test_client_config(void)
{
	struct model *m = load_clean(WORLD);
	struct client_config_opts o = { .now = 1000 };
	char *text = NULL;
	size_t len;

	if (!m)
		return;
	CHECK_INT(client_config_render(m, model_find_peer(m, "guest"), &o, &text, &len), 0);
	CHECK(text && strstr(text, "AllowedIPs = 0.0.0.0/0, ::/0\n"));
	free(text);
	model_free(m);
}

int main(void)
{
	RUN(test_validation);
	RUN(test_render_hub);
	RUN(test_render_one_member);
	RUN(test_evaluate);
	RUN(test_client_config);
	UNIT_DONE();
}
