/* apply_plan and its rollback against the fake kernel (tests/unit/kernel_fake.h),
 * with plans the real diff makes from examples/home-access's hub: the order of
 * the writes, a converged host written nothing, a one-peer change one peer, and
 * a failure of every write in turn undone to the last byte. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "model/diag.h"
#include "model/model.h"
#include "model/seal.h"
#include "reconcile/host/apply.h"
#include "reconcile/host/observe.h"
#include "reconcile/plan/fw_record.h"
#include "reconcile/plan/plan.h"
#include "render/render.h"
#include "tests/unit/kernel_fake.h"
#include "tests/unit/unit.h"

#define EXAMPLE "examples/home-access"
#define NOW 1767225600   /* 2026-01-01 */
#define MAX_WRITES 64

static const char *const owned_none[] = { NULL };
static const char *const owned_old[] = { "wg9", NULL };

static size_t count(const char *const *v)
{
	size_t n = 0;

	while (v[n])
		n++;
	return n;
}

static void pfx(const char *s, struct wgf_prefix *p)
{
	CHECK(prefix_parse(s, true, p));
}

/* The hub of examples/home-access as render makes it, with a private key. */
static struct host_state *hub(void)
{
	uint8_t key[WG_KEY_LEN];
	struct render_opts o = { .now = NOW, .private_key = key };
	struct host_state *hs = NULL;
	struct model *m = NULL;
	struct diag d;

	memset(key, 0x42, sizeof(key));
	key_clamp(key);
	diag_init(&d);
	CHECK_INT(model_load_dir(EXAMPLE, &m, &d), 0);
	if (m && model_find_host(m, "hub"))
		CHECK_INT(render_host(m, model_find_host(m, "hub"), &o, &hs), 0);
	CHECK(hs != NULL);
	model_free(m);
	diag_free(&d);
	return hs;
}

static struct hs_peer *add_peer(struct hs_device *d, unsigned seed, const char *aip)
{
	struct hs_peer *p = hs_device_add_peer(d);
	struct wgf_prefix ip;

	memset(p->public_key, 0x33, WG_KEY_LEN);
	p->public_key[0] = (uint8_t)seed;
	pfx(aip, &ip);
	hs_peer_add_allowed_ip(p, &ip);
	return p;
}

static void add_route(struct host_state *hs, const char *ifname, const char *dst)
{
	struct hs_route r = { .table = HS_ROUTE_TABLE_MAIN };

	snprintf(r.ifname, sizeof(r.ifname), "%s", ifname);
	pfx(dst, &r.dst);
	hoststate_add_route(hs, &r);
}

static void add_rule(struct host_state *hs, int family, uint32_t prio, const char *src, uint32_t table)
{
	struct hs_rule r = { .family = family, .priority = prio, .table = table, .suppress_prefixlen = -1 };

	r.src.family = (uint8_t)family;
	if (src)
		pfx(src, &r.src);
	CHECK_INT(hoststate_add_rule(hs, &r), 0);
}

static void add_blackhole(struct host_state *hs, const char *dst, uint32_t table)
{
	struct hs_route r = { .table = table, .type = HS_ROUTE_BLACKHOLE };

	pfx(dst, &r.dst);
	hoststate_add_route(hs, &r);
}

static void add_address(struct hs_device *d, const char *s)
{
	struct wgf_prefix p;

	pfx(s, &p);
	hs_device_add_address(d, &p);
}

/* The hub plus a second interface wg1 with one peer, an address and a route. */
static struct host_state *want_new(void)
{
	struct host_state *hs = hub();
	struct hs_device *d;

