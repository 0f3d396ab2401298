/* Preshared keys on hosts: render opens a Peer's PSK from the copy sealed to
 * its hub (or withholds it with its id without the sealing key), refuses a
 * swapped, tampered or foreign copy with file:line:col; diff compares PSKs by
 * value, else by id; snapshots, plans and saved plans carry the id, never the
 * key; the plan text says "(sensitive) changed". */
#include <errno.h>
#include <json-c/json.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/diag.h"
#include "model/model.h"
#include "model/seal.h"
#include "reconcile/host/pipeline.h"
#include "reconcile/host/snapshot.h"
#include "reconcile/plan/plan.h"
#include "reconcile/plan/plan_json.h"
#include "reconcile/plan/saved_plan_state.h"
#include "render/render.h"
#include "tests/unit/unit.h"

#define K1 "nvxiIrZiEXsUVsSiztvMMslEl483akOdYQiZbPy2xR8="
#define K2 "I6OkHgtCPh2pjt/cgmQbwc5seW6z/kHM4dygnK8rV04="
#define K3 "cU/Cl9JLoCDtRvy1k9shZgLNUhLsx1P0VrlUUtl6dBQ="

static uint8_t hub_pub[32], hub_priv[32], other_pub[32], other_priv[32];
static uint8_t psk[32], psk2[32];

/* Hub "h" (sealingKey hub_pub), peer "p" with a PSK whose id is id_of's and
 * whose copy for host/h is sealed_text; peer "q" without one. */
static struct model *load_id(const uint8_t id_of[32], const char *sealed_text)
{
	char hubkey[WG_KEY_B64_LEN], id[SEAL_ID_B64_LEN], *text = NULL;
	uint8_t raw_id[SEAL_ID_LEN];
	const char *name = "peers.yaml";
	struct model *m = NULL;
	struct diag d;
	size_t len;

	key_to_base64(hub_pub, hubkey);
	seal_psk_id(id_of, raw_id);
	seal_id_to_base64(raw_id, id);
	if (asprintf(&text,
		     "apiVersion: wgf/v1\nkind: Network\nmetadata: {name: n}\nspec:\n  addressPools: {ipv4: 10.0.0.0/24}\n"
		     "---\napiVersion: wgf/v1\nkind: Host\nmetadata: {name: h}\n"
		     "spec:\n  role: hub\n  publicKey: " K1 "\n  endpoint: 192.0.2.1:51820\n"
		     "  addresses: [10.0.0.1/24]\n  sealingKey: %s\n"
		     "---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: p}\n"
		     "spec:\n  publicKey: " K2 "\n  addresses: [10.0.0.2]\n  hubs: [h]\n"
		     "  presharedKeys:\n    - id: %s\n      sealed:\n        host/h: %s\n"
		     "---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: q}\n"
		     "spec:\n  publicKey: " K3 "\n  addresses: [10.0.0.3]\n  hubs: [h]\n",
		     hubkey, id, sealed_text) < 0)
		abort();
	len = strlen(text);
	diag_init(&d);
	CHECK_INT(model_load_buffers(&name, (const char *const *)&text, &len, 1, &m, &d), 0);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "#   %s:%u:%u: %s\n", d.entries[i].file, d.entries[i].line, d.entries[i].col, d.entries[i].msg);
	diag_free(&d);
	free(text);
	return m;
}

static struct model *load(const char *sealed_text)
{
	return load_id(psk, sealed_text);
}

static struct model *load_sealed(const uint8_t secret[32], const uint8_t pub[32])
{
	char sealed[SEAL_TEXT_LEN];

	CHECK_INT(seal_secret(secret, pub, sealed), 0);
	return load(sealed);
}

/* Renders h with the given sealing key pair (NULL: none); *err gets the words. */
static int render(const struct model *m, const uint8_t *pub, const uint8_t *priv, struct host_state **hs,
		  struct wgf_error *err)
{
	struct render_opts o = { .now = 1767225600, .sealing_pub = pub, .sealing_priv = priv, .err = err };

	*hs = NULL;
	if (!m)
		return -EINVAL;
	return render_host(m, model_find_host(m, "h"), &o, hs);
}

