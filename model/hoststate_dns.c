/* The DNS part of HostState (model/hoststate.h). */
#include "model/hoststate.h"
#include "model/hoststate_grow.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct hs_dns *hoststate_add_dns(struct host_state *hs, const char *ifname)
{
	struct hs_dns *d;

	if (strlen(ifname) >= IFNAMSIZ)
		return NULL;
	if (hs_grow((void **)&hs->dns, &hs->n_dns, sizeof(*hs->dns)) < 0)
		return NULL;
	d = &hs->dns[hs->n_dns - 1];
	strcpy(d->ifname, ifname);
	return d;
}

int hs_dns_add_server(struct hs_dns *d, const struct wgf_prefix *server)
{
	int r = hs_grow((void **)&d->servers, &d->n_servers, sizeof(*d->servers));

	if (r < 0)
		return r;
	d->servers[d->n_servers - 1] = *server;
	return 0;
}

static int add_string(char ***v, size_t *n, const char *s)
{
	char *dup = strdup(s);

	if (!dup || hs_grow((void **)v, n, sizeof(**v)) < 0) {
		free(dup);
		return -ENOMEM;
	}
	(*v)[*n - 1] = dup;
	return 0;
}

int hs_dns_add_search(struct hs_dns *d, const char *domain)
{
	return add_string(&d->search, &d->n_search, domain);
}

int hs_dns_add_routing(struct hs_dns *d, const char *domain)
{
	return add_string(&d->routing, &d->n_routing, domain);
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void hs_dns_clear(struct hs_dns *d)
{
	free(d->servers);
	strv_free(d->search, d->n_search);
	strv_free(d->routing, d->n_routing);
	free(d->origin);
	memset(d, 0, sizeof(*d));
}

void hoststate_dns_free(struct host_state *hs)
{
	for (size_t i = 0; i < hs->n_dns; i++)
		hs_dns_clear(&hs->dns[i]);
	free(hs->dns);
	hs->dns = NULL;
	hs->n_dns = 0;
}

int hs_dns_copy(struct hs_dns *dst, const struct hs_dns *src)
{
	memcpy(dst->ifname, src->ifname, sizeof(dst->ifname));
	dst->default_route = src->default_route;
	for (size_t i = 0; i < src->n_servers; i++)
		if (hs_dns_add_server(dst, &src->servers[i]) < 0)
			goto fail;
	for (size_t i = 0; i < src->n_search; i++)
		if (hs_dns_add_search(dst, src->search[i]) < 0)
			goto fail;
	for (size_t i = 0; i < src->n_routing; i++)
		if (hs_dns_add_routing(dst, src->routing[i]) < 0)
			goto fail;
	if (src->origin && !(dst->origin = strdup(src->origin)))
		goto fail;
	return 0;
fail:
	hs_dns_clear(dst);
	return -ENOMEM;
}

static int dns_cmp(const void *a, const void *b)
{
	return strcmp(((const struct hs_dns *)a)->ifname, ((const struct hs_dns *)b)->ifname);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void hoststate_normalize_dns(struct host_state *hs)
{
	for (size_t i = 0; i < hs->n_dns; i++) {
		struct hs_dns *d = &hs->dns[i];
		size_t n = 0;

		if (d->n_routing > 1)
			qsort(d->routing, d->n_routing, sizeof(*d->routing), str_cmp);
		for (size_t j = 0; j < d->n_routing; j++) {
			if (n && !strcmp(d->routing[n - 1], d->routing[j]))
				free(d->routing[j]);
			else
				d->routing[n++] = d->routing[j];
		}
		d->n_routing = n;
	}
	if (hs->n_dns > 1)
		qsort(hs->dns, hs->n_dns, sizeof(*hs->dns), dns_cmp);
}

struct hs_dns *hoststate_find_dns(const struct host_state *hs, const char *ifname)
{
	struct hs_dns key;

	if (hs->n_dns == 0 || strlen(ifname) >= IFNAMSIZ)
		return NULL;
	strcpy(key.ifname, ifname);
	return bsearch(&key, hs->dns, hs->n_dns, sizeof(*hs->dns), dns_cmp);
}

static bool strv_equal(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]))
			return false;
	return true;
}

bool hs_dns_equal(const struct hs_dns *a, const struct hs_dns *b)
{
	if (a->n_servers != b->n_servers || a->default_route != b->default_route)
		return false;
	for (size_t i = 0; i < a->n_servers; i++)
		if (prefix_cmp(&a->servers[i], &b->servers[i]))
			return false;
	return strv_equal(a->search, a->n_search, b->search, b->n_search) &&
	       strv_equal(a->routing, a->n_routing, b->routing, b->n_routing);
}

static const char *const route_names[] = {
	[HS_DNS_ROUTE_AUTO] = "auto", [HS_DNS_ROUTE_YES] = "yes", [HS_DNS_ROUTE_NO] = "no",
};

static const char *const manager_names[] = {
	[HS_DNS_MANAGER_UNKNOWN] = "unknown", [HS_DNS_MANAGER_NONE] = "none",
	[HS_DNS_MANAGER_RESOLVED] = "systemd-resolved", [HS_DNS_MANAGER_RESOLVCONF] = "resolvconf",
};

static int from_name(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (!strcmp(names[i], s))
			return (int)i;
	return -1;
}

enum hs_dns_route hs_dns_route_effective(const struct hs_dns *d)
{
	if (d->default_route != HS_DNS_ROUTE_AUTO)
		return d->default_route;
	if (!d->n_servers)
		return HS_DNS_ROUTE_NO;
	for (size_t i = 0; i < d->n_routing; i++)
		if (!d->routing[i][0] || !strcmp(d->routing[i], "."))
			return HS_DNS_ROUTE_YES;
	return d->n_routing ? HS_DNS_ROUTE_NO : HS_DNS_ROUTE_YES;
}

const char *hs_dns_route_name(enum hs_dns_route r)
{
	return (size_t)r < sizeof(route_names) / sizeof(route_names[0]) ? route_names[r] : "?";
}

int hs_dns_route_from_name(const char *s)
{
	return from_name(route_names, sizeof(route_names) / sizeof(route_names[0]), s);
}

const char *hs_dns_manager_name(enum hs_dns_manager m)
{
	return (size_t)m < sizeof(manager_names) / sizeof(manager_names[0]) ? manager_names[m] : "?";
}

int hs_dns_manager_from_name(const char *s)
{
	return from_name(manager_names, sizeof(manager_names) / sizeof(manager_names[0]), s);
}
