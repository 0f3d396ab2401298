/* Fleet topology (README "Topology"): hosts attached to hubs, links, the
 * blackhole check, what each host's peers carry, aggregated routes, and the
 * choice of hub when one is down. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/key.h"
#include "model/model.h"
#include "model/prefix.h"
#include "reconcile/host/hub_probe.h"
#include "reconcile/host/hub_watch.h"
#include "render/render.h"
#include "tests/unit/diag_check.h"
#include "tests/unit/kernel_fake.h"
#include "tests/unit/unit.h"

#define K1 "nvxiIrZiEXsUVsSiztvMMslEl483akOdYQiZbPy2xR8="
#define K2 "I6OkHgtCPh2pjt/cgmQbwc5seW6z/kHM4dygnK8rV04="
#define K3 "cU/Cl9JLoCDtRvy1k9shZgLNUhLsx1P0VrlUUtl6dBQ="
#define K4 "UvImZaYMEtKJGF2VDuiBNgkWb2sRPReNbA/TkB/yOSE="
#define K5 "oJXyD5OVZQz5OAuO2yJKaySKHpJOj9CuLhqUkqMwXxg="
#define K6 "jLYQkA+eNH+uiG3GUHeV7HRcTD/LLrLHPhSTTIZ+4Fc="
#define K7 "unJJm/oSHoNrKsFXJu59awr2qxPDjpLK4NFQV7FZmH8="
#define K8 "lMx0EdcX8UV5sqoQD7uzT6WT/q7Scki3YuOrWAXwdlo="

/* Lines 1-4; each HOST or PEER after it takes 5 lines: host k (0-based) has
 * "kind:" on line 7 + 5k and its spec on line 9 + 5k. */
#define NET "apiVersion: wgf/v1\nkind: Network\nmetadata: {name: net}\n" \
	    "spec: {addressPools: {ipv4: 10.9.0.0/16}}\n"
#define HOST(name, spec) "---\napiVersion: wgf/v1\nkind: Host\nmetadata: {name: " name "}\nspec: {" spec "}\n"
#define PEER(name, spec) "---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: " name "}\nspec: {" spec "}\n"
#define HUB_A HOST("hub-a", "role: hub, publicKey: " K1 ", endpoint: \"192.0.2.1:51820\", addresses: [10.9.0.1/16]")
#define HUB_B HOST("hub-b", "role: hub, publicKey: " K2 ", endpoint: \"192.0.2.2:51820\", addresses: [10.9.0.2/16]")

/* Two hubs, a member in the mesh, two routers behind NAT on both hubs with
 * different primaries, a peer on each hub. */
static const char FLEET[] = NET HUB_A HUB_B
	HOST("r1", "role: router, publicKey: " K3 ", addresses: [10.9.1.1/16], lans: [192.168.1.0/24], "
	     "hubs: [hub-a, hub-b]")
	HOST("r2", "role: router, publicKey: " K4 ", addresses: [10.9.1.2/16], lans: [192.168.2.0/24], "
	     "hubs: [hub-b, hub-a]")
	HOST("m", "publicKey: " K5 ", endpoint: \"192.0.2.5:51820\", addresses: [10.9.0.3/16]")
	PEER("pa", "publicKey: " K6 ", addresses: [10.9.2.1], hubs: [hub-a]")
	PEER("pb", "publicKey: " K7 ", addresses: [10.9.2.2], hubs: [hub-b], lans: [172.20.0.0/24]");

static int load_text(const char *text, struct model **m, struct diag *d)
{
	const char *name = "t.yaml";
	size_t len = strlen(text);

	diag_init(d);
	*m = NULL;
	return model_load_buffers(&name, &text, &len, 1, m, d);
}

static struct model *load_ok_at(int at, const char *text)
{
	struct model *m;
	struct diag d;

	if (load_text(text, &m, &d) != 0 || d.n) {
		fprintf(stderr, "  %s:%d: want a clean load, got:\n", __FILE__, at);
		dump(&d);
		unit_failed_checks++;
	}
	diag_free(&d);
	return m;
}
#define LOAD_OK(text) load_ok_at(__LINE__, text)

