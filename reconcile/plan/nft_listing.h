/* What differs between two texts of one nftables table, in words for plans: two
 * stateless listings (`nft -s list table`), or two rendered table bodies. Pure. */
#pragma once
#include <stddef.h>

/* Lines "- WHERE: ENTRY" (only in old) and "+ WHERE: ENTRY" (only in new), e.g.
 * "+ chain from_tunnel: tcp dport 22 accept", "- set peers_v4: element 10.0.0.5";
 * removals first, each in listing order. Set elements are compared one by one,
 * whatever the line wrapping. At most max lines, then "… N more"; the same
 * entries in another order (or only written otherwise) are one line saying so.
 * Returns 0 and *lines (the caller frees them with nft_listing_lines_free), or
 * -ENOMEM. */
int nft_listing_diff(const char *old, const char *new, size_t max, char ***lines, size_t *n_lines);
void nft_listing_lines_free(char **lines, size_t n);
