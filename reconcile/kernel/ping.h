/* ICMP echo through a device (hub health, reconcile/host/hub_probe.c; exit
 * health, reconcile/host/exit_watch.c). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/prefix.h"

/* One echo exchange with addr (a single address) out of device ifname, up to
 * tries times, each waiting timeout_ms. *alive: a reply came. A raw socket
 * (root), else a ping socket. 0; -ENODEV: no such device; another negative
 * errno when no probe could be sent. */
int ping_probe(const char *ifname, const struct wgf_prefix *addr, unsigned tries, unsigned timeout_ms, bool *alive);

/* One echo to one address out of one device, for ping_probe_many. */
struct ping_target {
	const char *ifname;
	struct wgf_prefix addr;        /* a single address */
	bool has_src;
	struct wgf_prefix src;         /* the source address to bind (same family), e.g. the
					  host's tunnel address on another device */
	uint32_t fwmark;               /* SO_MARK of the echo (0: none): the mark that policy
					  rules of full tunnels let pass ("not fwmark M") */
	/* filled: */
	bool alive;                    /* the reply came within the timeout */
	uint32_t rtt_us;               /* alive: from sending to the reply */
	int error;                     /* 0, or the negative errno that kept the echo from going
					  out (-ENODEV: no such device; -EADDRNOTAVAIL: no such source) */
};

/* One echo to each target, all sent at once, the replies awaited together
 * for at most timeout_ms: a dead target delays no other. 0 or -ENOMEM (each
 * target's own failure is in its error). */
int ping_probe_many(struct ping_target *t, size_t n, unsigned timeout_ms);
