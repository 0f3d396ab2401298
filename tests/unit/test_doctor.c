/* wgf doctor's pure parts (render/doctor*.c): the other-table analysis on
 * real `nft -j list ruleset` listings (the .json files of tests/unit/fixtures/doctor,
 * captured from nft 1.0.6 in a namespace), /proc/net/udp{,6} as the kernel
 * writes them, the rp_filter and MTU rules, the result's text. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "render/doctor.h"
#include "tests/unit/unit.h"

#define FIXTURES "tests/unit/fixtures/doctor/"

static char *slurp(const char *name, size_t *len)
{
	char path[256], *buf = NULL;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), FIXTURES "%s", name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = calloc(1, (size_t)n + 1)) && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		*len = strlen(buf);
	fclose(f);
	return buf;
}

static int analyse(const char *name, const char *ifname, uint16_t port, struct doctor_nft_finding *f)
{
	size_t len = 0;
	char *json = slurp(name, &len);
	int n;

	CHECK(json != NULL);
	if (!json)
		return -1;
	n = doctor_nft_analyse(json, len, ifname, port, f, DOCTOR_NFT_MAX_FINDINGS);
	free(json);
	return n;
}

/* table inet drtest { chain fwd_chain { type filter hook forward priority 0; policy drop; } } */
static void test_nft_forward_policy_drop(void)
{
	struct doctor_nft_finding f[DOCTOR_NFT_MAX_FINDINGS];
	char buf[256];

	CHECK_INT(analyse("forward_drop.json", "drw0", 19490, f), 1);
	CHECK_INT(f[0].kind, DOCTOR_NFT_FORWARD_POLICY);
	CHECK_STR(f[0].family, "inet");
	CHECK_STR(f[0].table, "drtest");
	CHECK_STR(f[0].chain, "fwd_chain");
	CHECK_INT(f[0].handle, 0);
	CHECK_STR(doctor_nft_finding_text(&f[0], buf, sizeof(buf)),
		  "table inet drtest chain fwd_chain (forward hook, policy drop and nothing accepts the tunnel's traffic)");
}

/* policy drop, but iifname/oifname "drw0" accept and udp dport 51820 accept */
static void test_nft_accepts_interface(void)
{
	struct doctor_nft_finding f[DOCTOR_NFT_MAX_FINDINGS];

	CHECK_INT(analyse("forward_accepts_iface.json", "drw0", 51820, f), 0);
	/* another interface: ct state established,related alone is not enough; another port: dropped */
	CHECK_INT(analyse("forward_accepts_iface.json", "wg1", 51821, f), 2);
	CHECK_INT(f[0].kind, DOCTOR_NFT_FORWARD_POLICY);
	CHECK_INT(f[1].kind, DOCTOR_NFT_INPUT_POLICY);
	CHECK_STR(f[1].chain, "inp");
}

/* policy accept, but udp dport { 51820, 51821 } drop and iifname "drw0" counter drop */
static void test_nft_drop_rules(void)
{
	struct doctor_nft_finding f[DOCTOR_NFT_MAX_FINDINGS];
	char buf[256];

	CHECK_INT(analyse("drop_rules.json", "drw0", 51821, f), 2);
	CHECK_INT(f[0].kind, DOCTOR_NFT_INPUT_RULE);
	CHECK_INT(f[0].handle, 4);
	CHECK_INT(f[1].kind, DOCTOR_NFT_FORWARD_RULE);
	CHECK_INT(f[1].handle, 5);
	CHECK_STR(doctor_nft_finding_text(&f[1], buf, sizeof(buf)),
		  "table inet drtest chain fwd_chain (forward hook, a rule drops the tunnel's traffic: handle 5)");
	/* the set holds neither port, the rule names another interface: nothing */
	CHECK_INT(analyse("drop_rules.json", "wg1", 51822, f), 0);
	/* no listen port: the input hook is not looked at */
	CHECK_INT(analyse("drop_rules.json", "wg1", 0, f), 0);
}

/* iptables-style table ip filter: FORWARD policy drop with ct state and eth0 -> eth1
 * accepts; INPUT policy drop with lo and udp dport 51820 accepted */
