#include "model/yaml_tree.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "model/model.h"

struct frame {
	struct ynode *node;
	struct ynode *pending_key;     /* mapping: a key waiting for its value */
};

struct builder {
	struct ytree *t;
	const char *file;
	struct diag *d;
	struct ybudget *budget;
	bool over_budget;
	size_t cap_docs;
	struct ydoc doc;
	struct frame stack[MODEL_MAX_DEPTH];
	size_t depth;
};

/* Nodes of one file live and die together: an arena makes freeing a tree of
 * thousands of small nodes a few free() calls. */
struct yarena {
	struct yarena *next;
	size_t used, size;
	max_align_t data[];
};

/* Most files are one small object: start small, double up to YARENA_CHUNK_MAX. */
#define YARENA_CHUNK_MIN 1024
#define YARENA_CHUNK_MAX 65536

static void *arena_alloc(struct ytree *t, size_t n)
{
	struct yarena *a = t->arena;
	void *p;

	n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	if (!a || a->size - a->used < n) {
		size_t chunk = !a ? YARENA_CHUNK_MIN : a->size >= YARENA_CHUNK_MAX / 2 ? YARENA_CHUNK_MAX : a->size * 2;
		bool own = n > chunk / 4;
		size_t size = own ? n : chunk;
		struct yarena *c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->used = 0;
		c->size = size;
		if (a && own) {
			/* a big block gets a chunk of its own behind the current one */
			c->next = a->next;
			a->next = c;
		} else {
			c->next = a;
			t->arena = c;
		}
		a = c;
	}
	p = (char *)a->data + a->used;
	a->used += n;
	return p;
}

void ytree_free(struct ytree *t)
{
	if (!t)
		return;
	while (t->arena) {
		struct yarena *next = t->arena->next;
		free(t->arena);
		t->arena = next;
	}
	free(t->docs);
	t->docs = NULL;
	t->n_docs = 0;
}

static void error_at(struct builder *b, const yaml_mark_t *m, const char *msg)
{
	struct wgf_loc loc = { b->file, (unsigned)m->line + 1, (unsigned)m->column + 1 };

	diag_add(b->d, &loc, "%s", msg);
}

void ybudget_init(struct ybudget *b, size_t max)
{
	atomic_init(&b->used, 0);
	b->max = max;
	atomic_flag_clear(&b->reported);
}

/* Takes one node from the budget; false (reported once per budget) when it is spent. */
static bool budget_take(struct builder *b, const yaml_mark_t *m)
{
	if (atomic_fetch_add_explicit(&b->budget->used, 1, memory_order_relaxed) < b->budget->max)
		return true;
	b->over_budget = true;
	if (!atomic_flag_test_and_set(&b->budget->reported)) {
		struct wgf_loc loc = { b->file, (unsigned)m->line + 1, (unsigned)m->column + 1 };
		diag_add(b->d, &loc, "too many YAML values: the repository may hold at most %zu "
			 "(scalars, lists, mappings and documents together); nothing more is read",
			 b->budget->max);
	}
	return false;
}

static struct ynode *node_new(struct builder *b, enum ynode_type type, const yaml_mark_t *m)
{
	struct ynode *n;

	if (!budget_take(b, m))
		return NULL;
	n = arena_alloc(b->t, sizeof(*n));
	if (!n)
		return NULL;
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->line = (unsigned)m->line + 1;
	n->col = (unsigned)m->column + 1;
	return n;
}

static bool grow(struct builder *b, void **arr, size_t *cap, size_t n, size_t size)
{
	size_t c;
	void *p;

	if (n < *cap)
		return true;
	c = *cap ? *cap * 2 : 4;
	if (c > SIZE_MAX / size)
		return false;
	p = arena_alloc(b->t, c * size);
	if (!p)
		return false;
	if (n)
		memcpy(p, *arr, n * size);
	*arr = p;
	*cap = c;
	return true;
}

/* Hangs n under the innermost open collection, or makes it the root.
 * Takes ownership of n even on failure. */
