#include "model/hoststate.h"
#include "model/hoststate_grow.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/seal.h"

_Static_assert(HS_PSK_ID_LEN == SEAL_ID_LEN, "a PSK's id is seal_psk_id's");

struct host_state *hoststate_new(void)
{
	return calloc(1, sizeof(struct host_state));
}

void hs_peer_clear(struct hs_peer *p)
{
	free(p->name);
	free(p->allowed_ips);
	free(p->psk_sealed);
	sodium_memzero(p, sizeof(*p));
}

void hs_device_clear(struct hs_device *d)
{
	for (size_t i = 0; i < d->n_peers; i++)
		hs_peer_clear(&d->peers[i]);
	free(d->peers);
	free(d->addresses);
	sodium_memzero(d, sizeof(*d));
}

void hoststate_free(struct host_state *hs)
{
	if (!hs)
		return;
	for (size_t i = 0; i < hs->n_devices; i++)
		hs_device_clear(&hs->devices[i]);
	free(hs->devices);
	free(hs->routes);
	free(hs->rules);
	for (size_t i = 0; i < hs->n_sysctls; i++) {
		free(hs->sysctls[i].key);
		free(hs->sysctls[i].value);
	}
	free(hs->sysctls);
	hs_firewall_clear(&hs->firewall);
	hoststate_dns_free(hs);
	free(hs->host_name);
	free(hs);
}

void hs_firewall_clear(struct hs_firewall *fw)
{
	for (size_t i = 0; i < fw->n_items; i++) {
		free(fw->items[i].key);
		free(fw->items[i].value);
	}
	free(fw->items);
	free(fw->body);
	memset(fw, 0, sizeof(*fw));
}

int hs_firewall_add_item(struct hs_firewall *fw, const char *key, const char *value)
{
	struct hs_fw_item *it;
	int r = hs_grow((void **)&fw->items, &fw->n_items, sizeof(*fw->items));

	if (r < 0)
		return r;
	it = &fw->items[fw->n_items - 1];
	it->key = strdup(key);
	it->value = strdup(value);
	if (!it->key || !it->value)
		return -ENOMEM;
	return 0;
}

struct hs_device *hoststate_add_device(struct host_state *hs, const char *ifname)
{
	struct hs_device *d;

	if (strlen(ifname) >= IFNAMSIZ)
		return NULL;
	if (hs_grow((void **)&hs->devices, &hs->n_devices, sizeof(*hs->devices)) < 0)
		return NULL;
	d = &hs->devices[hs->n_devices - 1];
	strcpy(d->ifname, ifname);
	return d;
}

struct hs_peer *hs_device_add_peer(struct hs_device *d)
{
	if (hs_grow((void **)&d->peers, &d->n_peers, sizeof(*d->peers)) < 0)
		return NULL;
	return &d->peers[d->n_peers - 1];
}

int hs_device_add_address(struct hs_device *d, const struct wgf_prefix *p)
{
	int r = hs_grow((void **)&d->addresses, &d->n_addresses, sizeof(*d->addresses));

	if (r < 0)
		return r;
	d->addresses[d->n_addresses - 1] = *p;
	return 0;
}

int hs_peer_add_allowed_ip(struct hs_peer *p, const struct wgf_prefix *ip)
{
	int r = hs_grow((void **)&p->allowed_ips, &p->n_allowed_ips, sizeof(*p->allowed_ips));

	if (r < 0)
		return r;
	p->allowed_ips[p->n_allowed_ips - 1] = *ip;
	return 0;
}

int hoststate_add_route(struct host_state *hs, const struct hs_route *rt)
{
	int r = hs_grow((void **)&hs->routes, &hs->n_routes, sizeof(*hs->routes));

	if (r < 0)
		return r;
	hs->routes[hs->n_routes - 1] = *rt;
	return 0;
}

int hoststate_add_rule(struct host_state *hs, const struct hs_rule *rule)
{
	int r = hs_grow((void **)&hs->rules, &hs->n_rules, sizeof(*hs->rules));

	if (r < 0)
		return r;
	hs->rules[hs->n_rules - 1] = *rule;
	return 0;
}

int hoststate_add_sysctl(struct host_state *hs, const char *key, const char *value)
{
	struct hs_sysctl *s;
	int r = hs_grow((void **)&hs->sysctls, &hs->n_sysctls, sizeof(*hs->sysctls));

	if (r < 0)
		return r;
	s = &hs->sysctls[hs->n_sysctls - 1];
	s->key = strdup(key);
	s->value = strdup(value);
	if (!s->key || !s->value)
		return -ENOMEM;
	return 0;
}