static void test_nft_iptables_style(void)
{
	struct doctor_nft_finding f[DOCTOR_NFT_MAX_FINDINGS];

	CHECK_INT(analyse("iptables_style.json", "drw0", 51820, f), 1);
	CHECK_STR(f[0].family, "ip");
	CHECK_STR(f[0].table, "filter");
	CHECK_STR(f[0].chain, "FORWARD");
	CHECK_INT(f[0].kind, DOCTOR_NFT_FORWARD_POLICY);
	CHECK_INT(analyse("iptables_style.json", "drw0", 51000, f), 2);
	CHECK_STR(f[0].chain, "INPUT");
	CHECK_INT(f[0].kind, DOCTOR_NFT_INPUT_POLICY);
}

/* wgf's own table inet wgf is never a finding; a jump to a chain that drops is followed */
static void test_nft_own_table_and_jump(void)
{
	struct doctor_nft_finding f[DOCTOR_NFT_MAX_FINDINGS];

	CHECK_INT(analyse("wgf_and_jump.json", "drw0", 51820, f), 1);
	CHECK_STR(f[0].table, "other");
	CHECK_STR(f[0].chain, "fwd_chain");
	CHECK_INT(f[0].kind, DOCTOR_NFT_FORWARD_RULE);
	CHECK_INT(f[0].handle, 5);     /* the drop in chain side */
}

static void test_nft_bad_input(void)
{
	struct doctor_nft_finding f[2];
	static const char loop[] =
		"{\"nftables\":[{\"chain\":{\"family\":\"inet\",\"table\":\"t\",\"name\":\"a\",\"hook\":\"forward\",\"policy\":\"drop\"}},"
		"{\"chain\":{\"family\":\"inet\",\"table\":\"t\",\"name\":\"b\"}},"
		"{\"rule\":{\"family\":\"inet\",\"table\":\"t\",\"chain\":\"a\",\"handle\":1,\"expr\":[{\"jump\":{\"target\":\"b\"}}]}},"
		"{\"rule\":{\"family\":\"inet\",\"table\":\"t\",\"chain\":\"b\",\"handle\":2,\"expr\":[{\"jump\":{\"target\":\"a\"}}]}}]}";

	CHECK_INT(doctor_nft_analyse("", 0, "drw0", 1, f, 2), -EBADMSG);
	CHECK_INT(doctor_nft_analyse("[]", 2, "drw0", 1, f, 2), -EBADMSG);
	CHECK_INT(doctor_nft_analyse("{\"nftables\": 1}", 15, "drw0", 1, f, 2), -EBADMSG);
	CHECK_INT(doctor_nft_analyse("{\"nftables\":[{\"chain\":{}}]}", 27, "drw0", 1, f, 2), -EBADMSG);
	/* a jump loop ends at the depth limit: the policy decides */
	CHECK_INT(doctor_nft_analyse(loop, strlen(loop), "drw0", 1, f, 2), 1);
	CHECK_INT(f[0].kind, DOCTOR_NFT_FORWARD_POLICY);
}

static void test_udp(void)
{
	struct doctor_udp_socket s[4];
	size_t len = 0;
	char *v4 = slurp("proc_net_udp", &len), *v6;

	CHECK(v4 != NULL);
	if (!v4)
		return;
	CHECK_INT(doctor_udp_parse(v4, len, 19492, s, 4), 1);
	CHECK_INT(s[0].port, 19492);
	CHECK_INT(s[0].uid, 0);
	CHECK(s[0].inode != 0);
	CHECK_INT(doctor_udp_parse(v4, len, 19491, s, 4), 0);
	free(v4);
	v6 = slurp("proc_net_udp6", &len);
	CHECK(v6 != NULL);
	if (!v6)
		return;
	CHECK_INT(doctor_udp_parse(v6, len, 19491, s, 4), 1);
	CHECK_INT(s[0].port, 19491);
	free(v6);
	CHECK_INT(doctor_udp_parse("", 0, 1, s, 4), -EBADMSG);
	CHECK_INT(doctor_udp_parse("garbage\n", 8, 1, s, 4), -EBADMSG);
	CHECK_INT(doctor_udp_parse("  sl  local_address\n  1: zz\n", 28, 1, s, 4), -EBADMSG);
	/* the kernel's own socket (kernel WireGuard): inode 0; more than max are counted */
	{
		static const char t[] = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
			"   1: 00000000:CA6C 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 0 2 0 0\n"
			"   2: 0100007F:CA6C 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 77 2 0 0\n";
		CHECK_INT(doctor_udp_parse(t, strlen(t), 51820, s, 1), 2);
		CHECK_INT(s[0].inode, 0);
	}
}

