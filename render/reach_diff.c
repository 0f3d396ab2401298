/* The reachability diff (render/reach_diff.h): endpoints of both models, grouped by
 * what the evaluator looks at, every group pair evaluated at base and at head. */
#include "render/reach_diff.h"
#include "render/reach_int.h"
#include "model/str.h"

#include <errno.h>

#define REACH_FOLDED 0x100    /* merged into its IPv4 twin */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const reach_kind_names[] = { "tunnel", "lan", "internet", "forward" };

static int ep_cmp_key(const void *a, const void *b)
{
	const struct rd_ep *const *x = a, *const *y = b;
	int c = strcmp((*x)->key, (*y)->key);

	return c ? c : ((*x)->order > (*y)->order) - ((*x)->order < (*y)->order);
}

/* The group's label: its member, or how many and some of their names. */
static char *group_label(const struct rd_ctx *c, struct rd_ep **mem, size_t n)
{
	const struct rd_ep *e = mem[0];
	char *names = NULL, *s;
	size_t shown = 0;

	if (n == 1 || e->kind == REACH_INTERNET || e->kind == REACH_FORWARD)
		return rd_ep_describe(c, e);
	for (size_t i = 0; i < n && shown < 5; i++) {
		if (i && mem[i]->owner == mem[i - 1]->owner)
			continue;
		s = str_printf("%s%s%s", names ? names : "", names ? ", " : "", mem[i]->owner);
		free(names);
		if (!(names = s))
			return NULL;
		shown++;
	}
	s = rd_group_describe(c, e, n, names, n > shown ? n - shown : 0);
	free(names);
	return s;
}

/* Sorts the endpoints by key and makes one reach_end per group. */
static int group(struct rd_ctx *c, struct rd_ep ***sorted)
{
	struct rd_ep **v = calloc(c->n_ep ? c->n_ep : 1, sizeof(*v));
	struct reach_diff *out = c->out;
	size_t i = 0;

	if (!v)
		return -ENOMEM;
	for (size_t k = 0; k < c->n_ep; k++)
		v[k] = &c->ep[k];
	qsort(v, c->n_ep, sizeof(*v), ep_cmp_key);
	out->ends = calloc(c->n_ep ? c->n_ep : 1, sizeof(*out->ends));
	c->grp = calloc(c->n_ep ? c->n_ep : 1, sizeof(*c->grp));
	if (!out->ends || !c->grp) {
		free(v);
		return -ENOMEM;
	}
	while (i < c->n_ep) {
		size_t j = i, g = out->n_ends++;
		struct reach_end *end = &out->ends[g];

		while (j < c->n_ep && !strcmp(v[j]->key, v[i]->key))
			v[j++]->group = g;
		c->grp[g] = (struct rd_group){ .first = i, .n = j - i };
		end->kind = v[i]->kind;
		end->family = v[i]->family;
		end->n_members = j - i;
		end->tenant = v[i]->tenant;
		prefix_format_addr(&v[i]->addr[v[i]->present[1] ? 1 : 0], end->addr);
		if (!(end->label = group_label(c, &v[i], j - i))) {
			free(v);
			return -ENOMEM;
		}
		i = j;
	}
	*sorted = v;
	return 0;
}

static bool pair_wanted(const struct rd_ep *s, const struct rd_ep *d)
{
	if (s->family != d->family)
		return false;
	if (s->kind == REACH_INTERNET)
		return d->kind == REACH_FORWARD;
	if (s->kind == REACH_FORWARD || d->kind == REACH_FORWARD)
		return false;
	return true;
}

static unsigned flow_flags(const struct reach_diff *out, size_t sg, size_t dg, bool before, bool after, bool serves)
{
	const struct reach_end *s = &out->ends[sg], *d = &out->ends[dg];
	unsigned f = 0;

	if (before || !after)
		return 0;
	f |= REACH_OPENED;
	if (d->tenant && (!s->tenant || strcmp(s->tenant, d->tenant)) && !serves)
		f |= REACH_CROSS_TENANT;
	if (s->kind == REACH_INTERNET || d->kind == REACH_INTERNET || d->kind == REACH_FORWARD)
		f |= REACH_INTERNET_PATH;
	return f;
}

/* Adds the service's changed verdict to the pair's flows (from `start`): to one with
 * the same verdicts and reasons, or as a new flow. Takes the verdicts' strings. */
static int add_flow(struct rd_ctx *c, size_t start, size_t sg, size_t dg, const char *svc,
		    struct rd_verdict *v, bool serves)
{
	struct reach_diff *out = c->out;
	struct reach_flow *f;
	char *s;

	for (size_t i = start; i < out->n_flows; i++) {
		f = &out->flows[i];
		if (f->before != v[0].accept || f->after != v[1].accept || strcmp(f->why_before, v[0].why) ||
		    strcmp(f->why_after, v[1].why))
			continue;
		if (!(s = str_printf("%s, %s", f->services, svc)))
			return -ENOMEM;
		free(f->services);
		f->services = s;
		rd_verdict_clear(&v[0]);
		rd_verdict_clear(&v[1]);
		return 0;
	}
	if (out->n_flows == c->cap_flows) {
		size_t cap = c->cap_flows ? 2 * c->cap_flows : 64;
		void *p = realloc(out->flows, cap * sizeof(*out->flows));

		if (!p)
			return -ENOMEM;
		out->flows = p;
		c->cap_flows = cap;
	}
	f = &out->flows[out->n_flows];
	*f = (struct reach_flow){ .src = sg, .dst = dg, .before = v[0].accept, .after = v[1].accept,
				  .why_before = v[0].why, .why_after = v[1].why };
	if (!(f->services = strdup(svc)))
		return -ENOMEM;
	out->n_flows++;
	v[0].why = v[1].why = NULL;
	/* the rule that decides the verdict the change brought */
	f->loc_at_base = !v[1].loc.line && v[0].loc.line;
	f->loc = f->loc_at_base ? v[0].loc : v[1].loc;
	f->host = v[1].host ? v[1].host : v[0].host;
	f->flags = flow_flags(out, sg, dg, f->before, f->after, serves);
	out->n_opened += f->after;
	out->n_closed += f->before;
	out->n_flagged += (f->flags & (REACH_CROSS_TENANT | REACH_INTERNET_PATH)) != 0;
	return 0;
}

