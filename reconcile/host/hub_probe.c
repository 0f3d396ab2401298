/* Which of an attached host's hubs answer through the tunnel. */
#include "reconcile/host/hub_probe.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "reconcile/kernel/kernel.h"
#include "render/render.h"

bool hub_probe_address(const struct model_host *h, const struct model_host *hub, struct wgf_prefix *out)
{
	for (size_t i = 0; i < hub->n_addresses; i++)
		for (size_t j = 0; j < h->n_addresses; j++)
			if (hub->addresses[i].family == h->addresses[j].family) {
				*out = prefix_host(&hub->addresses[i]);
				return true;
			}
	return false;
}

int hub_health(struct kernel *k, const struct model *m, const struct model_host *h, void (*warn)(const char *msg),
	       bool **down)
{
	size_t serving;
	bool any = false;
	int r;

	*down = NULL;
	if (h->n_hubs < 2)
		return 0;
	*down = calloc(m->n_hosts, sizeof(**down));
	if (!*down)
		return -ENOMEM;
	for (size_t i = 0; i < h->n_hubs; i++) {
		const struct model_host *hub = &m->hosts[h->hubs[i]];
		struct wgf_prefix a;
		bool alive = false;

		if (!hub_probe_address(h, hub, &a))
			continue;
		r = kernel_ping(k, h->ifname, &a, HUB_PROBE_TRIES, HUB_PROBE_TIMEOUT_MS, &alive);
		if (r == -ENODEV) {
			free(*down);        /* the device is not up yet: nothing to tell */
			*down = NULL;
			return 0;
		}
		if (r < 0)
			continue;   /* cannot probe: assume healthy */
		(*down)[h->hubs[i]] = !alive;
		any |= !alive;
	}
	serving = render_serving_hub(h, *down);
	for (size_t i = 0; any && warn && i < h->n_hubs; i++) {
		const struct model_host *hub = &m->hosts[h->hubs[i]];
		char msg[3 * MODEL_NAME_MAX + PREFIX_STRLEN + 160], abuf[PREFIX_STRLEN];
		struct wgf_prefix a;

		if (!(*down)[h->hubs[i]] || !hub_probe_address(h, hub, &a))
			continue;
		snprintf(msg, sizeof(msg), "hub \"%s\" is unreachable (no reply from %s through %s), %s \"%s\"",
			 hub->meta.name, prefix_format_addr(&a, abuf), h->ifname,
			 h->hubs[i] == serving ? "every hub is: staying on" : "using hub", m->hosts[serving].meta.name);
		warn(msg);
	}
	return 0;
}
