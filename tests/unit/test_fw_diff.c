/* The nftables table in plans: diff against the record of what wgf applied,
 * drift summaries of kernel listings, the record file. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/hoststate.h"
#include "reconcile/kernel/nft.h"
#include "reconcile/plan/nft_text.h"
#include "reconcile/plan/nft_listing.h"
#include "reconcile/plan/plan.h"
#include "reconcile/host/statedir.h"
#include "tests/unit/unit.h"

#define BODY "chain from_tunnel {\n\ttype filter hook forward priority 0; policy drop;\n}\n"

/* What the kernel lists for BODY (never the rendered text itself). */
static const char listing[] =
	"table inet wgf {\n"
	"\tset peers_v4 {\n"
	"\t\ttype ipv4_addr\n"
	"\t\telements = { 10.0.0.2, 10.0.0.3,\n"
	"\t\t\t     10.0.0.4 }\n"
	"\t}\n"
	"\n"
	"\tchain from_tunnel {\n"
	"\t\ttype filter hook forward priority filter; policy drop;\n"
	"\t\tct state established,related accept\n"
	"\t\tip saddr @peers_v4 accept\n"
	"\t}\n"
	"}\n";

static void items(struct hs_firewall *fw, const char *bob)
{
	hs_firewall_add_item(fw, "access/peer/alice", "full");
	hs_firewall_add_item(fw, "access/peer/bob", bob);
	hs_firewall_add_item(fw, "policy/staff-nas", "rule 1: staff → 192.168.50.10/32 tcp/445 accept");
}

static struct host_state *desired(const char *body, const char *bob)
{
	struct host_state *hs = hoststate_new();

	hs->host_name = strdup("hub");
	hs->firewall.present = true;
	hs->firewall.body = strdup(body);
	items(&hs->firewall, bob);
	hoststate_normalize(hs);
	return hs;
}

static struct host_state *observed(const char *kernel_listing)
{
	struct host_state *hs = hoststate_new();

	if (kernel_listing) {
		hs->firewall.present = true;
		hs->firewall.body = strdup(kernel_listing);
	}
	return hs;
}

/* The record of applying BODY with bob at "full", listed as `listing`. */
static struct fw_record *record(void)
{
	struct host_state *d = desired(BODY, "full");
	struct fw_record *r = NULL;

	CHECK_INT(fw_record_new(&d->firewall, listing, &r), 0);
	hoststate_free(d);
	return r;
}

static struct plan *diff(struct host_state *want, struct host_state *have, const struct fw_record *rec)
{
	struct diff_opts o = { .fw_applied = rec };
	struct plan *p = NULL;

	CHECK_INT(diff_host_states(want, have, &o, &p), 0);
	return p;
}

static char *text(const struct plan *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	plan_print_text(p, NULL, f);
	fclose(f);
	return buf;
}

/* "kind field old new" per change. */
static const char *changes(const struct plan_action *a)
{
	static char buf[4096];

	buf[0] = '\0';
	for (size_t i = 0; i < a->u.firewall.n_changes; i++) {
		const struct plan_change *c = &a->u.firewall.changes[i];
		size_t len = strlen(buf);

		snprintf(buf + len, sizeof(buf) - len, "%d %s | %s | %s\n", (int)c->kind, c->field,
			 c->old ? c->old : "-", c->new ? c->new : "-");
	}
	return buf;
}

static void test_create(void)
{
	struct plan *p = diff(desired(BODY, "full"), observed(NULL), NULL);
	const struct plan_action *a;
	char *out;

	CHECK_INT(p->n_actions, 1);
	CHECK_INT(p->n_create, 1);
	CHECK_INT(p->n_update + p->n_delete, 0);
	if (p->n_actions != 1)
		goto out;
	a = &p->actions[0];
	CHECK(a->obj == PLAN_OBJ_FIREWALL && a->op == PLAN_CREATE);
	CHECK_STR(a->name, "inet wgf");
	CHECK_STR(a->u.firewall.body, BODY);
	CHECK(!a->u.firewall.drift);
	CHECK_STR(changes(a),
		  "1 access/peer/alice | - | full\n"
		  "1 access/peer/bob | - | full\n"
		  "1 policy/staff-nas | - | rule 1: staff → 192.168.50.10/32 tcp/445 accept\n");
	out = text(p);
	CHECK_STR(out,
		  "wgf plan for host \"hub\"\n"
		  "\n"
		  "host:\n"
		  "  + nftables table inet wgf\n"
		  "      + access peer alice: full\n"
		  "      + access peer bob: full\n"
		  "      + policy staff-nas: rule 1: staff → 192.168.50.10/32 tcp/445 accept\n"
		  "\n"
		  "Plan: 1 to add, 0 to change, 0 to destroy.\n");
	free(out);
out:
	plan_free(p);
}

