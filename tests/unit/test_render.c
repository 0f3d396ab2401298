/* render_host: every rule of README "Topology: what each host gets". */
#include <stdlib.h>
#include <string.h>

#include "model/key.h"
#include "model/prefix.h"
#include "render/render.h"
#include "tests/unit/unit.h"

#define L(...) ((const char *[]){ __VA_ARGS__, NULL })
#define NONE ((const char *[]){ NULL })

/* A hand-built model (no loader): one network "net" with interface wg0. */
static struct model *mb_new(void)
{
	struct model *m = calloc(1, sizeof(*m));
	struct model_network *n;

	m->networks = calloc(1, sizeof(*m->networks));
	m->n_networks = 1;
	n = &m->networks[0];
	n->meta.name = strdup("net");
	strcpy(n->ifname, "wg0");
	n->listen_port = 51820;
	n->mtu = 1420;
	n->keepalive = 25;
	n->fwmark = 0x51;
	n->has_pool4 = n->has_pool6 = true;
	prefix_parse("10.10.0.0/16", false, &n->pool4);
	prefix_parse("fd10::/64", false, &n->pool6);
	return m;
}

static size_t prefix_list(const char *const *s, struct wgf_prefix **out)
{
	size_t n = 0;

	while (s[n])
		n++;
	*out = calloc(n ? n : 1, sizeof(**out));
	for (size_t i = 0; i < n; i++)
		CHECK(prefix_parse(s[i], true, &(*out)[i]));
	return n;
}

/* Distinct per (kind, seed): hosts and peers never share a key. */
static void fake_key(uint8_t key[WG_KEY_LEN], uint8_t kind, unsigned seed)
{
	for (int i = 0; i < WG_KEY_LEN; i++)
		key[i] = (uint8_t)(seed * 31 + i * 7);
	key[0] = (uint8_t)(seed >> 8);
	key[1] = (uint8_t)seed;
	key[2] = kind;
}

static size_t mb_host(struct model *m, const char *name, enum host_role role, const char *const *addrs,
		      const char *const *lans, const char *endpoint)
{
	struct model_host *h;

	m->hosts = realloc(m->hosts, (m->n_hosts + 1) * sizeof(*m->hosts));
	h = &m->hosts[m->n_hosts];
	memset(h, 0, sizeof(*h));
	h->meta.name = strdup(name);
	h->role = role;
	fake_key(h->public_key, 0xaa, (unsigned)m->n_hosts);
	if (endpoint)
		CHECK(endpoint_parse(endpoint, &h->endpoint));
	h->n_addresses = prefix_list(addrs, &h->addresses);
	h->n_lans = prefix_list(lans, &h->lans);
	strcpy(h->ifname, "wg0");
	h->listen_port = 51820;
	h->mtu = 1420;
	return m->n_hosts++;
}

static size_t host_idx(const struct model *m, const char *name)
{
	for (size_t i = 0; i < m->n_hosts; i++)
		if (!strcmp(m->hosts[i].meta.name, name))
			return i;
	abort();
}

static struct model_peer *mb_peer(struct model *m, const char *name, const char *const *addrs,
				  const char *const *lans, const char *const *hubs)
{
	struct model_peer *p;
	size_t n = 0;

	m->peers = realloc(m->peers, (m->n_peers + 1) * sizeof(*m->peers));
	p = &m->peers[m->n_peers];
	memset(p, 0, sizeof(*p));
	p->meta.name = strdup(name);
	fake_key(p->public_key, 0x55, (unsigned)m->n_peers);
	p->n_addresses = prefix_list(addrs, &p->addresses);
	p->n_lans = prefix_list(lans, &p->lans);
	while (hubs[n])
		n++;
	p->hubs = calloc(n ? n : 1, sizeof(*p->hubs));
	for (size_t i = 0; i < n; i++)
		p->hubs[i] = host_idx(m, hubs[i]);
	p->n_hubs = n;
	p->enabled = true;
	m->n_peers++;
	return p;
}

static void mb_free(struct model *m)
{
	for (size_t i = 0; i < m->n_networks; i++)
		free(m->networks[i].meta.name);
	for (size_t i = 0; i < m->n_hosts; i++) {
		free(m->hosts[i].meta.name);
		free(m->hosts[i].addresses);
		free(m->hosts[i].lans);
	}
	for (size_t i = 0; i < m->n_peers; i++) {
		free(m->peers[i].meta.name);
		free(m->peers[i].addresses);
		free(m->peers[i].lans);
		free(m->peers[i].hubs);
	}
	free(m->networks);
	free(m->hosts);
	free(m->peers);
	free(m);
}