	if (!hs)
		return NULL;
	d = hoststate_add_device(hs, "wg1");
	d->up = true;
	d->mtu = 1400;
	d->has_private_key = true;
	memset(d->private_key, 0x51, WG_KEY_LEN);
	key_clamp(d->private_key);
	d->listen_port = 51821;
	add_peer(d, 7, "10.77.0.2/32");
	add_address(d, "10.77.0.1/24");
	add_route(hs, "wg1", "10.78.0.0/24");
	add_blackhole(hs, "0.0.0.0/0", 52001);
	add_rule(hs, AF_INET, 20000, NULL, HS_ROUTE_TABLE_MAIN);
	add_rule(hs, AF_INET, 20100, "10.77.0.0/24", 52001);
	hoststate_normalize(hs);
	return hs;
}

/* What the host had before: the hub with another port, a peer, an address and
 * a route it no longer wants and one of each missing, sysctls off, another
 * table, no wg1, and wg9 (owned, to be deleted). */
static struct host_state *want_old(void)
{
	struct host_state *hs = hub();
	struct hs_device *d, *d9;

	if (!hs || !hs->n_devices)
		return hs;
	d = &hs->devices[0];
	d->listen_port++;
	hs_peer_clear(&d->peers[--d->n_peers]);
	add_peer(d, 9, "10.10.0.99/32");
	d->addresses[0] = d->addresses[--d->n_addresses];
	add_address(d, "10.99.0.1/24");
	hs->routes[0] = hs->routes[--hs->n_routes];
	add_route(hs, d->ifname, "10.98.0.0/24");
	for (size_t i = 0; i < hs->n_sysctls; i++) {
		free(hs->sysctls[i].value);
		hs->sysctls[i].value = strdup("0");
	}
	free(hs->firewall.body);
	hs->firewall.body = strdup("chain old {\n\t\ttype filter hook input priority 0; policy accept;\n\t}");
	d9 = hoststate_add_device(hs, "wg9");
	d9->up = true;
	d9->mtu = 1420;
	d9->listen_port = 51829;
	add_peer(d9, 8, "10.90.0.2/32");
	add_address(d9, "10.90.0.1/24");
	add_route(hs, "wg9", "10.91.0.0/24");
	add_blackhole(hs, "::/0", 52009);
	add_rule(hs, AF_INET, 20000, NULL, HS_ROUTE_TABLE_MAIN);
	add_rule(hs, AF_INET6, 20100, "fd00:9::/64", 52009);
	hoststate_normalize(hs);
	return hs;
}

static struct host_state *observe(struct kernel_fake *f, const struct host_state *want,
				  const char *const *owned)
{
	const char *names[16], *keys[16];
	struct observe_opts oo = { .ifnames = names, .sysctl_keys = keys };
	struct wgf_error err = {0};
	struct host_state *hs = NULL;

	for (size_t i = 0; i < want->n_devices && oo.n_ifnames < 15; i++)
		names[oo.n_ifnames++] = want->devices[i].ifname;
	for (size_t i = 0; owned[i] && oo.n_ifnames < 15; i++)
		names[oo.n_ifnames++] = owned[i];
	for (size_t i = 0; i < want->n_sysctls && i < 16; i++)
		keys[oo.n_sysctl_keys++] = want->sysctls[i].key;
	CHECK_INT(observe_host(&f->k, &oo, &hs, &err), 0);
	if (hs)
		CHECK_INT(observe_firewall(&f->k, &hs->firewall, NULL, &err), 0);
	if (wgf_error_is_set(&err))
		fprintf(stderr, "  observe: %s\n", wgf_error_message(&err));
	wgf_error_clear(&err);
	return hs;
}

/* wgf's record of the table it applied for want, as the fake lists it now. */
static struct fw_record *record(struct kernel_fake *f, const struct host_state *want)
{
	struct fw_record *rec = NULL;
	char *listing = NULL;

	if (kernel_nft_table_get(&f->k, HS_FW_FAMILY, HS_FW_TABLE, &listing, NULL) == 0)
		CHECK_INT(fw_record_new(&want->firewall, listing, &rec), 0);
	free(listing);
	return rec;
}

