/* The imported repository as YAML: one file per document, like the examples. */
#include "render/import_int.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model/str.h"

struct yfile {
	FILE *f;
	char *text;
	size_t len;
};

static int add_file(struct import_result *out, struct yfile *y, char *path)
{
	struct import_file *nv;

	if (fclose(y->f) != 0 || !path) {
		free(y->text);
		free(path);
		return -ENOMEM;
	}
	if (!(nv = realloc(out->files, (out->n_files + 1) * sizeof(*nv)))) {
		free(y->text);
		free(path);
		return -ENOMEM;
	}
	out->files = nv;
	nv[out->n_files].path = path;
	nv[out->n_files++].text = y->text;
	return 0;
}

static void put_prefixes(FILE *f, const char *key, const struct wgf_prefix *v, size_t n, bool bare)
{
	char buf[PREFIX_STRLEN];

	if (!n)
		return;
	fprintf(f, "  %s:\n", key);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "    - %s\n", bare && v[i].len == prefix_max_len(v[i].family) ?
			prefix_format_addr(&v[i], buf) : prefix_format(&v[i], buf));
}

static void put_key(FILE *f, const char *key, const uint8_t k[WG_KEY_LEN])
{
	char b64[WG_KEY_B64_LEN];

	fprintf(f, "  %s: \"%s\"\n", key, key_to_base64(k, b64));
}

static void put_dns(FILE *f, const struct wgquick_conf *c)
{
	char buf[PREFIX_STRLEN];

	fprintf(f, "  dns:\n");
	if (c->n_dns_servers) {
		fprintf(f, "    servers: [");
		for (size_t i = 0; i < c->n_dns_servers; i++)
			fprintf(f, "%s%s", i ? ", " : "", prefix_format_addr(&c->dns_servers[i], buf));
		fprintf(f, "]\n");
	}
	if (c->n_dns_search) {
		fprintf(f, "    search: [");
		for (size_t i = 0; i < c->n_dns_search; i++)
			fprintf(f, "%s\"%s\"", i ? ", " : "", c->dns_search[i]);
		fprintf(f, "]\n");
	}
}

static void put_header(FILE *f, const char *kind, const char *name)
{
	fprintf(f, "apiVersion: wgf/v1\nkind: %s\nmetadata:\n  name: %s\nspec:\n", kind, name);
}

static int write_network(const struct imp *im, struct import_result *out)
{
	struct yfile y = {0};
	char buf[PREFIX_STRLEN];

	if (!(y.f = open_memstream(&y.text, &y.len)))
		return -ENOMEM;
	fprintf(y.f, "# Imported by `wgf import` from %zu configuration%s.\n", im->n_confs, im->n_confs == 1 ? "" : "s");
	put_header(y.f, "Network", im->o->network ? im->o->network : "wg");
	if (strcmp(im->ifname, "wg0"))
		fprintf(y.f, "  interface: %s\n", im->ifname);
	fprintf(y.f, "  listenPort: %u\n  mtu: %u\n", im->listen_port, im->mtu);
	if (im->keepalive)
		fprintf(y.f, "  persistentKeepalive: %u\n", im->keepalive);
	if (im->fwmark)
		fprintf(y.f, "  fwmark: %u\n", im->fwmark);
	fprintf(y.f, "  addressPools:\n");
	if (im->has_pool4)
		fprintf(y.f, "    ipv4: %s\n", prefix_format(&im->pool4, buf));
	if (im->has_pool6)
		fprintf(y.f, "    ipv6: %s\n", prefix_format(&im->pool6, buf));
	if (im->dns)
		put_dns(y.f, im->dns);
	return add_file(out, &y, strdup("network.yaml"));
}

