/* SSH signatures: OpenSSH's SSHSIG format (PROTOCOL.sshsig), which git writes
 * for commits and tags signed with gpg.format=ssh. The armored block is read
 * and checked against the signed data natively (libsodium's Ed25519 and
 * SHA-2): no ssh-keygen, no gpg. Pure. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "model/error.h"
#include "model/key.h"

#define SSHSIG_NAMESPACE_GIT "git"
#define SSHSIG_ED25519_KEY_LEN 32
#define SSHSIG_ED25519_SIG_LEN 64

struct sshsig {
	uint32_t version;                              /* 1 */
	char key_type[32];                             /* "ssh-ed25519" */
	uint8_t public_key[SSHSIG_ED25519_KEY_LEN];
	char namespace_[64];                           /* "git" for commits and tags */
	char hash[16];                                 /* "sha512" or "sha256" */
	uint8_t signature[SSHSIG_ED25519_SIG_LEN];
};

/* Reads an armored signature ("-----BEGIN SSH SIGNATURE-----" …). A block that
 * is not one is -EBADMSG; a version, key type or hash this code does not verify
 * is -EOPNOTSUPP; err says which. */
int sshsig_parse(const char *armored, size_t len, struct sshsig *out, struct wgf_error *err);

/* Checks that s signs msg for the namespace ns: -EPERM (another namespace) or
 * -EKEYREJECTED (the signature does not match), said in err; 0 when it holds.
 * Which key signed is s->public_key: whether it is trusted is the caller's. */
int sshsig_verify(const struct sshsig *s, const char *ns, const void *msg, size_t len, struct wgf_error *err);

/* "SHA256:…" as ssh-keygen -l prints it for the signing key (buf: at least
 * SSHSIG_FINGERPRINT_LEN bytes). */
#define SSHSIG_FINGERPRINT_LEN 51
const char *sshsig_fingerprint(const struct sshsig *s, char *buf);
