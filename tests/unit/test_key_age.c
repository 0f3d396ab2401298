/* Key ages: the status of a key from its creation time, maxAge and the time
 * (boundaries included), which creation time wins (git history, keyCreated,
 * none), the effective policy, the overdue diagnostics and where they point,
 * and the scan of a blob for keys that git history relies on. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "reconcile/host/key_history.h"
#include "render/key_age.h"
#include "tests/unit/unit.h"

#define K1 "nvxiIrZiEXsUVsSiztvMMslEl483akOdYQiZbPy2xR8="
#define K2 "I6OkHgtCPh2pjt/cgmQbwc5seW6z/kHM4dygnK8rV04="
#define K3 "cU/Cl9JLoCDtRvy1k9shZgLNUhLsx1P0VrlUUtl6dBQ="
#define K4 "zNrdD/fVhiv0pInwKHoGOBRqZjJ1Gnu06A0yjdkfrQ8="

#define DAY KEY_AGE_DAY
#define JAN1 1767225600         /* 2026-01-01T00:00:00Z */

static void test_eval(void)
{
	int64_t age, due;

	CHECK_INT(key_age_eval(true, JAN1, 90 * DAY, JAN1 + 10 * DAY, 14 * DAY, &age, &due), KEY_AGE_OK);
	CHECK_INT(age, 10 * DAY);
	CHECK_INT(due, JAN1 + 90 * DAY);
	/* due soon: due - now <= the horizon, both ends */
	CHECK_INT(key_age_eval(true, JAN1, 90 * DAY, JAN1 + 76 * DAY - 1, 14 * DAY, &age, &due), KEY_AGE_OK);
	CHECK_INT(key_age_eval(true, JAN1, 90 * DAY, JAN1 + 76 * DAY, 14 * DAY, &age, &due), KEY_AGE_DUE_SOON);
	/* exactly maxAge old is due now, not overdue; a second later it is */
	CHECK_INT(key_age_eval(true, JAN1, 90 * DAY, JAN1 + 90 * DAY, 0, &age, &due), KEY_AGE_DUE_SOON);
	CHECK_INT(key_age_eval(true, JAN1, 90 * DAY, JAN1 + 90 * DAY + 1, 0, &age, &due), KEY_AGE_OVERDUE);
	CHECK_INT(age, 90 * DAY + 1);
	/* no policy: the age is still known, no due date */
	CHECK_INT(key_age_eval(true, JAN1, 0, JAN1 + 500 * DAY, 14 * DAY, &age, &due), KEY_AGE_NO_POLICY);
	CHECK_INT(age, 500 * DAY);
	CHECK_INT(due, 0);
	/* a policy but no creation time */
	CHECK_INT(key_age_eval(false, 0, 90 * DAY, JAN1, 14 * DAY, &age, &due), KEY_AGE_UNKNOWN);
	CHECK_INT(age, 0);
	CHECK_INT(due, 0);
	/* made after now (a clock behind, a date in the future): new, not negative */
	CHECK_INT(key_age_eval(true, JAN1 + DAY, 90 * DAY, JAN1, 14 * DAY, &age, &due), KEY_AGE_OK);
	CHECK_INT(age, 0);
}

static void test_names(void)
{
	char buf[32];

	CHECK_STR(key_age_status_name(KEY_AGE_OVERDUE), "overdue");
	CHECK_STR(key_age_status_name(KEY_AGE_DUE_SOON), "due soon");
	CHECK_STR(key_age_status_name(KEY_AGE_NO_POLICY), "no policy");
	CHECK_STR(key_age_origin_name(KEY_ORIGIN_KEY_CREATED), "keyCreated");
	CHECK_STR(key_age_origin_name(KEY_ORIGIN_COMMIT), "commit");
	CHECK_STR(key_age_duration(90 * DAY, buf, sizeof(buf)), "90 days");
	CHECK_STR(key_age_duration(DAY, buf, sizeof(buf)), "1 day");
	CHECK_STR(key_age_duration(36 * 3600, buf, sizeof(buf)), "36 hours");
	CHECK_STR(key_age_duration(120 * DAY + 3600, buf, sizeof(buf)), "120 days");
}