/* Fails with exactly one error, at line:col, containing sub. */
static void expect_error_at(int at, const char *text, unsigned line, unsigned col, const char *sub)
{
	struct model *m;
	struct diag d;
	int r = load_text(text, &m, &d);

	if (r != -EINVAL || m || d.n != 1 || !has_error(&d, "t.yaml", line, col, sub)) {
		fprintf(stderr, "  %s:%d: want only t.yaml:%u:%u: ...%s... (r=%d), got:\n", __FILE__, at, line, col, sub, r);
		dump(&d);
		unit_failed_checks++;
	}
	model_free(m);
	diag_free(&d);
}
#define EXPECT_ERROR(text, line, col, sub) expect_error_at(__LINE__, text, line, col, sub)

static size_t idx(const struct model *m, const char *name)
{
	const struct model_host *h = model_find_host(m, name);

	CHECK(h);
	return h ? (size_t)(h - m->hosts) : 0;
}

static struct host_state *render(const struct model *m, const char *name, const bool *down)
{
	struct render_opts o = { .hub_down = down };
	struct host_state *hs = NULL;

	CHECK_INT(render_host(m, model_find_host(m, name), &o, &hs), 0);
	return hs;
}

static const struct hs_peer *entry(const struct host_state *hs, const char *name)
{
	for (size_t i = 0; hs && hs->n_devices && i < hs->devices[0].n_peers; i++)
		if (!strcmp(hs->devices[0].peers[i].name, name))
			return &hs->devices[0].peers[i];
	return NULL;
}

/* "a b c": a peer's allowed IPs, or "(none)" when there is no such peer. */
static const char *allowed(const struct host_state *hs, const char *name)
{
	static char buf[1024];
	const struct hs_peer *p = entry(hs, name);
	size_t n = 0;

	if (!p)
		return "(none)";
	buf[0] = 0;
	for (size_t i = 0; i < p->n_allowed_ips; i++) {
		char b[PREFIX_STRLEN];
		n += snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? " " : "", prefix_format(&p->allowed_ips[i], b));
	}
	return buf;
}

static const char *routes(const struct host_state *hs)
{
	static char buf[1024];
	size_t n = 0;

	buf[0] = 0;
	for (size_t i = 0; hs && i < hs->n_routes; i++) {
		char b[PREFIX_STRLEN];
		n += snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? " " : "", prefix_format(&hs->routes[i].dst, b));
	}
	return buf;
}

/* WireGuard gives a prefix to one peer: no two entries share or nest one, but
 * for the network's pool on the serving hub (longest prefix wins there). */
static void check_no_overlap_at(int at, const struct model *m, const struct host_state *hs)
{
	const struct hs_device *d = hs ? &hs->devices[0] : NULL;
	const struct wgf_prefix *pool = &m->networks[0].pool4;

	for (size_t i = 0; d && i < d->n_peers; i++)
		for (size_t j = i + 1; j < d->n_peers; j++)
			for (size_t a = 0; a < d->peers[i].n_allowed_ips; a++)
				for (size_t b = 0; b < d->peers[j].n_allowed_ips; b++) {
					const struct wgf_prefix *x = &d->peers[i].allowed_ips[a];
					const struct wgf_prefix *y = &d->peers[j].allowed_ips[b];

					if (prefix_equal(x, pool) || prefix_equal(y, pool) || !prefix_overlaps(x, y))
						continue;
					fprintf(stderr, "#  %s:%d: %s: peers %s and %s overlap\n", __FILE__, at,
						hs->host_name, d->peers[i].name, d->peers[j].name);
					unit_failed_checks++;
				}
}
#define CHECK_NO_OVERLAP(m, hs) check_no_overlap_at(__LINE__, m, hs)

static void test_attached_loaded(void)
{
	struct model *m = LOAD_OK(FLEET);
	const struct model_host *r2;

	if (!m)
		return;
	r2 = model_find_host(m, "r2");
	CHECK_INT(r2->n_hubs, 2);
	CHECK_INT(r2->hubs[0], idx(m, "hub-b"));
	CHECK_INT(r2->hubs[1], idx(m, "hub-a"));
	CHECK_INT(model_find_host(m, "m")->n_hubs, 0);
	CHECK(model_hosts_direct(m, idx(m, "hub-a"), idx(m, "m")));
	CHECK(model_hosts_direct(m, idx(m, "r1"), idx(m, "hub-b")));
	CHECK(!model_hosts_direct(m, idx(m, "r1"), idx(m, "r2")));
	CHECK(!model_hosts_direct(m, idx(m, "r1"), idx(m, "m")));
	model_free(m);
}

