/* The pipeline: which host this is, its desired state rendered from the Model,
 * its observed state (from this kernel, or given as data), wgf's records, and
 * the diff of the two: a Plan. Then carrying a plan out and recording it. cmd/
 * calls these and prints; nothing here prints but through opts->warn. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "model/error.h"
#include "model/hoststate.h"
#include "model/model.h"
#include "reconcile/host/apply.h"
#include "reconcile/host/converged.h"
#include "reconcile/host/statedir.h"
#include "reconcile/kernel/kernel.h"
#include "reconcile/plan/plan.h"
#include "render/render.h"

struct pipeline_opts {
	const char *state_dir;
	const char *key_file;          /* NULL: plan without this host's key */
	bool key_file_given;           /* named by the user: a missing file is an error */
	bool need_key;                 /* apply: the private key is required */
	/* The prepared next key (wgf host rotate): planned with when the Host
	 * declares its public half; NULL: never. */
	const char *next_key_file;
	/* This host's sealing key (secrets sealed to it); NULL or missing: none. */
	const char *sealing_key_file;
	const char *host;              /* the Host to plan for; NULL: by key, then by hostname */
	int64_t now;                   /* unix seconds, for peer expiry */
	unsigned expiry_warning;       /* days ahead to name expiring peers; 0: off */
	/* Set: pipeline_plan fills it with what it observed (all but revision and
	 * version), for the next no-op reconcile (reconcile/host/converged.h). */
	struct converged *converged;
	/* Per model host, the hubs found unreachable (render_opts.hub_down); NULL:
	 * every hub healthy. pipeline_plan probes them itself (hub_probe.h). */
	const bool *hub_down;
	/* Each plan carries the fingerprint of the observed state it was made
	 * against (plan->fingerprint, snapshot_fingerprint): for saved plans. */
	bool fingerprint;
	/* Compiled firewalls shared by the plans of many hosts (render_opts.fw_cache);
	 * NULL: each plan compiles its own. */
	struct fw_cache *fw_cache;
	/* Something worth saying that does not stop the plan ("no private key at …"). */
	void (*warn)(const char *msg);
};

/* The host a plan is for: a Host of the Model and, when the key file was read,
 * its private key; when the sealing key file was, its sealing key pair (all
 * zeroed by pipeline_host_clear). */
struct pipeline_host {
	const struct model_host *host;
	bool has_private_key;
	uint8_t private_key[WG_KEY_LEN];
	/* private_key is the prepared next key, which the Host's publicKey names:
	 * applying the plan makes it the key file (plan->next_key). */
	bool next_key;
	bool has_sealing_key;
	uint8_t sealing_priv[32], sealing_pub[32];
};
/* Reads the key file and picks the Host: opts->host, else the one whose
 * publicKey matches the key (or the prepared next key), else the one named
 * like this machine. A Host that declares the prepared key's public half is
 * planned with that key; a key that belongs to another Host than the one
 * picked is an error. Reads the sealing key when there is one. */
int pipeline_identify(const struct model *m, const struct pipeline_opts *o, struct pipeline_host *out,
		      struct wgf_error *err);
void pipeline_host_clear(struct pipeline_host *ph);

/* Planning for this host. pipeline_begin reads which interfaces wgf owns and
 * starts observing them while the caller loads the Model (that is what a
 * converged host spends its time on); pipeline_plan does the rest. */
struct pipeline;
int pipeline_begin(const char *state_dir, struct pipeline **out, struct wgf_error *err);
/* *plan and *k (the kernel apply goes on with) are set on success. */
int pipeline_plan(struct pipeline *pl, const struct model *m, const struct pipeline_opts *o,
		  struct plan **plan, struct kernel **k, struct wgf_error *err);
/* What pipeline_plan reads from this host, as a snapshot (reconcile/host/snapshot.h). */
struct json_object;
int pipeline_snapshot(struct pipeline *pl, const struct model *m, const struct pipeline_opts *o,
		      struct json_object **out, struct wgf_error *err);
void pipeline_free(struct pipeline *pl);

/* The pure part: renders ph's desired state and diffs it against observed
 * (taken, whatever is returned) with the records rec (may be NULL: none). No
 * kernel, no root: this plans for any host from any observed state. */
int pipeline_plan_observed(const struct model *m, const struct pipeline_host *ph,
			   const struct pipeline_opts *o, struct host_state *observed,
			   const struct statedir_records *rec, struct plan **plan, struct wgf_error *err);

/* The plan for Host host of head on a host converged on base (NULL: on a
 * host that has nothing yet), or on what was seen there (a snapshot's
 * observed state, taken, and its records) when seen is given: what merging
 * head changes there. A Host only in base plans the removal of all it had.
 * Pure, no key: device keys are left alone. */
int pipeline_plan_base(const struct model *base, const struct model *head, const char *host,
		       const struct pipeline_opts *o, struct host_state *seen, const struct statedir_records *seen_rec,
		       struct plan **plan, struct wgf_error *err);

/* A saved plan's desired state against this host: observes it as a plan for
 * desired does (its interfaces and those wgf owns, its sysctls, the table
 * when wanted or recorded) and diffs. desired is taken; *plan carries the
 * fingerprint of what was observed, *k the kernel apply goes on with. */
int pipeline_plan_saved(struct pipeline *pl, const char *host, struct host_state *desired,
			const struct pipeline_opts *o, struct plan **plan, struct kernel **k, struct wgf_error *err);

/* Carries p out (apply_plan), then journals the result and records what was
 * applied (declared endpoints; a firewall record that went stale is removed).
 * A converged plan is not carried out: it only brings the records up to date.
 * A plan made with the prepared next key (p->next_key), once carried out (or
 * converged), makes ao->next_key_file the key file ao->key_file and journals
 * the rotation; a failure to switch is said through warn (the next run
 * switches).
 * res as for apply_plan; warn (may be NULL) hears what could not be recorded
 * and res->warning. */
int pipeline_apply(struct kernel *k, const struct plan *p, const struct apply_opts *ao,
		   void (*warn)(const char *msg), struct apply_result *res);

/* Observes what c says was observed when the host converged and compares the
 * digests: *same is true when nothing a plan reads has changed. */
int pipeline_converged_check(const char *state_dir, const struct converged *c, bool *same, struct wgf_error *err);

/* What `wgf status` shows: these interfaces and those wgf owns, as the kernel
 * has them, and wgf's nftables table against its record (*fw_drift stays -1
 * when the table cannot be read). With why_never, a device where a peer never
 * handshook also gets port_blocked (the whole ruleset is listed for it). */
int pipeline_status(const char *state_dir, const char *const *ifnames, size_t n_ifnames, bool why_never,
		    struct host_state **out, int *fw_drift, struct wgf_error *err);
