#include "model/key.h"

#include <sodium.h>
#include <string.h>

int key_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

bool key_from_base64(const char *s, uint8_t key[WG_KEY_LEN])
{
	size_t bin_len = 0;
	const char *end = NULL;

	if (strlen(s) != 44 || s[43] != '=')
		return false;
	if (sodium_base642bin(key, WG_KEY_LEN, s, 44, NULL, &bin_len, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		return false;
	return bin_len == WG_KEY_LEN && end == s + 44;
}

char *key_to_base64(const uint8_t key[WG_KEY_LEN], char buf[WG_KEY_B64_LEN])
{
	sodium_bin2base64(buf, WG_KEY_B64_LEN, key, WG_KEY_LEN, sodium_base64_VARIANT_ORIGINAL);
	return buf;
}

bool key_from_hex(const char *s, size_t len, uint8_t key[WG_KEY_LEN])
{
	size_t bin_len = 0;
	const char *end = NULL;

	if (len != 64)
		return false;
	if (sodium_hex2bin(key, WG_KEY_LEN, s, len, NULL, &bin_len, &end) != 0)
		return false;
	return bin_len == WG_KEY_LEN && end == s + len;
}

char *key_to_hex(const uint8_t key[WG_KEY_LEN], char buf[WG_KEY_HEX_LEN])
{
	sodium_bin2hex(buf, WG_KEY_HEX_LEN, key, WG_KEY_LEN);
	return buf;
}

void key_clamp(uint8_t key[WG_KEY_LEN])
{
	key[0] &= 248;
	key[31] = (uint8_t)((key[31] & 127) | 64);
}

bool key_private_equal(const uint8_t a[WG_KEY_LEN], const uint8_t b[WG_KEY_LEN])
{
	uint8_t ca[WG_KEY_LEN], cb[WG_KEY_LEN];
	bool eq;

	memcpy(ca, a, WG_KEY_LEN);
	memcpy(cb, b, WG_KEY_LEN);
	key_clamp(ca);
	key_clamp(cb);
	eq = sodium_memcmp(ca, cb, WG_KEY_LEN) == 0;
	sodium_memzero(ca, sizeof(ca));
	sodium_memzero(cb, sizeof(cb));
	return eq;
}

bool key_is_zero(const uint8_t key[WG_KEY_LEN])
{
	return sodium_is_zero(key, WG_KEY_LEN);
}

/* p = 2^255 - 19, little-endian: ed ff .. ff 7f. */
static bool at_least_p(const uint8_t k[WG_KEY_LEN])
{
	if (k[31] != 0x7f || k[0] < 0xed)
		return false;
	for (size_t i = 1; i < 31; i++)
		if (k[i] != 0xff)
			return false;
	return true;
}

void key_public_canonical(uint8_t out[WG_KEY_LEN], const uint8_t key[WG_KEY_LEN])
{
	memcpy(out, key, WG_KEY_LEN);
	out[31] &= 0x7f;
	if (at_least_p(out)) {
		/* p <= u < 2^255: u - p = out[0] - 0xed, a number below 19 */
		uint8_t low = (uint8_t)(out[0] - 0xed);
		memset(out, 0, WG_KEY_LEN);
		out[0] = low;
	}
}

/* The u-coordinates of the points of small order, in canonical form: the
 * points of libsodium's blocklist (crypto_scalarmult/curve25519/ref10) once
 * bit 255 is cleared and p, p + 1 are reduced to 0, 1. */
static const uint8_t low_order[][WG_KEY_LEN] = {
	{ 0 },                                                     /* 0, order 4 */
	{ 1 },                                                     /* 1, order 1 */
	{ 0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a,
	  0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00 },
	{ 0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef, 0x5b,
	  0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57 },
	{ 0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f },  /* p - 1, order 2 */
};

enum key_public_problem key_public_check(const uint8_t key[WG_KEY_LEN])
{
	uint8_t c[WG_KEY_LEN];

	if (key_is_zero(key))
		return KEY_PUBLIC_ZERO;
	key_public_canonical(c, key);
	for (size_t i = 0; i < sizeof(low_order) / sizeof(low_order[0]); i++)
		if (!memcmp(c, low_order[i], WG_KEY_LEN))
			return KEY_PUBLIC_LOW_ORDER;
	if (key[31] & 0x80)
		return KEY_PUBLIC_TOP_BIT;
	if (memcmp(c, key, WG_KEY_LEN))
		return KEY_PUBLIC_NOT_REDUCED;
	return KEY_PUBLIC_OK;
}

void key_generate_private(uint8_t key[WG_KEY_LEN])
{
	randombytes_buf(key, WG_KEY_LEN);
	key_clamp(key);
}

int key_public_from_private(uint8_t pub[WG_KEY_LEN], const uint8_t priv[WG_KEY_LEN])
{
	uint8_t c[WG_KEY_LEN];
	int r;

	memcpy(c, priv, WG_KEY_LEN);
	key_clamp(c);
	r = crypto_scalarmult_base(pub, c);
	sodium_memzero(c, sizeof(c));
	return r == 0 ? 0 : -1;
}

char *key_fingerprint(const uint8_t pub[WG_KEY_LEN], char buf[WG_KEY_FP_LEN])
{
	char b64[WG_KEY_B64_LEN];

	key_to_base64(pub, b64);
	memcpy(buf, b64, 8);
	memcpy(buf + 8, "\xe2\x80\xa6", 3);
	buf[11] = '\0';
	return buf;
}
