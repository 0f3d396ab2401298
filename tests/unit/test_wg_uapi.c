/* UAPI text protocol: parsing "get" replies and building "set" requests. */
#include "reconcile/kernel/wg_uapi.h"
#include "unit.h"

#include <errno.h>
#include <time.h>

static char *dup_str(const char *s)
{
	char *p = strdup(s);

	if (!p)
		abort();
	return p;
}

static void key_fill(uint8_t k[WG_KEY_LEN], uint8_t v)
{
	memset(k, v, WG_KEY_LEN);
}

#define HEX(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c \
	       c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c

static const char reply[] =
	"private_key=" HEX("1") "\n"
	"listen_port=51820\n"
	"fwmark=66\n"
	"public_key=" HEX("b") "\n"
	"preshared_key=" HEX("0") "\n"
	"protocol_version=1\n"
	"last_handshake_time_sec=0\n"
	"last_handshake_time_nsec=0\n"
	"tx_bytes=0\n"
	"rx_bytes=0\n"
	"persistent_keepalive_interval=0\n"
	"allowed_ip=10.0.0.2/32\n"
	"public_key=" HEX("a") "\n"
	"preshared_key=" HEX("2") "\n"
	"protocol_version=1\n"
	"endpoint=[2001:db8::1]:51821\n"
	"last_handshake_time_sec=1700000000\n"
	"last_handshake_time_nsec=5\n"
	"tx_bytes=123\n"
	"rx_bytes=18446744073709551615\n"
	"persistent_keepalive_interval=25\n"
	"allowed_ip=fd00::/64\n"
	"allowed_ip=10.1.0.0/16\n"
	"allowed_ip=10.0.0.1/32\n"
	"some_future_key=whatever\n"
	"errno=0\n\n";

static void test_parse_get(void)
{
	struct hs_device d = { 0 };
	char *buf = dup_str(reply);
	uint8_t k[WG_KEY_LEN];
	char pfx[PREFIX_STRLEN], ep[ENDPOINT_STRLEN];

	/* old peers in out are replaced, not leaked */
	CHECK(hs_device_add_peer(&d) != NULL);
	d.mtu = 1420;
	CHECK_INT(wg_uapi_parse_get(buf, strlen(buf), &d), 0);
	CHECK_INT(d.mtu, 1420);
	CHECK(d.backend == HS_BACKEND_USERSPACE);
	CHECK(d.has_private_key);
	key_fill(k, 0x11);
	CHECK(!memcmp(d.private_key, k, WG_KEY_LEN));
	CHECK_INT(d.listen_port, 51820);
	CHECK_INT(d.fwmark, 66);
	CHECK_INT(d.n_peers, 2);
	if (d.n_peers == 2) {
		struct hs_peer *a = &d.peers[0], *b = &d.peers[1];
		key_fill(k, 0xaa);
		CHECK(!memcmp(a->public_key, k, WG_KEY_LEN));   /* sorted by key */
		CHECK(a->has_psk);
		CHECK_STR(endpoint_format(&a->endpoint, ep), "[2001:db8::1]:51821");
		CHECK_INT(a->keepalive, 25);
		CHECK_INT(a->last_handshake_sec, 1700000000);
		CHECK_INT(a->tx_bytes, 123);
		CHECK(a->rx_bytes == UINT64_MAX);
		CHECK_INT(a->n_allowed_ips, 3);
		if (a->n_allowed_ips == 3) {
			CHECK_STR(prefix_format(&a->allowed_ips[0], pfx), "10.0.0.1/32");
			CHECK_STR(prefix_format(&a->allowed_ips[1], pfx), "10.1.0.0/16");
			CHECK_STR(prefix_format(&a->allowed_ips[2], pfx), "fd00::/64");
		}
		CHECK(!b->has_psk);   /* all zeros = none */
		CHECK_INT(b->endpoint.family, 0);
		CHECK_INT(b->n_allowed_ips, 1);
	}
	hs_device_clear(&d);
	free(buf);
}

