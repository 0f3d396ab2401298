/* Validation rules a review's mutations showed unguarded (issue 11): each test
 * asserts the exact message at its exact place, that nothing else is reported, and
 * that the load fails; and the accepted neighbour of each case loads. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "tests/unit/diag_check.h"
#include "tests/unit/unit.h"

#define K1 "nvxiIrZiEXsUVsSiztvMMslEl483akOdYQiZbPy2xR8="
#define K2 "I6OkHgtCPh2pjt/cgmQbwc5seW6z/kHM4dygnK8rV04="
#define K3 "cU/Cl9JLoCDtRvy1k9shZgLNUhLsx1P0VrlUUtl6dBQ="

static int load_one(const char *text, struct model **m, struct diag *d)
{
	const char *name = "t.yaml";
	size_t len = strlen(text);

	diag_init(d);
	*m = NULL;
	return model_load_buffers(&name, &text, &len, 1, m, d);
}

/* text fails to load with exactly one error: "t.yaml:line:col: msg" */
static void expect_only_error_at(int at, const char *text, unsigned line, unsigned col, const char *msg)
{
	struct model *m;
	struct diag d;
	int r = load_one(text, &m, &d);
	bool one = d.n == 1 && !d.entries[0].warning && d.entries[0].file && !strcmp(d.entries[0].file, "t.yaml") &&
		   d.entries[0].line == line && d.entries[0].col == col && !strcmp(d.entries[0].msg, msg);

	if (r != -EINVAL || m || !one) {
		fprintf(stderr, "  %s:%d: want only t.yaml:%u:%u: %s (r=%d, model %s), got:\n", __FILE__, at, line, col,
			msg, r, m ? "loaded" : "none");
		dump(&d);
		unit_failed_checks++;
	}
	model_free(m);
	diag_free(&d);
}

#define EXPECT_ONLY_ERROR(text, line, col, msg) expect_only_error_at(__LINE__, text, line, col, msg)

static struct model *expect_loads_at(int at, const char *text)
{
	struct model *m;
	struct diag d;
	int r = load_one(text, &m, &d);

	if (r != 0 || !m || d.n) {
		fprintf(stderr, "  %s:%d: want a clean load (r=%d), got:\n", __FILE__, at, r);
		dump(&d);
		unit_failed_checks++;
		model_free(m);
		m = NULL;
	}
	diag_free(&d);
	return m;
}

#define EXPECT_LOADS(text) expect_loads_at(__LINE__, text)

/* ---- roles ---- */

/* One network, and on line 10 (column 9) host h's role. */
#define ROLE_DOC(role) \
	"apiVersion: wgf/v1\nkind: Network\nmetadata: {name: n}\nspec: {addressPools: {ipv4: 10.1.0.0/24}}\n" \
	"---\napiVersion: wgf/v1\nkind: Host\nmetadata: {name: h}\nspec:\n" \
	"  role: " role "\n" \
	"  publicKey: " K1 "\n  addresses: [10.1.0.1/24]\n  endpoint: 192.0.2.1:51820\n"

static void test_role_unknown(void)
{
	/* far from every role: no suggestion, the plain message */
	EXPECT_ONLY_ERROR(ROLE_DOC("server"), 10, 9, "\"role\" must be hub, exit, router or member, got \"server\"");
	EXPECT_ONLY_ERROR(ROLE_DOC("gateway"), 10, 9, "\"role\" must be hub, exit, router or member, got \"gateway\"");
	/* near one: the suggestion */
	EXPECT_ONLY_ERROR(ROLE_DOC("rooter"), 10, 9,
			  "\"role\" must be hub, exit, router or member, got \"rooter\" (did you mean \"router\"?)");
	/* roles are case-sensitive and whole words */
	EXPECT_ONLY_ERROR(ROLE_DOC("HUB"), 10, 9,
			  "\"role\" must be hub, exit, router or member, got \"HUB\" (did you mean \"hub\"?)");
	EXPECT_ONLY_ERROR(ROLE_DOC("\"\""), 10, 9, "\"role\" must be hub, exit, router or member, got \"\"");
}

