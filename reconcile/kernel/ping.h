/* ICMP echo through a device (hub health, reconcile/host/hub_probe.c). */
#pragma once
#include <stdbool.h>

#include "model/prefix.h"

/* One echo exchange with addr (a single address) out of device ifname, up to
 * tries times, each waiting timeout_ms. *alive: a reply came. A raw socket
 * (root), else a ping socket. 0; -ENODEV: no such device; another negative
 * errno when no probe could be sent. */
int ping_probe(const char *ifname, const struct wgf_prefix *addr, unsigned tries, unsigned timeout_ms, bool *alive);
