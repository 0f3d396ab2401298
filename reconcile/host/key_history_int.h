/* key_history's cache of the keys each blob holds (key_history_blob.c). */
#pragma once
#include <git2.h>
#include <stdbool.h>
#include <stdint.h>

#include "model/key.h"

struct blob_keys {
	git_oid oid;
	bool used;
	uint8_t (*keys)[WG_KEY_LEN];   /* sorted */
	size_t n;
};

struct blob_cache {
	git_repository *repo;
	struct blob_keys *slots;       /* open addressing by the oid's first bytes */
	size_t cap, used;
	size_t bytes;                  /* keys held; the cache empties past KEY_HISTORY_CACHE_BYTES */
};

#define KEY_HISTORY_CACHE_BYTES (64u << 20)

void blob_cache_free(struct blob_cache *c);
/* Does the blob hold key? A blob too large to be a YAML file of the repository
 * holds none. < 0: the blob cannot be read (git's message in git_error_last). */
int blob_cache_has(struct blob_cache *c, const git_oid *oid, const uint8_t key[WG_KEY_LEN], bool *has);
/* The blob's keys (borrowed until the next call). */
int blob_cache_get(struct blob_cache *c, const git_oid *oid, const struct blob_keys **out);
bool blob_keys_has(const struct blob_keys *b, const uint8_t key[WG_KEY_LEN]);

/* A file (regular blob) that differs between two trees (key_history_diff.c). */
struct tree_change {
	char *path;
	bool has_old, has_new;         /* on that side, a file at path */
	git_oid old_id, new_id;
};

struct tree_changes {
	struct tree_change *v;         /* sorted by path */
	size_t n, cap;
};

/* The files that differ between o and n (either may be NULL: empty), added to
 * *out (empty on entry) and sorted. -ENOMEM, -EIO (a tree cannot be read). */
int tree_changes_diff(git_repository *repo, const git_tree *o, const git_tree *n, struct tree_changes *out);
const struct tree_change *tree_changes_find(const struct tree_changes *c, const char *path);
void tree_changes_clear(struct tree_changes *c);