static void test_topology_errors(void)
{
	/* the blackhole: two mesh hosts, neither with an endpoint (the second's kind: line 12) */
	EXPECT_ERROR(NET HUB_A HOST("r1", "publicKey: " K3 ", addresses: [10.9.1.1/16]")
		     HOST("r2", "publicKey: " K4 ", addresses: [10.9.1.2/16]"), 17, 1,
		     "Hosts \"r2\" and \"r1\" are both in the mesh of Network \"net\" and neither has an \"endpoint\"");
	/* hubs: unknown (with the closest name), not a hub, a hub that attaches, twice */
	EXPECT_ERROR(NET HUB_A HOST("r1", "publicKey: " K3 ", addresses: [10.9.1.1/16], hubs: [hub-b]"), 14, 98,
		     "hub \"hub-b\": Host \"hub-b\" does not exist (did you mean \"hub-a\"?)");
	EXPECT_ERROR(NET HUB_A HOST("m", "publicKey: " K5 ", endpoint: \"192.0.2.5:1\", addresses: [10.9.0.3/16]")
		     HOST("r1", "publicKey: " K3 ", addresses: [10.9.1.1/16], hubs: [m]"), 19, 98,
		     "hub \"m\": Host \"m\" has role member, not hub");
	EXPECT_ERROR(NET HUB_A HOST("hub-b", "role: hub, publicKey: " K2 ", endpoint: \"192.0.2.2:1\", "
				    "addresses: [10.9.0.2/16], hubs: [hub-a]"), 14, 133,
		     "Host \"hub-b\" has role hub: hubs are in the mesh");
	EXPECT_ERROR(NET HUB_A HOST("r1", "publicKey: " K3 ", addresses: [10.9.1.1/16], hubs: [hub-a, hub-a]"), 14, 105,
		     "hub \"hub-a\" is listed twice");
	/* links: both without an endpoint, to a hub, between two mesh hosts, unknown */
	EXPECT_ERROR(NET HUB_A HOST("r1", "publicKey: " K3 ", addresses: [10.9.1.1/16], hubs: [hub-a], links: [r2]")
		     HOST("r2", "publicKey: " K4 ", addresses: [10.9.1.2/16], hubs: [hub-a]"), 14, 114,
		     "link \"r2\": neither Host \"r1\" nor Host \"r2\" has an \"endpoint\"");
	EXPECT_ERROR(NET HUB_A HOST("r1", "publicKey: " K3 ", addresses: [10.9.1.1/16], links: [hub-a]"), 14, 99,
		     "link \"hub-a\": Host \"hub-a\" has role hub: a hub's hosts attach to it with \"hubs\"");
	EXPECT_ERROR(NET HUB_A HOST("m", "publicKey: " K5 ", endpoint: \"192.0.2.5:1\", addresses: [10.9.0.3/16], "
				    "links: [hub-a]"), 14, 124, "has role hub");
	EXPECT_ERROR(NET HUB_A HOST("m", "publicKey: " K5 ", endpoint: \"192.0.2.5:1\", addresses: [10.9.0.3/16]")
		     HOST("n", "publicKey: " K4 ", addresses: [10.9.0.4/16], links: [m]"), 19, 99,
		     "link \"m\": Hosts \"n\" and \"m\" are both in the mesh (no \"hubs\") and already peer directly");
	EXPECT_ERROR(NET HUB_A HOST("r1", "publicKey: " K3 ", addresses: [10.9.1.1/16], hubs: [hub-a], links: [r9]"),
		     14, 114, "link \"r9\": Host \"r9\" does not exist");
	EXPECT_ERROR(NET HUB_A PEER("pa", "publicKey: " K6 ", addresses: [10.9.2.1], hubs: [hub-x]"), 14, 95,
		     "did you mean \"hub-a\"?");
}