static bool attach(struct builder *b, struct ynode *n)
{
	struct frame *f;
	struct ynode *p;

	if (b->depth == 0) {
		b->doc.root = n;
		return true;
	}
	f = &b->stack[b->depth - 1];
	p = f->node;
	if (p->type == YNODE_SEQUENCE) {
		if (!grow(b, (void **)&p->items, &p->cap, p->n, sizeof(*p->items)))
			return false;
		p->items[p->n++] = n;
		return true;
	}
	if (!f->pending_key) {
		if (!grow(b, (void **)&p->pairs, &p->cap, p->n, sizeof(*p->pairs)))
			return false;
		p->pairs[p->n].key = n;
		p->pairs[p->n].value = NULL;
		p->n++;
		f->pending_key = n;
		if (n->type != YNODE_SCALAR) {
			struct wgf_loc loc = { b->file, n->line, n->col };
			diag_add(b->d, &loc, "mapping keys must be plain strings");
			b->doc.bad = true;
		}
		return true;
	}
	p->pairs[p->n - 1].value = n;
	f->pending_key = NULL;
	return true;
}

static int key_cmp(const struct ynode *a, const struct ynode *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int r = memcmp(a->value, b->value, n);

	if (r)
		return r;
	return a->len < b->len ? -1 : a->len > b->len;
}

static int pair_index_cmp(const void *pa, const void *pb, void *arg)
{
	const struct ynode *map = arg;
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	const struct ynode *ka = map->pairs[a].key, *kb = map->pairs[b].key;
	int r;

	if (ka->type != YNODE_SCALAR || kb->type != YNODE_SCALAR)
		r = (ka->type == YNODE_SCALAR) - (kb->type == YNODE_SCALAR);
	else
		r = key_cmp(ka, kb);
	if (r)
		return r;
	return a < b ? -1 : a > b;
}

/* Reports and drops every later occurrence of a key: the loader sees the first.
 * Sorting keeps mappings with many keys from taking quadratic time. */
static bool check_duplicate_keys(struct builder *b, struct ynode *map)
{
	size_t *idx = NULL, out = 0;
	bool *drop = NULL, ok = false;

	if (map->n < 2)
		return true;
	idx = calloc(map->n, sizeof(*idx));
	drop = calloc(map->n, sizeof(*drop));
	if (!idx || !drop)
		goto out;
	for (size_t i = 0; i < map->n; i++)
		idx[i] = i;
	qsort_r(idx, map->n, sizeof(*idx), pair_index_cmp, map);
	for (size_t i = 1, first = 0; i < map->n; i++) {
		const struct ynode *k0 = map->pairs[idx[first]].key, *k = map->pairs[idx[i]].key;

		if (k->type != YNODE_SCALAR || k0->type != YNODE_SCALAR || key_cmp(k0, k)) {
			first = i;
			continue;
		}
		struct wgf_loc loc = { b->file, k->line, k->col };
		diag_add(b->d, &loc, "duplicate key %s (first at %s:%u:%u)",
			 diag_quote(k->value), b->file, k0->line, k0->col);
		drop[idx[i]] = true;
		b->doc.bad = true;
	}
	for (size_t i = 0; i < map->n; i++) {
		if (drop[i])
			continue;
		map->pairs[out++] = map->pairs[i];
	}
	map->n = out;
	ok = true;
out:
	free(idx);
	free(drop);
	return ok;
}

/* Anchors and tags are reported but otherwise ignored, so the rest of the
 * document can still be checked. */
static void check_props(struct builder *b, const yaml_event_t *ev, const yaml_char_t *anchor,
			const yaml_char_t *tag)
{
	if (anchor) {
		error_at(b, &ev->start_mark, "anchors and aliases are not allowed");
		b->doc.bad = true;
	}
	if (tag) {
		struct wgf_loc loc = { b->file, (unsigned)ev->start_mark.line + 1,
				       (unsigned)ev->start_mark.column + 1 };
		diag_add(b->d, &loc, "explicit tags are not allowed (%s)", diag_quote((const char *)tag));
		b->doc.bad = true;
	}
}

