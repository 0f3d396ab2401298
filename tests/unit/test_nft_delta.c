/* Element-level patches between two table bodies. */
#include <stdlib.h>
#include <string.h>

#include "reconcile/nft_delta.h"
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

int main(void)
{
	RUN(test_elements_only);
	RUN(test_equal_and_empty_sets);
	RUN(test_structure_changes_replace);
	UNIT_DONE();
}
