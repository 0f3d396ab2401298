/* Where a Peer's internet traffic leaves (README "Exit groups"). */
#include <string.h>

#include "model/model.h"
#include "model/model_internal.h"

static bool has_label(const struct model_meta *meta, const struct model_label *l)
{
	for (size_t i = 0; i < meta->n_labels; i++)
		if (!strcmp(meta->labels[i].key, l->key) && !strcmp(meta->labels[i].value, l->value))
			return true;
	return false;
}

bool model_exit_selects_peer(const struct model *m, const struct model_selector *s, const struct model_peer *p)
{
	switch (s->kind) {
	case SEL_PEER:   /* an unresolved selector (invalid models, while validating) selects nothing */
		return s->index < m->n_peers && &m->peers[s->index] == p;
	case SEL_TENANT:
		return s->index != MODEL_NONE && p->tenant == s->index;
	case SEL_LABELS:
		for (size_t i = 0; i < s->n_labels; i++)
			if (!has_label(&p->meta, &s->labels[i]))
				return false;
		return true;
	default:
		return false;
	}
}

/* The ExitGroup whose "use" selects p (validation allows at most one). */
static const struct model_exit_group *group_using(const struct model *m, const struct model_peer *p, size_t *gi)
{
	for (size_t g = 0; g < m->n_exit_groups; g++) {
		const struct model_exit_group *eg = &m->exit_groups[g];

		if (eg->network != p->network)
			continue;
		for (size_t i = 0; i < eg->n_use; i++)
			if (model_exit_selects_peer(m, &eg->use[i], p)) {
				*gi = g;
				return eg;
			}
	}
	return NULL;
}

const struct model_exit_use *model_peer_exit(const struct model *m, const struct model_peer *p)
{
	size_t gi;

	if (p->exit.set)
		return &p->exit;
	if (group_using(m, p, &gi))
		return &m->exit_groups[gi].use_exit;
	if (p->tenant != MODEL_NONE && m->tenants[p->tenant].exit.set)
		return &m->tenants[p->tenant].exit;
	return NULL;
}

bool model_internet_only_dns_hub(const struct model *m, const struct model_peer *p, size_t j)
{
	const struct model_exit_use *e;

	if (j >= p->n_hubs || p->hubs[j] >= m->n_hosts)
		return false;
	if (m->hosts[p->hubs[j]].role == HOST_ROLE_EXIT)
		return true;
	e = model_peer_exit(m, p);
	return j == 0 && e && e->group != MODEL_NONE;
}

const struct model_exit_group *model_find_exit_group(const struct model *m, const char *name)
{
	size_t lo = 0, hi = m->n_exit_groups;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(m->exit_groups[mid].meta.name, name);

		if (!c)
			return &m->exit_groups[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
