/* Drives reconcile/kernel/wg.h against real devices for tests/lab/test_wg_backend.sh.
 *
 *   wg_backend_check start IF [WIREGUARD_GO]
 *   wg_backend_check set [-t] [-b kernel|userspace] IF FILE     apply a description (below)
 *   wg_backend_check get [-t] [-b kernel|userspace] IF          print like `wg show IF dump`
 *   wg_backend_check gen N DESC CONF     N random peers as a description and as a wg setconf file
 *
 * Description: one directive a line, '#' comments.
 *   private_key B64 | listen_port N | fwmark N
 *   peer B64                  starts a peer; the lines below apply to it
 *   remove | update_only | psk B64|none | endpoint ADDR:PORT | keepalive N
 *   allowed_ips P1,P2,…|none  replaces the peer's allowed IPs
 *
 * get prints secrets as the first 16 hex digits of their SHA-256, never as
 * themselves; the lab script hashes `wg show dump`'s the same way. -t prints
 * the time the backend call took on stderr. */
#include "reconcile/kernel/wg.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void secret_hash(const uint8_t key[WG_KEY_LEN], char out[17])
{
	uint8_t h[crypto_hash_sha256_BYTES];
	char hex[2 * crypto_hash_sha256_BYTES + 1];

	crypto_hash_sha256(h, key, WG_KEY_LEN);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	memcpy(out, hex, 16);
	out[16] = '\0';
}

struct desc {
	struct hs_device dev;          /* holds the peers */
	struct wg_peer_set *sets;      /* parallel to dev.peers */
	size_t sets_cap;
	uint8_t private_key[WG_KEY_LEN];
	struct wg_device_set s;
};

static void desc_free(struct desc *d)
{
	hs_device_clear(&d->dev);
	free(d->sets);
	sodium_memzero(d, sizeof(*d));
}

static int desc_line(struct desc *d, char *line, unsigned lineno)
{
	char *save = NULL, *kw = strtok_r(line, " \t\r\n", &save), *arg;
	struct hs_peer *p = d->dev.n_peers ? &d->dev.peers[d->dev.n_peers - 1] : NULL;
	struct wg_peer_set *ps = d->dev.n_peers ? &d->sets[d->dev.n_peers - 1] : NULL;

	if (!kw || kw[0] == '#')
		return 0;
	arg = strtok_r(NULL, " \t\r\n", &save);
	if (!strcmp(kw, "peer")) {
		size_t n = d->dev.n_peers;
		if (!arg || !(p = hs_device_add_peer(&d->dev)))
			goto bad;
		if (n >= d->sets_cap) {
			size_t cap = d->sets_cap ? 2 * d->sets_cap : 16;
			struct wg_peer_set *ns = realloc(d->sets, cap * sizeof(*ns));
			if (!ns)
				return -ENOMEM;
			d->sets = ns;
			d->sets_cap = cap;
		}
		memset(&d->sets[n], 0, sizeof(d->sets[n]));
		if (!key_from_base64(arg, p->public_key))
			goto bad;
		return 0;
	}
	if (!strcmp(kw, "private_key")) {
		if (!arg || !key_from_base64(arg, d->private_key))
			goto bad;
		d->s.send.set_private_key = true;
		d->s.private_key = d->private_key;
	} else if (!strcmp(kw, "listen_port") && arg) {
		d->s.send.set_listen_port = true;
		d->s.listen_port = (uint16_t)strtoul(arg, NULL, 0);
	} else if (!strcmp(kw, "fwmark") && arg) {
		d->s.send.set_fwmark = true;
		d->s.fwmark = (uint32_t)strtoul(arg, NULL, 0);
	} else if (!p) {
		goto bad;
	} else if (!strcmp(kw, "remove")) {
		ps->remove = true;
	} else if (!strcmp(kw, "update_only")) {
		ps->update_only = true;
	} else if (!strcmp(kw, "psk") && arg) {
		ps->send.set_psk = true;
		p->has_psk = strcmp(arg, "none") != 0;
		if (p->has_psk && !key_from_base64(arg, p->psk))
			goto bad;
	} else if (!strcmp(kw, "endpoint") && arg) {
		ps->send.set_endpoint = true;
		if (!endpoint_parse(arg, &p->endpoint))
			goto bad;
	} else if (!strcmp(kw, "keepalive") && arg) {
		ps->send.set_keepalive = true;
		p->keepalive = (uint16_t)strtoul(arg, NULL, 10);
	} else if (!strcmp(kw, "allowed_ips") && arg) {
		char *s2 = NULL, *tok;
		ps->send.replace_allowed_ips = true;
		if (strcmp(arg, "none"))
			for (tok = strtok_r(arg, ",", &s2); tok; tok = strtok_r(NULL, ",", &s2)) {
				struct wgf_prefix pfx;
				if (!prefix_parse(tok, true, &pfx) || hs_peer_add_allowed_ip(p, &pfx) < 0)
					goto bad;
			}
	} else {
		goto bad;
	}
	return 0;
bad:
	fprintf(stderr, "wg_backend_check: line %u: bad directive '%s'\n", lineno, kw);
	return -EINVAL;
}

