/* WireGuard keys: base64 and hex encoding, clamping, derivation, fingerprints. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WG_KEY_LEN 32
#define WG_KEY_B64_LEN 45      /* 44 characters + NUL */
#define WG_KEY_HEX_LEN 65      /* 64 characters + NUL */
#define WG_KEY_FP_LEN 12       /* "abcdefgh…" (8 chars + UTF-8 ellipsis + NUL) */

/* Must be called once before any other key_* function (sodium_init). */
int key_init(void);
/* Exactly 44 characters of standard base64 that decode to 32 bytes. */
bool key_from_base64(const char *s, uint8_t key[WG_KEY_LEN]);
char *key_to_base64(const uint8_t key[WG_KEY_LEN], char buf[WG_KEY_B64_LEN]);
bool key_from_hex(const char *s, size_t len, uint8_t key[WG_KEY_LEN]);
char *key_to_hex(const uint8_t key[WG_KEY_LEN], char buf[WG_KEY_HEX_LEN]);
void key_clamp(uint8_t key[WG_KEY_LEN]);
/* Compare two private keys after clamping both (kernel and wireguard-go clamp). */
bool key_private_equal(const uint8_t a[WG_KEY_LEN], const uint8_t b[WG_KEY_LEN]);
bool key_is_zero(const uint8_t key[WG_KEY_LEN]);

/* Why a public key (a Curve25519 u-coordinate, little-endian) cannot be a peer's. */
enum key_public_problem {
	KEY_PUBLIC_OK = 0,
	KEY_PUBLIC_ZERO,           /* 32 zero bytes: a placeholder */
	KEY_PUBLIC_LOW_ORDER,      /* a point of order 1, 2, 4 or 8 (libsodium's blocklist) */
	KEY_PUBLIC_TOP_BIT,        /* bit 255 set: not canonical */
	KEY_PUBLIC_NOT_REDUCED,    /* >= 2^255 - 19: not canonical */
};
enum key_public_problem key_public_check(const uint8_t key[WG_KEY_LEN]);
/* The canonical encoding of the same point: bit 255 cleared, reduced mod 2^255 - 19.
 * Two keys name the same peer exactly when their canonical forms are equal. */
void key_public_canonical(uint8_t out[WG_KEY_LEN], const uint8_t key[WG_KEY_LEN]);
void key_generate_private(uint8_t key[WG_KEY_LEN]);
int key_public_from_private(uint8_t pub[WG_KEY_LEN], const uint8_t priv[WG_KEY_LEN]);
/* First 8 base64 characters and an ellipsis: what plans print for a public key. */
char *key_fingerprint(const uint8_t pub[WG_KEY_LEN], char buf[WG_KEY_FP_LEN]);
