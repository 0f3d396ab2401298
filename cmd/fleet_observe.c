/* wgf fleet observe: every host's snapshot, for planning and reports in CI. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/fleet.h"
#include "reconcile/host/fileio.h"

/* DIR/HOST.json of each host observed; a write that fails fails its host. */
static int write_snapshots(const struct fleet_cmd *f, struct fleet_job *jobs, size_t n)
{
	struct stat st;
	int r;

	if (mkdir(f->out, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (stat(f->out, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	for (size_t i = 0; i < n; i++) {
		struct fleet_job *j = &jobs[i];
		const char *text;
		char *path = NULL;

		if (j->result != FR_OBSERVED)
			continue;
		if (asprintf(&path, "%s/%s.json", f->out, j->name) < 0)
			return -ENOMEM;
		text = json_object_to_json_string_ext(j->raw, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		r = fileio_write(path, text, strlen(text), 0600);
		if (r < 0)
			fleet_job_fail(j, FR_FAILED, "writing %s: %s", path, strerror(-r));
		free(path);
	}
	return 0;
}

static void print_text(const struct fleet_cmd *f, struct fleet_job *jobs, size_t n, size_t bad)
{
	size_t w = 4;

	for (size_t i = 0; i < n; i++)
		if (strlen(jobs[i].name) > w)
			w = strlen(jobs[i].name);
	printf("wgf fleet observe: %s\n\n%-*s  %-11s  %7s  %s\n", f->source, (int)w, "HOST", "RESULT", "TIME", "");
	for (size_t i = 0; i < n; i++)
		printf("%-*s  %-11s  %6.1fs  %s\n", (int)w, jobs[i].name, fleet_result_names[jobs[i].result],
		       jobs[i].seconds, jobs[i].result == FR_OBSERVED ? "" : jobs[i].reason ? jobs[i].reason : "");
	printf("\nFleet: %zu host%s: %zu observed into %s, %zu failed.\n", n, n == 1 ? "" : "s", n - bad, f->out, bad);
}

static void print_json(const struct fleet_cmd *f, struct fleet_job *jobs, size_t n)
{
	json_object *o = json_object_new_object(), *hosts = json_object_new_array();

	json_object_object_add(o, "kind", json_object_new_string("wgf-fleet-observe"));
	json_object_object_add(o, "source", json_object_new_string(f->source));
	json_object_object_add(o, "commit", json_object_new_string(f->oid));
	json_object_object_add(o, "directory", json_object_new_string(f->out));
	for (size_t i = 0; i < n; i++) {
		json_object *h = json_object_new_object();

		json_object_object_add(h, "host", json_object_new_string(jobs[i].name));
		json_object_object_add(h, "result", json_object_new_string(fleet_result_names[jobs[i].result]));
		json_object_object_add(h, "reason", jobs[i].reason && jobs[i].result != FR_OBSERVED ?
					json_object_new_string(jobs[i].reason) : NULL);
		json_object_object_add(h, "seconds", json_object_new_double(jobs[i].seconds));
		json_object_array_add(hosts, h);
	}
	json_object_object_add(o, "hosts", hosts);
	fleet_put_json(o);
}

int fleet_observe(const struct fleet_cmd *f, struct fleet_job *jobs, size_t n)
{
	struct fleet_job **run = calloc(n + 1, sizeof(*run));
	size_t nr = 0, done = 0, bad = 0;
	int r;

	if (!run) {
		cmd_error("%s", strerror(ENOMEM));
		return EXIT_ERROR;
	}
	for (size_t i = 0; i < n; i++)
		if (jobs[i].inv)
			run[nr++] = &jobs[i];
	fleet_run_wave(f, run, nr, &done, nr);
	free(run);
	r = write_snapshots(f, jobs, n);
	if (r < 0) {
		cmd_error("fleet observe: %s: %s", f->out, strerror(-r));
		return EXIT_ERROR;
	}
	for (size_t i = 0; i < n; i++)
		bad += jobs[i].result != FR_OBSERVED;
	if (f->c.json)
		print_json(f, jobs, n);
	else
		print_text(f, jobs, n, bad);
	if (bad)
		cmd_error("fleet observe: %zu of %zu host%s failed", bad, n, n == 1 ? "" : "s");
	return bad ? EXIT_ERROR : EXIT_OK;
}
