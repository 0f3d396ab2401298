/* The settings that apply to an object (its own, its tenant's, its network's),
 * and lookups of sealed secrets. */
#include <string.h>

#include "model/model.h"

const struct model_dns *model_peer_dns(const struct model *m, const struct model_peer *p)
{
	static const struct model_dns none;

	if (p->dns.set)
		return &p->dns;
	if (p->tenant != MODEL_NONE && m->tenants[p->tenant].dns.set)
		return &m->tenants[p->tenant].dns;
	if (m->networks[p->network].dns.set)
		return &m->networks[p->network].dns;
	return &none;
}

static struct model_rotation rotation(const struct model *m, const struct model_rotation *own, size_t tenant,
				      size_t network)
{
	if (own->set)
		return *own;
	if (tenant != MODEL_NONE && m->tenants[tenant].rotation.set)
		return m->tenants[tenant].rotation;
	return m->networks[network].rotation;
}

struct model_rotation model_peer_rotation(const struct model *m, const struct model_peer *p)
{
	return rotation(m, &p->rotation, p->tenant, p->network);
}

struct model_rotation model_host_rotation(const struct model *m, const struct model_host *h)
{
	return rotation(m, &h->rotation, h->tenant, h->network);
}

const struct model_psk *model_peer_psk(const struct model_peer *p, size_t hub)
{
	for (size_t i = 0; i < p->n_psks; i++)
		if (p->psks[i].hub == hub)
			return &p->psks[i];
	return NULL;
}

const struct model_sealed *model_psk_sealed_to_host(const struct model_psk *psk, size_t host)
{
	for (size_t i = 0; i < psk->n_sealed; i++)
		if (psk->sealed[i].host == host)
			return &psk->sealed[i];
	return NULL;
}

const struct model_sealed *model_psk_sealed_to_operator(const struct model_psk *psk, size_t oper)
{
	for (size_t i = 0; i < psk->n_sealed; i++)
		if (psk->sealed[i].oper == oper)
			return &psk->sealed[i];
	return NULL;
}