static void test_links(void)
{
	struct model *m = LOAD_OK(NET HUB_A
		HOST("r1", "role: router, publicKey: " K3 ", addresses: [10.9.1.1/16], lans: [192.168.1.0/24], "
		     "hubs: [hub-a], links: [r3]")
		HOST("r3", "role: router, publicKey: " K8 ", endpoint: \"192.0.2.8:51820\", addresses: [10.9.1.3/16], "
		     "lans: [192.168.3.0/24], hubs: [hub-a], links: [r1]"));
	struct host_state *r1, *r3, *hub;

	if (!m)
		return;
	CHECK_INT(model_find_host(m, "r1")->n_links, 1);
	CHECK_INT(model_find_host(m, "r3")->n_links, 1);
	r1 = render(m, "r1", NULL);
	r3 = render(m, "r3", NULL);
	hub = render(m, "hub-a", NULL);
	CHECK_STR(allowed(r1, "r3"), "10.9.1.3/32 192.168.3.0/24");
	CHECK_STR(allowed(r1, "hub-a"), "10.9.0.0/16");
	CHECK_STR(allowed(r3, "r1"), "10.9.1.1/32 192.168.1.0/24");
	/* behind NAT toward an endpoint: keepalive; the side with the endpoint waits */
	CHECK_INT(entry(r1, "r3") ? entry(r1, "r3")->keepalive : -1, 25);
	CHECK_INT(entry(r3, "r1") ? entry(r3, "r1")->keepalive : -1, 0);
	CHECK_INT(entry(r1, "hub-a") ? entry(r1, "hub-a")->keepalive : -1, 25);
	CHECK_STR(allowed(hub, "r1"), "10.9.1.1/32 192.168.1.0/24");
	CHECK_STR(routes(r1), "192.168.3.0/24");
	CHECK_NO_OVERLAP(m, r1);
	CHECK_NO_OVERLAP(m, r3);
	hoststate_free(r1);
	hoststate_free(r3);
	hoststate_free(hub);
	model_free(m);
}

static void test_attached_entries(void)
{
	struct model *m = LOAD_OK(FLEET);
	struct host_state *r1, *r2;

	if (!m)
		return;
	r1 = render(m, "r1", NULL);
	r2 = render(m, "r2", NULL);
	/* one peer per hub; the serving (primary) hub has the pool, the other what is homed on it */
	CHECK_INT(r1 ? r1->devices[0].n_peers : 0, 2);
	CHECK_STR(allowed(r1, "hub-a"), "10.9.0.0/16 192.168.2.0/24");
	CHECK_STR(allowed(r1, "hub-b"), "10.9.0.2/32 10.9.2.2/32 172.20.0.0/24");
	/* r2's primary is hub-b; it talks with r1 through hub-a as r1 does (the same
	 * hub both ways, or WireGuard drops the replies) */
	CHECK_STR(allowed(r2, "hub-b"), "10.9.0.0/16 172.20.0.0/24");
	CHECK_STR(allowed(r2, "hub-a"), "10.9.0.1/32 10.9.1.1/32 10.9.2.1/32 192.168.1.0/24");
	CHECK_STR(allowed(r1, "m"), "(none)");
	/* routes: the pool is on-link; the LANs behind the device, as few as cover them */
	CHECK_STR(routes(r1), "172.20.0.0/24 192.168.2.0/24");
	CHECK_NO_OVERLAP(m, r1);
	CHECK_NO_OVERLAP(m, r2);
	hoststate_free(r1);
	hoststate_free(r2);
	model_free(m);
}

static void test_hub_and_mesh_entries(void)
{
	struct model *m = LOAD_OK(FLEET);
	struct host_state *a, *b, *mm;

	if (!m)
		return;
	a = render(m, "hub-a", NULL);
	b = render(m, "hub-b", NULL);
	mm = render(m, "m", NULL);
	/* direct entries for the attached hosts, whatever their primary */
	CHECK_STR(allowed(a, "r1"), "10.9.1.1/32 192.168.1.0/24");
	CHECK_STR(allowed(a, "r2"), "10.9.1.2/32 192.168.2.0/24");
	CHECK_STR(allowed(b, "r1"), "10.9.1.1/32 192.168.1.0/24");
	/* the mesh entry for the other hub: only what is attached to it alone */
	CHECK_STR(allowed(a, "hub-b"), "10.9.0.2/32 10.9.2.2/32 172.20.0.0/24");
	CHECK_STR(allowed(a, "m"), "10.9.0.3/32");
	CHECK_STR(allowed(a, "pa"), "10.9.2.1/32");
	/* a mesh member reaches each attached host through its primary hub */
	CHECK_STR(allowed(mm, "hub-a"), "10.9.0.1/32 10.9.1.1/32 10.9.2.1/32 192.168.1.0/24");
	CHECK_STR(allowed(mm, "hub-b"), "10.9.0.2/32 10.9.1.2/32 10.9.2.2/32 172.20.0.0/24 192.168.2.0/24");
	CHECK_INT(mm ? mm->devices[0].n_peers : 0, 2);
	CHECK_NO_OVERLAP(m, a);
	CHECK_NO_OVERLAP(m, b);
	CHECK_NO_OVERLAP(m, mm);
	hoststate_free(a);
	hoststate_free(b);
	hoststate_free(mm);
	model_free(m);
}