static struct host_state *render(const struct model *m, const char *host, int64_t now)
{
	struct render_opts o = { .now = now };
	struct host_state *hs = NULL;

	CHECK_INT(render_host(m, &m->hosts[host_idx(m, host)], &o, &hs), 0);
	return hs;
}

static const struct hs_peer *find_peer_named(const struct host_state *hs, const char *name)
{
	const struct hs_device *d = &hs->devices[0];

	for (size_t i = 0; i < d->n_peers; i++)
		if (d->peers[i].name && !strcmp(d->peers[i].name, name))
			return &d->peers[i];
	return NULL;
}

/* The peer's allowed IPs joined with spaces (sorted, as normalized). */
static const char *aips(const struct host_state *hs, const char *name)
{
	static char buf[4096];
	const struct hs_peer *p = find_peer_named(hs, name);
	char pb[PREFIX_STRLEN];

	buf[0] = '\0';
	if (!p)
		return "(no such peer)";
	for (size_t i = 0; i < p->n_allowed_ips; i++) {
		if (i)
			strcat(buf, " ");
		strcat(buf, prefix_format(&p->allowed_ips[i], pb));
	}
	return buf;
}

static const char *routes(const struct host_state *hs)
{
	static char buf[4096];
	char pb[PREFIX_STRLEN];

	buf[0] = '\0';
	for (size_t i = 0; i < hs->n_routes; i++) {
		CHECK_INT(hs->routes[i].table, 254);
		CHECK_INT(hs->routes[i].metric, 0);
		CHECK_STR(hs->routes[i].ifname, "wg0");
		if (i)
			strcat(buf, " ");
		strcat(buf, prefix_format(&hs->routes[i].dst, pb));
	}
	return buf;
}

static const char *sysctls(const struct host_state *hs)
{
	static char buf[512];

	buf[0] = '\0';
	for (size_t i = 0; i < hs->n_sysctls; i++) {
		if (i)
			strcat(buf, " ");
		strcat(buf, hs->sysctls[i].key);
		strcat(buf, "=");
		strcat(buf, hs->sysctls[i].value);
	}
	return buf;
}

static void test_hub_with_two_peers(void)
{
	struct model *m = mb_new();
	struct host_state *hs;
	const struct hs_peer *p;
	uint8_t priv[WG_KEY_LEN];
	struct render_opts o = { .now = 0, .private_key = priv };
	char eb[ENDPOINT_STRLEN];

	mb_host(m, "hub", HOST_ROLE_HUB, L("10.10.0.1/24"), NONE, "192.0.2.1:51820");
	m->hosts[0].listen_port = 51999;
	m->hosts[0].mtu = 1380;
	mb_peer(m, "alice", L("10.10.0.10"), NONE, L("hub"))->keepalive = 15;
	CHECK(endpoint_parse("198.51.100.10:4500", &mb_peer(m, "bob", L("10.10.0.11"), NONE, L("hub"))->endpoint));

	hs = render(m, "hub", 0);
	CHECK_STR(hs->host_name, "hub");
	CHECK_INT(hs->n_devices, 1);
	CHECK_STR(hs->devices[0].ifname, "wg0");
	CHECK(hs->devices[0].up);
	CHECK_INT(hs->devices[0].mtu, 1380);
	CHECK_INT(hs->devices[0].listen_port, 51999);
	CHECK_INT(hs->devices[0].fwmark, 0x51);
	CHECK_INT(hs->devices[0].backend, HS_BACKEND_AUTO);
	CHECK(!hs->devices[0].has_private_key);
	CHECK_INT(hs->devices[0].n_addresses, 1);
	CHECK_INT(hs->devices[0].n_peers, 2);
	p = find_peer_named(hs, "alice");
	CHECK(p && p->keepalive == 15 && p->endpoint.family == 0 && !p->has_psk);
	CHECK(p && !memcmp(p->public_key, m->peers[0].public_key, WG_KEY_LEN));
	CHECK_STR(aips(hs, "alice"), "10.10.0.10/32");
	p = find_peer_named(hs, "bob");
	CHECK(p && p->keepalive == 0);
	CHECK_STR(p ? endpoint_format(&p->endpoint, eb) : "", "198.51.100.10:4500");
	CHECK_STR(routes(hs), "");
	CHECK_STR(sysctls(hs), "net.ipv4.ip_forward=1");
	/* sorted by public key */
	CHECK(memcmp(hs->devices[0].peers[0].public_key, hs->devices[0].peers[1].public_key, WG_KEY_LEN) < 0);
	hoststate_free(hs);

	memset(priv, 0x42, sizeof(priv));
	hs = NULL;
	CHECK_INT(render_host(m, &m->hosts[0], &o, &hs), 0);
	CHECK(hs && hs->devices[0].has_private_key && !memcmp(hs->devices[0].private_key, priv, WG_KEY_LEN));
	hoststate_free(hs);
	mb_free(m);
}