static struct hs_peer *peer(const struct host_state *hs, const char *k)
{
	uint8_t pub[WG_KEY_LEN];

	if (!hs || !hs->n_devices || !key_from_base64(k, pub))
		return NULL;
	return hs_device_find_peer(&hs->devices[0], pub);
}

static void test_render_with_key(void)
{
	struct model *m = load_sealed(psk, hub_pub);
	struct host_state *hs = NULL;
	struct wgf_error err = {0};
	struct hs_peer *p, *q;
	uint8_t id[SEAL_ID_LEN];

	CHECK_INT(render(m, hub_pub, hub_priv, &hs, &err), 0);
	p = peer(hs, K2);
	q = peer(hs, K3);
	CHECK(p && q);
	if (!p || !q)
		goto out;
	seal_psk_id(psk, id);
	CHECK(p->has_psk && !p->psk_withheld && p->has_psk_id);
	CHECK(!memcmp(p->psk, psk, 32));
	CHECK(!memcmp(p->psk_id, id, SEAL_ID_LEN));
	CHECK(p->psk_sealed && strlen(p->psk_sealed) == SEAL_TEXT_LEN - 1);
	CHECK(!q->has_psk && !q->has_psk_id && !q->psk_sealed);
out:
	wgf_error_clear(&err);
	hoststate_free(hs);
	model_free(m);
}

static void test_render_without_key(void)
{
	struct model *m = load_sealed(psk, hub_pub);
	struct host_state *hs = NULL;
	struct hs_peer *p;
	uint8_t id[SEAL_ID_LEN], zero[32] = {0};

	CHECK_INT(render(m, NULL, NULL, &hs, NULL), 0);
	p = peer(hs, K2);
	CHECK(p != NULL);
	if (p) {
		seal_psk_id(psk, id);
		CHECK(p->has_psk && p->psk_withheld && p->has_psk_id);
		CHECK(!memcmp(p->psk, zero, 32));
		CHECK(!memcmp(p->psk_id, id, SEAL_ID_LEN));
	}
	hoststate_free(hs);
	model_free(m);
}

/* The error names the file, the line and column of the sealed value, and the Peer. */
static void check_refused(struct model *m, const uint8_t *pub, const uint8_t *priv, int code, const char *words)
{
	struct host_state *hs = NULL;
	struct wgf_error err = {0};
	const char *msg;

	CHECK_INT(render(m, pub, priv, &hs, &err), code);
	CHECK(hs == NULL);
	msg = wgf_error_message(&err);
	if (!strstr(msg, "peers.yaml:27:17: ") || !strstr(msg, "Peer \"p\"") || !strstr(msg, words)) {
		fprintf(stderr, "#   message: %s\n", msg);
		CHECK(!"the message names the place, the Peer and what to do");
	}
	wgf_error_clear(&err);
	hoststate_free(hs);
}

static void test_render_refusals(void)
{
	char sealed[SEAL_TEXT_LEN];
	uint8_t raw[88];
	size_t len = 0;
	struct model *m;

	/* a value sealed to the hub, but of another key than the id says: swapped */
	m = load_sealed(psk2, hub_pub);
	check_refused(m, hub_pub, hub_priv, -EKEYREJECTED, "swapped or tampered");
	model_free(m);
	/* this host's sealing key is not the one the value was sealed to */
	m = load_sealed(psk, hub_pub);
	check_refused(m, other_pub, other_priv, -ENOKEY, "`wgf host init` print another sealingKey");
	check_refused(m, other_pub, other_priv, -ENOKEY, "`wgf secret reseal`");
	model_free(m);
	/* the right recipient, a box that does not open: tampered */
	CHECK_INT(seal_secret(psk, hub_pub, sealed), 0);
	CHECK_INT(sodium_base642bin(raw, sizeof(raw), sealed, strlen(sealed), NULL, &len, NULL,
				    sodium_base64_VARIANT_ORIGINAL), 0);
	raw[40] ^= 1;
	sodium_bin2base64(sealed, sizeof(sealed), raw, len, sodium_base64_VARIANT_ORIGINAL);
	m = load(sealed);
	check_refused(m, hub_pub, hub_priv, -EBADMSG, "`wgf secret reseal`");
	model_free(m);
}