static void test_converged_is_empty(void)
{
	struct fw_record *rec = record();
	struct plan *p = diff(desired(BODY, "full"), observed(listing), rec);

	CHECK(plan_is_empty(p));
	plan_free(p);
	/* items in another order: the same */
	{
		struct host_state *want = hoststate_new();
		want->firewall.present = true;
		want->firewall.body = strdup(BODY);
		hs_firewall_add_item(&want->firewall, "policy/staff-nas", "rule 1: staff → 192.168.50.10/32 tcp/445 accept");
		hs_firewall_add_item(&want->firewall, "access/peer/bob", "full");
		hs_firewall_add_item(&want->firewall, "access/peer/alice", "full");
		hoststate_normalize(want);
		p = diff(want, observed(listing), rec);
		CHECK(plan_is_empty(p));
		plan_free(p);
	}
	/* nothing desired, nothing recorded: a table of that name is not wgf's */
	p = diff(hoststate_new(), observed(listing), NULL);
	CHECK(plan_is_empty(p));
	plan_free(p);
	/* nothing desired, recorded, but already gone */
	p = diff(hoststate_new(), observed(NULL), rec);
	CHECK(plan_is_empty(p));
	plan_free(p);
	fw_record_free(rec);
}

static void test_item_changes(void)
{
	struct fw_record *rec = record();
	struct host_state *want = hoststate_new();
	struct plan *p;
	char *out;

	want->host_name = strdup("hub");
	want->firewall.present = true;
	want->firewall.body = strdup(BODY "# bob is vpn-only now\n");
	hs_firewall_add_item(&want->firewall, "access/peer/bob", "vpn-only");
	hs_firewall_add_item(&want->firewall, "forward/198.51.100.7/tcp/25565", "→ gameserver 10.0.0.5:25565");
	hs_firewall_add_item(&want->firewall, "policy/staff-nas", "rule 1: staff → 192.168.50.10/32 tcp/445 accept");
	hoststate_normalize(want);
	p = diff(want, observed(listing), rec);
	CHECK_INT(p->n_actions, 1);
	CHECK_INT(p->n_update, 1);
	if (p->n_actions == 1) {
		CHECK(p->actions[0].op == PLAN_UPDATE && !p->actions[0].u.firewall.drift);
		CHECK_STR(changes(&p->actions[0]),
			  "1 access/peer/alice | full | -\n"
			  "1 access/peer/bob | full | vpn-only\n"
			  "1 forward/198.51.100.7/tcp/25565 | - | → gameserver 10.0.0.5:25565\n");
	}
	out = text(p);
	CHECK_STR(out,
		  "wgf plan for host \"hub\"\n"
		  "\n"
		  "host:\n"
		  "  ~ nftables table inet wgf\n"
		  "      - access peer alice: full\n"
		  "      ~ access peer bob: full → vpn-only\n"
		  "      + forward 198.51.100.7 tcp/25565 → gameserver 10.0.0.5:25565\n"
		  "\n"
		  "Plan: 0 to add, 1 to change, 0 to destroy.\n");
	free(out);
	plan_free(p);
	fw_record_free(rec);
}

static void test_ruleset_and_unrecorded(void)
{
	struct fw_record *rec = record();
	struct plan *p;
	char *out;

	/* same items, another ruleset: an address in a set (or a new wgf's layout) */
	p = diff(desired("set peers_v4 {\n\ttype ipv4_addr\n\telements = { 10.0.0.7 }\n}\n" BODY, "full"),
		 observed(listing), rec);
	CHECK_INT(p->n_update, 1);
	if (p->n_actions == 1)
		CHECK_STR(changes(&p->actions[0]),
			  "3 ruleset | - | + set peers_v4: type ipv4_addr\n"
			  "3 ruleset | - | + set peers_v4: element 10.0.0.7\n");
	out = text(p);
	CHECK(strstr(out, "  ~ nftables table inet wgf\n      ~ ruleset: + set peers_v4: type ipv4_addr\n"
			  "      ~ ruleset: + set peers_v4: element 10.0.0.7\n\n"));
	free(out);
	plan_free(p);
	p = diff(desired(BODY "\n", "full"), observed(listing), rec);
	if (p->n_actions == 1)
		CHECK_STR(changes(&p->actions[0]), "3 ruleset | - | ~ the same rules and elements, written differently\n");
	plan_free(p);
	/* with an item changed, the item says it */
	p = diff(desired(BODY "\n", "vpn-only"), observed(listing), rec);
	if (p->n_actions == 1)
		CHECK_STR(changes(&p->actions[0]), "1 access/peer/bob | full | vpn-only\n");
	plan_free(p);

	/* a table wgf has no record of: replaced, whatever it holds */
	p = diff(desired(BODY, "full"), observed(listing), NULL);
	CHECK_INT(p->n_update, 1);
	if (p->n_actions == 1) {
		CHECK_STR(changes(&p->actions[0]), "4 no record of what wgf applied: replaced as a whole | - | -\n");
		CHECK_STR(p->actions[0].u.firewall.body, BODY);
	}
	out = text(p);
	CHECK(strstr(out, "  ~ nftables table inet wgf\n      ~ no record of what wgf applied: replaced as a whole\n"));
	free(out);
	plan_free(p);
	fw_record_free(rec);
}

