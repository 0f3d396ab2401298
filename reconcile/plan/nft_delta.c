/* Element-level changes between two rendered table bodies. */
#include "reconcile/plan/nft_delta.h"
#include "reconcile/plan/nft_text.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct set_elems {
	const char *name;              /* points into the body */
	size_t name_len;
	char **v;                      /* element texts, sorted */
	size_t n, cap;
};

struct parsed {
	char *skeleton;                /* the body without its "elements = { … }" clauses */
	struct set_elems *sets;
	size_t n_sets;
};

static void parsed_free(struct parsed *p)
{
	for (size_t i = 0; i < p->n_sets; i++) {
		for (size_t j = 0; j < p->sets[i].n; j++)
			free(p->sets[i].v[j]);
		free(p->sets[i].v);
	}
	free(p->sets);
	free(p->skeleton);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int push_element(const char *e, size_t n, void *data)
{
	struct set_elems *set = data;
	char **v;

	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 16;
		v = reallocarray(set->v, cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		set->v = v;
		set->cap = cap;
	}
	if (!(set->v[set->n] = strndup(e, n)))
		return -ENOMEM;
	set->n++;
	return 0;
}

/* The elements between the braces of an elements clause, sorted. */
static int split_elements(const char *s, const char *end, struct set_elems *set)
{
	int r = nft_split_elements(s, (size_t)(end - s), push_element, set);

	if (r == 0)
		qsort(set->v, set->n, sizeof(*set->v), str_cmp);
	return r;
}

/* nft's identifiers: what rendered bodies name their sets and maps. */
static bool is_identifier(const char *s, size_t len)
{
	if (len == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

static const struct set_elems *find_set(const struct parsed *p, const struct set_elems *like);

/* The name after "\tset " or "\tmap " at the start of a line, or NULL. */
static const char *set_header(const char *line, size_t *len)
{
	const char *p = line;

	while (*p == '\t' || *p == ' ')
		p++;
	if (strncmp(p, "set ", 4) && strncmp(p, "map ", 4))
		return NULL;
	p += 4;
	*len = strcspn(p, " {\n");
	return *len ? p : NULL;
}

static int parse(const char *body, struct parsed *out)
{
	size_t cap = 0, len = strlen(body), sk = 0;
	const char *p = body, *end = body + len;
	struct set_elems *cur = NULL;
	int r;

	out->skeleton = malloc(len + 1);
	if (!out->skeleton)
		return -ENOMEM;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *name, *q;
		size_t line_len = (nl ? (size_t)(nl - p) + 1 : (size_t)(end - p)), name_len;

		if ((name = set_header(p, &name_len))) {
			struct set_elems like = { .name = name, .name_len = name_len };

			/* the patch names sets as they are written here: only plain
			 * names, each once, are known to mean one set */
			if (!is_identifier(name, name_len) || find_set(out, &like))
				return -EINVAL;
			if (out->n_sets == cap) {
				struct set_elems *s;
				cap = cap ? cap * 2 : 16;
				s = reallocarray(out->sets, cap, sizeof(*s));
				if (!s)
					return -ENOMEM;
				out->sets = s;
			}
			cur = &out->sets[out->n_sets++];
			*cur = (struct set_elems){ .name = name, .name_len = name_len };
		}
		q = p;
		while (q < p + line_len && (*q == '\t' || *q == ' '))
			q++;
		if (cur && !strncmp(q, "elements = {", 12)) {
			/* the clause may span lines: up to its closing brace */
			const char *open = q + 11, *c = open;
			bool quoted = false;
			int depth = 0;

			for (; c < end; c++) {
				if (*c == '"')
					quoted = !quoted;
				else if (!quoted && *c == '#')
					/* nft reads a comment to the end of the line, quotes
					 * and braces in it included: an element with one could
					 * end the command early and start another */
					return -EINVAL;
				else if (!quoted && *c == '{')
					depth++;
				else if (!quoted && *c == '}' && --depth == 0)
					break;
			}
			if (c >= end)
				return -EINVAL;
			r = split_elements(open + 1, c, cur);
			if (r < 0)
				return r;
			p = c + 1;
			if (p < end && *p == '\n')
				p++;
			continue;
		}
		memcpy(out->skeleton + sk, p, line_len);
		sk += line_len;
		p += line_len;
	}
	out->skeleton[sk] = '\0';
	return 0;
}

static const struct set_elems *find_set(const struct parsed *p, const struct set_elems *like)
{
	for (size_t i = 0; i < p->n_sets; i++)
		if (p->sets[i].name_len == like->name_len && !memcmp(p->sets[i].name, like->name, like->name_len))
			return &p->sets[i];
	return NULL;
}

/* Elements of a not in b, as one command. */
static void emit(FILE *f, const char *verb, const char *family, const char *table, const struct set_elems *a,
		 const struct set_elems *b)
{
	size_t i = 0, j = 0;
	bool any = false;

	while (i < a->n) {
		int c = j < b->n ? strcmp(a->v[i], b->v[j]) : -1;

		if (c > 0) {
			j++;
			continue;
		}
		if (c < 0) {
			if (!any)
				fprintf(f, "%s element %s %s %.*s { ", verb, family, table, (int)a->name_len, a->name);
			fprintf(f, "%s%s", any ? ", " : "", a->v[i]);
			any = true;
		} else {
			j++;
		}
		i++;
	}
	if (any)
		fputs(" }\n", f);
}

int nft_delta_patch(const char *family, const char *table, const char *old, const char *new, char **patch)
{
	struct parsed a = { 0 }, b = { 0 };
	char *text = NULL;
	size_t len;
	FILE *f = NULL;
	int r;

	*patch = NULL;
	r = parse(old, &a);
	if (r == 0)
		r = parse(new, &b);
	if (r == -EINVAL) {
		r = 0;   /* not a body this knows how to read (its skeleton is unfinished): replace */
		goto out;
	}
	if (r < 0 || !a.skeleton || !b.skeleton || strcmp(a.skeleton, b.skeleton) || a.n_sets != b.n_sets)
		goto out;
	f = open_memstream(&text, &len);
	if (!f) {
		r = -ENOMEM;
		goto out;
	}
	/* removals first: an interval map may only take the new element once the
	 * old one overlapping it is gone */
	for (size_t i = 0; i < a.n_sets; i++) {
		const struct set_elems *o = &a.sets[i], *n = find_set(&b, o);
		struct set_elems none = { 0 };
		emit(f, "delete", family, table, o, n ? n : &none);
	}
	for (size_t i = 0; i < b.n_sets; i++) {
		const struct set_elems *n = &b.sets[i], *o = find_set(&a, n);
		struct set_elems none = { 0 };
		emit(f, "add", family, table, n, o ? o : &none);
	}
	if (fclose(f) != 0) {
		f = NULL;
		r = -ENOMEM;
		goto out;
	}
	f = NULL;
	*patch = text;
	text = NULL;
out:
	if (f)
		fclose(f);
	free(text);
	parsed_free(&a);
	parsed_free(&b);
	return r < 0 ? r : 0;
}