int hs_peer_cmp(const void *a, const void *b)
{
	return memcmp(((const struct hs_peer *)a)->public_key, ((const struct hs_peer *)b)->public_key, WG_KEY_LEN);
}

static int device_cmp(const void *a, const void *b)
{
	return strcmp(((const struct hs_device *)a)->ifname, ((const struct hs_device *)b)->ifname);
}

int hs_route_cmp(const void *pa, const void *pb)
{
	const struct hs_route *a = pa, *b = pb;
	int r = strcmp(a->ifname, b->ifname);

	if (r)
		return r;
	if (a->table != b->table)
		return a->table < b->table ? -1 : 1;
	return prefix_cmp(&a->dst, &b->dst);
}

static int u32_cmp(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

int hs_rule_cmp(const void *pa, const void *pb)
{
	const struct hs_rule *a = pa, *b = pb;
	int r;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if ((r = u32_cmp(a->priority, b->priority)) || (r = prefix_cmp(&a->src, &b->src)) ||
	    (r = prefix_cmp(&a->dst, &b->dst)) || (r = strcmp(a->iifname, b->iifname)) ||
	    (r = u32_cmp(a->has_fwmark, b->has_fwmark)) || (r = u32_cmp(a->invert, b->invert)) ||
	    (r = u32_cmp(a->fwmark, b->fwmark)) || (r = u32_cmp(a->fwmask, b->fwmask)) ||
	    (r = u32_cmp(a->table, b->table)))
		return r;
	return a->suppress_prefixlen < b->suppress_prefixlen ? -1 : a->suppress_prefixlen > b->suppress_prefixlen;
}

void hs_rule_normalize(struct hs_rule *r)
{
	r->src.family = r->dst.family = (uint8_t)r->family;
	prefix_mask(&r->src);
	prefix_mask(&r->dst);
	if (!r->has_fwmark)
		r->fwmark = r->fwmask = 0;
	if (r->fwmask == UINT32_MAX)
		r->fwmask = 0;
	if (r->suppress_prefixlen < 0)
		r->suppress_prefixlen = -1;
	r->iifname[IFNAMSIZ - 1] = '\0';
}

static size_t rules_sort_unique(struct hs_rule *v, size_t n)
{
	size_t j = 0;

	for (size_t i = 0; i < n; i++)
		hs_rule_normalize(&v[i]);
	if (n > 1)
		qsort(v, n, sizeof(*v), hs_rule_cmp);
	for (size_t i = 0; i < n; i++)
		if (!j || hs_rule_cmp(&v[j - 1], &v[i]))
			v[j++] = v[i];
	return j;
}

static int sysctl_cmp(const void *a, const void *b)
{
	return strcmp(((const struct hs_sysctl *)a)->key, ((const struct hs_sysctl *)b)->key);
}

static int fw_item_cmp(const void *a, const void *b)
{
	return strcmp(((const struct hs_fw_item *)a)->key, ((const struct hs_fw_item *)b)->key);
}

void hoststate_normalize(struct host_state *hs)
{
	for (size_t i = 0; i < hs->n_devices; i++) {
		struct hs_device *d = &hs->devices[i];
		for (size_t j = 0; j < d->n_peers; j++) {
			struct hs_peer *p = &d->peers[j];
			p->n_allowed_ips = prefix_sort_unique(p->allowed_ips, p->n_allowed_ips);
			if (p->has_psk && !p->psk_withheld && key_is_zero(p->psk))
				p->has_psk = p->has_psk_id = false;
		}
		if (d->n_peers > 1)
			qsort(d->peers, d->n_peers, sizeof(*d->peers), hs_peer_cmp);
		d->n_addresses = prefix_sort_unique(d->addresses, d->n_addresses);
	}
	if (hs->n_devices > 1)
		qsort(hs->devices, hs->n_devices, sizeof(*hs->devices), device_cmp);
	for (size_t i = 0; i < hs->n_routes; i++)
		if (!hs->routes[i].has_prefsrc)
			memset(&hs->routes[i].prefsrc, 0, sizeof(hs->routes[i].prefsrc));
	if (hs->n_routes > 1)
		qsort(hs->routes, hs->n_routes, sizeof(*hs->routes), hs_route_cmp);
	hs->n_rules = rules_sort_unique(hs->rules, hs->n_rules);
	if (hs->n_sysctls > 1)
		qsort(hs->sysctls, hs->n_sysctls, sizeof(*hs->sysctls), sysctl_cmp);
	if (hs->firewall.n_items > 1)
		qsort(hs->firewall.items, hs->firewall.n_items, sizeof(*hs->firewall.items), fw_item_cmp);
	hoststate_normalize_dns(hs);
}

bool hs_peer_psk_id(const struct hs_peer *p, uint8_t id[HS_PSK_ID_LEN])
{
	if (!p->has_psk)
		return false;
	if (p->has_psk_id) {
		memcpy(id, p->psk_id, HS_PSK_ID_LEN);
		return true;
	}
	if (p->psk_withheld)
		return false;
	seal_psk_id(p->psk, id);
	return true;
}

void hoststate_fill_psk_ids(struct host_state *hs)
{
	for (size_t i = 0; i < hs->n_devices; i++)
		for (size_t j = 0; j < hs->devices[i].n_peers; j++) {
			struct hs_peer *p = &hs->devices[i].peers[j];

			p->has_psk_id = hs_peer_psk_id(p, p->psk_id);
		}
}

struct hs_device *hoststate_find_device(const struct host_state *hs, const char *ifname)
{
	struct hs_device key;

	if (hs->n_devices == 0 || strlen(ifname) >= IFNAMSIZ)
		return NULL;
	strcpy(key.ifname, ifname);
	return bsearch(&key, hs->devices, hs->n_devices, sizeof(*hs->devices), device_cmp);
}

struct hs_peer *hs_device_find_peer(const struct hs_device *d, const uint8_t pub[WG_KEY_LEN])
{
	struct hs_peer key;

	if (d->n_peers == 0)
		return NULL;
	memcpy(key.public_key, pub, WG_KEY_LEN);
	return bsearch(&key, d->peers, d->n_peers, sizeof(*d->peers), hs_peer_cmp);
}

/* Capacity rounded up to a power of two, so grow() may append to the copy. */
static void *dup_array(const void *src, size_t n, size_t elem)
{
	size_t cap = 1;
	void *p;

	if (!n)
		return NULL;
	while (cap < n)
		cap *= 2;
	p = malloc(cap * elem);
	if (p)
		memcpy(p, src, n * elem);
	return p;
}

struct host_state *hoststate_dup(const struct host_state *hs)
{
	struct host_state *c = hoststate_new();

	if (!c)
		return NULL;
	if (hs->host_name && !(c->host_name = strdup(hs->host_name)))
		goto fail;
	c->devices = dup_array(hs->devices, hs->n_devices, sizeof(*hs->devices));
	if (hs->n_devices && !c->devices)
		goto fail;
	for (size_t i = 0; i < hs->n_devices; i++) {
		struct hs_device *d = &c->devices[i];
		d->peers = NULL;
		d->addresses = NULL;
		d->n_peers = 0;
		d->n_addresses = 0;
	}
	c->n_devices = hs->n_devices;
	for (size_t i = 0; i < hs->n_devices; i++) {
		const struct hs_device *s = &hs->devices[i];
		struct hs_device *d = &c->devices[i];
		d->addresses = dup_array(s->addresses, s->n_addresses, sizeof(*s->addresses));
		if (s->n_addresses && !d->addresses)
			goto fail;
		d->n_addresses = s->n_addresses;
		d->peers = dup_array(s->peers, s->n_peers, sizeof(*s->peers));
		if (s->n_peers && !d->peers)
			goto fail;
		for (size_t j = 0; j < s->n_peers; j++) {
			struct hs_peer *p = &d->peers[j];
			*p = s->peers[j];
			p->name = NULL;
			p->allowed_ips = NULL;
			p->psk_sealed = NULL;
			d->n_peers++;
			if (s->peers[j].name && !(p->name = strdup(s->peers[j].name)))
				goto fail;
			if (s->peers[j].psk_sealed && !(p->psk_sealed = strdup(s->peers[j].psk_sealed)))
				goto fail;
			p->allowed_ips = dup_array(s->peers[j].allowed_ips, s->peers[j].n_allowed_ips,
						   sizeof(*p->allowed_ips));
			if (p->n_allowed_ips && !p->allowed_ips)
				goto fail;
		}
	}
	c->routes = dup_array(hs->routes, hs->n_routes, sizeof(*hs->routes));
	if (hs->n_routes && !c->routes)
		goto fail;
	c->n_routes = hs->n_routes;
	c->rules = dup_array(hs->rules, hs->n_rules, sizeof(*hs->rules));
	if (hs->n_rules && !c->rules)
		goto fail;
	c->n_rules = hs->n_rules;
	for (size_t i = 0; i < hs->n_sysctls; i++)
		if (hoststate_add_sysctl(c, hs->sysctls[i].key, hs->sysctls[i].value) < 0)
			goto fail;
	c->firewall.present = hs->firewall.present;
	if (hs->firewall.body && !(c->firewall.body = strdup(hs->firewall.body)))
		goto fail;
	for (size_t i = 0; i < hs->firewall.n_items; i++)
		if (hs_firewall_add_item(&c->firewall, hs->firewall.items[i].key,
					 hs->firewall.items[i].value) < 0)
			goto fail;
	for (size_t i = 0; i < hs->n_dns; i++) {
		struct hs_dns *d = hoststate_add_dns(c, hs->dns[i].ifname);
		if (!d || hs_dns_copy(d, &hs->dns[i]) < 0)
			goto fail;
	}
	c->dns_manager = hs->dns_manager;
	return c;
fail:
	hoststate_free(c);
	return NULL;
}

bool hs_route_satisfies(const struct hs_route *want, const struct hs_route *have,
			const struct host_state *desired)
{
	if (have->table != want->table || !prefix_equal(&have->dst, &want->dst))
		return false;
	if (have->type != HS_ROUTE_UNICAST)
		return true;
	return have->ifname[0] && hoststate_find_device(desired, have->ifname);
}

static const char *const route_type_names[] = {
	[HS_ROUTE_UNICAST] = "unicast", [HS_ROUTE_BLACKHOLE] = "blackhole", [HS_ROUTE_THROW] = "throw",
};

const char *hs_route_type_name(enum hs_route_type t)
{
	return (unsigned)t < sizeof(route_type_names) / sizeof(route_type_names[0]) ? route_type_names[t] : "unknown";
}

int hs_route_type_from_name(const char *s)
{
	for (size_t i = 0; s && i < sizeof(route_type_names) / sizeof(route_type_names[0]); i++)
		if (!strcmp(route_type_names[i], s))
			return (int)i;
	return -1;
}

char *hs_rule_format(const struct hs_rule *r, char buf[HS_RULE_STRLEN])
{
	char src[PREFIX_STRLEN], dst[PREFIX_STRLEN], mark[40] = "", table[24];
	int n;

	if (r->has_fwmark && r->fwmask && r->fwmask != UINT32_MAX)
		snprintf(mark, sizeof(mark), " fwmark %#x/%#x", r->fwmark, r->fwmask);
	else if (r->has_fwmark)
		snprintf(mark, sizeof(mark), " fwmark %#x", r->fwmark);
	if (r->table == HS_ROUTE_TABLE_MAIN)
		snprintf(table, sizeof(table), "main");
	else
		snprintf(table, sizeof(table), "%u", r->table);
	n = snprintf(buf, HS_RULE_STRLEN, "%u: %sfrom %s%s%s%s%s%s lookup %s", r->priority, r->invert ? "not " : "",
		     r->src.len ? prefix_format(&r->src, src) : "all", r->dst.len ? " to " : "",
		     r->dst.len ? prefix_format(&r->dst, dst) : "", r->iifname[0] ? " iif " : "", r->iifname, mark, table);
	if (n >= 0 && n < HS_RULE_STRLEN && r->suppress_prefixlen >= 0)
		n += snprintf(buf + n, HS_RULE_STRLEN - (size_t)n, " suppress_prefixlength %d", r->suppress_prefixlen);
	if (n >= 0 && n < HS_RULE_STRLEN && !r->src.len && !r->dst.len)
		snprintf(buf + n, HS_RULE_STRLEN - (size_t)n, " (%s)", r->family == AF_INET6 ? "IPv6" : "IPv4");
	return buf;
}

static const char *const backend_names[] = {
	[HS_BACKEND_AUTO] = "auto", [HS_BACKEND_KERNEL] = "kernel", [HS_BACKEND_USERSPACE] = "userspace",
};

const char *hs_backend_name(enum hs_backend b)
{
	return (unsigned)b < sizeof(backend_names) / sizeof(backend_names[0]) ? backend_names[b] : "unknown";
}

int hs_backend_from_name(const char *s)
{
	for (size_t i = 0; s && i < sizeof(backend_names) / sizeof(backend_names[0]); i++)
		if (!strcmp(backend_names[i], s))
			return (int)i;
	return -1;
}
