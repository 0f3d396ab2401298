/* The DNS manager in use (dns.h): resolved first, then resolvconf. */
#include "reconcile/kernel/dns.h"

#include <errno.h>
#include <stdlib.h>
#include <systemd/sd-bus.h>

#include "reconcile/kernel/dns_resolvconf.h"
#include "reconcile/kernel/dns_resolved.h"

struct dns {
	enum hs_dns_manager manager;
	sd_bus *bus;                   /* resolved */
};

int dns_open(struct dns **out)
{
	struct dns *d = calloc(1, sizeof(*d));
	int r;

	*out = NULL;
	if (!d)
		return -ENOMEM;
	r = resolved_open(&d->bus);
	if (r < 0) {
		free(d);
		return r;
	}
	if (d->bus)
		d->manager = HS_DNS_MANAGER_RESOLVED;
	else if (resolvconf_path())
		d->manager = HS_DNS_MANAGER_RESOLVCONF;
	else
		d->manager = HS_DNS_MANAGER_NONE;
	*out = d;
	return 0;
}

void dns_free(struct dns *d)
{
	if (!d)
		return;
	if (d->bus)
		resolved_close(d->bus);
	free(d);
}

enum hs_dns_manager dns_manager(const struct dns *d)
{
	return d->manager;
}

int dns_get(struct dns *d, const char *ifname, int ifindex, struct hs_dns *out, bool *found, struct wgf_error *err)
{
	*found = false;
	switch (d->manager) {
	case HS_DNS_MANAGER_RESOLVED:
		return ifindex > 0 ? resolved_read(d->bus, ifname, ifindex, out, found, err) : 0;
	case HS_DNS_MANAGER_RESOLVCONF:
		return resolvconf_read(ifname, out, found, err);
	default:
		return 0;
	}
}

int dns_set(struct dns *d, const struct hs_dns *want, int ifindex, struct wgf_error *err)
{
	switch (d->manager) {
	case HS_DNS_MANAGER_RESOLVED:
		if (ifindex <= 0)
			return wgf_error_set(err, -ENODEV, "systemd-resolved: no such link");
		return resolved_set(d->bus, want, ifindex, err);
	case HS_DNS_MANAGER_RESOLVCONF:
		return resolvconf_set(want, err);
	default:
		return wgf_error_set(err, -EOPNOTSUPP, "neither systemd-resolved nor resolvconf is on this host");
	}
}

int dns_delete(struct dns *d, const char *ifname, int ifindex, struct wgf_error *err)
{
	switch (d->manager) {
	case HS_DNS_MANAGER_RESOLVED:
		/* a link that is gone took its DNS with it */
		return ifindex > 0 ? resolved_revert(d->bus, ifindex, err) : 0;
	case HS_DNS_MANAGER_RESOLVCONF:
		return resolvconf_delete(ifname, err);
	default:
		return 0;
	}
}
