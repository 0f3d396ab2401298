/* Health verdicts (render/health.c): every peer verdict on both sides of the
 * stale threshold, expected-up from a keepalive on either side, the likely
 * reasons for never, and the host's level and summary. */
#include <arpa/inet.h>
#include <string.h>

#include "render/health.h"
#include "tests/unit/diag_check.h"
#include "tests/unit/unit.h"

#define NOW 1767225600          /* 2026-01-01T00:00:00Z */
#define STALE 180

enum { H_HUB, H_ROUTER, H_NAT1, H_NAT2, N_HOSTS };
enum { P_ALICE, P_BOB, P_CAROL, P_DAVE, P_ERIN, N_PEERS };

static struct model_network nets[2];
static struct model_host hosts[N_HOSTS];
static struct model_peer peers[N_PEERS];
static struct wgf_prefix bob_addr, router_addr;
static size_t hub0 = H_HUB;
static struct model m;

static void key(uint8_t k[WG_KEY_LEN], int n)
{
	memset(k, 0, WG_KEY_LEN);
	k[0] = (uint8_t)n;
	k[1] = 0xaa;
}

static void endpoint(struct wgf_endpoint *e, const char *s)
{
	CHECK(endpoint_parse(s, e));
}

/* hub (endpoint) in network 0 without keepalive; router behind NAT attached to it;
 * nat1 and nat2: a mesh in network 1, neither with an endpoint, no keepalive */
static void setup(void)
{
	static const char *host_names[] = { "hub", "router", "nat1", "nat2" };
	static const char *peer_names[] = { "alice", "bob", "carol", "dave", "erin" };

	for (int i = 0; i < N_HOSTS; i++) {
		hosts[i].meta.name = (char *)host_names[i];
		key(hosts[i].public_key, 10 + i);
		hosts[i].network = i >= H_NAT1;
	}
	endpoint(&hosts[H_HUB].endpoint, "198.51.100.1:51820");
	hosts[H_ROUTER].hubs = &hub0;
	hosts[H_ROUTER].n_hubs = 1;
	CHECK(prefix_parse("10.10.0.2/24", false, &router_addr));
	hosts[H_ROUTER].addresses = &router_addr;
	hosts[H_ROUTER].n_addresses = 1;
	for (int i = 0; i < N_PEERS; i++) {
		peers[i].meta.name = (char *)peer_names[i];
		key(peers[i].public_key, 20 + i);
		peers[i].enabled = true;
	}
	peers[P_ALICE].keepalive = 25;
	CHECK(prefix_parse("10.10.0.11", true, &bob_addr));
	peers[P_BOB].addresses = &bob_addr;
	peers[P_BOB].n_addresses = 1;
	peers[P_CAROL].enabled = false;
	peers[P_DAVE].has_expires = true;
	peers[P_DAVE].expires = NOW;
	peers[P_ERIN].has_expires = true;
	peers[P_ERIN].expires = NOW + 1;
	m = (struct model){ .networks = nets, .n_networks = 2, .hosts = hosts, .n_hosts = N_HOSTS,
			    .peers = peers, .n_peers = N_PEERS };
}

static struct hs_device dev(const struct model_host *self, bool up)
{
	struct hs_device d = { .up = up, .exists = true, .has_private_key = true, .private_key_withheld = true };

	memcpy(d.public_key, self->public_key, WG_KEY_LEN);
	return d;
}

static struct hs_peer peer(const uint8_t k[WG_KEY_LEN], int64_t handshake, uint16_t keepalive)
{
	struct hs_peer p = { .last_handshake_sec = handshake, .keepalive = keepalive };

	memcpy(p.public_key, k, WG_KEY_LEN);
	return p;
}

static struct health_peer eval_on(const struct model *mm, const struct model_host *self, const struct hs_device *d,
				  const struct hs_peer *p)
{
	struct health_peer h;

	health_peer_eval(mm, self, health_who_find(mm, p->public_key), d, p, NOW, STALE, &h);
	return h;
}

