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

int main(void)
{
	RUN(test_prefix_parse_format);
	RUN(test_prefix_relations);
	RUN(test_endpoint);
	RUN(test_keys);
	UNIT_DONE();
}
