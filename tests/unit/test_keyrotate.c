/* Host keys: the sealing key and the prepared next key beside the key file;
 * `wgf host rotate`'s files (prepared, switched, the old one kept); the
 * pipeline picking the prepared key when the Host declares it, and not
 * otherwise; and, against the fake kernel, an apply with the prepared key
 * that fails (the device gets its old key back, no key file changes) and one
 * that succeeds (the key file is the new key, the rotation journaled). */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/seal.h"
#include "reconcile/host/fileio.h"
#include "reconcile/host/journal.h"
#include "reconcile/host/keyfile.h"
#include "reconcile/host/keyrotate.h"
#include "reconcile/host/observe.h"
#include "reconcile/host/pipeline.h"
#include "reconcile/host/saved_apply.h"
#include "tests/unit/kernel_fake.h"
#include "tests/unit/unit.h"

#define NOW 1767225600   /* 2026-01-01 */

struct keydir {
	char dir[64], key[96], next[96], sealing[96], previous[128], state[96], repo[96];
};

static void keydir_init(struct keydir *k)
{
	strcpy(k->dir, "/tmp/wgf-unit-keyrotate.XXXXXX");
	CHECK(mkdtemp(k->dir) != NULL);
	snprintf(k->key, sizeof(k->key), "%s/private.key", k->dir);
	CHECK_INT(keyfile_beside(k->key, KEYFILE_NEXT_NAME, k->next, sizeof(k->next)), 0);
	CHECK_INT(keyfile_beside(k->key, KEYFILE_SEALING_NAME, k->sealing, sizeof(k->sealing)), 0);
	snprintf(k->previous, sizeof(k->previous), "%s%s", k->key, KEYROTATE_PREVIOUS_SUFFIX);
	snprintf(k->state, sizeof(k->state), "%s/state", k->dir);
	snprintf(k->repo, sizeof(k->repo), "%s/repo", k->dir);
}

static void keydir_remove(struct keydir *k)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", k->dir);
	CHECK_INT(system(cmd), 0);
}

static bool same_key_file(const char *path, const uint8_t want[WG_KEY_LEN])
{
	uint8_t have[WG_KEY_LEN];
	bool same = keyfile_read(path, have) == 0 && !memcmp(have, want, WG_KEY_LEN);

	sodium_memzero(have, sizeof(have));
	return same;
}

static unsigned mode_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 ? st.st_mode & 0777 : 0;
}

