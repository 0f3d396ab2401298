/* The universe of the reachability diff: what both models name (prefixes, label
 * selectors, significant Hosts and Peers) and the services to try. */
#include "render/reach_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GROW(v, n, cap) \
	((n) < (cap) ? 0 : rd_grow((void **)&(v), &(cap), sizeof(*(v))))

static int rd_grow(void **v, size_t *cap, size_t size)
{
	size_t n = *cap ? 2 * *cap : 16;
	void *p = realloc(*v, n * size);

	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = n;
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rd_name *)a)->name, ((const struct rd_name *)b)->name);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int index_names(struct rd_model *md)
{
	const struct model *m = md->m;

	md->hosts = calloc(m->n_hosts + 1, sizeof(*md->hosts));
	md->peers = calloc(m->n_peers + 1, sizeof(*md->peers));
	md->fw = calloc(m->n_networks + 1, sizeof(*md->fw));
	if (!md->hosts || !md->peers || !md->fw)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_hosts; i++)
		md->hosts[i] = (struct rd_name){ m->hosts[i].meta.name, i };
	for (size_t i = 0; i < m->n_peers; i++)
		md->peers[i] = (struct rd_name){ m->peers[i].meta.name, i };
	qsort(md->hosts, m->n_hosts, sizeof(*md->hosts), name_cmp);
	qsort(md->peers, m->n_peers, sizeof(*md->peers), name_cmp);
	return 0;
}

static int add_named(struct rd_ctx *c, const struct wgf_prefix *p)
{
	for (size_t i = 0; i < c->n_named; i++)
		if (prefix_equal(&c->named[i], p))
			return 0;
	if (GROW(c->named, c->n_named, c->cap_named) < 0)
		return -ENOMEM;
	c->named[c->n_named] = *p;
	prefix_mask(&c->named[c->n_named++]);
	return 0;
}

static int add_name(struct rd_ctx *c, const char *name)
{
	if (GROW(c->names, c->n_names, c->cap_names) < 0)
		return -ENOMEM;
	c->names[c->n_names++] = name;
	return 0;
}

static int add_service(struct rd_ctx *c, unsigned proto, uint16_t port, bool other)
{
	for (size_t i = 0; i < c->n_svc; i++)
		if (c->svc[i].proto == proto && c->svc[i].port == port)
			return 0;
	if (GROW(c->svc, c->n_svc, c->cap_svc) < 0)
		return -ENOMEM;
	c->svc[c->n_svc++] = (struct rd_svc){ proto, port, other };
	return 0;
}

static int selectors(struct rd_ctx *c, const struct model_selector *s, size_t n)
{
	int r = 0;

	for (size_t i = 0; i < n && r == 0; i++) {
		if (s[i].kind == SEL_CIDR)
			r = add_named(c, &s[i].cidr);
		else if (s[i].kind == SEL_PEER || s[i].kind == SEL_HOST)
			r = add_name(c, s[i].name);
		else if (s[i].kind == SEL_LABELS && !(r = GROW(c->lsel, c->n_lsel, c->cap_lsel)))
			c->lsel[c->n_lsel++] = &s[i];
	}
	return r;
}

/* Its peers may ask DNS on their exits (FW_DNS_PORT): a service to try. */
static bool has_internet_only(const struct model *m)
{
	for (size_t i = 0; m && i < m->n_peers; i++)
		if (m->peers[i].access == ACCESS_INTERNET_ONLY)
			return true;
	return false;
}

