/* Readable differences between two listings of one nftables table. */
#include "reconcile/plan/nft_listing.h"
#include "reconcile/plan/nft_text.h"
#include "model/str.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTEXT_MAX 8

struct entries {
	char **v;
	size_t n, cap;
	bool oom;
};

/* Takes s (NULL: out of memory). */
static void entries_push(struct entries *e, char *s)
{
	if (!s || e->oom) {
		free(s);
		e->oom = true;
		return;
	}
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 64;
		char **v = reallocarray(e->v, cap, sizeof(*v));
		if (!v) {
			free(s);
			e->oom = true;
			return;
		}
		e->v = v;
		e->cap = cap;
	}
	e->v[e->n++] = s;
}

__attribute__((format(printf, 2, 3)))
static void entries_addf(struct entries *e, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = str_vprintf(fmt, ap);
	va_end(ap);
	entries_push(e, s);
}

static void entries_clear(struct entries *e)
{
	nft_listing_lines_free(e->v, e->n);
	*e = (struct entries){ 0 };
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* Brace depth change of s[0..len), outside quoted strings. */
static long brace_delta(const char *s, size_t len)
{
	bool quoted = false;
	long d = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			quoted = !quoted;
		else if (!quoted && s[i] == '{')
			d++;
		else if (!quoted && s[i] == '}')
			d--;
	}
	return d;
}

/* Where a "# …" annotation starts in s[0..end) ("table inet wgf { # progname
 * nft"), outside quoted strings; end when there is none. */
static const char *comment_start(const char *s, const char *end)
{
	bool quoted = false;

	for (; s < end; s++) {
		if (*s == '"')
			quoted = !quoted;
		else if (!quoted && *s == '#')
			return s;
	}
	return end;
}

struct element_ctx {
	struct entries *e;
	const char *where;
};

static int add_element(const char *el, size_t n, void *data)
{
	struct element_ctx *c = data;

	entries_addf(c->e, "%s: element %.*s", c->where, (int)n, el);
	return 0;
}

/* "elements = { a, b : jump x, c comment "p, q" }": one entry per element. */
static void add_elements(struct entries *e, const char *where, const char *s, size_t len)
{
	const char *open = memchr(s, '{', len), *end = s + len;
	struct element_ctx c = { e, where };

	while (end > open && end[-1] != '}')
		end--;
	if (end <= open + 1) {
		entries_addf(e, "%s: %.*s", where, (int)len, s);
		return;
	}
	nft_split_elements(open + 1, (size_t)(end - 1 - (open + 1)), add_element, &c);
}

static void add_statement(struct entries *e, const char *where, const char *s, size_t len)
{
	if (len > 12 && !strncmp(s, "elements = {", 12))
		add_elements(e, where, s, len);
	else
		entries_addf(e, "%s: %.*s", where, (int)len, s);
}

/* The listing as entries "WHERE: STATEMENT", WHERE being the innermost block
 * ("chain from_tunnel", "set peers"); a statement over several lines is joined. */
static int listing_entries(const char *text, struct entries *e)
{
	char *ctx[CONTEXT_MAX] = { 0 }, *joined = NULL;
	size_t depth = 0;
	const char *p = text ? text : "";

	while (*p && !e->oom) {
		const char *nl = strchrnul(p, '\n'), *a = p, *b = nl;
		const char *where = depth == 0 ? "table" : ctx[(depth < CONTEXT_MAX ? depth : CONTEXT_MAX) - 1];
		char *n;

		p = *nl ? nl + 1 : nl;
		b = comment_start(a, b);
		while (a < b && is_space(*a))
			a++;
		while (b > a && is_space(b[-1]))
			b--;
		if (a == b)
			continue;
		if (joined) {
			size_t jlen = strlen(joined);
			n = realloc(joined, jlen + (size_t)(b - a) + 2);
			if (!n) {
				e->oom = true;
				break;
			}
			joined = n;
			sprintf(joined + jlen, " %.*s", (int)(b - a), a);
			if (brace_delta(joined, strlen(joined)) > 0)
				continue;
			add_statement(e, where, joined, strlen(joined));
			free(joined);
			joined = NULL;
		} else if (b[-1] == '{' && brace_delta(a, (size_t)(b - a)) == 1 && strncmp(a, "elements", 8)) {
			/* a block: "chain from_tunnel {" */
			n = strndup(a, (size_t)(b - a - 1));
			if (!n) {
				e->oom = true;
				break;
			}
			for (size_t l = strlen(n); l > 0 && is_space(n[l - 1]); l--)
				n[l - 1] = '\0';
			if (depth < CONTEXT_MAX)
				ctx[depth] = n;
			else
				free(n);
			depth++;
		} else if (b - a == 1 && *a == '}') {
			if (depth > 0 && --depth < CONTEXT_MAX) {
				free(ctx[depth]);
				ctx[depth] = NULL;
			}
		} else if (brace_delta(a, (size_t)(b - a)) > 0) {
			joined = strndup(a, (size_t)(b - a));
			if (!joined)
				e->oom = true;
		} else {
			add_statement(e, where, a, (size_t)(b - a));
		}
	}
	if (joined && !e->oom)
		add_statement(e, depth ? ctx[(depth < CONTEXT_MAX ? depth : CONTEXT_MAX) - 1] : "table",
			      joined, strlen(joined));
	free(joined);
	for (size_t i = 0; i < CONTEXT_MAX; i++)
		free(ctx[i]);
	return e->oom ? -ENOMEM : 0;
}

