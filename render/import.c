#include "render/import.h"
#include "render/import_int.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void import_name_safe(const char *in, const char *prefix, char out[64])
{
	char buf[64];
	size_t n = 0;

	for (; in && *in && n < MODEL_NAME_MAX; in++) {
		char ch = *in >= 'A' && *in <= 'Z' ? (char)(*in + 32) : *in;

		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
			buf[n++] = ch;
		else if (n && buf[n - 1] != '-')
			buf[n++] = '-';
	}
	while (n && buf[n - 1] == '-')
		n--;
	buf[n] = '\0';
	if (n && buf[0] >= 'a' && buf[0] <= 'z') {
		memcpy(out, buf, n + 1);
		return;
	}
	snprintf(out, 64, "%s%s", prefix, buf);
	n = strlen(out);
	while (n && out[n - 1] == '-')
		out[--n] = '\0';
}

/* Is name another object's? (self: the buffer being named) */
static bool name_taken(const struct imp *im, const char *self, const char *name)
{
	for (size_t i = 0; i < im->n_hosts; i++)
		if (im->hosts[i].name != self && !strcmp(im->hosts[i].name, name))
			return true;
	for (size_t i = 0; i < im->n_peers; i++)
		if (im->peers[i].name != self && !strcmp(im->peers[i].name, name))
			return true;
	return false;
}

/* name, or name-2, name-3, ... (hosts and peers are kept apart too: easier to read) */
static void name_unique(const struct imp *im, char name[64])
{
	char base[64];

	if (!name_taken(im, name, name))
		return;
	memcpy(base, name, 64);
	for (unsigned i = 2;; i++) {
		char suffix[16];
		int len = snprintf(suffix, sizeof(suffix), "-%u", i);
		size_t keep = strlen(base);

		if (keep + (size_t)len > MODEL_NAME_MAX)
			keep = MODEL_NAME_MAX - (size_t)len;
		snprintf(name, 64, "%.*s%s", (int)keep, base, suffix);
		if (!name_taken(im, name, name))
			return;
	}
}

size_t imp_host_of_key(const struct imp *im, const uint8_t pub[WG_KEY_LEN])
{
	for (size_t i = 0; i < im->n_hosts; i++)
		if (!memcmp(im->hosts[i].pub, pub, WG_KEY_LEN))
			return i;
	return MODEL_NONE;
}

static size_t peer_of_key(const struct imp *im, const uint8_t pub[WG_KEY_LEN])
{
	for (size_t i = 0; i < im->n_peers; i++)
		if (!memcmp(im->peers[i].pub, pub, WG_KEY_LEN))
			return i;
	return MODEL_NONE;
}

static bool is_server(const struct wgquick_conf *c)
{
	if (c->has_listen_port)
		return true;
	for (size_t i = 0; i < c->n_peers; i++)
		if (!c->peers[i].endpoint.family && !c->peers[i].endpoint_host)
			return true;
	return false;
}

static bool append_size(size_t **v, size_t *n, size_t x)
{
	size_t *nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return false;
	nv[(*n)++] = x;
	*v = nv;
	return true;
}

static bool append_prefix(struct wgf_prefix **v, size_t *n, const struct wgf_prefix *p)
{
	struct wgf_prefix *nv;

	for (size_t i = 0; i < *n; i++)
		if (prefix_equal(&(*v)[i], p))
			return true;
	if (!(nv = realloc(*v, (*n + 1) * sizeof(**v))))
		return false;
	nv[(*n)++] = *p;
	*v = nv;
	return true;
}