static const char repo[] =
	"apiVersion: wgf/v1\nkind: Network\nmetadata: {name: n}\n"
	"spec:\n  addressPools: {ipv4: 10.0.0.0/24}\n  rotation: {maxAge: 90d}\n"
	"---\napiVersion: wgf/v1\nkind: Tenant\nmetadata: {name: t}\n"
	"spec:\n  addressPools: {ipv4: 10.0.0.128/25}\n  rotation: {maxAge: 30d}\n"
	"---\napiVersion: wgf/v1\nkind: Host\nmetadata: {name: h}\n"
	"spec:\n  role: hub\n  publicKey: " K1 "\n  endpoint: 192.0.2.1:51820\n"
	"  addresses: [10.0.0.1/24]\n  keyCreated: 2026-01-01\n"
	"---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: a}\n"
	"spec:\n  publicKey: " K2 "\n  addresses: [10.0.0.2]\n  hubs: [h]\n"
	"---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: b}\n"
	"spec:\n  publicKey: " K3 "\n  addresses: [10.0.0.130]\n  hubs: [h]\n  tenant: t\n  keyCreated: 2026-01-01\n"
	"---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: c}\n"
	"spec:\n  publicKey: " K4 "\n  addresses: [10.0.0.3]\n  hubs: [h]\n  keyCreated: 2026-01-01\n"
	"  rotation: {maxAge: 365d}\n";

static struct model *load(void)
{
	const char *name = "r.yaml", *text = repo;
	size_t len = strlen(repo);
	struct model *m = NULL;
	struct diag d;

	diag_init(&d);
	if (model_load_buffers(&name, &text, &len, 1, &m, &d) < 0) {
		diag_print(&d, stderr);
		m = NULL;
	}
	diag_free(&d);
	return m;
}

static const struct key_age *find(const struct key_ages *a, const char *name)
{
	for (size_t i = 0; i < a->n; i++)
		if (!strcmp(a->items[i].name, name))
			return &a->items[i];
	return NULL;
}

/* keyCreated without history; the most specific rotation wins (Peer, Tenant, Network). */
static void test_collect_key_created(void)
{
	struct model *m = load();
	struct key_age_opts o = { .now = JAN1 + 100 * DAY, .due_within = 14 * DAY };
	struct key_ages a;
	const struct key_age *k;

	CHECK(m != NULL);
	if (!m)
		return;
	CHECK_INT(key_ages_collect(m, &o, &a), 0);
	CHECK_INT(a.n, 4);
	CHECK(a.items[0].is_host);
	k = find(&a, "h");
	CHECK(k && k->created.origin == KEY_ORIGIN_KEY_CREATED && k->created.time == JAN1);
	CHECK(k && k->status == KEY_AGE_OVERDUE && k->max_age == 90 * DAY && k->age == 100 * DAY);
	CHECK(k && k->due == JAN1 + 90 * DAY && k->loc.line == 16 && !strcmp(k->loc.file, "r.yaml"));
	CHECK_STR(k ? k->fingerprint : NULL, "nvxiIrZi…");
	k = find(&a, "a");
	CHECK(k && k->created.origin == KEY_ORIGIN_UNKNOWN && k->status == KEY_AGE_UNKNOWN && k->due == 0);
	k = find(&a, "b");      /* the tenant's 30 days */
	CHECK(k && k->max_age == 30 * DAY && k->status == KEY_AGE_OVERDUE);
	k = find(&a, "c");      /* its own 365 days */
	CHECK(k && k->max_age == 365 * DAY && k->status == KEY_AGE_OK);
	CHECK_INT(a.counts[KEY_AGE_OVERDUE], 2);
	CHECK_INT(a.counts[KEY_AGE_UNKNOWN], 1);
	CHECK_INT(a.counts[KEY_AGE_OK], 1);
	key_ages_clear(&a);
	model_free(m);
}

