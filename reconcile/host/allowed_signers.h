/* The allowed-signers file (/etc/wgf/allowed_signers): git's
 * gpg.ssh.allowedSignersFile format, which ssh-keygen(1) describes under
 * ALLOWED SIGNERS. One signer a line: principals, optional options, key type,
 * base64 key, optional comment:
 *
 *   alice@example.org namespaces="git",valid-after="20260101" ssh-ed25519 AAAAC3Nza… alice
 *
 * Options: namespaces="a,b" (the signature's namespace must be one of them),
 * valid-after="YYYYMMDD[HHMM[SS]][Z]" and valid-before="…" (times are UTC
 * here; ssh-keygen reads them as local time unless they end in Z), and
 * cert-authority (certificates are not accepted: such a line never matches).
 * Keys of another type than ssh-ed25519 are kept but never match (wgf verifies
 * Ed25519 only). Pure. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/error.h"
#include "reconcile/host/sshsig.h"

struct allowed_signer {
	char *principals;              /* as written: "alice@example.org,*@ops.example.org" */
	char *namespaces;              /* NULL: any namespace */
	bool cert_authority;
	bool has_valid_after, has_valid_before;
	int64_t valid_after, valid_before;   /* unix seconds */
	char key_type[32];
	bool ed25519;                  /* key holds an Ed25519 key */
	uint8_t key[SSHSIG_ED25519_KEY_LEN];
	unsigned line;
};

struct allowed_signers {
	struct allowed_signer *v;
	size_t n;
};

/* Parses the whole file. A line that is not a signer is -EBADMSG, said in err
 * as "FILE:LINE: …". */
int allowed_signers_parse(const char *text, size_t len, const char *file, struct allowed_signers *out,
			  struct wgf_error *err);
void allowed_signers_clear(struct allowed_signers *a);

/* The first signer whose key is s's and who may sign for s's namespace at the
 * time when (unix seconds, the commit's). NULL when there is none; *why then
 * says the nearest reason ("no allowed signer has this key", "… not for
 * namespace …", "… not valid before …", "… expired on …"). */
const struct allowed_signer *allowed_signers_find(const struct allowed_signers *a, const struct sshsig *s,
						  int64_t when, const char **why);
