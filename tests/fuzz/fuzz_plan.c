/* libFuzzer harness for plans read from JSON (reconcile/plan/plan_json_read.c):
 * the plans that `wgf plan --json` writes, which saved and fleet plans read back.
 *
 * Invariants: a plan that reads writes JSON that reads again into an equal plan
 * (plan_equal), and writing that one gives the same text (a fixed point); a
 * refused plan says why.
 *
 *   make fuzz O=build-fz
 *   mkdir -p /tmp/c && cp tests/fuzz/corpus/fuzz_plan/?* /tmp/c/
 *   build-fz/fuzz/fuzz_plan -max_total_time=600 -rss_limit_mb=2048 /tmp/c
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "reconcile/plan/plan_json.h"

static char *written(const struct plan *p)
{
	struct json_object *o = plan_to_json(p);
	char *text;

	if (!o)
		abort();
	text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	if (!text)
		abort();
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *root, *again;
	struct wgf_error err = {0};
	struct plan *p = NULL, *q = NULL;
	const char *why = NULL;
	char *t1, *t2;

	if (!tok)
		return 0;
	root = json_tokener_parse_ex(tok, (const char *)data, (int)(size > 1 << 20 ? 1 << 20 : size));
	json_tokener_free(tok);
	if (!root)
		return 0;
	if (plan_from_json(root, &p, &err) < 0) {
		if (err.code != -ENOMEM && (err.code != -EBADMSG || !err.msg))
			abort();
		wgf_error_clear(&err);
		json_object_put(root);
		return 0;
	}
	t1 = written(p);
	again = json_tokener_parse(t1);
	if (!again || plan_from_json(again, &q, &err) < 0) {
		fprintf(stderr, "written back, the plan does not read: %s\n%s\n", wgf_error_message(&err), t1);
		abort();
	}
	if (!plan_equal(p, q, &why)) {
		fprintf(stderr, "read back, the plan differs: %s\n%s\n", why, t1);
		abort();
	}
	t2 = written(q);
	if (strcmp(t1, t2)) {
		fprintf(stderr, "not a fixed point:\n%s\n%s\n", t1, t2);
		abort();
	}
	free(t1);
	free(t2);
	json_object_put(again);
	json_object_put(root);
	plan_free(p);
	plan_free(q);
	return 0;
}