/* Every configuration's public key; servers become Hosts. */
static int find_hosts(struct imp *im)
{
	for (size_t i = 0; i < im->n_confs; i++) {
		const struct wgquick_conf *c = im->confs[i];
		struct imp_host *h = &im->hosts[im->n_hosts];
		uint8_t pub[WG_KEY_LEN];

		if (!c->has_private_key) {
			diag_add(im->d, &c->interface_loc, "[Interface] has no PrivateKey: wgf needs it to know "
				 "this device's public key (it is never written)");
			continue;
		}
		if (key_public_from_private(pub, c->private_key) < 0)
			return -EINVAL;
		for (size_t j = 0; j < i; j++)
			if (im->confs[j]->has_private_key && key_private_equal(im->confs[j]->private_key, c->private_key))
				diag_add(im->d, &c->private_key_loc, "the same PrivateKey as %s: one device imported twice?",
					 diag_quote(im->confs[j]->file));
		if (!is_server(c))
			continue;
		memset(h, 0, sizeof(*h));
		h->conf = c;
		memcpy(h->pub, pub, WG_KEY_LEN);
		import_name_safe(c->name ? c->name : c->ifname ? c->ifname : "host", "host-", h->name);
		name_unique(im, h->name);
		im->n_hosts++;
	}
	return 0;
}

static void add_covered(struct wgf_prefix *cover, bool *has, const struct wgf_prefix *p)
{
	struct wgf_prefix q = *p;

	prefix_mask(&q);
	if (!*has) {
		*cover = q;
		*has = true;
		return;
	}
	while (!prefix_contains(cover, &q) && cover->len) {
		cover->len--;
		prefix_mask(cover);
	}
}

/* The smallest prefix per family that covers every device's own addresses (at
 * their on-link length); host-length addresses alone give at least a /24 or /64. */
static void derive_pools(struct imp *im)
{
	bool has[2] = { false, false }, onlink[2] = { false, false };
	struct wgf_prefix cover[2] = { { 0 }, { 0 } };

	for (size_t i = 0; i < im->n_confs; i++)
		for (size_t j = 0; j < im->confs[i]->n_addresses; j++) {
			const struct wgf_prefix *a = &im->confs[i]->addresses[j];
			int f = a->family == AF_INET6;

			add_covered(&cover[f], &has[f], a);
			onlink[f] |= a->len < prefix_max_len(a->family);
		}
	for (int f = 0; f < 2; f++) {
		unsigned widest = f ? 64 : 24;

		if (has[f] && !onlink[f] && cover[f].len > widest) {
			cover[f].len = (uint8_t)widest;
			prefix_mask(&cover[f]);
		}
	}
	im->has_pool4 = im->o->has_pool4 || has[0];
	im->pool4 = im->o->has_pool4 ? im->o->pool4 : cover[0];
	im->has_pool6 = im->o->has_pool6 || has[1];
	im->pool6 = im->o->has_pool6 ? im->o->pool6 : cover[1];
}

static bool in_pool(const struct imp *im, const struct wgf_prefix *p)
{
	return (im->has_pool4 && prefix_contains(&im->pool4, p)) || (im->has_pool6 && prefix_contains(&im->pool6, p));
}

/* A peer's allowed IPs: single addresses in the pools are its addresses, the rest its lans. */
static int split_allowed(struct imp *im, struct imp_peer *pe, const struct wgquick_peer *e)
{
	for (size_t i = 0; i < e->n_allowed_ips; i++) {
		const struct wgf_prefix *a = &e->allowed_ips[i];
		bool addr = in_pool(im, a) && a->len == prefix_max_len(a->family);

		if (!(addr ? append_prefix(&pe->addresses, &pe->n_addresses, a) : append_prefix(&pe->lans, &pe->n_lans, a)))
			return -ENOMEM;
		if (!addr && in_pool(im, a))
			diag_add(im->d, &e->allowed_ips_loc, "AllowedIPs %s of peer %s lies in the address pool "
				 "but is not one address: wgf gives a Peer single addresses of the pool (or pass --pool)",
				 prefix_format(a, (char[PREFIX_STRLEN]){0}), pe->name);
	}
	return 0;
}

static bool generic_ifname(const char *s)
{
	return !strncmp(s, "wg", 2) && strspn(s + 2, "0123456789") == strlen(s + 2);
}

static void peer_name(struct imp *im, struct imp_peer *pe, const char *from_comment)
{
	char b64[WG_KEY_B64_LEN], derived[16];
	const char *src = from_comment;

	if (!src && pe->client)   /* its file's name, unless a generic one (wg0.conf) */
		src = pe->client->name ? pe->client->name :
		      pe->client->ifname && !generic_ifname(pe->client->ifname) ? pe->client->ifname : NULL;
	if (!src) {
		snprintf(derived, sizeof(derived), "peer-%.8s", key_to_base64(pe->pub, b64));
		src = derived;
	}
	import_name_safe(src, "peer-", pe->name);
	name_unique(im, pe->name);
}

