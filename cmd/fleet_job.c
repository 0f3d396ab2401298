#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/fleet.h"
#include "reconcile/host/snapshot.h"
#include "reconcile/plan/plan_json.h"

const char *const fleet_result_names[] = {
	[FR_PENDING] = "pending", [FR_NO_CHANGES] = "no-changes", [FR_CHANGES] = "changes",
	[FR_APPLIED] = "applied", [FR_OBSERVED] = "observed", [FR_FAILED] = "failed", [FR_UNREACHABLE] = "unreachable",
	[FR_NOT_RUN] = "not-run",
};

void fleet_job_fail(struct fleet_job *j, enum fleet_result r, const char *fmt, ...)
{
	va_list ap;

	j->result = r;
	free(j->reason);
	va_start(ap, fmt);
	if (vasprintf(&j->reason, fmt, ap) < 0)
		j->reason = NULL;
	va_end(ap);
}

/* The command each host runs: the same wgf, on the commit that comes on stdin;
 * every word in single quotes for the remote shell. */
static char *remote_command(const struct fleet_cmd *f, const char *host)
{
	const char *v[16];
	size_t n = 0, len = 0;
	char *s = NULL;
	FILE *o;

	v[n++] = f->remote_wgf;
	v[n++] = f->observe ? "observe" : f->apply ? "apply" : "plan";
	if (f->saved)
		v[n++] = "-";
	v[n++] = "--json";
	if (f->apply)
		v[n++] = "--yes";
	if (!f->saved) {
		v[n++] = "--pack";
		v[n++] = "-";
		v[n++] = "--ref";
		v[n++] = f->oid;
	}
	if (f->out && !f->observe) {
		v[n++] = "--out";
		v[n++] = "-";
	}
	v[n++] = "--host";
	v[n++] = host;
	if (!(o = open_memstream(&s, &len)))
		return NULL;
	for (size_t i = 0; i < n; i++) {
		fputs(i ? " '" : "'", o);
		for (const char *c = v[i]; *c; c++)
			*c == '\'' ? fputs("'\\''", o) : fputc(*c, o);
		fputc('\'', o);
	}
	if (fclose(o) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

/* The last line the command wrote to stderr, without "wgf: ". */
static const char *last_line(char *err, size_t len)
{
	char *e = err + len, *b;

	while (e > err && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' '))
		*--e = '\0';
	for (b = e; b > err && b[-1] != '\n'; b--)
		;
	if (!strncmp(b, "wgf: ", 5))
		b += 5;
	return *b ? b : NULL;
}

/* A plan the host sent: it must read, be for this Host and name the commit. */
static int take_plan(const struct fleet_cmd *f, struct fleet_job *j, json_object *o)
{
	struct wgf_error err = {0};
	int r = plan_from_json(o, &j->plan, &err);

	if (r < 0) {
		fleet_job_fail(j, FR_FAILED, "its plan does not read: %s", wgf_error_message(&err));
		wgf_error_clear(&err);
		return r;
	}
	if (!j->plan->host_name || strcmp(j->plan->host_name, j->name)) {
		fleet_job_fail(j, FR_FAILED, "it planned for Host \"%s\"", j->plan->host_name ? j->plan->host_name : "");
		return -EBADMSG;
	}
	if (!j->plan->source || !strstr(j->plan->source, f->short_oid)) {
		fleet_job_fail(j, FR_FAILED, "its plan is of %s, not of commit %s",
			 j->plan->source ? j->plan->source : "no source", f->short_oid);
		return -EBADMSG;
	}
	return 0;
}

/* Where the plan is in what the host wrote: apply's has it as "plan", plan's
 * is the plan, plan --out's a saved file whose first host holds it. */
static json_object *plan_of(const struct fleet_cmd *f, json_object *o)
{
	json_object *v;

	if (f->out && json_object_object_get_ex(o, "hosts", &v) && json_object_is_type(v, json_type_array) &&
	    json_object_array_length(v))
		o = json_object_array_get_idx(v, 0);
	if (json_object_object_get_ex(o, "plan", &v))
		return v;
	return f->apply ? NULL : o;
}

/* plan --out: the host's saved plan must read and name the commit; only its own
 * entry is kept (a host cannot speak for another in the fleet's file). */
static int take_saved(const struct fleet_cmd *f, struct fleet_job *j)
{
	const char *text = json_object_to_json_string_ext(j->raw, JSON_C_TO_STRING_PLAIN);
	struct saved_plan *sp = NULL;
	struct wgf_error err = {0};
	int r = saved_plan_parse(text, strlen(text), j->name, &sp, &err);

	if (r == 0 && (!sp->commit || strcmp(sp->commit, f->oid)))
		r = wgf_error_set(&err, -EBADMSG, "it is of %s, not of commit %s", sp->source ? sp->source : "no source",
				  f->short_oid);
	if (r == 0)
		r = saved_plan_split(sp, j->name, &j->saved, &err);
	if (r < 0)
		fleet_job_fail(j, FR_FAILED, "its saved plan: %s", wgf_error_message(&err));
	saved_plan_free(sp);
	wgf_error_clear(&err);
	return r;
}

/* observe: a snapshot of this Host, and exit 0. */
static void take_snapshot(struct fleet_job *j, const struct ssh_result *res, const char *why)
{
	struct snapshot snap = {0};
	struct wgf_error err = {0};

	if (res->exit_status != 0)
		fleet_job_fail(j, FR_FAILED, "exit %d%s%s", res->exit_status, why ? ": " : "", why ? why : "");
	else if (snapshot_parse(res->out, res->out_len, &snap, &err) < 0)
		fleet_job_fail(j, FR_FAILED, "its snapshot does not read: %s", wgf_error_message(&err));
	else if (!snap.host || strcmp(snap.host, j->name))
		fleet_job_fail(j, FR_FAILED, "it observed for Host \"%s\"", snap.host ? snap.host : "");
	else
		j->result = FR_OBSERVED;
	snapshot_clear(&snap);
	wgf_error_clear(&err);
}

/* What the host said: the exit status and the JSON must agree. */
static void check_output(const struct fleet_cmd *f, struct fleet_job *j, struct ssh_result *res)
{
	const char *why = last_line(res->err, res->err_len);
	json_object *o = NULL, *v = NULL;
	const char *result;

	if (res->exit_signal) {
		fleet_job_fail(j, FR_FAILED, "killed by SIG%s%s%s", res->exit_signal, why ? ": " : "", why ? why : "");
		return;
	}
	if (res->out_len == strlen(res->out))
		o = json_tokener_parse(res->out);
	if (!o || !json_object_is_type(o, json_type_object)) {
		fleet_job_fail(j, FR_FAILED, "exit %d%s%s", res->exit_status, why ? ": " : " and no JSON plan",
			 why ? why : "");
		json_object_put(o);
		return;
	}
	j->raw = o;
	if (f->observe) {
		take_snapshot(j, res, why);
		return;
	}
	if (f->apply && json_object_object_get_ex(o, "result", &v) && !strcmp(json_object_get_string(v), "refused")) {
		json_object_object_get_ex(o, "reason", &v);
		fleet_job_fail(j, FR_FAILED, "exit %d: %s", res->exit_status, v ? json_object_get_string(v) : "");
		return;
	}
	o = plan_of(f, o);
	if (!o) {
		fleet_job_fail(j, FR_FAILED, "exit %d with no plan in its JSON", res->exit_status);
		return;
	}
	if (take_plan(f, j, o) < 0 || (f->out && take_saved(f, j) < 0))
		return;
	if (!f->apply) {
		bool empty = plan_is_empty(j->plan);

		if (res->exit_status != (empty ? EXIT_OK : EXIT_CHANGES))
			fleet_job_fail(j, FR_FAILED, "exit %d with %s plan%s%s", res->exit_status,
				 empty ? "an empty" : "a", why ? ": " : "", why ? why : "");
		else
			j->result = empty ? FR_NO_CHANGES : FR_CHANGES;
		return;
	}
	result = json_object_object_get_ex(j->raw, "result", &v) ? json_object_get_string(v) : "";
	if (res->exit_status == 0 && (!strcmp(result, "applied") || !strcmp(result, "no-changes")))
		j->result = !strcmp(result, "applied") ? FR_APPLIED : FR_NO_CHANGES;
	else if (json_object_object_get_ex(j->raw, "error", &v))
		fleet_job_fail(j, FR_FAILED, "%s (exit %d): %s", result, res->exit_status, json_object_get_string(v));
	else
		fleet_job_fail(j, FR_FAILED, "exit %d, result \"%s\"%s%s", res->exit_status, result, why ? ": " : "",
			 why ? why : "");
}

void fleet_job_run(const struct fleet_cmd *f, struct fleet_job *j)
{
	struct ssh_target t = { j->inv->user, j->inv->address, j->inv->port };
	struct ssh_result res = {0};
	struct wgf_error err = {0};
	int64_t t0 = ssh_now_ms();
	char *cmd = remote_command(f, j->name);
	int r;

	if (!cmd) {
		fleet_job_fail(j, FR_FAILED, "%s", strerror(ENOMEM));
		return;
	}
	r = ssh_run(&t, &f->ssh, cmd, f->saved ? f->saved : f->pack, f->saved ? f->saved_len : f->pack_len,
		    &res, &err);
	if (r < 0)
		fleet_job_fail(j, ssh_is_unreachable(r) ? FR_UNREACHABLE : FR_FAILED, "%s", wgf_error_message(&err));
	else
		check_output(f, j, &res);
	j->seconds = (double)(ssh_now_ms() - t0) / 1000.0;
	wgf_error_clear(&err);
	ssh_result_clear(&res);
	free(cmd);
}

void fleet_jobs_free(struct fleet_job *jobs, size_t n)
{
	for (size_t i = 0; jobs && i < n; i++) {
		free(jobs[i].reason);
		plan_free(jobs[i].plan);
		json_object_put(jobs[i].raw);
		saved_plan_free(jobs[i].saved);
	}
	free(jobs);
}
