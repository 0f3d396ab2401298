/* Generic netlink set-message fragmentation and dump parsing, without a kernel:
 * messages are built into buffers and parsed back. */
#include "reconcile/kernel/wg_genl.h"
#include "unit.h"

#include <errno.h>
#include <linux/genetlink.h>
#include <linux/time_types.h>
#include <linux/wireguard.h>
#include <netinet/in.h>
#include <sodium.h>

#define FAMILY 0x1234
#define IFNAME "wgtest0"

struct captured {
	struct nlmsghdr **msgs;
	size_t n;
	size_t fail_at;   /* emit fails on this message (0 = never) */
};

static int capture(struct nlmsghdr *nlh, void *ctx)
{
	struct captured *c = ctx;
	struct nlmsghdr *copy;

	if (c->fail_at && c->n + 1 == c->fail_at)
		return -EIO;
	copy = malloc(nlh->nlmsg_len);
	c->msgs = realloc(c->msgs, (c->n + 1) * sizeof(*c->msgs));
	if (!copy || !c->msgs)
		abort();
	memcpy(copy, nlh, nlh->nlmsg_len);
	c->msgs[c->n++] = copy;
	return 0;
}

static void captured_free(struct captured *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->msgs[i]);
	free(c->msgs);
	memset(c, 0, sizeof(*c));
}

struct tb {
	const struct nlattr *a[32];
};

static int tb_cb(const struct nlattr *a, void *data)
{
	struct tb *t = data;
	unsigned type = mnl_attr_get_type(a);

	if (type < 32)
		t->a[type] = a;
	return MNL_CB_OK;
}

/* What the messages said, peer by peer, in order. */
struct seen_peer {
	uint8_t key[WG_KEY_LEN];
	unsigned fragments;
	struct wgf_prefix *ips;
	size_t n_ips;
};

struct verify {
	size_t page;
	size_t msg_index;
	struct seen_peer *peers;
	size_t n_peers;
	unsigned bad;          /* rule violations */
	bool last_peer_open;   /* the previous message ended inside the last peer */
};

static int verify_aip(const struct nlattr *a, void *data)
{
	struct seen_peer *sp = data;
	struct tb t = { 0 };
	struct wgf_prefix p = { 0 };

	mnl_attr_parse_nested(a, tb_cb, &t);
	if (!t.a[WGALLOWEDIP_A_FAMILY] || !t.a[WGALLOWEDIP_A_IPADDR] || !t.a[WGALLOWEDIP_A_CIDR_MASK])
		return MNL_CB_ERROR;
	p.family = (uint8_t)mnl_attr_get_u16(t.a[WGALLOWEDIP_A_FAMILY]);
	p.len = mnl_attr_get_u8(t.a[WGALLOWEDIP_A_CIDR_MASK]);
	memcpy(p.addr, mnl_attr_get_payload(t.a[WGALLOWEDIP_A_IPADDR]), prefix_addr_len(p.family));
	sp->ips = realloc(sp->ips, (sp->n_ips + 1) * sizeof(*sp->ips));
	if (!sp->ips)
		abort();
	sp->ips[sp->n_ips++] = p;
	return MNL_CB_OK;
}

static int verify_peer(const struct nlattr *a, void *data)
{
	struct verify *v = data;
	struct tb t = { 0 };
	struct seen_peer *sp;
	const uint8_t *key;
	uint32_t flags;
	bool continuation;

	mnl_attr_parse_nested(a, tb_cb, &t);
	if (!t.a[WGPEER_A_PUBLIC_KEY]) {
		v->bad++;
		return MNL_CB_OK;
	}
	key = mnl_attr_get_payload(t.a[WGPEER_A_PUBLIC_KEY]);
	flags = t.a[WGPEER_A_FLAGS] ? mnl_attr_get_u32(t.a[WGPEER_A_FLAGS]) : 0;
	continuation = v->n_peers && !memcmp(v->peers[v->n_peers - 1].key, key, WG_KEY_LEN);
	if (continuation) {
		sp = &v->peers[v->n_peers - 1];
		/* only in a new message, only the key (+ update-only) and allowed IPs */
		if (!v->last_peer_open || (flags & ~(uint32_t)WGPEER_F_UPDATE_ONLY) ||
		    t.a[WGPEER_A_PRESHARED_KEY] || t.a[WGPEER_A_ENDPOINT] ||
		    t.a[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL] || !t.a[WGPEER_A_ALLOWEDIPS])
			v->bad++;
	} else {
		v->peers = realloc(v->peers, (v->n_peers + 1) * sizeof(*v->peers));
		if (!v->peers)
			abort();
		sp = &v->peers[v->n_peers++];
		memset(sp, 0, sizeof(*sp));
		memcpy(sp->key, key, WG_KEY_LEN);
	}
	v->last_peer_open = false;
	sp->fragments++;
	if (t.a[WGPEER_A_ALLOWEDIPS])
		mnl_attr_parse_nested(t.a[WGPEER_A_ALLOWEDIPS], verify_aip, sp);
	return MNL_CB_OK;
}

