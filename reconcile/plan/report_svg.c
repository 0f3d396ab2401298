/* The report's topology picture, inline SVG: Hosts that take peers (hubs, exits) on
 * top with their peers counted, the other Hosts below with their LANs, a link from
 * each to every hub of its network, hubs meshed; added, removed and changed Hosts
 * and their links coloured. */
#include "reconcile/plan/report.h"

#include <stdlib.h>
#include <string.h>

#define SVG_HOSTS_MAX 48               /* more are counted, not drawn */
#define BOX_W 160
#define BOX_H 62
#define COL_W 180
#define ROW_H 110
#define PER_ROW 6
#define PEERS_LISTED 12                /* a hub with more has its peers counted, not listed */
#define ARC_H 70                       /* room above the top row for the hubs' mesh */

struct node {
	const struct report_host *rh;
	const struct model_host *h;    /* head's, else base's */
	const struct model *m;
	bool tier1;
	int x, y;
};

static const char *status_class(const char *status)
{
	return !strcmp(status, "added") ? "add" : !strcmp(status, "removed") ? "del" :
	       !strcmp(status, "changed") ? "chg" : "same";
}

static bool lists_hub(const struct model *m, const struct model_peer *p, const char *hub)
{
	for (size_t i = 0; p && i < p->n_hubs; i++)
		if (!strcmp(m->hosts[p->hubs[i]].meta.name, hub))
			return true;
	return false;
}

/* "12 peers (+2 −1)" for the peers that list hub (bi, hi: report_peers_sorted). */
static void peer_count(const struct report *r, const struct model_peer **bi, const struct model_peer **hi,
		       const char *hub, FILE *f)
{
	size_t n = 0, add = 0, del = 0;

	for (size_t i = 0; i < r->head->n_peers; i++)
		if (lists_hub(r->head, &r->head->peers[i], hub)) {
			n++;
			add += r->base && !lists_hub(r->base, report_peer_find(bi, r->base, r->head->peers[i].meta.name), hub);
		}
	for (size_t i = 0; r->base && i < r->base->n_peers; i++)
		del += lists_hub(r->base, &r->base->peers[i], hub) &&
		       !lists_hub(r->head, report_peer_find(hi, r->head, r->base->peers[i].meta.name), hub);
	fprintf(f, "%zu peer%s", n, n == 1 ? "" : "s");
	if (add || del)
		fprintf(f, " (+%zu −%zu)", add, del);
}

static void text(FILE *f, int x, int y, const char *cls, const char *s, size_t max)
{
	size_t len = strlen(s);

	fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"%s\">", x, y, cls);
	if (len > max) {
		char *t = strndup(s, max - 1);

		report_html_escape(f, t ? t : "");
		fputs("…", f);
		free(t);
	} else {
		report_html_escape(f, s);
	}
	fputs("</text>", f);
}

static void box(const struct report *r, const struct model_peer **bi, const struct model_peer **hi,
		const struct node *n, FILE *f)
{
	char line[PREFIX_STRLEN + 32], p[PREFIX_STRLEN];
	const struct model_host *h = n->h;

	fprintf(f, "<g class=\"%s\"><title>", status_class(n->rh->status));
	report_html_escape(f, h->meta.name);
	fprintf(f, " (%s)</title><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"8\"/>", n->rh->status,
		n->x, n->y, BOX_W, BOX_H);
	text(f, n->x + 8, n->y + 18, "name", h->meta.name, 20);
	snprintf(line, sizeof(line), "%s%s%s", host_role_name(h->role), h->tenant == MODEL_NONE ? "" : " · ",
		 h->tenant == MODEL_NONE ? "" : n->m->tenants[h->tenant].meta.name);
	text(f, n->x + 8, n->y + 36, "sub", line, 26);
	if (host_role_takes_peers(h->role)) {
		fprintf(f, "<text x=\"%d\" y=\"%d\" class=\"sub\">", n->x + 8, n->y + 53);
		peer_count(r, bi, hi, h->meta.name, f);
		fputs("</text>", f);
	} else if (h->n_lans) {
		snprintf(line, sizeof(line), "LAN %s%s", prefix_format(&h->lans[0], p), h->n_lans > 1 ? " +" : "");
		text(f, n->x + 8, n->y + 53, "sub", line, 28);
	}
	fputs("</g>\n", f);
}