static struct hs_peer *one_peer(struct host_state **hs, const uint8_t *key, bool withheld, const uint8_t *id)
{
	struct hs_device *d;
	struct hs_peer *p;

	*hs = hoststate_new();
	d = hoststate_add_device(*hs, "pkw0");
	d->exists = true;
	p = hs_device_add_peer(d);
	memset(p->public_key, 7, WG_KEY_LEN);
	if (key || id) {
		p->has_psk = true;
		p->psk_withheld = withheld;
		if (!withheld)
			memcpy(p->psk, key, 32);
	}
	if (id) {
		p->has_psk_id = true;
		memcpy(p->psk_id, id, HS_PSK_ID_LEN);
	}
	return p;
}

/* Whether the plan of want against have changes the PSK. */
static int psk_planned(const uint8_t *wk, bool ww, const uint8_t *wid, const uint8_t *hk, bool hw, const uint8_t *hid)
{
	struct host_state *want, *have;
	struct plan *p = NULL;
	int r;

	one_peer(&want, wk, ww, wid);
	one_peer(&have, hk, hw, hid);
	r = diff_host_states(want, have, &(struct diff_opts){0}, &p);
	CHECK_INT(r, 0);
	if (r < 0)
		return -1;
	r = p->n_actions == 1 && p->actions[0].u.peer.set_psk;
	CHECK(p->n_actions <= 1);
	plan_free(p);
	return r;
}

static void test_diff_by_id(void)
{
	uint8_t id1[16], id2[16];

	seal_psk_id(psk, id1);
	seal_psk_id(psk2, id2);
	/* by value */
	CHECK_INT(psk_planned(psk, false, NULL, psk, false, NULL), 0);
	CHECK_INT(psk_planned(psk2, false, NULL, psk, false, NULL), 1);
	/* by id: both withheld (a snapshot and an offline plan) */
	CHECK_INT(psk_planned(NULL, true, id1, NULL, true, id1), 0);
	CHECK_INT(psk_planned(NULL, true, id2, NULL, true, id1), 1);
	/* one side known: its id is computed */
	CHECK_INT(psk_planned(NULL, true, id1, psk, false, NULL), 0);
	CHECK_INT(psk_planned(NULL, true, id2, psk, false, NULL), 1);
	CHECK_INT(psk_planned(psk, false, NULL, NULL, true, id1), 0);
	/* an id unknown: sent again, as before ids */
	CHECK_INT(psk_planned(NULL, true, id1, NULL, true, NULL), 1);
	/* added and removed */
	CHECK_INT(psk_planned(NULL, true, id1, NULL, false, NULL), 1);
	CHECK_INT(psk_planned(NULL, false, NULL, NULL, true, id1), 1);
}

static bool has_secret(const char *text, const uint8_t key[32])
{
	char b64[WG_KEY_B64_LEN], hex[65];

	key_to_base64(key, b64);
	sodium_bin2hex(hex, sizeof(hex), key, 32);
	return strstr(text, b64) || strstr(text, hex);
}