static struct plan *plan_for(struct kernel_fake *f, const struct host_state *want, const char *const *owned,
			     const struct fw_record *rec)
{
	struct diff_opts o = { .owned_ifnames = owned, .n_owned = count(owned), .fw_applied = rec };
	struct host_state *have = observe(f, want, owned);
	struct plan *p = NULL;

	if (have)
		CHECK_INT(diff_host_states(hoststate_dup(want), have, &o, &p), 0);
	return p;
}

static int apply(struct kernel_fake *f, const struct plan *p, struct apply_result *res)
{
	struct apply_opts o = { .backend = HS_BACKEND_AUTO };

	return apply_plan(&f->k, p, &o, res);
}

/* A fake kernel as want leaves it: its sysctls exist (off), then want applied. */
static struct kernel_fake *host_with(const struct host_state *want, const char *const *owned)
{
	struct kernel_fake *f = kernel_fake_new();
	struct apply_result res = {0};
	struct plan *p;

	for (size_t i = 0; i < want->n_sysctls; i++)
		kernel_fake_add_sysctl(f, want->sysctls[i].key, "0");
	p = plan_for(f, want, owned, NULL);
	CHECK(p && apply(f, p, &res) == 0);
	if (wgf_error_is_set(&res.error))
		fprintf(stderr, "  setting up: %s\n", wgf_error_message(&res.error));
	apply_result_clear(&res);
	plan_free(p);
	kernel_fake_reset_log(f);
	return f;
}

/* ARCHITECTURE "Apply order": removals (table, rules, routes, addresses, peers,
 * links), then links, device, peers, addresses, routes, rules, sysctls, the table. */
static int rank(const struct kernel_fake_call *c)
{
	switch (c->op) {
	case KF_NFT_DELETE: return 0;
	case KF_RULE_DEL: return 1;
	case KF_ROUTE_DEL: return 2;
	case KF_ADDR_DEL: return 3;
	case KF_WG_SET_DEVICE:
		if (c->n_peers && c->n_removed == c->n_peers && !c->device)
			return 4;
		return c->n_peers ? 8 : 7;
	case KF_LINK_DEL: return 5;
	case KF_LINK_ADD_WIREGUARD: case KF_WG_USERSPACE_START: case KF_LINK_SET: return 6;
	case KF_ADDR_ADD: return 9;
	case KF_ROUTE_REPLACE: return 10;
	case KF_RULE_ADD: return 11;
	case KF_SYSCTL_WRITE: return 12;
	case KF_NFT_REPLACE: case KF_NFT_PATCH: return 13;
	default: return -1;
	}
}

static void check_order(const struct kernel_fake *f, const char *const *kinds_expected)
{
	int last = -1;
	bool seen[14] = {0};

	for (size_t i = 0; i < f->n_calls; i++) {
		const struct kernel_fake_call *c = &f->calls[i];
		int r = rank(c);

		if (r < 0)
			continue;
		seen[r] = true;
		if (r < last)
			fprintf(stderr, "  call %zu: %s %s after a later kind of change\n", i,
				kernel_fake_op_name(c->op), c->what);
		CHECK(r >= last);
		last = r;
	}
	for (size_t i = 0; kinds_expected[i]; i++)
		CHECK(seen[atoi(kinds_expected[i])]);
}

static void test_order_update(void)
{
	struct host_state *want = want_new(), *old = want_old();
	struct kernel_fake *f = host_with(old, owned_none);
	struct fw_record *rec = record(f, old);
	struct apply_result res = {0};
	struct plan *p = plan_for(f, want, owned_old, rec);

	CHECK_INT(apply(f, p, &res), 0);
	check_order(f, (const char *const[]){ "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13",
				       NULL });
	CHECK_INT(f->hs->n_rules, 2);
	CHECK_INT(f->hs->n_rules == 2 ? f->hs->rules[1].table : 0, 52001);
	apply_result_clear(&res);
	plan_free(p);
	fw_record_free(rec);
	kernel_fake_free(f);
	hoststate_free(want);
	hoststate_free(old);
}

