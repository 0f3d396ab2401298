/* Model -> one network's compiled access control (render/firewall.h): principals,
 * scopes, classes, the source classification and the policy rules as prefix sets. */
#include "render/firewall_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int pset_grow(struct fw_pset *s)
{
	struct wgf_prefix *p;
	size_t cap;

	if (s->n < s->cap)
		return 0;
	cap = s->cap ? s->cap * 2 : 8;
	p = realloc(s->p, cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	s->p = p;
	s->cap = cap;
	return 0;
}

int fw_pset_add(struct fw_pset *s, const struct wgf_prefix *p)
{
	int r = pset_grow(s);

	if (r < 0)
		return r;
	s->p[s->n] = *p;
	prefix_mask(&s->p[s->n]);
	s->n++;
	return 0;
}

int fw_pset_add_list(struct fw_pset *s, const struct wgf_prefix *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int r = fw_pset_add(s, &p[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

int fw_pset_add_set(struct fw_pset *s, const struct fw_pset *from)
{
	return fw_pset_add_list(s, from->p, from->n);
}

static int pfx_cmp(const void *a, const void *b)
{
	return prefix_cmp(a, b);
}

/* Sorted, a prefix inside another sorts after it with only prefixes inside that one
 * between them: comparing with the last one kept finds every contained prefix. */
void fw_pset_normalize(struct fw_pset *s)
{
	size_t n = 0;

	if (s->n > 1)
		qsort(s->p, s->n, sizeof(*s->p), pfx_cmp);
	for (size_t i = 0; i < s->n; i++)
		if (!n || !prefix_contains(&s->p[n - 1], &s->p[i]))
			s->p[n++] = s->p[i];
	s->n = n;
}

/* In a normalized set the only candidate is the last prefix not after addr. */
bool fw_pset_contains(const struct fw_pset *s, const struct wgf_prefix *addr)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (prefix_cmp(&s->p[mid], addr) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && prefix_contains(&s->p[lo - 1], addr);
}

bool fw_pset_has_family(const struct fw_pset *s, int family)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->p[i].family == family)
			return true;
	return false;
}

int fw_pset_cmp(const struct fw_pset *a, const struct fw_pset *b)
{
	for (size_t i = 0; i < a->n && i < b->n; i++) {
		int r = prefix_cmp(&a->p[i], &b->p[i]);
		if (r)
			return r;
	}
	return a->n < b->n ? -1 : a->n > b->n;
}

void fw_pset_free(struct fw_pset *s)
{
	free(s->p);
	memset(s, 0, sizeof(*s));
}

/* p minus every prefix of minus, as prefixes: halve p until each half lies wholly
 * inside or wholly outside of them. */
static int pset_add_difference(struct fw_pset *out, const struct wgf_prefix *p, const struct fw_pset *minus)
{
	struct wgf_prefix lo, hi;
	bool split = false;
	int r;

	for (size_t i = 0; i < minus->n; i++) {
		if (prefix_contains(&minus->p[i], p))
			return 0;
		split |= prefix_overlaps(&minus->p[i], p);
	}
	if (!split || p->len >= prefix_max_len(p->family))
		return fw_pset_add(out, p);
	lo = *p;
	prefix_mask(&lo);
	lo.len++;
	hi = lo;
	hi.addr[p->len / 8] |= (uint8_t)(0x80 >> (p->len % 8));
	r = pset_add_difference(out, &lo, minus);
	if (r < 0)
		return r;
	return pset_add_difference(out, &hi, minus);
}

static int src_cmp(const void *a, const void *b)
{
	return prefix_cmp(&((const struct fw_src *)a)->p, &((const struct fw_src *)b)->p);
}

size_t fw_principal_of(const struct fw_network *fw, const struct wgf_prefix *addr)
{
	size_t lo = 0, hi = fw->n_src;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (prefix_cmp(&fw->src[mid].p, addr) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && prefix_contains(&fw->src[lo - 1].p, addr))
		return fw->src[lo - 1].principal;
	return FW_NONE;
}

bool fw_scope_reaches(const struct fw_network *fw, size_t from, size_t to)
{
	if (from == to)
		return true;
	if (to == 0)
		return !fw->scopes[from].isolated;
	if (from == 0)
		return !fw->scopes[to].isolated;
	return false;
}

bool fw_family_internal(const struct fw_network *fw, int family)
{
	return fw_pset_has_family(&fw->internal, family);
}

void fw_network_free(struct fw_network *fw)
{
	if (!fw)
		return;
	for (size_t i = 0; i < fw->n_scopes; i++) {
		fw_pset_free(&fw->scopes[i].tun);
		fw_pset_free(&fw->scopes[i].lan);
	}
	for (size_t i = 0; i < fw->n_cls; i++) {
		fw_pset_free(&fw->cls[i].lans);
		fw_pset_free(&fw->cls[i].dns);
	}
	for (size_t i = 0; i < fw->n_rules; i++) {
		fw_pset_free(&fw->rules[i].from);
		fw_pset_free(&fw->rules[i].to);
		free(fw->rules[i].ports);
	}
	fw_pset_free(&fw->internal);
	fw_pset_free(&fw->internet_only);
	free(fw->scopes);
	free(fw->tenant_scope);
	free(fw->pr);
	free(fw->addr_arena);
	free(fw->host_pr);
	free(fw->peer_pr);
	free(fw->attached);
	free(fw->attached_start);
	free(fw->cls);
	free(fw->src);
	free(fw->class_src);
	free(fw->rules);
	free(fw);
}

static bool peer_active(const struct model_peer *p, int64_t now)
{
	return p->enabled && !(p->has_expires && p->expires <= now);
}

static size_t scope_of(const struct fw_network *fw, size_t tenant)
{
	if (tenant == MODEL_NONE || tenant >= fw->m->n_tenants || fw->tenant_scope[tenant] == FW_NONE)
		return 0;
	return fw->tenant_scope[tenant];
}

static int compile_scopes(struct fw_network *fw)
{
	const struct model *m = fw->m;
	const struct model_network *n = &m->networks[fw->network];
	struct fw_pset pools = { 0 }, tenant_pools = { 0 };
	int r = -ENOMEM;

	fw->tenant_scope = malloc((m->n_tenants ? m->n_tenants : 1) * sizeof(*fw->tenant_scope));
	fw->scopes = calloc(m->n_tenants + 1, sizeof(*fw->scopes));
	if (!fw->tenant_scope || !fw->scopes)
		goto out;
	fw->scopes[0].tenant = MODEL_NONE;
	fw->scopes[0].isolated = true;
	fw->n_scopes = 1;
	for (size_t i = 0; i < m->n_tenants; i++) {
		const struct model_tenant *t = &m->tenants[i];
		struct fw_scope *s;

		fw->tenant_scope[i] = FW_NONE;
		if (t->network != fw->network)
			continue;
		s = &fw->scopes[fw->n_scopes];
		fw->tenant_scope[i] = fw->n_scopes++;
		s->tenant = i;
		s->name = t->meta.name;
		s->isolated = t->isolated;
		if ((t->has_pool4 && (r = fw_pset_add(&s->tun, &t->pool4)) < 0) ||
		    (t->has_pool6 && (r = fw_pset_add(&s->tun, &t->pool6)) < 0))
			goto out;
		fw_pset_normalize(&s->tun);
		if ((r = fw_pset_add_set(&tenant_pools, &s->tun)) < 0)
			goto out;
	}
	if ((n->has_pool4 && (r = fw_pset_add(&pools, &n->pool4)) < 0) ||
	    (n->has_pool6 && (r = fw_pset_add(&pools, &n->pool6)) < 0))
		goto out;
	for (size_t i = 0; i < pools.n; i++) {
		r = pset_add_difference(&fw->scopes[0].tun, &pools.p[i], &tenant_pools);
		if (r < 0)
			goto out;
	}
	fw_pset_normalize(&fw->scopes[0].tun);
	r = fw_pset_add_set(&fw->internal, &pools);
out:
	fw_pset_free(&pools);
	fw_pset_free(&tenant_pools);
	return r;
}

static struct fw_principal *principal_new(struct fw_network *fw, bool is_host, size_t index,
					  const struct model_meta *meta, size_t tenant)
{
	struct fw_principal *p = &fw->pr[fw->n_pr++];

	p->is_host = is_host;
	p->index = index;
	p->meta = meta;
	p->name = meta->name;
	p->scope = scope_of(fw, tenant);
	p->level = ACCESS_FULL;
	p->cls = FW_NONE;
	return p;
}

static void arena_add(struct fw_pset *s, const struct wgf_prefix *p, bool host)
{
	s->p[s->n] = host ? prefix_host(p) : *p;
	prefix_mask(&s->p[s->n]);
	s->n++;
}

static bool in_pools(const struct fw_pset *pools, const struct wgf_prefix *p)
{
	for (size_t i = 0; i < pools->n; i++)
		if (prefix_contains(&pools->p[i], p))
			return true;
	return false;
}

/* Every principal's addresses live in one array (fw->addr_arena): no allocation per peer. */
static int compile_principals(struct fw_network *fw, int64_t now)
{
	const struct model *m = fw->m;
	size_t n = 0, n_pools = fw->internal.n;
	int r;

	for (size_t i = 0; i < m->n_hosts; i++)
		if (m->hosts[i].network == fw->network)
			n += m->hosts[i].n_addresses + m->hosts[i].n_lans;
	for (size_t i = 0; i < m->n_peers; i++)
		if (m->peers[i].network == fw->network && peer_active(&m->peers[i], now))
			n += m->peers[i].n_addresses + m->peers[i].n_lans;
	fw->pr = calloc(m->n_hosts + m->n_peers + 1, sizeof(*fw->pr));
	fw->host_pr = malloc((m->n_hosts + 1) * sizeof(*fw->host_pr));
	fw->peer_pr = malloc((m->n_peers + 1) * sizeof(*fw->peer_pr));
	fw->addr_arena = malloc((n + 1) * sizeof(*fw->addr_arena));
	if (!fw->pr || !fw->host_pr || !fw->peer_pr || !fw->addr_arena)
		return -ENOMEM;
	n = 0;
	for (size_t i = 0; i < m->n_hosts; i++) {
		const struct model_host *h = &m->hosts[i];
		struct fw_principal *p;

		fw->host_pr[i] = FW_NONE;
		if (h->network != fw->network)
			continue;
		fw->host_pr[i] = fw->n_pr;
		p = principal_new(fw, true, i, &h->meta, h->tenant);
		p->addrs.p = fw->addr_arena + n;
		for (size_t j = 0; j < h->n_addresses; j++)
			arena_add(&p->addrs, &h->addresses[j], true);
		for (size_t j = 0; j < h->n_lans; j++)
			arena_add(&p->addrs, &h->lans[j], false);
		n += p->addrs.n;
		if ((r = fw_pset_add_list(&fw->scopes[p->scope].lan, h->lans, h->n_lans)) < 0)
			return r;
	}
	for (size_t i = 0; i < m->n_peers; i++) {
		const struct model_peer *pe = &m->peers[i];
		struct fw_principal *p;

		fw->peer_pr[i] = FW_NONE;
		if (pe->network != fw->network || !peer_active(pe, now))
			continue;
		fw->peer_pr[i] = fw->n_pr;
		p = principal_new(fw, false, i, &pe->meta, pe->tenant);
		p->level = pe->access;
		p->addrs.p = fw->addr_arena + n;
		for (size_t j = 0; j < pe->n_addresses; j++)
			arena_add(&p->addrs, &pe->addresses[j], false);
		for (size_t j = 0; j < pe->n_lans; j++)
			arena_add(&p->addrs, &pe->lans[j], false);
		n += p->addrs.n;
		if ((r = fw_pset_add_list(&fw->scopes[p->scope].lan, pe->lans, pe->n_lans)) < 0)
			return r;
	}
	/* internal holds the pools so far; add what lies outside them (LANs) */
	for (size_t i = 0; i < fw->n_pr; i++) {
		struct fw_pset *a = &fw->pr[i].addrs;

		fw_pset_normalize(a);
		for (size_t j = 0; j < a->n; j++) {
			struct fw_pset pools = { .p = fw->internal.p, .n = n_pools };

			if (!in_pools(&pools, &a->p[j]) && (r = fw_pset_add(&fw->internal, &a->p[j])) < 0)
				return r;
		}
	}
	for (size_t i = 0; i < fw->n_scopes; i++)
		fw_pset_normalize(&fw->scopes[i].lan);
	fw_pset_normalize(&fw->internal);
	return 0;
}

/* Which peers each hub configures: the principals a hub's readable items list. */
static int compile_attached(struct fw_network *fw)
{
	const struct model *m = fw->m;
	size_t n = 0, *next;

	fw->attached_start = calloc(m->n_hosts + 2, sizeof(*fw->attached_start));
	if (!fw->attached_start)
		return -ENOMEM;
	for (size_t i = 0; i < fw->n_pr; i++) {
		const struct model_peer *pe = fw->pr[i].is_host ? NULL : &m->peers[fw->pr[i].index];

		for (size_t j = 0; pe && j < pe->n_hubs; j++)
			if (pe->hubs[j] < m->n_hosts) {
				fw->attached_start[pe->hubs[j] + 2]++;
				n++;
			}
	}
	for (size_t i = 2; i < m->n_hosts + 2; i++)
		fw->attached_start[i] += fw->attached_start[i - 1];
	fw->attached = malloc((n + 1) * sizeof(*fw->attached));
	if (!fw->attached)
		return -ENOMEM;
	next = fw->attached_start + 1;   /* next[h]: where hub h's next one goes */
	for (size_t i = 0; i < fw->n_pr; i++) {
		const struct model_peer *pe = fw->pr[i].is_host ? NULL : &m->peers[fw->pr[i].index];

		for (size_t j = 0; pe && j < pe->n_hubs; j++)
			if (pe->hubs[j] < m->n_hosts)
				fw->attached[next[pe->hubs[j]]++] = i;
	}
	return 0;
}

static int class_cmp(const struct fw_class *a, const struct fw_class *b)
{
	if (a->scope != b->scope)
		return a->scope < b->scope ? -1 : 1;
	if (a->level != b->level)
		return a->level < b->level ? -1 : 1;
	if (a->own_lans != b->own_lans)
		return a->own_lans ? 1 : -1;
	if (fw_pset_cmp(&a->lans, &b->lans))
		return fw_pset_cmp(&a->lans, &b->lans);
	return fw_pset_cmp(&a->dns, &b->dns);
}

static int class_qsort_cmp(const void *a, const void *b)
{
	return class_cmp(a, b);
}

/* An internet-only peer's DNS servers that are on a hub answering its DNS: an exit
 * among its hubs, or its first hub when its exit is a group (tunnel addresses). */
static int internet_only_dns(const struct fw_network *fw, const struct model_peer *pe, struct fw_pset *out)
{
	const struct model *m = fw->m;
	const struct model_dns *dns = model_peer_dns(m, pe);

	for (size_t i = 0; dns && i < dns->n_servers; i++) {
		struct wgf_prefix s = prefix_host(&dns->servers[i]);

		for (size_t j = 0; j < pe->n_hubs; j++) {
			if (model_internet_only_dns_hub(m, pe, j) && model_host_has_address(&m->hosts[pe->hubs[j]], &s)) {
				int r = fw_pset_add(out, &s);
				if (r < 0)
					return r;
				break;
			}
		}
	}
	fw_pset_normalize(out);
	return 0;
}

/* A class's own prefix lists: a lan-only peer's LANs, an internet-only peer's DNS. */
static int class_lists(const struct fw_network *fw, const struct fw_principal *p, struct fw_class *c)
{
	const struct model_peer *pe = p->is_host ? NULL : &fw->m->peers[p->index];
	int r = 0;

	if (pe && p->level == ACCESS_LAN_ONLY && pe->n_access_lans) {
		c->own_lans = true;
		r = fw_pset_add_list(&c->lans, pe->access_lans, pe->n_access_lans);
		fw_pset_normalize(&c->lans);
	} else if (pe && p->level == ACCESS_INTERNET_ONLY) {
		r = internet_only_dns(fw, pe, &c->dns);
	}
	return r;
}

/* One class per (level, scope, lan-only list, DNS), numbered in a stable order (not by
 * which peer came first), so adding a peer never renames a chain. */
static int compile_classes(struct fw_network *fw)
{
	struct fw_class *sorted = NULL;
	int r = -ENOMEM;

	fw->cls = calloc(fw->n_pr + 1, sizeof(*fw->cls));
	if (!fw->cls)
		goto out;
	for (size_t i = 0; i < fw->n_pr; i++) {
		struct fw_principal *p = &fw->pr[i];
		struct fw_class c = { .level = p->level, .scope = p->scope };
		size_t j;

		if (p->level == ACCESS_CUSTOM)
			continue;
		if ((r = class_lists(fw, p, &c)) < 0) {
			fw_pset_free(&c.lans);
			fw_pset_free(&c.dns);
			goto out;
		}
		for (j = 0; j < fw->n_cls; j++)
			if (!class_cmp(&fw->cls[j], &c))
				break;
		if (j == fw->n_cls) {
			fw->cls[fw->n_cls++] = c;
		} else {
			fw_pset_free(&c.lans);
			fw_pset_free(&c.dns);
		}
		p->cls = j;
	}
	r = -ENOMEM;
	sorted = malloc((fw->n_cls + 1) * sizeof(*sorted));
	if (!sorted)
		goto out;
	memcpy(sorted, fw->cls, fw->n_cls * sizeof(*sorted));
	qsort(sorted, fw->n_cls, sizeof(*sorted), class_qsort_cmp);
	for (size_t i = 0; i < fw->n_pr; i++) {
		struct fw_principal *p = &fw->pr[i];
		const struct fw_class *c;

		if (p->cls == FW_NONE)
			continue;
		c = bsearch(&fw->cls[p->cls], sorted, fw->n_cls, sizeof(*sorted), class_qsort_cmp);
		p->cls = (size_t)(c - sorted);
	}
	memcpy(fw->cls, sorted, fw->n_cls * sizeof(*sorted));
	for (size_t i = 0; i < fw->n_pr; i++) {
		const struct fw_principal *p = &fw->pr[i];

		if (p->cls != FW_NONE)
			*(p->is_host ? &fw->cls[p->cls].n_hosts : &fw->cls[p->cls].n_peers) += 1;
		else
			*(p->is_host ? &fw->scopes[p->scope].n_custom_hosts : &fw->scopes[p->scope].n_custom_peers) += 1;
	}
	r = 0;
out:
	free(sorted);
	return r;
}

static int class_src_cmp(const void *a, const void *b)
{
	return prefix_cmp(&((const struct fw_class_src *)a)->p, &((const struct fw_class_src *)b)->p);
}

/* The map the tables classify sources by: fw->src grouped by class (custom left out,
 * to fall to the default drop) and each group aggregated. src has no overlaps, so an
 * aggregate covers exactly its class's addresses: never another class's or nobody's. */
static int compile_class_sources(struct fw_network *fw)
{
	size_t *start = calloc(fw->n_cls + 2, sizeof(*start)), n = 0;
	struct wgf_prefix *grouped = malloc((fw->n_src + 1) * sizeof(*grouped));
	int r = -ENOMEM;

	fw->class_src = malloc((fw->n_src + 1) * sizeof(*fw->class_src));
	if (!start || !grouped || !fw->class_src)
		goto out;
	for (size_t i = 0; i < fw->n_src; i++) {
		size_t cls = fw->pr[fw->src[i].principal].cls;
		if (cls != FW_NONE)
			start[cls + 2]++;
	}
	for (size_t j = 2; j < fw->n_cls + 2; j++)
		start[j] += start[j - 1];
	/* start[cls + 1]: where class cls's prefixes go next; afterwards where cls + 1 begins */
	for (size_t i = 0; i < fw->n_src; i++) {
		size_t cls = fw->pr[fw->src[i].principal].cls;
		if (cls != FW_NONE)
			grouped[start[cls + 1]++] = fw->src[i].p;
	}
	for (size_t j = 0; j < fw->n_cls; j++) {
		size_t k = prefix_aggregate(grouped + start[j], start[j + 1] - start[j]);

		for (size_t i = 0; i < k; i++)
			fw->class_src[n++] = (struct fw_class_src){ .p = grouped[start[j] + i], .cls = j };
		fw->cls[j].n_src = k;
	}
	if (n > 1)
		qsort(fw->class_src, n, sizeof(*fw->class_src), class_src_cmp);
	fw->n_class_src = n;
	r = 0;
out:
	free(start);
	free(grouped);
	return r;
}

/* Principals' addresses never overlap (the loader checks); should two, the first in
 * sort order wins, as one interval map must have it. */
static int compile_sources(struct fw_network *fw)
{
	size_t n = 0, k = 0;

	for (size_t i = 0; i < fw->n_pr; i++)
		n += fw->pr[i].addrs.n;
	fw->src = malloc((n + 1) * sizeof(*fw->src));
	if (!fw->src)
		return -ENOMEM;
	for (size_t i = 0; i < fw->n_pr; i++)
		for (size_t j = 0; j < fw->pr[i].addrs.n; j++)
			fw->src[k++] = (struct fw_src){ .p = fw->pr[i].addrs.p[j], .principal = i };
	if (k > 1)
		qsort(fw->src, k, sizeof(*fw->src), src_cmp);
	for (size_t i = 0; i < k; i++)
		if (!fw->n_src || !prefix_contains(&fw->src[fw->n_src - 1].p, &fw->src[i].p))
			fw->src[fw->n_src++] = fw->src[i];
	return compile_class_sources(fw);
}

/* Every internet-only principal's addresses (from src: no overlaps, so the
 * aggregate covers exactly them). */
static int compile_internet_only(struct fw_network *fw)
{
	struct fw_pset *s = &fw->internet_only;
	int r;

	for (size_t i = 0; i < fw->n_src; i++)
		if (fw->pr[fw->src[i].principal].level == ACCESS_INTERNET_ONLY &&
		    (r = fw_pset_add(s, &fw->src[i].p)) < 0)
			return r;
	s->n = prefix_aggregate(s->p, s->n);
	return 0;
}

static bool labels_match(const struct model_meta *meta, const struct model_label *want, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t j;

		for (j = 0; j < meta->n_labels; j++)
			if (!strcmp(meta->labels[j].key, want[i].key) &&
			    !strcmp(meta->labels[j].value, want[i].value))
				break;
		if (j == meta->n_labels)
			return false;
	}
	return true;
}

static int selector_expand(const struct fw_network *fw, const struct model_selector *s, struct fw_pset *out)
{
	const struct model *m = fw->m;
	const struct fw_scope *sc;
	int r = 0;

	switch (s->kind) {
	case SEL_PEER:
		if (s->index < m->n_peers && fw->peer_pr[s->index] != FW_NONE)
			r = fw_pset_add_set(out, &fw->pr[fw->peer_pr[s->index]].addrs);
		break;
	case SEL_HOST:
		if (s->index < m->n_hosts && fw->host_pr[s->index] != FW_NONE)
			r = fw_pset_add_set(out, &fw->pr[fw->host_pr[s->index]].addrs);
		break;
	case SEL_TENANT:
		if (s->index >= m->n_tenants || fw->tenant_scope[s->index] == FW_NONE)
			break;
		sc = &fw->scopes[fw->tenant_scope[s->index]];
		if ((r = fw_pset_add_set(out, &sc->tun)) < 0)
			break;
		r = fw_pset_add_set(out, &sc->lan);
		break;
	case SEL_LABELS:
		for (size_t i = 0; i < fw->n_pr && r >= 0; i++)
			if (labels_match(fw->pr[i].meta, s->labels, s->n_labels))
				r = fw_pset_add_set(out, &fw->pr[i].addrs);
		break;
	case SEL_CIDR:
		r = fw_pset_add(out, &s->cidr);
		break;
	}
	return r;
}

static int selectors_expand(const struct fw_network *fw, const struct model_selector *s, size_t n,
			    struct fw_pset *out)
{
	for (size_t i = 0; i < n; i++) {
		int r = selector_expand(fw, &s[i], out);
		if (r < 0)
			return r;
	}
	fw_pset_normalize(out);
	return 0;
}

static int port_cmp(const void *a, const void *b)
{
	const struct model_port_range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return (x->hi > y->hi) - (x->hi < y->hi);
}

static int compile_rule(struct fw_network *fw, const struct model_policy *pol, size_t k)
{
	const struct model_rule *mr = &pol->rules[k];
	struct fw_rule *r = &fw->rules[fw->n_rules];
	size_t n = 0;
	int e;

	r->policy = pol;
	r->rule = mr;
	r->pos = k + 1;
	r->ordinal = fw->n_rules++;
	r->from_any = mr->n_from == 0;
	r->to_any = mr->n_to == 0;
	r->protos = mr->protos & FW_PROTO_ANY;
	if ((e = selectors_expand(fw, mr->from, mr->n_from, &r->from)) < 0 ||
	    (e = selectors_expand(fw, mr->to, mr->n_to, &r->to)) < 0)
		return e;
	if (!mr->n_ports)
		return 0;
	r->protos &= FW_PROTO_TCP | FW_PROTO_UDP;
	r->ports = malloc(mr->n_ports * sizeof(*r->ports));
	if (!r->ports)
		return -ENOMEM;
	memcpy(r->ports, mr->ports, mr->n_ports * sizeof(*r->ports));
	qsort(r->ports, mr->n_ports, sizeof(*r->ports), port_cmp);
	for (size_t i = 0; i < mr->n_ports; i++) {
		if (n && (uint32_t)r->ports[n - 1].hi + 1 >= r->ports[i].lo) {
			if (r->ports[i].hi > r->ports[n - 1].hi)
				r->ports[n - 1].hi = r->ports[i].hi;
		} else {
			r->ports[n++] = r->ports[i];
		}
	}
	r->n_ports = n;
	return 0;
}

static int compile_rules(struct fw_network *fw)
{
	const struct model *m = fw->m;
	size_t n = 0;

	for (size_t i = 0; i < m->n_policies; i++)
		if (m->policies[i].network == fw->network)
			n += m->policies[i].n_rules;
	fw->rules = calloc(n + 1, sizeof(*fw->rules));
	if (!fw->rules)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_policies; i++) {
		const struct model_policy *pol = &m->policies[i];

		if (pol->network != fw->network)
			continue;
		for (size_t k = 0; k < pol->n_rules; k++) {
			int r = compile_rule(fw, pol, k);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int fw_compile(const struct model *m, size_t network, int64_t now, struct fw_network **out)
{
	struct fw_network *fw;
	int r;

	*out = NULL;
	if (network >= m->n_networks)
		return -EINVAL;
	fw = calloc(1, sizeof(*fw));
	if (!fw)
		return -ENOMEM;
	fw->m = m;
	fw->network = network;
	if ((r = compile_scopes(fw)) < 0 ||
	    (r = compile_principals(fw, now)) < 0 ||
	    (r = compile_attached(fw)) < 0 ||
	    (r = compile_classes(fw)) < 0 ||
	    (r = compile_sources(fw)) < 0 ||
	    (r = compile_internet_only(fw)) < 0 ||
	    (r = compile_rules(fw)) < 0)
		goto out;
	*out = fw;
	fw = NULL;
out:
	fw_network_free(fw);
	return r;
}
