/* Checks on a diag for the loader tests: is there an error at file:line:col
 * containing a text, and a dump of them all when a check fails. */
#pragma once
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "model/diag.h"

/* file NULL: any file; line 0: any place. */
static inline bool has_entry(const struct diag *d, bool warning, const char *file, unsigned line, unsigned col,
			     const char *sub)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_entry *e = &d->entries[i];
		if (e->warning != warning)
			continue;
		if (file && (!e->file || strcmp(e->file, file)))
			continue;
		if (line && (e->line != line || e->col != col))
			continue;
		if (strstr(e->msg, sub))
			return true;
	}
	return false;
}

static inline bool has_error(const struct diag *d, const char *file, unsigned line, unsigned col, const char *sub)
{
	return has_entry(d, false, file, line, col, sub);
}

static inline bool has_warning(const struct diag *d, const char *file, unsigned line, unsigned col, const char *sub)
{
	return has_entry(d, true, file, line, col, sub);
}

static inline void dump(const struct diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "    | %s:%u:%u: %s\n", d->entries[i].file ? d->entries[i].file : "-",
			d->entries[i].line, d->entries[i].col, d->entries[i].msg);
}
