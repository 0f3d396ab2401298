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