static int desc_load(const char *path, struct desc *d)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	int r = 0;

	memset(d, 0, sizeof(*d));
	if (!f)
		return -errno;
	while (r == 0 && getline(&line, &cap, f) >= 0)
		r = desc_line(d, line, ++lineno);
	if (line) {
		sodium_memzero(line, cap);
		free(line);
	}
	if (f != stdin)
		fclose(f);
	for (size_t i = 0; r == 0 && i < d->dev.n_peers; i++)
		d->sets[i].peer = &d->dev.peers[i];
	d->s.peers = d->sets;
	d->s.n_peers = d->dev.n_peers;
	return r;
}

static void print_dump(const struct hs_device *d)
{
	char b64[WG_KEY_B64_LEN], h[17], ep[ENDPOINT_STRLEN], pfx[PREFIX_STRLEN];
	uint8_t pub[WG_KEY_LEN];

	if (d->has_private_key) {
		secret_hash(d->private_key, h);
		key_public_from_private(pub, d->private_key);
		printf("%s\t%s\t", h, key_to_base64(pub, b64));
	} else {
		printf("(none)\t(none)\t");
	}
	printf("%u\t", d->listen_port);
	if (d->fwmark)
		printf("0x%x\n", d->fwmark);
	else
		printf("off\n");
	for (size_t i = 0; i < d->n_peers; i++) {
		const struct hs_peer *p = &d->peers[i];
		printf("%s\t", key_to_base64(p->public_key, b64));
		if (p->has_psk) {
			secret_hash(p->psk, h);
			printf("%s\t", h);
		} else {
			printf("(none)\t");
		}
		printf("%s\t", p->endpoint.family ? endpoint_format(&p->endpoint, ep) : "(none)");
		if (!p->n_allowed_ips)
			printf("(none)");
		for (size_t j = 0; j < p->n_allowed_ips; j++)
			printf("%s%s", j ? "," : "", prefix_format(&p->allowed_ips[j], pfx));
		printf("\t%lld\t%llu\t%llu\t", (long long)p->last_handshake_sec,
		       (unsigned long long)p->rx_bytes, (unsigned long long)p->tx_bytes);
		if (p->keepalive)
			printf("%u\n", p->keepalive);
		else
			printf("off\n");
	}
}

