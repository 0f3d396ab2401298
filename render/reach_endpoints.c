/* The endpoints of the reachability diff, each with the key that groups it. */
#include "render/reach_int.h"
#include "render/render.h"
#include "model/str.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LAN_CELLS_MAX 64

static const int families[] = { AF_INET, AF_INET6 };

static int rd_name_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct rd_name *)elem)->name);
}

static int str_key_cmp(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

/* The index of the Host (or Peer) called name in model mi, or MODEL_NONE. */
static size_t find(const struct rd_ctx *c, int mi, const char *name, bool is_host)
{
	const struct rd_model *md = &c->md[mi];
	const struct rd_name *f;

	if (!md->m)
		return MODEL_NONE;
	f = bsearch(name, is_host ? md->hosts : md->peers, is_host ? md->m->n_hosts : md->m->n_peers,
		    sizeof(struct rd_name), rd_name_cmp);
	return f ? f->i : MODEL_NONE;
}

static bool significant(const struct rd_ctx *c, const char *name)
{
	return c->n_names && bsearch(name, c->names, c->n_names, sizeof(*c->names), str_key_cmp);
}

static bool carries(const struct model_meta *meta, const struct model_selector *s)
{
	for (size_t i = 0; i < s->n_labels; i++) {
		size_t j;

		for (j = 0; j < meta->n_labels; j++)
			if (!strcmp(meta->labels[j].key, s->labels[i].key) &&
			    !strcmp(meta->labels[j].value, s->labels[i].value))
				break;
		if (j == meta->n_labels)
			return false;
	}
	return true;
}

/* What one principal is in one model, as far as the evaluator cares. */
struct rd_obj {
	const struct model *m;
	const struct model_meta *meta;
	size_t net, tenant;
	const struct wgf_prefix *addrs, *lans;
	size_t n_addrs, n_lans;
	char *key;                     /* without the address's bits */
};

static char *peer_key(const struct rd_ctx *c, const struct model *m, const struct model_peer *p)
{
	char *s = NULL, buf[PREFIX_STRLEN];
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return NULL;
	fprintf(f, "P|%s|%s|%s|", m->networks[p->network].meta.name, p->tenant == MODEL_NONE ? "" :
		m->tenants[p->tenant].meta.name, access_level_name(p->access));
	for (size_t i = 0; i < p->n_access_lans; i++)
		fprintf(f, "%s,", prefix_format(&p->access_lans[i], buf));
	if (p->access == ACCESS_INTERNET_ONLY && model_peer_dns(m, p)) {
		const struct model_dns *dns = model_peer_dns(m, p);

		fputs("|dns=", f);
		for (size_t i = 0; i < dns->n_servers; i++)
			fprintf(f, "%s,", prefix_format(&dns->servers[i], buf));
	}
	fputs("|hubs=", f);
	for (size_t i = 0; i < p->n_hubs; i++)
		fprintf(f, "%s,", m->hosts[p->hubs[i]].meta.name);
	fprintf(f, "|%s|", significant(c, p->meta.name) ? p->meta.name : "");
	for (size_t i = 0; i < c->n_lsel; i++)
		fputc(carries(&p->meta, c->lsel[i]) ? '1' : '0', f);
	return fclose(f) ? (free(s), NULL) : s;
}

static char *host_key(const struct rd_ctx *c, const struct model *m, const struct model_host *h)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return NULL;
	fprintf(f, "H|%s|%s|%s|%s|", m->networks[h->network].meta.name, h->tenant == MODEL_NONE ? "" :
		m->tenants[h->tenant].meta.name, host_role_name(h->role),
		significant(c, h->meta.name) ? h->meta.name : "");
	for (size_t i = 0; i < c->n_lsel; i++)
		fputc(carries(&h->meta, c->lsel[i]) ? '1' : '0', f);
	return fclose(f) ? (free(s), NULL) : s;
}

/* Fills o for the principal in model mi; o->m NULL when it is not there (or not active). */
static int obj_get(const struct rd_ctx *c, int mi, const char *name, bool is_host, struct rd_obj *o)
{
	const struct model *m = c->md[mi].m;
	size_t i = find(c, mi, name, is_host);

	memset(o, 0, sizeof(*o));
	if (i == MODEL_NONE)
		return 0;
	if (is_host) {
		const struct model_host *h = &m->hosts[i];

		*o = (struct rd_obj){ m, &h->meta, h->network, h->tenant, h->addresses, h->lans,
				      h->n_addresses, h->n_lans, host_key(c, m, h) };
	} else {
		const struct model_peer *p = &m->peers[i];

		if (!render_peer_active(p, c->now))
			return 0;
		*o = (struct rd_obj){ m, &p->meta, p->network, p->tenant, p->addresses, p->lans,
				      p->n_addresses, p->n_lans, peer_key(c, m, p) };
	}
	return o->key ? 0 : -ENOMEM;
}

