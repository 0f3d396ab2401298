#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "model/key.h"
#include "model/seal.h"
#include "tests/unit/unit.h"

static void keypair(uint8_t pub[SEAL_KEY_LEN], uint8_t priv[SEAL_KEY_LEN])
{
	key_generate_private(priv);
	CHECK(seal_public_from_private(pub, priv) == 0);
}

static void test_seal_roundtrip(void)
{
	uint8_t pub[32], priv[32], pub2[32], priv2[32], psk[32], out[32], fp[SEAL_FP_LEN], want_fp[SEAL_FP_LEN];
	char text[SEAL_TEXT_LEN], other[SEAL_TEXT_LEN];

	keypair(pub, priv);
	keypair(pub2, priv2);
	randombytes_buf(psk, sizeof(psk));
	CHECK(seal_secret(psk, pub, text) == 0);
	CHECK(strlen(text) == SEAL_TEXT_LEN - 1);
	CHECK(seal_parse(text, fp));
	seal_fingerprint(pub, want_fp);
	CHECK(!memcmp(fp, want_fp, SEAL_FP_LEN));
	CHECK(seal_open(text, pub, priv, out) == 0);
	CHECK(!memcmp(out, psk, 32));
	/* another recipient: refused by fingerprint */
	CHECK(seal_open(text, pub2, priv2, out) == -ENOKEY);
	CHECK(key_is_zero(out));
	/* two seals of one secret differ (ephemeral key) */
	CHECK(seal_secret(psk, pub, other) == 0);
	CHECK(strcmp(text, other) != 0);
	/* tampered box: the fingerprint matches, the box does not open */
	other[60] = other[60] == 'A' ? 'B' : 'A';
	CHECK(seal_open(other, pub, priv, out) == -EBADMSG);
	CHECK(key_is_zero(out));
	/* a forged fingerprint on another's box */
	CHECK(seal_secret(psk, pub2, other) == 0);
	memcpy(other, text, 12);   /* first 9 bytes (8 of fingerprint) come from text */
	CHECK(seal_open(other, pub, priv, out) == -EBADMSG);
}

static void test_seal_malformed(void)
{
	uint8_t pub[32], priv[32], out[32], fp[SEAL_FP_LEN], zero[32] = {0}, psk[32] = {1};
	char text[SEAL_TEXT_LEN], b64[WG_KEY_B64_LEN];

	keypair(pub, priv);
	CHECK(seal_open("", pub, priv, out) == -EINVAL);
	CHECK(seal_open("not base64 at all", pub, priv, out) == -EINVAL);
	CHECK(!seal_parse(NULL, fp));
	CHECK(seal_secret(psk, pub, text) == 0);
	text[SEAL_TEXT_LEN - 2] = '\0';
	CHECK(!seal_parse(text, fp));
	CHECK(seal_secret(psk, zero, text) == -EINVAL);
	CHECK(seal_looks_plaintext_key(key_to_base64(pub, b64)));
	CHECK(!seal_looks_plaintext_key("hello"));
	CHECK(seal_secret(psk, pub, text) == 0);
	CHECK(!seal_looks_plaintext_key(text));
}

static void test_seal_psk_id(void)
{
	uint8_t a[32] = {1}, b[32] = {2}, ia[SEAL_ID_LEN], ib[SEAL_ID_LEN], back[SEAL_ID_LEN];
	char buf[SEAL_ID_B64_LEN];

	seal_psk_id(a, ia);
	seal_psk_id(b, ib);
	CHECK(memcmp(ia, ib, SEAL_ID_LEN) != 0);
	CHECK(strlen(seal_id_to_base64(ia, buf)) == 24);
	CHECK(seal_id_from_base64(buf, back) && !memcmp(back, ia, SEAL_ID_LEN));
	CHECK(!seal_id_from_base64("short", back));
}

int main(void)
{
	RUN(test_seal_roundtrip);
	RUN(test_seal_malformed);
	RUN(test_seal_psk_id);
	UNIT_DONE();
}
