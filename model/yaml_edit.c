/* Text edits of one document (model/yaml_edit.h). Line numbers below are 1-based. */
#include "model/yaml_edit.h"

#include <errno.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "model/yaml_tree.h"

/* Offsets of the start of each line; lines[n] = len (one past the end). */
struct lines {
	size_t *at;
	size_t n;
};

static int lines_index(const char *buf, size_t len, struct lines *l)
{
	size_t n = 1;

	for (size_t i = 0; i < len; i++)
		n += buf[i] == '\n' && i + 1 < len;
	l->at = malloc((n + 1) * sizeof(*l->at));
	if (!l->at)
		return -ENOMEM;
	l->n = 0;
	l->at[l->n++] = 0;
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\n' && i + 1 < len)
			l->at[l->n++] = i + 1;
	l->at[l->n] = len;
	return 0;
}

/* Is line ln a document marker ("---" or "..." at its start, then a blank or its end)? */
static bool line_marker(const char *buf, const struct lines *l, unsigned ln)
{
	size_t start = l->at[ln - 1], end = l->at[ln];

	return end - start >= 3 && (!strncmp(buf + start, "---", 3) || !strncmp(buf + start, "...", 3)) &&
	       (end - start == 3 || strchr(" \t\r\n", buf[start + 3]));
}

/* The first document marker after line ln, or 0 (the end of the file). */
static unsigned doc_end(const char *buf, const struct lines *l, unsigned ln)
{
	for (unsigned i = ln + 1; i <= l->n; i++)
		if (line_marker(buf, l, i))
			return i;
	return 0;
}

