/* Sealed secrets: a secret (a preshared key) encrypted with libsodium's sealed
 * boxes to each recipient (a Host's or an Operator's X25519 sealing key) that
 * must read it. Only the holder of that recipient's private key can open it.
 *
 * Text form of one sealed value, as written in the repository:
 *   base64( fingerprint(recipient public key)[8] || crypto_box_seal(secret) )
 * The fingerprint lets validation say "sealed to an older key of host X"
 * without any private key. A secret also has a public id (BLAKE2b of the
 * secret, keyed by purpose), so plans can tell that it changed without it. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SEAL_KEY_LEN 32            /* X25519 public or private key */
#define SEAL_FP_LEN 8              /* recipient fingerprint in a sealed value */
#define SEAL_SECRET_LEN 32         /* a preshared key */
#define SEAL_ID_LEN 16             /* a secret's public id */
#define SEAL_ID_B64_LEN 25         /* 24 characters + NUL */
/* base64 of 8 + 48 + 32 bytes = 88 -> 120 characters + NUL */
#define SEAL_TEXT_LEN 121

/* The recipient fingerprint of a sealing public key. */
void seal_fingerprint(const uint8_t pub[SEAL_KEY_LEN], uint8_t fp[SEAL_FP_LEN]);

/* Seal a SEAL_SECRET_LEN-byte secret to pub into text (SEAL_TEXT_LEN). Returns 0 or -EINVAL. */
int seal_secret(const uint8_t secret[SEAL_SECRET_LEN], const uint8_t pub[SEAL_KEY_LEN],
		char text[SEAL_TEXT_LEN]);

/* Is text a well-formed sealed value? Gives its recipient fingerprint. */
bool seal_parse(const char *text, uint8_t fp[SEAL_FP_LEN]);

/* Open text with the recipient's key pair into secret. Returns 0; -EINVAL when
 * text is not a sealed value; -ENOKEY when it was sealed to another key;
 * -EBADMSG when the box does not open (tampered, or a forged fingerprint).
 * secret is zeroed on failure. */
int seal_open(const char *text, const uint8_t pub[SEAL_KEY_LEN], const uint8_t priv[SEAL_KEY_LEN],
	      uint8_t secret[SEAL_SECRET_LEN]);

/* The public id of a preshared key, and its text form (base64, 24 characters). */
void seal_psk_id(const uint8_t psk[SEAL_SECRET_LEN], uint8_t id[SEAL_ID_LEN]);
char *seal_id_to_base64(const uint8_t id[SEAL_ID_LEN], char buf[SEAL_ID_B64_LEN]);
bool seal_id_from_base64(const char *s, uint8_t id[SEAL_ID_LEN]);

/* A sealing public key from its private key (X25519). Returns 0 or -EINVAL. */
int seal_public_from_private(uint8_t pub[SEAL_KEY_LEN], const uint8_t priv[SEAL_KEY_LEN]);

/* Does text look like a WireGuard key in the clear (44 characters of base64
 * that decode to 32 bytes)? Validation refuses those where a sealed value belongs. */
bool seal_looks_plaintext_key(const char *text);
