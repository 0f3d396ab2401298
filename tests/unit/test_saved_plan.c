/* Saved plans (reconcile/plan/saved_plan.h): written and read back they are
 * the same plans, desired states, fingerprints and ids, for every host of
 * every example; no private key or PSK is ever written; a malformed file is
 * refused with where; merge and split keep entries and ids. And the
 * fingerprint of observed state (snapshot_fingerprint) leaves out exactly
 * what is never drift. */
#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/model.h"
#include "model/seal.h"
#include "reconcile/host/keyfile.h"
#include "reconcile/host/pipeline.h"
#include "reconcile/host/saved_apply.h"
#include "reconcile/host/snapshot.h"
#include "reconcile/plan/plan_json.h"
#include "reconcile/plan/saved_plan.h"
#include "tests/unit/unit.h"

#define NOW 1767225600   /* 2026-01-01 */
#define ID1 "0123456789abcdef0123456789abcdef"
#define ID2 "fedcba9876543210fedcba9876543210"

static const uint8_t secret_key[WG_KEY_LEN] = { 0x48, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
						16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 0x71 };
static const uint8_t secret_psk[WG_KEY_LEN] = { 0xa5, 0x5a, 0xa5, 0x5a, 9, 9, 9, 9, 7, 7, 7, 7, 3, 3, 3, 3,
						1, 2, 1, 2, 1, 2, 1, 2, 0xee, 0xee, 0xee, 0xee, 0x42, 0x42, 0x42, 0x42 };

/* The plan for h of m against observed (taken), as `wgf plan --out` makes it,
 * with the host's private key in its desired state. */
static struct plan *plan_for(const struct model *m, const struct model_host *h, struct host_state *observed)
{
	struct pipeline_opts o = { .now = NOW, .fingerprint = true };
	struct pipeline_host ph = { .host = h, .has_private_key = true };
	struct wgf_error err = {0};
	struct plan *p = NULL;

	memcpy(ph.private_key, secret_key, WG_KEY_LEN);
	CHECK_INT(pipeline_plan_observed(m, &ph, &o, observed, NULL, &p, &err), 0);
	if (err.code)
		fprintf(stderr, "#  %s: %s\n", h->meta.name, wgf_error_message(&err));
	wgf_error_clear(&err);
	return p;
}

/* What the host has: the desired state less a peer, with a PSK on another. */
static struct host_state *observed_for(const struct plan *p)
{
	struct host_state *hs = hoststate_dup(p->desired);

	for (size_t i = 0; hs && i < hs->n_devices; i++) {
		struct hs_device *d = &hs->devices[i];
		d->exists = true;
		d->backend = HS_BACKEND_USERSPACE;
		if (d->n_peers > 1) {
			d->peers[0].has_psk = true;
			memcpy(d->peers[0].psk, secret_psk, WG_KEY_LEN);
			hs_peer_clear(&d->peers[--d->n_peers]);
		}
	}
	return hs;
}

static bool contains_secret(const char *text, const uint8_t secret[WG_KEY_LEN])
{
	char b64[WG_KEY_B64_LEN], hex[2 * WG_KEY_LEN + 1];

	key_to_base64(secret, b64);
	sodium_bin2hex(hex, sizeof(hex), secret, WG_KEY_LEN);
	return strstr(text, b64) || strstr(text, hex);
}

