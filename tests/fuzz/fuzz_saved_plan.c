/* libFuzzer harness for saved plans (reconcile/plan/saved_plan.c): the file
 * `wgf plan --out` writes and `wgf apply FILE|-` reads, often handed over by
 * CI or over SSH, so from outside.
 *
 * Invariants: a saved plan that reads has at least one host, hosts sorted by
 * name and unique, ids of SAVED_PLAN_ID_LEN hex digits, each entry's plan for
 * its host; written back it reads again into entries with equal plans, ids
 * and fingerprints, and writes the same text (a fixed point); split and
 * merged back it writes the same text again; a refused one says why.
 *
 *   make fuzz O=build-fz
 *   mkdir -p /tmp/c && cp tests/fuzz/corpus/fuzz_saved_plan/?* /tmp/c/
 *   build-fz/fuzz/fuzz_saved_plan -max_total_time=600 -rss_limit_mb=2048 /tmp/c
 */
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/plan/plan_json.h"
#include "reconcile/plan/saved_plan.h"

static void check_entries(const struct saved_plan *sp)
{
	if (!sp->n_hosts)
		abort();
	for (size_t i = 0; i < sp->n_hosts; i++) {
		const struct saved_plan_host *h = &sp->hosts[i];
		if (strlen(h->id) != SAVED_PLAN_ID_LEN || strspn(h->id, "0123456789abcdef") != SAVED_PLAN_ID_LEN)
			abort();
		if (!h->plan || !h->desired || !h->plan_json || strcmp(h->plan->host_name, h->name))
			abort();
		if (i && strcmp(sp->hosts[i - 1].name, h->name) >= 0)
			abort();
	}
}

/* Split per host and merged again: the same text. */
static void split_merge(const struct saved_plan *sp, const char *text)
{
	struct saved_plan **parts = calloc(sp->n_hosts, sizeof(*parts)), *m = NULL;
	struct wgf_error err = {0};
	char *again;

	if (!parts)
		return;
	for (size_t i = 0; i < sp->n_hosts; i++)
		if (saved_plan_split(sp, sp->hosts[i].name, &parts[i], &err) < 0)
			abort();
	if (saved_plan_merge((const struct saved_plan *const *)parts, sp->n_hosts, &m, &err) < 0)
		abort();
	again = saved_plan_format(m);
	if (!again || strcmp(again, text))
		abort();
	free(again);
	saved_plan_free(m);
	for (size_t i = 0; i < sp->n_hosts; i++)
		saved_plan_free(parts[i]);
	free(parts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct saved_plan *sp = NULL, *back = NULL;
	struct wgf_error err = {0};
	char *buf = malloc(size + 1), *t1 = NULL, *t2 = NULL;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if (saved_plan_parse(buf, size, "fuzz.json", &sp, &err) < 0) {
		if (err.code != -ENOMEM && (err.code != -EBADMSG || !err.msg))
			abort();
		wgf_error_clear(&err);
		free(buf);
		return 0;
	}
	check_entries(sp);
	t1 = saved_plan_format(sp);
	if (!t1)
		abort();
	if (saved_plan_parse(t1, strlen(t1), "written.json", &back, &err) < 0) {
		fprintf(stderr, "written back, the saved plan does not read: %s\n%s\n", wgf_error_message(&err), t1);
		abort();
	}
	if (back->n_hosts != sp->n_hosts)
		abort();
	for (size_t i = 0; i < sp->n_hosts; i++)
		if (strcmp(back->hosts[i].id, sp->hosts[i].id) ||
		    memcmp(back->hosts[i].fingerprint, sp->hosts[i].fingerprint, PLAN_FINGERPRINT_LEN) ||
		    !plan_equal(back->hosts[i].plan, sp->hosts[i].plan, NULL))
			abort();
	t2 = saved_plan_format(back);
	if (!t2 || strcmp(t1, t2))
		abort();
	split_merge(back, t2);
	free(t1);
	free(t2);
	saved_plan_free(back);
	saved_plan_free(sp);
	free(buf);
	return 0;
}
