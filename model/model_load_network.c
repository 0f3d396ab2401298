/* The Network and Tenant kinds: their spec fields and defaults. */
#include <stddef.h>
#include <stdint.h>

#include "model/model_internal.h"
#include "model/model_load_addr.h"
#include "model/model_load_settings.h"

_Static_assert(offsetof(struct model_network, meta) == 0, "a kind's struct starts with its meta");
_Static_assert(offsetof(struct model_tenant, meta) == 0, "a kind's struct starts with its meta");

static SPEC_LOADER(network_pools)
{
	struct model_network *net = obj;

	load_pools(l, n, &(struct pools){ &net->has_pool4, &net->has_pool6, &net->pool4, &net->pool6 }, x);
	return true;
}

#define NET(field) offsetof(struct model_network, field)

static const struct spec_field network_fields[] = {
	{ "interface", spec_load_ifname, false, NET(ifname), 0, 0 },
	{ "listenPort", spec_load_u16, false, NET(listen_port), 1, 65535 },
	{ "mtu", spec_load_u32, false, NET(mtu), 1280, 9000 },
	{ "persistentKeepalive", spec_load_u16, false, NET(keepalive), 0, 65535 },
	{ "fwmark", spec_load_u32, false, NET(fwmark), 0, UINT32_MAX },
	{ "addressPools", network_pools, true, 0, 0, 0 },
	{ "dns", spec_load_dns, false, NET(dns), 0, 0 },
	{ "rotation", spec_load_rotation, false, NET(rotation), 0, 0 },
	{ "health", spec_load_health, false, NET(stale_after), 0, 0 },
};

static void network_clear(void *obj)
{
	model_network_clear(obj);
}

static const struct model_network network_defaults = { .ifname = "wg0", .listen_port = 51820, .mtu = 1420 };

const struct kind_spec kind_network = {
	"Network", "Network spec", SPEC_FIELDS(network_fields), &network_defaults, sizeof(struct model_network), network_clear,
	offsetof(struct model, networks), offsetof(struct model, n_networks),
	offsetof(struct loader, net_x), offsetof(struct loader, cap_networks),
};

static SPEC_LOADER(tenant_pools)
{
	struct model_tenant *t = obj;

	load_pools(l, n, &(struct pools){ &t->has_pool4, &t->has_pool6, &t->pool4, &t->pool6 }, x);
	return true;
}

static const struct spec_field tenant_fields[] = {
	{ "network", spec_load_network_ref, false, 0, 0, 0 },
	{ "isolated", spec_load_bool, false, offsetof(struct model_tenant, isolated), 0, 0 },
	{ "addressPools", tenant_pools, true, 0, 0, 0 },
	{ "dns", spec_load_dns, false, offsetof(struct model_tenant, dns), 0, 0 },
	{ "rotation", spec_load_rotation, false, offsetof(struct model_tenant, rotation), 0, 0 },
	{ "exit", spec_load_exit, false, offsetof(struct model_tenant, exit), 0, 0 },
};

static void tenant_clear(void *obj)
{
	model_tenant_clear(obj);
}

static const struct model_tenant tenant_defaults = { .isolated = true, .exit = { .group = MODEL_NONE } };

const struct kind_spec kind_tenant = {
	"Tenant", "Tenant spec", SPEC_FIELDS(tenant_fields), &tenant_defaults, sizeof(struct model_tenant), tenant_clear,
	offsetof(struct model, tenants), offsetof(struct model, n_tenants),
	offsetof(struct loader, ten_x), offsetof(struct loader, cap_tenants),
};