static bool push_doc(struct builder *b, struct ytree *t, const yaml_mark_t *m)
{
	struct ydoc *docs;
	const struct ynode *r = b->doc.root;

	/* empty documents cost nothing to keep, but a budget still bounds their number */
	if (!budget_take(b, m))
		return false;
	/* An empty document ("---" alone, or only comments) is nothing to load. */
	if (!r || (r->type == YNODE_SCALAR && !r->quoted && r->len == 0)) {
		memset(&b->doc, 0, sizeof(b->doc));
		return true;
	}
	if (t->n_docs == b->cap_docs) {
		size_t cap = b->cap_docs ? b->cap_docs * 2 : 4;
		docs = reallocarray(t->docs, cap, sizeof(*docs));
		if (!docs)
			return false;
		t->docs = docs;
		b->cap_docs = cap;
	}
	t->docs[t->n_docs++] = b->doc;
	memset(&b->doc, 0, sizeof(b->doc));
	return true;
}

/* The line and column (1-based, in characters) of byte off of buf. */
static void offset_loc(const char *buf, size_t off, struct wgf_loc *loc)
{
	loc->line = 1;
	loc->col = 1;
	for (size_t i = 0; i < off; i++) {
		if (buf[i] == '\n') {
			loc->line++;
			loc->col = 1;
		} else if (((unsigned char)buf[i] & 0xc0) != 0x80) {
			loc->col++;
		}
	}
}

/* A byte-order mark anywhere but at the very start (files glued together by an
 * editor or a script) confuses the YAML parser into an unrelated syntax error. */
static bool check_stray_bom(struct builder *b, const char *buf, size_t len)
{
	const char *p = len > 3 ? memmem(buf + 1, len - 1, "\xef\xbb\xbf", 3) : NULL;
	struct wgf_loc loc = { b->file, 0, 0 };

	if (!p)
		return true;
	offset_loc(buf, (size_t)(p - buf), &loc);
	diag_add(b->d, &loc, "a byte-order mark (U+FEFF) in the middle of the file: remove it "
		 "(it is allowed only as the first character)");
	return false;
}

static void syntax_error(struct builder *b, const yaml_parser_t *p, const char *buf, size_t len)
{
	struct wgf_loc loc = { b->file, 0, 0 };

	if (p->error == YAML_MEMORY_ERROR) {
		diag_add(b->d, &loc, "out of memory while parsing YAML");
		return;
	}
	if (p->error == YAML_READER_ERROR) {
		/* Reader errors carry a byte offset, not a mark. */
		offset_loc(buf, p->problem_offset < len ? p->problem_offset : len, &loc);
		diag_add(b->d, &loc, "YAML syntax error: %s", p->problem ? p->problem : "invalid input");
		return;
	}
	loc.line = (unsigned)p->problem_mark.line + 1;
	loc.col = (unsigned)p->problem_mark.column + 1;
	if (p->context)
		diag_add(b->d, &loc, "YAML syntax error: %s (%s at line %zu column %zu)",
			 p->problem ? p->problem : "invalid input", p->context,
			 p->context_mark.line + 1, p->context_mark.column + 1);
	else
		diag_add(b->d, &loc, "YAML syntax error: %s", p->problem ? p->problem : "invalid input");
}

bool ytree_parse(const char *file, const char *buf, size_t len, struct ybudget *budget,
		 struct ytree *out, struct diag *d)
{
	struct ybudget own;
	struct builder b = { .t = out, .file = file, .d = d, .budget = budget };
	yaml_parser_t parser;
	yaml_event_t ev;
	bool have_event = false, done = false, ok = false;

	memset(out, 0, sizeof(*out));
	if (!budget) {
		ybudget_init(&own, MODEL_MAX_NODES);
		b.budget = &own;
	}
	if (len > MODEL_MAX_FILE_SIZE) {
		struct wgf_loc loc = { file, 0, 0 };
		diag_add(d, &loc, "file is larger than %u MiB", MODEL_MAX_FILE_SIZE >> 20);
		return false;
	}
	if (!check_stray_bom(&b, buf, len))
		return false;
	if (!yaml_parser_initialize(&parser)) {
		diag_add(d, NULL, "cannot initialize the YAML parser");
		return false;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);