static int write_operator(const struct imp *im, struct import_result *out)
{
	struct yfile y = {0};

	if (!im->o->operator_name)
		return 0;
	if (!(y.f = open_memstream(&y.text, &y.len)))
		return -ENOMEM;
	fprintf(y.f, "# Generates client configs: unseals the preshared keys with the identity file's key.\n");
	put_header(y.f, "Operator", im->o->operator_name);
	put_key(y.f, "sealingKey", im->o->operator_key);
	return add_file(out, &y, str_printf("operators/%s.yaml", im->o->operator_name));
}

static void put_names(FILE *f, const char *key, const struct imp *im, const size_t *v, size_t n)
{
	if (!n)
		return;
	fprintf(f, "  %s: [", key);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? ", " : "", im->hosts[v[i]].name);
	fprintf(f, "]\n");
}

static int write_host(const struct imp *im, const struct imp_host *h, struct import_result *out)
{
	const struct wgquick_conf *c = h->conf;
	struct yfile y = {0};
	char buf[ENDPOINT_STRLEN];

	if (!(y.f = open_memstream(&y.text, &y.len)))
		return -ENOMEM;
	fprintf(y.f, "# Imported from %s. Its private key is not here: it goes to\n"
		"# /etc/wgf/private.key on the host itself (mode 0600).\n", c->file);
	put_header(y.f, "Host", h->name);
	fprintf(y.f, "  role: %s\n", host_role_name(h->role));
	put_key(y.f, "publicKey", h->pub);
	if (h->has_sealing)
		put_key(y.f, "sealingKey", h->sealing);
	if (h->endpoint.family)
		fprintf(y.f, "  endpoint: \"%s\"\n", endpoint_format(&h->endpoint, buf));
	put_prefixes(y.f, "addresses", c->addresses, c->n_addresses, false);
	put_prefixes(y.f, "lans", h->lans, h->n_lans, false);
	if (c->ifname && strcmp(c->ifname, im->ifname))
		fprintf(y.f, "  interface: %s\n", c->ifname);
	if (c->has_listen_port && c->listen_port != im->listen_port)
		fprintf(y.f, "  listenPort: %u\n", c->listen_port);
	if (c->has_mtu && c->mtu != im->mtu)
		fprintf(y.f, "  mtu: %u\n", c->mtu);
	if (h->masquerade)
		fprintf(y.f, "  masquerade: true\n");
	put_names(y.f, "hubs", im, h->hubs, h->n_hubs);
	put_names(y.f, "links", im, h->links, h->n_links);
	if (c->n_dns_servers || c->n_dns_search)
		put_dns(y.f, c);
	return add_file(out, &y, str_printf("hosts/%s.yaml", h->name));
}

/* presharedKeys: each sealed to its hub and to the Operator. */
static int put_psks(FILE *f, const struct imp *im, const struct imp_peer *pe)
{
	char text[SEAL_TEXT_LEN], id64[SEAL_ID_B64_LEN];
	uint8_t id[SEAL_ID_LEN];

	if (!pe->n_psks)
		return 0;
	fprintf(f, "  presharedKeys:\n");
	for (size_t i = 0; i < pe->n_psks; i++) {
		const struct imp_host *h = &im->hosts[pe->psks[i].hub];

		seal_psk_id(pe->psks[i].psk, id);
		fprintf(f, "    - hub: %s\n      id: \"%s\"\n      sealed:\n", h->name, seal_id_to_base64(id, id64));
		if (seal_secret(pe->psks[i].psk, h->sealing, text) < 0)
			return -EINVAL;
		fprintf(f, "        host/%s: \"%s\"\n", h->name, text);
		if (im->o->operator_name) {
			if (seal_secret(pe->psks[i].psk, im->o->operator_key, text) < 0)
				return -EINVAL;
			fprintf(f, "        operator/%s: \"%s\"\n", im->o->operator_name, text);
		}
	}
	return 0;
}

