/* A Peer's wg-quick configuration: [Interface] with its addresses, DNS and MTU;
 * one [Peer] per hub. AllowedIPs are what its access reaches (render/firewall.h)
 * on its primary hub: a split tunnel, or everything when the primary hub is an
 * exit and its access reaches the internet. Each prefix belongs to one [Peer]
 * of a wg-quick interface, so the other hubs get only their own tunnel
 * addresses: failing over means moving AllowedIPs to another [Peer]. No
 * PostUp/PreDown hooks, ever. */
#include "render/client_config.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/firewall.h"
#include "render/render.h"

/* Secrets are written as runs of these markers, then put in place in a buffer of
 * the final size: the stream's growing buffers (freed, not zeroed) never hold one. */
#define MARK '\001'

/* The secrets in the order their markers appear. */
struct secrets {
	const uint8_t **key;
	size_t n;
};

static void put_marker(FILE *f, const char *field, struct secrets *sec, const uint8_t *key)
{
	char run[WG_KEY_B64_LEN];

	memset(run, MARK, WG_KEY_B64_LEN - 1);
	run[WG_KEY_B64_LEN - 1] = '\0';
	fprintf(f, "%s = %s\n", field, run);
	sec->key[sec->n++] = key;
}

/* single: each as its one address (/32, /128), as a host's tunnel address is routed. */
static void print_list(FILE *f, const char *key, const struct wgf_prefix *p, size_t n, bool single)
{
	char buf[PREFIX_STRLEN];

	fprintf(f, "%s = ", key);
	for (size_t i = 0; i < n; i++) {
		struct wgf_prefix a = single ? prefix_host(&p[i]) : p[i];
		fprintf(f, "%s%s", i ? ", " : "", prefix_format(&a, buf));
	}
	fputc('\n', f);
}

static void print_interface(FILE *f, const struct model *m, const struct model_peer *p,
			    const struct client_config_opts *o, struct secrets *sec)
{
	const struct model_dns *dns = model_peer_dns(m, p);
	const struct model_host *primary = &m->hosts[p->hubs[0]];

	fputs("[Interface]\n", f);
	if (o->private_key)
		put_marker(f, "PrivateKey", sec, o->private_key);
	else
		fprintf(f, "PrivateKey = " CLIENT_CONFIG_KEY_PLACEHOLDER "\n");
	print_list(f, "Address", p->addresses, p->n_addresses, false);
	if (dns->set) {
		char abuf[PREFIX_STRLEN];
		size_t k = 0;

		fputs("DNS = ", f);
		for (size_t i = 0; i < dns->n_servers; i++)
			fprintf(f, "%s%s", k++ ? ", " : "", prefix_format_addr(&dns->servers[i], abuf));
		for (size_t i = 0; i < dns->n_search; i++)
			fprintf(f, "%s%s", k++ ? ", " : "", dns->search[i]);
		fputc('\n', f);
	}
	fprintf(f, "MTU = %u\n", primary->mtu);
}

/* Through an exit group: everything, "only" prefixes besides what its access
 * reaches inside the network, or everything but the "except" prefixes. */
static int exit_allowed(const struct model_exit_use *e, const struct fw_reach *reach, FILE *f)
{
	static const struct wgf_prefix all[2] = { { .family = AF_INET }, { .family = AF_INET6 } };
	struct wgf_prefix *v = NULL;
	size_t n = 0;
	int r = 0;

	if (!e->n_only && !e->n_except) {
		print_list(f, "AllowedIPs", all, 2, false);
		return 0;
	}
	if (e->n_except) {
		for (size_t i = 0; i < 2 && r >= 0; i++)
			r = prefix_subtract(&all[i], e->except, e->n_except, &v, &n);
	} else {
		/* only (validation allows one of the two): what the access reaches and those */
		n = reach->n + e->n_only;
		v = malloc(n * sizeof(*v));
		if (!v)
			return -ENOMEM;
		if (reach->n)
			memcpy(v, reach->p, reach->n * sizeof(*v));
		memcpy(v + reach->n, e->only, e->n_only * sizeof(*v));
	}
	if (r >= 0) {
		n = prefix_aggregate(v, n);
		print_list(f, "AllowedIPs", v, n, false);
	}
	free(v);
	return r;
}

/* What the device sends to its primary hub: everything, or what its access
 * reaches; through an exit group as its "exit" says. */