static void verify_msg(struct verify *v, const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *gh = mnl_nlmsg_get_payload(nlh);
	struct tb t = { 0 };

	if (nlh->nlmsg_len > v->page || nlh->nlmsg_type != FAMILY ||
	    nlh->nlmsg_flags != (NLM_F_REQUEST | NLM_F_ACK) || gh->cmd != WG_CMD_SET_DEVICE)
		v->bad++;
	mnl_attr_parse(nlh, sizeof(*gh), tb_cb, &t);
	if (!t.a[WGDEVICE_A_IFNAME] || strcmp(mnl_attr_get_str(t.a[WGDEVICE_A_IFNAME]), IFNAME))
		v->bad++;
	if (t.a[WGDEVICE_A_FLAGS])   /* never replace-peers; no flags at all */
		v->bad++;
	if (v->msg_index > 0 &&
	    (t.a[WGDEVICE_A_PRIVATE_KEY] || t.a[WGDEVICE_A_LISTEN_PORT] || t.a[WGDEVICE_A_FWMARK]))
		v->bad++;
	if (t.a[WGDEVICE_A_PEERS])
		mnl_attr_parse_nested(t.a[WGDEVICE_A_PEERS], verify_peer, v);
	v->last_peer_open = true;
	v->msg_index++;
}

static void verify_free(struct verify *v)
{
	for (size_t i = 0; i < v->n_peers; i++)
		free(v->peers[i].ips);
	free(v->peers);
}

static struct wgf_prefix nth_prefix(unsigned i)
{
	struct wgf_prefix p = { 0 };

	if (i % 2) {
		p.family = AF_INET6;
		p.len = 128;
		p.addr[0] = 0xfd;
		p.addr[14] = (uint8_t)(i >> 8);
		p.addr[15] = (uint8_t)i;
	} else {
		p.family = AF_INET;
		p.len = 32;
		p.addr[0] = 10;
		p.addr[2] = (uint8_t)(i >> 8);
		p.addr[3] = (uint8_t)i;
	}
	return p;
}

struct input {
	struct hs_peer *peers;
	struct wg_peer_set *sets;
	size_t n;
	uint8_t priv[WG_KEY_LEN];
	struct wg_device_set s;
};

/* Peer 0: `big` allowed IPs; then `n_small` peers with 1..3 allowed IPs each and
 * PSK, endpoint, keepalive; every 7th is removed, every 5th update-only. */
static void input_make(struct input *in, unsigned big, unsigned n_small, bool big_update_only)
{
	memset(in, 0, sizeof(*in));
	in->n = 1 + n_small;
	in->peers = calloc(in->n, sizeof(*in->peers));
	in->sets = calloc(in->n, sizeof(*in->sets));
	if (!in->peers || !in->sets)
		abort();
	for (size_t i = 0; i < in->n; i++) {
		struct hs_peer *p = &in->peers[i];
		struct wg_peer_set *ps = &in->sets[i];
		unsigned n_ips = i == 0 ? big : (unsigned)(i % 3) + 1;

		memset(p->public_key, 0x40, WG_KEY_LEN);
		p->public_key[0] = (uint8_t)i;
		p->public_key[1] = (uint8_t)(i >> 8);
		for (unsigned j = 0; j < n_ips; j++) {
			struct wgf_prefix pfx = nth_prefix((unsigned)i * 16 + j + (i ? 10000 : 0));
			if (hs_peer_add_allowed_ip(p, &pfx) < 0)
				abort();
		}
		p->has_psk = true;
		memset(p->psk, 0x55, WG_KEY_LEN);
		endpoint_parse(i % 2 ? "[2001:db8::1]:51820" : "192.0.2.1:51820", &p->endpoint);
		p->keepalive = 25;
		ps->peer = p;
		ps->send.set_psk = ps->send.set_endpoint = ps->send.set_keepalive = true;
		ps->send.replace_allowed_ips = true;
		if (i && i % 7 == 0)
			ps->remove = true;
		if ((i && i % 5 == 0) || (i == 0 && big_update_only))
			ps->update_only = true;
	}
	memset(in->priv, 0x11, WG_KEY_LEN);
	in->s = (struct wg_device_set){ .send.set_private_key = true, .private_key = in->priv,
					.send.set_listen_port = true, .listen_port = 51820,
					.send.set_fwmark = true, .fwmark = 0x42,
					.peers = in->sets, .n_peers = in->n };
}