/* Rules' selectors and services, lan-only lists, hubs and forwarding hosts. */
static int scan_model(struct rd_ctx *c, const struct model *m)
{
	int r = 0;

	for (size_t i = 0; i < m->n_policies && r == 0; i++)
		for (size_t j = 0; j < m->policies[i].n_rules && r == 0; j++) {
			const struct model_rule *ru = &m->policies[i].rules[j];

			r = selectors(c, ru->from, ru->n_from);
			if (r == 0)
				r = selectors(c, ru->to, ru->n_to);
			for (size_t k = 0; k < ru->n_ports && r == 0; k++)
				for (unsigned p = FW_PROTO_TCP; p <= FW_PROTO_UDP && r == 0; p <<= 1)
					if (ru->protos & p) {
						r = add_service(c, p, ru->ports[k].lo, false);
						if (r == 0)
							r = add_service(c, p, ru->ports[k].hi, false);
					}
		}
	for (size_t i = 0; i < m->n_peers && r == 0; i++) {
		const struct model_peer *p = &m->peers[i];

		for (size_t k = 0; k < p->n_access_lans && r == 0; k++)
			r = add_named(c, &p->access_lans[k]);
		for (size_t k = 0; k < p->n_hubs && r == 0; k++)
			r = add_name(c, m->hosts[p->hubs[k]].meta.name);
	}
	if (r == 0 && has_internet_only(m) && (r = add_service(c, FW_PROTO_TCP, FW_DNS_PORT, false)) == 0)
		r = add_service(c, FW_PROTO_UDP, FW_DNS_PORT, false);
	for (size_t i = 0; i < m->n_hosts && r == 0; i++) {
		const struct model_host *h = &m->hosts[i];

		if (host_role_takes_peers(h->role) || h->n_forwards)
			r = add_name(c, h->meta.name);
		/* a forward is tried on its first service (as its endpoint is) */
		for (size_t k = 0; k < h->n_forwards && r == 0; k++)
			r = add_service(c, h->forwards[k].protos & FW_PROTO_TCP ? FW_PROTO_TCP : FW_PROTO_UDP,
					h->forwards[k].ports.lo, false);
	}
	return r;
}

static bool port_named(const struct rd_ctx *c, const struct model *m, uint16_t port)
{
	if (port == FW_DNS_PORT && has_internet_only(m))
		return true;
	for (size_t i = 0; m && i < m->n_policies; i++)
		for (size_t j = 0; j < m->policies[i].n_rules; j++) {
			const struct model_rule *ru = &m->policies[i].rules[j];

			for (size_t k = 0; k < ru->n_ports; k++)
				if (port >= ru->ports[k].lo && port <= ru->ports[k].hi)
					return true;
		}
	return false;
}

static int svc_cmp(const void *a, const void *b)
{
	const struct rd_svc *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return (x->port > y->port) - (x->port < y->port);
}

/* "other": the first port that no rule of either model names. */
static int services(struct rd_ctx *c)
{
	uint32_t other = 1;
	int r = 0;

	while (other <= 65535 && (port_named(c, c->md[0].m, (uint16_t)other) ||
				   port_named(c, c->md[1].m, (uint16_t)other)))
		other++;
	if (other <= 65535) {
		r = add_service(c, FW_PROTO_TCP, (uint16_t)other, true);
		if (r == 0)
			r = add_service(c, FW_PROTO_UDP, (uint16_t)other, true);
	}
	if (r == 0)
		r = add_service(c, FW_PROTO_ICMP, 0, false);
	qsort(c->svc, c->n_svc, sizeof(*c->svc), svc_cmp);
	return r;
}

int rd_ctx_init(struct rd_ctx *c, const struct model *base, const struct model *head)
{
	int r = 0;

	c->md[RD_BASE].m = base;
	c->md[RD_HEAD].m = head;
	for (int mi = 0; mi < 2 && r == 0; mi++)
		if (c->md[mi].m) {
			r = index_names(&c->md[mi]);
			if (r == 0)
				r = scan_model(c, c->md[mi].m);
		}
	if (r == 0)
		r = services(c);
	if (r == 0 && c->n_names) {
		size_t w = 1;

		qsort(c->names, c->n_names, sizeof(*c->names), str_cmp);
		for (size_t i = 1; i < c->n_names; i++)
			if (strcmp(c->names[i], c->names[w - 1]))
				c->names[w++] = c->names[i];
		c->n_names = w;
	}
	return r;
}

void rd_ctx_free(struct rd_ctx *c)
{
	for (int mi = 0; mi < 2; mi++) {
		struct rd_model *md = &c->md[mi];

		for (size_t i = 0; md->fw && i < md->m->n_networks; i++)
			fw_network_free(md->fw[i]);
		free(md->fw);
		free(md->hosts);
		free(md->peers);
	}
	for (size_t i = 0; i < c->n_ep; i++)
		free(c->ep[i].key);
	free(c->ep);
	free(c->named);
	free(c->lsel);
	free(c->names);
	free(c->svc);
	free(c->grp);
}