/* Is line ln blank, a comment, or a document marker? */
static bool line_filler(const char *buf, const struct lines *l, unsigned ln)
{
	size_t i = l->at[ln - 1], end = l->at[ln];

	if (line_marker(buf, l, ln))
		return true;
	while (i < end && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	return i == end || buf[i] == '\n' || buf[i] == '\r' || buf[i] == '#';
}

static bool scalar_is(const struct ynode *n, const char *s)
{
	return n && n->type == YNODE_SCALAR && !strcmp(n->value, s);
}

static const struct ynode *find_doc(const struct ytree *t, const struct yaml_item_edit *e)
{
	for (size_t i = 0; i < t->n_docs; i++) {
		const struct ynode *r = t->docs[i].root, *meta;

		if (!r || r->type != YNODE_MAPPING || !scalar_is(ynode_get(r, "kind"), e->kind))
			continue;
		meta = ynode_get(r, "metadata");
		if (!meta || meta->type != YNODE_MAPPING || !scalar_is(ynode_get(meta, "name"), e->name))
			continue;
		return r;
	}
	return NULL;
}

/* The last line of a value that starts on `line` and ends before `limit`
 * (exclusive; 0 = end of file), not counting trailing filler lines. */
static unsigned value_end(const char *buf, const struct lines *l, unsigned line, unsigned limit)
{
	unsigned end = limit ? limit - 1 : (unsigned)l->n;

	while (end > line && line_filler(buf, l, end))
		end--;
	return end;
}

/* The line of the first key of map that starts after `after`, else 0. */
static unsigned next_key_line(const struct ynode *map, unsigned after)
{
	unsigned best = 0;

	for (size_t i = 0; i < map->n; i++) {
		unsigned ln = map->pairs[i].key ? map->pairs[i].key->line : 0;
		if (ln > after && (!best || ln < best))
			best = ln;
	}
	return best;
}

static bool is_flow(const char *buf, const struct lines *l, const struct ynode *n)
{
	size_t at = l->at[n->line - 1] + n->col - 1;

	return n->type != YNODE_SCALAR && at < l->at[l->n] && (buf[at] == '{' || buf[at] == '[');
}

/* Appends text indented by `indent` spaces (each of its lines). */
static size_t put_indented(char *out, const char *text, unsigned indent)
{
	size_t o = 0;
	bool bol = true;

	for (const char *c = text; *c; c++) {
		if (bol && *c != '\n') {
			memset(out + o, ' ', indent);
			o += indent;
		}
		out[o++] = *c;
		bol = *c == '\n';
	}
	return o;
}

/* buf with lines [from, to] (to = from - 1: none) replaced by `text` indented. */
static int splice(const char *buf, const struct lines *l, unsigned from, unsigned to, const char *text,
		  unsigned indent, char **out)
{
	size_t head = l->at[from - 1], tail = to >= from ? l->at[to] : head, nl = 0, len = l->at[l->n];
	bool need_nl = head > 0 && buf[head - 1] != '\n';
	char *s;
	size_t o;

	for (const char *c = text; *c; c++)
		nl += *c == '\n';
	s = malloc(len + strlen(text) + (nl + 1) * indent + 2);
	if (!s)
		return -ENOMEM;
	memcpy(s, buf, head);
	o = head;
	if (need_nl)
		s[o++] = '\n';
	o += put_indented(s + o, text, indent);
	memcpy(s + o, buf + tail, len - tail);
	o += len - tail;
	s[o] = '\0';
	*out = s;
	return 0;
}

/* The indentation of a block list item's "- " on its line, or -1 when that
 * line does not start with one. */
static int dash_indent(const char *buf, const struct lines *l, unsigned line)
{
	size_t i = l->at[line - 1], end = l->at[line];
	int n = 0;

	while (i < end && buf[i] == ' ') {
		i++;
		n++;
	}
	return i < end && buf[i] == '-' ? n : -1;
}

static const struct ynode *find_item(const struct ynode *seq, const struct yaml_item_edit *e, size_t *index)
{
	if (!e->key) {
		*index = 0;
		return e->replace_single && seq->n == 1 ? seq->items[0] : NULL;
	}
	for (size_t i = 0; i < seq->n; i++) {
		if (seq->items[i]->type == YNODE_MAPPING && scalar_is(ynode_get(seq->items[i], e->key), e->value)) {
			*index = i;
			return seq->items[i];
		}
	}
	return NULL;
}

static int edit_list(const char *buf, const struct lines *l, const struct ynode *spec, const struct ynode *list,
		     unsigned spec_end, const struct yaml_item_edit *e, char **out, const char **err)
{
	unsigned list_key_line = list->line, limit = next_key_line(spec, list_key_line);
	unsigned list_end = value_end(buf, l, list->line, limit ? limit : spec_end + 1);
	const struct ynode *item;
	size_t i = 0;

	if (list->type != YNODE_SEQUENCE || is_flow(buf, l, list)) {
		*err = "the list is not a block list (\"- \" items): write it in block style to let wgf edit it";
		return -EINVAL;
	}
	for (size_t j = 0; j < list->n; j++)
		if (dash_indent(buf, l, list->items[j]->line) < 0) {
			*err = "an item of the list does not start its line with \"- \": write one item a line";
			return -EINVAL;
		}
	item = find_item(list, e, &i);
	if (item) {
		unsigned from = list->items[i]->line, to;

		to = i + 1 < list->n ? value_end(buf, l, from, list->items[i + 1]->line) : list_end;
		if (is_flow(buf, l, item)) {
			*err = "the item is written in flow style ({...}): write it in block style to let wgf edit it";
			return -EINVAL;
		}
		return splice(buf, l, from, to, e->text, (unsigned)dash_indent(buf, l, from), out);
	}
	return splice(buf, l, list_end + 1, list_end, e->text, list->n ? (unsigned)dash_indent(buf, l,
			list->items[0]->line) : spec->pairs[0].key->col + 1, out);
}

/* Line breaks YAML counts that a newline-only index would not: a bare CR, NEL,
 * LS and PS (libyaml's line numbers count them). */
static bool odd_breaks(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		const unsigned char *c = (const unsigned char *)buf + i;
		if (*c == '\r' && (i + 1 == len || c[1] != '\n'))
			return true;
		if (*c == 0xc2 && i + 1 < len && c[1] == 0x85)
			return true;
		if (*c == 0xe2 && i + 2 < len && c[1] == 0x80 && (c[2] == 0xa8 || c[2] == 0xa9))
			return true;
	}
	return false;
}

/* The shape an edit must leave: the document's keys, its spec's keys, the list's items. */
struct shape {
	size_t root, spec, items;
	bool found;                    /* e->key: the item is there */
};

/* The shape of the document e edits in a parsed tree; false when it has none. */
static bool shape_in(const struct ytree *t, const struct yaml_item_edit *e, struct shape *sh)
{
	const struct ynode *root = find_doc(t, e), *spec = root ? ynode_get(root, "spec") : NULL, *list;
	size_t i;

	memset(sh, 0, sizeof(*sh));
	if (!spec || spec->type != YNODE_MAPPING)
		return false;
	list = ynode_get(spec, e->list);
	sh->root = root->n;
	sh->spec = spec->n;
	sh->items = list && list->type == YNODE_SEQUENCE ? list->n : 0;
	sh->found = list && list->type == YNODE_SEQUENCE && find_item(list, e, &i);
	return true;
}

