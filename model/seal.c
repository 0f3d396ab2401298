/* Sealed secrets (model/seal.h). */
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "model/key.h"
#include "model/seal.h"

#define SEAL_BOX_LEN (crypto_box_SEALBYTES + SEAL_SECRET_LEN)
#define SEAL_RAW_LEN (SEAL_FP_LEN + SEAL_BOX_LEN)

_Static_assert(SEAL_TEXT_LEN == ((SEAL_RAW_LEN + 2) / 3) * 4 + 1, "text length");

void seal_fingerprint(const uint8_t pub[SEAL_KEY_LEN], uint8_t fp[SEAL_FP_LEN])
{
	static const uint8_t purpose[] = "wgf seal recipient v1";

	crypto_generichash(fp, SEAL_FP_LEN, pub, SEAL_KEY_LEN, purpose, sizeof(purpose) - 1);
}

static bool decode(const char *text, uint8_t raw[SEAL_RAW_LEN])
{
	size_t len = 0;
	const char *end = NULL;

	if (!text || strlen(text) != SEAL_TEXT_LEN - 1)
		return false;
	if (sodium_base642bin(raw, SEAL_RAW_LEN, text, SEAL_TEXT_LEN - 1, NULL, &len, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0)
		return false;
	return len == SEAL_RAW_LEN && end && *end == '\0';
}

int seal_secret(const uint8_t secret[SEAL_SECRET_LEN], const uint8_t pub[SEAL_KEY_LEN],
		char text[SEAL_TEXT_LEN])
{
	uint8_t raw[SEAL_RAW_LEN];

	if (key_public_check(pub) != KEY_PUBLIC_OK)
		return -EINVAL;
	seal_fingerprint(pub, raw);
	if (crypto_box_seal(raw + SEAL_FP_LEN, secret, SEAL_SECRET_LEN, pub) != 0)
		return -EINVAL;
	sodium_bin2base64(text, SEAL_TEXT_LEN, raw, SEAL_RAW_LEN, sodium_base64_VARIANT_ORIGINAL);
	return 0;
}

bool seal_parse(const char *text, uint8_t fp[SEAL_FP_LEN])
{
	uint8_t raw[SEAL_RAW_LEN];

	if (!decode(text, raw))
		return false;
	memcpy(fp, raw, SEAL_FP_LEN);
	return true;
}

int seal_open(const char *text, const uint8_t pub[SEAL_KEY_LEN], const uint8_t priv[SEAL_KEY_LEN],
	      uint8_t secret[SEAL_SECRET_LEN])
{
	uint8_t raw[SEAL_RAW_LEN], fp[SEAL_FP_LEN];

	sodium_memzero(secret, SEAL_SECRET_LEN);
	if (!decode(text, raw))
		return -EINVAL;
	seal_fingerprint(pub, fp);
	if (sodium_memcmp(fp, raw, SEAL_FP_LEN) != 0)
		return -ENOKEY;
	if (crypto_box_seal_open(secret, raw + SEAL_FP_LEN, SEAL_BOX_LEN, pub, priv) != 0) {
		sodium_memzero(secret, SEAL_SECRET_LEN);
		return -EBADMSG;
	}
	return 0;
}

void seal_psk_id(const uint8_t psk[SEAL_SECRET_LEN], uint8_t id[SEAL_ID_LEN])
{
	static const uint8_t purpose[] = "wgf preshared key id v1";

	crypto_generichash(id, SEAL_ID_LEN, psk, SEAL_SECRET_LEN, purpose, sizeof(purpose) - 1);
}

char *seal_id_to_base64(const uint8_t id[SEAL_ID_LEN], char buf[SEAL_ID_B64_LEN])
{
	sodium_bin2base64(buf, SEAL_ID_B64_LEN, id, SEAL_ID_LEN, sodium_base64_VARIANT_ORIGINAL);
	return buf;
}

bool seal_id_from_base64(const char *s, uint8_t id[SEAL_ID_LEN])
{
	size_t len = 0;
	const char *end = NULL;

	if (!s || strlen(s) != SEAL_ID_B64_LEN - 1)
		return false;
	return sodium_base642bin(id, SEAL_ID_LEN, s, SEAL_ID_B64_LEN - 1, NULL, &len, &end,
				 sodium_base64_VARIANT_ORIGINAL) == 0 && len == SEAL_ID_LEN && end && *end == '\0';
}

int seal_public_from_private(uint8_t pub[SEAL_KEY_LEN], const uint8_t priv[SEAL_KEY_LEN])
{
	return crypto_scalarmult_base(pub, priv) == 0 ? 0 : -EINVAL;
}

bool seal_looks_plaintext_key(const char *text)
{
	uint8_t k[WG_KEY_LEN];
	bool r = key_from_base64(text, k);

	sodium_memzero(k, sizeof(k));
	return r;
}