static void test_order_removal(void)
{
	struct host_state *want = hub(), *none = hoststate_new();
	struct kernel_fake *f;
	struct fw_record *rec;
	const char *owned[] = { want->devices[0].ifname, NULL };
	struct apply_result res = {0};
	struct plan *p;

	add_rule(want, AF_INET, 20100, "10.10.0.0/24", 52001);
	add_blackhole(want, "0.0.0.0/0", 52001);
	hoststate_normalize(want);
	f = host_with(want, owned_none);
	rec = record(f, want);
	p = plan_for(f, none, owned, rec);
	CHECK_INT(apply(f, p, &res), 0);
	check_order(f, (const char *const[]){ "0", "1", "2", "5", NULL });
	CHECK(!f->hs->firewall.present && f->hs->n_devices == 0 && f->hs->n_routes == 0 && f->hs->n_rules == 0);
	apply_result_clear(&res);
	plan_free(p);
	fw_record_free(rec);
	kernel_fake_free(f);
	hoststate_free(want);
	hoststate_free(none);
}

/* Applied, the host converges: the next plan is empty and carrying it out
 * makes no call at all. */
static void test_converged_writes_nothing(void)
{
	struct host_state *want = want_new();
	struct kernel_fake *f = host_with(want, owned_none);
	struct fw_record *rec = record(f, want);
	struct apply_result res = {0};
	struct plan *p = plan_for(f, want, owned_none, rec);

	CHECK(p && plan_is_empty(p));
	if (p && !plan_is_empty(p))
		plan_print_text(p, &(struct plan_print_opts){0}, stderr);
	kernel_fake_reset_log(f);
	CHECK_INT(apply(f, p, &res), 0);
	CHECK_INT(kernel_fake_writes(f), 0);
	CHECK_INT(f->n_calls, 0);
	apply_result_clear(&res);
	plan_free(p);
	fw_record_free(rec);
	kernel_fake_free(f);
	hoststate_free(want);
}

static void test_one_peer_change(void)
{
	struct host_state *want = want_new();
	struct kernel_fake *f = host_with(want, owned_none);
	struct fw_record *rec = record(f, want);
	struct apply_result res = {0};
	struct plan *p;
	char *before = kernel_fake_dump(f), *after;

	want->devices[0].peers[1].keepalive = 42;
	p = plan_for(f, want, owned_none, rec);
	CHECK_INT(p->n_actions, 1);
	kernel_fake_reset_log(f);
	CHECK_INT(apply(f, p, &res), 0);
	CHECK_INT(kernel_fake_writes(f), 1);
	for (size_t i = 0; i < f->n_calls; i++)
		if (kernel_fake_op_writes(f->calls[i].op)) {
			CHECK_INT(f->calls[i].op, KF_WG_SET_DEVICE);
			CHECK_INT(f->calls[i].n_peers, 1);
			CHECK(!f->calls[i].device);
		}
	after = kernel_fake_dump(f);
	CHECK(strcmp(before, after) != 0);
	CHECK(strstr(after, "keepalive=42") != NULL);
	free(before);
	free(after);
	apply_result_clear(&res);
	plan_free(p);
	fw_record_free(rec);
	kernel_fake_free(f);
	hoststate_free(want);
}

/* A PSK: set from its key (one peer, one write), converged by value and by its
 * id, and one known only by its id (no sealing key on the host) refused before
 * anything is written. */