static void test_handshake_age(void)
{
	struct hs_device d = dev(&hosts[H_HUB], true);
	struct hs_peer p = peer(peers[P_ALICE].public_key, NOW - STALE, 0);
	struct health_peer h = eval_on(&m, &hosts[H_HUB], &d, &p);

	CHECK_INT(h.verdict, HEALTH_ONLINE);          /* exactly stale_after old: still online */
	CHECK_STR(h.name, "alice");
	CHECK(h.expected_up && !h.unhealthy);
	p.last_handshake_sec = NOW - STALE - 1;
	h = eval_on(&m, &hosts[H_HUB], &d, &p);
	CHECK_INT(h.verdict, HEALTH_STALE);
	CHECK(h.expected_up && h.unhealthy);
	CHECK_INT(h.reason, HEALTH_REASON_NONE);
	p.last_handshake_sec = 0;
	h = eval_on(&m, &hosts[H_HUB], &d, &p);
	CHECK_INT(h.verdict, HEALTH_NEVER);
	CHECK(h.unhealthy);
	CHECK_INT(h.reason, HEALTH_REASON_NONE);
	p.last_handshake_sec = NOW;                   /* just now */
	CHECK_INT(eval_on(&m, &hosts[H_HUB], &d, &p).verdict, HEALTH_ONLINE);
}

/* a road warrior without keepalive on either side: reported, never unhealthy */
static void test_expected_up(void)
{
	struct hs_device d = dev(&hosts[H_HUB], true);
	struct hs_peer p = peer(peers[P_BOB].public_key, NOW - STALE - 1, 0);
	struct health_peer h = eval_on(&m, &hosts[H_HUB], &d, &p);

	CHECK_INT(h.verdict, HEALTH_STALE);
	CHECK(!h.expected_up && !h.unhealthy);
	p.last_handshake_sec = 0;
	h = eval_on(&m, &hosts[H_HUB], &d, &p);
	CHECK_INT(h.verdict, HEALTH_NEVER);
	CHECK(!h.unhealthy);
	/* a keepalive on this side (observed) makes it expected up */
	p.keepalive = 25;
	h = eval_on(&m, &hosts[H_HUB], &d, &p);
	CHECK(h.expected_up && h.unhealthy);
	/* the router behind NAT keeps its mapping open toward the hub (the other side) */
	p = peer(hosts[H_ROUTER].public_key, 0, 0);
	h = eval_on(&m, &hosts[H_HUB], &d, &p);
	CHECK_STR(h.name, "router");
	CHECK(h.expected_up && h.unhealthy);
	/* nat1 and nat2: no network keepalive, neither has an endpoint: not expected up */
	d = dev(&hosts[H_NAT1], true);
	p = peer(hosts[H_NAT2].public_key, 0, 0);
	CHECK(!eval_on(&m, &hosts[H_NAT1], &d, &p).expected_up);
	/* a network keepalive: every host-to-host link is expected up */
	nets[1].keepalive = 25;
	CHECK(eval_on(&m, &hosts[H_NAT1], &d, &p).expected_up);
	nets[1].keepalive = 0;
	/* without a repository only the observed keepalive says */
	d = dev(&hosts[H_HUB], true);
	p = peer(hosts[H_ROUTER].public_key, 0, 0);
	h = eval_on(NULL, NULL, &d, &p);
	CHECK_INT(h.verdict, HEALTH_NEVER);
	CHECK(!h.expected_up && !h.name);
}

static void test_repository_verdicts(void)
{
	struct hs_device d = dev(&hosts[H_HUB], true);
	struct hs_peer p = peer(peers[P_CAROL].public_key, NOW, 0);
	uint8_t other[WG_KEY_LEN];

	CHECK_INT(eval_on(&m, &hosts[H_HUB], &d, &p).verdict, HEALTH_DISABLED);
	CHECK_INT(eval_on(NULL, NULL, &d, &p).verdict, HEALTH_ONLINE);   /* no repository: no verdict from it */
	p = peer(peers[P_DAVE].public_key, NOW, 0);                      /* expires == now: expired */
	CHECK_INT(eval_on(&m, &hosts[H_HUB], &d, &p).verdict, HEALTH_EXPIRED);
	p = peer(peers[P_ERIN].public_key, NOW, 0);                      /* a second later: not yet */
	CHECK_INT(eval_on(&m, &hosts[H_HUB], &d, &p).verdict, HEALTH_ONLINE);
	key(other, 99);
	p = peer(other, 0, 0);
	CHECK_INT(eval_on(&m, &hosts[H_HUB], &d, &p).verdict, HEALTH_UNKNOWN);
	CHECK_INT(eval_on(&m, &hosts[H_HUB], &d, &p).reason, HEALTH_REASON_NONE);
	CHECK_INT(eval_on(NULL, NULL, &d, &p).verdict, HEALTH_NEVER);    /* unknown needs a repository */
}