static void test_snapshot_round_trip(void)
{
	struct host_state *have, *want;
	struct statedir_records rec = {0};
	struct snapshot snap = {0};
	struct wgf_error err = {0};
	struct json_object *j;
	struct plan *p = NULL;
	char idb64[SEAL_ID_B64_LEN];
	const char *text;
	uint8_t id1[16], id2[16];
	struct hs_peer *sp;

	seal_psk_id(psk, id1);
	seal_psk_id(psk2, id2);
	one_peer(&have, psk, false, NULL);   /* as observed from the kernel: the key, no id */
	j = snapshot_to_json("h", have, &rec);
	text = j ? json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : "";
	CHECK(!has_secret(text, psk));
	CHECK(strstr(text, "\"preshared_key\":\"(sensitive)\"") != NULL);
	CHECK(strstr(text, seal_id_to_base64(id1, idb64)) != NULL);
	CHECK_INT(snapshot_parse(text, strlen(text), &snap, &err), 0);
	sp = snap.observed && snap.observed->n_devices ? &snap.observed->devices[0].peers[0] : NULL;
	CHECK(sp && sp->has_psk && sp->psk_withheld && sp->has_psk_id && !memcmp(sp->psk_id, id1, 16));
	/* the same key, withheld in an offline plan: nothing; another: changed */
	one_peer(&want, NULL, true, id1);
	CHECK_INT(diff_host_states(want, hoststate_dup(snap.observed), &(struct diff_opts){0}, &p), 0);
	CHECK(p && plan_is_empty(p));
	plan_free(p);
	one_peer(&want, NULL, true, id2);
	CHECK_INT(diff_host_states(want, snap.observed, &(struct diff_opts){0}, &p), 0);
	snap.observed = NULL;
	CHECK(p && p->n_actions == 1 && p->actions[0].u.peer.set_psk);
	plan_free(p);
	/* an id that is not one, and one without a PSK, are refused */
	CHECK(strstr(text, idb64) != NULL);
	{
		char *bad = strdup(text), *at = strstr(bad, idb64);
		memcpy(at, "!!", 2);
		snapshot_clear(&snap);
		CHECK_INT(snapshot_parse(bad, strlen(bad), &snap, &err), -EBADMSG);
		CHECK(strstr(wgf_error_message(&err), "preshared_key_id") != NULL);
		free(bad);
	}
	wgf_error_clear(&err);
	snapshot_clear(&snap);
	json_object_put(j);
	hoststate_free(have);
}

static void test_saved_state_round_trip(void)
{
	struct model *m = load_sealed(psk, hub_pub);
	struct host_state *hs = NULL, *back = NULL;
	struct wgf_error err = {0};
	struct json_object *j = NULL;
	struct hs_peer *p, *b;
	const char *text;

	CHECK_INT(render(m, hub_pub, hub_priv, &hs, &err), 0);
	p = peer(hs, K2);
	if (!p)
		goto out;
	CHECK_INT(saved_state_to_json(hs, &j, &err), 0);
	text = j ? json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : "";
	CHECK(!has_secret(text, psk));
	CHECK(strstr(text, p->psk_sealed) != NULL);
	CHECK_INT(saved_state_from_json(j, "desired", &back, &err), 0);
	b = peer(back, K2);
	CHECK(b && b->has_psk && b->psk_withheld && b->has_psk_id && !memcmp(b->psk_id, p->psk_id, 16));
	CHECK(b && b->psk_sealed && !strcmp(b->psk_sealed, p->psk_sealed));
	CHECK(peer(back, K3) && !peer(back, K3)->has_psk);
	/* a PSK without its sealed copy cannot be saved */
	free(p->psk_sealed);
	p->psk_sealed = NULL;
	json_object_put(j);
	j = NULL;
	CHECK_INT(saved_state_to_json(hs, &j, &err), -EINVAL);
out:
	wgf_error_clear(&err);
	json_object_put(j);
	hoststate_free(hs);
	hoststate_free(back);
	model_free(m);
}

static char *text_of(const struct plan *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	plan_print_text(p, &(struct plan_print_opts){0}, f);
	fclose(f);
	return buf;
}

/* A rotation as CI plans it (both withheld): "(sensitive) changed", the ids in
 * the JSON, and read back the same plan. */