static void test_member_sees_hub_with_its_peers(void)
{
	struct model *m = mb_new();
	struct host_state *hs;
	const struct hs_peer *p;
	char eb[ENDPOINT_STRLEN];

	mb_host(m, "hub", HOST_ROLE_HUB, L("10.10.0.1/24", "fd10::1/64"), NONE, "192.0.2.1:51820");
	mb_host(m, "m1", HOST_ROLE_MEMBER, L("10.10.0.2/24", "fd10::2/64"), NONE, NULL);
	mb_peer(m, "alice", L("10.10.0.10", "fd10::10"), L("192.168.77.0/24"), L("hub"));

	hs = render(m, "m1", 0);
	CHECK_INT(hs->devices[0].n_peers, 1);
	p = find_peer_named(hs, "hub");
	CHECK(p && p->keepalive == 25);
	CHECK_STR(p ? endpoint_format(&p->endpoint, eb) : "", "192.0.2.1:51820");
	CHECK_STR(aips(hs, "hub"), "10.10.0.1/32 10.10.0.10/32 192.168.77.0/24 fd10::1/128 fd10::10/128");
	CHECK_STR(routes(hs), "192.168.77.0/24");
	CHECK_STR(sysctls(hs), "");
	hoststate_free(hs);
	mb_free(m);
}

static void test_two_hubs_primary_rule(void)
{
	struct model *m = mb_new();
	struct host_state *hs;

	mb_host(m, "h1", HOST_ROLE_HUB, L("10.10.0.1/24"), NONE, "192.0.2.1:51820");
	mb_host(m, "h2", HOST_ROLE_HUB, L("10.10.0.2/24"), NONE, "192.0.2.2:51820");
	mb_host(m, "m3", HOST_ROLE_MEMBER, L("10.10.0.3/24"), NONE, NULL);
	mb_peer(m, "roamer", L("10.10.0.20"), L("172.16.5.0/24"), L("h1", "h2"));
	mb_peer(m, "second", L("10.10.0.21"), NONE, L("h2", "h1"));

	/* A third host reaches each peer through its primary hub only. */
	hs = render(m, "m3", 0);
	CHECK_STR(aips(hs, "h1"), "10.10.0.1/32 10.10.0.20/32 172.16.5.0/24");
	CHECK_STR(aips(hs, "h2"), "10.10.0.2/32 10.10.0.21/32");
	CHECK_STR(routes(hs), "172.16.5.0/24");
	hoststate_free(hs);

	/* Each hub has both peers directly and not through the other hub. */
	hs = render(m, "h2", 0);
	CHECK_INT(hs->devices[0].n_peers, 4);
	CHECK_STR(aips(hs, "roamer"), "10.10.0.20/32 172.16.5.0/24");
	CHECK_STR(aips(hs, "second"), "10.10.0.21/32");
	CHECK_STR(aips(hs, "h1"), "10.10.0.1/32");
	CHECK_STR(aips(hs, "m3"), "10.10.0.3/32");
	CHECK_STR(routes(hs), "172.16.5.0/24");
	hoststate_free(hs);

	hs = render(m, "h1", 0);
	CHECK_STR(aips(hs, "h2"), "10.10.0.2/32");
	hoststate_free(hs);
	mb_free(m);
}