/* Saved, read back: the same entry; written again: the same text. */
static void round_trip(const struct plan *p, const char *what)
{
	struct saved_plan *sp = saved_plan_new("9.9.9", p->source, "0123456789012345678901234567890123456789",
					       "abcdefabcdefabcdefabcdefabcdefabcdefabcd", NULL), *back = NULL;
	struct wgf_error err = {0};
	char *text = NULL, *again = NULL;
	const char *why = NULL;

	CHECK(sp != NULL);
	if (!sp)
		return;
	CHECK_INT(saved_plan_add(sp, p, ID1, &err), 0);
	CHECK((text = saved_plan_format(sp)) != NULL);
	CHECK_INT(saved_plan_parse(text ? text : "", text ? strlen(text) : 0, "t.json", &back, &err), 0);
	if (err.code)
		fprintf(stderr, "#  %s: %s\n", what, wgf_error_message(&err));
	if (text) {
		CHECK(!contains_secret(text, secret_key));
		CHECK(!contains_secret(text, secret_psk));
	}
	if (back && back->n_hosts == 1) {
		const struct saved_plan_host *h = &back->hosts[0];
		CHECK_STR(back->wgf_version, "9.9.9");
		CHECK_STR(back->commit, "0123456789012345678901234567890123456789");
		CHECK(back->directory == NULL);
		CHECK_STR(h->name, p->host_name);
		CHECK_STR(h->id, ID1);
		CHECK(!memcmp(h->public_key, p->host_key, WG_KEY_LEN));
		CHECK(!memcmp(h->fingerprint, p->fingerprint, PLAN_FINGERPRINT_LEN));
		CHECK_INT(h->desired->n_devices, p->desired->n_devices);
		CHECK_INT(h->desired->n_routes, p->desired->n_routes);
		CHECK_INT(h->desired->firewall.n_items, p->desired->firewall.n_items);
		if (!plan_equal(p, h->plan, &why))
			fprintf(stderr, "#  %s: not the same plan: %s\n", what, why);
		CHECK(plan_equal(p, h->plan, NULL));
		CHECK((again = saved_plan_format(back)) != NULL);
		CHECK_STR(again, text);
	}
	wgf_error_clear(&err);
	saved_plan_free(sp);
	saved_plan_free(back);
	free(text);
	free(again);
}

static void test_every_example_round_trips(void)
{
	DIR *dir = opendir("examples");
	struct dirent *e;
	size_t n = 0;
	char path[512];

	CHECK(dir != NULL);
	while (dir && (e = readdir(dir))) {
		struct model *m = NULL;
		struct diag d;

		if (e->d_name[0] == '.' || e->d_type != DT_DIR)
			continue;
		snprintf(path, sizeof(path), "examples/%s", e->d_name);
		diag_init(&d);
		CHECK_INT(model_load_dir(path, &m, &d), 0);
		diag_free(&d);
		for (size_t i = 0; m && i < m->n_hosts; i++) {
			struct plan *fresh = plan_for(m, &m->hosts[i], hoststate_new()), *drift = NULL;

			if (fresh) {
				round_trip(fresh, "from nothing");
				drift = plan_for(m, &m->hosts[i], observed_for(fresh));
			}
			if (drift)
				round_trip(drift, "from a host with a PSK and a peer less");
			n += fresh != NULL;
			plan_free(fresh);
			plan_free(drift);
		}
		model_free(m);
	}
	if (dir)
		closedir(dir);
	CHECK(n >= 10);
}

static struct model *load(const char *path)
{
	struct model *m = NULL;
	struct diag d;

	diag_init(&d);
	CHECK_INT(model_load_dir(path, &m, &d), 0);
	diag_free(&d);
	return m;
}

/* A valid saved plan of small-mesh's node1, as text (the caller frees it). */
static char *valid_text(void)
{
	struct model *m = load("examples/small-mesh");
	struct plan *p = m ? plan_for(m, &m->hosts[0], hoststate_new()) : NULL;
	struct saved_plan *sp = p ? saved_plan_new("1.0", p->source, NULL, NULL, "/srv/net") : NULL;
	struct wgf_error err = {0};
	char *text = NULL;

	if (sp && saved_plan_add(sp, p, ID1, &err) == 0)
		text = saved_plan_format(sp);
	CHECK(text != NULL);
	wgf_error_clear(&err);
	saved_plan_free(sp);
	plan_free(p);
	model_free(m);
	return text;
}

/* text with the JSON edited by fn is refused, the message holding want. */
static void refused_after(const char *text, void (*fn)(struct json_object *root), const char *want)
{
	struct json_object *root = json_tokener_parse(text);
	struct saved_plan *sp = NULL;
	struct wgf_error err = {0};
	const char *edited;

	CHECK(root != NULL);
	if (!root)
		return;
	fn(root);
	edited = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
	CHECK_INT(saved_plan_parse(edited, strlen(edited), "e.json", &sp, &err), -EBADMSG);
	CHECK(sp == NULL);
	if (!strstr(wgf_error_message(&err), want))
		fprintf(stderr, "#  wanted \"%s\" in \"%s\"\n", want, wgf_error_message(&err));
	CHECK(strstr(wgf_error_message(&err), want) != NULL);
	CHECK(!strncmp(wgf_error_message(&err), "e.json", 6));
	wgf_error_clear(&err);
	json_object_put(root);
}