static int write_peer(const struct imp *im, const struct imp_peer *pe, struct import_result *out)
{
	struct yfile y = {0};
	char buf[ENDPOINT_STRLEN];
	int r;

	if (!(y.f = open_memstream(&y.text, &y.len)))
		return -ENOMEM;
	if (pe->entry)
		fprintf(y.f, "# Imported from %s:%u%s%s%s.\n", pe->entry->loc.file, pe->entry->loc.line,
			pe->client ? " (and " : "", pe->client ? pe->client->file : "", pe->client ? ")" : "");
	else
		fprintf(y.f, "# Imported from %s.\n", pe->client->file);
	put_header(y.f, "Peer", pe->name);
	put_key(y.f, "publicKey", pe->pub);
	put_prefixes(y.f, "addresses", pe->addresses, pe->n_addresses, true);
	put_prefixes(y.f, "lans", pe->lans, pe->n_lans, false);
	put_names(y.f, "hubs", im, pe->hubs, pe->n_hubs);
	if (pe->keepalive)
		fprintf(y.f, "  persistentKeepalive: %u\n", pe->keepalive);
	if (pe->endpoint.family)
		fprintf(y.f, "  endpoint: \"%s\"\n", endpoint_format(&pe->endpoint, buf));
	if (!pe->dns_on_network && pe->client && (pe->client->n_dns_servers || pe->client->n_dns_search))
		put_dns(y.f, pe->client);
	r = put_psks(y.f, im, pe);
	if (r < 0) {
		fclose(y.f);
		sodium_memzero(y.text, y.len);
		free(y.text);
		return r;
	}
	return add_file(out, &y, str_printf("peers/%s.yaml", pe->name));
}

/* wg-quick's routes: every allowed IP but /0, unless an on-link prefix of the
 * interface's addresses covers it (wg-quick checks `ip route show dev IF match`). */
static int host_routes(const struct wgquick_conf *c, struct import_host *n)
{
	if (c->table && strcasecmp(c->table, "auto"))
		return 0;
	for (size_t i = 0; i < c->n_peers; i++)
		for (size_t j = 0; j < c->peers[i].n_allowed_ips; j++) {
			const struct wgf_prefix *a = &c->peers[i].allowed_ips[j];
			struct wgf_prefix *nv;
			bool covered = !a->len;

			for (size_t k = 0; k < c->n_addresses && !covered; k++)
				covered = prefix_contains(&c->addresses[k], a);
			for (size_t k = 0; k < n->n_routes && !covered; k++)
				covered = prefix_equal(&n->routes[k], a);
			if (covered)
				continue;
			if (!(nv = realloc(n->routes, (n->n_routes + 1) * sizeof(*nv))))
				return -ENOMEM;
			n->routes = nv;
			nv[n->n_routes++] = *a;
		}
	return 0;
}

static int add_host_note(const struct imp_host *h, struct import_result *out)
{
	struct import_host *n = &out->hosts[out->n_hosts];

	memcpy(n->public_key, h->pub, WG_KEY_LEN);
	n->has_sealing_key = h->has_sealing;
	n->name = strdup(h->name);
	n->source = strdup(h->conf->file);
	n->ifname = h->conf->ifname ? strdup(h->conf->ifname) : NULL;
	out->n_hosts++;
	return n->name && n->source ? host_routes(h->conf, n) : -ENOMEM;
}

int import_write_yaml(const struct imp *im, struct import_result *out)
{
	int r;

	if (!(out->hosts = calloc(im->n_hosts ? im->n_hosts : 1, sizeof(*out->hosts))))
		return -ENOMEM;
	if ((r = write_network(im, out)) < 0 || (r = write_operator(im, out)) < 0)
		return r;
	for (size_t i = 0; i < im->n_hosts; i++)
		if ((r = write_host(im, &im->hosts[i], out)) < 0 || (r = add_host_note(&im->hosts[i], out)) < 0)
			return r;
	for (size_t i = 0; i < im->n_peers; i++) {
		if ((r = write_peer(im, &im->peers[i], out)) < 0)
			return r;
		out->n_psks += im->peers[i].n_psks;
	}
	out->n_peers = im->n_peers;
	return 0;
}