static void test_router_lans_and_on_link(void)
{
	struct model *m = mb_new();
	struct host_state *hs;

	mb_host(m, "r", HOST_ROLE_ROUTER, L("10.10.0.3/24"), L("192.168.50.0/24", "192.168.51.0/24"), "192.0.2.3:51820");
	/* host bits set on an on-link address: masked before comparing */
	mb_host(m, "m", HOST_ROLE_MEMBER, L("10.10.0.4/24"), NONE, NULL);
	/* no on-link prefix: every allowed IP needs a route */
	mb_host(m, "solo", HOST_ROLE_MEMBER, L("10.10.1.5/32"), NONE, NULL);

	hs = render(m, "m", 0);
	CHECK_STR(aips(hs, "r"), "10.10.0.3/32 192.168.50.0/24 192.168.51.0/24");
	CHECK_STR(routes(hs), "10.10.1.5/32 192.168.50.0/24 192.168.51.0/24");
	CHECK_STR(sysctls(hs), "");
	hoststate_free(hs);

	hs = render(m, "solo", 0);
	CHECK_STR(routes(hs), "10.10.0.3/32 10.10.0.4/32 192.168.50.0/24 192.168.51.0/24");
	hoststate_free(hs);

	hs = render(m, "r", 0);
	CHECK_STR(routes(hs), "10.10.1.5/32");
	CHECK_STR(sysctls(hs), "net.ipv4.ip_forward=1");
	hoststate_free(hs);
	mb_free(m);
}

/* Not valid in a loaded model, but render must not emit a route twice. */
static void test_routes_deduplicated(void)
{
	struct model *m = mb_new();
	struct host_state *hs;

	mb_host(m, "hub", HOST_ROLE_HUB, L("10.10.0.1/24"), NONE, "192.0.2.1:51820");
	mb_peer(m, "a", L("10.10.0.10"), L("192.168.9.0/24"), L("hub"));
	mb_peer(m, "b", L("10.10.0.11"), L("192.168.9.0/24", "192.168.10.0/24"), L("hub"));
	hs = render(m, "hub", 0);
	CHECK_STR(routes(hs), "192.168.9.0/24 192.168.10.0/24");
	hoststate_free(hs);
	mb_free(m);
}

static void test_member_mesh(void)
{
	struct model *m = mb_new();
	struct host_state *hs;
	char eb[ENDPOINT_STRLEN];

	mb_host(m, "a", HOST_ROLE_MEMBER, L("10.10.0.1/24"), NONE, "192.0.2.1:51820");
	mb_host(m, "b", HOST_ROLE_MEMBER, L("10.10.0.2/24"), NONE, "192.0.2.2:51820");
	mb_host(m, "c", HOST_ROLE_MEMBER, L("10.10.0.3/24"), NONE, NULL);
	for (size_t i = 0; i < 3; i++) {
		const char *self = m->hosts[i].meta.name;

		hs = render(m, self, 0);
		CHECK_INT(hs->devices[0].n_peers, 2);
		CHECK(!find_peer_named(hs, self));
		for (size_t j = 0; j < hs->devices[0].n_peers; j++)
			CHECK_INT(hs->devices[0].peers[j].keepalive, 25);
		CHECK_STR(routes(hs), "");
		CHECK_STR(sysctls(hs), "");
		hoststate_free(hs);
	}
	hs = render(m, "c", 0);
	CHECK_STR(aips(hs, "a"), "10.10.0.1/32");
	CHECK_STR(endpoint_format(&find_peer_named(hs, "b")->endpoint, eb), "192.0.2.2:51820");
	hoststate_free(hs);
	hs = render(m, "a", 0);
	CHECK_INT(find_peer_named(hs, "c")->endpoint.family, 0);
	hoststate_free(hs);
	mb_free(m);
}

