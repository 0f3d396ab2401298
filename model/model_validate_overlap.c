/* Cross-object checks that compare every object with every other, by sorting
 * and scanning neighbours (O(n log n)): routing loops, overlaps, duplicate keys. */
#include "model/model_validate_overlap.h"

#include <stdlib.h>
#include <string.h>

#include "model/model_validate_util.h"

/* --- routing loops: a LAN that holds an endpoint ------------------------- */

struct ep_entry {
	size_t net;
	struct wgf_prefix a;           /* the endpoint's address, /32 or /128 */
	const struct wgf_endpoint *e;
	const char *kind;
	const struct model_meta *meta;
	const struct wgf_loc *loc;
	size_t seq;
};

static int ep_entry_cmp(const void *pa, const void *pb)
{
	const struct ep_entry *a = pa, *b = pb;
	int r;

	if (a->net != b->net)
		return a->net < b->net ? -1 : 1;
	r = prefix_cmp(&a->a, &b->a);
	if (r)
		return r;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* The first endpoint (by address) of network net inside lan, or NULL. */
static const struct ep_entry *ep_in(const struct ep_entry *e, size_t n, size_t net, const struct wgf_prefix *lan)
{
	struct ep_entry key = { .net = net, .a = *lan };
	size_t lo = 0, hi = n;

	key.a.len = 0;   /* sorts before every address of the LAN */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ep_entry_cmp(&e[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n && e[lo].net == net && prefix_contains(lan, &e[lo].a))
		return &e[lo];
	return NULL;
}

static void check_lan_loops(struct loader *l, const struct ep_entry *e, size_t n, size_t net, const char *kind,
			    const struct model_meta *meta, const struct wgf_prefix *lans, size_t n_lans,
			    const struct wgf_loc *locs)
{
	char lbuf[PREFIX_STRLEN], ebuf[ENDPOINT_STRLEN];

	for (size_t i = 0; i < n_lans; i++) {
		const struct ep_entry *in = ep_in(e, n, net, &lans[i]);
		if (!in)
			continue;
		validate_err(l, &locs[i], "LAN %s of %s %s holds the endpoint %s of %s %s (%s:%u:%u): the tunnel's "
			     "packets to it would be routed into the tunnel", prefix_format(&lans[i], lbuf), kind,
			     display_name(meta), endpoint_format(in->e, ebuf), in->kind, display_name(in->meta),
			     in->loc->file, in->loc->line, in->loc->col);
	}
}

/* Every host routes every LAN of its network into the tunnel: an endpoint
 * inside one would be reached through the tunnel it carries. */
void validate_loops(struct loader *l)
{
	const struct model *m = l->m;
	struct ep_entry *e = calloc(m->n_hosts + m->n_peers + 1, sizeof(*e));
	size_t n = 0;

	if (!e) {
		l->oom = true;
		return;
	}
	for (size_t i = 0; i < m->n_hosts; i++)
		if (l->host_x[i].network_ok && m->hosts[i].endpoint.family)
			e[n++] = (struct ep_entry){ m->hosts[i].network, endpoint_prefix(&m->hosts[i].endpoint),
						    &m->hosts[i].endpoint, "Host", &m->hosts[i].meta,
						    &l->host_x[i].endpoint_loc, l->host_x[i].seq };
	for (size_t i = 0; i < m->n_peers; i++)
		if (l->peer_x[i].network_ok && m->peers[i].endpoint.family)
			e[n++] = (struct ep_entry){ m->peers[i].network, endpoint_prefix(&m->peers[i].endpoint),
						    &m->peers[i].endpoint, "Peer", &m->peers[i].meta,
						    &l->peer_x[i].endpoint_loc, l->peer_x[i].seq };
	qsort(e, n, sizeof(*e), ep_entry_cmp);
	for (size_t i = 0; n && i < m->n_hosts; i++)
		if (l->host_x[i].network_ok)
			check_lan_loops(l, e, n, m->hosts[i].network, "Host", &m->hosts[i].meta, m->hosts[i].lans,
					m->hosts[i].n_lans, l->host_x[i].lan_locs);
	for (size_t i = 0; n && i < m->n_peers; i++)
		if (l->peer_x[i].network_ok)
			check_lan_loops(l, e, n, m->peers[i].network, "Peer", &m->peers[i].meta, m->peers[i].lans,
					m->peers[i].n_lans, l->peer_x[i].lan_locs);
	free(e);
}

/* --- overlaps ---------------------------------------------------------- */

struct span {
	struct wgf_prefix p;           /* what is compared: a network prefix */
	size_t net;
	const char *what;              /* "address" or "LAN" */
	const char *kind;
	const struct model_meta *meta;
	const struct wgf_loc *loc;
	size_t seq, item;
};

static int span_cmp(const void *pa, const void *pb)
{
	const struct span *a = pa, *b = pb;
	int r;

	if (a->net != b->net)
		return a->net < b->net ? -1 : 1;
	r = prefix_cmp(&a->p, &b->p);
	if (r)
		return r;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return a->item < b->item ? -1 : a->item > b->item;
}

static void add_spans(struct span *s, size_t *n, size_t net, const char *what, const char *kind,
		      const struct model_meta *meta, const struct obj_extra *x, const struct wgf_prefix *ps,
		      size_t n_ps, const struct wgf_loc *locs, bool single, size_t base)
{
	for (size_t i = 0; i < n_ps; i++) {
		struct span *sp = &s[(*n)++];

		sp->p = single ? prefix_host(&ps[i]) : ps[i];
		prefix_mask(&sp->p);
		sp->net = net;
		sp->what = what;
		sp->kind = kind;
		sp->meta = meta;
		sp->loc = &locs[i];
		sp->seq = x->seq;
		sp->item = base + i;
	}
}

/* After sorting by start address, a prefix overlaps an earlier one exactly
 * when it lies inside the widest earlier prefix still open (prefixes nest). */
void validate_overlaps(struct loader *l)
{
	const struct model *m = l->m;
	struct span *s;
	size_t n = 0, total = 0;
	const struct span *open = NULL;

	for (size_t i = 0; i < m->n_hosts; i++)
		total += m->hosts[i].n_addresses + m->hosts[i].n_lans;
	for (size_t i = 0; i < m->n_peers; i++)
		total += m->peers[i].n_addresses + m->peers[i].n_lans;
	s = calloc(total ? total : 1, sizeof(*s));
	if (!s) {
		l->oom = true;
		return;
	}
	for (size_t i = 0; i < m->n_hosts; i++) {
		const struct model_host *h = &m->hosts[i];
		const struct obj_extra *x = &l->host_x[i];
		if (!x->network_ok)
			continue;
		add_spans(s, &n, h->network, "address", "Host", &h->meta, x, h->addresses, h->n_addresses,
			  x->addr_locs, true, 0);
		add_spans(s, &n, h->network, "LAN", "Host", &h->meta, x, h->lans, h->n_lans, x->lan_locs, false,
			  h->n_addresses);
	}
	for (size_t i = 0; i < m->n_peers; i++) {
		const struct model_peer *p = &m->peers[i];
		const struct obj_extra *x = &l->peer_x[i];
		if (!x->network_ok)
			continue;
		add_spans(s, &n, p->network, "address", "Peer", &p->meta, x, p->addresses, p->n_addresses,
			  x->addr_locs, false, 0);
		add_spans(s, &n, p->network, "LAN", "Peer", &p->meta, x, p->lans, p->n_lans, x->lan_locs, false,
			  p->n_addresses);
	}
	qsort(s, n, sizeof(*s), span_cmp);
	for (size_t i = 0; i < n; i++) {
		const struct span *c = &s[i];
		char a[PREFIX_STRLEN], b[PREFIX_STRLEN];

		if (!open || open->net != c->net || !prefix_overlaps(&open->p, &c->p)) {
			open = c;
			continue;
		}
		validate_err(l, c->loc, "%s %s of %s %s overlaps %s%s%s of %s %s (%s:%u:%u)", c->what, prefix_format(&c->p, a),
		     c->kind, display_name(c->meta), strcmp(c->what, open->what) ? open->what : "",
		     strcmp(c->what, open->what) ? " " : "", prefix_format(&open->p, b), open->kind,
		     display_name(open->meta), open->loc->file, open->loc->line, open->loc->col);
	}
	free(s);
}

/* --- keys -------------------------------------------------------------- */

struct key_entry {
	uint8_t key[WG_KEY_LEN];       /* canonical form: a key with bit 255 set is the same key */
	const char *kind;
	const struct model_meta *meta;
	const struct wgf_loc *loc;
	size_t seq;
};

static int key_entry_cmp(const void *pa, const void *pb)
{
	const struct key_entry *a = pa, *b = pb;
	int r = memcmp(a->key, b->key, WG_KEY_LEN);

	if (r)
		return r;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void validate_keys(struct loader *l)
{
	const struct model *m = l->m;
	struct key_entry *e = calloc(m->n_hosts + m->n_peers + 1, sizeof(*e));
	size_t n = 0;

	if (!e) {
		l->oom = true;
		return;
	}
	for (size_t i = 0; i < m->n_hosts; i++)
		if (l->host_x[i].has_key) {
			e[n] = (struct key_entry){ .kind = "Host", .meta = &m->hosts[i].meta,
						   .loc = &l->host_x[i].key_loc, .seq = l->host_x[i].seq };
			key_public_canonical(e[n++].key, m->hosts[i].public_key);
		}
	for (size_t i = 0; i < m->n_peers; i++)
		if (l->peer_x[i].has_key) {
			e[n] = (struct key_entry){ .kind = "Peer", .meta = &m->peers[i].meta,
						   .loc = &l->peer_x[i].key_loc, .seq = l->peer_x[i].seq };
			key_public_canonical(e[n++].key, m->peers[i].public_key);
		}
	qsort(e, n, sizeof(*e), key_entry_cmp);
	for (size_t i = 1, first = 0; i < n; i++) {
		if (memcmp(e[first].key, e[i].key, WG_KEY_LEN)) {
			first = i;
			continue;
		}
		validate_err(l, e[i].loc, "duplicate publicKey: %s %s has the same key as %s %s (%s:%u:%u)", e[i].kind,
		     display_name(e[i].meta), e[first].kind, display_name(e[first].meta), e[first].loc->file,
		     e[first].loc->line, e[first].loc->col);
	}
	free(e);
}