static void test_role_known(void)
{
	static const struct { const char *doc; enum host_role role; } cases[] = {
		{ ROLE_DOC("hub"), HOST_ROLE_HUB },
		{ ROLE_DOC("exit"), HOST_ROLE_EXIT },
		{ ROLE_DOC("router"), HOST_ROLE_ROUTER },
		{ ROLE_DOC("member"), HOST_ROLE_MEMBER },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct model *m = expect_loads_at(__LINE__, cases[i].doc);

		if (!m)
			continue;
		CHECK_INT(m->n_hosts, 1);
		if (m->n_hosts == 1 && m->hosts[0].role != cases[i].role) {
			fprintf(stderr, "  %s:%d: case %zu: role %d, want %d\n", __FILE__, __LINE__, i,
				(int)m->hosts[0].role, (int)cases[i].role);
			unit_failed_checks++;
		}
		model_free(m);
	}
}

/* ---- pools of two Networks ---- */

/* Networks a and b (interfaces wg0, wg1), both 10.1.0.0/24; then `rest`. */
#define TWO_NETS(rest) \
	"apiVersion: wgf/v1\nkind: Network\nmetadata: {name: a}\nspec: {interface: wg0, addressPools: {ipv4: 10.1.0.0/24}}\n" \
	"---\napiVersion: wgf/v1\nkind: Network\nmetadata: {name: b}\nspec: {interface: wg1, addressPools: {ipv4: 10.1.0.0/24}}\n" \
	rest
#define HOST_IN(net, name, key, addr, extra) \
	"---\napiVersion: wgf/v1\nkind: Host\nmetadata: {name: " name "}\n" \
	"spec: {network: " net ", publicKey: " key ", addresses: [" addr "]" extra ", endpoint: \"192.0.2.9:1\"}\n"

/* Each Network is its own address space (README: tenants of two networks may use the
 * same space in each, test_model_access.c): the same pool, the same host address and
 * the same LAN in two Networks load; within one Network they are errors, once. */
static void test_pools_of_two_networks(void)
{
	struct model *m;

	m = EXPECT_LOADS(TWO_NETS(HOST_IN("a", "x", K1, "10.1.0.1/24", ", lans: [192.168.7.0/24]")
				  HOST_IN("b", "y", K2, "10.1.0.1/24", ", lans: [192.168.7.0/24]")));
	if (m) {
		CHECK_INT(m->n_networks, 2);
		CHECK_INT(m->n_hosts, 2);
		CHECK(m->n_hosts == 2 && m->hosts[0].network != m->hosts[1].network);
	}
	model_free(m);
	model_free(EXPECT_LOADS(TWO_NETS(HOST_IN("a", "x", K1, "10.1.0.1/24", "") HOST_IN("b", "y", K2, "10.1.0.1/24", ""))));
	/* host x: spec on line 14; y: line 19 (addresses at column 89) */
	EXPECT_ONLY_ERROR(TWO_NETS(HOST_IN("a", "x", K1, "10.1.0.1/24", "") HOST_IN("a", "y", K2, "10.1.0.1/24", "")),
			  19, 89, "address 10.1.0.1/32 of Host \"y\" overlaps 10.1.0.1/32 of Host \"x\" (t.yaml:14:89)");
	EXPECT_ONLY_ERROR(TWO_NETS(HOST_IN("b", "x", K1, "10.1.0.1/24", ", lans: [192.168.7.0/24]")
				   HOST_IN("b", "y", K2, "10.1.0.2/24", ", lans: [192.168.0.0/16]")),
			  14, 110, "LAN 192.168.7.0/24 of Host \"x\" overlaps 192.168.0.0/16 of Host \"y\" (t.yaml:19:110)");
	/* a LAN of one network may hold the other's pool; not its own */
	model_free(EXPECT_LOADS(TWO_NETS(HOST_IN("a", "x", K1, "10.1.0.1/24", "")
					 HOST_IN("b", "y", K2, "10.1.0.2/24", "") HOST_IN("a", "z", K3, "10.1.0.3/24", ", lans: [10.2.0.0/16]"))));
}

int main(void)
{
	RUN(test_role_unknown);
	RUN(test_role_known);
	RUN(test_pools_of_two_networks);
	UNIT_DONE();
}
