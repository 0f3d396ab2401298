/* libFuzzer harness for wg-quick configurations (model/wgquick.c), the files
 * `wgf import wg-quick` reads, and the conversion of what parses (render/import.c).
 *
 * Invariants: the parse succeeds exactly when it reported no error, and then
 * gives peers with a public key each, unique, allowed IPs masked, every list
 * within WGQ_MAX_LIST; a message never holds the private key or a PSK of the
 * file; written back as wg-quick text it parses to the same configuration; the
 * conversion returns 0, -EINVAL with an error said, or -ENOMEM, and a result
 * holds no secret in the clear; one that loads checks its adoption (rendered
 * Hosts against the file) without failing.
 *
 *   make fuzz O=build-fz
 *   mkdir -p /tmp/c && cp tests/fuzz/corpus/fuzz_wgquick/?* /tmp/c/
 *   build-fz/fuzz/fuzz_wgquick -max_total_time=600 -rss_limit_mb=2048 /tmp/c
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/key.h"
#include "model/model.h"
#include "model/wgquick.h"
#include "render/import.h"

static void check_no_secret(const struct diag *d, const char *text)
{
	for (size_t i = 0; i < d->n; i++)
		if (strstr(d->entries[i].msg, text))
			abort();
}

static void put_prefixes(FILE *f, const char *key, const struct wgf_prefix *v, size_t n)
{
	char buf[PREFIX_STRLEN];

	for (size_t i = 0; i < n; i++)   /* DNS servers are bare addresses */
		fprintf(f, "%s = %s\n", key, strcmp(key, "DNS") ? prefix_format(&v[i], buf) : prefix_format_addr(&v[i], buf));
}

static char *write_back(const struct wgquick_conf *c, size_t *len)
{
	char *text = NULL, b64[WG_KEY_B64_LEN], buf[ENDPOINT_STRLEN];
	FILE *f = open_memstream(&text, len);

	if (!f)
		return NULL;
	fprintf(f, "[Interface]\n");
	if (c->has_private_key)
		fprintf(f, "PrivateKey = %s\n", key_to_base64(c->private_key, b64));
	put_prefixes(f, "Address", c->addresses, c->n_addresses);
	put_prefixes(f, "DNS", c->dns_servers, c->n_dns_servers);
	for (size_t i = 0; i < c->n_dns_search; i++)
		fprintf(f, "DNS = %s\n", c->dns_search[i]);
	if (c->has_listen_port)
		fprintf(f, "ListenPort = %u\n", c->listen_port);
	for (size_t i = 0; i < c->n_peers; i++) {
		const struct wgquick_peer *p = &c->peers[i];
		fprintf(f, "[Peer]\nPublicKey = %s\n", key_to_base64(p->public_key, b64));
		if (p->has_psk)
			fprintf(f, "PresharedKey = %s\n", key_to_base64(p->psk, b64));
		put_prefixes(f, "AllowedIPs", p->allowed_ips, p->n_allowed_ips);
		if (p->endpoint.family)
			fprintf(f, "Endpoint = %s\n", endpoint_format(&p->endpoint, buf));
		else if (p->endpoint_host)
			fprintf(f, "Endpoint = %s\n", p->endpoint_host);
	}
	fclose(f);
	return text;
}

static void check_same(const struct wgquick_conf *a, const struct wgquick_conf *b)
{
	if (a->n_peers != b->n_peers || a->n_addresses != b->n_addresses || a->has_private_key != b->has_private_key ||
	    a->n_dns_servers != b->n_dns_servers || a->n_dns_search != b->n_dns_search ||
	    memcmp(a->private_key, b->private_key, WG_KEY_LEN) ||
	    memcmp(a->addresses, b->addresses, a->n_addresses * sizeof(*a->addresses)))
		abort();
	for (size_t i = 0; i < a->n_peers; i++) {
		const struct wgquick_peer *p = &a->peers[i], *q = &b->peers[i];
		if (memcmp(p->public_key, q->public_key, WG_KEY_LEN) || p->has_psk != q->has_psk ||
		    p->n_allowed_ips != q->n_allowed_ips || !endpoint_equal(&p->endpoint, &q->endpoint) ||
		    memcmp(p->allowed_ips, q->allowed_ips, p->n_allowed_ips * sizeof(*p->allowed_ips)))
			abort();
	}
}

