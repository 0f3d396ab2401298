/* DNS names as wgf takes them for search and routing domains. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

/* The first len bytes of s are a DNS name as resolv.conf's "search" takes it:
 * labels of letters, digits, "-" (not at either end) and "_", 1..63 each, 253
 * in all, no trailing dot. The loader lower-cases what it keeps; readers of
 * what wgf wrote (saved plans, resolvconf's records) pass lower-case names. */
bool dns_name_ok(const char *s, size_t len);