/* Did the edit do what it should and nothing else (a safety net for YAML this
 * line-based editor misreads)? before: the tree of the text edited. */
static bool edit_checks(const struct ytree *before, const char *after, const struct yaml_item_edit *e)
{
	struct ytree t = { 0 };
	struct shape a, b;
	struct diag d;
	bool ok;

	diag_init(&d);
	ok = shape_in(before, e, &a) && ytree_parse("edit", after, strlen(after), NULL, &t, &d) &&
	     !diag_has_errors(&d) && shape_in(&t, e, &b);
	ytree_free(&t);
	diag_free(&d);
	if (!ok || b.root != a.root || b.spec != a.spec + (a.items == 0 && b.items == 1))
		return false;
	if (e->key ? !b.found || b.items != a.items + !a.found : b.items != a.items + !(e->replace_single && a.items == 1))
		return false;
	return true;
}

int yaml_edit_item(const char *buf, size_t len, const struct yaml_item_edit *e, char **out, const char **err)
{
	struct ytree t = { 0 };
	struct lines l = { 0 };
	struct diag d;
	const struct ynode *root, *spec, *list;
	unsigned spec_end, limit;
	int r;

	*out = NULL;
	*err = NULL;
	diag_init(&d);
	if (odd_breaks(buf, len)) {
		*err = "the file has line breaks other than newlines (a lone CR, NEL, LS or PS): wgf edits only "
		       "files with newline or CRLF line ends";
		r = -EINVAL;
		goto out;
	}
	if (!ytree_parse("edit", buf, len, NULL, &t, &d) || diag_has_errors(&d)) {
		r = -EINVAL;
		*err = "the file is not valid YAML";
		goto out;
	}
	r = lines_index(buf, len, &l);
	if (r < 0)
		goto out;
	root = find_doc(&t, e);
	spec = root ? ynode_get(root, "spec") : NULL;
	if (!spec || spec->type != YNODE_MAPPING || !spec->n) {
		r = -ENOENT;
		goto out;
	}
	if (is_flow(buf, &l, spec)) {
		*err = "its spec is written in flow style ({...}): write it in block style to let wgf edit it";
		r = -EINVAL;
		goto out;
	}
	limit = next_key_line(root, spec->pairs[0].key->line > 1 ? spec->pairs[0].key->line - 1 : 0);
	while (limit && limit <= spec->pairs[spec->n - 1].key->line)
		limit = next_key_line(root, limit);
	if (!limit)
		limit = doc_end(buf, &l, spec->pairs[spec->n - 1].key->line);
	spec_end = value_end(buf, &l, spec->pairs[spec->n - 1].key->line, limit);
	list = ynode_get(spec, e->list);
	if (list) {
		r = edit_list(buf, &l, spec, list, spec_end, e, out, err);
	} else {
		char *block = malloc(strlen(e->list) + strlen(e->text) * 2 + 64);
		char *p;

		r = -ENOMEM;
		if (block) {
			p = block + sprintf(block, "%s:\n", e->list);
			p += put_indented(p, e->text, 2);
			*p = '\0';
			r = splice(buf, &l, spec_end + 1, spec_end, block, spec->pairs[0].key->col - 1, out);
			free(block);
		}
	}
	if (r == 0 && !edit_checks(&t, *out, e)) {
		free(*out);
		*out = NULL;
		*err = "wgf cannot edit this file safely (its layout is unusual): make the change by hand";
		r = -EINVAL;
	}
out:
	ytree_free(&t);
	diag_free(&d);
	free(l.at);
	return r;
}

int yaml_edit_replace(const char *buf, size_t len, const char *old, const char *new_text, size_t want,
		      char **out)
{
	size_t ol = strlen(old), nl = strlen(new_text), found = 0, o = 0;
	char *s;

	*out = NULL;
	if (!ol)
		return -EINVAL;
	for (size_t i = 0; i + ol <= len; i++)
		if (!memcmp(buf + i, old, ol)) {
			found++;
			i += ol - 1;
		}
	if (found != want)
		return -ENOENT;
	s = malloc(len + found * nl + 1);
	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < len;) {
		if (i + ol <= len && !memcmp(buf + i, old, ol)) {
			memcpy(s + o, new_text, nl);
			o += nl;
			i += ol;
		} else {
			s[o++] = buf[i++];
		}
	}
	s[o] = '\0';
	*out = s;
	return 0;
}
