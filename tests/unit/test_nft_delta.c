/* Element-level patches between two table bodies. */
#include <stdlib.h>
#include <string.h>

#include "reconcile/plan/nft_delta.h"
#include "tests/unit/unit.h"

static const char OLD[] =
	"\tset s0_tun4 {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\telements = { 10.0.0.0/24 }\n\t}\n\n"
	"\tmap src4 {\n\t\ttype ipv4_addr : verdict\n\t\tflags interval\n"
	"\t\telements = { 10.0.0.2 : jump c0, 10.0.0.3 : jump c1,\n\t\t\t     10.0.0.4 : jump c0 }\n\t}\n\n"
	"\tchain c0 {\n\t\tip daddr @s0_tun4 accept\n\t}\n";

static char *patch_of(const char *old, const char *new)
{
	char *p = NULL;

	CHECK_INT(nft_delta_patch("inet", "wgf", old, new, &p), 0);
	return p;
}

static void test_elements_only(void)
{
	char *new = strdup(OLD), *p;

	/* 10.0.0.3 moves to c0, 10.0.0.4 goes, 10.0.0.9 comes */
	free(new);
	new = strdup("\tset s0_tun4 {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\telements = { 10.0.0.0/24 }\n\t}\n\n"
		     "\tmap src4 {\n\t\ttype ipv4_addr : verdict\n\t\tflags interval\n"
		     "\t\telements = { 10.0.0.2 : jump c0, 10.0.0.3 : jump c0, 10.0.0.9 : jump c1 }\n\t}\n\n"
		     "\tchain c0 {\n\t\tip daddr @s0_tun4 accept\n\t}\n");
	p = patch_of(OLD, new);
	CHECK_STR(p, "delete element inet wgf src4 { 10.0.0.3 : jump c1, 10.0.0.4 : jump c0 }\n"
		     "add element inet wgf src4 { 10.0.0.3 : jump c0, 10.0.0.9 : jump c1 }\n");
	free(p);
	free(new);
}

static void test_equal_and_empty_sets(void)
{
	char *p = patch_of(OLD, OLD);
	const char *emptied = "\tset s0_tun4 {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t}\n\n"
		"\tmap src4 {\n\t\ttype ipv4_addr : verdict\n\t\tflags interval\n"
		"\t\telements = { 10.0.0.2 : jump c0, 10.0.0.3 : jump c1,\n\t\t\t     10.0.0.4 : jump c0 }\n\t}\n\n"
		"\tchain c0 {\n\t\tip daddr @s0_tun4 accept\n\t}\n";

	CHECK_STR(p, "");
	free(p);
	p = patch_of(OLD, emptied);   /* a set that lost its last element has no clause */
	CHECK_STR(p, "delete element inet wgf s0_tun4 { 10.0.0.0/24 }\n");
	free(p);
	p = patch_of(emptied, OLD);
	CHECK_STR(p, "add element inet wgf s0_tun4 { 10.0.0.0/24 }\n");
	free(p);
}

static void test_structure_changes_replace(void)
{
	char *p;
	char *new = malloc(sizeof(OLD) + 64);

	strcpy(new, OLD);
	strcat(new, "\tchain c1 {\n\t}\n");
	p = patch_of(OLD, new);
	CHECK(p == NULL);   /* a new chain: replace the table */
	free(p);
	strcpy(new, OLD);
	*strstr(new, "accept") = 'd';   /* a rule changed */
	p = patch_of(OLD, new);
	CHECK(p == NULL);
	free(p);
	free(new);
}

/* Found by fuzz_nft: the old body comes from the firewall record. nft reads '#'
 * to the end of the line, quotes included; a quote after one hid the real end
 * of the element list, and the patch carried "delete table inet other" as a
 * command of its own. */
static void test_comment_cannot_smuggle_a_command(void)
{
	const char *new = "\tset s {\n\t\ttype ipv4_addr\n\t\telements = { 10.0.0.1 }\n\t}\n"
			  "\tchain c {\n\t\tip saddr @s accept\n\t}\n";
	const char *old = "\tset s {\n\t\ttype ipv4_addr\n\t\telements = { 10.0.0.1, 10.0.0.2 # \"\n }\n"
			  "delete table inet other # \"\n}\n\t}\n"
			  "\tchain c {\n\t\tip saddr @s accept\n\t}\n";
	char *p = patch_of(old, new);

	CHECK(p == NULL);   /* not a body it can read: the table is replaced */
	free(p);
}

/* Found by fuzz_nft: two sets of one name made equal bodies differ. */
static void test_set_names(void)
{
	const char *twice = "\tset a {\n\t\telements = { 1 }\n\t}\n\tset a {\n\t\telements = { 2 }\n\t}\n";
	const char *odd = "\tset a;b {\n\t\telements = { 1 }\n\t}\n";
	char *p = patch_of(twice, twice);

	CHECK(p == NULL);
	free(p);
	p = patch_of(odd, odd);
	CHECK(p == NULL);
	free(p);
}

/* Found by fuzz_nft: a body it cannot read left its skeleton unfinished (not
 * NUL-terminated), and comparing it with the other one read past its end. */
static void test_unreadable_new_body(void)
{
	char old[200], *p;

	memset(old, 0xbe, sizeof(old) - 1);
	old[sizeof(old) - 1] = '\0';
	p = patch_of(old, "set a;b {\n");
	CHECK(p == NULL);
	free(p);
	p = patch_of(old, "\tset a {\n\t\telements = { 1\n");   /* never closed */
	CHECK(p == NULL);
	free(p);
}

int main(void)
{
	RUN(test_elements_only);
	RUN(test_equal_and_empty_sets);
	RUN(test_structure_changes_replace);
	RUN(test_comment_cannot_smuggle_a_command);
	RUN(test_set_names);
	RUN(test_unreadable_new_body);
	UNIT_DONE();
}
