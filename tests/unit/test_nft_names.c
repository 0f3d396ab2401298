/* nft_name_valid, nft_family_valid, nft_body_valid, and argument checks that must
 * fail before any kernel call. */
#include <errno.h>

#include "reconcile/kernel/nft.h"
#include "tests/unit/unit.h"

static void test_names_good(void)
{
	static const char *const good[] = {
		"wgf", "a", "Z", "wgf_0", "input", "forward", "postrouting", "peers_v4",
		"abcdefghijklmnopqrstuvwxyz01234", /* 31 */
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (!nft_name_valid(good[i]))
			fprintf(stderr, "  rejected: %s\n", good[i]);
		CHECK(nft_name_valid(good[i]));
	}
}

static void test_names_hostile(void)
{
	static const char *const bad[] = {
		"", "wgf; flush ruleset", "a b", "#x", "include", "INCLUDE", "Include",
		"abcdefghijklmnopqrstuvwxyz012345", /* 32 */
		"0wgf", "_wgf", "wgf-x", "wgf.x", "wgf\n", "wgf\"", "wgf}", "w\xc3\xa9", "\xc3\xa9",
		"wgf\t", " wgf", "wgf ", "$x", "@x", "wgf/x",
		"table", "chain", "set", "map", "rule", "type", "hook", "priority", "policy",
		"accept", "drop", "reject", "counter", "return", "jump", "goto", "ip", "ip6",
		"inet", "arp", "bridge", "netdev", "filter", "nat", "route", "add", "delete",
		"flush", "insert", "replace", "list", "define", "fwd", "dup", "meta", "ct",
		"tcp", "udp", "icmp", "iif", "oif", "iifname", "oifname", "saddr", "daddr",
		"sport", "dport", "log", "limit", "elements", "flags", "interval", "timeout",
		"comment", "masquerade", "snat", "dnat", "redirect", "to", "from", "queue",
		"continue", "vmap", "ether", "vlan", "mark", "quota", "th", "sctp", "dccp",
		"ah", "esp", "comp", "icmpv6", "tproxy", "synproxy", "flowtable", "device",
		"devices", "offload", "ruleset", "Table", "DROP",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (nft_name_valid(bad[i]))
			fprintf(stderr, "  accepted: %s\n", bad[i]);
		CHECK(!nft_name_valid(bad[i]));
	}
	CHECK(!nft_name_valid(NULL));
}

static void test_families(void)
{
	CHECK(nft_family_valid("inet"));
	CHECK(nft_family_valid("ip"));
	CHECK(nft_family_valid("ip6"));
	CHECK(!nft_family_valid("bridge"));
	CHECK(!nft_family_valid("netdev"));
	CHECK(!nft_family_valid("arp"));
	CHECK(!nft_family_valid("INET"));
	CHECK(!nft_family_valid("inet wgf; flush ruleset; add table inet"));
	CHECK(!nft_family_valid(""));
	CHECK(!nft_family_valid(NULL));
}

static void test_bodies(void)
{
	static const char *const good[] = {
		"",
		"chain input {\n\ttype filter hook input priority 0; policy accept;\n"
		"\ttcp dport 5555 counter drop\n}\n",
		"chain c {\n\taccept comment \"a } b { include\"\n}\n",
		"# a comment with } and \" and include\nchain c {\n}\n",
		"set includes {\n\ttype ipv4_addr\n}\n",
		"chain c {\n} # trailing comment",
	};
	static const char *const bad[] = {
		"}\nflush ruleset\ntable inet wgf {",
		"} table ip filter { chain x { drop; } ",
		"chain c {\n",
		"chain c {\n}\n}",
		"include \"/etc/nftables.conf\"",
		"chain c { include \"/tmp/x\" }",
		"chain c {\n\taccept comment \"unterminated\n}\n",
		"chain c {\r}\n",
		"chain c {\x1b[2J}\n",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(nft_body_valid(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (nft_body_valid(bad[i]))
			fprintf(stderr, "  accepted body %zu\n", i);
		CHECK(!nft_body_valid(bad[i]));
	}
	CHECK(!nft_body_valid(NULL));
}

/* Each of these fails before libnftables is called (no root needed). */
static void test_args_rejected(void)
{
	struct wgf_error err = {0};
	char *text = (char *)1;

	CHECK_INT(nft_table_replace("inet", "wgf; flush ruleset", "", &err), -EINVAL);
	CHECK_INT(err.code, -EINVAL);
	CHECK(err.msg != NULL);
	wgf_error_clear(&err);
	CHECK_INT(nft_table_replace("bridge", "wgf", "", &err), -EINVAL);
	wgf_error_clear(&err);
	CHECK_INT(nft_table_check("inet", "wgf", "} flush ruleset; table inet wgf {", &err), -EINVAL);
	CHECK(err.msg != NULL);
	wgf_error_clear(&err);
	CHECK_INT(nft_table_delete("inet", "include", &err), -EINVAL);
	wgf_error_clear(&err);
	CHECK_INT(nft_table_delete("inet wgf;", "x", NULL), -EINVAL);
	CHECK_INT(nft_table_get("inet", "a b", &text, &err), -EINVAL);
	CHECK(text == NULL);
	wgf_error_clear(&err);
	CHECK_INT(nft_table_get_json("ip", "", &text, NULL), -EINVAL);
	CHECK(text == NULL);
}

int main(void)
{
	RUN(test_names_good);
	RUN(test_names_hostile);
	RUN(test_families);
	RUN(test_bodies);
	RUN(test_args_rejected);
	UNIT_DONE();
}
