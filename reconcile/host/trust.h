/* Whether a fetched revision may be applied: its SSH signature (git's
 * gpg.format=ssh) checked natively against the allowed signers, per the
 * host's verify mode, and that it does not go back in history. Reads the
 * mirror's objects; nothing else. */
#pragma once
#include <stdbool.h>

#include "model/error.h"
#include "reconcile/host/allowed_signers.h"
#include "reconcile/host/hostconf.h"
#include "reconcile/host/sshsig.h"

struct git_repository;

struct trust_verdict {
	char commit[41];               /* the commit to apply (a tag peeled) */
	char tag[41];                  /* verify = tag: the tag object; else "" */
	bool signed_;                  /* an SSH signature was read */
	char fingerprint[SSHSIG_FINGERPRINT_LEN];   /* its key, when signed_ */
	char *principal;               /* the allowed signer's principals, when trusted */
};
void trust_verdict_clear(struct trust_verdict *v);

/* Checks the object oid_hex (what the ref points at) for mode. 0: trusted;
 * -EPERM: refused, err says why (v says who signed, if anyone); other
 * negative errnos: the mirror could not be read. */
int trust_check(struct git_repository *repo, const char *oid_hex, enum hostconf_verify mode,
		const struct allowed_signers *as, const char *as_file, struct trust_verdict *v,
		struct wgf_error *err);

/* 0 when commit new_hex is old_hex or descends from it; -EPERM (said in err)
 * when it does not; other negative errnos when the history cannot be read. */
int trust_descends(struct git_repository *repo, const char *new_hex, const char *old_hex, struct wgf_error *err);

/* trust_check of oid_hex in the bare repository at mirror, for hc's verify
 * mode and allowed signers (read here when the mode is not off); with old_hex
 * (not NULL) also trust_descends from it. The same returns. */
int trust_check_mirror(const char *mirror, const char *oid_hex, const struct hostconf *hc, const char *old_hex,
		       struct trust_verdict *v, struct wgf_error *err);