/* Every service between one source group and one destination group. */
static int eval_pair(struct rd_ctx *c, struct rd_ep **sorted, size_t sg, size_t dg)
{
	const struct rd_group *gs = &c->grp[sg], *gd = &c->grp[dg];
	const struct rd_ep *s = sorted[gs->first], *d = sorted[gd->first];
	size_t start = c->out->n_flows;
	int r = 0;

	if (!pair_wanted(s, d))
		return 0;
	if (sg == dg) {
		if (gd->n < 2)
			return 0;
		d = sorted[gd->first + 1];
	}
	for (size_t k = 0; k < c->n_svc; k++) {
		const struct rd_svc *sv = &c->svc[k];
		struct rd_verdict v[2] = { 0 };
		char name[32];

		if (d->kind == REACH_FORWARD && (sv->proto != d->proto || sv->port != d->port))
			continue;
		for (int mi = 0; mi < 2 && r == 0; mi++)
			r = rd_evaluate(c, mi, s, d, sv, &v[mi]);
		if (r == 0 && v[0].accept != v[1].accept) {
			rd_service_name(sv, name, sizeof(name));
			r = add_flow(c, start, sg, dg, name, v, rd_serves(c, s, d));
		}
		rd_verdict_clear(&v[0]);
		rd_verdict_clear(&v[1]);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool same_flow(const struct reach_diff *o, const struct reach_flow *a, const struct reach_flow *b)
{
	return a->before == b->before && a->after == b->after && a->loc.file == b->loc.file &&
	       a->loc_at_base == b->loc_at_base &&
	       a->loc.line == b->loc.line && !strcmp(a->services, b->services) &&
	       !strcmp(o->ends[a->src].label, o->ends[b->src].label) &&
	       !strcmp(o->ends[a->dst].label, o->ends[b->dst].label);
}

static void flow_clear(struct reach_flow *f)
{
	free(f->services);
	free(f->why_before);
	free(f->why_after);
}

/* An IPv6 flow that repeats an IPv4 one (same endpoints, services, verdicts and
 * deciding rule) is folded into it. */
static void merge_families(struct reach_diff *o)
{
	size_t w = 0;

	for (size_t i = 0; i < o->n_flows; i++) {
		struct reach_flow *f = &o->flows[i];

		if (o->ends[f->src].family != AF_INET6)
			continue;
		for (size_t j = 0; j < o->n_flows; j++)
			if (o->ends[o->flows[j].src].family == AF_INET && !o->flows[j].both_families &&
			    same_flow(o, &o->flows[j], f)) {
				o->flows[j].both_families = true;
				f->flags |= REACH_FOLDED;
				break;
			}
	}
	for (size_t i = 0; i < o->n_flows; i++) {
		struct reach_flow *f = &o->flows[i];

		if (f->flags & REACH_FOLDED) {
			o->n_opened -= f->after;
			o->n_closed -= f->before;
			o->n_flagged -= (f->flags & (REACH_CROSS_TENANT | REACH_INTERNET_PATH)) != 0;
			flow_clear(f);
		} else {
			o->flows[w++] = *f;
		}
	}
	o->n_flows = w;
}

static int compute(const struct model *base, const struct model *head, int64_t now, bool each,
		   struct reach_diff *out)
{
	struct rd_ctx c = { .now = now, .each = each, .out = out };
	struct rd_ep **sorted = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	r = rd_ctx_init(&c, base, head);
	if (r == 0)
		r = rd_endpoints(&c);
	if (r == 0)
		r = group(&c, &sorted);
	for (size_t s = 0; r == 0 && s < out->n_ends; s++)
		for (size_t d = 0; r == 0 && d < out->n_ends; d++)
			r = eval_pair(&c, sorted, s, d);
	if (r == 0)
		merge_families(out);
	out->n_endpoints = c.n_ep;
	out->n_services = c.n_svc;
	out->n_evaluations = c.n_evaluations;
	free(sorted);
	rd_ctx_free(&c);
	if (r < 0)
		reach_diff_clear(out);
	return r;
}

int reach_diff_compute(const struct model *base, const struct model *head, int64_t now, struct reach_diff *out)
{
	return compute(base, head, now, false, out);
}

int reach_diff_compute_each(const struct model *base, const struct model *head, int64_t now, struct reach_diff *out)
{
	return compute(base, head, now, true, out);
}

void reach_diff_clear(struct reach_diff *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n_ends; i++)
		free(d->ends[i].label);
	for (size_t i = 0; i < d->n_flows; i++)
		flow_clear(&d->flows[i]);
	free(d->ends);
	free(d->flows);
	memset(d, 0, sizeof(*d));
}
