/* Compiled networks kept while many hosts of one model are rendered (render/firewall.h). */
#include "render/firewall.h"

#include <errno.h>
#include <stdlib.h>

struct fw_cache_entry {
	const struct model *m;
	size_t network;
	int64_t now;
	struct fw_network *fw;
};

int fw_cache_get(struct fw_cache *c, const struct model *m, size_t network, int64_t now,
		 const struct fw_network **out)
{
	struct fw_cache_entry *v;
	struct fw_network *fw;
	int r;

	*out = NULL;
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].m == m && c->v[i].network == network && c->v[i].now == now) {
			*out = c->v[i].fw;
			return 0;
		}
	v = realloc(c->v, (c->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	c->v = v;
	r = fw_compile(m, network, now, &fw);
	if (r < 0)
		return r;
	c->v[c->n++] = (struct fw_cache_entry){ .m = m, .network = network, .now = now, .fw = fw };
	*out = fw;
	return 0;
}

void fw_cache_clear(struct fw_cache *c)
{
	for (size_t i = 0; i < c->n; i++)
		fw_network_free(c->v[i].fw);
	free(c->v);
	c->v = NULL;
	c->n = 0;
}