static void check_conf(const struct wgquick_conf *c, const struct diag *d)
{
	char b64[WG_KEY_B64_LEN];

	if (c->n_addresses > WGQ_MAX_LIST || c->n_peers > WGQ_MAX_PEERS)
		abort();
	if (c->has_private_key)
		check_no_secret(d, key_to_base64(c->private_key, b64));
	for (size_t i = 0; i < c->n_peers; i++) {
		const struct wgquick_peer *p = &c->peers[i];
		if (!p->has_public_key || wgquick_find_peer(c, p->public_key) != p || p->n_allowed_ips > WGQ_MAX_LIST)
			abort();
		for (size_t j = 0; j < p->n_allowed_ips; j++)
			if (!prefix_is_network(&p->allowed_ips[j]))
				abort();
		if (p->has_psk)
			check_no_secret(d, key_to_base64(p->psk, b64));
	}
}

/* A result that loads is rendered for its Hosts and compared with the file. */
static void check_adoption(struct wgquick_conf *c, const struct import_result *r)
{
	const char *names[64], *bufs[64];
	size_t lens[64];
	struct model *m = NULL;
	struct diag d;
	int ret;

	if (r->n_files > 64)
		return;
	for (size_t i = 0; i < r->n_files; i++)
		names[i] = r->files[i].path, bufs[i] = r->files[i].text, lens[i] = strlen(r->files[i].text);
	diag_init(&d);
	if (model_load_buffers(names, bufs, lens, r->n_files, &m, &d) == 0) {
		ret = import_check_adoption(m, &c, 1, &d);
		if (ret != 0 && ret != -ENOMEM)
			abort();
	}
	model_free(m);
	diag_free(&d);
}

static void convert(struct wgquick_conf *c)
{
	struct import_sealing_key sk = { .origin = "fuzz" };
	struct import_opts o = { .sealing_keys = &sk, .n_sealing_keys = 1, .operator_name = "op" };
	struct import_result r;
	struct diag d;
	int ret;

	memset(sk.sealing_key, 9, sizeof(sk.sealing_key));
	memset(o.operator_key, 7, sizeof(o.operator_key));
	if (c->has_private_key && key_public_from_private(sk.wg_public, c->private_key) < 0)
		return;
	diag_init(&d);
	ret = import_build(&c, 1, &o, &r, &d);
	if (ret != 0 && ret != -ENOMEM && !(ret == -EINVAL && diag_has_errors(&d)))
		abort();
	for (size_t i = 0; ret == 0 && i < r.n_files; i++) {
		char b64[WG_KEY_B64_LEN];
		if (c->has_private_key && strstr(r.files[i].text, key_to_base64(c->private_key, b64)))
			abort();
		for (size_t j = 0; j < c->n_peers; j++)
			if (c->peers[j].has_psk && strstr(r.files[i].text, key_to_base64(c->peers[j].psk, b64)))
				abort();
	}
	if (ret == 0)
		check_adoption(c, &r);
	import_result_clear(&r);
	diag_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wgquick_conf *c = NULL, *back = NULL;
	struct diag d, d2;
	char *text;
	size_t len = 0;
	bool ok;

	if (key_init() < 0)
		return 0;
	diag_init(&d);
	ok = wgquick_parse("f.conf", (const char *)data, size, &c, &d);
	if (ok != (c != NULL) || ok != !diag_has_errors(&d))
		abort();
	if (!c)
		goto out;
	check_conf(c, &d);
	diag_init(&d2);
	text = write_back(c, &len);
	if (text && (!wgquick_parse("f.conf", text, len, &back, &d2) || !back))
		abort();
	if (back)
		check_same(c, back);
	free(text);
	wgquick_conf_free(back);
	diag_free(&d2);
	convert(c);
out:
	wgquick_conf_free(c);
	diag_free(&d);
	return 0;
}