/* Editing a parsed saved plan. */
static void put(struct json_object *o, const char *key, struct json_object *v) { json_object_object_add(o, key, v); }
static struct json_object *get(struct json_object *o, const char *key) { return json_object_object_get(o, key); }
static struct json_object *jstr(const char *s) { return json_object_new_string(s); }

static struct json_object *host0(struct json_object *root)
{
	return json_object_array_get_idx(get(root, "hosts"), 0);
}

static void no_kind(struct json_object *r) { json_object_object_del(r, "kind"); }
static void other_kind(struct json_object *r) { put(r, "kind", jstr("wgf-observed-state")); }
static void format_2(struct json_object *r) { put(r, "format_version", json_object_new_int(2)); }
static void no_version(struct json_object *r) { json_object_object_del(r, "wgf_version"); }
static void no_source(struct json_object *r) { json_object_object_del(r, "source"); }
static void commit_no_tree(struct json_object *r)
{
	struct json_object *s = get(r, "source");
	put(s, "commit", jstr("0123456789012345678901234567890123456789"));
}
static void pinned_lie(struct json_object *r) { put(get(r, "source"), "pinned", json_object_new_boolean(1)); }
static void no_signer(struct json_object *r) { json_object_object_del(r, "signer"); }
static void empty_signer(struct json_object *r) { put(r, "signer", json_object_new_object()); }
static void null_signer(struct json_object *r)
{
	struct json_object *s = json_object_new_object();
	put(s, "principal", NULL);
	put(s, "fingerprint", NULL);
	put(r, "signer", s);
}
static void no_hosts(struct json_object *r) { put(r, "hosts", json_object_new_array()); }
static void no_id(struct json_object *r) { json_object_object_del(host0(r), "id"); }
static void bad_id(struct json_object *r) { put(host0(r), "id", jstr("xyz")); }
static void bad_fp(struct json_object *r) { put(host0(r), "fingerprint", jstr("00")); }
static void bad_key(struct json_object *r) { put(host0(r), "public_key", jstr("nope")); }
static void no_desired(struct json_object *r) { json_object_object_del(host0(r), "desired"); }
static void no_plan(struct json_object *r) { json_object_object_del(host0(r), "plan"); }
static void other_host(struct json_object *r) { put(host0(r), "host", jstr("node9")); }
static void twice(struct json_object *r)
{
	struct json_object *copy = NULL;
	json_object_deep_copy(host0(r), &copy, NULL);
	json_object_array_add(get(r, "hosts"), copy);
}
static void bad_change(struct json_object *r)
{
	struct json_object *changes = get(get(host0(r), "plan"), "changes");

	put(json_object_array_get_idx(changes, 1), "action", jstr("explode"));
}
static struct json_object *iface0(struct json_object *r)
{
	return json_object_array_get_idx(get(get(host0(r), "desired"), "interfaces"), 0);
}
static void bad_endpoint(struct json_object *r)
{
	struct json_object *p = json_object_array_get_idx(get(iface0(r), "peers"), 1);
	put(p, "endpoint", jstr("not-an-endpoint"));
}
static void bad_backend(struct json_object *r) { put(iface0(r), "backend", jstr("magic")); }
static void core_pattern(struct json_object *r)
{
	put(get(get(host0(r), "desired"), "sysctls"), "kernel.core_pattern", jstr("|/tmp/x"));
}
static void no_firewall(struct json_object *r) { json_object_object_del(get(host0(r), "desired"), "firewall"); }