static struct imp_peer *new_peer(struct imp *im, const uint8_t pub[WG_KEY_LEN])
{
	struct imp_peer *pe = &im->peers[im->n_peers++];

	memset(pe, 0, sizeof(*pe));
	memcpy(pe->pub, pub, WG_KEY_LEN);
	for (size_t i = 0; i < im->n_confs; i++) {
		uint8_t cpub[WG_KEY_LEN];

		if (im->confs[i]->has_private_key && key_public_from_private(cpub, im->confs[i]->private_key) == 0 &&
		    !memcmp(cpub, pub, WG_KEY_LEN))
			pe->client = im->confs[i];
	}
	return pe;
}

/* One hub's entry for a Peer: the hub, and its PSK. */
static int peer_add_hub(struct imp *im, struct imp_peer *pe, size_t hub, const struct wgquick_peer *e)
{
	if (!append_size(&pe->hubs, &pe->n_hubs, hub))
		return -ENOMEM;
	if (e->has_psk) {
		struct imp_psk *nv = realloc(pe->psks, (pe->n_psks + 1) * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		pe->psks = nv;
		nv[pe->n_psks].hub = hub;
		memcpy(nv[pe->n_psks].psk, e->psk, WG_KEY_LEN);
		nv[pe->n_psks++].loc = e->psk_loc;
	}
	return 0;
}

/* Every hub's [Peer] that is no Host is a Peer (one per key, its hubs in file order). */
static int find_peers(struct imp *im)
{
	int r;

	for (size_t h = 0; h < im->n_hosts; h++) {
		const struct wgquick_conf *c = im->hosts[h].conf;

		for (size_t i = 0; i < c->n_peers; i++) {
			const struct wgquick_peer *e = &c->peers[i];
			size_t p = peer_of_key(im, e->public_key);
			struct imp_peer *pe;

			if (imp_host_of_key(im, e->public_key) != MODEL_NONE)
				continue;
			if (p == MODEL_NONE) {
				pe = new_peer(im, e->public_key);
				pe->entry = e;
				peer_name(im, pe, e->name);
				if ((r = split_allowed(im, pe, e)) < 0)
					return r;
				pe->keepalive = e->has_keepalive ? e->keepalive : 0;
				if (!im->o->running)
					pe->endpoint = e->endpoint;
			} else {
				pe = &im->peers[p];
			}
			if ((r = peer_add_hub(im, pe, h, e)) < 0)
				return r;
		}
	}
	return 0;
}

/* A client file no hub lists: a Peer of the hubs it lists itself. */
static int find_unlisted_clients(struct imp *im)
{
	for (size_t i = 0; i < im->n_confs; i++) {
		const struct wgquick_conf *c = im->confs[i];
		uint8_t pub[WG_KEY_LEN];
		struct imp_peer *pe;

		if (!c->has_private_key || key_public_from_private(pub, c->private_key) < 0 ||
		    imp_host_of_key(im, pub) != MODEL_NONE || peer_of_key(im, pub) != MODEL_NONE)
			continue;
		pe = new_peer(im, pub);
		peer_name(im, pe, NULL);
		for (size_t j = 0; j < c->n_peers; j++) {
			size_t h = imp_host_of_key(im, c->peers[j].public_key);

			if (h != MODEL_NONE) {
				diag_warn(im->d, &c->peers[j].loc, "host %s does not list this device in its file: "
					  "it is imported as its Peer %s", im->hosts[h].name, pe->name);
				if (!append_size(&pe->hubs, &pe->n_hubs, h))
					return -ENOMEM;
			}
		}
		for (size_t j = 0; j < c->n_addresses; j++) {
			struct wgf_prefix a = prefix_host(&c->addresses[j]);
			if (!append_prefix(&pe->addresses, &pe->n_addresses, &a))
				return -ENOMEM;
		}
		if (!pe->n_hubs)
			diag_add(im->d, &c->interface_loc, "none of this file's peers is an imported server: "
				 "import its server's configuration too (a Peer needs a hub)");
	}
	return 0;
}

/* What a client's own file says that its Peer keeps in one place only. */
static void check_client_settings(struct imp *im, const struct imp_peer *pe)
{
	const struct wgquick_conf *c = pe->client, *hub;
	const struct wgquick_peer *e;

	if (!c || !pe->n_hubs)
		return;
	hub = im->hosts[pe->hubs[0]].conf;
	e = wgquick_find_peer(c, im->hosts[pe->hubs[0]].pub);
	if (e && e->has_keepalive && e->keepalive != pe->keepalive)
		diag_warn(im->d, &e->keepalive_loc, "PersistentKeepalive %u toward %s: a Peer has one keepalive, "
			  "kept as the hub's entry has it (%u); set persistentKeepalive on Peer %s for both sides",
			  e->keepalive, im->hosts[pe->hubs[0]].name, pe->keepalive, pe->name);
	if (c->has_mtu && c->mtu != (hub->has_mtu ? hub->mtu : im->mtu))
		diag_warn(im->d, &c->mtu_loc, "MTU %u: a Peer's configuration gets its hub's MTU (%u)", c->mtu,
			  hub->has_mtu ? hub->mtu : im->mtu);
}

static void check_peers(struct imp *im)
{
	char pf[PREFIX_STRLEN];

	for (size_t i = 0; i < im->n_peers; i++) {
		struct imp_peer *pe = &im->peers[i];
		const struct wgf_loc *at = pe->entry ? &pe->entry->loc : &pe->client->interface_loc;

		check_client_settings(im, pe);

		if (!pe->n_addresses)
			diag_add(im->d, at, "peer %s has no single address inside the pools (%s%s%s): pass --pool "
				 "PREFIX for its tunnel addresses", pe->name,
				 im->has_pool4 ? prefix_format(&im->pool4, pf) : "", im->has_pool4 && im->has_pool6 ? ", " : "",
				 im->has_pool6 ? prefix_format(&im->pool6, (char[PREFIX_STRLEN]){0}) : "");
		for (size_t j = 0; j < pe->n_lans; j++)
			if (!pe->lans[j].len)
				diag_add(im->d, &pe->entry->allowed_ips_loc, "peer %s has AllowedIPs %s on a hub: wgf "
					 "routes the internet through an exit Host, not a Peer", pe->name,
					 prefix_format(&pe->lans[j], pf));
	}
}

/* Where hosts reach h: a numeric Endpoint other files give for it, or --endpoint. */
static void host_endpoint(struct imp *im, struct imp_host *h)
{
	for (size_t i = 0; i < im->o->n_endpoints; i++)
		if (!strcmp(im->o->endpoints[i].host, h->name)) {
			h->endpoint = im->o->endpoints[i].endpoint;
			return;
		}
	for (size_t i = 0; i < im->n_confs && !im->o->running; i++) {
		const struct wgquick_peer *e = wgquick_find_peer(im->confs[i], h->pub);

		if (e && e->endpoint.family && !h->endpoint.family)
			h->endpoint = e->endpoint;
		else if (e && e->endpoint_host)
			diag_warn(im->d, &e->endpoint_loc, "Endpoint %s of host %s is a host name: wgf declares a "
				  "Host's endpoint as ADDRESS:PORT (taken from another file, or pass --endpoint "
				  "%s=ADDRESS:PORT); keep the name in the clients' configs by hand", diag_quote(e->endpoint_host),
				  h->name, h->name);
	}
}

/* LANs behind h: what other servers route to it outside the pools (not the
 * internet). Clients are not asked: they route to a hub what lies behind others too. */
static int host_lans(struct imp *im, struct imp_host *h)
{
	for (size_t i = 0; i < im->n_hosts; i++) {
		const struct wgquick_peer *e = wgquick_find_peer(im->hosts[i].conf, h->pub);

		for (size_t j = 0; e && j < e->n_allowed_ips; j++) {
			const struct wgf_prefix *a = &e->allowed_ips[j];

			if (a->len && !in_pool(im, a) && !append_prefix(&h->lans, &h->n_lans, a))
				return -ENOMEM;
		}
	}
	return 0;
}

static bool has_masquerade(const struct wgquick_conf *c)
{
	for (size_t i = 0; i < c->n_hooks; i++)
		if (c->hooks[i].kind == WGQ_POST_UP && strcasestr(c->hooks[i].command, "masquerade"))
			return true;
	return false;
}

static bool host_has_peers(const struct imp *im, size_t h)
{
	for (size_t i = 0; i < im->n_peers; i++)
		for (size_t j = 0; j < im->peers[i].n_hubs; j++)
			if (im->peers[i].hubs[j] == h)
				return true;
	return false;
}

/* Roles, then topology: a host that lists every other host is in the mesh; one
 * that does not but lists a hub is attached to the hubs it lists (and linked to
 * the other hosts it lists). */
static int host_topology(struct imp *im)
{
	for (size_t i = 0; i < im->n_hosts; i++) {
		struct imp_host *h = &im->hosts[i];

		if (host_has_peers(im, i))
			h->role = has_masquerade(h->conf) ? HOST_ROLE_EXIT : HOST_ROLE_HUB;
		else if (h->n_lans)
			h->role = HOST_ROLE_ROUTER, h->masquerade = has_masquerade(h->conf);
		else
			h->role = HOST_ROLE_MEMBER;
	}
	for (size_t i = 0; i < im->n_hosts; i++) {
		struct imp_host *h = &im->hosts[i];
		size_t listed = 0, hubs = 0;

		for (size_t j = 0; j < im->n_hosts; j++)
			if (j != i && wgquick_find_peer(h->conf, im->hosts[j].pub)) {
				listed++;
				hubs += host_role_takes_peers(im->hosts[j].role);
			}
		if (host_role_takes_peers(h->role) || listed == im->n_hosts - 1 || !hubs) {
			if (listed != im->n_hosts - 1)
				diag_warn(im->d, &h->conf->interface_loc, "host %s does not list every other imported "
					  "host: wgf joins %s in the mesh, and its plan adds the missing ones", h->name,
					  host_role_takes_peers(h->role) ? "every hub" : "it");
			continue;
		}
		for (size_t j = 0; j < im->n_hosts; j++)
			if (j != i && wgquick_find_peer(h->conf, im->hosts[j].pub) &&
			    !append_size(host_role_takes_peers(im->hosts[j].role) ? &h->hubs : &h->links,
					 host_role_takes_peers(im->hosts[j].role) ? &h->n_hubs : &h->n_links, j))
				return -ENOMEM;
	}
	return 0;
}

static int find_host_details(struct imp *im)
{
	int r;

	for (size_t i = 0; i < im->n_hosts; i++) {
		struct imp_host *h = &im->hosts[i];

		host_endpoint(im, h);
		if ((r = host_lans(im, h)) < 0)
			return r;
		for (size_t k = 0; k < im->o->n_sealing_keys && !h->has_sealing; k++) {
			const struct import_sealing_key *s = &im->o->sealing_keys[k];

			if (s->host ? !strcmp(s->host, h->name) : !memcmp(s->wg_public, h->pub, WG_KEY_LEN)) {
				h->has_sealing = true;
				memcpy(h->sealing, s->sealing_key, SEAL_KEY_LEN);
			}
		}
	}
	if ((r = host_topology(im)) < 0)
		return r;
	for (size_t i = 0; i < im->n_hosts; i++)
		if (host_role_takes_peers(im->hosts[i].role) && !im->hosts[i].endpoint.family)
			diag_add(im->d, &im->hosts[i].conf->interface_loc, "host %s takes peers, but no imported file "
				 "gives an address where they reach it: pass --endpoint %s=ADDRESS:PORT",
				 im->hosts[i].name, im->hosts[i].name);
	return 0;
}

/* The Network's interface, port and MTU: those of most hosts (a Host overrides). */
static void network_settings(struct imp *im)
{
	size_t best = 0;

	im->ifname = "wg0";
	im->listen_port = 51820;
	im->mtu = 1420;
	for (size_t i = 0; i < im->n_hosts; i++) {
		const struct wgquick_conf *c = im->hosts[i].conf;
		size_t same = 0;

		for (size_t j = 0; j < im->n_hosts; j++) {
			const struct wgquick_conf *o = im->hosts[j].conf;
			same += (c->ifname && o->ifname && !strcmp(c->ifname, o->ifname)) +
				(c->has_listen_port && o->has_listen_port && c->listen_port == o->listen_port);
		}
		if (same > best) {
			best = same;
			if (c->ifname)
				im->ifname = c->ifname;
			if (c->has_listen_port)
				im->listen_port = c->listen_port;
		}
		if (c->has_mtu && i == 0)
			im->mtu = c->mtu;
		if (c->has_fwmark && !im->fwmark)
			im->fwmark = c->fwmark;
	}
	for (size_t i = 0; i < im->n_hosts; i++)
		for (size_t j = 0; j < im->hosts[i].conf->n_peers; j++) {
			const struct wgquick_peer *e = &im->hosts[i].conf->peers[j];
			if (e->has_keepalive && e->keepalive > im->keepalive &&
			    imp_host_of_key(im, e->public_key) != MODEL_NONE)
				im->keepalive = e->keepalive;
		}
}

/* What wg-quick does that wgf does otherwise, said where it is written. */
static void warn_differences(struct imp *im, const struct wgquick_conf *c, bool server)
{
	for (size_t i = 0; i < c->n_hooks; i++) {
		const struct wgquick_hook *k = &c->hooks[i];
		bool masq = strcasestr(k->command, "masquerade") != NULL;

		if (masq && server)
			diag_warn(im->d, &k->loc, "%s %s: wgf masquerades by itself (this host is imported as role "
				  "exit, or a router with masquerade: true); drop the line once wgf manages the host",
				  wgquick_hook_name(k->kind), diag_quote(k->command));
		else
			diag_warn(im->d, &k->loc, "%s %s: wgf runs no hooks; access rules belong in a Policy (wgf "
				  "owns the nftables table inet wgf), other commands in a systemd unit",
				  wgquick_hook_name(k->kind), diag_quote(k->command));
	}
	if (c->table)
		diag_warn(im->d, &c->table_loc, "Table = %s: wgf routes every allowed IP in the main table (protocol "
			  "157) and owns no other table; for a full tunnel give the Peer an exit Host instead",
			  diag_quote(c->table));
	if (c->has_save_config && c->save_config)
		diag_warn(im->d, &c->save_config_loc, "SaveConfig = true: wgf never writes the running state back; "
			  "the repository is the configuration: change it there");
	if (c->has_fwmark && server && c->fwmark != im->fwmark)
		diag_warn(im->d, &c->fwmark_loc, "FwMark %u: the Network has one fwmark for every host (%u)",
			  c->fwmark, im->fwmark);
}

static bool same_dns(const struct wgquick_conf *a, const struct wgquick_conf *b)
{
	if (a->n_dns_servers != b->n_dns_servers || a->n_dns_search != b->n_dns_search)
		return false;
	for (size_t i = 0; i < a->n_dns_servers; i++)
		if (!prefix_equal(&a->dns_servers[i], &b->dns_servers[i]))
			return false;
	for (size_t i = 0; i < a->n_dns_search; i++)
		if (strcasecmp(a->dns_search[i], b->dns_search[i]))
			return false;
	return true;
}

/* The DNS every client file gives, when they agree, is the Network's. */
static void network_dns(struct imp *im)
{
	const struct wgquick_conf *first = NULL;

	for (size_t i = 0; i < im->n_peers; i++) {
		const struct wgquick_conf *c = im->peers[i].client;

		if (!c)
			continue;
		if (first && !same_dns(first, c))
			return;
		first = first ? first : c;
	}
	if (!first || (!first->n_dns_servers && !first->n_dns_search))
		return;
	im->dns = first;
	for (size_t i = 0; i < im->n_peers; i++)
		im->peers[i].dns_on_network = true;
}

/* A PSK is written only sealed, to its hub and to the Operator. */
static void check_psks(struct imp *im)
{
	for (size_t i = 0; i < im->n_peers; i++) {
		const struct imp_peer *pe = &im->peers[i];

		for (size_t j = 0; j < pe->n_psks; j++) {
			const struct imp_host *h = &im->hosts[pe->psks[j].hub];

			if (!h->has_sealing)
				diag_add(im->d, &pe->psks[j].loc, "peer %s has a PresharedKey with host %s, and wgf writes "
					 "it only sealed to that host: pass --sealing-key %s=KEY (the sealing key "
					 "`wgf host pubkey --sealing` prints on %s), or run the import on %s", pe->name,
					 h->name, h->name, h->name, h->name);
		}
	}
	for (size_t i = 0; i < im->n_hosts; i++) {
		const struct wgquick_conf *c = im->hosts[i].conf;

		for (size_t j = 0; j < c->n_peers; j++) {
			size_t o = imp_host_of_key(im, c->peers[j].public_key);
			if (o != MODEL_NONE && c->peers[j].has_psk)
				diag_warn(im->d, &c->peers[j].psk_loc, "PresharedKey between hosts %s and %s: wgf declares "
					  "preshared keys between a Peer and its hubs only; the plan removes this one",
					  im->hosts[i].name, im->hosts[o].name);
		}
	}
}

static int imp_analyse(struct imp *im)
{
	int r;

	if ((r = find_hosts(im)) < 0)
		return r;
	if (!im->n_hosts && !diag_has_errors(im->d)) {
		struct wgf_loc at = { im->n_confs ? im->confs[0]->file : NULL, 0, 0 };
		diag_add(im->d, &at, "no server among the configurations (one with a ListenPort, or a peer "
			 "without an Endpoint): import the hub's configuration too");
	}
	derive_pools(im);
	network_settings(im);
	if ((r = find_peers(im)) < 0 || (r = find_unlisted_clients(im)) < 0)
		return r;
	check_peers(im);
	if ((r = find_host_details(im)) < 0)
		return r;
	for (size_t i = 0; i < im->n_confs; i++) {
		uint8_t pub[WG_KEY_LEN];
		bool server = im->confs[i]->has_private_key &&
			      key_public_from_private(pub, im->confs[i]->private_key) == 0 &&
			      imp_host_of_key(im, pub) != MODEL_NONE;
		warn_differences(im, im->confs[i], server);
	}
	network_dns(im);
	check_psks(im);
	return 0;
}

static void imp_clear(struct imp *im)
{
	for (size_t i = 0; i < im->n_hosts; i++) {
		free(im->hosts[i].lans);
		free(im->hosts[i].hubs);
		free(im->hosts[i].links);
	}
	for (size_t i = 0; i < im->n_peers; i++) {
		struct imp_peer *pe = &im->peers[i];
		free(pe->hubs);
		free(pe->addresses);
		free(pe->lans);
		if (pe->psks)
			sodium_memzero(pe->psks, pe->n_psks * sizeof(*pe->psks));
		free(pe->psks);
	}
	free(im->hosts);
	free(im->peers);
}

int import_build(struct wgquick_conf *const *confs, size_t n, const struct import_opts *o,
		 struct import_result *out, struct diag *d)
{
	struct imp im = { .o = o, .d = d, .confs = confs, .n_confs = n };
	size_t max_peers = n, errors = d->n_errors;
	int r;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++)
		max_peers += confs[i]->n_peers;
	im.hosts = calloc(n ? n : 1, sizeof(*im.hosts));
	im.peers = calloc(max_peers ? max_peers : 1, sizeof(*im.peers));
	if (!im.hosts || !im.peers) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = imp_analyse(&im)) < 0)
		goto out;
	if (d->n_errors != errors) {
		r = -EINVAL;
		goto out;
	}
	r = import_write_yaml(&im, out);
out:
	if (r < 0)
		import_result_clear(out);
	imp_clear(&im);
	return r;
}

void import_result_clear(struct import_result *r)
{
	for (size_t i = 0; i < r->n_files; i++) {
		free(r->files[i].path);
		free(r->files[i].text);
	}
	for (size_t i = 0; i < r->n_hosts; i++) {
		free(r->hosts[i].name);
		free(r->hosts[i].source);
		free(r->hosts[i].ifname);
		free(r->hosts[i].routes);
	}
	free(r->files);
	free(r->hosts);
	memset(r, 0, sizeof(*r));
}
