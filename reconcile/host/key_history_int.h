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
