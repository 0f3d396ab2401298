/* The Host kind: its spec fields, defaults and port forwards. */
#include <stddef.h>
#include <string.h>

#include "model/model_internal.h"
#include "model/model_load_addr.h"
#include "model/model_load_settings.h"
#include "model/model_load_value.h"
#include "model/model_names.h"

_Static_assert(offsetof(struct model_host, meta) == 0, "a kind's struct starts with its meta");

static void load_forwards(struct loader *l, const struct ynode *seq, struct model_host *h)
{
	static const char *const fields[] = { "name", "address", "protocol", "port", "to", "toPort" };

	if (!want_type(l, seq, "forwards", YNODE_SEQUENCE))
		return;
	h->forwards = load_calloc(l, seq->n, sizeof(*h->forwards));
	if (!h->forwards)
		return;
	for (size_t i = 0; i < seq->n; i++) {
		const struct ynode *it = seq->items[i], *n;
		struct model_forward *f = &h->forwards[h->n_forwards];
		const char *s;
		uint64_t v;

		if (!want_type(l, it, "forwards item", YNODE_MAPPING))
			continue;
		h->n_forwards++;
		f->peer = MODEL_NONE;
		f->loc = f->addr_loc = f->to_loc = f->port_loc = load_loc(l, it);
		check_fields(l, it, &NAME_LIST(fields), "forward");
		if ((n = ynode_get(it, "name")) && want_string(l, n, "name", &s)) {
			if (!model_name_ok(s))
				load_err(l, n, "forward name %s is not valid (1-63 lowercase letters, digits or \"-\", "
					 "starting with a letter)", diag_quote(s));
			else
				f->name = load_strdup(l, s);
		}
		if ((n = ynode_get(it, "address")) && want_string(l, n, "address", &s)) {
			f->addr_loc = load_loc(l, n);
			if (!prefix_parse(s, true, &f->public_addr) ||
			    f->public_addr.len != prefix_max_len(f->public_addr.family))
				load_err(l, n, "forward address %s is not an IP address", diag_quote(s));
			else
				f->has_addr = true;
		}
		if (!(n = ynode_get(it, "protocol")))
			load_missing(l, it, "protocol", "forward");
		else
			want_protocol(l, n, MODEL_USE_FORWARD, &f->protos);
		if (!(n = ynode_get(it, "port"))) {
			load_missing(l, it, "port", "forward");
		} else {
			f->port_loc = load_loc(l, n);
			want_port_range(l, n, "port", &f->ports);
		}
		if (!(n = ynode_get(it, "to"))) {
			load_missing(l, it, "to", "forward");
		} else if (want_string(l, n, "to", &s)) {
			f->to = load_strdup(l, s);
			f->to_loc = load_loc(l, n);
		}
		if ((n = ynode_get(it, "toPort")) && want_uint(l, n, "toPort", 1, 65535, &v))
			f->to_port = (uint16_t)v;
	}
}

static SPEC_LOADER(host_role)
{
	struct model_host *h = obj;
	const char *s;
	int v;

	if (!want_string(l, n, f->name, &s))
		return false;
	x->role_loc = load_loc(l, n);
	if (!want_choice(l, n, f->name, s, &model_host_roles, 0, &v))
		return false;
	h->role = (enum host_role)v;
	return true;
}

static SPEC_LOADER(host_addresses)
{
	struct model_host *h = obj;

	load_prefixes(l, n, f->name, f->required, USE_HOST_ADDRESS, &h->addresses, &h->n_addresses, &x->addr_locs);
	return true;
}

static SPEC_LOADER(host_lans)
{
	struct model_host *h = obj;

	load_prefixes(l, n, f->name, f->required, USE_LAN, &h->lans, &h->n_lans, &x->lan_locs);
	return true;
}

/* The interface, port and MTU a host sets itself; the others come from its Network. */
static SPEC_LOADER(host_ifname)
{
	return x->has_ifname = spec_load_ifname(l, n, f, obj, x);
}

static SPEC_LOADER(host_port)
{
	return x->has_port = spec_load_u16(l, n, f, obj, x);
}

