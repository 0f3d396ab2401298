/* DNS of wgf's own interfaces, through whichever manager the host runs:
 * systemd-resolved when it is on the system bus, else resolvconf when it is
 * installed, else none. Never reads or touches another link's DNS. */
#pragma once
#include <stdbool.h>

#include "model/error.h"
#include "model/hoststate.h"

struct dns;

/* Finds the manager (once). 0 or -ENOMEM. */
int dns_open(struct dns **out);
void dns_free(struct dns *d);
enum hs_dns_manager dns_manager(const struct dns *d);

/* ifindex: the link's, or -1 when it does not exist (resolved knows only links). */
int dns_get(struct dns *d, const char *ifname, int ifindex, struct hs_dns *out, bool *found, struct wgf_error *err);
int dns_set(struct dns *d, const struct hs_dns *want, int ifindex, struct wgf_error *err);
int dns_delete(struct dns *d, const char *ifname, int ifindex, struct wgf_error *err);
