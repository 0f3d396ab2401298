/* wgf import's conversion (render/import.c): wg-quick configurations into a
 * repository that loads, with names, roles, topology and sealed PSKs, and no
 * secret in the clear. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/key.h"
#include "model/model.h"
#include "model/seal.h"
#include "model/str.h"
#include "render/import.h"
#include "tests/unit/diag_check.h"
#include "tests/unit/unit.h"

struct kp {
	uint8_t priv[32], pub[32];
	char priv64[WG_KEY_B64_LEN], pub64[WG_KEY_B64_LEN];
};

static struct kp hub, site, laptop, phone, seal_hub, op;
static uint8_t psk[32];
static char psk64[WG_KEY_B64_LEN];

static void make(struct kp *k)
{
	key_generate_private(k->priv);
	key_public_from_private(k->pub, k->priv);
	key_to_base64(k->priv, k->priv64);
	key_to_base64(k->pub, k->pub64);
}

static struct wgquick_conf *conf(const char *file, char *text, struct diag *d)
{
	struct wgquick_conf *c = NULL;

	CHECK(wgquick_parse(file, text, strlen(text), &c, d));
	free(text);
	return c;
}

/* A hub (masquerade, a PSK, two peers named alike), a second server, a client. */
static size_t three(struct wgquick_conf **c, struct diag *d)
{
	c[0] = conf("hub/wg0.conf", str_printf(
		"[Interface]\n# Name = hub\nPrivateKey = %s\nAddress = 10.40.0.1/24, fd40::1/64\nListenPort = 51820\n"
		"PostUp = iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE\n"
		"[Peer]\nPublicKey = %s\nAllowedIPs = 10.40.0.2/32, 192.168.2.0/24\nEndpoint = 192.0.2.2:51820\n"
		"# Name = Alice\n[Peer]\nPublicKey = %s\nPresharedKey = %s\nAllowedIPs = 10.40.0.10/32, fd40::10/128\n"
		"[Peer]\n# Name = alice\nPublicKey = %s\nAllowedIPs = 10.40.0.11/32\nPersistentKeepalive = 25\n",
		hub.priv64, site.pub64, laptop.pub64, psk64, phone.pub64), d);
	c[1] = conf("site/wg0.conf", str_printf(
		"[Interface]\n# Name = site\nPrivateKey = %s\nAddress = 10.40.0.2/24\nListenPort = 51820\n"
		"DNS = 10.40.0.1, site.example\n"
		"[Peer]\nPublicKey = %s\nAllowedIPs = 10.40.0.0/24\nEndpoint = 192.0.2.1:51820\nPersistentKeepalive = 15\n",
		site.priv64, hub.pub64), d);
	c[2] = conf("laptop.conf", str_printf(
		"[Interface]\nPrivateKey = %s\nAddress = 10.40.0.10/32\nDNS = 10.40.0.1, corp.example\n"
		"[Peer]\nPublicKey = %s\nPresharedKey = %s\nAllowedIPs = 0.0.0.0/0\nEndpoint = vpn.example.com:51820\n",
		laptop.priv64, hub.pub64, psk64), d);
	return 3;
}

static const char *file_text(const struct import_result *r, const char *path)
{
	for (size_t i = 0; i < r->n_files; i++)
		if (!strcmp(r->files[i].path, path))
			return r->files[i].text;
	return NULL;
}

/* The value after "KEY: " (quotes dropped) in text. */
static char *value_of(const char *text, const char *key)
{
	const char *s = text ? strstr(text, key) : NULL;
	size_t n;

	if (!s)
		return NULL;
	s += strlen(key);
	s += strspn(s, " \"");
	n = strcspn(s, "\"\n");
	return strndup(s, n);
}

static void free_confs(struct wgquick_conf **c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		wgquick_conf_free(c[i]);
}

