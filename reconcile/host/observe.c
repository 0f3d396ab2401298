#include "reconcile/host/observe.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static int observe_device(struct kernel *k, struct host_state *hs, const char *ifname,
			  struct wgf_error *err)
{
	struct rtnl_link_info li;
	struct hs_device *d;
	enum hs_backend backend;
	int r;

	r = kernel_link_get(k, ifname, &li, NULL);
	if (r == -ENODEV)
		return 0;
	if (r < 0)
		return wgf_error_set(err, r, "interface %s: reading the link: %s", ifname, strerror(-r));
	if (!strcmp(li.kind, "wireguard")) {
		backend = HS_BACKEND_KERNEL;
	} else if (kernel_wg_backend_detect(k, ifname) == HS_BACKEND_USERSPACE) {
		backend = HS_BACKEND_USERSPACE;
	} else {
		return wgf_error_set(err, -EEXIST, "interface %s exists but is not a WireGuard device "
				     "(kind \"%s\"); wgf will not take it over", ifname, li.kind[0] ? li.kind : "none");
	}
	d = hoststate_add_device(hs, ifname);
	if (!d)
		return -ENOMEM;
	d->exists = true;
	d->backend = backend;
	d->ifindex = li.ifindex;
	d->mtu = li.mtu;
	d->up = li.up;
	r = kernel_wg_get_device(k, ifname, backend, d, NULL);
	if (r < 0)
		return wgf_error_set(err, r, "interface %s: reading the WireGuard device (%s): %s", ifname,
				     backend == HS_BACKEND_KERNEL ? "kernel" : "userspace", strerror(-r));
	r = kernel_addr_list(k, li.ifindex, &d->addresses, &d->n_addresses, NULL);
	if (r < 0)
		return wgf_error_set(err, r, "interface %s: reading addresses: %s", ifname, strerror(-r));
	return 0;
}

/* The DNS of the interfaces observed (their names, whether the link exists or
 * not: a resolvconf record outlives its link), and which manager answered. */
static int observe_dns(struct kernel *k, struct host_state *hs, const struct observe_opts *o,
		       struct wgf_error *err)
{
	int r = kernel_dns_manager(k, &hs->dns_manager, err);

	if (r < 0)
		return wgf_error_prefix(err, "finding the DNS manager");
	for (size_t i = 0; i < o->n_ifnames; i++) {
		const struct hs_device *dev = hoststate_find_device(hs, o->ifnames[i]);
		struct hs_dns d = {0}, *slot;
		bool found = false;

		if (hoststate_find_dns(hs, o->ifnames[i]))
			continue;
		r = kernel_dns_get(k, o->ifnames[i], dev ? dev->ifindex : -1, &d, &found, err);
		if (r < 0) {
			hs_dns_clear(&d);
			return wgf_error_prefix(err, "interface %s: reading its DNS (%s)", o->ifnames[i],
						hs_dns_manager_name(hs->dns_manager));
		}
		if (found && (!(slot = hoststate_add_dns(hs, o->ifnames[i])) || hs_dns_copy(slot, &d) < 0))
			r = wgf_error_set(err, -ENOMEM, NULL);
		hs_dns_clear(&d);
		if (r < 0)
			return r;
		hoststate_normalize_dns(hs);
	}
	return 0;
}

int observe_host(struct kernel *k, const struct observe_opts *o, struct host_state **out,
		 struct wgf_error *err)
{
	struct host_state *hs = hoststate_new();
	struct hs_route *routes = NULL;
	size_t n_routes = 0;
	char value[64];
	int r = 0;

	*out = NULL;
	if (!hs)
		return wgf_error_set(err, -ENOMEM, NULL);
	for (size_t i = 0; i < o->n_ifnames; i++) {
		if (hoststate_find_device(hs, o->ifnames[i]))
			continue;
		r = observe_device(k, hs, o->ifnames[i], err);
		if (r < 0) {
			wgf_error_set(err, r, NULL);
			goto out;
		}
		hoststate_normalize(hs);
	}
	r = observe_dns(k, hs, o, err);
	if (r < 0)
		goto out;
	r = kernel_route_list(k, &routes, &n_routes, NULL);
	if (r < 0) {
		wgf_error_set(err, r, "reading routes: %s", strerror(-r));
		goto out;
	}
	hs->routes = routes;
	hs->n_routes = n_routes;
	r = kernel_rule_list(k, &hs->rules, &hs->n_rules, NULL);
	if (r < 0) {
		wgf_error_set(err, r, "reading policy rules: %s", strerror(-r));
		goto out;
	}
	for (size_t i = 0; i < o->n_sysctl_keys; i++) {
		r = kernel_sysctl_read(k, o->sysctl_keys[i], value, sizeof(value), NULL);
		if (r < 0) {
			wgf_error_set(err, r, "reading sysctl %s: %s", o->sysctl_keys[i], strerror(-r));
			goto out;
		}
		r = hoststate_add_sysctl(hs, o->sysctl_keys[i], value);
		if (r < 0) {
			wgf_error_set(err, r, NULL);
			goto out;
		}
	}
	hoststate_normalize(hs);
	*out = hs;
	hs = NULL;
out:
	hoststate_free(hs);
	return r;
}

int observe_firewall(struct kernel *k, struct hs_firewall *out, const struct fw_record *applied,
		     struct wgf_error *err)
{
	struct wgf_error nft_err = {0};
	char *listing = NULL;
	struct hs_fw_stamp now;
	int r;

	hs_firewall_clear(out);
	/* Nothing was committed since wgf read its table back: it is still the
	 * recorded listing, and reading a big table costs more than the plan. */
	if (applied && applied->has_stamp && applied->listing && kernel_nft_ruleset_stamp(k, &now) == 0 &&
	    fw_record_stamp_equal(&now, &applied->stamp)) {
		out->present = true;
		out->body = strdup(applied->listing);
		return out->body ? 0 : wgf_error_set(err, -ENOMEM, NULL);
	}
	r = kernel_nft_table_get(k, HS_FW_FAMILY, HS_FW_TABLE, &listing, &nft_err);
	if (r == -ENOENT) {
		r = 0;
	} else if (r < 0) {
		wgf_error_set(err, r, "reading nftables table %s %s: %s%s%s", HS_FW_FAMILY, HS_FW_TABLE,
			      strerror(-r), nft_err.msg ? ": " : "", nft_err.msg ? nft_err.msg : "");
	} else {
		out->present = true;
		out->body = listing;
		listing = NULL;
	}
	free(listing);
	wgf_error_clear(&nft_err);
	return r;
}
