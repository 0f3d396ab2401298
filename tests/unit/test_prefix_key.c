#include <sodium.h>

#include "model/key.h"
#include "model/prefix.h"
#include "tests/unit/unit.h"

static void test_prefix_parse_format(void)
{
	struct wgf_prefix p;
	char buf[PREFIX_STRLEN];

	CHECK(prefix_parse("10.1.2.3/24", false, &p));
	CHECK_STR(prefix_format(&p, buf), "10.1.2.3/24");
	CHECK(!prefix_is_network(&p));
	prefix_mask(&p);
	CHECK_STR(prefix_format(&p, buf), "10.1.2.0/24");
	CHECK(prefix_parse("fd00:10::1", true, &p));
	CHECK_STR(prefix_format(&p, buf), "fd00:10::1/128");
	CHECK(!prefix_parse("fd00:10::1", false, &p));
	CHECK(!prefix_parse("10.0.0.0/33", false, &p));
	CHECK(!prefix_parse("10.0.0.0/08", false, &p));
	CHECK(!prefix_parse("10.0.0/8", false, &p));
	CHECK(!prefix_parse("", true, &p));
	CHECK(!prefix_parse("/8", true, &p));
	CHECK(!prefix_parse("10.0.0.0/", true, &p));
	CHECK(!prefix_parse("10.0.0.0/-1", true, &p));
}

static void test_prefix_relations(void)
{
	struct wgf_prefix a, b, c, d;

	CHECK(prefix_parse("10.0.0.0/8", false, &a));
	CHECK(prefix_parse("10.2.0.0/16", false, &b));
	CHECK(prefix_parse("11.0.0.0/8", false, &c));
	CHECK(prefix_parse("fd00::/8", false, &d));
	CHECK(prefix_contains(&a, &b));
	CHECK(!prefix_contains(&b, &a));
	CHECK(prefix_overlaps(&a, &b) && prefix_overlaps(&b, &a));
	CHECK(!prefix_overlaps(&a, &c));
	CHECK(!prefix_overlaps(&a, &d));
	CHECK(prefix_cmp(&a, &b) < 0);
	CHECK(prefix_cmp(&a, &d) < 0);
}

static void test_endpoint(void)
{
	struct wgf_endpoint e, f;
	char buf[ENDPOINT_STRLEN];

	CHECK(endpoint_parse("192.0.2.1:51820", &e));
	CHECK_STR(endpoint_format(&e, buf), "192.0.2.1:51820");
	CHECK(endpoint_parse("[2001:db8::1]:443", &f));
	CHECK_STR(endpoint_format(&f, buf), "[2001:db8::1]:443");
	CHECK(!endpoint_equal(&e, &f));
	CHECK(!endpoint_parse("192.0.2.1", &e));
	CHECK(!endpoint_parse("192.0.2.1:0", &e));
	CHECK(!endpoint_parse("192.0.2.1:65536", &e));
	CHECK(!endpoint_parse("2001:db8::1:80", &e));
	CHECK(!endpoint_parse("example.com:80", &e));
}

static void test_keys(void)
{
	uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN], back[WG_KEY_LEN];
	char b64[WG_KEY_B64_LEN], hex[WG_KEY_HEX_LEN], fp[WG_KEY_FP_LEN];

	CHECK(key_init() == 0);
	key_generate_private(priv);
	CHECK(key_public_from_private(pub, priv) == 0);
	key_to_base64(pub, b64);
	CHECK(strlen(b64) == 44);
	CHECK(key_from_base64(b64, back) && !memcmp(back, pub, WG_KEY_LEN));
	key_to_hex(pub, hex);
	CHECK(key_from_hex(hex, 64, back) && !memcmp(back, pub, WG_KEY_LEN));
	key_fingerprint(pub, fp);
	CHECK(!strncmp(fp, b64, 8));
	CHECK(!key_from_base64("too short", back));
	CHECK(!key_from_base64("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", back));   /* 43 chars */
	CHECK(!key_from_base64("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA!=", back));
	/* unclamped and clamped forms of one key compare equal */
	memcpy(back, priv, WG_KEY_LEN);
	back[0] |= 7;
	CHECK(key_private_equal(back, priv));
	back[1] ^= 1;
	CHECK(!key_private_equal(back, priv));
	/* known vector: wg pubkey of the all-0x01 key, clamped */
	memset(priv, 1, WG_KEY_LEN);
	CHECK(key_public_from_private(pub, priv) == 0);
	CHECK_STR(key_to_base64(pub, b64), "pOCSkrZRwni5dyxWn1+puxPZBrRqtoyd+dwrRAn4ogk=");
}

static enum key_public_problem check_b64(const char *s)
{
	uint8_t k[WG_KEY_LEN];

	if (!key_from_base64(s, k))
		return (enum key_public_problem)-1;
	return key_public_check(k);
}