static void test_import_three(void)
{
	struct import_sealing_key sk = { .host = "hub", .origin = "test" };
	struct import_opts o = { .network = "office", .sealing_keys = &sk, .n_sealing_keys = 1, .operator_name = "alice" };
	struct wgquick_conf *c[3];
	struct import_result r;
	struct model *m = NULL;
	const char *names[16], *bufs[16];
	size_t lens[16], n;
	struct diag d, ld;
	char *sealed, *id;
	uint8_t out[32], want_id[SEAL_ID_LEN], got_id[SEAL_ID_LEN];

	memcpy(sk.sealing_key, seal_hub.pub, 32);
	memcpy(o.operator_key, op.pub, 32);
	diag_init(&d);
	diag_init(&ld);
	n = three(c, &d);
	CHECK(import_build(c, n, &o, &r, &d) == 0);
	if (diag_has_errors(&d))
		dump(&d);
	CHECK(has_warning(&d, "hub/wg0.conf", 6, 10, "wgf masquerades by itself"));
	CHECK(has_warning(&d, "laptop.conf", 9, 12, "is a host name"));
	CHECK_INT(r.n_hosts, 2);
	CHECK_INT(r.n_peers, 2);
	CHECK_INT(r.n_psks, 1);
	CHECK(r.n_files <= 16);
	for (size_t i = 0; i < r.n_files && i < 16; i++) {
		names[i] = r.files[i].path, bufs[i] = r.files[i].text, lens[i] = strlen(r.files[i].text);
		CHECK(!strstr(bufs[i], hub.priv64) && !strstr(bufs[i], site.priv64) && !strstr(bufs[i], laptop.priv64));
		CHECK(!strstr(bufs[i], psk64));
	}
	CHECK(model_load_buffers(names, bufs, lens, r.n_files < 16 ? r.n_files : 16, &m, &ld) == 0);
	if (!m)
		dump(&ld);
	CHECK(strstr(file_text(&r, "network.yaml"), "name: office") != NULL);
	CHECK(strstr(file_text(&r, "network.yaml"), "ipv4: 10.40.0.0/24") != NULL);
	CHECK(strstr(file_text(&r, "network.yaml"), "persistentKeepalive: 15") != NULL);
	CHECK(strstr(file_text(&r, "network.yaml"), "search: [\"corp.example\"]") != NULL);
	CHECK(strstr(file_text(&r, "hosts/hub.yaml"), "role: exit") != NULL);
	CHECK(strstr(file_text(&r, "hosts/hub.yaml"), "endpoint: \"192.0.2.1:51820\"") != NULL);
	CHECK(strstr(file_text(&r, "hosts/site.yaml"), "role: router") != NULL);
	CHECK(strstr(file_text(&r, "hosts/site.yaml"), "- 192.168.2.0/24") != NULL);
	/* a server's own DNS is the Host's dns (wg-quick gave it to resolvconf; wgf does too) */
	CHECK(strstr(file_text(&r, "hosts/site.yaml"), "  dns:\n    servers: [10.40.0.1]\n    search: [\"site.example\"]\n"));
	CHECK(!strstr(file_text(&r, "hosts/hub.yaml"), "dns:"));
	CHECK(!has_warning(&d, "site/wg0.conf", 0, 0, "DNS"));
	CHECK(m && model_find_host(m, "site") && model_find_host(m, "site")->dns.n_servers == 1);
	CHECK(file_text(&r, "peers/alice.yaml") && file_text(&r, "peers/alice-2.yaml"));
	CHECK(file_text(&r, "operators/alice.yaml") != NULL);
	/* the PSK opens with the hub's sealing key and with the operator's, and its id is the PSK's */
	sealed = value_of(file_text(&r, "peers/alice.yaml"), "host/hub:");
	CHECK(sealed && seal_open(sealed, seal_hub.pub, seal_hub.priv, out) == 0 && !memcmp(out, psk, 32));
	free(sealed);
	sealed = value_of(file_text(&r, "peers/alice.yaml"), "operator/alice:");
	CHECK(sealed && seal_open(sealed, op.pub, op.priv, out) == 0 && !memcmp(out, psk, 32));
	free(sealed);
	id = value_of(file_text(&r, "peers/alice.yaml"), "id:");
	seal_psk_id(psk, want_id);
	CHECK(id && seal_id_from_base64(id, got_id) && !memcmp(got_id, want_id, SEAL_ID_LEN));
	free(id);
	CHECK(m && m->n_peers == 2 && m->n_hosts == 2 && m->n_operators == 1);
	/* adoption: the site routes the whole pool to the hub, wgf each address */
	CHECK(m && import_check_adoption(m, c, n, &d) == 0);
	CHECK(!has_warning(&d, "hub/wg0.conf", 0, 0, "AllowedIPs"));
	/* the Network's one host-to-host keepalive is the site's 15: the hub's entry gets it too */
	CHECK(has_warning(&d, "hub/wg0.conf", 7, 1, "on host hub, wgf gives this peer PersistentKeepalive 15"));
	CHECK(!has_warning(&d, "hub/wg0.conf", 0, 0, "preshared key"));
	/* a hub running another PSK than the one imported: said at its PresharedKey */
	c[0]->peers[1].psk[0] ^= 1;
	CHECK(m && import_check_adoption(m, c, n, &d) == 0);
	CHECK(has_warning(&d, "hub/wg0.conf", 14, 16, "on host hub, wgf gives this peer another preshared key"));
	CHECK(has_warning(&d, "site/wg0.conf", 9, 14, "wgf gives this peer AllowedIPs 10.40.0.1/32, 10.40.0.10/32"));
	model_free(m);
	import_result_clear(&r);
	free_confs(c, n);
	diag_free(&d);
	diag_free(&ld);
}

