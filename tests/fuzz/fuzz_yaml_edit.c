/* libFuzzer harness for the text edits of repository files (model/yaml_edit.c),
 * which wgf peer and wgf secret make to files a repository holds.
 *
 * Invariants: an edit succeeds, or says it cannot (-ENOENT, -EINVAL with a
 * reason); a successful edit keeps every byte before the first changed line,
 * holds the new item's text, and, made again with the same item on its own
 * output, gives the same output (replacing is idempotent).
 *
 *   make fuzz O=build-fz
 *   mkdir -p /tmp/c && cp tests/fuzz/corpus/fuzz_yaml_edit/?* /tmp/c/
 *   build-fz/fuzz/fuzz_yaml_edit -max_total_time=600 -rss_limit_mb=2048 /tmp/c
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/yaml_edit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char item[] = "- hub: h\n  id: AAAAAAAAAAAAAAAAAAAAAA==\n  sealed:\n    host/h: x\n";
	struct yaml_item_edit e = { "Peer", "p", "presharedKeys", "hub", "h", item, false };
	char *out = NULL, *again = NULL;
	const char *err = NULL;
	int r;

	if (size > 65536)
		return 0;
	r = yaml_edit_item((const char *)data, size, &e, &out, &err);
	if (r == 0) {
		if (!out || !strstr(out, "id: AAAAAAAAAAAAAAAAAAAAAA=="))
			abort();
		if (yaml_edit_item(out, strlen(out), &e, &again, &err) != 0 || strcmp(out, again))
			abort();
	} else if (out || (r != -ENOENT && r != -EINVAL && r != -ENOMEM) || (r == -EINVAL && !err)) {
		abort();
	}
	free(out);
	free(again);
	return 0;
}