static const struct wgf_prefix *first_of(const struct wgf_prefix *v, size_t n, int family)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].family == family)
			return &v[i];
	return NULL;
}

static bool in_any(const struct wgf_prefix *v, size_t n, const struct wgf_prefix *a)
{
	for (size_t i = 0; i < n; i++)
		if (prefix_contains(&v[i], a))
			return true;
	return false;
}

static bool has_equal(const struct wgf_prefix *v, size_t n, const struct wgf_prefix *p)
{
	for (size_t i = 0; i < n; i++)
		if (prefix_equal(&v[i], p))
			return true;
	return false;
}

static struct rd_ep *new_ep(struct rd_ctx *c)
{
	if (c->n_ep == c->cap_ep) {
		size_t cap = c->cap_ep ? 2 * c->cap_ep : 64;
		void *p = realloc(c->ep, cap * sizeof(*c->ep));

		if (!p)
			return NULL;
		c->ep = p;
		c->cap_ep = cap;
	}
	memset(&c->ep[c->n_ep], 0, sizeof(*c->ep));
	c->ep[c->n_ep].order = c->n_ep;
	return &c->ep[c->n_ep++];
}

/* The key: kind and family, then per model the principal's key and which named
 * prefixes hold the address ("-" where it is absent). */
static int ep_key(struct rd_ctx *c, struct rd_ep *e, const struct rd_obj o[2])
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return -ENOMEM;
	fprintf(f, "%d|%d", e->kind, e->family);
	if (c->each)
		fprintf(f, "|%zu", e->order);
	for (int mi = 0; mi < 2; mi++) {
		fputc('#', f);
		if (!e->present[mi]) {
			fputc('-', f);
			continue;
		}
		fprintf(f, "%s|", o[mi].key);
		for (size_t i = 0; i < c->n_named; i++)
			fputc(prefix_contains(&c->named[i], &e->addr[mi]) ? '1' : '0', f);
	}
	if (fclose(f))
		return free(s), -ENOMEM;
	e->key = s;
	return 0;
}

static struct rd_ep *principal_ep(struct rd_ctx *c, enum reach_kind kind, const char *name, bool is_host,
				  int family, const struct rd_obj o[2])
{
	struct rd_ep *e = new_ep(c);

	if (!e)
		return NULL;
	e->kind = kind;
	e->owner = name;
	e->is_host = is_host;
	e->family = (uint8_t)family;
	for (int mi = 0; mi < 2; mi++)
		e->net[mi] = o[mi].m ? o[mi].net : MODEL_NONE;
	e->tenant = o[1].m ? rd_tenant(o[1].m, o[1].tenant) : o[0].m ? rd_tenant(o[0].m, o[0].tenant) : NULL;
	return e;
}

/* The address k after p's network address, if it is still in p. */
static bool addr_at(const struct wgf_prefix *p, unsigned k, struct wgf_prefix *out)
{
	size_t n = prefix_addr_len(p->family);
	unsigned carry = k;

	*out = *p;
	prefix_mask(out);
	out->len = (uint8_t)prefix_max_len(p->family);
	for (size_t i = n; i-- > 0 && carry;) {
		carry += out->addr[i];
		out->addr[i] = (uint8_t)carry;
		carry >>= 8;
	}
	return !carry && prefix_contains(p, out);
}

/* One address per named prefix inside lan, and one outside all of them. */
static size_t lan_cells(const struct rd_ctx *c, const struct wgf_prefix *lan, struct wgf_prefix *cell)
{
	struct wgf_prefix inside[LAN_CELLS_MAX];
	size_t n = 0, ni = 0;

	for (size_t i = 0; i < c->n_named && ni < LAN_CELLS_MAX - 1; i++)
		if (c->named[i].family == lan->family && c->named[i].len > lan->len &&
		    prefix_contains(lan, &c->named[i]))
			inside[ni++] = c->named[i];
	for (size_t i = 0; i < ni; i++)
		if (addr_at(&inside[i], inside[i].len == prefix_max_len(lan->family) ? 0 : 1, &cell[n]))
			n++;
	/* the first address of a LAN is often its router's own: the second is a host in it */
	unsigned room = prefix_max_len(lan->family) - lan->len;

	for (unsigned k = room >= 2 ? 2 : room; k <= LAN_CELLS_MAX; k++) {
		if (!addr_at(lan, k, &cell[n]))
			break;
		if (!in_any(inside, ni, &cell[n])) {
			n++;
			break;
		}
	}
	return n;
}