static SPEC_LOADER(host_mtu)
{
	return x->has_mtu = spec_load_u32(l, n, f, obj, x);
}

static SPEC_LOADER(host_public_addresses)
{
	struct model_host *h = obj;

	x->has_public = true;
	load_prefixes(l, n, f->name, f->required, USE_PUBLIC, &h->public_addrs, &h->n_public_addrs, &x->public_locs);
	return true;
}

static SPEC_LOADER(host_masquerade)
{
	if (!spec_load_bool(l, n, f, obj, x))
		return false;
	x->masquerade_loc = load_loc(l, n);
	return true;
}

static SPEC_LOADER(host_forwards)
{
	load_forwards(l, n, obj);
	return true;
}

static SPEC_LOADER(host_max_peers)
{
	x->max_peers_loc = load_loc(l, n);
	return spec_load_u32(l, n, f, obj, x);
}

static SPEC_LOADER(host_hubs)
{
	x->hubs_loc = load_loc(l, n);
	load_name_list(l, n, f->name, &x->hub_names, &x->hub_locs, &x->n_hub_names);
	return true;
}

static SPEC_LOADER(host_links)
{
	load_name_list(l, n, f->name, &x->link_names, &x->link_locs, &x->n_link_names);
	return true;
}

static SPEC_LOADER(host_exit_ifname)
{
	const char *s;

	if (!want_string(l, n, f->name, &s) || !spec_load_ifname(l, n, f, obj, x))
		return false;
	x->has_exit_ifname = true;
	x->exit_ifname_loc = load_loc(l, n);
	return true;
}

#define HOST(field) offsetof(struct model_host, field)

static const struct spec_field host_fields[] = {
	{ "network", spec_load_network_ref, false, 0, 0, 0 },
	{ "role", host_role, false, 0, 0, 0 },
	{ "publicKey", spec_load_key, true, HOST(public_key), 0, 0 },
	{ "endpoint", spec_load_endpoint, false, HOST(endpoint), 0, 0 },
	{ "addresses", host_addresses, true, 0, 0, 0 },
	{ "lans", host_lans, false, 0, 0, 0 },
	{ "interface", host_ifname, false, HOST(ifname), 0, 0 },
	{ "listenPort", host_port, false, HOST(listen_port), 1, 65535 },
	{ "mtu", host_mtu, false, HOST(mtu), 1280, 9000 },
	{ "tenant", spec_load_tenant_ref, false, 0, 0, 0 },
	{ "publicAddresses", host_public_addresses, false, 0, 0, 0 },
	{ "masquerade", host_masquerade, false, HOST(masquerade), 0, 0 },
	{ "forwards", host_forwards, false, 0, 0, 0 },
	{ "hubs", host_hubs, false, 0, 0, 0 },
	{ "links", host_links, false, 0, 0, 0 },
	{ "sealingKey", spec_load_sealing_key, false, HOST(sealing_key), HOST(has_sealing_key), 0 },
	{ "maxPeers", host_max_peers, false, HOST(max_peers), 1, UINT32_MAX },
	{ "rotation", spec_load_rotation, false, HOST(rotation), 0, 0 },
	{ "keyCreated", spec_load_key_created, false, HOST(key_created), HOST(has_key_created), 0 },
	{ "exit", spec_load_exit, false, HOST(exit), 0, 0 },
	{ "exitInterface", host_exit_ifname, false, HOST(exit_ifname), 0, 0 },
	{ "dns", spec_load_dns, false, HOST(dns), 1, 0 },
};

static const struct model_host host_defaults = { .role = HOST_ROLE_MEMBER, .tenant = MODEL_NONE,
						  .exit = { .group = MODEL_NONE } };

static void host_clear(void *obj)
{
	model_host_clear(obj);
}

const struct kind_spec kind_host = {
	"Host", "Host spec", SPEC_FIELDS(host_fields), &host_defaults, sizeof(struct model_host), host_clear,
	offsetof(struct model, hosts), offsetof(struct model, n_hosts),
	offsetof(struct loader, host_x), offsetof(struct loader, cap_hosts),
};
