/* A Host's `dns` → the DNS of its own interface (README "DNS on hosts"). Hosts
 * inherit nothing: a host's DNS is only what its own `dns` says. */
#include "render/render_int.h"

#include <errno.h>
#include <stdio.h>

int render_dns(const struct model_host *h, struct host_state *hs)
{
	static const enum hs_dns_route routes[] = {
		[DNS_DEFAULT_ROUTE_AUTO] = HS_DNS_ROUTE_AUTO, [DNS_DEFAULT_ROUTE_YES] = HS_DNS_ROUTE_YES,
		[DNS_DEFAULT_ROUTE_NO] = HS_DNS_ROUTE_NO,
	};
	const struct model_dns *m = &h->dns;
	struct hs_dns *d;

	if (!m->set)
		return 0;
	d = hoststate_add_dns(hs, h->ifname);
	if (!d)
		return -ENOMEM;
	d->default_route = routes[m->default_route];
	for (size_t i = 0; i < m->n_servers; i++)
		if (hs_dns_add_server(d, &m->servers[i]) < 0)
			return -ENOMEM;
	for (size_t i = 0; i < m->n_search; i++)
		if (hs_dns_add_search(d, m->search[i]) < 0)
			return -ENOMEM;
	for (size_t i = 0; i < m->n_routing; i++)
		if (hs_dns_add_routing(d, m->routing[i]) < 0)
			return -ENOMEM;
	if (m->loc.file && asprintf(&d->origin, "%s:%u:%u", m->loc.file, m->loc.line, m->loc.col) < 0) {
		d->origin = NULL;
		return -ENOMEM;
	}
	return 0;
}