static void test_failover_choice(void)
{
	struct model *m = LOAD_OK(FLEET);
	struct host_state *r1;
	bool *down;

	if (!m)
		return;
	down = calloc(m->n_hosts, sizeof(*down));
	CHECK_INT(render_serving_hub(model_find_host(m, "r1"), NULL), idx(m, "hub-a"));
	CHECK_INT(render_serving_hub(model_find_host(m, "r1"), down), idx(m, "hub-a"));
	CHECK(render_serving_hub(model_find_host(m, "m"), down) == MODEL_NONE);
	down[idx(m, "hub-a")] = true;
	CHECK_INT(render_serving_hub(model_find_host(m, "r1"), down), idx(m, "hub-b"));
	/* the network moves to hub-b; hub-a keeps only its own address */
	r1 = render(m, "r1", down);
	CHECK_STR(allowed(r1, "hub-b"), "10.9.0.0/16 172.20.0.0/24 192.168.2.0/24");
	CHECK_STR(allowed(r1, "hub-a"), "10.9.0.1/32");
	CHECK_NO_OVERLAP(m, r1);
	hoststate_free(r1);
	/* every hub down: the primary, as if none were */
	down[idx(m, "hub-b")] = true;
	CHECK_INT(render_serving_hub(model_find_host(m, "r1"), down), idx(m, "hub-a"));
	free(down);
	model_free(m);
}

static char warned[512];

static void warn_keep(const char *msg)
{
	snprintf(warned, sizeof(warned), "%s", msg);
}

/* hub_health against the fake kernel: probes only with the device up, says why */
static void test_hub_health(void)
{
	struct model *m = LOAD_OK(FLEET);
	struct kernel_fake *f = kernel_fake_new();
	bool *down = NULL;

	if (!m || !f)
		goto out;
	/* no device yet: nothing to tell, every hub healthy */
	CHECK_INT(hub_health(&f->k, m, model_find_host(m, "r1"), warn_keep, &down), 0);
	CHECK(down == NULL);
	CHECK(hoststate_add_device(f->hs, "wg0") != NULL);
	/* all answer */
	warned[0] = 0;
	CHECK_INT(hub_health(&f->k, m, model_find_host(m, "r1"), warn_keep, &down), 0);
	CHECK(down && !down[idx(m, "hub-a")] && !down[idx(m, "hub-b")]);
	CHECK_STR(warned, "");
	free(down);
	/* the primary does not: the next serves, and the warning says so */
	CHECK(prefix_parse("10.9.0.1", true, &f->unreachable[f->n_unreachable++]));
	CHECK_INT(hub_health(&f->k, m, model_find_host(m, "r1"), warn_keep, &down), 0);
	CHECK(down && down[idx(m, "hub-a")] && !down[idx(m, "hub-b")]);
	CHECK_STR(warned, "hub \"hub-a\" is unreachable (no reply from 10.9.0.1 through wg0), using hub \"hub-b\"");
	CHECK_INT(render_serving_hub(model_find_host(m, "r1"), down), idx(m, "hub-b"));
	free(down);
	/* a mesh host is never probed */
	CHECK_INT(hub_health(&f->k, m, model_find_host(m, "m"), warn_keep, &down), 0);
	CHECK(down == NULL);
out:
	kernel_fake_free(f);
	model_free(m);
}

static char hub_said[256];

static void hub_say(const char *msg)
{
	snprintf(hub_said, sizeof(hub_said), "%s", msg);
}

/* wgf watch's view of the hubs (hub_watch.h) against the fake kernel: down after
 * three misses, up after three answers, and an apply wanted from each change
 * until one succeeded */