static void input_free(struct input *in)
{
	for (size_t i = 0; i < in->n; i++)
		hs_peer_clear(&in->peers[i]);
	free(in->peers);
	free(in->sets);
}

/* Builds with a buffer of `page` bytes and checks every fragment rule. */
static void check_build(struct input *in, size_t page)
{
	struct captured c = { 0 };
	struct verify v = { .page = page };
	void *buf = malloc(page);
	size_t j;

	if (!buf)
		abort();
	CHECK_INT(wg_genl_build_set(IFNAME, FAMILY, &in->s, buf, page, capture, &c), 0);
	for (size_t i = 0; i < c.n; i++)
		verify_msg(&v, c.msgs[i]);
	CHECK_INT(v.bad, 0);
	CHECK_INT(v.n_peers, in->n);
	for (size_t i = 0; i < v.n_peers && i < in->n; i++) {
		const struct wg_peer_set *ps = &in->sets[i];
		struct seen_peer *sp = &v.peers[i];
		CHECK(!memcmp(sp->key, in->peers[i].public_key, WG_KEY_LEN));
		if (ps->remove) {
			CHECK_INT(sp->n_ips, 0);
			continue;
		}
		CHECK_INT(sp->n_ips, in->peers[i].n_allowed_ips);
		for (j = 0; j < sp->n_ips && j < in->peers[i].n_allowed_ips; j++)
			if (!prefix_equal(&sp->ips[j], &in->peers[i].allowed_ips[j]))
				break;
		CHECK_INT(j, sp->n_ips);
	}
	/* the first message carries the device attributes, the first fragment of
	 * each peer its flags: re-parse message 0 to see them */
	if (c.n) {
		struct tb t = { 0 };
		mnl_attr_parse(c.msgs[0], sizeof(struct genlmsghdr), tb_cb, &t);
		CHECK(t.a[WGDEVICE_A_PRIVATE_KEY] && t.a[WGDEVICE_A_LISTEN_PORT] && t.a[WGDEVICE_A_FWMARK]);
	}
	if (page == (size_t)MNL_SOCKET_BUFFER_SIZE && in->peers[0].n_allowed_ips >= 5000) {
		CHECK(v.peers[0].fragments > 1);
		printf("# %zu messages of at most %zu bytes for %zu peers\n", c.n, page, in->n);
	}
	/* the buffer held keys: zeroed when the build returns */
	CHECK(sodium_is_zero(buf, page));
	captured_free(&c);
	verify_free(&v);
	free(buf);
}

/* The replace flag must sit in the first fragment only: count it per peer. */
static int count_replace(const struct nlattr *a, void *data)
{
	unsigned *n = data;
	struct tb t = { 0 };

	mnl_attr_parse_nested(a, tb_cb, &t);
	if (t.a[WGPEER_A_FLAGS] && (mnl_attr_get_u32(t.a[WGPEER_A_FLAGS]) & WGPEER_F_REPLACE_ALLOWEDIPS))
		(*n)++;
	return MNL_CB_OK;
}

static void test_big_peer(void)
{
	struct input in;
	struct captured c = { 0 };
	char buf[8192];
	unsigned replace = 0;

	input_make(&in, 5000, 0, false);
	check_build(&in, MNL_SOCKET_BUFFER_SIZE);
	check_build(&in, 300);
	CHECK_INT(wg_genl_build_set(IFNAME, FAMILY, &in.s, buf, MNL_SOCKET_BUFFER_SIZE, capture, &c), 0);
	for (size_t i = 0; i < c.n; i++) {
		struct tb t = { 0 };
		mnl_attr_parse(c.msgs[i], sizeof(struct genlmsghdr), tb_cb, &t);
		if (t.a[WGDEVICE_A_PEERS])
			mnl_attr_parse_nested(t.a[WGDEVICE_A_PEERS], count_replace, &replace);
	}
	CHECK(c.n > 1);
	CHECK_INT(replace, 1);
	captured_free(&c);
	input_free(&in);
}