static void test_rp_filter(void)
{
	CHECK_INT(doctor_rp_filter_effective(0, 1), 1);
	CHECK_INT(doctor_rp_filter_effective(2, 1), 2);
	CHECK_INT(doctor_rp_filter_effective(1, 0), 1);
	CHECK_INT(doctor_rp_filter_status(1, true, false), DOCTOR_WARNING);
	CHECK_INT(doctor_rp_filter_status(1, true, true), DOCTOR_PROBLEM);
	CHECK_INT(doctor_rp_filter_status(1, false, true), DOCTOR_OK);
	CHECK_INT(doctor_rp_filter_status(2, true, true), DOCTOR_OK);
	CHECK_INT(doctor_rp_filter_status(0, true, true), DOCTOR_OK);
	CHECK(doctor_role_routes(HOST_ROLE_HUB) && doctor_role_routes(HOST_ROLE_ROUTER) && doctor_role_routes(HOST_ROLE_EXIT));
	CHECK(!doctor_role_routes(HOST_ROLE_MEMBER));
}

static void test_mtu(void)
{
	uint32_t need;

	CHECK_INT(doctor_wg_overhead(AF_INET), 60);
	CHECK_INT(doctor_wg_overhead(AF_INET6), 80);
	CHECK_INT(doctor_mtu_status(1420, 1500, AF_INET, &need), DOCTOR_OK);
	CHECK_INT(need, 1480);
	CHECK_INT(doctor_mtu_status(1420, 1500, AF_INET6, &need), DOCTOR_OK);
	CHECK_INT(need, 1500);
	CHECK_INT(doctor_mtu_status(1421, 1500, AF_INET6, &need), DOCTOR_PROBLEM);
	CHECK_INT(doctor_mtu_status(1420, 1400, AF_INET, &need), DOCTOR_PROBLEM);
	CHECK_INT(doctor_mtu_status(1340, 1400, AF_INET, &need), DOCTOR_OK);
}

static void test_result_text(void)
{
	struct doctor_result r = {0};
	char big[DOCTOR_TEXT_LEN * 2];

	doctor_say(&r, DOCTOR_OK, "%s", "");
	doctor_append(&r, "a %d", 1);
	doctor_append(&r, "b");
	CHECK_STR(r.message, "a 1; b");
	doctor_raise(&r, DOCTOR_PROBLEM);
	doctor_raise(&r, DOCTOR_WARNING);
	CHECK_INT(r.status, DOCTOR_PROBLEM);
	doctor_hint(&r, "do %s", "this");
	CHECK_STR(r.hint, "do this");
	doctor_say(&r, DOCTOR_WARNING, "new");
	CHECK_STR(r.hint, "");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	doctor_append(&r, "%s", big);
	doctor_append(&r, "more");
	CHECK_INT(strlen(r.message), DOCTOR_TEXT_LEN - 1);
	CHECK_STR(doctor_status_name(DOCTOR_OK), "ok");
	CHECK_STR(doctor_status_name(DOCTOR_WARNING), "warning");
	CHECK_STR(doctor_status_name(DOCTOR_PROBLEM), "problem");
}

int main(void)
{
	RUN(test_nft_forward_policy_drop);
	RUN(test_nft_accepts_interface);
	RUN(test_nft_drop_rules);
	RUN(test_nft_iptables_style);
	RUN(test_nft_own_table_and_jump);
	RUN(test_nft_bad_input);
	RUN(test_udp);
	RUN(test_rp_filter);
	RUN(test_mtu);
	RUN(test_result_text);
	UNIT_DONE();
}
