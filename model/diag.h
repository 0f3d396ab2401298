/* Diagnostics: a list of "file:line:col: error: message" (or warning) entries,
 * reported together. */
#pragma once
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct wgf_loc {
	const char *file;      /* borrowed; owned by the model or the loader */
	unsigned line, col;    /* 1-based; 0 when unknown */
};

struct diag_entry {
	char *file;            /* safe to print (see str_escape_display) */
	unsigned line, col;
	bool warning;
	char *msg;
};

struct diag {
	struct diag_entry *entries;
	size_t n, cap;
	size_t limit;          /* keep at most this many entries (0 = DIAG_LIMIT) */
	size_t n_errors;       /* every error reported, kept or not */
	size_t n_warnings;     /* the same for warnings */
};

#define DIAG_LIMIT 1000

void diag_init(struct diag *d);
void diag_free(struct diag *d);
__attribute__((format(printf, 3, 4)))
void diag_add(struct diag *d, const struct wgf_loc *loc, const char *fmt, ...);
void diag_vadd(struct diag *d, const struct wgf_loc *loc, const char *fmt, va_list ap);
/* A warning: printed, but it does not make anything invalid. */
__attribute__((format(printf, 3, 4)))
void diag_warn(struct diag *d, const struct wgf_loc *loc, const char *fmt, ...);
static inline bool diag_has_errors(const struct diag *d) { return d->n_errors > 0; }
/* How many reported entries were not kept because of the limit. */
static inline size_t diag_not_listed(const struct diag *d) { return d->n_errors + d->n_warnings - d->n; }
/* Moves every entry of from into into (from is left empty). */
void diag_merge(struct diag *into, struct diag *from);
/* Sorts by file, line, column (stable) and drops exact duplicates. */
void diag_sort(struct diag *d);
/* Writes one "file:line:col: error: msg" (or "warning: msg") line per entry. */
void diag_print(const struct diag *d, void *file /* FILE* */);
/* "3 errors, 1 warning", "2,417 errors (the first 1000 are listed)": for the last line. */
char *diag_summary(const struct diag *d);
/* Quotes a user value for a message: a short excerpt (DIAG_QUOTE_MAX characters,
 * then "..."), printable ASCII kept, the rest escaped. Returns a thread-local
 * buffer (one of 4 rotating). */
const char *diag_quote(const char *s);
#define DIAG_QUOTE_MAX 32