static void test_malformed_refused(void)
{
	char *text = valid_text();
	struct saved_plan *sp = NULL;
	struct wgf_error err = {0};

	if (!text)
		return;
	CHECK_INT(saved_plan_parse(text, strlen(text), "ok.json", &sp, &err), 0);
	CHECK(sp && sp->directory && !strcmp(sp->directory, "/srv/net") && !sp->commit);
	saved_plan_free(sp);
	/* cut: where it ends, as file:line:col */
	CHECK_INT(saved_plan_parse(text, 200, "cut.json", &sp, &err), -EBADMSG);
	CHECK_STR(wgf_error_message(&err), "cut.json:1:201: not a saved plan: the JSON ends early (truncated?)");
	wgf_error_clear(&err);
	CHECK_INT(saved_plan_parse("{\"kind\": 1}\n  x", 15, "junk.json", &sp, &err), -EBADMSG);
	CHECK(!strncmp(wgf_error_message(&err), "junk.json:2:", 12));
	wgf_error_clear(&err);
	CHECK_INT(saved_plan_parse("[]", 2, "arr.json", &sp, &err), -EBADMSG);
	wgf_error_clear(&err);
	refused_after(text, no_kind, "kind is missing");
	refused_after(text, other_kind, "is not a saved plan");
	refused_after(text, format_2, "format_version");
	refused_after(text, no_version, "wgf_version is missing");
	refused_after(text, no_source, "source: expected an object");
	refused_after(text, commit_no_tree, "either a commit and its tree, or a directory");
	refused_after(text, pinned_lie, "source.pinned");
	refused_after(text, no_signer, "signer: missing");
	refused_after(text, empty_signer, "signer: principal is missing");
	refused_after(text, null_signer, "signer: names no one");
	refused_after(text, no_hosts, "at least one host");
	refused_after(text, no_id, "hosts[0]: id is missing");
	refused_after(text, bad_id, "hosts[0]: id:");
	refused_after(text, bad_fp, "hosts[0]: fingerprint:");
	refused_after(text, bad_key, "hosts[0]: public_key:");
	refused_after(text, no_desired, "hosts[0]: desired is missing");
	refused_after(text, no_plan, "hosts[0]: plan: expected an object");
	refused_after(text, other_host, "it is not the plan of host \"node9\"");
	refused_after(text, twice, "hosts: host \"node1\" is listed twice");
	refused_after(text, bad_change, "hosts[0].plan: changes[1]:");
	refused_after(text, bad_endpoint,
		      "hosts[0].desired.interfaces[0].peers[1].endpoint: \"not-an-endpoint\" is not an endpoint");
	refused_after(text, bad_backend, "hosts[0].desired.interfaces[0].backend");
	refused_after(text, no_firewall, "hosts[0].desired.firewall: missing");
	refused_after(text, core_pattern,
		      "hosts[0].desired.sysctls: \"kernel.core_pattern\" = \"|/tmp/x\" is not a setting wgf makes");
	free(text);
}

static void test_add_refuses(void)
{
	struct model *m = load("examples/small-mesh");
	struct plan *p = m ? plan_for(m, &m->hosts[0], hoststate_new()) : NULL;
	struct saved_plan *sp = saved_plan_new("1.0", "x", NULL, NULL, "/x");
	struct wgf_error err = {0};

	if (!p || !sp)
		goto out;
	CHECK_INT(saved_plan_add(sp, p, "short", &err), -EINVAL);
	wgf_error_clear(&err);
	CHECK_INT(saved_plan_add(sp, p, ID1, &err), 0);
	CHECK_INT(saved_plan_add(sp, p, ID2, &err), -EINVAL);
	CHECK(strstr(wgf_error_message(&err), "twice") != NULL);
	wgf_error_clear(&err);
	saved_plan_free(sp);
	sp = saved_plan_new("1.0", "x", NULL, NULL, "/x");
	/* a desired PSK is saved as its id and sealed copy only: without them it is refused */
	p->desired->devices[0].peers[0].has_psk = true;
	CHECK_INT(saved_plan_add(sp, p, ID1, &err), -EINVAL);
	CHECK(strstr(wgf_error_message(&err), "saved in a plan only as its id and its copy sealed") != NULL);
	CHECK_INT(sp->n_hosts, 0);
	wgf_error_clear(&err);
	p->desired->devices[0].peers[0].has_psk = false;
	p->has_fingerprint = false;
	CHECK_INT(saved_plan_add(sp, p, ID1, &err), -EINVAL);
	wgf_error_clear(&err);
out:
	saved_plan_free(sp);
	plan_free(p);
	model_free(m);
}

