/* The fake kernel's DNS managers (kernel_fake.h): systemd-resolved per link,
 * or resolvconf records by name. */
#include "tests/unit/kernel_fake_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static enum hs_dns_manager manager(const struct kernel_fake *f)
{
	return f->hs->dns_manager == HS_DNS_MANAGER_UNKNOWN ? HS_DNS_MANAGER_NONE : f->hs->dns_manager;
}

static void forget(struct host_state *hs, const char *ifname)
{
	struct hs_dns *d = hoststate_find_dns(hs, ifname);

	if (!d)
		return;
	hs_dns_clear(d);
	memmove(d, d + 1, (size_t)(hs->dns + hs->n_dns - (d + 1)) * sizeof(*d));
	hs->n_dns--;
}

void fake_dns_link_gone(struct kernel_fake *f, const char *ifname)
{
	if (manager(f) == HS_DNS_MANAGER_RESOLVED)
		forget(f->hs, ifname);
}

int fake_dns_manager(struct kernel *k, enum hs_dns_manager *out, struct wgf_error *err)
{
	struct kernel_fake *f = fake_of(k);
	int r = enter(f, KF_DNS_MANAGER, err, "dns");

	if (r < 0)
		return r;
	*out = manager(f);
	return leave(f, 0, err);
}

int fake_dns_get(struct kernel *k, const char *ifname, int ifindex, struct hs_dns *out, bool *found,
		 struct wgf_error *err)
{
	struct kernel_fake *f = fake_of(k);
	const struct hs_dns *d;
	int r = enter(f, KF_DNS_GET, err, "%s", ifname);

	*found = false;
	if (r < 0)
		return r;
	d = hoststate_find_dns(f->hs, ifname);
	if (!d || (manager(f) == HS_DNS_MANAGER_RESOLVED && ifindex <= 0))
		return leave(f, 0, err);
	if (hs_dns_copy(out, d) < 0)
		return leave(f, -ENOMEM, err);
	/* resolved reports the value in effect: the link is the default route
	 * unless it has routing-only domains */
	if (manager(f) == HS_DNS_MANAGER_RESOLVED && out->default_route == HS_DNS_ROUTE_AUTO)
		out->default_route = out->n_servers && !out->n_routing ? HS_DNS_ROUTE_YES : HS_DNS_ROUTE_NO;
	*found = true;
	return leave(f, 0, err);
}

int fake_dns_set(struct kernel *k, const struct hs_dns *want, int ifindex, struct wgf_error *err)
{
	struct kernel_fake *f = fake_of(k);
	struct hs_dns *d;
	int r = enter(f, KF_DNS_SET, err, "%s", want->ifname);

	if (r < 0)
		return r;
	if (manager(f) == HS_DNS_MANAGER_NONE)
		return leave(f, -EOPNOTSUPP, err);
	if (manager(f) == HS_DNS_MANAGER_RESOLVED && (ifindex <= 0 || !hoststate_find_device(f->hs, want->ifname)))
		return leave(f, -ENODEV, err);
	if (manager(f) == HS_DNS_MANAGER_RESOLVCONF && (want->n_routing || want->default_route != HS_DNS_ROUTE_AUTO))
		return leave(f, -EOPNOTSUPP, err);
	forget(f->hs, want->ifname);
	d = hoststate_add_dns(f->hs, want->ifname);
	if (!d || hs_dns_copy(d, want) < 0)
		return leave(f, -ENOMEM, err);
	free(d->origin);
	d->origin = NULL;
	hoststate_normalize_dns(f->hs);
	return leave(f, 0, err);
}

int fake_dns_delete(struct kernel *k, const char *ifname, int ifindex, struct wgf_error *err)
{
	struct kernel_fake *f = fake_of(k);
	int r = enter(f, KF_DNS_DELETE, err, "%s", ifname);

	if (r < 0)
		return r;
	forget(f->hs, ifname);
	return leave(f, 0, err);
}