static char *edit(const char *s, const char *find, const char *replace)
{
	const char *at = strstr(s, find);
	char *out = NULL;

	CHECK(at != NULL);
	if (at && asprintf(&out, "%.*s%s%s", (int)(at - s), s, replace, at + strlen(find)) < 0)
		out = NULL;
	return out;
}

static void test_drift(void)
{
	struct fw_record *rec = record();
	char *kernel = edit(listing, "\t\tip saddr @peers_v4 accept\n",
			    "\t\tip saddr @peers_v4 accept\n\t\ttcp dport 22 accept\n");
	struct plan *p;
	char *out;

	p = diff(desired(BODY, "full"), observed(kernel), rec);
	CHECK_INT(p->n_update, 1);
	if (p->n_actions == 1) {
		CHECK(p->actions[0].u.firewall.drift);
		CHECK_STR(changes(&p->actions[0]),
			  "2 changed outside wgf | - | + chain from_tunnel: tcp dport 22 accept\n");
	}
	out = text(p);
	CHECK_STR(out,
		  "wgf plan for host \"hub\"\n"
		  "\n"
		  "host:\n"
		  "  ~ nftables table inet wgf\n"
		  "      ! changed outside wgf: + chain from_tunnel: tcp dport 22 accept\n"
		  "\n"
		  "Plan: 0 to add, 1 to change, 0 to destroy.\n");
	free(out);
	plan_free(p);
	free(kernel);

	/* drift and an item change together; an element removed by hand */
	kernel = edit(listing, "10.0.0.3,", "");
	p = diff(desired(BODY "#\n", "custom"), observed(kernel), rec);
	if (p->n_actions == 1)
		CHECK_STR(changes(&p->actions[0]),
			  "1 access/peer/bob | full | custom\n"
			  "2 changed outside wgf | - | - set peers_v4: element 10.0.0.3\n");
	plan_free(p);
	free(kernel);

	/* the table deleted by hand: created again, and the plan says why */
	p = diff(desired(BODY, "full"), observed(NULL), rec);
	CHECK_INT(p->n_create, 1);
	if (p->n_actions == 1) {
		CHECK(p->actions[0].u.firewall.drift);
		CHECK_STR(p->actions[0].u.firewall.changes[0].new, "table deleted");
		CHECK_INT(p->actions[0].u.firewall.n_changes, 4);
	}
	out = text(p);
	CHECK(strstr(out, "  + nftables table inet wgf\n      ! changed outside wgf: table deleted\n      + access peer alice: full\n"));
	free(out);
	plan_free(p);
	fw_record_free(rec);
}

static void test_delete_only_recorded(void)
{
	struct fw_record *rec = record();
	struct plan *p;
	char *out;

	p = diff(hoststate_new(), observed(listing), rec);
	CHECK_INT(p->n_delete, 1);
	CHECK_INT(p->n_actions, 1);
	if (p->n_actions == 1) {
		CHECK(p->actions[0].op == PLAN_DELETE && p->actions[0].obj == PLAN_OBJ_FIREWALL);
		CHECK(p->actions[0].u.firewall.body == NULL);
	}
	out = text(p);
	CHECK(strstr(out, "host:\n  - nftables table inet wgf\n\nPlan: 0 to add, 0 to change, 1 to destroy.\n"));
	free(out);
	plan_free(p);
	fw_record_free(rec);
}

