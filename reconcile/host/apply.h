/* Apply: carry out a plan against the kernel, in the plan's order. */
#pragma once
#include <stdbool.h>
#include <stdio.h>

#include "model/error.h"
#include "reconcile/plan/plan.h"
#include "reconcile/kernel/kernel.h"

struct apply_opts {
	enum hs_backend backend;       /* for new links: AUTO = kernel if available, else userspace */
	const char *wireguard_go;      /* NULL = $WGF_WIREGUARD_GO or "wireguard-go" */
	const char *state_dir;         /* records the interfaces wgf created */
	FILE *log;                     /* step-by-step report; NULL = quiet */
	bool color;
	bool progress;                 /* a terminal: show progress of long steps on stderr */
	/* For the journal (pipeline_apply): what is applied and who signed it. */
	const char *revision;          /* the commit id (40 hex), or NULL (a directory) */
	const char *signer_principal;  /* the verified signer ("alice@example.org"), or NULL */
	const char *signer_fingerprint;    /* their key ("SHA256:…"), or NULL */
	/* A plan made with the prepared next key (plan->next_key): the key files
	 * pipeline_apply switches once it is applied. */
	const char *key_file, *next_key_file;
};

struct apply_result {
	size_t done;                   /* actions carried out */
	struct wgf_error error;        /* "peer "alice" on wg0: <kernel's reason>" */
	bool rolled_back;              /* the partial apply was undone */
	struct wgf_error rollback_error;   /* set when undoing failed too */
	/* Applied, but something worth saying went wrong: a note, not an error (the
	 * apply succeeded and returns 0). */
	char *warning;
};

/* Returns 0, or a negative errno with res->error set. On failure it undoes what this
 * apply did where it can (interfaces it created are deleted, changed objects are set
 * back to what was observed, the nftables table is restored from its listing) and
 * says so in res. A table body the kernel refuses fails before anything changes.
 * After changing the nftables table it records it in o->state_dir (state.h). */
int apply_plan(struct kernel *k, const struct plan *p, const struct apply_opts *o,
	       struct apply_result *res);
void apply_result_clear(struct apply_result *res);
