/* Where the reconcile loop stands, kept in <state-dir>/reconcile.json: the
 * last attempted and last applied revision, who signed them, the outcome, the
 * consecutive failures and when to try next (the backoff), and whether an
 * operator suspended the loop. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/error.h"

#define LOOPSTATE_FILE "reconcile.json"

enum loop_outcome {
	LOOP_NONE,                     /* never ran */
	LOOP_APPLIED,
	LOOP_NO_CHANGES,
	LOOP_REFUSED,                  /* an untrusted or rewinding revision */
	LOOP_FAILED,                   /* loading, planning or applying */
	LOOP_FETCH_FAILED,
};
const char *loop_outcome_name(enum loop_outcome o);   /* "applied", "fetch-failed", … */
bool loop_outcome_failed(enum loop_outcome o);

struct loop_run {
	char *revision;                /* 40-hex commit; NULL: none */
	int64_t time;                  /* unix seconds; 0: never */
	enum loop_outcome outcome;
	char *reason;                  /* why it refused or failed */
	char *principal, *fingerprint; /* the verified signer; NULL: none */
};

/* How many changes of one kind of object a run planned (plan_obj_name). */
struct loop_drift {
	char *kind;
	unsigned n;
};
#define LOOPSTATE_MAX_DRIFT_KINDS 32

struct loopstate {
	char *remote, *ref, *verify;   /* the settings of the last run */
	struct loop_run last_attempt, last_applied;
	int64_t last_success;          /* unix seconds of the last run that did not fail; 0: never */
	/* what the last run that planned found to change, by kind; drift NULL: never recorded */
	struct loop_drift *drift;
	size_t n_drift;
	unsigned consecutive_failures;
	int64_t next_attempt;          /* unix seconds; 0: any time */
	bool suspended;
	char *suspended_by, *suspended_reason;
	int64_t suspended_at;
};

/* A missing file is an empty state; a damaged one -EBADMSG (err says where). */
int loopstate_load(const char *state_dir, struct loopstate *out, struct wgf_error *err);
int loopstate_save(const char *state_dir, const struct loopstate *ls);
void loopstate_clear(struct loopstate *ls);
void loop_run_clear(struct loop_run *r);
/* Replaces ls's drift with n kinds (copied). 0 or -ENOMEM. */
int loopstate_set_drift(struct loopstate *ls, const struct loop_drift *d, size_t n);

/* The file's JSON (times as ISO 8601 UTC), and back. */
struct json_object;
struct json_object *loopstate_to_json(const struct loopstate *ls);
int loopstate_parse(const char *text, size_t len, struct loopstate *out, struct wgf_error *err);

/* The wait after n consecutive failures: interval·2^(n-1), at most cap. */
int64_t loopstate_backoff(unsigned n, unsigned interval, unsigned cap);

/* "2026-12-01T06:30:00Z" (buf: at least 21 bytes); "" for 0. */
#define LOOPSTATE_TIME_LEN 24
const char *loopstate_time(int64_t t, char *buf);