static void test_many_peers(void)
{
	struct input in;

	input_make(&in, 40, 300, true);
	check_build(&in, MNL_SOCKET_BUFFER_SIZE);
	check_build(&in, 8192);
	check_build(&in, 256);
	input_free(&in);
}

static void test_build_errors(void)
{
	struct input in;
	struct captured c = { 0 };
	char buf[4096];

	input_make(&in, 2000, 10, false);
	CHECK_INT(wg_genl_build_set(IFNAME, FAMILY, &in.s, buf, 40, capture, &c), -EMSGSIZE);
	captured_free(&c);
	/* a page too small for one peer's first fragment */
	CHECK_INT(wg_genl_build_set(IFNAME, FAMILY, &in.s, buf, 120, capture, &c), -EMSGSIZE);
	captured_free(&c);
	c.fail_at = 2;
	CHECK_INT(wg_genl_build_set(IFNAME, FAMILY, &in.s, buf, sizeof(buf), capture, &c), -EIO);
	CHECK_INT(c.n, 1);
	captured_free(&c);
	CHECK_INT(wg_genl_build_set("a/b", FAMILY, &in.s, buf, sizeof(buf), capture, &c), -EINVAL);
	captured_free(&c);
	input_free(&in);
}

/* ---- dump parsing ---- */

static struct nlmsghdr *dump_msg(char *buf)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *gh = mnl_nlmsg_put_extra_header(nlh, sizeof(*gh));

	nlh->nlmsg_type = FAMILY;
	nlh->nlmsg_flags = NLM_F_MULTI;
	gh->cmd = WG_CMD_GET_DEVICE;
	gh->version = WG_GENL_VERSION;
	mnl_attr_put_u32(nlh, WGDEVICE_A_IFINDEX, 7);
	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, IFNAME);
	return nlh;
}

static void put_aips(struct nlmsghdr *nlh, unsigned from, unsigned to)
{
	struct nlattr *aips = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);

	for (unsigned i = from; i < to; i++) {
		struct wgf_prefix p = nth_prefix(i);
		struct nlattr *n = mnl_attr_nest_start(nlh, 0);
		mnl_attr_put_u16(nlh, WGALLOWEDIP_A_FAMILY, p.family);
		mnl_attr_put(nlh, WGALLOWEDIP_A_IPADDR, prefix_addr_len(p.family), p.addr);
		mnl_attr_put_u8(nlh, WGALLOWEDIP_A_CIDR_MASK, p.len);
		mnl_attr_nest_end(nlh, n);
	}
	mnl_attr_nest_end(nlh, aips);
}