static void test_public_key_check(void)
{
	static const char *const low_order[] = {
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",   /* 0 */
		"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",   /* 1 */
		"4Ot6fDtBuK4WVuP68Z/EatoJjeucMrH9hmIFFl9JuAA=",   /* order 8 */
		"X5yVvKNQjCSx0LFVnIPvWwREXMRYHI6G2CJO3dCfEVc=",   /* order 8 */
		"7P///////////////////////////////////////38=",   /* p - 1 */
		"7f///////////////////////////////////////38=",   /* p */
		"7v///////////////////////////////////////38=",   /* p + 1 */
	};
	uint8_t k[WG_KEY_LEN], c[WG_KEY_LEN], q[WG_KEY_LEN], n[WG_KEY_LEN];
	char b64[WG_KEY_B64_LEN];

	CHECK_INT(check_b64("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="), KEY_PUBLIC_ZERO);
	for (size_t i = 1; i < sizeof(low_order) / sizeof(low_order[0]); i++)
		CHECK_INT(check_b64(low_order[i]), KEY_PUBLIC_LOW_ORDER);
	/* each also with bit 255 set: the same point */
	for (size_t i = 0; i < sizeof(low_order) / sizeof(low_order[0]); i++) {
		CHECK(key_from_base64(low_order[i], k));
		k[31] |= 0x80;
		CHECK_INT(key_public_check(k), KEY_PUBLIC_LOW_ORDER);
	}
	/* libsodium agrees: X25519 with any of them fails */
	randombytes_buf(n, sizeof(n));
	for (size_t i = 0; i < sizeof(low_order) / sizeof(low_order[0]); i++) {
		CHECK(key_from_base64(low_order[i], k));
		CHECK(crypto_scalarmult(q, n, k) != 0);
	}
	/* a real key is fine; with the top bit set it is the same key, not canonical */
	CHECK_INT(check_b64("sksLCBBV7Hgb0mtPRxXIhnBqwQduj8nc7nO1mnyKLUw="), KEY_PUBLIC_OK);
	CHECK_INT(check_b64("sksLCBBV7Hgb0mtPRxXIhnBqwQduj8nc7nO1mnyKLcw="), KEY_PUBLIC_TOP_BIT);
	CHECK(key_from_base64("sksLCBBV7Hgb0mtPRxXIhnBqwQduj8nc7nO1mnyKLcw=", k));
	key_public_canonical(c, k);
	CHECK_STR(key_to_base64(c, b64), "sksLCBBV7Hgb0mtPRxXIhnBqwQduj8nc7nO1mnyKLUw=");
	/* p + 2 .. 2^255 - 1 reduce to 2 .. 18 */
	CHECK_INT(check_b64("7////////////////////////////////////////38="), KEY_PUBLIC_NOT_REDUCED);
	CHECK(key_from_base64("/////////////////////////////////////////38=", k));
	CHECK_INT(key_public_check(k), KEY_PUBLIC_NOT_REDUCED);
	key_public_canonical(c, k);
	CHECK_INT(c[0], 18);
	CHECK(sodium_is_zero(c + 1, WG_KEY_LEN - 1));
	/* 2^255 - 20 = p - 1 is the largest canonical value (and of order 2); p - 2 is fine */
	CHECK(key_from_base64("6////////////////////////////////////////38=", k));
	CHECK_INT(key_public_check(k), KEY_PUBLIC_OK);
	/* every derived public key is canonical */
	for (int i = 0; i < 64; i++) {
		key_generate_private(n);
		CHECK(key_public_from_private(q, n) == 0);
		CHECK_INT(key_public_check(q), KEY_PUBLIC_OK);
	}
}

static void test_special_ranges(void)
{
	struct wgf_prefix p;
	const struct prefix_special *sp;

	CHECK(prefix_parse("0.0.0.0", true, &p));
	sp = prefix_special_find(&p, PREFIX_REFUSE_ENDPOINT);
	CHECK(sp && !strcmp(sp->name, "unspecified"));
	sp = prefix_special_find(&p, PREFIX_REFUSE_LAN);
	CHECK(sp && !strcmp(sp->name, "\"this network\" (RFC 1122)"));
	CHECK(prefix_parse("255.255.255.255", true, &p));
	sp = prefix_special_find(&p, PREFIX_REFUSE_ENDPOINT);
	CHECK(sp && !strcmp(sp->name, "broadcast"));
	CHECK(prefix_parse("169.254.1.1", true, &p));
	CHECK(!prefix_special_find(&p, PREFIX_REFUSE_ENDPOINT));   /* IPv4 link-local needs no zone */
	CHECK(prefix_special_find(&p, PREFIX_REFUSE_LAN));
	CHECK(prefix_parse("128.0.0.0/1", false, &p));
	sp = prefix_special_find(&p, PREFIX_REFUSE_LAN);
	CHECK(sp && !strcmp(sp->name, "link-local"));
	CHECK(prefix_parse("::ffff:10.1.0.0/120", false, &p));
	CHECK(prefix_is_v4mapped(&p));
	sp = prefix_special_find(&p, PREFIX_REFUSE_POOL);
	CHECK(sp && !strcmp(sp->name, "IPv4-mapped IPv6"));
	CHECK(prefix_parse("::/64", false, &p));
	CHECK(prefix_special_find(&p, PREFIX_REFUSE_LAN));
	CHECK(!prefix_is_v4mapped(&p));
	/* legit: private, CGNAT, documentation, ULA, global */
	for (const char *const *s = (const char *const[]){ "10.0.0.0/8", "100.64.0.0/10", "192.0.2.0/24",
							   "198.51.100.7/32", "fd00::/8", "2001:db8::/32",
							   "64:ff9b::/96", NULL }; *s; s++) {
		CHECK(prefix_parse(*s, false, &p));
		CHECK(!prefix_special_find(&p, PREFIX_REFUSE_LAN | PREFIX_REFUSE_POOL | PREFIX_REFUSE_ENDPOINT));
	}
	CHECK(prefix_parse("10.0.0.255/24", false, &p));
	CHECK(prefix_host_all_ones(&p));
	CHECK(prefix_parse("10.0.0.254/24", false, &p));
	CHECK(!prefix_host_all_ones(&p));
	CHECK(prefix_parse("10.0.0.7/29", false, &p));
	CHECK(prefix_host_all_ones(&p));
}

int main(void)
{
	RUN(test_prefix_parse_format);
	RUN(test_prefix_relations);
	RUN(test_endpoint);
	RUN(test_keys);
	RUN(test_public_key_check);
	RUN(test_special_ranges);
	UNIT_DONE();
}