static void test_hub_watch(void)
{
	struct model *m = LOAD_OK(FLEET);
	struct kernel_fake *f = kernel_fake_new();
	struct hub_watch_opts o = { .interval_ms = 1000, .timeout_ms = 1000, .failures = 3, .successes = 3,
				    .log = hub_say };
	struct hub_watch *hw = NULL, *again = NULL;
	int64_t now = 5000;

	if (!m || !f)
		goto out;
	CHECK_INT(hub_watch_new(&f->k, m, model_find_host(m, "m"), &o, &hw), 0);
	CHECK(hw == NULL);   /* a mesh host has no hub to fail over to */
	CHECK_INT(hub_watch_new(&f->k, m, model_find_host(m, "r1"), &o, &hw), 0);
	if (!hw)
		goto out;
	CHECK_INT(hw->n, 2);
	CHECK(hw->slots[0].host == idx(m, "hub-a") && hw->slots[1].host == idx(m, "hub-b"));
	/* no device yet: nothing to tell, and the next round a second later */
	CHECK(prefix_parse("10.9.0.1", true, &f->unreachable[f->n_unreachable++]));
	for (int i = 0; i < 4; i++)
		CHECK_INT(hub_watch_round(hw, now += 1000), 0);
	CHECK(!hw->slots[0].down);
	CHECK_INT(hub_watch_next(hw, now), 1000);
	CHECK_INT(hub_watch_next(hw, now + 1000), 0);
	CHECK_INT(hub_watch_round(hw, now + 999), 0);   /* not due: no probe */
	CHECK(!hw->slots[0].misses);
	/* the device up, both hubs answer: nothing to do */
	f->n_unreachable = 0;
	CHECK(hoststate_add_device(f->hs, "wg0") != NULL);
	for (int i = 0; i < 3; i++)
		CHECK_INT(hub_watch_round(hw, now += 1000), 0);
	CHECK_STR(hub_said, "");
	CHECK_INT(hub_watch_serving(hw), idx(m, "hub-a"));
	/* hub-a stops answering: down at the third miss, and an apply is wanted */
	CHECK(prefix_parse("10.9.0.1", true, &f->unreachable[f->n_unreachable++]));
	CHECK_INT(hub_watch_round(hw, now += 1000), 0);
	CHECK_INT(hub_watch_round(hw, now += 1000), 0);
	CHECK(!hw->slots[0].down && hw->slots[0].misses == 2);
	CHECK_INT(hub_watch_round(hw, now += 1000), 1);
	CHECK_STR(hub_said, "hub hub-a is down (no reply from 10.9.0.1 through wg0)");
	CHECK(hw->down[idx(m, "hub-a")] && !hw->down[idx(m, "hub-b")]);
	CHECK_INT(hub_watch_serving(hw), idx(m, "hub-b"));
	/* wanted until an apply succeeded; then nothing more */
	CHECK_INT(hub_watch_round(hw, now += 1000), 1);
	hub_watch_applied(hw);
	CHECK_INT(hub_watch_round(hw, now += 1000), 0);
	/* a reload keeps what watch knew of each hub */
	CHECK_INT(hub_watch_new(&f->k, m, model_find_host(m, "r1"), &o, &again), 0);
	hub_watch_carry(again, hw);
	CHECK(again && again->slots[0].down && again->down[idx(m, "hub-a")] && again->slots[0].misses == 3);
	if (!again)
		goto out;
	CHECK_INT(hub_watch_round(again, now), 0);   /* carried: not due before the next interval */
	/* one answer is not enough: up at the third in a row, and an apply is wanted again */
	f->n_unreachable = 0;
	CHECK_INT(hub_watch_round(again, now += 1000), 0);
	f->n_unreachable = 1;
	CHECK_INT(hub_watch_round(again, now += 1000), 0);
	f->n_unreachable = 0;
	CHECK_INT(hub_watch_round(again, now += 1000), 0);
	CHECK_INT(hub_watch_round(again, now += 1000), 0);
	CHECK(again->slots[0].down);
	CHECK_INT(hub_watch_round(again, now += 1000), 1);
	CHECK_STR(hub_said, "hub hub-a is up (replies from 10.9.0.1 through wg0)");
	CHECK_INT(hub_watch_serving(again), idx(m, "hub-a"));
	hub_watch_applied(again);
	/* every hub down: the primary carries the network, as render decides */
	CHECK(prefix_parse("10.9.0.2", true, &f->unreachable[f->n_unreachable++]));
	CHECK(prefix_parse("10.9.0.1", true, &f->unreachable[f->n_unreachable++]));
	CHECK_INT(hub_watch_round(again, now += 1000), 0);
	CHECK_INT(hub_watch_round(again, now += 1000), 0);
	CHECK_INT(hub_watch_round(again, now += 1000), 1);
	CHECK(again->slots[0].down && again->slots[1].down);
	CHECK_INT(hub_watch_serving(again), idx(m, "hub-a"));
out:
	hub_watch_free(again);
	hub_watch_free(hw);
	kernel_fake_free(f);
	model_free(m);
}

