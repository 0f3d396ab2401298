#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/fleet.h"

/* The order: canaries (wave 0), then the rest in waves of --wave-size. */
static size_t rollout_order(const struct fleet_cmd *f, struct fleet_job *jobs, size_t n, struct fleet_job **order)
{
	size_t k = 0, rest = 0;

	for (size_t i = 0; i < n; i++)
		if (jobs[i].canary)
			order[k++] = &jobs[i];
	for (size_t i = 0; i < n; i++)
		if (!jobs[i].canary) {
			jobs[i].wave = 1 + (unsigned)(rest++ / f->wave_size);
			order[k++] = &jobs[i];
		}
	return k;
}

static void not_run(struct fleet_job **order, size_t from, size_t n, const char *why)
{
	for (size_t i = from; i < n; i++)
		if (order[i]->result == FR_PENDING) {
			order[i]->result = FR_NOT_RUN;
			order[i]->reason = strdup(why);
		}
}

/* Runs the waves; stops after a failed canary, or a failed wave unless --keep-going. */
static void rollout(const struct fleet_cmd *f, struct fleet_job **order, size_t n)
{
	size_t i = 0, done = 0;
	char why[512];

	for (size_t k = 0; k < n; k++)
		if (order[k]->result == FR_FAILED && !f->keep_going) {
			snprintf(why, sizeof(why), "stopped before the rollout: %s is not in the inventory", order[k]->name);
			not_run(order, 0, n, why);
			return;
		}
	while (i < n) {
		struct fleet_job **wave = &order[i], **run = calloc(n, sizeof(*run));
		size_t len = 0, nr = 0;
		bool ok;

		if (!run) {
			not_run(order, i, n, strerror(ENOMEM));
			return;
		}
		while (i + len < n && wave[len]->wave == wave[0]->wave)
			len++;
		for (size_t k = 0; k < len; k++)
			if (wave[k]->result == FR_PENDING)
				run[nr++] = wave[k];
		ok = fleet_run_wave(f, run, nr, &done, n);
		free(run);
		i += len;
		for (size_t k = 0; k < len; k++)
			ok &= !fleet_result_bad(wave[k]->result);
		if (!ok && (wave[0]->wave == 0 || !f->keep_going)) {
			snprintf(why, sizeof(why), "stopped after a failure in %s", wave[0]->wave ? "the previous wave" :
				 "the canaries");
			not_run(order, i, n, why);
			return;
		}
	}
}

static void changes(const struct fleet_job *j, char *buf, size_t len)
{
	if (!j->plan)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "+%zu ~%zu -%zu", j->plan->n_create, j->plan->n_update, j->plan->n_delete);
}

static void print_table(const struct fleet_cmd *f, struct fleet_job **order, size_t n)
{
	size_t w = 4, counts[FR_NOT_RUN + 1] = {0};
	char ch[64];

	for (size_t i = 0; i < n; i++)
		if (strlen(order[i]->name) > w)
			w = strlen(order[i]->name);
	printf("wgf fleet apply: %s\n\n%-*s  %-11s  %-14s  %7s  %s\n", f->source, (int)w, "HOST", "RESULT",
	       "CHANGES", "TIME", "");
	for (size_t i = 0; i < n; i++) {
		const struct fleet_job *j = order[i];

		counts[j->result]++;
		changes(j, ch, sizeof(ch));
		printf("%-*s  %-11s  %-14s  %6.1fs  %s%s\n", (int)w, j->name, fleet_result_names[j->result], ch,
		       j->seconds, j->canary ? "(canary) " : "", j->reason ? j->reason : "");
	}
	printf("\nFleet: %zu host%s: %zu applied, %zu without changes, %zu failed, %zu unreachable, %zu not run.\n",
	       n, n == 1 ? "" : "s", counts[FR_APPLIED], counts[FR_NO_CHANGES], counts[FR_FAILED],
	       counts[FR_UNREACHABLE], counts[FR_NOT_RUN]);
}

static void print_json(const struct fleet_cmd *f, struct fleet_job **order, size_t n)
{
	json_object *o = json_object_new_object(), *hosts = json_object_new_array(), *sum = json_object_new_object();
	size_t counts[FR_NOT_RUN + 1] = {0};

	json_object_object_add(o, "format_version", json_object_new_int(PLAN_JSON_FORMAT));
	json_object_object_add(o, "kind", json_object_new_string("wgf-fleet-apply"));
	json_object_object_add(o, "source", json_object_new_string(f->source));
	json_object_object_add(o, "commit", f->saved ? NULL : json_object_new_string(f->oid));
	for (size_t i = 0; i < n; i++) {
		counts[order[i]->result]++;
		json_object_array_add(hosts, fleet_job_json(order[i]));
	}
	json_object_object_add(sum, "hosts", json_object_new_int64((int64_t)n));
	for (int r = FR_NO_CHANGES; r <= FR_NOT_RUN; r++)
		if (r != FR_CHANGES && r != FR_OBSERVED)
			json_object_object_add(sum, fleet_result_names[r], json_object_new_int64((int64_t)counts[r]));
	json_object_object_add(o, "summary", sum);
	json_object_object_add(o, "hosts", hosts);
	fleet_put_json(o);
}

int fleet_apply(const struct fleet_cmd *f, struct fleet_job *jobs, size_t n)
{
	struct fleet_job **order = calloc(n + 1, sizeof(*order));
	bool bad = false;

	if (!order) {
		cmd_error("%s", strerror(ENOMEM));
		return EXIT_ERROR;
	}
	n = rollout_order(f, jobs, n, order);
	rollout(f, order, n);
	if (f->c.json)
		print_json(f, order, n);
	else
		print_table(f, order, n);
	for (size_t i = 0; i < n; i++)
		bad |= fleet_result_bad(order[i]->result);
	free(order);
	return bad ? EXIT_ERROR : EXIT_OK;
}
