/* Hub health for failover (README "Topology: failover"): whether this host's
 * hubs answer through the tunnel. Observed state, never drift: the result only
 * picks which hub render puts the network on (render_opts.hub_down). */
#pragma once
#include <stdbool.h>

#include "model/model.h"

#define HUB_PROBE_TRIES 3
#define HUB_PROBE_TIMEOUT_MS 700   /* per try */

/* For an attached Host h with more than one hub whose device exists: probes
 * each hub's first tunnel address of a family h has (kernel_ping) and sets *down (per model host, owned) with
 * the hubs that did not answer; says so through warn ("hub \"a\" is
 * unreachable …, using hub \"b\""). *down stays NULL otherwise (every hub
 * healthy: a host whose device is not up yet cannot tell). 0 or -ENOMEM. */
struct kernel;
/* The address to probe hub at: its first tunnel address of a family h has too
 * (h could not send to another), as a single address. false: none. */
bool hub_probe_address(const struct model_host *h, const struct model_host *hub, struct wgf_prefix *out);
int hub_health(struct kernel *k, const struct model *m, const struct model_host *h, void (*warn)(const char *msg),
	       bool **down);