static void test_reasons(void)
{
	struct hs_device d = dev(&hosts[H_HUB], false);
	struct hs_peer p = peer(peers[P_ALICE].public_key, 0, 25);
	struct health_peer h;
	uint8_t other[WG_KEY_LEN];

	CHECK_INT(eval_on(&m, &hosts[H_HUB], &d, &p).reason, HEALTH_REASON_INTERFACE_DOWN);
	CHECK_INT(eval_on(NULL, NULL, &d, &p).reason, HEALTH_REASON_INTERFACE_DOWN);
	d = dev(&hosts[H_ROUTER], true);                                 /* the router's key on the hub */
	CHECK_INT(eval_on(&m, &hosts[H_HUB], &d, &p).reason, HEALTH_REASON_HOST_KEY);
	d = dev(&hosts[H_HUB], true);
	CHECK_INT(eval_on(&m, &hosts[H_HUB], &d, &p).reason, HEALTH_REASON_NONE);
	/* another table drops the listen port: after a down interface and a wrong key */
	d.port_blocked = true;
	CHECK_INT(eval_on(&m, &hosts[H_HUB], &d, &p).reason, HEALTH_REASON_PORT_BLOCKED);
	CHECK_STR(health_reason_name(HEALTH_REASON_PORT_BLOCKED), "port-blocked");
	d.up = false;
	CHECK_INT(eval_on(&m, &hosts[H_HUB], &d, &p).reason, HEALTH_REASON_INTERFACE_DOWN);
	d = dev(&hosts[H_HUB], true);
	/* a real private key: its public half is compared */
	d = (struct hs_device){ .up = true, .exists = true, .has_private_key = true };
	memset(d.private_key, 0x42, WG_KEY_LEN);
	CHECK_INT(eval_on(&m, &hosts[H_HUB], &d, &p).reason, HEALTH_REASON_HOST_KEY);
	CHECK(key_public_from_private(hosts[H_HUB].public_key, d.private_key) == 0);
	CHECK_INT(eval_on(&m, &hosts[H_HUB], &d, &p).reason, HEALTH_REASON_NONE);
	key(hosts[H_HUB].public_key, 10);
	/* only for never: a stale peer on a down interface has no reason */
	d = dev(&hosts[H_HUB], false);
	p.last_handshake_sec = NOW - 1000;
	CHECK_INT(eval_on(&m, &hosts[H_HUB], &d, &p).reason, HEALTH_REASON_NONE);
	/* neither side has an endpoint */
	d = dev(&hosts[H_NAT1], true);
	p = peer(hosts[H_NAT2].public_key, 0, 0);
	CHECK_INT(eval_on(&m, &hosts[H_NAT1], &d, &p).reason, HEALTH_REASON_NO_ENDPOINT);
	endpoint(&p.endpoint, "192.0.2.7:51820");                        /* an endpoint on this side */
	CHECK_INT(eval_on(&m, &hosts[H_NAT1], &d, &p).reason, HEALTH_REASON_NONE);
	/* a key the repository does not name, with bob's address: wrong key for bob */
	d = dev(&hosts[H_HUB], true);
	key(other, 99);
	p = peer(other, 0, 0);
	p.allowed_ips = &bob_addr;
	p.n_allowed_ips = 1;
	h = eval_on(&m, &hosts[H_HUB], &d, &p);
	CHECK_INT(h.verdict, HEALTH_UNKNOWN);
	CHECK_INT(h.reason, HEALTH_REASON_PEER_KEY);
	CHECK_STR(h.name, "bob");
	CHECK(!h.unhealthy);
	p.keepalive = 25;
	CHECK(eval_on(&m, &hosts[H_HUB], &d, &p).unhealthy);
	/* a whole subnet holding the router's address */
	struct wgf_prefix net;
	CHECK(prefix_parse("10.10.0.0/24", false, &net));
	p.allowed_ips = &net;
	CHECK_STR(eval_on(&m, &hosts[H_HUB], &d, &p).name, "router");
}