static void test_order(void)
{
	struct fw_record *rec = record();
	struct host_state *want = desired(BODY "#\n", "full"), *have = observed(listing);
	struct hs_route rt = { .ifname = "wg0", .table = 254 };
	struct plan *p;

	hoststate_add_sysctl(want, "net.ipv4.ip_forward", "1");
	CHECK(prefix_parse("10.9.0.0/16", true, &rt.dst));
	hoststate_add_route(want, &rt);
	hoststate_normalize(want);
	p = diff(want, have, rec);
	CHECK_INT(p->n_actions, 3);
	if (p->n_actions == 3) {
		CHECK(p->actions[0].obj == PLAN_OBJ_ROUTE);
		CHECK(p->actions[1].obj == PLAN_OBJ_SYSCTL);
		CHECK(p->actions[2].obj == PLAN_OBJ_FIREWALL);
	}
	plan_free(p);

	/* removals: the table goes first, before wgf's routes */
	want = hoststate_new();
	have = observed(listing);
	hoststate_add_route(have, &rt);
	p = diff(want, have, rec);
	CHECK_INT(p->n_actions, 2);
	if (p->n_actions == 2) {
		CHECK(p->actions[0].obj == PLAN_OBJ_FIREWALL && p->actions[0].op == PLAN_DELETE);
		CHECK(p->actions[1].obj == PLAN_OBJ_ROUTE && p->actions[1].op == PLAN_DELETE);
	}
	CHECK_STR(plan_obj_name(PLAN_OBJ_FIREWALL), "nftables table");
	plan_free(p);
	fw_record_free(rec);
}

static const char *joined(char **lines, size_t n)
{
	static char buf[8192];

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(buf);
		snprintf(buf + len, sizeof(buf) - len, "%s\n", lines[i]);
	}
	return buf;
}

static void listing_diff(const char *a, const char *b, size_t max, const char *want)
{
	char **lines = NULL;
	size_t n = 0;

	CHECK_INT(nft_listing_diff(a, b, max, &lines, &n), 0);
	CHECK_STR(joined(lines, n), want);
	nft_listing_lines_free(lines, n);
}

static void test_listing_diff(void)
{
	char *b, *c;

	listing_diff(listing, listing, 10, "");
	/* one element more rewraps every line after it: still one element */
	b = edit(listing, "10.0.0.2, 10.0.0.3,\n\t\t\t     10.0.0.4 }",
		 "10.0.0.2, 10.0.0.3,\n\t\t\t     10.0.0.35, 10.0.0.4 }");
	c = edit(b, "10.0.0.35, 10.0.0.4 }", "10.0.0.35,\n\t\t\t     10.0.0.4 }");
	listing_diff(listing, c, 10, "+ set peers_v4: element 10.0.0.35\n");
	free(b);
	free(c);
	/* a policy changed, a rule removed: removals first */
	b = edit(listing, "policy drop;", "policy accept;");
	c = edit(b, "\t\tct state established,related accept\n", "");
	listing_diff(listing, c, 10,
		     "- chain from_tunnel: type filter hook forward priority filter; policy drop;\n"
		     "- chain from_tunnel: ct state established,related accept\n"
		     "+ chain from_tunnel: type filter hook forward priority filter; policy accept;\n");
	listing_diff(listing, c, 1, "- chain from_tunnel: type filter hook forward priority filter; policy drop;\n"
		     "… 2 more\n");
	free(b);
	free(c);
	/* rules swapped */
	b = edit(listing, "\t\tct state established,related accept\n\t\tip saddr @peers_v4 accept\n",
		 "\t\tip saddr @peers_v4 accept\n\t\tct state established,related accept\n");
	listing_diff(listing, b, 10, "~ the same rules and elements in another order\n");
	free(b);
	/* map elements with verdicts, and quoted commas, and a new chain */
	listing_diff("table inet wgf {\n\tmap m {\n\t\telements = { 10.0.0.1 : accept, 10.0.0.2 : jump c1 }\n\t}\n}\n",
		     "table inet wgf {\n\tmap m {\n\t\telements = { 10.0.0.1 : accept,\n\t\t\t     10.0.0.2 : jump c2 }\n\t}\n"
		     "\n\tchain c3 {\n\t\tcounter comment \"a, b }\"\n\t}\n}\n", 10,
		     "- map m: element 10.0.0.2 : jump c1\n"
		     "+ map m: element 10.0.0.2 : jump c2\n"
		     "+ chain c3: counter comment \"a, b }\"\n");
	listing_diff("", "table inet wgf {\n\tflags dormant\n}\n", 10, "+ table inet wgf: flags dormant\n");
	/* a table someone else owns is annotated; quoted '#' is text */
	listing_diff("table inet wgf {\n\tchain c {\n\t\tcounter\n\t}\n}\n",
		     "table inet wgf { # progname nft\n\tflags owner\n\n\tchain c {\n\t\tcounter comment \"#1\"\n\t}\n}\n", 10,
		     "- chain c: counter\n"
		     "+ table inet wgf: flags owner\n"
		     "+ chain c: counter comment \"#1\"\n");
}