static void test_disabled_and_expired(void)
{
	const int64_t now = 1700000000;
	struct model *m = mb_new();
	struct host_state *hs;
	struct model_peer *p;

	mb_host(m, "hub", HOST_ROLE_HUB, L("10.10.0.1/24"), NONE, "192.0.2.1:51820");
	mb_host(m, "m", HOST_ROLE_MEMBER, L("10.10.0.2/24"), NONE, NULL);
	mb_peer(m, "forever", L("10.10.0.10"), NONE, L("hub"));
	p = mb_peer(m, "off", L("10.10.0.11"), NONE, L("hub"));
	p->enabled = false;
	p = mb_peer(m, "expired-now", L("10.10.0.12"), NONE, L("hub"));
	p->has_expires = true;
	p->expires = now;
	p = mb_peer(m, "expires-next-second", L("10.10.0.13"), NONE, L("hub"));
	p->has_expires = true;
	p->expires = now + 1;
	p = mb_peer(m, "expires-zero-unset", L("10.10.0.14"), NONE, L("hub"));
	p->expires = 0;

	hs = render(m, "hub", now);
	CHECK_INT(hs->devices[0].n_peers, 4);
	CHECK(find_peer_named(hs, "forever"));
	CHECK(!find_peer_named(hs, "off"));
	CHECK(!find_peer_named(hs, "expired-now"));
	CHECK(find_peer_named(hs, "expires-next-second"));
	CHECK(find_peer_named(hs, "expires-zero-unset"));
	hoststate_free(hs);

	hs = render(m, "m", now);
	CHECK_STR(aips(hs, "hub"), "10.10.0.1/32 10.10.0.10/32 10.10.0.13/32 10.10.0.14/32");
	hoststate_free(hs);

	hs = render(m, "hub", now - 1);
	CHECK(find_peer_named(hs, "expired-now"));
	hoststate_free(hs);
	hs = render(m, "m", now + 1);
	CHECK_STR(aips(hs, "hub"), "10.10.0.1/32 10.10.0.10/32 10.10.0.14/32");
	hoststate_free(hs);
	mb_free(m);
}

static void test_sysctls_per_role_and_family(void)
{
	struct model *m = mb_new();
	struct host_state *hs;

	mb_host(m, "hub", HOST_ROLE_HUB, L("10.10.0.1/24", "fd10::1/64"), NONE, "192.0.2.1:51820");
	mb_host(m, "r6", HOST_ROLE_ROUTER, L("fd10::2/64"), L("fd20::/48"), NULL);
	mb_host(m, "m", HOST_ROLE_MEMBER, L("10.10.0.3/24", "fd10::3/64"), NONE, NULL);

	hs = render(m, "hub", 0);
	CHECK_STR(sysctls(hs), "net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1");
	hoststate_free(hs);
	hs = render(m, "r6", 0);
	CHECK_STR(sysctls(hs), "net.ipv6.conf.all.forwarding=1");
	CHECK_STR(routes(hs), "10.10.0.1/32 10.10.0.3/32");
	hoststate_free(hs);
	hs = render(m, "m", 0);
	CHECK_STR(sysctls(hs), "");
	CHECK_STR(routes(hs), "fd20::/48");
	hoststate_free(hs);
	mb_free(m);
}

static void test_ipv6_only(void)
{
	struct model *m = mb_new();
	struct host_state *hs;

	mb_host(m, "hub", HOST_ROLE_HUB, L("fd10::1/64"), NONE, "[2001:db8::1]:51820");
	mb_host(m, "m", HOST_ROLE_MEMBER, L("fd10::2/64"), NONE, NULL);
	mb_peer(m, "p6", L("fd10::a", "fd99::5/64"), L("fd30:1::/56"), L("hub"));

	hs = render(m, "m", 0);
	CHECK_STR(aips(hs, "hub"), "fd10::1/128 fd10::a/128 fd30:1::/56 fd99::/64");
	CHECK_STR(routes(hs), "fd30:1::/56 fd99::/64");
	hoststate_free(hs);
	hs = render(m, "hub", 0);
	CHECK_STR(aips(hs, "p6"), "fd10::a/128 fd30:1::/56 fd99::/64");
	CHECK_STR(aips(hs, "m"), "fd10::2/128");
	CHECK_STR(sysctls(hs), "net.ipv6.conf.all.forwarding=1");
	hoststate_free(hs);
	mb_free(m);
}

static void test_many_peers(void)
{
	struct model *m = mb_new();
	struct host_state *hs;
	const struct hs_peer *hub;
	char name[32], addr[32];

	mb_host(m, "hub", HOST_ROLE_HUB, L("10.10.0.1/16"), NONE, "192.0.2.1:51820");
	mb_host(m, "m", HOST_ROLE_MEMBER, L("10.10.0.2/16"), NONE, NULL);
	for (int i = 0; i < 10000; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		snprintf(addr, sizeof(addr), "10.10.%d.%d", 1 + i / 250, 1 + i % 250);
		mb_peer(m, name, L(addr), NONE, L("hub"));
	}
	hs = render(m, "hub", 0);
	CHECK_INT(hs->devices[0].n_peers, 10001);
	CHECK_INT(hs->n_routes, 0);
	hoststate_free(hs);
	hs = render(m, "m", 0);
	hub = find_peer_named(hs, "hub");
	CHECK(hub && hub->n_allowed_ips == 10001);
	hoststate_free(hs);
	mb_free(m);
}

