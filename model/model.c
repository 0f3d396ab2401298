#include "model/model_internal.h"
#include "model/model_load_psk.h"
#include "model/model_load_settings.h"

#include <stdlib.h>
#include <string.h>

static void meta_free(struct model_meta *meta)
{
	for (size_t i = 0; i < meta->n_labels; i++) {
		free(meta->labels[i].key);
		free(meta->labels[i].value);
	}
	free(meta->labels);
	free(meta->name);
}

void model_exit_use_clear(struct model_exit_use *u)
{
	free(u->only);
	free(u->except);
	u->only = u->except = NULL;
	u->n_only = u->n_except = 0;
}

void model_host_clear(struct model_host *h)
{
	meta_free(&h->meta);
	model_exit_use_clear(&h->exit);
	free(h->addresses);
	free(h->lans);
	free(h->public_addrs);
	for (size_t i = 0; i < h->n_forwards; i++) {
		free(h->forwards[i].name);
		free(h->forwards[i].to);
	}
	free(h->forwards);
	free(h->hubs);
	free(h->links);
	model_dns_clear(&h->dns);
}

void model_network_clear(struct model_network *n)
{
	meta_free(&n->meta);
	model_dns_clear(&n->dns);
}

void model_tenant_clear(struct model_tenant *t)
{
	meta_free(&t->meta);
	model_dns_clear(&t->dns);
	model_exit_use_clear(&t->exit);
}

void model_operator_clear(struct model_operator *o)
{
	meta_free(&o->meta);
}

bool model_host_attached_to(const struct model_host *h, size_t hub)
{
	for (size_t i = 0; i < h->n_hubs; i++)
		if (h->hubs[i] == hub)
			return true;
	return false;
}

size_t model_hub_peers(const struct model *m, size_t hub, size_t *primary)
{
	size_t n = 0, first = 0;

	for (size_t i = 0; i < m->n_peers; i++) {
		const struct model_peer *p = &m->peers[i];

		if (!p->enabled)
			continue;
		for (size_t j = 0; j < p->n_hubs; j++)
			if (p->hubs[j] == hub) {
				n++;
				first += j == 0;
				break;
			}
	}
	if (primary)
		*primary = first;
	return n;
}

bool model_hosts_direct(const struct model *m, size_t a, size_t b)
{
	const struct model_host *ha = &m->hosts[a], *hb = &m->hosts[b];

	if (a == b || ha->network != hb->network)
		return false;
	if (!ha->n_hubs && !hb->n_hubs)
		return true;
	if (model_host_attached_to(ha, b) || model_host_attached_to(hb, a))
		return true;
	for (size_t i = 0; i < ha->n_links; i++)
		if (ha->links[i] == b)
			return true;
	return false;
}

void model_peer_clear(struct model_peer *p)
{
	meta_free(&p->meta);
	free(p->addresses);
	free(p->lans);
	free(p->hubs);
	free(p->access_lans);
	model_dns_clear(&p->dns);
	model_psks_free(p->psks, p->n_psks);
	model_exit_use_clear(&p->exit);
}

static void selectors_free(struct model_selector *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(s[i].name);
		for (size_t j = 0; j < s[i].n_labels; j++) {
			free(s[i].labels[j].key);
			free(s[i].labels[j].value);
		}
		free(s[i].labels);
	}
	free(s);
}

void model_policy_clear(struct model_policy *pol)
{
	meta_free(&pol->meta);
	for (size_t i = 0; i < pol->n_rules; i++) {
		selectors_free(pol->rules[i].from, pol->rules[i].n_from);
		selectors_free(pol->rules[i].to, pol->rules[i].n_to);
		free(pol->rules[i].ports);
	}
	free(pol->rules);
	for (size_t i = 0; i < pol->n_tests; i++) {
		free(pol->tests[i].from);
		free(pol->tests[i].to);
		free(pol->tests[i].exit);
	}
	free(pol->tests);
}

void model_exit_group_clear(struct model_exit_group *g)
{
	meta_free(&g->meta);
	free(g->members);
	selectors_free(g->use, g->n_use);
}

void model_free(struct model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_networks; i++)
		model_network_clear(&m->networks[i]);
	for (size_t i = 0; i < m->n_hosts; i++)
		model_host_clear(&m->hosts[i]);
	for (size_t i = 0; i < m->n_peers; i++)
		model_peer_clear(&m->peers[i]);
	for (size_t i = 0; i < m->n_tenants; i++)
		model_tenant_clear(&m->tenants[i]);
	for (size_t i = 0; i < m->n_operators; i++)
		model_operator_clear(&m->operators[i]);
	free(m->operators);
	for (size_t i = 0; i < m->n_policies; i++)
		model_policy_clear(&m->policies[i]);
	for (size_t i = 0; i < m->n_exit_groups; i++)
		model_exit_group_clear(&m->exit_groups[i]);
	free(m->exit_groups);
	free(m->tenants);
	free(m->policies);
	for (size_t i = 0; i < m->n_files; i++)
		free(m->files[i]);
	free(m->networks);
	free(m->hosts);
	free(m->peers);
	free(m->files);
	free(m->source);
	free(m->commit);
	free(m->tree);
	free(m);
}

const struct model_host *model_find_host(const struct model *m, const char *name)
{
	for (size_t i = 0; i < m->n_hosts; i++)
		if (m->hosts[i].meta.name && !strcmp(m->hosts[i].meta.name, name))
			return &m->hosts[i];
	return NULL;
}

const struct model_peer *model_find_peer(const struct model *m, const char *name)
{
	for (size_t i = 0; i < m->n_peers; i++)
		if (m->peers[i].meta.name && !strcmp(m->peers[i].meta.name, name))
			return &m->peers[i];
	return NULL;
}

bool model_host_has_address(const struct model_host *h, const struct wgf_prefix *a)
{
	for (size_t i = 0; i < h->n_addresses; i++) {
		struct wgf_prefix x = prefix_host(&h->addresses[i]);
		if (prefix_equal(&x, a))
			return true;
	}
	return false;
}

size_t model_host_index(const struct model *m, const struct model_host *h)
{
	if (m->n_hosts && h >= m->hosts && h < m->hosts + m->n_hosts)
		return (size_t)(h - m->hosts);
	for (size_t i = 0; i < m->n_hosts; i++)
		if (m->hosts[i].meta.name && !strcmp(m->hosts[i].meta.name, h->meta.name))
			return i;
	return MODEL_NONE;
}

const struct model_host *model_find_host_by_key(const struct model *m, const uint8_t pub[WG_KEY_LEN])
{
	for (size_t i = 0; i < m->n_hosts; i++)
		if (!memcmp(m->hosts[i].public_key, pub, WG_KEY_LEN))
			return &m->hosts[i];
	return NULL;
}
