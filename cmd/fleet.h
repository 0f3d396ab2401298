/* wgf fleet plan|apply: every Host of the repository over SSH (cmd/fleet*.c). */
#pragma once
#include "cmd/wgf.h"
#include "reconcile/host/gitfetch.h"
#include "reconcile/host/inventory.h"
#include "reconcile/host/ssh_session.h"
#include "reconcile/plan/saved_plan.h"

enum fleet_result {
	FR_PENDING, FR_NO_CHANGES, FR_CHANGES, FR_APPLIED, FR_OBSERVED, FR_FAILED, FR_UNREACHABLE, FR_NOT_RUN,
};
extern const char *const fleet_result_names[];
static inline bool fleet_result_bad(enum fleet_result r) { return r >= FR_FAILED; }

struct fleet_job {
	const char *name;              /* the Host (the model's) */
	const struct inventory_host *inv;   /* NULL: not in the inventory */
	bool canary;
	unsigned wave;                 /* apply: 0 the canaries, then 1, 2, … */
	enum fleet_result result;
	char *reason;                  /* failed, unreachable, not run: why */
	struct plan *plan;             /* what the host planned or applied */
	struct json_object *raw;       /* what it wrote */
	struct saved_plan *saved;      /* plan --out: its own entry of what it wrote */
	double seconds;
};

struct fleet_cmd {
	struct cmd_ctx c;
	bool apply;
	bool observe;                  /* fleet observe: snapshots into --out DIR */
	const char *inventory, *remote_wgf, *out;
	const char *saved_file;        /* fleet apply FILE: a saved plan */
	struct ssh_opts ssh;
	unsigned parallel, wave_size;
	const char **canary;
	size_t n_canary;
	bool keep_going, progress;
	struct inventory inv;
	char *saved;                   /* the saved plan's bytes */
	size_t saved_len;
	void *pack;                    /* the commit as a git pack */
	size_t pack_len;
	char oid[GITFETCH_OID_HEX], short_oid[13];
	const char *source;            /* "commit 1a2b3c4d5e6f (HEAD)" */
};

/* Options and files (cmd/fleet_opts.c): 1 to go on, 0 after --help, -1 after a message. */
int fleet_parse(struct fleet_cmd *f, int argc, char **argv);
int fleet_read_inputs(struct fleet_cmd *f);
void fleet_cmd_clear(struct fleet_cmd *f);

/* One host: connect, run, check what it said (cmd/fleet.c). Thread-safe. */
void fleet_job_run(const struct fleet_cmd *f, struct fleet_job *j);
int fleet_job_cmp(const void *a, const void *b);
/* Sets the job's result and the reason (printf). */
void fleet_job_fail(struct fleet_job *j, enum fleet_result r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void fleet_jobs_free(struct fleet_job *jobs, size_t n);

/* Running and reporting (cmd/fleet_run.c, cmd/fleet_apply.c). */
int fleet_plan_hosts(const struct fleet_cmd *f, struct fleet_job *jobs, size_t n);   /* the exit code */
int fleet_apply(const struct fleet_cmd *f, struct fleet_job *jobs, size_t n);        /* the exit code */
int fleet_observe(const struct fleet_cmd *f, struct fleet_job *jobs, size_t n);      /* the exit code */
/* The jobs, at most --parallel at once, one SSH session each; true when every
 * one succeeded. done/total count for the progress lines. */
bool fleet_run_wave(const struct fleet_cmd *f, struct fleet_job **jobs, size_t n, size_t *done, size_t total);
struct json_object *fleet_job_json(const struct fleet_job *j);
void fleet_put_json(struct json_object *o);    /* prints one line and puts it */