static int primary_allowed(const struct model *m, const struct model_peer *p, int64_t now, FILE *f)
{
	static const struct wgf_prefix all[2] = { { .family = AF_INET }, { .family = AF_INET6 } };
	const struct model_host *primary = &m->hosts[p->hubs[0]];
	const struct model_exit_use *e = model_peer_exit(m, p);
	struct fw_network *fw = NULL;
	struct fw_reach reach = { 0 };
	int r;

	r = fw_compile(m, p->network, now, &fw);
	if (r == 0)
		r = fw_peer_reach(fw, (size_t)(p - m->peers), &reach);
	if (r == 0) {
		if (reach.internet && e && e->group != MODEL_NONE)
			r = exit_allowed(e, &reach, f);
		else if (reach.internet && !e && primary->role == HOST_ROLE_EXIT)
			print_list(f, "AllowedIPs", all, 2, false);
		else if (reach.n)
			print_list(f, "AllowedIPs", reach.p, reach.n, false);
		else
			print_list(f, "AllowedIPs", primary->addresses, primary->n_addresses, true);
	}
	free(reach.p);
	fw_network_free(fw);
	return r;
}

static int print_hub(FILE *f, const struct model *m, const struct model_peer *p, size_t i,
		     const struct client_config_opts *o, struct secrets *sec)
{
	const struct model_host *hub = &m->hosts[p->hubs[i]];
	const struct model_psk *psk = model_peer_psk(p, p->hubs[i]);
	uint16_t keepalive = p->keepalive ? p->keepalive : m->networks[p->network].keepalive;
	char b64[WG_KEY_B64_LEN], ep[ENDPOINT_STRLEN];

	fprintf(f, "\n[Peer]\n# %s%s\n", hub->meta.name, i ? " (failover: give it the AllowedIPs above to use it)" :
		p->n_hubs > 1 ? " (primary)" : "");
	fprintf(f, "PublicKey = %s\n", key_to_base64(hub->public_key, b64));
	if (psk) {
		if (!o->psks || !o->psks[i])
			return -ENOKEY;
		put_marker(f, "PresharedKey", sec, o->psks[i]);
	}
	fprintf(f, "Endpoint = %s\n", endpoint_format(&hub->endpoint, ep));
	if (keepalive)
		fprintf(f, "PersistentKeepalive = %u\n", keepalive);
	if (i == 0)
		return primary_allowed(m, p, o->now, f);
	print_list(f, "AllowedIPs", hub->addresses, hub->n_addresses, true);
	return 0;
}

/* A copy of text with each marker run replaced by its key, in order. */
static int put_secrets(const char *text, size_t n, const struct secrets *sec, char **out)
{
	char *s = malloc(n + 1), b64[WG_KEY_B64_LEN];
	size_t next = 0;

	if (!s)
		return -ENOMEM;
	memcpy(s, text, n + 1);
	for (size_t i = 0; i < n; i++) {
		if (s[i] != MARK || next >= sec->n)
			continue;
		key_to_base64(sec->key[next++], b64);
		memcpy(s + i, b64, WG_KEY_B64_LEN - 1);
		i += WG_KEY_B64_LEN - 2;
	}
	sodium_memzero(b64, sizeof(b64));
	*out = s;
	return 0;
}

int client_config_render(const struct model *m, const struct model_peer *p, const struct client_config_opts *o,
			 char **out, size_t *len)
{
	struct secrets sec = { calloc(p->n_hubs + 1, sizeof(*sec.key)), 0 };
	char *s = NULL;
	size_t n = 0;
	FILE *f;
	int r = 0;

	*out = NULL;
	*len = 0;
	if (!render_peer_active(p, o->now) || !p->n_hubs) {
		free(sec.key);
		return -ENOENT;
	}
	f = sec.key ? open_memstream(&s, &n) : NULL;
	if (!f) {
		free(sec.key);
		return -ENOMEM;
	}
	fprintf(f, "# wgf: Peer %s of Network %s\n", p->meta.name, m->networks[p->network].meta.name);
	print_interface(f, m, p, o, &sec);
	for (size_t i = 0; i < p->n_hubs && r == 0; i++)
		r = print_hub(f, m, p, i, o, &sec);
	if (fclose(f) != 0 && r == 0)
		r = -ENOMEM;
	if (r == 0)
		r = put_secrets(s, n, &sec, out);
	free(s);
	free(sec.key);
	if (r < 0)
		return r;
	*len = n;
	return 0;
}