static void test_psk(void)
{
	struct host_state *want = want_new();
	struct kernel_fake *f = host_with(want, owned_none);
	struct fw_record *rec = record(f, want);
	struct apply_result res = {0};
	struct hs_peer *wp = want && want->devices[0].n_peers > 1 ? &want->devices[0].peers[1] : NULL;
	char *before = NULL, *after = NULL, fp[WG_KEY_FP_LEN];
	uint8_t psk[WG_KEY_LEN];
	struct plan *p = NULL;

	if (!wp)
		goto out;
	memset(psk, 0x5a, sizeof(psk));
	wp->has_psk = true;
	memcpy(wp->psk, psk, WG_KEY_LEN);
	p = plan_for(f, want, owned_none, rec);
	CHECK(p && p->n_actions == 1 && p->actions[0].u.peer.set_psk);
	kernel_fake_reset_log(f);
	CHECK_INT(apply(f, p, &res), 0);
	CHECK_INT(kernel_fake_writes(f), 1);
	after = kernel_fake_dump(f);
	CHECK(strstr(after, key_fingerprint(psk, fp)) != NULL);
	plan_free(p);
	/* converged: by value, and by id when the key is withheld */
	p = plan_for(f, want, owned_none, rec);
	CHECK(p && plan_is_empty(p));
	plan_free(p);
	wp->psk_withheld = wp->has_psk_id = true;
	seal_psk_id(psk, wp->psk_id);
	sodium_memzero(wp->psk, sizeof(wp->psk));
	p = plan_for(f, want, owned_none, rec);
	CHECK(p && plan_is_empty(p));
	plan_free(p);
	/* rotated, but withheld: the plan changes it, apply refuses and writes nothing */
	wp->psk_id[0] ^= 1;
	p = plan_for(f, want, owned_none, rec);
	CHECK(p && p->n_actions == 1 && p->actions[0].u.peer.set_psk);
	before = kernel_fake_dump(f);
	kernel_fake_reset_log(f);
	CHECK_INT(apply(f, p, &res), -ENOKEY);
	CHECK_INT(kernel_fake_writes(f), 0);
	CHECK(strstr(wgf_error_message(&res.error), "no sealing key at /etc/wgf/sealing.key") != NULL);
	CHECK(strstr(wgf_error_message(&res.error), "`wgf host init`") != NULL);
	CHECK(!res.rolled_back);
	free(after);
	after = kernel_fake_dump(f);
	CHECK_STR(after, before);
out:
	free(before);
	free(after);
	apply_result_clear(&res);
	plan_free(p);
	fw_record_free(rec);
	kernel_fake_free(f);
	hoststate_free(want);
}

struct scenario {
	struct host_state *want, *before;
	const char *const *owned_before, *const *owned;
	size_t min_writes;             /* the plan is not trivial */
};

/* A fresh host in the scenario's before state and the plan to its wanted one. */
static struct kernel_fake *scenario_host(const struct scenario *s, struct plan **p, struct fw_record **rec)
{
	struct kernel_fake *f = host_with(s->before, s->owned_before);

	*rec = record(f, s->before);
	*p = plan_for(f, s->want, s->owned, *rec);
	kernel_fake_reset_log(f);
	return f;
}

/* Fails the write w (its op, and which call of that op) with errno e. */
static void fail_one(const struct scenario *s, const struct kernel_fake_call *w, unsigned nth, int e)
{
	struct fw_record *rec;
	struct plan *p;
	struct kernel_fake *f = scenario_host(s, &p, &rec);
	struct apply_result res = {0};
	char *before = kernel_fake_dump(f), *after, text[64];
	const char *msg;
	int r;

	snprintf(text, sizeof(text), "fake: %s refused", kernel_fake_op_name(w->op));
	kernel_fake_fail(f, w->op, nth, e, text);
	r = apply(f, p, &res);
	msg = wgf_error_message(&res.error);
	CHECK_INT(r, e);
	CHECK_INT(res.error.code, e);
	if (!strstr(msg, text) || !strstr(msg, w->what))
		fprintf(stderr, "  %s #%u (%s): message \"%s\"\n", kernel_fake_op_name(w->op), nth, w->what, msg);
	CHECK(strstr(msg, text) != NULL);
	CHECK(strstr(msg, w->what) != NULL);
	CHECK(res.rolled_back || (res.done == 0 && (w->op == KF_NFT_DELETE || w->op == KF_NFT_REPLACE)));
	if (wgf_error_is_set(&res.rollback_error))
		fprintf(stderr, "  %s #%u: rollback: %s\n", kernel_fake_op_name(w->op), nth,
			wgf_error_message(&res.rollback_error));
	CHECK(!wgf_error_is_set(&res.rollback_error));
	after = kernel_fake_dump(f);
	if (strcmp(before, after))
		fprintf(stderr, "  %s #%u: after rollback:\n%s\n  before:\n%s\n", kernel_fake_op_name(w->op), nth,
			after, before);
	CHECK_STR(after, before);
	free(before);
	free(after);
	apply_result_clear(&res);
	plan_free(p);
	fw_record_free(rec);
	kernel_fake_free(f);
}

