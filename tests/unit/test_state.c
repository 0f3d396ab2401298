/* The records in the state directory, read from their text: owned-interfaces
 * and declared-endpoints (the firewall record is in test_fw_diff.c). */
#include <stdlib.h>
#include <string.h>

#include "reconcile/host/statedir.h"
#include "tests/unit/unit.h"

static void test_owned_parse(void)
{
	/* a line too long for a name used to be read in 63-byte pieces, and its
	 * tail became a name wgf believed it created (and would delete) */
	static const char text[] = "wg0\n\n0123456789012345678901234567890123456789012345678901234567890123eth0\n"
				   "wg\0x\nwg-office";
	struct statedir_owned o;

	CHECK_INT(statedir_owned_parse(text, sizeof(text) - 1, &o), 0);
	CHECK_INT(o.n, 2);
	if (o.n == 2) {
		CHECK_STR(o.ifnames[0], "wg0");
		CHECK_STR(o.ifnames[1], "wg-office");   /* the last line needs no newline */
	}
	statedir_owned_clear(&o);
	CHECK_INT(statedir_owned_parse("", 0, &o), 0);
	CHECK_INT(o.n, 0);
	statedir_owned_clear(&o);
}

static void test_endpoints_roundtrip(void)
{
	char line[400], *text = NULL, *padded;
	struct host_state *hs = NULL, *back = NULL;
	size_t len = 0;

	/* a damaged line loses only itself; a too-long one is not read in pieces */
	snprintf(line, sizeof(line), "wg0 %s 198.51.100.7:51820\nwg0 bad 1.2.3.4:5\nwg1 %s [2001:db8::1]:4500 x\n",
		 "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU=", "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY=");
	padded = malloc(strlen(line) + 300);
	if (!padded)
		abort();
	memset(padded, ' ', 260);
	strcpy(padded + 260, line);
	CHECK_INT(statedir_endpoints_parse(line, strlen(line), &hs), 0);
	CHECK_INT(hs->n_devices, 2);
	CHECK_INT(statedir_endpoints_format(hs, &text, &len), 0);
	CHECK_STR(text, "wg0 QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU= 198.51.100.7:51820\n"
			"wg1 YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY= [2001:db8::1]:4500\n");
	CHECK_INT(statedir_endpoints_parse(padded, strlen(padded), &back), 0);
	CHECK_INT(back->n_devices, 1);   /* the first line, 260 blanks longer, is dropped */
	hoststate_free(hs);
	hoststate_free(back);
	free(text);
	free(padded);
}

int main(void)
{
	if (key_init() < 0)
		return 1;
	RUN(test_owned_parse);
	RUN(test_endpoints_roundtrip);
	UNIT_DONE();
}