/* Git history wins over keyCreated where it found the key; where it did not, keyCreated stays. */
static void test_collect_history(void)
{
	struct model *m = load();
	struct key_created hosts[1] = {0}, peers[3] = {0};
	bool want_peers[3] = { true, false, true };
	struct key_age_opts o = { .now = JAN1 + 100 * DAY, .due_within = 14 * DAY, .hosts = hosts, .peers = peers };
	struct key_ages a;
	const struct key_age *k;

	if (!m) {
		CHECK(m != NULL);
		return;
	}
	hosts[0] = (struct key_created){ KEY_ORIGIN_COMMIT, JAN1 + 95 * DAY, "0123456789abcdef0123456789abcdef01234567" };
	peers[0] = (struct key_created){ KEY_ORIGIN_COMMIT, JAN1 + 20 * DAY, "89abcdef0123456789abcdef0123456789abcdef" };
	CHECK_INT(key_ages_collect(m, &o, &a), 0);
	k = find(&a, "h");
	CHECK(k && k->created.origin == KEY_ORIGIN_COMMIT && k->age == 5 * DAY && k->status == KEY_AGE_OK);
	CHECK_STR(k ? k->created.commit : NULL, "0123456789abcdef0123456789abcdef01234567");
	k = find(&a, "a");      /* 80 days of 90: due within 14 */
	CHECK(k && k->created.origin == KEY_ORIGIN_COMMIT && k->status == KEY_AGE_DUE_SOON);
	k = find(&a, "c");
	CHECK(k && k->created.origin == KEY_ORIGIN_KEY_CREATED);
	key_ages_clear(&a);

	/* only the keys asked for */
	o.want_peers = want_peers;
	o.want_hosts = (bool[]){ false };
	CHECK_INT(key_ages_collect(m, &o, &a), 0);
	CHECK_INT(a.n, 2);
	CHECK(find(&a, "h") == NULL && find(&a, "b") == NULL && find(&a, "a") && find(&a, "c"));
	key_ages_clear(&a);
	model_free(m);
}

static void test_report(void)
{
	struct model *m = load();
	struct key_age_opts o = { .now = JAN1 + 120 * DAY + 3600, .due_within = 14 * DAY };
	struct key_ages a;
	struct diag d;

	if (!m) {
		CHECK(m != NULL);
		return;
	}
	CHECK_INT(key_ages_collect(m, &o, &a), 0);
	diag_init(&d);
	CHECK_INT(key_ages_report(&a, false, &d), 2);
	CHECK_INT(d.n_warnings, 2);
	CHECK_INT(d.n_errors, 0);
	CHECK_INT(d.n, 2);
	if (d.n == 2) {
		CHECK_STR(d.entries[0].msg, "key of Host \"h\" is 120 days old, rotation maxAge is 90 days: "
			  "rotate it (wgf host rotate, on h, then commit its next key)");
		CHECK_INT(d.entries[0].line, 16);
		CHECK_INT(d.entries[0].col, 1);
		CHECK_STR(d.entries[1].msg, "key of Peer \"b\" is 120 days old, rotation maxAge is 30 days: "
			  "rotate it (wgf peer rotate b)");
		CHECK(d.entries[1].warning);
	}
	diag_free(&d);
	diag_init(&d);
	CHECK_INT(key_ages_report(&a, true, &d), 2);
	CHECK_INT(d.n_errors, 2);
	CHECK_INT(d.n_warnings, 0);
	diag_free(&d);
	key_ages_clear(&a);
	model_free(m);
}

static bool scan_has(const char *text, const char *b64, size_t *n)
{
	uint8_t (*keys)[WG_KEY_LEN] = NULL, want[WG_KEY_LEN];
	bool found = false;

	if (key_history_scan(text, strlen(text), &keys, n) < 0)
		return false;
	key_from_base64(b64, want);
	for (size_t i = 0; i < *n; i++)
		found |= !memcmp(keys[i], want, WG_KEY_LEN);
	free(keys);
	return found;
}

static void test_scan(void)
{
	size_t n;

	CHECK(scan_has("spec:\n  publicKey: " K1 "\n", K1, &n) && n == 1);
	CHECK(scan_has("publicKey: '" K1 "'", K1, &n) && n == 1);
	CHECK(scan_has(K1, K1, &n) && n == 1);                  /* the whole blob, no newline */
	CHECK(scan_has("[" K1 "," K2 "," K1 "]", K2, &n) && n == 2);   /* duplicates once */
	CHECK(!scan_has("x" K1 "\n", K1, &n) && n == 0);        /* part of a longer run */
	CHECK(!scan_has(K1 "=\n", K1, &n) && n == 0);           /* "==": not a key's ending */
	CHECK(!scan_has(K1 "A\n", K1, &n) && n == 0);
	/* a sealed value: 120 base64 characters hold no key */
	CHECK(!scan_has("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
			"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", K1, &n) && n == 0);
	CHECK(!scan_has("", K1, &n) && n == 0);
	/* 43 characters and "=" that do not decode to 32 bytes (the last character's spare bits set) */
	CHECK(!scan_has("nvxiIrZiEXsUVsSiztvMMslEl483akOdYQiZbPy2xR9=", K1, &n) && n == 0);
}

int main(void)
{
	if (key_init() < 0)
		return 1;
	RUN(test_eval);
	RUN(test_names);
	RUN(test_collect_key_created);
	RUN(test_collect_history);
	RUN(test_report);
	RUN(test_scan);
	UNIT_DONE();
}
