/* The fleet inventory (reconcile/host/inventory.c): NAME user@address[:port]. */
#include <errno.h>

#include "reconcile/host/inventory.h"
#include "tests/unit/unit.h"

/* Parses text; on an error, its message must be exactly msg. */
static int parse(const char *text, struct inventory *inv, const char *msg)
{
	struct wgf_error err = {0};
	int r = inventory_parse(text, strlen(text), "inv", inv, &err);

	if (msg)
		CHECK_STR(wgf_error_message(&err), msg);
	wgf_error_clear(&err);
	return r;
}

static void test_hosts(void)
{
	struct inventory inv;
	const struct inventory_host *h;

	CHECK_INT(parse("# the fleet\n\nhub root@198.51.100.1\n  router-1\tadmin@r1.example.org:2222  # branch\n"
			"v6 root@[fd00::1]:22\r\nlast wgf@10.0.0.9", &inv, NULL), 0);
	CHECK_INT(inv.n, 4);
	h = inventory_find(&inv, "router-1");
	CHECK(h != NULL);
	if (h) {
		CHECK_STR(h->user, "admin");
		CHECK_STR(h->address, "r1.example.org");
		CHECK_INT(h->port, 2222);
		CHECK_INT(h->line, 4);
	}
	h = inventory_find(&inv, "v6");
	CHECK(h && !strcmp(h->address, "fd00::1") && h->port == 22);
	h = inventory_find(&inv, "hub");
	CHECK(h && h->port == 22 && !strcmp(h->user, "root"));
	CHECK(inventory_find(&inv, "last") != NULL);
	CHECK(inventory_find(&inv, "nobody") == NULL);
	inventory_clear(&inv);
	inventory_clear(&inv);
	CHECK_INT(parse("", &inv, NULL), 0);
	CHECK_INT(inv.n, 0);
}

static void test_errors(void)
{
	static const struct { const char *text, *msg; } bad[] = {
		{ "hub\n", "inv:1:4: expected user@address[:port] after the Host's name" },
		{ "hub 198.51.100.1\n", "inv:1:5: expected user@address[:port] after the Host's name" },
		{ "a r@h\nb r@h\na r@x\n", "inv:3:1: Host \"a\" is listed twice (first on line 1)" },
		{ "hub root@h:0\n", "inv:1:12: a port is a number from 1 to 65535" },
		{ "hub root@h:65536\n", "inv:1:16: a port is a number from 1 to 65535" },
		{ "hub root@h:\n", "inv:1:12: expected a port number after ':'" },
		{ "hub root@\n", "inv:1:10: the address is empty" },
		{ "hub @h\n", "inv:1:5: a user name is letters, digits, '.', '_' and '-' (not first)" },
		{ "hub ro;ot@h\n", "inv:1:7: a user name is letters, digits, '.', '_' and '-' (not first)" },
		{ "hub -oProxyCommand=x@h\n", "inv:1:5: a user name is letters, digits, '.', '_' and '-' (not first)" },
		{ "hub root@-oProxy\n", "inv:1:10: an address is a DNS name, an IPv4 address or an IPv6 address in brackets" },
		{ "hub root@h;rm\n", "inv:1:11: an address is a DNS name, an IPv4 address or an IPv6 address in brackets" },
		{ "hub root@[fd00::1\n", "inv:1:10: an IPv6 address in brackets has no ']'" },
		{ "hub root@[fd00::g]\n", "inv:1:17: not a character of an IPv6 address" },
		{ "hub root@[fd00::1]x\n", "inv:1:19: expected ':port' after ']'" },
		{ "hub root@h extra\n", "inv:1:12: unexpected text after the address (a comment starts with '#')" },
		{ "h$b root@h\n", "inv:1:2: a Host's name is letters, digits, '.', '_' and '-' (not first)" },
	};
	struct inventory inv;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct wgf_error err = {0};

		CHECK_INT(inventory_parse(bad[i].text, strlen(bad[i].text), "inv", &inv, &err), -EBADMSG);
		CHECK_STR(wgf_error_message(&err), bad[i].msg);
		CHECK(inv.n == 0 && inv.hosts == NULL);
		wgf_error_clear(&err);
	}
	CHECK_INT(inventory_parse("ok r@h\nx r@h\0y\n", 15, "inv", &inv, NULL), -EBADMSG);
	CHECK(inv.n == 0);
	CHECK_INT(parse("ok r@h\nx r@h\0y\n", &inv, NULL), 0);   /* strlen: up to the NUL */
	inventory_clear(&inv);
	{
		struct wgf_error err = {0};

		CHECK_INT(inventory_parse("ok r@h\nx r@h\0y\n", 15, "inv", &inv, &err), -EBADMSG);
		CHECK_STR(wgf_error_message(&err), "inv:2:6: a NUL byte: not a text file");
		wgf_error_clear(&err);
	}
}

int main(void)
{
	RUN(test_hosts);
	RUN(test_errors);
	UNIT_DONE();
}