static void test_import_refusals(void)
{
	struct import_opts o = { 0 };
	struct wgquick_conf *c[3];
	struct import_result r;
	struct diag d;
	size_t n;

	diag_init(&d);
	n = three(c, &d);
	CHECK(import_build(c, n, &o, &r, &d) == -EINVAL);
	CHECK(has_error(&d, "hub/wg0.conf", 14, 16, "pass --sealing-key hub=KEY"));
	CHECK(r.n_files == 0);
	diag_free(&d);
	diag_init(&d);
	{   /* this machine's sealing key, for the Host whose publicKey is its key file's */
		struct import_sealing_key local = { .origin = "sealing.key" };
		struct import_opts lo = { .sealing_keys = &local, .n_sealing_keys = 1 };

		memcpy(local.wg_public, hub.pub, 32);
		memcpy(local.sealing_key, seal_hub.pub, 32);
		CHECK(import_build(c, n, &lo, &r, &d) == 0);
		CHECK(r.n_psks == 1 && r.n_hosts == 2 && r.hosts[0].has_sealing_key && !r.hosts[1].has_sealing_key);
		import_result_clear(&r);
	}
	diag_free(&d);
	diag_init(&d);
	/* the hub alone: nobody says where it is */
	CHECK(import_build(c, 1, &o, &r, &d) == -EINVAL);
	CHECK(has_error(&d, "hub/wg0.conf", 1, 1, "pass --endpoint hub=ADDRESS:PORT"));
	diag_free(&d);
	diag_init(&d);
	/* the client alone: no server */
	CHECK(import_build(c + 2, 1, &o, &r, &d) == -EINVAL);
	CHECK(has_error(&d, "laptop.conf", 0, 0, "no server among the configurations"));
	free_confs(c, n);
	diag_free(&d);
}

static void test_import_names(void)
{
	char out[64];

	import_name_safe("Alice's Laptop (2)", "peer-", out);
	CHECK_STR(out, "alice-s-laptop-2");
	import_name_safe("+/9bC", "peer-", out);
	CHECK_STR(out, "peer-9bc");
	import_name_safe("42", "host-", out);
	CHECK_STR(out, "host-42");
	import_name_safe("", "peer-", out);
	CHECK_STR(out, "peer");
	import_name_safe("a-very-long-name-that-goes-on-and-on-and-on-and-on-and-on-and-on-forever", "p-", out);
	CHECK(strlen(out) <= MODEL_NAME_MAX && out[strlen(out) - 1] != '-');
}

int main(void)
{
	if (key_init() < 0)
		return 1;
	make(&hub), make(&site), make(&laptop), make(&phone), make(&seal_hub), make(&op);
	key_generate_private(psk);
	key_to_base64(psk, psk64);
	RUN(test_import_three);
	RUN(test_import_refusals);
	RUN(test_import_names);
	UNIT_DONE();
}
