/* Sealed preshared keys, Operators, and the settings several kinds share (dns,
 * rotation, keyCreated, sealingKey, maxPeers): loaded, resolved and refused at
 * the place they were written. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "model/seal.h"
#include "tests/unit/diag_check.h"
#include "tests/unit/unit.h"

#define K1 "nvxiIrZiEXsUVsSiztvMMslEl483akOdYQiZbPy2xR8="
#define K2 "I6OkHgtCPh2pjt/cgmQbwc5seW6z/kHM4dygnK8rV04="
#define K3 "cU/Cl9JLoCDtRvy1k9shZgLNUhLsx1P0VrlUUtl6dBQ="

struct party {
	uint8_t pub[32], priv[32];
	char b64[WG_KEY_B64_LEN];
};

static struct party hub, oper, other;
static uint8_t psk[32];
static char psk_id[SEAL_ID_B64_LEN];

static void party_init(struct party *p)
{
	key_generate_private(p->priv);
	seal_public_from_private(p->pub, p->priv);
	key_to_base64(p->pub, p->b64);
}

static int load_text(const char *text, struct model **m, struct diag *d)
{
	const char *name = "t.yaml";
	size_t len = strlen(text);

	diag_init(d);
	*m = NULL;
	return model_load_buffers(&name, &text, &len, 1, m, d);
}

/* A network with hub "h" (sealingKey hubkey), an Operator "alice" (opkey), and
 * peer "p" whose spec ends with extra (indented by two). */
static char *doc(const char *hubkey, const char *opkey, const char *extra)
{
	char *s = NULL;

	if (asprintf(&s,
		     "apiVersion: wgf/v1\nkind: Network\nmetadata: {name: n}\n"
		     "spec:\n  addressPools: {ipv4: 10.0.0.0/24}\n"
		     "  dns: {servers: [10.0.0.1, fd00::53], search: [Corp.Example., lan]}\n"
		     "  rotation: {maxAge: 90d}\n"
		     "---\napiVersion: wgf/v1\nkind: Host\nmetadata: {name: h}\n"
		     "spec:\n  role: hub\n  publicKey: " K1 "\n  endpoint: 192.0.2.1:51820\n"
		     "  addresses: [10.0.0.1/24]\n  sealingKey: %s\n  maxPeers: 10\n  keyCreated: 2026-01-01\n"
		     "---\napiVersion: wgf/v1\nkind: Operator\nmetadata: {name: alice}\nspec:\n  sealingKey: %s\n"
		     "---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: p}\n"
		     "spec:\n  publicKey: " K2 "\n  addresses: [10.0.0.2]\n  hubs: [h]\n%s",
		     hubkey, opkey, extra) < 0)
		abort();
	return s;
}

/* The presharedKeys block of peer p, sealed to the given recipients. */
static char *psk_block(const char *hub_line, const struct party *to_hub, const struct party *to_op)
{
	char a[SEAL_TEXT_LEN], b[SEAL_TEXT_LEN], *s = NULL;

	seal_secret(psk, to_hub->pub, a);
	seal_secret(psk, to_op->pub, b);
	if (asprintf(&s, "  presharedKeys:\n    - %sid: %s\n      sealed:\n        host/h: %s\n        operator/alice: %s\n",
		     hub_line, psk_id, a, b) < 0)
		abort();
	return s;
}

static void test_loads_settings(void)
{
	char *block = psk_block("hub: h\n      ", &hub, &oper), *text = doc(hub.b64, oper.b64, block);
	const struct model_dns *dns;
	const struct model_psk *k;
	struct model *m;
	struct diag d;
	uint8_t out[32];

	CHECK(load_text(text, &m, &d) == 0);
	if (!m) {
		dump(&d);
		goto out;
	}
	CHECK(d.n == 0);
	dns = model_peer_dns(m, &m->peers[0]);
	CHECK(dns->set && dns->n_servers == 2 && dns->n_search == 2);
	CHECK_STR(dns->search[0], "corp.example");
	CHECK(model_peer_rotation(m, &m->peers[0]).max_age == 90 * 86400);
	CHECK(model_host_rotation(m, &m->hosts[0]).max_age == 90 * 86400);
	CHECK(m->hosts[0].has_sealing_key && !memcmp(m->hosts[0].sealing_key, hub.pub, 32));
	CHECK(m->hosts[0].max_peers == 10);
	CHECK(m->hosts[0].has_key_created && m->hosts[0].key_created == 1767225600);
	CHECK(m->n_operators == 1 && !strcmp(m->operators[0].meta.name, "alice"));
	k = model_peer_psk(&m->peers[0], 0);
	CHECK(k != NULL);
	if (k) {
		const struct model_sealed *s = model_psk_sealed_to_host(k, 0);
		CHECK(s && seal_open(s->text, hub.pub, hub.priv, out) == 0 && !memcmp(out, psk, 32));
		s = model_psk_sealed_to_operator(k, 0);
		CHECK(s && seal_open(s->text, oper.pub, oper.priv, out) == 0 && !memcmp(out, psk, 32));
	}
out:
	model_free(m);
	diag_free(&d);
	free(text);
	free(block);
}