static void test_beside(void)
{
	char buf[64];

	CHECK_INT(keyfile_beside("/etc/wgf/private.key", KEYFILE_NEXT_NAME, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "/etc/wgf/next.key");
	CHECK_INT(keyfile_beside("/private.key", KEYFILE_SEALING_NAME, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "/sealing.key");
	CHECK_INT(keyfile_beside("private.key", KEYFILE_NEXT_NAME, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "next.key");
	CHECK_INT(keyfile_beside("/a/very/long/directory/name/private.key", KEYFILE_NEXT_NAME, buf, 16),
		  -ENAMETOOLONG);
}

/* Prepared once (0600), refused again unless forced; switched: the key file
 * is the next key, the old one kept (0600, an older one replaced), next gone. */
static void test_prepare_and_switch(void)
{
	uint8_t cur[WG_KEY_LEN], next[WG_KEY_LEN], pub[WG_KEY_LEN], pub2[WG_KEY_LEN], old_pub[WG_KEY_LEN];
	uint8_t cur_pub[WG_KEY_LEN], other[WG_KEY_LEN];
	struct keydir k;

	keydir_init(&k);
	CHECK_INT(keyfile_create(k.key, false, cur), 0);
	CHECK_INT(key_public_from_private(cur_pub, cur), 0);
	CHECK_INT(keyrotate_prepare(k.next, false, pub), 0);
	CHECK_INT(mode_of(k.next), 0600);
	CHECK_INT(keyfile_read(k.next, next), 0);
	CHECK_INT(key_public_from_private(pub2, next), 0);
	CHECK(!memcmp(pub, pub2, WG_KEY_LEN));
	CHECK_INT(keyrotate_prepare(k.next, false, pub2), -EEXIST);
	CHECK(same_key_file(k.next, next));
	/* forced: a new one (the first was never applied) */
	CHECK_INT(keyrotate_prepare(k.next, true, pub2), 0);
	CHECK(memcmp(pub, pub2, WG_KEY_LEN) != 0);
	/* a switch for the key prepared before is stale: nothing changes */
	CHECK_INT(keyrotate_switch(k.key, k.next, pub, old_pub), -ESTALE);
	CHECK(same_key_file(k.key, cur));
	CHECK(access(k.next, F_OK) == 0);
	CHECK(access(k.previous, F_OK) != 0);
	CHECK_INT(keyfile_read(k.next, next), 0);
	/* an older previous key is replaced */
	key_generate_private(other);
	CHECK_INT(fileio_write(k.previous, "junk\n", 5, 0644), 0);
	CHECK_INT(keyrotate_switch(k.key, k.next, pub2, old_pub), 0);
	CHECK(!memcmp(old_pub, cur_pub, WG_KEY_LEN));
	CHECK(same_key_file(k.key, next));
	CHECK_INT(mode_of(k.key), 0600);
	CHECK(same_key_file(k.previous, cur));
	CHECK_INT(mode_of(k.previous), 0600);
	CHECK(access(k.next, F_OK) != 0);
	/* nothing prepared: nothing to switch */
	CHECK_INT(keyrotate_switch(k.key, k.next, pub2, old_pub), -ENOENT);
	CHECK(same_key_file(k.key, next));
	sodium_memzero(cur, sizeof(cur));
	sodium_memzero(next, sizeof(next));
	sodium_memzero(other, sizeof(other));
	keydir_remove(&k);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	CHECK_INT(fileio_write(path, text, strlen(text), 0644), 0);
}

/* A network of one hub (publicKey hub_pub) and one or two peers. */
static struct model *repo(const struct keydir *k, const uint8_t hub_pub[WG_KEY_LEN], bool two_peers)
{
	char b64[WG_KEY_B64_LEN], *text;
	struct model *m = NULL;
	struct diag d;

	CHECK_INT(fileio_mkdir(k->repo), 0);
	write_file(k->repo, "network.yaml", "apiVersion: wgf/v1\nkind: Network\nmetadata:\n  name: krnet\nspec:\n"
		   "  interface: krw0\n  listenPort: 51820\n  addressPools:\n    ipv4: 10.77.0.0/24\n");
	text = NULL;
	CHECK(asprintf(&text, "apiVersion: wgf/v1\nkind: Host\nmetadata:\n  name: hub\nspec:\n  role: hub\n"
		       "  publicKey: %s\n  endpoint: 192.0.2.1:51820\n  addresses: [10.77.0.1/24]\n",
		       key_to_base64(hub_pub, b64)) > 0);
	write_file(k->repo, "hub.yaml", text);
	free(text);
	write_file(k->repo, "p1.yaml", "apiVersion: wgf/v1\nkind: Peer\nmetadata:\n  name: p1\nspec:\n"
		   "  publicKey: +U5I1IO+bJO0RwTKj1JiYl4U5p/y2/WZWR39EhclGiM=\n  addresses: [10.77.0.11]\n"
		   "  hubs: [hub]\n");
	if (two_peers)
		write_file(k->repo, "p2.yaml", "apiVersion: wgf/v1\nkind: Peer\nmetadata:\n  name: p2\nspec:\n"
			   "  publicKey: qoNkVFpU/ggRfzWUV7Rau+qqkLXX7roXz9bq0VaGLzw=\n  addresses: [10.77.0.12]\n"
			   "  hubs: [hub]\n");
	diag_init(&d);
	CHECK_INT(model_load_dir(k->repo, &m, &d), 0);
	if (d.n_errors)
		diag_print(&d, stderr);
	diag_free(&d);
	return m;
}

static void opts_for(const struct keydir *k, struct pipeline_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->state_dir = k->state;
	o->key_file = k->key;
	o->key_file_given = true;
	o->need_key = true;
	o->next_key_file = k->next;
	o->sealing_key_file = k->sealing;
	o->now = NOW;
}

/* The Host is found by the prepared key too; declared, it is the key planned
 * with; a key that is neither says how to rotate. The sealing key is read
 * when there is one, and must be 0600. */
static void test_identify(void)
{
	uint8_t cur[WG_KEY_LEN], next[WG_KEY_LEN], cur_pub[WG_KEY_LEN], next_pub[WG_KEY_LEN], other[WG_KEY_LEN];
	uint8_t spriv[WG_KEY_LEN], spub[WG_KEY_LEN];
	struct pipeline_host ph;
	struct pipeline_opts o;
	struct wgf_error err = {0};
	struct model *m;
	struct keydir k;

	keydir_init(&k);
	opts_for(&k, &o);
	CHECK_INT(keyfile_create(k.key, false, cur), 0);
	CHECK_INT(key_public_from_private(cur_pub, cur), 0);
	m = repo(&k, cur_pub, false);
	CHECK_INT(pipeline_identify(m, &o, &ph, &err), 0);
	CHECK(ph.host && !ph.next_key && ph.has_private_key && !memcmp(ph.private_key, cur, WG_KEY_LEN));
	CHECK(!ph.has_sealing_key);   /* none: not an error */
	pipeline_host_clear(&ph);
	model_free(m);

	/* prepared, and declared: planned with it, found by it */
	CHECK_INT(keyrotate_prepare(k.next, false, next_pub), 0);
	CHECK_INT(keyfile_read(k.next, next), 0);
	m = repo(&k, next_pub, false);
	CHECK_INT(pipeline_identify(m, &o, &ph, &err), 0);
	CHECK(ph.host && !strcmp(ph.host->meta.name, "hub"));
	CHECK(ph.next_key && ph.has_private_key && !memcmp(ph.private_key, next, WG_KEY_LEN));
	pipeline_host_clear(&ph);
	CHECK(!ph.next_key && !ph.has_private_key);
	/* without a next key file (plan --all): the key in the file does not match */
	o.next_key_file = NULL;
	o.host = "hub";
	CHECK_INT(pipeline_identify(m, &o, &ph, &err), -EINVAL);
	CHECK(strstr(wgf_error_message(&err), "wgf host rotate") != NULL);
	wgf_error_clear(&err);
	o.next_key_file = k.next;
	model_free(m);

	/* declared: neither key */
	key_generate_private(other);
	CHECK_INT(key_public_from_private(other, other), 0);
	m = repo(&k, other, false);
	o.host = "hub";
	CHECK_INT(pipeline_identify(m, &o, &ph, &err), -EINVAL);
	CHECK(strstr(wgf_error_message(&err), "the prepared key in") != NULL);
	CHECK(strstr(wgf_error_message(&err), "wgf host rotate") != NULL);
	CHECK(!ph.host);
	wgf_error_clear(&err);
	model_free(m);

	/* the sealing key: read, and refused when others can read it */
	m = repo(&k, cur_pub, false);
	CHECK_INT(keyfile_create(k.sealing, false, spriv), 0);
	CHECK_INT(seal_public_from_private(spub, spriv), 0);
	CHECK_INT(pipeline_identify(m, &o, &ph, &err), 0);
	CHECK(ph.has_sealing_key && !memcmp(ph.sealing_priv, spriv, 32) && !memcmp(ph.sealing_pub, spub, 32));
	CHECK(!ph.next_key);
	pipeline_host_clear(&ph);
	CHECK(!ph.has_sealing_key && sodium_is_zero(ph.sealing_priv, 32));
	CHECK_INT(chmod(k.sealing, 0640), 0);
	CHECK_INT(pipeline_identify(m, &o, &ph, &err), -EPERM);
	CHECK(strstr(wgf_error_message(&err), "chmod 600") != NULL);
	wgf_error_clear(&err);
	model_free(m);

	sodium_memzero(cur, sizeof(cur));
	sodium_memzero(next, sizeof(next));
	sodium_memzero(spriv, sizeof(spriv));
	keydir_remove(&k);
}

/* The plan for the hub of m against what f has now. */
static struct plan *plan_now(struct kernel_fake *f, const struct model *m, const struct pipeline_opts *o)
{
	const char *names[] = { "krw0" }, *keys[] = { "net.ipv4.ip_forward" };
	struct observe_opts oo = { .ifnames = names, .n_ifnames = 1, .sysctl_keys = keys, .n_sysctl_keys = 1 };
	struct pipeline_host ph;
	struct wgf_error err = {0};
	struct host_state *have = NULL;
	struct plan *p = NULL;

	struct statedir_records rec = {0};

	CHECK_INT(pipeline_identify(m, o, &ph, &err), 0);
	CHECK_INT(statedir_owned_load(o->state_dir, &rec.owned), 0);
	CHECK_INT(statedir_endpoints_load(o->state_dir, &rec.declared), 0);
	CHECK(statedir_firewall_load(o->state_dir, &rec.fw_applied) >= 0);
	CHECK_INT(observe_host(&f->k, &oo, &have, &err), 0);
	if (have)
		CHECK_INT(observe_firewall(&f->k, &have->firewall, rec.fw_applied, &err), 0);
	if (have)
		CHECK_INT(pipeline_plan_observed(m, &ph, o, have, &rec, &p, &err), 0);
	if (wgf_error_is_set(&err))
		fprintf(stderr, "#  planning: %s\n", wgf_error_message(&err));
	wgf_error_clear(&err);
	pipeline_host_clear(&ph);
	statedir_records_clear(&rec);
	return p;
}

/* The device key the fake kernel has for krw0, as a public key. */
static bool device_key_is(struct kernel_fake *f, const uint8_t pub[WG_KEY_LEN])
{
	for (size_t i = 0; i < f->hs->n_devices; i++)
		if (!strcmp(f->hs->devices[i].ifname, "krw0")) {
			uint8_t have[WG_KEY_LEN];
			return key_public_from_private(have, f->hs->devices[i].private_key) == 0 &&
			       !memcmp(have, pub, WG_KEY_LEN);
		}
	return false;
}

static size_t journal_count(const char *state_dir, const char *result, const char **reason_out, char *reason,
			    size_t len)
{
	struct wgf_error err = {0};
	struct journal j = {0};
	size_t n = 0;

	CHECK_INT(journal_read(state_dir, 0, &j, &err), 0);
	for (size_t i = 0; i < j.n; i++)
		if (!strcmp(j.entries[i].result, result)) {
			n++;
			if (reason && j.entries[i].reason)
				snprintf(reason, len, "%s", j.entries[i].reason);
		}
	if (reason_out)
		*reason_out = reason;
	journal_clear(&j);
	wgf_error_clear(&err);
	return n;
}

static char *plan_text(const struct plan *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f) {
		plan_print_text(p, NULL, f);
		fclose(f);
	}
	return buf;
}

static char last_warning[512];

static void warned(const char *msg)
{
	snprintf(last_warning, sizeof(last_warning), "%s", msg);
}

static int apply_with(struct kernel_fake *f, const struct plan *p, const struct keydir *k, struct apply_result *res)
{
	struct apply_opts ao = {
		.backend = HS_BACKEND_AUTO, .state_dir = k->state, .key_file = k->key, .next_key_file = k->next,
	};

	last_warning[0] = '\0';
	return pipeline_apply(&f->k, p, &ao, warned, res);
}

/* A hub converged on its current key, then the prepared key declared. */
static struct kernel_fake *hub_on_current(const struct keydir *k, const struct pipeline_opts *o, uint8_t cur[WG_KEY_LEN],
					  uint8_t cur_pub[WG_KEY_LEN], uint8_t next_pub[WG_KEY_LEN])
{
	struct kernel_fake *f = kernel_fake_new();
	struct apply_result res = {0};
	struct model *m;
	struct plan *p;

	kernel_fake_add_sysctl(f, "net.ipv4.ip_forward", "0");

	CHECK_INT(keyfile_create(k->key, false, cur), 0);
	CHECK_INT(key_public_from_private(cur_pub, cur), 0);
	m = repo(k, cur_pub, false);
	p = m ? plan_now(f, m, o) : NULL;
	CHECK(p && !p->next_key);
	CHECK(p && apply_with(f, p, k, &res) == 0);
	if (wgf_error_is_set(&res.error))
		fprintf(stderr, "#  setting up: %s\n", wgf_error_message(&res.error));
	CHECK(device_key_is(f, cur_pub));
	apply_result_clear(&res);
	plan_free(p);
	model_free(m);
	CHECK_INT(keyrotate_prepare(k->next, false, next_pub), 0);
	kernel_fake_reset_log(f);
	return f;
}

/* The plan with the prepared key shows the device key change and says so; a
 * failure after the key was set gives the device its old key back and
 * changes no key file; then the apply succeeds, switches the files and
 * journals the rotation, and the next plan is empty with the new key file. */
static void test_apply_switches(void)
{
	uint8_t cur[WG_KEY_LEN], cur_pub[WG_KEY_LEN], next_pub[WG_KEY_LEN], next[WG_KEY_LEN];
	char fo[WG_KEY_FP_LEN], fn[WG_KEY_FP_LEN], reason[512] = "", *text;
	struct apply_result res = {0};
	struct pipeline_opts o;
	struct model *m;
	struct plan *p;
	struct keydir k;
	struct kernel_fake *f;
	const struct plan_action *dev = NULL;

	keydir_init(&k);
	opts_for(&k, &o);
	f = hub_on_current(&k, &o, cur, cur_pub, next_pub);
	CHECK_INT(keyfile_read(k.next, next), 0);
	/* the commit declares the prepared key and adds a peer */
	m = repo(&k, next_pub, true);
	p = m ? plan_now(f, m, &o) : NULL;
	CHECK(p && p->next_key);
	for (size_t i = 0; p && i < p->n_actions; i++)
		if (p->actions[i].obj == PLAN_OBJ_DEVICE)
			dev = &p->actions[i];
	CHECK(dev && dev->u.device.set_private_key && dev->has_public_key_old && dev->has_public_key_new);
	CHECK(dev && !memcmp(dev->public_key_old, cur_pub, WG_KEY_LEN) && !memcmp(dev->public_key_new, next_pub, WG_KEY_LEN));
	text = p ? plan_text(p) : NULL;
	CHECK(text && strstr(text, "prepared next key") && strstr(text, key_fingerprint(next_pub, fn)));
	free(text);

	/* the table (the new peer's access) goes after the device key: it fails,
	 * and all is undone */
	kernel_fake_fail(f, KF_NFT_PATCH, 1, -EIO, "fake: table refused");
	CHECK(p && apply_with(f, p, &k, &res) == -EIO);
	CHECK(res.rolled_back);
	CHECK(device_key_is(f, cur_pub));
	CHECK(same_key_file(k.key, cur) && same_key_file(k.next, next) && access(k.previous, F_OK) != 0);
	CHECK_INT(journal_count(k.state, JOURNAL_ROLLED_BACK, NULL, NULL, 0), 1);
	CHECK_INT(journal_count(k.state, JOURNAL_KEY_ROTATED, NULL, NULL, 0), 0);
	apply_result_clear(&res);
	plan_free(p);

	/* again: applied, switched, journaled */
	p = m ? plan_now(f, m, &o) : NULL;
	CHECK(p && p->next_key);
	CHECK(p && apply_with(f, p, &k, &res) == 0);
	CHECK(device_key_is(f, next_pub));
	CHECK_STR(last_warning, "");
	CHECK(same_key_file(k.key, next) && same_key_file(k.previous, cur) && access(k.next, F_OK) != 0);
	CHECK_INT(mode_of(k.key), 0600);
	CHECK_INT(mode_of(k.previous), 0600);
	CHECK_INT(journal_count(k.state, JOURNAL_KEY_ROTATED, NULL, reason, sizeof(reason)), 1);
	CHECK(strstr(reason, key_fingerprint(cur_pub, fo)) && strstr(reason, key_fingerprint(next_pub, fn)));
	apply_result_clear(&res);
	plan_free(p);

	/* converged on the new key file: nothing to do, no second rotation */
	p = m ? plan_now(f, m, &o) : NULL;
	CHECK(p && plan_is_empty(p) && !p->next_key);
	CHECK(p && apply_with(f, p, &k, &res) == 0);
	CHECK_INT(journal_count(k.state, JOURNAL_KEY_ROTATED, NULL, NULL, 0), 1);
	apply_result_clear(&res);
	plan_free(p);
	model_free(m);
	kernel_fake_free(f);
	sodium_memzero(cur, sizeof(cur));
	sodium_memzero(next, sizeof(next));
	keydir_remove(&k);
}

/* The device already runs the prepared key (an apply whose switch did not
 * happen): the plan is empty, and applying it switches the files. */
static void test_converged_switches(void)
{
	uint8_t cur[WG_KEY_LEN], cur_pub[WG_KEY_LEN], next_pub[WG_KEY_LEN], next[WG_KEY_LEN];
	struct apply_result res = {0};
	struct apply_opts none = { .backend = HS_BACKEND_AUTO };
	struct pipeline_opts o;
	struct model *m;
	struct plan *p;
	struct keydir k;
	struct kernel_fake *f;
	char *text;

	keydir_init(&k);
	opts_for(&k, &o);
	f = hub_on_current(&k, &o, cur, cur_pub, next_pub);
	CHECK_INT(keyfile_read(k.next, next), 0);
	m = repo(&k, next_pub, false);
	p = m ? plan_now(f, m, &o) : NULL;
	/* carried out without the key files: the device changes, the files do not */
	CHECK(p && apply_plan(&f->k, p, &none, &res) == 0);
	CHECK(device_key_is(f, next_pub) && same_key_file(k.key, cur));
	apply_result_clear(&res);
	plan_free(p);
	p = m ? plan_now(f, m, &o) : NULL;
	CHECK(p && plan_is_empty(p) && p->next_key);
	text = p ? plan_text(p) : NULL;
	CHECK(text && strstr(text, "No changes.") && strstr(text, "already runs the prepared next key"));
	free(text);
	CHECK(p && apply_with(f, p, &k, &res) == 0);
	CHECK(same_key_file(k.key, next) && same_key_file(k.previous, cur) && access(k.next, F_OK) != 0);
	CHECK_INT(journal_count(k.state, JOURNAL_KEY_ROTATED, NULL, NULL, 0), 1);
	apply_result_clear(&res);
	plan_free(p);
	model_free(m);
	kernel_fake_free(f);
	sodium_memzero(cur, sizeof(cur));
	sodium_memzero(next, sizeof(next));
	keydir_remove(&k);
}

/* A saved plan's entry is found by the prepared key too. */
static void test_saved_pick_next(void)
{
	struct saved_plan_host hosts[2] = { { .name = "alpha", .has_public_key = true },
					    { .name = "beta", .has_public_key = true } };
	struct saved_plan sp = { .hosts = hosts, .n_hosts = 2 };
	const struct saved_plan_host *h = NULL;
	struct wgf_error err = {0};
	uint8_t cur[WG_KEY_LEN];
	struct keydir k;
	struct saved_apply_opts so;

	keydir_init(&k);
	so = (struct saved_apply_opts){ .state_dir = k.state, .key_file = k.key, .next_key_file = k.next };
	CHECK_INT(keyfile_create(k.key, false, cur), 0);
	CHECK_INT(key_public_from_private(hosts[0].public_key, cur), 0);
	CHECK_INT(keyrotate_prepare(k.next, false, hosts[1].public_key), 0);
	/* the key file's entry first */
	CHECK_INT(saved_apply_pick(&sp, &so, &h, &err), 0);
	CHECK(h == &hosts[0]);
	hosts[0].has_public_key = false;
	CHECK_INT(saved_apply_pick(&sp, &so, &h, &err), 0);
	CHECK(h == &hosts[1]);
	so.next_key_file = NULL;
	CHECK(saved_apply_pick(&sp, &so, &h, &err) == -ENOENT || (h && strcmp(h->name, "beta")));
	wgf_error_clear(&err);
	sodium_memzero(cur, sizeof(cur));
	keydir_remove(&k);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	RUN(test_beside);
	RUN(test_prepare_and_switch);
	RUN(test_identify);
	RUN(test_apply_switches);
	RUN(test_converged_switches);
	RUN(test_saved_pick_next);
	UNIT_DONE();
}
