#include "model/model.h"

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

void model_free(struct model *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_networks; i++)
		meta_free(&m->networks[i].meta);
	for (size_t i = 0; i < m->n_hosts; i++) {
		meta_free(&m->hosts[i].meta);
		free(m->hosts[i].addresses);
		free(m->hosts[i].lans);
	}
	for (size_t i = 0; i < m->n_peers; i++) {
		meta_free(&m->peers[i].meta);
		free(m->peers[i].addresses);
		free(m->peers[i].lans);
		free(m->peers[i].hubs);
	}
	for (size_t i = 0; i < m->n_files; i++)
		free(m->files[i]);
	free(m->networks);
	free(m->hosts);
	free(m->peers);
	free(m->files);
	free(m->source);
	free(m->commit);
	free(m);
}

const struct model_host *model_find_host(const struct model *m, const char *name)
{
	for (size_t i = 0; i < m->n_hosts; i++)
		if (m->hosts[i].meta.name && !strcmp(m->hosts[i].meta.name, name))
			return &m->hosts[i];
	return NULL;
}

const struct model_host *model_find_host_by_key(const struct model *m, const uint8_t pub[WG_KEY_LEN])
{
	for (size_t i = 0; i < m->n_hosts; i++)
		if (!memcmp(m->hosts[i].public_key, pub, WG_KEY_LEN))
			return &m->hosts[i];
	return NULL;
}

const char *host_role_name(enum host_role r)
{
	switch (r) {
	case HOST_ROLE_MEMBER:
		return "member";
	case HOST_ROLE_HUB:
		return "hub";
	case HOST_ROLE_ROUTER:
		return "router";
	}
	return "unknown";
}