static int lan_eps(struct rd_ctx *c, const char *name, bool is_host, const struct rd_obj o[2])
{
	struct wgf_prefix cell[LAN_CELLS_MAX + 1];
	int r = 0;

	for (int mi = 0; mi < 2 && r == 0; mi++)
		for (size_t l = 0; l < o[mi].n_lans && r == 0; l++) {
			const struct wgf_prefix *lan = &o[mi].lans[l];
			size_t n;

			if (mi == RD_HEAD && has_equal(o[0].lans, o[0].n_lans, lan))
				continue;   /* done from base */
			n = lan_cells(c, lan, cell);
			for (size_t k = 0; k < n && r == 0; k++) {
				struct rd_ep *e = principal_ep(c, REACH_LAN, name, is_host, lan->family, o);

				if (!e)
					return -ENOMEM;
				e->lan = *lan;
				for (int x = 0; x < 2; x++) {
					e->present[x] = o[x].m && in_any(o[x].lans, o[x].n_lans, &cell[k]);
					e->addr[x] = cell[k];
				}
				r = ep_key(c, e, o);
			}
		}
	return r;
}

static int principal(struct rd_ctx *c, const char *name, bool is_host)
{
	struct rd_obj o[2];
	int r = obj_get(c, RD_BASE, name, is_host, &o[0]);

	if (r == 0)
		r = obj_get(c, RD_HEAD, name, is_host, &o[1]);
	for (size_t f = 0; f < 2 && r == 0; f++) {
		const struct wgf_prefix *a[2] = { first_of(o[0].addrs, o[0].n_addrs, families[f]),
						  first_of(o[1].addrs, o[1].n_addrs, families[f]) };
		struct rd_ep *e;

		if (!a[0] && !a[1])
			continue;
		if (!(e = principal_ep(c, REACH_TUNNEL, name, is_host, families[f], o))) {
			r = -ENOMEM;
			break;
		}
		for (int mi = 0; mi < 2; mi++)
			if ((e->present[mi] = a[mi] != NULL))
				e->addr[mi] = prefix_host(a[mi]);
		r = ep_key(c, e, o);
	}
	if (r == 0)
		r = lan_eps(c, name, is_host, o);
	free(o[0].key);
	free(o[1].key);
	return r;
}

/* Every Host and Peer of head, then those only at base. */
static int principals(struct rd_ctx *c)
{
	int r = 0;

	for (int mi = RD_HEAD; mi >= RD_BASE && r == 0; mi--) {
		const struct model *m = c->md[mi].m;

		for (size_t i = 0; m && i < m->n_hosts && r == 0; i++)
			if (mi == RD_HEAD || find(c, RD_HEAD, m->hosts[i].meta.name, true) == MODEL_NONE)
				r = principal(c, m->hosts[i].meta.name, true);
		for (size_t i = 0; m && i < m->n_peers && r == 0; i++)
			if (mi == RD_HEAD || find(c, RD_HEAD, m->peers[i].meta.name, false) == MODEL_NONE)
				r = principal(c, m->peers[i].meta.name, false);
	}
	return r;
}

static bool internal(const struct model *m, const struct wgf_prefix *a)
{
	for (size_t i = 0; m && i < m->n_networks; i++)
		if ((m->networks[i].has_pool4 && prefix_contains(&m->networks[i].pool4, a)) ||
		    (m->networks[i].has_pool6 && prefix_contains(&m->networks[i].pool6, a)))
			return true;
	for (size_t i = 0; m && i < m->n_hosts; i++)
		if (in_any(m->hosts[i].lans, m->hosts[i].n_lans, a))
			return true;
	for (size_t i = 0; m && i < m->n_peers; i++)
		if (in_any(m->peers[i].lans, m->peers[i].n_lans, a))
			return true;
	return false;
}

