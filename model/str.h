/* Small string helpers. */
#pragma once
#include <stdarg.h>
#include <stdbool.h>

/* Like asprintf, but returns the string (NULL on ENOMEM). */
__attribute__((format(printf, 1, 2)))
char *str_printf(const char *fmt, ...);
/* The same with a va_list. */
__attribute__((format(printf, 1, 0)))
char *str_vprintf(const char *fmt, va_list ap);

/* Text that came from outside (file names, paths) made safe to print on a terminal
 * and in JSON: valid UTF-8 is kept except control characters (C0, DEL, C1), the
 * line and paragraph separators and the bidirectional overrides, which become
 * \xNN (bytes) or \u{NNNN} (code points), as do bytes that are not UTF-8; a
 * backslash becomes "\\". Returns a new string (NULL on ENOMEM). */
char *str_escape_display(const char *s);
/* True when str_escape_display(s) would return s unchanged apart from backslashes:
 * valid UTF-8 without control or direction characters. */
bool str_is_display_safe(const char *s);
/* A copy of s safe to print: s itself when it is already (names escaped once are
 * not escaped again), else str_escape_display(s). NULL on ENOMEM. */
char *str_display_dup(const char *s);