/* One check of a bad document: fails (or, warning_only, loads with that warning). */
static void expect(int at, const char *text, bool warning_only, const char *sub)
{
	struct model *m;
	struct diag d;
	int r = load_text(text, &m, &d);
	bool ok = warning_only ? (r == 0 && has_warning(&d, "t.yaml", 0, 0, sub)) :
				 (r == -EINVAL && has_error(&d, "t.yaml", 0, 0, sub));

	if (!ok) {
		fprintf(stderr, "  %s:%d: want %s containing \"%s\" (r=%d), got:\n", __FILE__, at,
			warning_only ? "a warning" : "an error", sub, r);
		dump(&d);
		unit_failed_checks++;
	}
	model_free(m);
	diag_free(&d);
}

#define EXPECT_ERROR(hk, ok, extra, sub) do { char *t_ = doc(hk, ok, extra); expect(__LINE__, t_, false, sub); free(t_); } while (0)
#define EXPECT_WARNING(hk, ok, extra, sub) do { char *t_ = doc(hk, ok, extra); expect(__LINE__, t_, true, sub); free(t_); } while (0)

static void test_refusals(void)
{
	char *to_other = psk_block("", &other, &oper), *op_other = psk_block("", &hub, &other);
	char *good = psk_block("", &hub, &oper), *wrong_hub = psk_block("hub: nope\n      ", &hub, &oper);

	/* a plaintext key wherever a PSK could go */
	EXPECT_ERROR(hub.b64, oper.b64, "  presharedKey: " K3 "\n", "a preshared key in the clear");
	EXPECT_ERROR(hub.b64, oper.b64, "  presharedKeys: " K3 "\n", "a preshared key in the clear");
	EXPECT_ERROR(hub.b64, oper.b64, "  presharedKeys:\n    - " K3 "\n", "a preshared key in the clear");
	EXPECT_ERROR(hub.b64, oper.b64, "  presharedKeys:\n    - {id: AAAAAAAAAAAAAAAAAAAAAA==, sealed: " K3 "}\n",
		     "a preshared key in the clear");
	EXPECT_ERROR(hub.b64, oper.b64, "  presharedKeys:\n    - {id: AAAAAAAAAAAAAAAAAAAAAA==, sealed: {host/h: " K3 "}}\n",
		     "in the clear where a sealed value belongs");
	EXPECT_ERROR(hub.b64, oper.b64, "  presharedKeys:\n    - {id: AAAAAAAAAAAAAAAAAAAAAA==, sealed: {h: x}}\n",
		     "must be \"host/NAME\" or \"operator/NAME\"");
	/* sealed to another key than the hub's: the hub cannot open it */
	EXPECT_ERROR(hub.b64, oper.b64, to_other, "the hub cannot open it");
	/* not sealed to the hub at all */
	EXPECT_ERROR(hub.b64, oper.b64,
		     "  presharedKeys:\n    - {id: AAAAAAAAAAAAAAAAAAAAAA==, sealed: {}}\n", "is not sealed to host/h");
	/* the hub has no sealing key */
	EXPECT_ERROR(K3, oper.b64, good, "");
	EXPECT_ERROR(hub.b64, oper.b64, wrong_hub, "\"hub\" \"nope\" is not one of \"p\"'s hubs");
	/* an operator's copy to another key: a warning, the hub still applies it */
	EXPECT_WARNING(hub.b64, oper.b64, op_other, "sealed to another sealing key than operator/alice's");
	EXPECT_ERROR(hub.b64, oper.b64, "  dns: {servers: [not-an-ip]}\n", "DNS server \"not-an-ip\" is not an IP address");
	EXPECT_ERROR(hub.b64, oper.b64, "  dns: {search: [\"bad domain\"]}\n", "is not a DNS name");
	EXPECT_ERROR(hub.b64, oper.b64, "  dns: {}\n", "\"dns\" needs");
	EXPECT_ERROR(hub.b64, oper.b64, "  rotation: {maxAge: 90}\n", "\"maxAge\" must be");
	EXPECT_ERROR(hub.b64, oper.b64, "  rotation: {maxAge: 0d}\n", "\"maxAge\" must be");
	EXPECT_ERROR(hub.b64, oper.b64, "  keyCreated: yesterday\n", "\"keyCreated\" must be");
	EXPECT_ERROR("AAAA", oper.b64, "", "sealingKey \"AAAA\" is not an X25519 public key");
	free(to_other);
	free(op_other);
	free(good);
	free(wrong_hub);
}

static void test_duration(void)
{
	uint32_t v;

	CHECK(model_duration_parse("36h", &v) && v == 36 * 3600);
	CHECK(model_duration_parse("12w", &v) && v == 12 * 604800);
	CHECK(!model_duration_parse("", &v));
	CHECK(!model_duration_parse("d", &v));
	CHECK(!model_duration_parse("07d", &v));
	CHECK(!model_duration_parse("1y", &v));
	CHECK(!model_duration_parse("10dd", &v));
	CHECK(!model_duration_parse("999999w", &v));
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	party_init(&hub);
	party_init(&oper);
	party_init(&other);
	randombytes_buf(psk, sizeof(psk));
	{
		uint8_t id[SEAL_ID_LEN];
		seal_psk_id(psk, id);
		seal_id_to_base64(id, psk_id);
	}
	RUN(test_loads_settings);
	RUN(test_refusals);
	RUN(test_duration);
	UNIT_DONE();
}
