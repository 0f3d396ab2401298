/* libFuzzer harness for <state-dir>/exits.json (exit_state_parse), what `wgf
 * status` reads of `wgf watch`'s state, from a state directory that may be
 * damaged.
 *
 * Invariants: it parses or is refused with -EBADMSG (or -ENOMEM) and left
 * empty; what parses, written back by exit_state_format, parses again and
 * writes the same text (a fixed point); table routes of kind member name one.
 *
 * `make fuzz O=build-fz` builds it as build-fz/fuzz/fuzz_exit_state. By hand:
 *   mkdir -p /tmp/c && cp tests/fuzz/corpus/fuzz_exit_state/?* /tmp/c/
 *   build-fz/fuzz/fuzz_exit_state -max_total_time=600 /tmp/c
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/host/exit_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct exit_state s, back;
	struct wgf_error err = {0};
	char *buf = malloc(size + 1), *t1, *t2;
	int r;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	r = exit_state_parse(buf, size, &s, &err);
	wgf_error_clear(&err);
	free(buf);
	if (r < 0) {
		if ((r != -EBADMSG && r != -ENOMEM) || s.groups || s.n_groups || s.host)
			abort();
		return 0;
	}
	for (size_t i = 0; i < s.n_groups; i++)
		for (size_t j = 0; j < s.groups[i].n_tables; j++)
			if ((s.groups[i].tables[j].route == EXIT_ROUTE_MEMBER) != (s.groups[i].tables[j].member != NULL))
				abort();
	t1 = exit_state_format(&s);
	if (t1) {
		if (exit_state_parse(t1, strlen(t1), &back, &err) != 0)
			abort();
		t2 = exit_state_format(&back);
		if (t2 && strcmp(t1, t2))
			abort();
		free(t2);
		exit_state_clear(&back);
	}
	free(t1);
	exit_state_clear(&s);
	return 0;
}