static void test_plan_text_and_json(void)
{
	struct host_state *want, *have;
	struct wgf_error err = {0};
	struct json_object *j = NULL;
	struct plan *p = NULL, *back = NULL;
	char id1b[SEAL_ID_B64_LEN], id2b[SEAL_ID_B64_LEN], *text;
	const char *why = NULL, *js;
	uint8_t id1[16], id2[16];

	seal_psk_id(psk, id1);
	seal_psk_id(psk2, id2);
	one_peer(&want, NULL, true, id2);
	one_peer(&have, NULL, true, id1);
	want->devices[0].peers[0].name = strdup("p");
	CHECK_INT(diff_host_states(want, have, &(struct diff_opts){0}, &p), 0);
	if (!p)
		return;
	text = text_of(p);
	CHECK(strstr(text, "  ~ peer \"p\" (") != NULL);
	CHECK(strstr(text, "\n      ~ preshared_key: (sensitive) changed\n") != NULL);
	CHECK(strstr(text, "Plan: 0 to add, 1 to change, 0 to destroy.") != NULL);
	free(text);
	j = plan_to_json(p);
	js = j ? json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : "";
	CHECK(strstr(js, seal_id_to_base64(id1, id1b)) && strstr(js, seal_id_to_base64(id2, id2b)));
	CHECK(strstr(js, "\"before_id\"") && strstr(js, "\"after_id\""));
	CHECK_INT(plan_from_json(j, &back, &err), 0);
	CHECK(back && plan_equal(p, back, &why));
	if (why)
		fprintf(stderr, "#   differs: %s\n", why);
	/* the same change to another key is another plan */
	if (back && back->n_actions == 1 && back->actions[0].peer_desired)
		((struct hs_peer *)back->actions[0].peer_desired)->psk_id[0] ^= 1;
	CHECK(back && !plan_equal(p, back, &why));
	/* a removal shows "(sensitive) → (none)" */
	plan_free(p);
	p = NULL;
	one_peer(&want, NULL, false, NULL);
	one_peer(&have, NULL, true, id1);
	CHECK_INT(diff_host_states(want, have, &(struct diff_opts){0}, &p), 0);
	text = p ? text_of(p) : NULL;
	CHECK(text && strstr(text, "~ preshared_key: (sensitive) → (none)\n") != NULL);
	free(text);
	wgf_error_clear(&err);
	json_object_put(j);
	plan_free(p);
	plan_free(back);
}

/* CI's plan --all --base: a reseal (the same key, a new sealed value) plans
 * nothing; a rotation plans that peer's PSK, "(sensitive) changed". */
static void test_plan_base(void)
{
	char sealed[SEAL_TEXT_LEN];
	struct model *base, *reseal, *rotate;
	struct pipeline_opts o = { .now = 1767225600 };
	struct wgf_error err = {0};
	struct plan *p = NULL;
	char *text;

	CHECK_INT(seal_secret(psk, hub_pub, sealed), 0);
	base = load_id(psk, sealed);
	CHECK_INT(seal_secret(psk, hub_pub, sealed), 0);
	reseal = load_id(psk, sealed);
	CHECK_INT(seal_secret(psk2, hub_pub, sealed), 0);
	rotate = load_id(psk2, sealed);
	if (!base || !reseal || !rotate)
		goto out;
	CHECK_INT(pipeline_plan_base(base, reseal, "h", &o, NULL, NULL, &p, &err), 0);
	CHECK(p && plan_is_empty(p));
	plan_free(p);
	p = NULL;
	CHECK_INT(pipeline_plan_base(base, rotate, "h", &o, NULL, NULL, &p, &err), 0);
	text = p ? text_of(p) : NULL;
	CHECK(text && strstr(text, "  ~ peer \"p\" (") && strstr(text, "      ~ preshared_key: (sensitive) changed\n"));
	CHECK(text && strstr(text, "Plan: 0 to add, 1 to change, 0 to destroy.") && !strstr(text, "\"q\""));
	free(text);
out:
	if (wgf_error_is_set(&err))
		fprintf(stderr, "#   %s\n", wgf_error_message(&err));
	wgf_error_clear(&err);
	plan_free(p);
	model_free(base);
	model_free(reseal);
	model_free(rotate);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	randombytes_buf(hub_priv, 32);
	randombytes_buf(other_priv, 32);
	seal_public_from_private(hub_pub, hub_priv);
	seal_public_from_private(other_pub, other_priv);
	randombytes_buf(psk, 32);
	randombytes_buf(psk2, 32);
	RUN(test_render_with_key);
	RUN(test_render_without_key);
	RUN(test_render_refusals);
	RUN(test_diff_by_id);
	RUN(test_snapshot_round_trip);
	RUN(test_saved_state_round_trip);
	RUN(test_plan_text_and_json);
	RUN(test_plan_base);
	UNIT_DONE();
}