static void test_parse_errors(void)
{
	struct hs_device d = { 0 };
	char *buf;

	d.listen_port = 7;
	buf = dup_str("errno=-19\n\n");
	CHECK_INT(wg_uapi_parse_get(buf, strlen(buf), &d), -19);
	free(buf);
	buf = dup_str("errno=5\n\n");
	CHECK_INT(wg_uapi_parse_get(buf, strlen(buf), &d), -5);
	free(buf);
	buf = dup_str("listen_port=1\n\n");   /* no errno line */
	CHECK_INT(wg_uapi_parse_get(buf, strlen(buf), &d), -EPROTO);
	free(buf);
	buf = dup_str("allowed_ip=10.0.0.0/8\nerrno=0\n\n");   /* before any peer */
	CHECK_INT(wg_uapi_parse_get(buf, strlen(buf), &d), -EPROTO);
	free(buf);
	buf = dup_str("public_key=" HEX("a") "\nallowed_ip=10.0.0.0/99\nerrno=0\n\n");
	CHECK_INT(wg_uapi_parse_get(buf, strlen(buf), &d), -EPROTO);
	free(buf);
	buf = dup_str("listen_port=70000\nerrno=0\n\n");
	CHECK_INT(wg_uapi_parse_get(buf, strlen(buf), &d), -EPROTO);
	free(buf);
	buf = dup_str("public_key=abc\nerrno=0\n\n");
	CHECK_INT(wg_uapi_parse_get(buf, strlen(buf), &d), -EPROTO);
	free(buf);
	buf = dup_str("noequals\nerrno=0\n\n");
	CHECK_INT(wg_uapi_parse_get(buf, strlen(buf), &d), -EPROTO);
	free(buf);
	CHECK_INT(d.listen_port, 7);   /* untouched on failure */
	hs_device_clear(&d);
}

/* Found by fuzz_uapi: no wireguard-go lists a peer twice, and the diff would
 * update one copy and remove the other. */
static void test_parse_duplicate_peer(void)
{
	struct hs_device d = { 0 };
	char *buf = dup_str("public_key=" HEX("a") "\nallowed_ip=10.0.0.1/32\n"
			    "public_key=" HEX("b") "\n"
			    "public_key=" HEX("a") "\nallowed_ip=10.0.0.2/32\nerrno=0\n\n");

	d.listen_port = 7;
	CHECK_INT(wg_uapi_parse_get(buf, strlen(buf), &d), -EPROTO);
	CHECK_INT(d.listen_port, 7);
	CHECK_INT(d.n_peers, 0);
	hs_device_clear(&d);
	free(buf);
}

static void test_parse_set_reply(void)
{
	CHECK_INT(wg_uapi_parse_set_reply("errno=0\n\n", 9), 0);
	CHECK_INT(wg_uapi_parse_set_reply("errno=-22\n\n", 11), -22);
	CHECK_INT(wg_uapi_parse_set_reply("errno=5\n\n", 9), -5);
	CHECK_INT(wg_uapi_parse_set_reply("errno=00000", 11), -EPROTO);   /* no newline at all */
	CHECK_INT(wg_uapi_parse_set_reply("errno=4096\n\n", 12), -EPROTO);
	CHECK_INT(wg_uapi_parse_set_reply("errno=\n\n", 8), -EPROTO);
	CHECK_INT(wg_uapi_parse_set_reply("listen_port=1\n\n", 15), -EPROTO);
}