static const char *link_class(const struct node *a, const struct node *b)
{
	const char *ca = status_class(a->rh->status), *cb = status_class(b->rh->status);

	if (!strcmp(ca, "del") || !strcmp(cb, "del"))
		return "ldel";
	if (!strcmp(ca, "add") || !strcmp(cb, "add"))
		return "ladd";
	return "lsame";
}

/* 0: a and b do not peer; 1: they do (the mesh, a primary hub, a link); 2: b is a's
 * (or a is b's) hub other than the primary. */
static int peering(const struct node *a, const struct node *b)
{
	const struct model_host *x = a->h, *y = b->h;

	if (strcmp(a->m->networks[x->network].meta.name, b->m->networks[y->network].meta.name))
		return 0;
	for (int k = 0; k < 2; k++, x = b->h, y = a->h) {
		const struct model *m = k ? b->m : a->m;

		for (size_t i = 0; i < x->n_links; i++)
			if (!strcmp(m->hosts[x->links[i]].meta.name, y->meta.name))
				return 1;
		for (size_t i = 0; i < x->n_hubs; i++)
			if (!strcmp(m->hosts[x->hubs[i]].meta.name, y->meta.name))
				return i ? 2 : 1;
	}
	if (a->h->n_hubs || b->h->n_hubs)
		return 0;             /* attached hosts peer with their hubs and links only */
	return a->tier1 || b->tier1;  /* the mesh: drawn to and between the top row */
}

static void links(const struct node *v, size_t n, FILE *f)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			const struct node *a = &v[i], *b = &v[j];
			int p = peering(a, b);
			const char *dash = p == 2 ? " stroke-dasharray=\"3 3\"" : "";

			if (!p)
				continue;
			if (a->y == b->y) {
				int x1 = a->x + BOX_W / 2, x2 = b->x + BOX_W / 2, lift = abs(x2 - x1) / 6 + 20;
				int up = a->tier1;   /* arcs above the top row, below the others */
				int y0 = up ? a->y : a->y + BOX_H, cy = up ? a->y - (lift > a->y - 6 ? a->y - 6 : lift) :
					 y0 + (lift > ROW_H - BOX_H - 6 ? ROW_H - BOX_H - 6 : lift);

				fprintf(f, "<path class=\"%s\"%s d=\"M%d %d Q%d %d %d %d\"/>\n", link_class(a, b), dash, x1, y0,
					(x1 + x2) / 2, cy, x2, y0);
			} else {
				const struct node *t = a->y < b->y ? a : b, *o = a->y < b->y ? b : a;

				fprintf(f, "<line class=\"%s\"%s x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", link_class(a, b),
					dash, t->x + BOX_W / 2, t->y + BOX_H, o->x + BOX_W / 2, o->y);
			}
		}
}

/* Places the nodes: tier 1 (hubs, exits; every Host of a network without one) on
 * one row, the others below, PER_ROW a row. Returns the picture's width. */
static int place(struct node *v, size_t n, int *height)
{
	size_t n1 = 0, n2 = 0, cols;
	int top = 12;

	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (v[i].tier1 && v[j].tier1 && !strcmp(v[i].m->networks[v[i].h->network].meta.name,
								  v[j].m->networks[v[j].h->network].meta.name))
				top = ARC_H;

	for (size_t i = 0; i < n; i++) {
		if (v[i].tier1) {
			v[i].x = 10 + (int)n1++ * COL_W;
			v[i].y = top;
		} else {
			v[i].x = 10 + (int)(n2 % PER_ROW) * COL_W;
			v[i].y = top + ROW_H * (1 + (int)(n2 / PER_ROW));
			n2++;
		}
	}
	cols = n2 < PER_ROW ? n2 : PER_ROW;
	if (n1 > cols)
		cols = n1;
	if (!cols)
		cols = 1;
	*height = top + BOX_H + ROW_H * (int)((n2 + PER_ROW - 1) / PER_ROW) + 10;
	return 20 + (int)cols * COL_W - (COL_W - BOX_W);
}