/* Every write of a successful apply, made to fail in turn. */
static void fail_each_write(const struct scenario *s)
{
	struct kernel_fake_call writes[MAX_WRITES];
	unsigned nth[MAX_WRITES], seen[KF_OP_MAX] = {0};
	struct apply_result res = {0};
	struct fw_record *rec;
	struct plan *p;
	struct kernel_fake *f = scenario_host(s, &p, &rec);
	size_t n = 0;
	static const int errnos[] = { -EPERM, -EBUSY, -EINVAL, -ENOSPC };

	CHECK_INT(apply(f, p, &res), 0);
	for (size_t i = 0; i < f->n_calls && n < MAX_WRITES; i++) {
		if (!kernel_fake_op_writes(f->calls[i].op))
			continue;
		writes[n] = f->calls[i];
		nth[n++] = ++seen[f->calls[i].op];
	}
	CHECK(n >= s->min_writes);
	printf("# %zu writes, each failed in turn\n", n);
	apply_result_clear(&res);
	plan_free(p);
	fw_record_free(rec);
	kernel_fake_free(f);
	for (size_t i = 0; i < n; i++)
		fail_one(s, &writes[i], nth[i], errnos[i % 4]);
}

static void test_partial_failure_update(void)
{
	struct scenario s = { .want = want_new(), .before = want_old(), .owned_before = owned_none,
			      .owned = owned_old, .min_writes = 15 };

	fail_each_write(&s);
	hoststate_free(s.want);
	hoststate_free(s.before);
}

static void test_partial_failure_removal(void)
{
	struct host_state *h = hub();
	const char *owned[] = { h->devices[0].ifname, NULL };
	struct scenario s = { .want = hoststate_new(), .before = h, .owned_before = owned_none, .owned = owned,
			      .min_writes = 2 };

	fail_each_write(&s);
	hoststate_free(s.want);
	hoststate_free(s.before);
}

/* The exact words: what failed, the errno's, the kernel's in parentheses. */
static void test_failure_message(void)
{
	struct scenario s = { .want = want_new(), .before = want_old(), .owned_before = owned_none,
			      .owned = owned_old };
	struct fw_record *rec;
	struct plan *p;
	struct kernel_fake *f = scenario_host(&s, &p, &rec);
	struct apply_result res = {0};

	kernel_fake_fail(f, KF_ADDR_ADD, 1, -EADDRNOTAVAIL, "Cannot assign requested address here");
	CHECK_INT(apply(f, p, &res), -EADDRNOTAVAIL);
	CHECK_STR(wgf_error_message(&res.error), "address 10.10.0.1/24 on wg0: Cannot assign requested address "
		  "(Cannot assign requested address here)");
	CHECK(res.rolled_back);
	apply_result_clear(&res);
	plan_free(p);
	fw_record_free(rec);
	kernel_fake_free(f);
	hoststate_free(s.want);
	hoststate_free(s.before);
}

