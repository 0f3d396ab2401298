/* Diagnostics: a list of "file:line:col: message" errors, reported together. */
#pragma once
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct wgf_loc {
	const char *file;      /* borrowed; owned by the model or the loader */
	unsigned line, col;    /* 1-based; 0 when unknown */
};

struct diag_entry {
	char *file;
	unsigned line, col;
	char *msg;
};

struct diag {
	struct diag_entry *entries;
	size_t n, cap;
	size_t limit;          /* stop recording after this many (0 = 1000) */
};

void diag_init(struct diag *d);
void diag_free(struct diag *d);
__attribute__((format(printf, 3, 4)))
void diag_add(struct diag *d, const struct wgf_loc *loc, const char *fmt, ...);
void diag_vadd(struct diag *d, const struct wgf_loc *loc, const char *fmt, va_list ap);
static inline bool diag_has_errors(const struct diag *d) { return d->n > 0; }
/* Moves every entry of from into into (from is left empty). */
void diag_merge(struct diag *into, struct diag *from);
/* Sorts by file, line, column (stable) and drops exact duplicates. */
void diag_sort(struct diag *d);
/* Writes one "file:line:col: error: msg" line per entry. */
void diag_print(const struct diag *d, void *file /* FILE* */);
/* Quotes a user value for a message: printable ASCII kept, the rest escaped,
 * truncated to 60 characters. Returns a thread-local buffer (one of 4 rotating). */
const char *diag_quote(const char *s);