static void test_merge_split(void)
{
	struct model *m = load("examples/small-mesh");
	struct saved_plan *a = saved_plan_new("1.0", "s", NULL, NULL, "/x"), *b = saved_plan_new("1.0", "s", NULL, NULL, "/x");
	struct saved_plan *c = saved_plan_new("2.0", "s", NULL, NULL, "/x"), *merged = NULL, *one = NULL, *back = NULL;
	struct plan *p1 = m ? plan_for(m, &m->hosts[0], hoststate_new()) : NULL;
	struct plan *p2 = m ? plan_for(m, &m->hosts[1], hoststate_new()) : NULL;
	struct wgf_error err = {0};
	char *text = NULL;

	if (!p1 || !p2 || !a || !b || !c)
		goto out;
	CHECK_INT(saved_plan_add(b, p2, ID2, &err), 0);
	CHECK_INT(saved_plan_add(a, p1, ID1, &err), 0);
	CHECK_INT(saved_plan_add(c, p1, ID1, &err), 0);
	CHECK_INT(saved_plan_merge((const struct saved_plan *const[]){ b, a }, 2, &merged, &err), 0);
	CHECK(merged && merged->n_hosts == 2);
	if (merged && merged->n_hosts == 2) {
		CHECK_STR(merged->hosts[0].name, "node1");
		CHECK_STR(merged->hosts[0].id, ID1);
		CHECK_STR(merged->hosts[1].id, ID2);
		text = saved_plan_format(merged);
		CHECK_INT(saved_plan_parse(text, strlen(text), "m.json", &back, &err), 0);
		CHECK_INT(saved_plan_split(back, "node2", &one, &err), 0);
		CHECK(one && one->n_hosts == 1 && !strcmp(one->hosts[0].id, ID2) && one->hosts[0].plan &&
		      plan_equal(one->hosts[0].plan, p2, NULL));
	}
	saved_plan_free(back);
	CHECK_INT(saved_plan_split(a, "node3", &back, &err), -ENOENT);
	CHECK(back == NULL);
	wgf_error_clear(&err);
	saved_plan_free(back);
	back = NULL;
	/* another wgf, and a host twice */
	CHECK_INT(saved_plan_merge((const struct saved_plan *const[]){ a, c }, 2, &back, &err), -EINVAL);
	wgf_error_clear(&err);
	CHECK_INT(saved_plan_merge((const struct saved_plan *const[]){ a, merged }, 2, &back, &err), -EINVAL);
	CHECK(strstr(wgf_error_message(&err), "more than one") != NULL);
	CHECK(back == NULL);
out:
	wgf_error_clear(&err);
	free(text);
	saved_plan_free(a);
	saved_plan_free(b);
	saved_plan_free(c);
	saved_plan_free(merged);
	saved_plan_free(one);
	saved_plan_free(back);
	plan_free(p1);
	plan_free(p2);
	model_free(m);
}

/* The fingerprint of observed against desired and records, hex-free. */
static void fp(const struct host_state *obs, const struct statedir_records *rec, const struct host_state *want,
	       uint8_t out[SNAPSHOT_DIGEST_LEN])
{
	snapshot_fingerprint("node1", obs, rec, want, out);
}

static void test_fingerprint(void)
{
	struct model *m = load("examples/small-mesh");
	struct plan *p = m ? plan_for(m, &m->hosts[0], hoststate_new()) : NULL;
	struct host_state *want, *obs = NULL;
	struct statedir_records rec = {0};
	struct hs_peer *peer;
	uint8_t a[SNAPSHOT_DIGEST_LEN], b[SNAPSHOT_DIGEST_LEN];
	struct wgf_endpoint ep;

	if (!p)
		goto out;
	want = p->desired;
	obs = observed_for(p);
	rec.declared = hoststate_dup(want);   /* what wgf declared: the desired endpoints */
	if (!obs || !rec.declared || !obs->devices[0].n_peers)
		goto out;
	peer = &obs->devices[0].peers[0];
	fp(obs, &rec, want, a);
	/* never drift: handshakes, counters, a roam while the declared endpoint is desired */
	peer->last_handshake_sec = 12345;
	peer->rx_bytes = 99;
	peer->tx_bytes = 77;
	CHECK(endpoint_parse("203.0.113.9:4444", &ep));
	peer->endpoint = ep;
	fp(obs, &rec, want, b);
	CHECK(!memcmp(a, b, sizeof(a)));
	/* a PSK counts by its id: the same from a snapshot (id only) as from the kernel (the key) */
	peer->psk_withheld = peer->has_psk_id = true;
	seal_psk_id(secret_psk, peer->psk_id);
	sodium_memzero(peer->psk, sizeof(peer->psk));
	fp(obs, &rec, want, b);
	CHECK(!memcmp(a, b, sizeof(a)));
	peer->psk_id[0] ^= 1;
	fp(obs, &rec, want, b);
	CHECK(memcmp(a, b, sizeof(a)));
	peer->psk_withheld = peer->has_psk_id = false;
	memcpy(peer->psk, secret_psk, WG_KEY_LEN);
	peer->psk[3] ^= 1;
	fp(obs, &rec, want, b);
	CHECK(memcmp(a, b, sizeof(a)));
	peer->psk[3] ^= 1;
	fp(obs, &rec, want, b);
	CHECK(!memcmp(a, b, sizeof(a)));
	/* a roam does count where the declaration changed (the plan sends the endpoint) */
	rec.declared->devices[0].peers[0].endpoint.port++;
	rec.declared->devices[0].peers[1].endpoint.port++;
	fp(obs, &rec, want, a);
	peer->endpoint.port++;
	fp(obs, &rec, want, b);
	CHECK(memcmp(a, b, sizeof(a)));
	/* drift: a PSK gone, a peer's allowed IPs, a route's metric, the table */
	peer->has_psk = false;
	fp(obs, &rec, want, a);
	CHECK(memcmp(a, b, sizeof(a)));
	peer->n_allowed_ips--;
	fp(obs, &rec, want, b);
	CHECK(memcmp(a, b, sizeof(a)));
	obs->firewall.present = true;
	free(obs->firewall.body);
	obs->firewall.body = strdup("table inet wgf {\n}\n");
	fp(obs, &rec, want, a);
	CHECK(memcmp(a, b, sizeof(a)));
	/* the record of the table counts, its stamp (when it was read) does not */
	CHECK_INT(fw_record_new(&want->firewall, "table inet wgf {\n}\n", &rec.fw_applied), 0);
	fp(obs, &rec, want, b);
	CHECK(memcmp(a, b, sizeof(a)));
	if (rec.fw_applied) {
		rec.fw_applied->has_stamp = true;
		rec.fw_applied->stamp.genid = 42;
	}
	fp(obs, &rec, want, a);
	CHECK(!memcmp(a, b, sizeof(a)));
	/* and the converged digest is not the fingerprint */
	CHECK_INT(snapshot_digest("node1", obs, &rec, b), 0);
	CHECK(memcmp(a, b, sizeof(a)));
out:
	statedir_records_clear(&rec);
	hoststate_free(obs);
	plan_free(p);
	model_free(m);
}

