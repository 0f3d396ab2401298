/* A saved plan: plans written by `wgf plan --out FILE` with everything needed
 * to check them later on the host, and read back by `wgf apply FILE`. One
 * JSON object:
 *
 *   {"kind": "wgf-saved-plan", "format_version": 1,
 *    "wgf_version": "0.1.0",                  (as `wgf version` prints it)
 *    "source": {"description": "commit 1a2b3c4d5e6f (main)",
 *               "commit": 40-hex|null, "tree": 40-hex|null,
 *               "directory": PATH|null, "pinned": true|false},
 *    "signer": {"principal": P|null, "fingerprint": F|null}|null,
 *    "hosts": [{"host": NAME, "id": 32-hex, "public_key": BASE64,
 *               "fingerprint": 64-hex, "desired": {...}, "plan": {...}}]}
 *
 * Per host: its identity (the Host's publicKey), the fingerprint of the
 * observed state the plan was made against (reconcile/host/snapshot.h
 * snapshot_fingerprint), the desired state it was made for (no secrets: a
 * device key is its public key; a desired PSK is refused), and the plan
 * (plan_to_json, read back by plan_from_json). id is the entry's own, for
 * single use. hosts are written sorted by name (read in any order), one
 * entry per name. The signer is
 * the one the planning side verified (reconcile's trust code); a reader
 * takes it as a claim. Never a private
 * key or a preshared key. Pure: no files, no clock, no randomness (the ids
 * are given).
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/error.h"
#include "model/hoststate.h"
#include "reconcile/plan/plan.h"

#define SAVED_PLAN_KIND "wgf-saved-plan"
#define SAVED_PLAN_FORMAT 1
#define SAVED_PLAN_ID_LEN 32           /* hex digits */
/* The largest saved plan read (a fleet of 1,000 hosts and 50,000 peers fits). */
#define SAVED_PLAN_MAX_SIZE (256u << 20)

struct json_object;

struct saved_plan_host {
	char *name;
	char id[SAVED_PLAN_ID_LEN + 1];
	bool has_public_key;
	uint8_t public_key[WG_KEY_LEN];        /* the Host's publicKey */
	uint8_t fingerprint[PLAN_FINGERPRINT_LEN];
	struct host_state *desired;            /* device keys withheld (public_key) */
	struct plan *plan;                     /* as plan_from_json reads it */
	struct json_object *plan_json;         /* plan_to_json's object, as written */
};

struct saved_plan {
	char *wgf_version;
	char *source;                          /* the plans' "commit 1a2b3c4d5e6f (main)" */
	char *commit, *tree;                   /* NULL: not from git */
	char *directory;                       /* a directory source; not pinned */
	char *signer_principal, *signer_fingerprint;   /* the verified signer; both NULL: none */
	struct saved_plan_host *hosts;         /* sorted by name */
	size_t n_hosts;
};

/* An empty saved plan of this wgf for plans of source (a model's source
 * text), commit and tree (NULL: a directory, then directory says which).
 * NULL when out of memory. */
struct saved_plan *saved_plan_new(const char *wgf_version, const char *source, const char *commit,
				  const char *tree, const char *directory);
void saved_plan_free(struct saved_plan *sp);

/* Adds p (a plan made with its fingerprint and host key, pipeline_opts.fingerprint)
 * under id (SAVED_PLAN_ID_LEN lower-case hex digits). -EINVAL (said in err)
 * for a plan without a fingerprint or host key, a second entry of one host,
 * an id that is not one, or a desired PSK (it cannot be saved); -ENOMEM. */
int saved_plan_add(struct saved_plan *sp, const struct plan *p, const char *id, struct wgf_error *err);

/* The JSON text (one line and a newline; the caller frees it), NULL when out of memory. */
char *saved_plan_format(const struct saved_plan *sp);

/* Reads a saved plan (text up to len or a NUL). Malformed: -EBADMSG, said in
 * err with where: "name:LINE:COL: …" for JSON that does not parse, the JSON
 * path ("hosts[1].plan.changes[3]: …") for a value that is wrong. */
int saved_plan_parse(const char *text, size_t len, const char *name, struct saved_plan **out, struct wgf_error *err);

/* The entry of host, or NULL. */
const struct saved_plan_host *saved_plan_find(const struct saved_plan *sp, const char *host);

/* One file of several single- or multi-host saved plans (the fleet's): they
 * must be of the same wgf, source and signer, and name each host once
 * (-EINVAL, said in err). Entries keep their ids. */
int saved_plan_merge(const struct saved_plan *const *v, size_t n, struct saved_plan **out, struct wgf_error *err);
/* The saved plan of host alone, its entry's id kept: -ENOENT when it has none. */
int saved_plan_split(const struct saved_plan *sp, const char *host, struct saved_plan **out, struct wgf_error *err);