static void test_parse_split_dump(void)
{
	char b1[4096], b2[4096];
	uint8_t ka[WG_KEY_LEN], kb[WG_KEY_LEN], priv[WG_KEY_LEN], zero[WG_KEY_LEN] = { 0 };
	struct nlmsghdr *m1 = dump_msg(b1), *m2 = dump_msg(b2);
	struct nlattr *peers, *peer;
	struct __kernel_timespec ts = { .tv_sec = 1700000000, .tv_nsec = 1 };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(51820) };
	struct hs_device d = { 0 };
	char ep[ENDPOINT_STRLEN];

	memset(ka, 0xaa, sizeof(ka));
	memset(kb, 0x0b, sizeof(kb));
	memset(priv, 0x11, sizeof(priv));
	sin6.sin6_addr.s6_addr[0] = 0x20;
	sin6.sin6_addr.s6_addr[1] = 0x01;
	sin6.sin6_addr.s6_addr[15] = 1;
	mnl_attr_put(m1, WGDEVICE_A_PRIVATE_KEY, WG_KEY_LEN, priv);
	mnl_attr_put_u16(m1, WGDEVICE_A_LISTEN_PORT, 51820);
	mnl_attr_put_u32(m1, WGDEVICE_A_FWMARK, 0x42);
	peers = mnl_attr_nest_start(m1, WGDEVICE_A_PEERS);
	peer = mnl_attr_nest_start(m1, 0);
	mnl_attr_put(m1, WGPEER_A_PUBLIC_KEY, WG_KEY_LEN, ka);
	mnl_attr_put(m1, WGPEER_A_PRESHARED_KEY, WG_KEY_LEN, zero);
	mnl_attr_put(m1, WGPEER_A_ENDPOINT, sizeof(sin6), &sin6);
	mnl_attr_put_u16(m1, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, 25);
	mnl_attr_put(m1, WGPEER_A_LAST_HANDSHAKE_TIME, sizeof(ts), &ts);
	mnl_attr_put_u64(m1, WGPEER_A_RX_BYTES, 1000);
	mnl_attr_put_u64(m1, WGPEER_A_TX_BYTES, 2000);
	mnl_attr_put_u32(m1, WGPEER_A_PROTOCOL_VERSION, 1);
	put_aips(m1, 0, 30);
	mnl_attr_nest_end(m1, peer);
	mnl_attr_nest_end(m1, peers);
	/* second message: the same peer continues, then another */
	peers = mnl_attr_nest_start(m2, WGDEVICE_A_PEERS);
	peer = mnl_attr_nest_start(m2, 0);
	mnl_attr_put(m2, WGPEER_A_PUBLIC_KEY, WG_KEY_LEN, ka);
	put_aips(m2, 30, 45);
	mnl_attr_nest_end(m2, peer);
	peer = mnl_attr_nest_start(m2, 1);
	mnl_attr_put(m2, WGPEER_A_PUBLIC_KEY, WG_KEY_LEN, kb);
	mnl_attr_put(m2, WGPEER_A_PRESHARED_KEY, WG_KEY_LEN, priv);
	put_aips(m2, 100, 101);
	mnl_attr_nest_end(m2, peer);
	mnl_attr_nest_end(m2, peers);

	CHECK_INT(wg_genl_parse_device_msg(m1, &d), 0);
	CHECK_INT(wg_genl_parse_device_msg(m2, &d), 0);
	CHECK(d.has_private_key && !memcmp(d.private_key, priv, WG_KEY_LEN));
	CHECK_INT(d.listen_port, 51820);
	CHECK_INT(d.fwmark, 0x42);
	CHECK_INT(d.n_peers, 2);
	if (d.n_peers == 2) {
		struct hs_peer *a = &d.peers[0], *b = &d.peers[1];
		CHECK(!memcmp(a->public_key, ka, WG_KEY_LEN));
		CHECK(!a->has_psk);
		CHECK_STR(endpoint_format(&a->endpoint, ep), "[2001::1]:51820");
		CHECK_INT(a->keepalive, 25);
		CHECK_INT(a->last_handshake_sec, 1700000000);
		CHECK_INT(a->rx_bytes, 1000);
		CHECK_INT(a->tx_bytes, 2000);
		CHECK_INT(a->n_allowed_ips, 45);
		if (a->n_allowed_ips == 45) {
			struct wgf_prefix p44 = nth_prefix(44);
			CHECK(prefix_equal(&a->allowed_ips[44], &p44));
		}
		CHECK(b->has_psk);
		CHECK_INT(b->n_allowed_ips, 1);
	}
	hs_device_clear(&d);

	/* a malformed key length is an error */
	{
		char b3[1024];
		struct nlmsghdr *m3 = dump_msg(b3);
		peers = mnl_attr_nest_start(m3, WGDEVICE_A_PEERS);
		peer = mnl_attr_nest_start(m3, 0);
		mnl_attr_put(m3, WGPEER_A_PUBLIC_KEY, 16, ka);
		mnl_attr_nest_end(m3, peer);
		mnl_attr_nest_end(m3, peers);
		CHECK_INT(wg_genl_parse_device_msg(m3, &d), -EPROTO);
		hs_device_clear(&d);
	}
}

/* Runs one buffer holding msg and an NLMSG_DONE through the dump receive path. */
static int feed(struct nlmsghdr *msg, struct hs_device *d)
{
	char buf[4096];
	struct nlmsghdr *done;
	size_t len = MNL_ALIGN(msg->nlmsg_len);

	memcpy(buf, msg, msg->nlmsg_len);
	done = (struct nlmsghdr *)(buf + len);
	memset(done, 0, MNL_NLMSG_HDRLEN + sizeof(int));
	done->nlmsg_len = MNL_NLMSG_HDRLEN + sizeof(int);
	done->nlmsg_type = NLMSG_DONE;
	done->nlmsg_flags = NLM_F_MULTI;
	return wg_genl_parse_dump(buf, len + done->nlmsg_len, 0, 0, d);
}