/* Single use: the ids applied, in the state directory (0600); an id is
 * matched whole, never by a prefix. And which entry is this host's. */
static void test_used_ids_and_pick(void)
{
	char dir[] = "/tmp/wgf-unit-saved.XXXXXX", path[256], key_path[256];
	struct saved_apply_opts o = { .state_dir = dir };
	const struct saved_plan_host *h = NULL;
	struct saved_plan sp = {0};
	struct saved_plan_host hosts[2] = { { .name = "alpha", .has_public_key = true },
					    { .name = "beta", .has_public_key = true } };
	struct wgf_error err = {0};
	uint8_t priv[WG_KEY_LEN];
	struct stat st;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/%s", dir, SAVED_USED_FILE);
	snprintf(key_path, sizeof(key_path), "%s/private.key", dir);
	CHECK_INT(saved_used_check(dir, ID1), 0);
	CHECK_INT(saved_used_add(dir, ID1, "alpha"), 0);
	CHECK_INT(saved_used_check(dir, ID1), 1);
	CHECK_INT(saved_used_check(dir, ID2), 0);
	CHECK_INT(saved_used_check(dir, "0123456789abcdef"), 0);
	CHECK_INT(saved_used_add(dir, ID2, "beta"), 0);
	CHECK_INT(saved_used_check(dir, ID1), 1);
	CHECK_INT(saved_used_check(dir, ID2), 1);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	/* the entry: --host, else the key file's key */
	sp.hosts = hosts;
	sp.n_hosts = 2;
	o.key_file = key_path;
	CHECK_INT(keyfile_create(key_path, false, priv), 0);
	CHECK_INT(key_public_from_private(hosts[1].public_key, priv), 0);
	CHECK_INT(saved_apply_pick(&sp, &o, &h, &err), 0);
	CHECK(h == &hosts[1]);
	o.host = "alpha";
	CHECK_INT(saved_apply_pick(&sp, &o, &h, &err), 0);
	CHECK(h == &hosts[0]);
	o.host = "gamma";
	CHECK_INT(saved_apply_pick(&sp, &o, &h, &err), -ENOENT);
	CHECK(h == NULL);
	wgf_error_clear(&err);
	sodium_memzero(priv, sizeof(priv));
	unlink(key_path);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	RUN(test_every_example_round_trips);
	RUN(test_malformed_refused);
	RUN(test_add_refuses);
	RUN(test_merge_split);
	RUN(test_fingerprint);
	RUN(test_used_ids_and_pick);
	UNIT_DONE();
}
