/* Small readers of nftables text shared by the listing diff and the element delta. Pure. */
#pragma once
#include <stddef.h>

/* Calls fn for every entry of "a, b : jump x, c comment \"p, q\"" (s[0..len)):
 * split at top-level commas (not inside quotes or nested braces), trimmed of
 * blanks, empty ones skipped. Stops at fn's first non-zero return and returns it. */
int nft_split_elements(const char *s, size_t len, int (*fn)(const char *e, size_t n, void *data), void *data);