static void test_build_set(void)
{
	struct hs_peer p[4] = { 0 };
	struct wg_peer_set ps[4] = { 0 };
	struct wg_device_set s = { 0 };
	uint8_t priv[WG_KEY_LEN];
	struct wgf_prefix pfx;
	char *out = NULL;
	size_t len = 0;

	key_fill(priv, 0x11);
	s.send.set_private_key = true;
	s.private_key = priv;
	s.send.set_listen_port = true;
	s.listen_port = 51820;
	s.send.set_fwmark = true;
	s.fwmark = 0;
	key_fill(p[0].public_key, 0xaa);
	p[0].has_psk = true;
	key_fill(p[0].psk, 0x22);
	endpoint_parse("192.0.2.1:51820", &p[0].endpoint);
	p[0].keepalive = 25;
	prefix_parse("10.0.0.1/32", false, &pfx);
	hs_peer_add_allowed_ip(&p[0], &pfx);
	prefix_parse("fd00::/64", false, &pfx);
	hs_peer_add_allowed_ip(&p[0], &pfx);
	ps[0] = (struct wg_peer_set){ .peer = &p[0], .send.set_psk = true, .send.set_endpoint = true,
				      .send.set_keepalive = true, .send.replace_allowed_ips = true };
	key_fill(p[1].public_key, 0xbb);
	ps[1] = (struct wg_peer_set){ .peer = &p[1], .remove = true, .send.set_psk = true };
	key_fill(p[2].public_key, 0xcc);   /* clear PSK and keepalive; no endpoint to send */
	ps[2] = (struct wg_peer_set){ .peer = &p[2], .update_only = true, .send.set_psk = true,
				      .send.set_endpoint = true, .send.set_keepalive = true };
	key_fill(p[3].public_key, 0xdd);   /* empty list: clears all allowed IPs */
	ps[3] = (struct wg_peer_set){ .peer = &p[3], .send.replace_allowed_ips = true };
	s.peers = ps;
	s.n_peers = 4;
	CHECK_INT(wg_uapi_build_set(&s, &out, &len), 0);
	CHECK_STR(out,
		  "set=1\n"
		  "private_key=" HEX("1") "\n"
		  "listen_port=51820\n"
		  "fwmark=0\n"
		  "public_key=" HEX("a") "\n"
		  "preshared_key=" HEX("2") "\n"
		  "endpoint=192.0.2.1:51820\n"
		  "persistent_keepalive_interval=25\n"
		  "replace_allowed_ips=true\n"
		  "allowed_ip=10.0.0.1/32\n"
		  "allowed_ip=fd00::/64\n"
		  "public_key=" HEX("b") "\n"
		  "remove=true\n"
		  "public_key=" HEX("c") "\n"
		  "update_only=true\n"
		  "preshared_key=" HEX("0") "\n"
		  "persistent_keepalive_interval=0\n"
		  "public_key=" HEX("d") "\n"
		  "replace_allowed_ips=true\n"
		  "\n");
	CHECK(strstr(out, "replace_peers") == NULL);
	if (out)
		CHECK_INT(len, strlen(out));
	free(out);
	ps[1].peer = NULL;
	CHECK_INT(wg_uapi_build_set(&s, &out, &len), -EINVAL);
	CHECK(out == NULL);
	for (int i = 0; i < 4; i++)
		hs_peer_clear(&p[i]);
}

/* Builds a 10,000-peer reply, parses it, and checks the result; prints the time. */
static void test_parse_big(void)
{
	enum { N = 10000 };
	size_t cap = (size_t)N * 400 + 64, len = 0;
	char *buf = malloc(cap);
	struct hs_device d = { 0 };
	struct timespec t0, t1;
	bool sorted = true;

	if (!buf)
		abort();
	for (unsigned i = 0; i < N; i++) {
		/* keys in descending order, so sorting has work to do */
		unsigned k = N - 1 - i;
		len += (size_t)snprintf(buf + len, cap - len,
			"public_key=%08x%056x\npreshared_key=%064x\nprotocol_version=1\n"
			"endpoint=203.0.113.%u:%u\nlast_handshake_time_sec=0\nlast_handshake_time_nsec=0\n"
			"tx_bytes=0\nrx_bytes=0\npersistent_keepalive_interval=0\n"
			"allowed_ip=fd00::%x:%x/128\nallowed_ip=10.%u.%u.0/24\n",
			k, 0u, 0u, i % 250 + 1, 10000 + i % 50000, i >> 16, i & 0xffff, (i >> 8) & 255, i & 255);
	}
	len += (size_t)snprintf(buf + len, cap - len, "errno=0\n\n");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_INT(wg_uapi_parse_get(buf, len, &d), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# parse of a %zu-byte, %d-peer get reply: %.1f ms\n", len, N,
	       (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	CHECK_INT(d.n_peers, N);
	for (size_t i = 1; i < d.n_peers; i++)
		if (hs_peer_cmp(&d.peers[i - 1], &d.peers[i]) >= 0)
			sorted = false;
	CHECK(sorted);
	if (d.n_peers == N) {
		CHECK_INT(d.peers[0].n_allowed_ips, 2);
		CHECK_INT(d.peers[0].allowed_ips[0].family, AF_INET);   /* v4 sorts first */
	}
	hs_device_clear(&d);
	free(buf);
}

int main(void)
{
	if (key_init() < 0)
		return 1;
	RUN(test_parse_get);
	RUN(test_parse_errors);
	RUN(test_parse_duplicate_peer);
	RUN(test_parse_set_reply);
	RUN(test_build_set);
	RUN(test_parse_big);
	UNIT_DONE();
}
