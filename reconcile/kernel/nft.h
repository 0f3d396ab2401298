/* nftables through libnftables: the one table wgf owns, replaced atomically.
 *
 * Every function that talks to the kernel returns 0 or a negative errno, also
 * stored in err (may be NULL) with, as its msg, libnftables' error text (where,
 * the line quoted, the carets; several lines) when there is one. Names and families are checked before anything
 * reaches the kernel. One libnftables context per call: not for concurrent use
 * from several threads. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "model/error.h"
#include "model/hoststate.h"

/* ^[A-Za-z][A-Za-z0-9_]{0,30}$ and not an nft keyword (any case): safe to paste
 * into nft text as a table, chain, set or map name. */
bool nft_name_valid(const char *s);
/* "inet", "ip" or "ip6". */
bool nft_family_valid(const char *family);
/* A table body that cannot leave its table block: braces balanced and never
 * closing the table, strings and comments closed, no `include`, no control bytes
 * but tab and newline. */
bool nft_body_valid(const char *body);

/* The table as `nft -s list table FAMILY NAME` prints it (no counters, no
 * handles); -ENOENT when there is no such table. */
int nft_table_get(const char *family, const char *name, char **text, struct wgf_error *err);
/* The same as JSON (`nft -s -j`); note that JSON carries handles, which change on
 * every replace. */
int nft_table_get_json(const char *family, const char *name, char **json, struct wgf_error *err);
/* Every table of this network namespace, as `nft -j list ruleset` prints it. */
int nft_ruleset_get_json(char **json, struct wgf_error *err);
/* One transaction: `add table` + `delete table` + `table FAMILY NAME { BODY }`.
 * All or nothing: when the kernel or libnftables refuses the body, the table stays
 * as it was (or absent). -EINVAL without a kernel call for a bad family, name or
 * body. A refused body gives the errno its error text names (-ENOENT for a missing
 * set or chain, -EPERM, …) or -EINVAL (syntax errors). */
int nft_table_replace(const char *family, const char *name, const char *body, struct wgf_error *err);
/* nft_table_replace in dry-run mode: checked against the kernel, never committed. */
int nft_table_check(const char *family, const char *name, const char *body, struct wgf_error *err);
/* Element changes to FAMILY NAME in one transaction (see nft_delta.h): only
 * `add element FAMILY NAME …` and `delete element FAMILY NAME …` lines are
 * accepted (-EINVAL otherwise, without a kernel call); "" sends nothing. */
int nft_table_patch(const char *family, const char *name, const char *cmds, struct wgf_error *err);
/* nft_table_patch in dry-run mode. */
int nft_table_patch_check(const char *family, const char *name, const char *cmds, struct wgf_error *err);
/* Deletes only FAMILY NAME; -ENOENT when absent. */
int nft_table_delete(const char *family, const char *name, struct wgf_error *err);

/* The loaded ruleset's stamp (model/hoststate.h). */
int nft_ruleset_stamp(struct hs_fw_stamp *out);