/* The apply fails, and so does undoing it: both are said. */
static void test_rollback_failure(void)
{
	struct scenario s = { .want = want_new(), .before = want_old(), .owned_before = owned_none,
			      .owned = owned_old };
	struct fw_record *rec;
	struct plan *p;
	struct kernel_fake *f = scenario_host(&s, &p, &rec);
	struct apply_result res = {0};

	kernel_fake_fail(f, KF_ADDR_ADD, 1, -EPERM, "fake: addr_add refused");
	/* the first link_del removes wg9 in the apply, the second is wg1's in the rollback */
	kernel_fake_fail(f, KF_LINK_DEL, 2, -EBUSY, "fake: link_del refused in the rollback");
	CHECK_INT(apply(f, p, &res), -EPERM);
	CHECK(!res.rolled_back);
	CHECK(wgf_error_is_set(&res.rollback_error));
	CHECK_STR(wgf_error_message(&res.rollback_error), "deleting interface wg1: Device or resource busy "
		  "(fake: link_del refused in the rollback)");
	apply_result_clear(&res);
	plan_free(p);
	fw_record_free(rec);
	kernel_fake_free(f);
	hoststate_free(s.want);
	hoststate_free(s.before);
}

/* A table body the kernel refuses (in the dry run) fails the apply before any
 * write, with libnftables' first error and how many more it had. */
static void test_refused_nft_body(void)
{
	static const char nft_text[] =
		"wgf-nft-batch:3:1-5: Error: Could not process rule: Operation not permitted\n"
		"table inet wgf {\n^^^^^\n"
		"wgf-nft-batch:7:2-9: Error: Could not process rule: Operation not permitted\n"
		"\tchain x {\n\t^^^^^^^^";
	struct scenario s = { .want = want_new(), .before = want_old(), .owned_before = owned_none,
			      .owned = owned_old };
	struct fw_record *rec;
	struct plan *p;
	struct kernel_fake *f = scenario_host(&s, &p, &rec);
	struct apply_result res = {0};
	char *before = kernel_fake_dump(f), *after;

	kernel_fake_fail(f, KF_NFT_CHECK, 1, -EPERM, nft_text);
	CHECK_INT(apply(f, p, &res), -EPERM);
	CHECK_STR(wgf_error_message(&res.error),
		  "nftables table inet wgf (checked before any change; nothing was changed): Operation not permitted: "
		  "wgf-nft-batch:3:1-5: Error: Could not process rule: Operation not permitted\n"
		  "table inet wgf {\n^^^^^\n(and 1 more error)");
	CHECK_INT(kernel_fake_writes(f), 0);
	CHECK_INT(res.done, 0);
	CHECK(!res.rolled_back);
	after = kernel_fake_dump(f);
	CHECK_STR(after, before);
	free(before);
	free(after);
	apply_result_clear(&res);
	plan_free(p);
	fw_record_free(rec);
	kernel_fake_free(f);
	hoststate_free(s.want);
	hoststate_free(s.before);
}

/* Without kernel WireGuard a new interface is a wireguard-go, and a failed
 * start names it. */
static void test_userspace_start(void)
{
	struct host_state *want = want_new();
	struct kernel_fake *f = kernel_fake_new();
	struct apply_result res = {0};
	struct plan *p;

	f->wg_kernel = false;
	for (size_t i = 0; i < want->n_sysctls; i++)
		kernel_fake_add_sysctl(f, want->sysctls[i].key, "0");
	p = plan_for(f, want, owned_none, NULL);
	kernel_fake_fail(f, KF_WG_USERSPACE_START, 2, -ENOENT, NULL);
	CHECK_INT(apply(f, p, &res), -ENOENT);
	CHECK_STR(wgf_error_message(&res.error),
		  "creating interface wg1 (starting wireguard-go): No such file or directory");
	CHECK(res.rolled_back);
	CHECK_INT(f->hs->n_devices, 0);
	apply_result_clear(&res);
	plan_free(p);
	kernel_fake_free(f);
	hoststate_free(want);
}

int main(void)
{
	RUN(test_order_update);
	RUN(test_order_removal);
	RUN(test_converged_writes_nothing);
	RUN(test_one_peer_change);
	RUN(test_psk);
	RUN(test_partial_failure_update);
	RUN(test_partial_failure_removal);
	RUN(test_failure_message);
	RUN(test_rollback_failure);
	RUN(test_refused_nft_body);
	RUN(test_userspace_start);
	UNIT_DONE();
}
