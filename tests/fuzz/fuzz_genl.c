/* libFuzzer harness for the WireGuard generic netlink dump parser: the receive
 * path of WG_CMD_GET_DEVICE (wg_genl_parse_dump: libmnl's framing and the
 * control messages, then wg_genl_parse_device_msg, which merges a peer split
 * across messages). The input is a series of received buffers, each a 16-bit
 * little-endian length and that many bytes (one recvfrom), fed in order until
 * the dump ends or fails; each buffer holds nlmsghdr-framed messages. A
 * complete dump must keep the invariants of tests/fuzz/wg_check.h, and its
 * configuration must survive a round trip through both "set" builders.
 *
 * `make fuzz O=build-fz` builds it as build-fz/fuzz/fuzz_genl; tests/run runs it
 * briefly from tests/fuzz/corpus/fuzz_genl/. By hand (new inputs go to the first
 * directory, so keep it out of the git tree):
 *   mkdir -p /tmp/c && cp tests/fuzz/corpus/fuzz_genl/?* /tmp/c/
 *   build-fz/fuzz/fuzz_genl -max_total_time=600 -rss_limit_mb=2048 /tmp/c
 *   build-fz/fuzz/fuzz_genl tests/fuzz/regressions/fuzz_genl/?*   # replay
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
	struct hs_device dev = { 0 }, out = { 0 };
	int r = 1;

	while (r == 1 && size >= 2) {
		size_t len = (size_t)data[0] | (size_t)data[1] << 8;
		void *buf;

		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		/* a buffer of its own, so reading past it is caught */
		buf = malloc(len ? len : 1);
		if (!buf)
			break;
		memcpy(buf, data, len);
		/* seq and portid 0: libmnl accepts every message, the checks after it run */
		r = wg_genl_parse_dump(buf, len, 0, 0, &dev);
		if (r != 1)
			CHECK_ERRNO_RANGE(r);
		free(buf);
		data += len;
		size -= len;
	}
	if (r == 0 && wg_device_take(&out, &dev, HS_BACKEND_KERNEL) == 0) {
		wg_check_device(&out);
		wg_check_uapi_roundtrip(&out);
		wg_check_genl_roundtrip(&out, 8192);
		wg_check_genl_roundtrip(&out, 256);
	}
	hs_device_clear(&dev);
	hs_device_clear(&out);
	return 0;
}
