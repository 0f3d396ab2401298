#include "model/diag.h"
#include "model/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void diag_init(struct diag *d)
{
	memset(d, 0, sizeof(*d));
}

void diag_free(struct diag *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->entries[i].file);
		free(d->entries[i].msg);
	}
	free(d->entries);
	memset(d, 0, sizeof(*d));
}

void diag_vadd(struct diag *d, const struct wgf_loc *loc, const char *fmt, va_list ap)
{
	struct diag_entry *e;
	size_t limit = d->limit ? d->limit : 1000;
	char *msg = NULL;

	if (d->n >= limit)
		return;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct diag_entry *n = realloc(d->entries, cap * sizeof(*n));
		if (!n)
			return;
		d->entries = n;
		d->cap = cap;
	}
	msg = str_vprintf(fmt, ap);
	if (!msg)
		return;
	e = &d->entries[d->n++];
	e->file = loc && loc->file ? strdup(loc->file) : NULL;
	e->line = loc ? loc->line : 0;
	e->col = loc ? loc->col : 0;
	e->msg = msg;
}

void diag_add(struct diag *d, const struct wgf_loc *loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, loc, fmt, ap);
	va_end(ap);
}

static int entry_cmp(const void *pa, const void *pb)
{
	const struct diag_entry *a = pa, *b = pb;
	int r = strcmp(a->file ? a->file : "", b->file ? b->file : "");

	if (r)
		return r;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return a < b ? -1 : a > b;
}

void diag_sort(struct diag *d)
{
	size_t out = 0;

	if (!d->n)
		return;
	qsort(d->entries, d->n, sizeof(*d->entries), entry_cmp);
	for (size_t i = 0; i < d->n; i++) {
		struct diag_entry *e = &d->entries[i];
		if (out && d->entries[out - 1].line == e->line && d->entries[out - 1].col == e->col &&
		    !strcmp(d->entries[out - 1].file ? d->entries[out - 1].file : "", e->file ? e->file : "") &&
		    !strcmp(d->entries[out - 1].msg, e->msg)) {
			free(e->file);
			free(e->msg);
			continue;
		}
		d->entries[out++] = *e;
	}
	d->n = out;
}

void diag_print(const struct diag *d, void *fp)
{
	FILE *f = fp;

	for (size_t i = 0; i < d->n; i++) {
		const struct diag_entry *e = &d->entries[i];
		if (e->file && e->line)
			fprintf(f, "%s:%u:%u: error: %s\n", e->file, e->line, e->col, e->msg);
		else if (e->file)
			fprintf(f, "%s: error: %s\n", e->file, e->msg);
		else
			fprintf(f, "error: %s\n", e->msg);
	}
}

const char *diag_quote(const char *s)
{
	static __thread char bufs[4][256];
	static __thread unsigned next;
	char *b = bufs[next++ % 4];
	size_t o = 0, shown = 0;

	b[o++] = '"';
	for (; s && *s && o < sizeof(bufs[0]) - 8; s++) {
		unsigned char c = (unsigned char)*s;
		if (shown++ == 60) {
			memcpy(b + o, "...", 3);
			o += 3;
			break;
		}
		if (c == '"' || c == '\\') {
			b[o++] = '\\';
			b[o++] = (char)c;
		} else if (c >= 0x20 && c < 0x7f) {
			b[o++] = (char)c;
		} else {
			o += (size_t)snprintf(b + o, 5, "\\x%02x", c);
		}
	}
	b[o++] = '"';
	b[o] = '\0';
	return b;
}

void diag_merge(struct diag *into, struct diag *from)
{
	for (size_t i = 0; i < from->n; i++) {
		struct diag_entry *e = &from->entries[i];
		struct wgf_loc loc = { e->file, e->line, e->col };
		diag_add(into, &loc, "%s", e->msg);
	}
	diag_free(from);
}