	while (!done) {
		struct ynode *n = NULL;

		if (!yaml_parser_parse(&parser, &ev)) {
			syntax_error(&b, &parser, buf, len);
			goto out;
		}
		have_event = true;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			memset(&b.doc, 0, sizeof(b.doc));
			b.depth = 0;
			break;
		case YAML_DOCUMENT_END_EVENT:
			if (!push_doc(&b, out, &ev.start_mark))
				goto oom;
			break;
		case YAML_ALIAS_EVENT:
			error_at(&b, &ev.start_mark, "anchors and aliases are not allowed");
			b.doc.bad = true;
			/* Reported above; an empty scalar stands in for the alias so the mapping
			 * around it keeps its key/value pairs (the document is already bad). */
			n = node_new(&b, YNODE_SCALAR, &ev.start_mark);
			if (!n || !(n->value = arena_alloc(out, 1)) || !attach(&b, n))
				goto oom;
			n->value[0] = '\0';
			break;
		case YAML_SCALAR_EVENT:
			check_props(&b, &ev, ev.data.scalar.anchor, ev.data.scalar.tag);
			n = node_new(&b, YNODE_SCALAR, &ev.start_mark);
			if (!n)
				goto oom;
			n->quoted = ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
			n->len = ev.data.scalar.length;
			n->value = arena_alloc(out, n->len + 1);
			if (!n->value)
				goto oom;
			memcpy(n->value, ev.data.scalar.value, n->len);
			n->value[n->len] = '\0';
			if (!attach(&b, n))
				goto oom;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (ev.type == YAML_SEQUENCE_START_EVENT)
				check_props(&b, &ev, ev.data.sequence_start.anchor, ev.data.sequence_start.tag);
			else
				check_props(&b, &ev, ev.data.mapping_start.anchor, ev.data.mapping_start.tag);
			if (b.depth == MODEL_MAX_DEPTH) {
				struct wgf_loc loc = { file, (unsigned)ev.start_mark.line + 1,
						       (unsigned)ev.start_mark.column + 1 };
				diag_add(d, &loc, "nested deeper than %d levels", MODEL_MAX_DEPTH);
				goto out;
			}
			n = node_new(&b, ev.type == YAML_SEQUENCE_START_EVENT ? YNODE_SEQUENCE : YNODE_MAPPING,
				     &ev.start_mark);
			if (!n || !attach(&b, n))
				goto oom;
			b.stack[b.depth].node = n;
			b.stack[b.depth].pending_key = NULL;
			b.depth++;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (b.depth == 0)
				break;
			b.depth--;
			if (b.stack[b.depth].node->type == YNODE_MAPPING &&
			    !check_duplicate_keys(&b, b.stack[b.depth].node))
				goto oom;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
		have_event = false;
	}
	ok = true;
	goto out;
oom:
	if (!b.over_budget)
		diag_add(d, NULL, "out of memory while parsing %s", file);
out:
	if (have_event)
		yaml_event_delete(&ev);
	yaml_parser_delete(&parser);
	if (!ok)
		ytree_free(out);
	return ok;
}

struct ynode *ynode_get(const struct ynode *map, const char *key)
{
	size_t len = strlen(key);

	if (!map || map->type != YNODE_MAPPING)
		return NULL;
	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *k = map->pairs[i].key;
		if (k->type == YNODE_SCALAR && k->len == len && !memcmp(k->value, key, len))
			return map->pairs[i].value;
	}
	return NULL;
}

const char *ynode_describe(const struct ynode *n)
{
	if (!n)
		return "nothing";
	if (n->type == YNODE_MAPPING)
		return "a mapping";
	if (n->type == YNODE_SEQUENCE)
		return "a list";
	return diag_quote(n->value);
}
