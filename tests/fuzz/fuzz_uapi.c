/* libFuzzer harness for the wireguard-go UAPI replies wgf reads: the "get" reply
 * (wg_uapi_parse_get) and the "set" reply (wg_uapi_parse_set_reply). The input is
 * one reply as the socket delivered it. A parsed device must keep the invariants
 * of tests/fuzz/wg_check.h, and its configuration must survive a round trip
 * through the UAPI and the generic netlink "set" builders.
 *
 * `make fuzz O=build-fz` builds it as build-fz/fuzz/fuzz_uapi; tests/run runs it
 * briefly from tests/fuzz/corpus/fuzz_uapi/. By hand (new inputs go to the first
 * directory, so keep it out of the git tree):
 *   mkdir -p /tmp/c && cp tests/fuzz/corpus/fuzz_uapi/?* /tmp/c/
 *   build-fz/fuzz/fuzz_uapi -max_total_time=600 -rss_limit_mb=2048 /tmp/c
 *   build-fz/fuzz/fuzz_uapi tests/fuzz/regressions/fuzz_uapi/?*   # replay
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/wg_check.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (key_init() < 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the receive path hands the parser a NUL-terminated copy */
	char *buf = malloc(size + 1);
	struct hs_device dev = { 0 };
	int r;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	r = wg_uapi_parse_set_reply(buf, size);
	CHECK_ERRNO_RANGE(r);
	r = wg_uapi_parse_get(buf, size, &dev);
	CHECK_ERRNO_RANGE(r);
	if (r == 0) {
		wg_check_device(&dev);
		wg_check_uapi_roundtrip(&dev);
		wg_check_genl_roundtrip(&dev, 8192);
		wg_check_genl_roundtrip(&dev, 256);
	} else if (dev.n_peers || dev.has_private_key) {
		abort();   /* a failed parse leaves out alone */
	}
	hs_device_clear(&dev);
	free(buf);
	return 0;
}
