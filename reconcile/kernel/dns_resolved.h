/* DNS through systemd-resolved's D-Bus API (org.freedesktop.resolve1), per
 * link: servers, search and routing-only domains, the default-route flag. */
#pragma once
#include <stdbool.h>

#include "model/error.h"
#include "model/hoststate.h"

struct sd_bus;

/* The system bus, when org.freedesktop.resolve1 has an owner on it: *bus set
 * (the caller unrefs it with resolved_close), else *bus NULL. 0 either way;
 * a negative errno only when memory ran out. */
int resolved_open(struct sd_bus **bus);
void resolved_close(struct sd_bus *bus);

/* The link's DNS (Link properties DNS, Domains, DefaultRoute) into out (zeroed;
 * its ifname set). *found false when it has neither servers nor domains. */
int resolved_read(struct sd_bus *bus, const char *ifname, int ifindex, struct hs_dns *out, bool *found,
		  struct wgf_error *err);
/* SetLinkDNS, SetLinkDomains and, unless auto, SetLinkDefaultRoute. When
 * default_route is auto, RevertLink first: only that gives the choice back to
 * resolved. */
int resolved_set(struct sd_bus *bus, const struct hs_dns *d, int ifindex, struct wgf_error *err);
/* RevertLink. */
int resolved_revert(struct sd_bus *bus, int ifindex, struct wgf_error *err);
