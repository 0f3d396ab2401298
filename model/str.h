/* Small string helpers. */
#pragma once
#include <stdarg.h>

/* Like asprintf, but returns the string (NULL on ENOMEM). */
__attribute__((format(printf, 1, 2)))
char *str_printf(const char *fmt, ...);
/* The same with a va_list. */
__attribute__((format(printf, 1, 0)))
char *str_vprintf(const char *fmt, va_list ap);