static int internet_ep(struct rd_ctx *c, const struct wgf_prefix *a)
{
	struct rd_ep *e;

	for (size_t i = 0; i < c->n_ep; i++)
		if (c->ep[i].kind == REACH_INTERNET && prefix_equal(&c->ep[i].addr[1], a))
			return 0;
	if (!(e = new_ep(c)))
		return -ENOMEM;
	e->kind = REACH_INTERNET;
	e->family = a->family;
	for (int mi = 0; mi < 2; mi++) {
		e->present[mi] = c->md[mi].m != NULL;
		e->addr[mi] = *a;
		e->net[mi] = MODEL_NONE;
	}
	return (e->key = str_printf("%d|%zu", REACH_INTERNET, e->order)) ? 0 : -ENOMEM;
}

/* A documentation address outside every pool and LAN stands for the internet;
 * so does each public prefix a policy names. */
static int internet(struct rd_ctx *c)
{
	static const char *const cand[] = { "203.0.113.1", "198.51.100.1", "192.0.2.1", "100.64.0.1",
					    "2001:db8::1", "2001:db8:ffff::1", "3fff::1" };
	bool done[2] = { false, false };
	struct wgf_prefix a;
	int r = 0;

	for (size_t i = 0; i < sizeof(cand) / sizeof(*cand) && r == 0; i++) {
		size_t f = strchr(cand[i], ':') ? 1 : 0;

		if (done[f] || !prefix_parse(cand[i], true, &a) || internal(c->md[0].m, &a) ||
		    internal(c->md[1].m, &a))
			continue;
		done[f] = true;
		r = internet_ep(c, &a);
	}
	for (size_t i = 0; i < c->n_named && r == 0; i++)
		if (c->named[i].len && addr_at(&c->named[i], c->named[i].len == prefix_max_len(c->named[i].family)
					       ? 0 : 1, &a) && !internal(c->md[0].m, &a) && !internal(c->md[1].m, &a))
			r = internet_ep(c, &a);
	return r;
}

static int forward_ep(struct rd_ctx *c, const struct model_host *h, const struct model_forward *fw)
{
	unsigned proto = fw->protos & FW_PROTO_TCP ? FW_PROTO_TCP : FW_PROTO_UDP;
	struct rd_ep *e;

	for (size_t i = 0; i < c->n_ep; i++)
		if (c->ep[i].kind == REACH_FORWARD && !strcmp(c->ep[i].owner, h->meta.name) &&
		    prefix_equal(&c->ep[i].addr[1], &fw->public_addr) && c->ep[i].proto == proto &&
		    c->ep[i].port == fw->ports.lo)
			return 0;
	if (!(e = new_ep(c)))
		return -ENOMEM;
	*e = (struct rd_ep){ .kind = REACH_FORWARD, .owner = h->meta.name, .is_host = true,
			     .family = fw->public_addr.family, .proto = proto, .port = fw->ports.lo,
			     .fwd_name = fw->name, .order = e->order };
	for (int mi = 0; mi < 2; mi++) {
		size_t hi = find(c, mi, h->meta.name, true);

		e->present[mi] = hi != MODEL_NONE;
		e->addr[mi] = prefix_host(&fw->public_addr);
		e->net[mi] = hi != MODEL_NONE ? c->md[mi].m->hosts[hi].network : MODEL_NONE;
		if (hi != MODEL_NONE)
			e->tenant = rd_tenant(c->md[mi].m, c->md[mi].m->hosts[hi].tenant);
	}
	return (e->key = str_printf("%d|%zu", REACH_FORWARD, e->order)) ? 0 : -ENOMEM;
}

bool rd_serves(const struct rd_ctx *c, const struct rd_ep *s, const struct rd_ep *d)
{
	const struct model *m = c->md[RD_HEAD].m;
	size_t i;

	if (!s->is_host || d->is_host || d->kind != REACH_TUNNEL || !s->owner || !d->owner ||
	    (i = find(c, RD_HEAD, d->owner, false)) == MODEL_NONE)
		return false;
	for (size_t k = 0; k < m->peers[i].n_hubs; k++)
		if (!strcmp(m->hosts[m->peers[i].hubs[k]].meta.name, s->owner))
			return true;
	return false;
}

int rd_endpoints(struct rd_ctx *c)
{
	int r = principals(c);

	if (r == 0)
		r = internet(c);
	for (int mi = RD_HEAD; mi >= RD_BASE && r == 0; mi--) {
		const struct model *m = c->md[mi].m;

		for (size_t i = 0; m && i < m->n_hosts && r == 0; i++)
			for (size_t k = 0; k < m->hosts[i].n_forwards && r == 0; k++)
				r = forward_ep(c, &m->hosts[i], &m->hosts[i].forwards[k]);
	}
	return r;
}
