/* The Peer kind: its spec fields and defaults. */
#include <stddef.h>

#include "model/model_internal.h"
#include "model/model_load_addr.h"
#include "model/model_load_psk.h"
#include "model/model_load_settings.h"
#include "model/model_load_value.h"

_Static_assert(offsetof(struct model_peer, meta) == 0, "a kind's struct starts with its meta");

static void load_access_lans(struct loader *l, const struct ynode *seq, struct obj_extra *x)
{
	const char *s;

	x->has_access_lans = true;
	if (!want_type(l, seq, "accessLans", YNODE_SEQUENCE))
		return;
	if (seq->n == 0) {
		load_err(l, seq, "\"accessLans\" is empty: leave it out to reach every LAN of the peer's scope");
		return;
	}
	x->access_lans = load_calloc(l, seq->n, sizeof(*x->access_lans));
	x->access_lan_locs = load_calloc(l, seq->n, sizeof(*x->access_lan_locs));
	if (!x->access_lans || !x->access_lan_locs)
		return;
	for (size_t i = 0; i < seq->n; i++) {
		if (!want_string(l, seq->items[i], "accessLans", &s))
			continue;
		x->access_lans[x->n_access_lans] = load_strdup(l, s);
		x->access_lan_locs[x->n_access_lans++] = load_loc(l, seq->items[i]);
	}
}

static SPEC_LOADER(peer_addresses)
{
	struct model_peer *p = obj;

	load_prefixes(l, n, f->name, f->required, USE_PEER_ADDRESS, &p->addresses, &p->n_addresses, &x->addr_locs);
	return true;
}

static SPEC_LOADER(peer_hubs)
{
	load_name_list(l, n, f->name, &x->hub_names, &x->hub_locs, &x->n_hub_names);
	return true;
}

static SPEC_LOADER(peer_lans)
{
	struct model_peer *p = obj;

	load_prefixes(l, n, f->name, f->required, USE_LAN, &p->lans, &p->n_lans, &x->lan_locs);
	return true;
}

static SPEC_LOADER(peer_expires)
{
	struct model_peer *p = obj;
	const char *s;

	if (!want_string(l, n, f->name, &s))
		return false;
	p->has_expires = model_expires_parse(s, &p->expires);
	if (!p->has_expires)
		load_err(l, n, "\"expires\" must be YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ, got %s", diag_quote(s));
	return p->has_expires;
}

static SPEC_LOADER(peer_access)
{
	struct model_peer *p = obj;
	const char *s;
	int v;

	if (!want_string(l, n, f->name, &s))
		return false;
	x->access_loc = load_loc(l, n);
	if (!want_choice(l, n, f->name, s, &model_access_levels, 0, &v))
		return false;
	p->access = (enum access_level)v;
	return true;
}

static SPEC_LOADER(peer_access_lans)
{
	load_access_lans(l, n, x);
	return true;
}

#define PEER(field) offsetof(struct model_peer, field)

static const struct spec_field peer_fields[] = {
	{ "network", spec_load_network_ref, false, 0, 0, 0 },
	{ "publicKey", spec_load_key, true, PEER(public_key), 0, 0 },
	{ "addresses", peer_addresses, true, 0, 0, 0 },
	{ "hubs", peer_hubs, true, 0, 0, 0 },
	{ "lans", peer_lans, false, 0, 0, 0 },
	{ "persistentKeepalive", spec_load_u16, false, PEER(keepalive), 0, 65535 },
	{ "endpoint", spec_load_endpoint, false, PEER(endpoint), 0, 0 },
	{ "enabled", spec_load_bool, false, PEER(enabled), 0, 0 },
	{ "expires", peer_expires, false, 0, 0, 0 },
	{ "tenant", spec_load_tenant_ref, false, 0, 0, 0 },
	{ "access", peer_access, false, 0, 0, 0 },
	{ "accessLans", peer_access_lans, false, 0, 0, 0 },
	{ "dns", spec_load_dns, false, PEER(dns), 0, 0 },
	{ "rotation", spec_load_rotation, false, PEER(rotation), 0, 0 },
	{ "keyCreated", spec_load_key_created, false, PEER(key_created), PEER(has_key_created), 0 },
	{ "presharedKeys", spec_load_psks, false, 0, 0, 0 },
	{ "presharedKey", spec_load_psk_singular, false, 0, 0, 0 },
	{ "exit", spec_load_exit, false, PEER(exit), 0, 0 },
};

static const struct model_peer peer_defaults = { .enabled = true, .tenant = MODEL_NONE, .exit = { .group = MODEL_NONE } };

static void peer_clear(void *obj)
{
	model_peer_clear(obj);
}

const struct kind_spec kind_peer = {
	"Peer", "Peer spec", SPEC_FIELDS(peer_fields), &peer_defaults, sizeof(struct model_peer), peer_clear,
	offsetof(struct model, peers), offsetof(struct model, n_peers),
	offsetof(struct loader, peer_x), offsetof(struct loader, cap_peers),
};