static void test_host(void)
{
	struct health_host_facts f = {0};
	char why[256];

	CHECK_INT(health_host_eval(&f, why, sizeof(why)), HEALTH_HEALTHY);
	CHECK_STR(why, "");
	f.stale_idle = 3;
	f.never_idle = 1;
	CHECK_INT(health_host_eval(&f, why, sizeof(why)), HEALTH_HEALTHY);
	CHECK_STR(why, "3 idle peers stale (no keepalive: not unhealthy), 1 idle peer never connected (no keepalive: not unhealthy)");
	f = (struct health_host_facts){ .loop_backoff = true };
	CHECK_INT(health_host_eval(&f, why, sizeof(why)), HEALTH_DEGRADED);
	CHECK_STR(why, "reconcile backing off");
	f = (struct health_host_facts){ .loop_suspended = true, .loop_refused = true, .watch_stale = true,
					.members_down = 1, .unknown = 2, .disabled = 1, .expired = 1 };
	CHECK_INT(health_host_eval(&f, why, sizeof(why)), HEALTH_DEGRADED);
	CHECK_STR(why, "1 exit member down, wgf watch not running, reconcile suspended, last reconcile refused, "
		  "2 unknown keys, 1 disabled peer still on the interface, 1 expired peer still on the interface");
	f = (struct health_host_facts){ .stale_expected = 2, .loop_backoff = true };
	CHECK_INT(health_host_eval(&f, why, sizeof(why)), HEALTH_UNHEALTHY);
	CHECK_STR(why, "2 peers stale (expected up), reconcile backing off");
	f = (struct health_host_facts){ .never_expected = 1 };
	CHECK_INT(health_host_eval(&f, why, sizeof(why)), HEALTH_UNHEALTHY);
	f = (struct health_host_facts){ .wrong_key_expected = 1, .unknown = 1 };
	CHECK_INT(health_host_eval(&f, why, sizeof(why)), HEALTH_UNHEALTHY);
	CHECK_STR(why, "1 peer with a wrong key (expected up), 1 unknown key");
	f = (struct health_host_facts){ .ifaces_missing = 1 };
	CHECK_INT(health_host_eval(&f, why, sizeof(why)), HEALTH_UNHEALTHY);
	CHECK_STR(why, "1 interface missing");
	f = (struct health_host_facts){ .ifaces_down = 2 };
	CHECK_INT(health_host_eval(&f, why, sizeof(why)), HEALTH_UNHEALTHY);
	f = (struct health_host_facts){ .groups_all_down = 1 };
	CHECK_INT(health_host_eval(&f, why, sizeof(why)), HEALTH_UNHEALTHY);
	CHECK_STR(why, "1 exit group with every member down");
	/* a short buffer is cut, never overrun */
	f = (struct health_host_facts){ .stale_expected = 2, .loop_backoff = true };
	CHECK_INT(health_host_eval(&f, why, 8), HEALTH_UNHEALTHY);
	CHECK_STR(why, "2 peers");
}

/* Network health.staleAfter: seconds; errors at file:line:col. */
static int load_net(const char *health, struct model **out, struct diag *d)
{
	char text[512];
	const char *name = "net.yaml", *buf = text;
	size_t len;

	snprintf(text, sizeof(text), "apiVersion: wgf/v1\nkind: Network\nmetadata: {name: n}\nspec:\n"
		 "  addressPools: {ipv4: 10.1.0.0/16}\n%s", health);
	len = strlen(text);
	diag_init(d);
	return model_load_buffers(&name, &buf, &len, 1, out, d);
}

static void expect_stale_after(const char *health, uint32_t secs)
{
	struct model *mm = NULL;
	struct diag d;

	CHECK(load_net(health, &mm, &d) == 0 && mm && mm->n_networks == 1);
	if (mm)
		CHECK_INT(mm->networks[0].stale_after, secs);
	if (d.n)
		dump(&d);
	model_free(mm);
	diag_free(&d);
}

static void expect_load_error(const char *health, unsigned line, unsigned col, const char *sub)
{
	struct model *mm = NULL;
	struct diag d;

	CHECK(load_net(health, &mm, &d) < 0 && !mm);
	if (!has_error(&d, "net.yaml", line, col, sub)) {
		fprintf(stderr, "#  expected net.yaml:%u:%u: %s, got:\n", line, col, sub);
		dump(&d);
		unit_failed_checks++;
	}
	model_free(mm);
	diag_free(&d);
}

