/* libFuzzer harness for the scan of a file version for keys
 * (reconcile/host/key_history_blob.c): any blob of a repository's history,
 * which wgf keys, validate and plan read from git, so from outside.
 *
 * Invariants: every key found is written in the input as its 44 characters
 * of base64; the keys are sorted and unique.
 *
 *   make fuzz O=build-fz
 *   mkdir -p /tmp/c && cp tests/fuzz/corpus/fuzz_key_scan/?* /tmp/c/
 *   build-fz/fuzz/fuzz_key_scan -max_total_time=600 /tmp/c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/host/key_history.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t (*keys)[WG_KEY_LEN] = NULL;
	size_t n = 0;

	if (key_history_scan((const char *)data, size, &keys, &n) < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char b64[WG_KEY_B64_LEN];

		key_to_base64(keys[i], b64);
		if (!memmem(data, size, b64, WG_KEY_B64_LEN - 1))
			abort();            /* a key that is not in the input */
		if (i && memcmp(keys[i - 1], keys[i], WG_KEY_LEN) >= 0)
			abort();            /* not sorted, or twice */
	}
	free(keys);
	return 0;
}
