/* The one error type below cmd/: what failed (a negative errno) and why, in
 * words, returned to the caller through an out-parameter. Never kept in a
 * global. A function that can fail with a reason takes `struct wgf_error *err`
 * last (NULL: the caller wants only the errno) and returns 0 or the negative
 * errno it stored. The first error set wins; callers above add context with
 * wgf_error_prefix(). (struct diag is different: the findings in a repository,
 * many at once, each with its place.) */
#pragma once
#include <stdbool.h>

struct wgf_error {
	int code;                      /* negative errno; 0: no error */
	char *msg;                     /* NULL: strerror(-code) says it all */
};

/* Sets err (unless already set) and returns code. fmt may be NULL. An
 * allocation failure keeps the code and drops the words. */
int wgf_error_set(struct wgf_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "CONTEXT: what was there". Returns err->code (0 if err is unset or NULL). */
int wgf_error_prefix(struct wgf_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The message: msg, else strerror(-code); "" when unset. */
const char *wgf_error_message(const struct wgf_error *err);
static inline bool wgf_error_is_set(const struct wgf_error *err) { return err && err->code; }
/* Moves src into dst (when dst is unset) and clears src. */
void wgf_error_move(struct wgf_error *dst, struct wgf_error *src);
void wgf_error_clear(struct wgf_error *err);
