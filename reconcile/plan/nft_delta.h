/* Element-level changes between two rendered bodies of one nftables table. Pure.
 *
 * When two bodies differ only in the elements of their sets and maps (a peer
 * added, removed, or moved to another access class), the change can be sent as
 * `delete element` / `add element` commands in one transaction instead of
 * replacing the table: the kernel touches only those elements. */
#pragma once

/* The commands that turn a table loaded from old into one loaded from new, as
 * nft text ("delete element inet wgf src4 { 10.0.0.5 : jump c1 }\n" first, then
 * the additions), or NULL in *patch when the bodies differ in anything else
 * (chains, rules, set declarations) and the table must be replaced. *patch is
 * "" when they are equal. Returns 0 or -ENOMEM. */
int nft_delta_patch(const char *family, const char *table, const char *old, const char *new, char **patch);