static void test_yaml_stale_after(void)
{
	expect_stale_after("", 0);
	expect_stale_after("  health: {}\n", 0);
	expect_stale_after("  health: {staleAfter: 3m}\n", 180);
	expect_stale_after("  health:\n    staleAfter: 90s\n", 90);
	expect_stale_after("  health: {staleAfter: 2000ms}\n", 2);
	expect_stale_after("  health: {staleAfter: 168h}\n", MODEL_STALE_AFTER_MAX);
	expect_load_error("  health: {staleAfter: 169h}\n", 6, 24, "\"staleAfter\" must be whole seconds");
	expect_load_error("  health: {staleAfter: 1500ms}\n", 6, 24, "\"staleAfter\" must be whole seconds");
	expect_load_error("  health: {staleAfter: 0s}\n", 6, 24, "\"staleAfter\" must be whole seconds");
	expect_load_error("  health: {staleAfter: 180}\n", 6, 24, "must be a duration");
	expect_load_error("  health: {staleAfter: 3 m}\n", 6, 24, "must be a duration");
	expect_load_error("  health: {stale: 3m}\n", 6, 12, "unknown field \"stale\"");
	expect_load_error("  health: 3m\n", 6, 11, "health");
}

static void test_names(void)
{
	CHECK_STR(health_verdict_name(HEALTH_ONLINE), "online");
	CHECK_STR(health_verdict_name(HEALTH_UNKNOWN), "unknown");
	CHECK_STR(health_level_name(HEALTH_DEGRADED), "degraded");
	CHECK(!health_reason_name(HEALTH_REASON_NONE) && !health_reason_text(HEALTH_REASON_NONE));
	CHECK_STR(health_reason_name(HEALTH_REASON_NO_ENDPOINT), "no-endpoint");
	for (int r = HEALTH_REASON_INTERFACE_DOWN; r <= HEALTH_REASON_NO_ENDPOINT; r++)
		CHECK(health_reason_name(r) && health_reason_text(r));
}

/* The sorted index finds what the linear search finds, for every key and for
 * none; a Peer that reuses a Host's key is the Host, as in health_who_find. */
static void test_index(void)
{
	struct health_index ix;
	uint8_t none[WG_KEY_LEN], saved[WG_KEY_LEN];

	CHECK_INT(health_index_build(&m, &ix), 0);
	CHECK_INT(ix.n, N_HOSTS + N_PEERS);
	for (int i = 0; i < N_HOSTS; i++) {
		CHECK(health_index_find(&ix, hosts[i].public_key).host == &hosts[i]);
		CHECK_STR(health_index_name(&ix, hosts[i].public_key), hosts[i].meta.name);
	}
	for (int i = 0; i < N_PEERS; i++) {
		struct health_who w = health_index_find(&ix, peers[i].public_key);
		CHECK(w.peer == &peers[i] && !w.host);
	}
	key(none, 99);
	CHECK(!health_index_find(&ix, none).host && !health_index_find(&ix, none).peer);
	CHECK(health_index_name(&ix, none) == NULL);
	health_index_clear(&ix);
	memcpy(saved, peers[P_BOB].public_key, WG_KEY_LEN);
	memcpy(peers[P_BOB].public_key, hosts[H_ROUTER].public_key, WG_KEY_LEN);
	CHECK_INT(health_index_build(&m, &ix), 0);
	CHECK(health_index_find(&ix, hosts[H_ROUTER].public_key).host == &hosts[H_ROUTER]);
	CHECK(health_who_find(&m, hosts[H_ROUTER].public_key).host == &hosts[H_ROUTER]);
	health_index_clear(&ix);
	memcpy(peers[P_BOB].public_key, saved, WG_KEY_LEN);
	CHECK_INT(health_index_build(NULL, &ix), 0);
	CHECK(ix.n == 0 && !health_index_find(&ix, none).host);
	health_index_clear(&ix);
}

int main(void)
{
	setup();
	RUN(test_handshake_age);
	RUN(test_expected_up);
	RUN(test_repository_verdicts);
	RUN(test_reasons);
	RUN(test_host);
	RUN(test_yaml_stale_after);
	RUN(test_names);
	RUN(test_index);
	UNIT_DONE();
}
