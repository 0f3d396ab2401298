/* What a converged host looked like (<state-dir>/converged): the revision
 * whose plan was empty, for which host and key, what was observed then (the
 * interfaces, sysctls and whether the table) and a digest of it. While the
 * revision, host, key and wgf are the same and no peer has expired since, a
 * host whose observation has that digest again needs no plan: the no-op
 * reconcile observes and compares, and loads nothing. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/hoststate.h"
#include "reconcile/host/snapshot.h"

#define CONVERGED_FILE "converged"

struct converged {
	char *revision;                /* 40-hex commit */
	char *host;                    /* the Host's name */
	char *public_key;              /* base64: the key file's at the time */
	char *version;                 /* WGF_VERSION that rendered it */
	int64_t valid_until;           /* unix seconds: the first peer expiry after it; 0: none */
	uint8_t digest[SNAPSHOT_DIGEST_LEN];
	char **ifnames;                /* what was observed */
	size_t n_ifnames;
	char **sysctl_keys;
	size_t n_sysctl_keys;
	bool firewall;                 /* the table was observed */
	/* The table and wgf's record of it, which are big: the ruleset's stamp
	 * (read before the table was) and a digest of the record file as it was. */
	bool has_fw_stamp;
	struct hs_fw_stamp fw_stamp;
	uint8_t fw_record_digest[SNAPSHOT_DIGEST_LEN];
};

/* The digest of <state-dir>/firewall's bytes (a missing file has one too). */
int converged_fw_record_digest(const char *state_dir, uint8_t out[SNAPSHOT_DIGEST_LEN]);

/* Missing: -ENOENT; damaged: -EBADMSG (then it is only not used). */
int converged_load(const char *state_dir, struct converged *out);
int converged_save(const char *state_dir, const struct converged *c);
int converged_remove(const char *state_dir);
void converged_clear(struct converged *c);
int converged_parse(const char *text, size_t len, struct converged *out);