static bool network_has_hub(const struct model *m, size_t net)
{
	for (size_t i = 0; i < m->n_hosts; i++)
		if (m->hosts[i].network == net && host_role_takes_peers(m->hosts[i].role))
			return true;
	return false;
}

static void peer_name(FILE *f, const char *cls, const char *sign, const char *name, bool *first)
{
	fprintf(f, "%s<span%s%s%s>%s", *first ? "" : ", ", *cls ? " class=\"" : "", cls, *cls ? "\"" : "", sign);
	report_html_escape(f, name);
	fputs("</span>", f);
	*first = false;
}

/* Under the picture: each hub's peers by name when few (added and removed marked). */
static void peer_lists(const struct report *r, const struct node *v, size_t n, const struct model_peer **bi,
		       const struct model_peer **hi, FILE *f)
{
	bool any = false;

	for (size_t k = 0; k < n; k++) {
		const char *hub = v[k].h->meta.name;
		size_t total = 0;
		bool first = true;

		if (!host_role_takes_peers(v[k].h->role))
			continue;
		for (size_t i = 0; i < r->head->n_peers; i++)
			total += lists_hub(r->head, &r->head->peers[i], hub);
		for (size_t i = 0; r->base && i < r->base->n_peers; i++)
			total += lists_hub(r->base, &r->base->peers[i], hub) &&
				 !lists_hub(r->head, report_peer_find(hi, r->head, r->base->peers[i].meta.name), hub);
		if (!total || total > PEERS_LISTED)
			continue;
		fputs(any ? "" : "<ul class=\"small\">", f);
		any = true;
		fputs("<li><strong>", f);
		report_html_escape(f, hub);
		fputs("</strong>: ", f);
		for (size_t i = 0; i < r->head->n_peers; i++) {
			const char *name = r->head->peers[i].meta.name;
			bool added = r->base && !lists_hub(r->base, report_peer_find(bi, r->base, name), hub);

			if (lists_hub(r->head, &r->head->peers[i], hub))
				peer_name(f, added ? "padd" : "", added ? "+" : "", name, &first);
		}
		for (size_t i = 0; r->base && i < r->base->n_peers; i++)
			if (lists_hub(r->base, &r->base->peers[i], hub) &&
			    !lists_hub(r->head, report_peer_find(hi, r->head, r->base->peers[i].meta.name), hub))
				peer_name(f, "pdel", "−", r->base->peers[i].meta.name, &first);
		fputs("</li>\n", f);
	}
	if (any)
		fputs("</ul>\n", f);
}

void report_print_topology(const struct report *r, FILE *f)
{
	struct node *v = calloc(r->n_hosts + 1, sizeof(*v));
	const struct model_peer **bi = report_peers_sorted(r->base), **hi = report_peers_sorted(r->head);
	size_t n = 0;
	int w, h;

	if (!v || !bi || !hi)
		goto out;
	for (size_t i = 0; i < r->n_hosts && n < SVG_HOSTS_MAX; i++) {
		const struct model *m = model_find_host(r->head, r->hosts[i].name) ? r->head : r->base;
		const struct model_host *mh = m ? model_find_host(m, r->hosts[i].name) : NULL;

		if (!mh)
			continue;
		v[n] = (struct node){ &r->hosts[i], mh, m, host_role_takes_peers(mh->role) ||
				      !network_has_hub(m, mh->network), 0, 0 };
		n++;
	}
	w = place(v, n, &h);
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"role=\"img\" aria-label=\"topology\" preserveAspectRatio=\"xMinYMin meet\">\n", w, h, w, h);
	links(v, n, f);
	for (size_t i = 0; i < n; i++)
		box(r, bi, hi, &v[i], f);
	fputs("</svg>\n", f);
	peer_lists(r, v, n, bi, hi, f);
	if (r->n_hosts > n)
		fprintf(f, "<p>%zu more hosts are not drawn (see the table).</p>\n", r->n_hosts - n);
out:
	free(v);
	free(bi);
	free(hi);
}
