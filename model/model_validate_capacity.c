/* Capacity: a hub with "maxPeers" refuses more Peers than that. Every enabled Peer
 * that lists the hub counts, not only those that list it first: failover can put
 * them all on it. */
#include "model/model_validate_capacity.h"

#include <stdlib.h>

void validate_capacity(struct loader *l)
{
	const struct model *m = l->m;
	size_t *all = calloc(m->n_hosts + 1, sizeof(*all)), *first = calloc(m->n_hosts + 1, sizeof(*first));

	if (!all || !first) {
		l->oom = true;
		goto out;
	}
	for (size_t i = 0; i < m->n_peers; i++) {
		const struct model_peer *p = &m->peers[i];

		for (size_t j = 0; p->enabled && j < p->n_hubs; j++)
			if (p->hubs[j] < m->n_hosts) {
				all[p->hubs[j]]++;
				first[p->hubs[j]] += j == 0;
			}
	}
	for (size_t i = 0; i < m->n_hosts; i++) {
		const struct model_host *h = &m->hosts[i];

		if (!h->max_peers || all[i] <= h->max_peers)
			continue;
		validate_err(l, &l->host_x[i].max_peers_loc,
			     "Host %s takes at most %u peers (maxPeers) but %zu enabled Peers list it among their hubs "
			     "(%zu of them first): failover can put them all on it; raise maxPeers or move %zu to "
			     "another hub", display_name(&h->meta), h->max_peers, all[i], first[i],
			     all[i] - h->max_peers);
	}
out:
	free(all);
	free(first);
}
