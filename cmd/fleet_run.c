#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/fleet.h"
#include "reconcile/host/fileio.h"

struct wave {
	const struct fleet_cmd *f;
	struct fleet_job **jobs;
	size_t n, next, *done, total;
	pthread_mutex_t lock;
};

static void progress(struct wave *w, const struct fleet_job *j)
{
	if (!w->f->progress)
		return;
	fprintf(stderr, "[%zu/%zu] %s: %s%s%s (%.1f s)\n", ++*w->done, w->total, j->name,
		fleet_result_names[j->result], j->reason ? ": " : "", j->reason ? j->reason : "", j->seconds);
}

static void *worker(void *arg)
{
	struct wave *w = arg;

	for (;;) {
		struct fleet_job *j;

		pthread_mutex_lock(&w->lock);
		j = w->next < w->n ? w->jobs[w->next++] : NULL;
		pthread_mutex_unlock(&w->lock);
		if (!j)
			break;
		fleet_job_run(w->f, j);
		pthread_mutex_lock(&w->lock);
		progress(w, j);
		pthread_mutex_unlock(&w->lock);
	}
	ssh_thread_exit();
	return NULL;
}

/* The jobs, at most --parallel at once, each thread with its own sessions;
 * true when every one succeeded. */
bool fleet_run_wave(const struct fleet_cmd *f, struct fleet_job **jobs, size_t n, size_t *done, size_t total)
{
	struct wave w = { .f = f, .jobs = jobs, .n = n, .done = done, .total = total };
	pthread_t th[256];
	size_t nt = n < f->parallel ? n : f->parallel, started = 0;
	bool ok = true;

	pthread_mutex_init(&w.lock, NULL);
	for (; started < nt; started++)
		if (pthread_create(&th[started], NULL, worker, &w) != 0)
			break;
	if (started == 0)
		worker(&w);
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&w.lock);
	for (size_t i = 0; i < n; i++)
		ok &= !fleet_result_bad(jobs[i]->result);
	return ok;
}

json_object *fleet_job_json(const struct fleet_job *j)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "host", json_object_new_string(j->name));
	json_object_object_add(o, "result", json_object_new_string(fleet_result_names[j->result]));
	json_object_object_add(o, "reason", j->reason ? json_object_new_string(j->reason) : NULL);
	json_object_object_add(o, "address", j->inv ? json_object_new_string(j->inv->address) : NULL);
	json_object_object_add(o, "canary", json_object_new_boolean(j->canary));
	json_object_object_add(o, "wave", json_object_new_int((int)j->wave));
	json_object_object_add(o, "milliseconds", json_object_new_int64((int64_t)(j->seconds * 1000.0 + 0.5)));
	json_object_object_add(o, "plan", j->plan ? plan_to_json(j->plan) : NULL);
	return o;
}

void fleet_put_json(json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* --out: the hosts' own entries as one saved plan (saved_plan_merge checks they
 * are of one wgf, commit and signer). */
static int write_out(const struct fleet_cmd *f, struct fleet_job *jobs, size_t n)
{
	const struct saved_plan **v = calloc(n + 1, sizeof(*v));
	struct saved_plan *all = NULL;
	struct wgf_error err = {0};
	char *text = NULL;
	size_t nv = 0;
	int r;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (jobs[i].saved && !fleet_result_bad(jobs[i].result))
			v[nv++] = jobs[i].saved;
	r = saved_plan_merge(v, nv, &all, &err);
	if (r < 0) {
		cmd_error("fleet plan: %s", wgf_error_message(&err));
		goto out;
	}
	if (!(text = saved_plan_format(all))) {
		r = -ENOMEM;
		cmd_error("fleet plan: %s", strerror(ENOMEM));
		goto out;
	}
	r = fileio_write(f->out, text, strlen(text), 0600);
	if (r < 0)
		cmd_error("fleet plan: writing %s: %s", f->out, strerror(-r));
out:
	free(text);
	saved_plan_free(all);
	wgf_error_clear(&err);
	free(v);
	return r;
}

/* Every host at once (bounded by --parallel); printed as plan --all prints. */
int fleet_plan_hosts(const struct fleet_cmd *f, struct fleet_job *jobs, size_t n)
{
	struct fleet_job **run = calloc(n + 1, sizeof(*run));
	struct fleet_host *fh = calloc(n + 1, sizeof(*fh));
	size_t nr = 0, nh = 0, done = 0, bad = 0;
	bool any = false;
	char head[256];
	int ret = EXIT_ERROR;

	if (!run || !fh) {
		cmd_error("%s", strerror(ENOMEM));
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (jobs[i].inv)
			run[nr++] = &jobs[i];
	fleet_run_wave(f, run, nr, &done, nr);
	for (size_t i = 0; i < n; i++) {
		if (fleet_result_bad(jobs[i].result)) {
			bad++;
			continue;
		}
		fh[nh].name = jobs[i].name;
		fh[nh].status = jobs[i].result == FR_CHANGES ? HOST_CHANGED : HOST_UNCHANGED;
		fh[nh++].plan = jobs[i].plan;
		any |= jobs[i].result == FR_CHANGES;
	}
	snprintf(head, sizeof(head), "%s", f->source);
	if (f->c.json) {
		json_object *o = fleet_to_json(head, NULL, fh, nh), *failed = json_object_new_array();

		json_object_object_add(o, "kind", json_object_new_string("wgf-fleet-live-plan"));
		json_object_object_add(o, "commit", json_object_new_string(f->oid));
		for (size_t i = 0; i < n; i++)
			if (fleet_result_bad(jobs[i].result))
				json_object_array_add(failed, fleet_job_json(&jobs[i]));
		json_object_object_add(o, "failed", failed);
		fleet_put_json(o);
	} else {
		fleet_print_text(f->c.color, head, "what each host has (planned on the host, over SSH)", fh, nh);
		if (bad)
			printf("\nNot planned: %zu host%s.\n", bad, bad == 1 ? "" : "s");
		for (size_t i = 0; i < n; i++)
			if (fleet_result_bad(jobs[i].result))
				printf("%s: %s: %s\n", jobs[i].name, fleet_result_names[jobs[i].result], jobs[i].reason);
	}
	if (bad)
		cmd_error("fleet plan: %zu of %zu host%s failed", bad, n, n == 1 ? "" : "s");
	if (f->out && write_out(f, jobs, n) < 0)
		goto out;
	ret = bad ? EXIT_ERROR : any ? EXIT_CHANGES : EXIT_OK;
out:
	free(run);
	free(fh);
	return ret;
}
