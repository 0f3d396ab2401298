/* Applying a saved plan (reconcile/plan/saved_plan.h) on this host: which of
 * its entries is this host's, and whether it may still be applied. The plan
 * carried out is the saved one: made again from the saved desired state
 * against this host as it is now, it must be the saved plan, action by action
 * and field by field, or nothing is done. Refusals change nothing and say
 * which host and why:
 *   - the plan was made by another wgf version;
 *   - the host's key (key file, or the prepared next key: then applying
 *     switches to it, as pipeline_apply does) is not the identity the plan is for;
 *   - the host's observed state no longer has the plan's fingerprint (stale:
 *     something changed since the plan was made);
 *   - the entry's id was applied on this host before (single use: the ids are
 *     recorded in <state-dir>/saved-plans, under the apply lock). */
#pragma once
#include <stdbool.h>

#include "model/error.h"
#include "reconcile/host/pipeline.h"
#include "reconcile/plan/saved_plan.h"

#define SAVED_USED_FILE "saved-plans"

struct saved_apply_opts {
	const char *state_dir;
	const char *key_file;
	const char *next_key_file;     /* the prepared next key (wgf host rotate); NULL: none */
	/* This host's sealing key: the saved plan's PSKs (sealed copies) are
	 * opened with it; NULL or missing: they stay withheld. */
	const char *sealing_key_file;
	const char *host;              /* the entry to apply; NULL: by the key file's key, then by hostname */
	void (*warn)(const char *msg);
};

/* The entry for this host: o->host, else the one whose public key is the key
 * file's, else the one named like this machine. -ENOENT (said in err) when
 * none is. */
int saved_apply_pick(const struct saved_plan *sp, const struct saved_apply_opts *o,
		     const struct saved_plan_host **out, struct wgf_error *err);

/* Checks h of sp against this host and makes the plan to carry out (*plan and
 * *k, for pipeline_apply; the plan's source names the saved plan). The caller
 * holds the state lock, and records h's id (saved_used_add) before it applies.
 * On failure *refused says whether the plan was refused (err says which host
 * and why) rather than failed. Nothing is changed either way. */
int saved_apply_prepare(const struct saved_plan *sp, const struct saved_plan_host *h,
			const struct saved_apply_opts *o, struct plan **plan, struct kernel **k, bool *refused,
			struct wgf_error *err);

/* Whether id is recorded as applied in state_dir: 1 yes, 0 no, or a negative errno. */
int saved_used_check(const char *state_dir, const char *id);
/* Records id (fsynced, 0600). 0 or a negative errno. */
int saved_used_add(const char *state_dir, const char *id, const char *host);
