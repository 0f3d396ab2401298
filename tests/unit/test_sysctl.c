/* sysctl_read/sysctl_write: key validation and reading (no writes to real keys). */
#include <errno.h>

#include "reconcile/kernel/sysctl.h"
#include "tests/unit/unit.h"

static void test_bad_keys(void)
{
	static const char *const bad[] = {
		"", ".", "a..b", ".net.ipv4", "net.ipv4.", "net/ipv4/ip_forward",
		"net.ipv4/../ip_forward", "..", "net.ipv4.ip forward", "net.ipv4.ip_forward\n",
		"net.*.ip_forward",
	};
	char buf[32];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(sysctl_read(bad[i], buf, sizeof(buf)), -EINVAL);
		CHECK_INT(sysctl_write(bad[i], "1"), -EINVAL);
	}
	CHECK_INT(sysctl_read(NULL, buf, sizeof(buf)), -EINVAL);
	CHECK_INT(sysctl_write(NULL, "1"), -EINVAL);
}

static void test_bad_values(void)
{
	CHECK_INT(sysctl_write("net.ipv4.ip_forward", NULL), -EINVAL);
	CHECK_INT(sysctl_write("net.ipv4.ip_forward", "1\n0"), -EINVAL);
}

static void test_read(void)
{
	char buf[32];

	CHECK_INT(sysctl_read("kernel.ostype", buf, sizeof(buf)), 0);
	CHECK_STR(buf, "Linux");
	/* Exactly fits: the newline is not part of the value. */
	CHECK_INT(sysctl_read("kernel.ostype", buf, 6), 0);
	CHECK_STR(buf, "Linux");
	CHECK_INT(sysctl_read("kernel.ostype", buf, 5), -ERANGE);
	CHECK_STR(buf, "");
	CHECK_INT(sysctl_read("kernel.ostype", buf, 0), -EINVAL);
	CHECK_INT(sysctl_read("kernel.no_such_key_wgf", buf, sizeof(buf)), -ENOENT);
	CHECK_INT(sysctl_read("net.ipv4.conf.lo.forwarding", buf, sizeof(buf)), 0);
	CHECK(buf[0] == '0' || buf[0] == '1');
}

int main(void)
{
	RUN(test_bad_keys);
	RUN(test_bad_values);
	RUN(test_read);
	UNIT_DONE();
}
