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

/* Takes msg. Counts the entry even when it cannot be kept. */
static void diag_push(struct diag *d, const char *file, unsigned line, unsigned col, bool warning, char *msg)
{
	size_t limit = d->limit ? d->limit : DIAG_LIMIT;
	struct diag_entry *e;

	if (warning)
		d->n_warnings++;
	else
		d->n_errors++;
	if (!msg || d->n >= limit)
		goto drop;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct diag_entry *n = realloc(d->entries, cap * sizeof(*n));
		if (!n)
			goto drop;
		d->entries = n;
		d->cap = cap;
	}
	e = &d->entries[d->n++];
	e->file = file ? str_display_dup(file) : NULL;   /* file names come from the repository */
	e->line = line;
	e->col = col;
	e->warning = warning;
	e->msg = msg;
	if (!str_is_display_safe(msg)) {
		e->msg = str_escape_display(msg);
		free(msg);
		if (!e->msg)
			e->msg = strdup("(message lost: out of memory)");
	}
	return;
drop:
	free(msg);
}

static void diag_vpush(struct diag *d, const struct wgf_loc *loc, bool warning, const char *fmt, va_list ap)
{
	diag_push(d, loc ? loc->file : NULL, loc ? loc->line : 0, loc ? loc->col : 0, warning,
		  str_vprintf(fmt, ap));
}

void diag_vadd(struct diag *d, const struct wgf_loc *loc, const char *fmt, va_list ap)
{
	diag_vpush(d, loc, false, fmt, ap);
}

void diag_add(struct diag *d, const struct wgf_loc *loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vpush(d, loc, false, fmt, ap);
	va_end(ap);
}

void diag_warn(struct diag *d, const struct wgf_loc *loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vpush(d, loc, true, fmt, ap);
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

static bool entry_same(const struct diag_entry *a, const struct diag_entry *b)
{
	return a->line == b->line && a->col == b->col && a->warning == b->warning &&
	       !strcmp(a->file ? a->file : "", b->file ? b->file : "") && !strcmp(a->msg, b->msg);
}

void diag_sort(struct diag *d)
{
	size_t out = 0;

	if (!d->n)
		return;
	qsort(d->entries, d->n, sizeof(*d->entries), entry_cmp);
	for (size_t i = 0; i < d->n; i++) {
		struct diag_entry *e = &d->entries[i];
		if (out && entry_same(&d->entries[out - 1], e)) {
			if (e->warning)
				d->n_warnings--;
			else
				d->n_errors--;
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
		const char *sev = e->warning ? "warning" : "error";
		if (e->file && e->line)
			fprintf(f, "%s:%u:%u: %s: %s\n", e->file, e->line, e->col, sev, e->msg);
		else if (e->file)
			fprintf(f, "%s: %s: %s\n", e->file, sev, e->msg);
		else
			fprintf(f, "%s: %s\n", sev, e->msg);
	}
}

char *diag_summary(const struct diag *d)
{
	size_t hidden = diag_not_listed(d);
	char errs[64] = "", warns[64] = "", more[96] = "";

	if (d->n_errors)
		snprintf(errs, sizeof(errs), "%zu error%s", d->n_errors, d->n_errors == 1 ? "" : "s");
	if (d->n_warnings)
		snprintf(warns, sizeof(warns), "%s%zu warning%s", d->n_errors ? ", " : "", d->n_warnings,
			 d->n_warnings == 1 ? "" : "s");
	if (hidden)
		snprintf(more, sizeof(more), " (only the first %zu are listed; %zu more not shown)", d->n, hidden);
	return str_printf("%s%s%s", errs, warns, more);
}

const char *diag_quote(const char *s)
{
	static __thread char bufs[4][8 + DIAG_QUOTE_MAX * 4];
	static __thread unsigned next;
	char *b = bufs[next++ % 4];
	size_t o = 0, shown = 0;

	b[o++] = '"';
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (shown++ == DIAG_QUOTE_MAX) {
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
	size_t dropped_errors = from->n_errors, dropped_warnings = from->n_warnings;

	for (size_t i = 0; i < from->n; i++) {
		struct diag_entry *e = &from->entries[i];
		if (e->warning)
			dropped_warnings--;
		else
			dropped_errors--;
		diag_push(into, e->file, e->line, e->col, e->warning, e->msg);
		e->msg = NULL;
	}
	/* what from could not keep still counts */
	into->n_errors += dropped_errors;
	into->n_warnings += dropped_warnings;
	diag_free(from);
}