static void test_record_file(void)
{
	char dir[] = "/tmp/wgf-unit-fw.XXXXXX", path[64];
	struct fw_record *rec = record(), *back = NULL;
	struct stat st;
	FILE *f;

	CHECK(mkdtemp(dir) != NULL);
	CHECK_INT(statedir_firewall_load(dir, &back), 0);
	CHECK(back == NULL);
	CHECK_INT(statedir_firewall_save(dir, rec), 0);
	snprintf(path, sizeof(path), "%s/firewall", dir);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK_INT(statedir_firewall_load(dir, &back), 0);
	CHECK(back != NULL);
	if (back) {
		CHECK_STR(back->body, BODY);
		CHECK_STR(back->listing, listing);
		CHECK_INT(back->n_items, 3);
		if (back->n_items == 3) {
			CHECK_STR(back->items[2].key, "policy/staff-nas");
			CHECK_STR(back->items[2].value, "rule 1: staff → 192.168.50.10/32 tcp/445 accept");
		}
	}
	/* a record read back converges like the one in memory */
	{
		struct plan *p = diff(desired(BODY, "full"), observed(listing), back);
		CHECK(plan_is_empty(p));
		plan_free(p);
	}
	fw_record_free(back);
	back = NULL;

	f = fopen(path, "w");
	fputs("{\"table\":\"inet wgf\",\"items\":[]", f);
	fclose(f);
	CHECK_INT(statedir_firewall_load(dir, &back), -EBADMSG);
	CHECK(back == NULL);
	f = fopen(path, "w");
	fputs("{\"table\":\"ip other\",\"body\":\"\",\"items\":[],\"listing\":\"\"}", f);
	fclose(f);
	CHECK_INT(statedir_firewall_load(dir, &back), -EBADMSG);
	/* a table without items */
	{
		struct hs_firewall empty = { .present = true, .body = (char *)"" };
		struct fw_record *e = NULL;

		CHECK_INT(fw_record_new(&empty, "table inet wgf {\n}\n", &e), 0);
		CHECK_INT(statedir_firewall_save(dir, e), 0);
		CHECK_INT(statedir_firewall_load(dir, &back), 0);
		CHECK(back && back->n_items == 0 && !strcmp(back->listing, "table inet wgf {\n}\n"));
		fw_record_free(back);
		fw_record_free(e);
		back = NULL;
	}
	CHECK_INT(statedir_firewall_remove(dir), 0);
	CHECK_INT(statedir_firewall_remove(dir), 0);
	CHECK_INT(statedir_firewall_load(dir, &back), 0);
	CHECK(back == NULL);
	rmdir(dir);
	fw_record_free(rec);
}

static void test_nft_error_first(void)
{
	const char *two = "wgf-nft-batch:1:1-19: Error: Could not process rule: Operation not permitted\n"
			  "add table inet wgf\n"
			  "^^^^^^^^^^^^^^^^^^^\n"
			  "wgf-nft-batch:2:19-21: Error: Could not process rule: Operation not permitted\n"
			  "delete table inet wgf\n"
			  "                  ^^^\n"
			  "Error: and this one";
	size_t more = 9;
	char *s;

	s = nft_error_first(two, &more);
	CHECK_STR(s, "wgf-nft-batch:1:1-19: Error: Could not process rule: Operation not permitted\n"
		     "add table inet wgf\n^^^^^^^^^^^^^^^^^^^");
	CHECK_INT(more, 2);
	free(s);
	s = nft_error_first("nft: invalid table body", &more);
	CHECK_STR(s, "nft: invalid table body");
	CHECK_INT(more, 0);
	free(s);
}

int main(void)
{
	if (key_init() < 0)
		return 1;
	RUN(test_create);
	RUN(test_converged_is_empty);
	RUN(test_item_changes);
	RUN(test_ruleset_and_unrecorded);
	RUN(test_drift);
	RUN(test_delete_only_recorded);
	RUN(test_order);
	RUN(test_listing_diff);
	RUN(test_record_file);
	RUN(test_nft_error_first);
	UNIT_DONE();
}