static const char *agg(const char *const *in)
{
	static char buf[512];
	struct wgf_prefix v[16];
	size_t n = 0, len = 0;

	while (in[n]) {
		CHECK(prefix_parse(in[n], false, &v[n]));
		n++;
	}
	n = prefix_aggregate(v, n);
	buf[0] = 0;
	for (size_t i = 0; i < n; i++) {
		char b[PREFIX_STRLEN];
		len += snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? " " : "", prefix_format(&v[i], b));
	}
	return buf;
}

#define AGG(...) agg((const char *[]){ __VA_ARGS__, NULL })

static void test_prefix_aggregate(void)
{
	CHECK_STR(AGG("10.0.1.0/24", "10.0.0.0/24", "10.0.2.0/23", "10.0.1.5/32"), "10.0.0.0/22");
	CHECK_STR(AGG("10.0.0.0/24", "10.0.2.0/24"), "10.0.0.0/24 10.0.2.0/24");
	CHECK_STR(AGG("10.0.0.1/32", "10.0.0.2/32"), "10.0.0.1/32 10.0.0.2/32");
	CHECK_STR(AGG("10.0.0.2/32", "10.0.0.3/32", "10.0.0.0/31"), "10.0.0.0/30");
	CHECK_STR(AGG("fd00::/65", "fd00::8000:0:0:0/65", "10.0.0.0/8"), "10.0.0.0/8 fd00::/64");
	CHECK_STR(AGG("0.0.0.0/1", "128.0.0.0/1"), "0.0.0.0/0");
}

/* Many branch routers: one gets a handful of routes and two peers, not one per address. */
static void test_many_routers_few_routes(void)
{
	enum { N = 200 };
	size_t cap = 400 * N + 1024, len;
	char *text = malloc(cap);
	struct host_state *hs;
	struct model *m;

	len = snprintf(text, cap, "%s%s%s", NET, HUB_A, HUB_B);
	for (unsigned i = 0; i < N; i++) {
		uint8_t k[32];
		char kb[64];

		for (int j = 0; j < 32; j++)
			k[j] = (uint8_t)(i * 13 + j * 7 + 1);
		k[0] = (uint8_t)i;
		k[1] = (uint8_t)(i >> 8);
		k[31] &= 0x7f;
		key_to_base64(k, kb);
		len += snprintf(text + len, cap - len, HOST("br%u", "publicKey: %s, addresses: [10.9.%u.%u/16], "
						     "lans: [172.16.%u.0/24], hubs: [%s]"),
				i, kb, 1 + i / 250, 1 + i % 250, i, i % 2 ? "hub-b, hub-a" : "hub-a, hub-b");
	}
	m = LOAD_OK(text);
	if (m) {
		hs = render(m, "br7", NULL);
		CHECK_INT(hs ? hs->devices[0].n_peers : 0, 2);
		/* 172.16.0.0-199.0 without 172.16.7.0/24 */
		CHECK_STR(routes(hs), "172.16.0.0/22 172.16.4.0/23 172.16.6.0/24 172.16.8.0/21 172.16.16.0/20 "
				      "172.16.32.0/19 172.16.64.0/18 172.16.128.0/18 172.16.192.0/21");
		CHECK_NO_OVERLAP(m, hs);
		hoststate_free(hs);
	}
	model_free(m);
	free(text);
}

int main(void)
{
	RUN(test_attached_loaded);
	RUN(test_topology_errors);
	RUN(test_links);
	RUN(test_attached_entries);
	RUN(test_hub_and_mesh_entries);
	RUN(test_failover_choice);
	RUN(test_hub_health);
	RUN(test_hub_watch);
	RUN(test_prefix_aggregate);
	RUN(test_many_routers_few_routes);
	UNIT_DONE();
}