static int str_ptr_cmp(const void *a, const void *b)
{
	return strcmp(**(char *const *const *)a, **(char *const *const *)b);
}

/* Marks in found[] the entries of a[0..na) that b[0..nb) has too (as multisets). */
static int match(char **a, size_t na, char **b, size_t nb, bool *found_a, bool *found_b)
{
	char ***pa = calloc(na + 1, sizeof(*pa)), ***pb = calloc(nb + 1, sizeof(*pb));
	size_t i = 0, j = 0;

	if (!pa || !pb) {
		free(pa);
		free(pb);
		return -ENOMEM;
	}
	for (size_t k = 0; k < na; k++)
		pa[k] = &a[k];
	for (size_t k = 0; k < nb; k++)
		pb[k] = &b[k];
	qsort(pa, na, sizeof(*pa), str_ptr_cmp);
	qsort(pb, nb, sizeof(*pb), str_ptr_cmp);
	while (i < na && j < nb) {
		int c = strcmp(*pa[i], *pb[j]);
		if (c < 0) {
			i++;
		} else if (c > 0) {
			j++;
		} else {
			found_a[pa[i++] - a] = true;
			found_b[pb[j++] - b] = true;
		}
	}
	free(pa);
	free(pb);
	return 0;
}

static void out_add(struct entries *out, size_t max, size_t *hidden, char sign, const char *s)
{
	if (out->n >= max)
		(*hidden)++;
	else
		entries_addf(out, "%c %s", sign, s);
}

int nft_listing_diff(const char *old, const char *new, size_t max, char ***lines, size_t *n_lines)
{
	struct entries a = { 0 }, b = { 0 }, out = { 0 };
	bool *fa = NULL, *fb = NULL;
	size_t pre = 0, suf = 0, na, nb, hidden = 0;
	int r;

	*lines = NULL;
	*n_lines = 0;
	r = listing_entries(old, &a);
	if (r >= 0)
		r = listing_entries(new, &b);
	if (r < 0)
		goto out;
	/* Unchanged beginning and end: what is left in between is what differs. */
	while (pre < a.n && pre < b.n && !strcmp(a.v[pre], b.v[pre]))
		pre++;
	while (suf < a.n - pre && suf < b.n - pre && !strcmp(a.v[a.n - 1 - suf], b.v[b.n - 1 - suf]))
		suf++;
	na = a.n - pre - suf;
	nb = b.n - pre - suf;
	fa = calloc(na + 1, sizeof(*fa));
	fb = calloc(nb + 1, sizeof(*fb));
	if (!fa || !fb) {
		r = -ENOMEM;
		goto out;
	}
	r = match(a.v + pre, na, b.v + pre, nb, fa, fb);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < na; i++)
		if (!fa[i])
			out_add(&out, max, &hidden, '-', a.v[pre + i]);
	for (size_t i = 0; i < nb; i++)
		if (!fb[i])
			out_add(&out, max, &hidden, '+', b.v[pre + i]);
	if (out.n == 0 && !hidden && strcmp(old ? old : "", new ? new : ""))
		out_add(&out, SIZE_MAX, &hidden, '~', na ? "the same rules and elements in another order" :
			"the same rules and elements, written differently");
	if (hidden)
		entries_addf(&out, "… %zu more", hidden);
	if (out.oom) {
		r = -ENOMEM;
		goto out;
	}
	*lines = out.v;
	*n_lines = out.n;
	out = (struct entries){ 0 };
out:
	free(fa);
	free(fb);
	entries_clear(&a);
	entries_clear(&b);
	entries_clear(&out);
	return r;
}

void nft_listing_lines_free(char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}