static int cmd_gen(unsigned long n, const char *desc_path, const char *conf_path)
{
	FILE *fd = fopen(desc_path, "w"), *fc = fopen(conf_path, "w");
	uint8_t priv[WG_KEY_LEN], key[WG_KEY_LEN];
	char b64[WG_KEY_B64_LEN];
	int r = 0;

	if (!fd || !fc) {
		r = -errno;
		goto out;
	}
	key_generate_private(priv);
	key_to_base64(priv, b64);
	fprintf(fd, "private_key %s\n", b64);
	fprintf(fc, "[Interface]\nPrivateKey = %s\n", b64);
	for (unsigned long i = 0; i < n; i++) {
		char aips[128];
		randombytes_buf(key, sizeof(key));
		key_to_base64(key, b64);
		fprintf(fd, "peer %s\n", b64);
		fprintf(fc, "\n[Peer]\nPublicKey = %s\n", b64);
		if (i % 2 == 0) {
			randombytes_buf(key, sizeof(key));
			key_to_base64(key, b64);
			fprintf(fd, "psk %s\n", b64);
			fprintf(fc, "PresharedKey = %s\n", b64);
		}
		/* TEST-NET-3 endpoints, never used: these peers get no keepalive and
		 * the namespace has no route there. */
		if (i % 3 == 0) {
			fprintf(fd, "endpoint 203.0.113.%lu:%lu\n", i % 250 + 1, 10000 + i % 50000);
			fprintf(fc, "Endpoint = 203.0.113.%lu:%lu\n", i % 250 + 1, 10000 + i % 50000);
		} else if (i % 3 == 1) {
			fprintf(fd, "keepalive 25\n");
			fprintf(fc, "PersistentKeepalive = 25\n");
		}
		snprintf(aips, sizeof(aips), "10.%lu.%lu.0/24,fd00::%lx:%lx/128",
			 (i >> 8) & 255, i & 255, i >> 16, i & 0xffff);
		fprintf(fd, "allowed_ips %s\n", aips);
		fprintf(fc, "AllowedIPs = %s\n", aips);
	}
out:
	sodium_memzero(priv, sizeof(priv));
	sodium_memzero(key, sizeof(key));
	sodium_memzero(b64, sizeof(b64));
	if (fd && fclose(fd) && !r)
		r = -errno;
	if (fc && fclose(fc) && !r)
		r = -errno;
	return r;
}

static int usage(void)
{
	fprintf(stderr, "usage: wg_backend_check start IF [WIREGUARD_GO] | set [-t] [-b B] IF FILE |"
			" get [-t] [-b B] IF | gen N DESC CONF\n");
	return 2;
}

int main(int argc, char **argv)
{
	enum hs_backend backend = HS_BACKEND_AUTO;
	bool timing = false;
	const char *cmd;
	double t0;
	int r, i = 2;

	if (argc < 3 || key_init() < 0)
		return usage();
	cmd = argv[1];
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-t"))
			timing = true;
		else if (!strcmp(argv[i], "-b") && i + 1 < argc)
			backend = !strcmp(argv[++i], "kernel") ? HS_BACKEND_KERNEL : HS_BACKEND_USERSPACE;
		else
			return usage();
	}
	argc -= i;
	argv += i;
	if (!strcmp(cmd, "start") && argc >= 1) {
		r = wg_userspace_start(argv[0], argc > 1 ? argv[1] : NULL);
	} else if (!strcmp(cmd, "set") && argc == 2) {
		struct desc d;
		r = desc_load(argv[1], &d);
		if (r == 0) {
			t0 = now_ms();
			r = wg_set_device(argv[0], backend, &d.s);
			if (timing)
				fprintf(stderr, "time set %s: %.1f ms\n", argv[0], now_ms() - t0);
		}
		desc_free(&d);
	} else if (!strcmp(cmd, "get") && argc == 1) {
		struct hs_device dev = { 0 };
		t0 = now_ms();
		r = wg_get_device(argv[0], backend, &dev);
		if (timing)
			fprintf(stderr, "time get %s: %.1f ms\n", argv[0], now_ms() - t0);
		if (r == 0)
			print_dump(&dev);
		hs_device_clear(&dev);
	} else if (!strcmp(cmd, "gen") && argc == 3) {
		r = cmd_gen(strtoul(argv[0], NULL, 10), argv[1], argv[2]);
	} else {
		return usage();
	}
	if (r < 0) {
		fprintf(stderr, "wg_backend_check: %s %s: %s\n", cmd, argc ? argv[0] : "", strerror(-r));
		return 1;
	}
	return 0;
}