/* A peer with a place: "peers/NAME.yaml:5:1" (the loader's file names live in the model). */
static struct model_peer *mb_peer_at(struct model *m, const char *name, const char *addr, const char *hub,
				     const char *file)
{
	struct model_peer *p = mb_peer(m, name, L(addr), NONE, L(hub));

	p->meta.loc.file = file;
	p->meta.loc.line = 5;
	p->meta.loc.col = 1;
	return p;
}

static const struct peer_notice *notice_of(const struct peer_notices *ns, const char *name)
{
	for (size_t i = 0; i < ns->n; i++)
		if (!strcmp(ns->items[i].peer, name))
			return &ns->items[i];
	return NULL;
}

static const char *notice_msg(const struct peer_notices *ns, const char *name)
{
	static char buf[PEER_NOTICE_MSG_LEN];
	const struct peer_notice *n = notice_of(ns, name);

	return n ? peer_notice_message(n, buf) : "(no notice)";
}

static void test_peer_notices(void)
{
	const int64_t day = 86400, now = 1769594400;   /* 2026-01-28T10:00:00Z */
	struct peer_notice_opts o = { .now = now, .warn_days = 14 };
	struct peer_notices ns = { .n = 99 };
	struct model *m = mb_new();
	struct model_peer *p;
	char date[PEER_NOTICE_DATE_LEN];

	mb_host(m, "hub", HOST_ROLE_HUB, L("10.10.0.1/24"), NONE, "192.0.2.1:51820");
	mb_host(m, "hub2", HOST_ROLE_HUB, L("10.10.0.2/24"), NONE, "192.0.2.2:51820");
	mb_peer_at(m, "forever", "10.10.0.10", "hub", "peers/forever.yaml");
	p = mb_peer_at(m, "off", "10.10.0.11", "hub", "peers/off.yaml");
	p->enabled = false;
	p = mb_peer_at(m, "off-and-expired", "10.10.0.12", "hub", "peers/off-and-expired.yaml");
	p->enabled = false;
	p->has_expires = true;
	p->expires = now - day;
	p = mb_peer_at(m, "guest", "10.10.0.13", "hub", "peers/guest.yaml");
	p->has_expires = true;
	p->expires = 1769817600;                    /* 2026-01-31: in 2.6 days */
	p = mb_peer_at(m, "gone", "10.10.0.14", "hub", "peers/gone.yaml");
	p->has_expires = true;
	p->expires = now;                           /* expired this very second */
	p = mb_peer_at(m, "edge", "10.10.0.15", "hub", "peers/edge.yaml");
	p->has_expires = true;
	p->expires = now + 14 * day;                /* the last instant of the horizon */
	p = mb_peer_at(m, "later", "10.10.0.16", "hub", "peers/later.yaml");
	p->has_expires = true;
	p->expires = now + 14 * day + 1;
	p = mb_peer_at(m, "other-hub", "10.10.0.17", "hub2", "peers/a-other-hub.yaml");
	p->has_expires = true;
	p->expires = 1767225600 + 3600 + 120 + 3;   /* 2026-01-01T01:02:03Z */
	p = mb_peer_at(m, "tomorrow", "10.10.0.18", "hub", "peers/tomorrow.yaml");
	p->has_expires = true;
	p->expires = now + 1;

	/* every peer of the repository (validate) */
	CHECK_INT(peer_notices_collect(m, &o, &ns), 0);
	CHECK_INT(ns.n, 7);
	CHECK(!notice_of(&ns, "forever"));
	CHECK(!notice_of(&ns, "later"));
	/* sorted by place */
	CHECK_STR(ns.items[0].peer, "other-hub");
	CHECK_STR(ns.items[0].file, "peers/a-other-hub.yaml");
	CHECK_INT(ns.items[0].line, 5);
	CHECK_INT(ns.items[0].col, 1);
	CHECK_STR(ns.items[6].peer, "tomorrow");
	CHECK_INT(notice_of(&ns, "off")->state, PEER_NOTICE_DISABLED);
	CHECK_INT(notice_of(&ns, "off-and-expired")->state, PEER_NOTICE_DISABLED);
	CHECK_INT(notice_of(&ns, "gone")->state, PEER_NOTICE_EXPIRED);
	CHECK_INT(notice_of(&ns, "guest")->state, PEER_NOTICE_EXPIRING);
	CHECK_INT(notice_of(&ns, "guest")->days_left, 3);
	CHECK_INT(notice_of(&ns, "edge")->state, PEER_NOTICE_EXPIRING);
	CHECK_INT(notice_of(&ns, "edge")->days_left, 14);
	CHECK_INT(notice_of(&ns, "tomorrow")->days_left, 1);
	CHECK(!memcmp(notice_of(&ns, "gone")->public_key, m->peers[4].public_key, WG_KEY_LEN));
	CHECK(peer_notices_find_key(&ns, m->peers[4].public_key) == notice_of(&ns, "gone"));
	CHECK(!peer_notices_find_key(&ns, m->peers[0].public_key));
	CHECK_STR(notice_msg(&ns, "off"), "peer \"off\" is disabled (enabled: false) and is not configured");
	CHECK_STR(notice_msg(&ns, "other-hub"), "peer \"other-hub\" expired on 2026-01-01T01:02:03Z and is not configured");
	CHECK_STR(notice_msg(&ns, "guest"),
		  "peer \"guest\" expires on 2026-01-31, in 3 days, and is then no longer configured");
	CHECK_STR(notice_msg(&ns, "tomorrow"),
		  "peer \"tomorrow\" expires on 2026-01-28T10:00:01Z, in 1 day, and is then no longer configured");
	CHECK_STR(peer_notice_state_name(PEER_NOTICE_EXPIRING), "expiring");
	CHECK_STR(peer_notice_severity(PEER_NOTICE_DISABLED), "note");
	CHECK_STR(peer_notice_severity(PEER_NOTICE_EXPIRED), "warning");
	CHECK_STR(peer_notice_date(0, date), "1970-01-01");

	/* the notices own their strings: they outlive the model's */
	m->peers[4].meta.loc.file = "changed";
	CHECK_STR(notice_of(&ns, "gone")->file, "peers/gone.yaml");

	/* one host (plan): only the peers whose hubs include it */
	peer_notices_clear(&ns);
	o.host = &m->hosts[host_idx(m, "hub2")];
	CHECK_INT(peer_notices_collect(m, &o, &ns), 0);
	CHECK_INT(ns.n, 1);
	CHECK_STR(ns.items[0].peer, "other-hub");
	peer_notices_clear(&ns);
	o.host = &m->hosts[host_idx(m, "hub")];
	CHECK_INT(peer_notices_collect(m, &o, &ns), 0);
	CHECK_INT(ns.n, 6);
	CHECK(!notice_of(&ns, "other-hub"));

	/* no horizon: only the skipped ones */
	peer_notices_clear(&ns);
	o.warn_days = 0;
	CHECK_INT(peer_notices_collect(m, &o, &ns), 0);
	CHECK_INT(ns.n, 3);
	for (size_t i = 0; i < ns.n; i++)
		CHECK(peer_notice_skipped(&ns.items[i]));

	/* the same rule as render: what is skipped is exactly what render leaves out */
	peer_notices_clear(&ns);
	o.host = NULL;
	CHECK_INT(peer_notices_collect(m, &o, &ns), 0);
	{
		struct host_state *hs = render(m, "hub", now);

		for (size_t i = 0; i < m->n_peers; i++) {
			const struct peer_notice *n = notice_of(&ns, m->peers[i].meta.name);
			bool skipped = n && peer_notice_skipped(n);

			if (m->peers[i].hubs[0] == host_idx(m, "hub"))
				CHECK(skipped == !find_peer_named(hs, m->peers[i].meta.name));
		}
		hoststate_free(hs);
	}
	peer_notices_clear(&ns);
	CHECK_INT(ns.n, 0);
	peer_notices_clear(&ns);
	mb_free(m);
}

int main(void)
{
	if (key_init() < 0)
		return 1;
	RUN(test_hub_with_two_peers);
	RUN(test_member_sees_hub_with_its_peers);
	RUN(test_two_hubs_primary_rule);
	RUN(test_router_lans_and_on_link);
	RUN(test_routes_deduplicated);
	RUN(test_member_mesh);
	RUN(test_disabled_and_expired);
	RUN(test_sysctls_per_role_and_family);
	RUN(test_ipv6_only);
	RUN(test_many_peers);
	RUN(test_peer_notices);
	UNIT_DONE();
}
