/* DNS through resolvconf (Debian's or openresolv), as wg-quick uses it: plain
 * servers and search domains per interface record. Not for routing-only
 * domains or a default-route flag: those need systemd-resolved. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "model/error.h"
#include "model/hoststate.h"

/* The resolvconf program's path, or NULL when it is not installed. */
const char *resolvconf_path(void);

/* The record of ifname ("nameserver X", "search a b", "domain a" lines; other
 * lines are not wgf's business) into out (zeroed; its ifname set). *found
 * false when there is none. 0 or a negative errno. */
int resolvconf_read(const char *ifname, struct hs_dns *out, bool *found, struct wgf_error *err);
/* Parses a record's text (outside input: anything may be in it). 0, or
 * -ENOMEM. Lines it does not know, and values that are not addresses or DNS
 * names, are skipped. */
int resolvconf_parse(const char *text, size_t len, struct hs_dns *out);

/* `resolvconf -a IFNAME -m 0 -x` fed d's servers and search domains;
 * d->n_routing and d->default_route must be none (-EOPNOTSUPP). */
int resolvconf_set(const struct hs_dns *d, struct wgf_error *err);
/* `resolvconf -d IFNAME -f`. */
int resolvconf_delete(const char *ifname, struct wgf_error *err);
