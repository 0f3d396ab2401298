/* Small readers of nftables text shared by the listing diff and the element delta. Pure. */
#pragma once
#include <stddef.h>

/* Calls fn for every entry of "a, b : jump x, c comment \"p, q\"" (s[0..len)):
 * split at top-level commas (not inside quotes or nested braces), trimmed of
 * blanks, empty ones skipped. Stops at fn's first non-zero return and returns it. */
int nft_split_elements(const char *s, size_t len, int (*fn)(const char *e, size_t n, void *data), void *data);
/* The first error of libnftables' error text (where, the line quoted, the
 * carets), and in *n_more how many follow it: the kernel answers each message of
 * a refused batch, so an EPERM comes once per set, chain and rule. Error heads
 * start "Error: " or "wgf-nft-batch:" (reconcile/kernel/nft.c's name for the
 * batch). NULL on ENOMEM. */
char *nft_error_first(const char *err, size_t *n_more);
