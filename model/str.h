/* Small string helpers. */
#pragma once

/* Like asprintf, but returns the string (NULL on ENOMEM). */
__attribute__((format(printf, 1, 2)))
char *str_printf(const char *fmt, ...);