static void put_peer(struct nlmsghdr *m, uint8_t key, const void *sa, size_t sa_len)
{
	uint8_t k[WG_KEY_LEN];
	struct nlattr *peer = mnl_attr_nest_start(m, 0);

	memset(k, key, sizeof(k));
	mnl_attr_put(m, WGPEER_A_PUBLIC_KEY, WG_KEY_LEN, k);
	if (sa)
		mnl_attr_put(m, WGPEER_A_ENDPOINT, sa_len, sa);
	mnl_attr_nest_end(m, peer);
}

/* Found by fuzz_genl. */
static void test_parse_dump_hostile(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(0x0a000001) };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(51820), .sin6_scope_id = 2 };
	struct hs_device d = { 0 }, out = { 0 };
	char b[4096];
	struct nlmsghdr *m;
	struct nlattr *peers;

	/* a peer listed again after another: refused, not observed twice */
	m = dump_msg(b);
	peers = mnl_attr_nest_start(m, WGDEVICE_A_PEERS);
	put_peer(m, 0x41, NULL, 0);
	put_peer(m, 0x42, NULL, 0);
	put_peer(m, 0x41, NULL, 0);
	mnl_attr_nest_end(m, peers);
	CHECK_INT(feed(m, &d), 0);
	CHECK_INT(wg_device_take(&out, &d, HS_BACKEND_KERNEL), -EPROTO);
	CHECK_INT(out.n_peers, 0);
	hs_device_clear(&d);

	/* endpoints the UAPI backend observes as none (port 0, a scoped
	 * link-local address) are none here too */
	sin6.sin6_addr.s6_addr[0] = 0xfe;
	sin6.sin6_addr.s6_addr[1] = 0x80;
	sin6.sin6_addr.s6_addr[15] = 1;
	m = dump_msg(b);
	peers = mnl_attr_nest_start(m, WGDEVICE_A_PEERS);
	put_peer(m, 0x41, &sin, sizeof(sin));
	put_peer(m, 0x42, &sin6, sizeof(sin6));
	mnl_attr_nest_end(m, peers);
	CHECK_INT(feed(m, &d), 0);
	CHECK_INT(wg_device_take(&out, &d, HS_BACKEND_KERNEL), 0);
	CHECK_INT(out.n_peers, 2);
	if (out.n_peers == 2) {
		CHECK_INT(out.peers[0].endpoint.family, 0);
		CHECK_INT(out.peers[1].endpoint.family, 0);
	}
	hs_device_clear(&d);
	hs_device_clear(&out);

	/* a message claiming 2 GiB or more: libmnl 1.0.4 compares its length as
	 * an int and would read far past the buffer */
	memset(b, 0, sizeof(b));
	m = dump_msg(b);
	{
		size_t len = MNL_ALIGN(m->nlmsg_len);
		struct nlmsghdr *huge = (struct nlmsghdr *)(b + len);

		huge->nlmsg_len = 0x80000300;
		huge->nlmsg_type = FAMILY;
		CHECK_INT(wg_genl_parse_dump(b, len + MNL_NLMSG_HDRLEN + 8, 0, 0, &d), -EPROTO);
		hs_device_clear(&d);
	}

	/* an error code no errno has */
	{
		struct nlmsghdr *e = mnl_nlmsg_put_header(b);
		struct nlmsgerr *err = mnl_nlmsg_put_extra_header(e, sizeof(*err));

		e->nlmsg_type = NLMSG_ERROR;
		err->error = -2147483647 - 1;
		CHECK_INT(wg_genl_parse_dump(b, e->nlmsg_len, 0, 0, &d), -EPROTO);
		err->error = -ENODEV;
		CHECK_INT(wg_genl_parse_dump(b, e->nlmsg_len, 0, 0, &d), -ENODEV);
	}
}

int main(void)
{
	if (key_init() < 0)
		return 1;
	RUN(test_big_peer);
	RUN(test_many_peers);
	RUN(test_build_errors);
	RUN(test_parse_split_dump);
	RUN(test_parse_dump_hostile);
	UNIT_DONE();
}
