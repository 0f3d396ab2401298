/* What the report's printers share: the Peers and Hosts that changed, escaping. */
#include "reconcile/plan/report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int peer_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct model_peer *const *)a)->meta.name, (*(const struct model_peer *const *)b)->meta.name);
}

static int peer_key_cmp(const void *key, const void *elem)
{
	return strcmp(key, (*(const struct model_peer *const *)elem)->meta.name);
}

const struct model_peer **report_peers_sorted(const struct model *m)
{
	const struct model_peer **v = calloc(m ? m->n_peers + 1 : 1, sizeof(*v));

	for (size_t i = 0; v && m && i < m->n_peers; i++)
		v[i] = &m->peers[i];
	if (v && m)
		qsort(v, m->n_peers, sizeof(*v), peer_cmp);
	return v;
}

const struct model_peer *report_peer_find(const struct model_peer **v, const struct model *m, const char *name)
{
	const struct model_peer **p;

	if (!v || !m)
		return NULL;
	p = bsearch(name, v, m->n_peers, sizeof(*v), peer_key_cmp);
	return p ? *p : NULL;
}

static int add(struct report_change **v, size_t *n, const char *kind, const char *name, const char *what,
	       const char *before, const char *after)
{
	struct report_change *p = realloc(*v, (*n + 1) * sizeof(**v));

	if (!p)
		return -ENOMEM;
	*v = p;
	p = &p[(*n)++];
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->name = name;
	p->what = what;
	snprintf(p->before, sizeof(p->before), "%s", before ? before : "");
	snprintf(p->after, sizeof(p->after), "%s", after ? after : "");
	return 0;
}

static int peers(const struct model *base, const struct model *head, struct report_change **v, size_t *n)
{
	const struct model_peer **bi = report_peers_sorted(base), **hi = report_peers_sorted(head);
	char fa[WG_KEY_FP_LEN], fb[WG_KEY_FP_LEN];
	int r = bi && hi ? 0 : -ENOMEM;

	for (size_t i = 0; i < head->n_peers && r == 0; i++) {
		const struct model_peer *p = &head->peers[i], *o = report_peer_find(bi, base, p->meta.name);

		if (!o) {
			r = add(v, n, "peer", p->meta.name, "added", access_level_name(p->access),
				key_fingerprint(p->public_key, fa));
			continue;
		}
		if (memcmp(o->public_key, p->public_key, WG_KEY_LEN))
			r = add(v, n, "peer", p->meta.name, "key", key_fingerprint(o->public_key, fb),
				key_fingerprint(p->public_key, fa));
		if (r == 0 && o->access != p->access)
			r = add(v, n, "peer", p->meta.name, "access", access_level_name(o->access),
				access_level_name(p->access));
	}
	for (size_t i = 0; base && i < base->n_peers && r == 0; i++)
		if (!report_peer_find(hi, head, base->peers[i].meta.name))
			r = add(v, n, "peer", base->peers[i].meta.name, "removed",
				key_fingerprint(base->peers[i].public_key, fb), NULL);
	free(bi);
	free(hi);
	return r;
}

int report_changes(const struct model *base, const struct model *head, struct report_change **out, size_t *n)
{
	char fa[WG_KEY_FP_LEN], fb[WG_KEY_FP_LEN];
	int r;

	*out = NULL;
	*n = 0;
	r = peers(base, head, out, n);
	for (size_t i = 0; i < head->n_hosts && r == 0; i++) {
		const struct model_host *h = &head->hosts[i], *o = base ? model_find_host(base, h->meta.name) : NULL;

		if (base && !o)
			r = add(out, n, "host", h->meta.name, "added", host_role_name(h->role),
				key_fingerprint(h->public_key, fa));
		else if (o && memcmp(o->public_key, h->public_key, WG_KEY_LEN))
			r = add(out, n, "host", h->meta.name, "key", key_fingerprint(o->public_key, fb),
				key_fingerprint(h->public_key, fa));
	}
	for (size_t i = 0; base && i < base->n_hosts && r == 0; i++)
		if (!model_find_host(head, base->hosts[i].meta.name))
			r = add(out, n, "host", base->hosts[i].meta.name, "removed",
				key_fingerprint(base->hosts[i].public_key, fb), NULL);
	if (r < 0) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return r;
}

void report_html_escape(FILE *f, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
}

/* Markdown-safe: table cells and inline code keep their shape, no HTML gets through. */
void report_md_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (strchr("|`*_<>[]\\#&!~", *s))
			fputc('\\', f);
		fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
	}
}
