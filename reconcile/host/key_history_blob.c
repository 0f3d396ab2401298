/* The keys each blob holds, read once per blob id. */
#include "reconcile/host/key_history.h"
#include "reconcile/host/key_history_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool is_b64(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, WG_KEY_LEN);
}

int key_history_scan(const char *text, size_t len, uint8_t (**out)[WG_KEY_LEN], size_t *n)
{
	uint8_t (*v)[WG_KEY_LEN] = NULL;
	size_t cap = 0, k = 0, i = 0;

	*out = NULL;
	*n = 0;
	while (i < len) {
		size_t run = 0;
		char b64[WG_KEY_B64_LEN];

		while (i + run < len && is_b64((unsigned char)text[i + run]))
			run++;
		if (run == WG_KEY_B64_LEN - 2 && i + run < len && text[i + run] == '=' &&
		    (i + run + 1 == len || (!is_b64((unsigned char)text[i + run + 1]) && text[i + run + 1] != '='))) {
			memcpy(b64, text + i, WG_KEY_B64_LEN - 1);
			b64[WG_KEY_B64_LEN - 1] = '\0';
			if (k == cap) {
				size_t nc = cap ? cap * 2 : 8;
				uint8_t (*nv)[WG_KEY_LEN] = reallocarray(v, nc, sizeof(*v));

				if (!nv) {
					free(v);
					return -ENOMEM;
				}
				v = nv;
				cap = nc;
			}
			if (key_from_base64(b64, v[k]))
				k++;
		}
		i += run ? run : 1;
	}
	if (k > 1) {
		size_t u = 1;

		qsort(v, k, sizeof(*v), key_cmp);
		for (size_t j = 1; j < k; j++)
			if (memcmp(v[j], v[u - 1], WG_KEY_LEN))
				memcpy(v[u++], v[j], WG_KEY_LEN);
		k = u;
	}
	*out = v;
	*n = k;
	return 0;
}

bool blob_keys_has(const struct blob_keys *b, const uint8_t key[WG_KEY_LEN])
{
	return b->n && bsearch(key, b->keys, b->n, sizeof(*b->keys), key_cmp) != NULL;
}

static void cache_clear(struct blob_cache *c)
{
	for (size_t i = 0; i < c->cap; i++)
		free(c->slots[i].keys);
	free(c->slots);
	c->slots = NULL;
	c->cap = c->used = c->bytes = 0;
}

void blob_cache_free(struct blob_cache *c)
{
	cache_clear(c);
}

static size_t slot_of(const struct blob_cache *c, const git_oid *oid)
{
	size_t h;

	memcpy(&h, oid->id, sizeof(h));
	return h & (c->cap - 1);
}

static int cache_grow(struct blob_cache *c)
{
	struct blob_cache n = { .repo = c->repo, .cap = c->cap ? c->cap * 2 : 1024, .bytes = c->bytes };

	n.slots = calloc(n.cap, sizeof(*n.slots));
	if (!n.slots)
		return -ENOMEM;
	for (size_t i = 0; i < c->cap; i++) {
		size_t s;

		if (!c->slots[i].used)
			continue;
		for (s = slot_of(&n, &c->slots[i].oid); n.slots[s].used; s = (s + 1) & (n.cap - 1))
			;
		n.slots[s] = c->slots[i];
		n.used++;
	}
	free(c->slots);
	*c = n;
	return 0;
}

/* Reads the blob's keys into b (a free slot). */
static int blob_read(struct blob_cache *c, const git_oid *oid, struct blob_keys *b)
{
	git_blob *blob = NULL;
	int r;

	if (git_blob_lookup(&blob, c->repo, oid) < 0)
		return -EIO;
	r = 0;
	if (git_blob_rawsize(blob) <= MODEL_MAX_FILE_SIZE)
		r = key_history_scan(git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob), &b->keys, &b->n);
	git_blob_free(blob);
	if (r < 0)
		return r;
	git_oid_cpy(&b->oid, oid);
	b->used = true;
	c->used++;
	c->bytes += b->n * WG_KEY_LEN + sizeof(*b);
	return 0;
}

int blob_cache_get(struct blob_cache *c, const git_oid *oid, const struct blob_keys **out)
{
	size_t s;
	int r;

	if (c->bytes > KEY_HISTORY_CACHE_BYTES)
		cache_clear(c);
	if ((c->used + 1) * 2 > c->cap && (r = cache_grow(c)) < 0)
		return r;
	for (s = slot_of(c, oid); c->slots[s].used; s = (s + 1) & (c->cap - 1))
		if (git_oid_equal(&c->slots[s].oid, oid)) {
			*out = &c->slots[s];
			return 0;
		}
	r = blob_read(c, oid, &c->slots[s]);
	if (r < 0)
		return r;
	*out = &c->slots[s];
	return 0;
}

int blob_cache_has(struct blob_cache *c, const git_oid *oid, const uint8_t key[WG_KEY_LEN], bool *has)
{
	const struct blob_keys *b;
	int r = blob_cache_get(c, oid, &b);

	*has = r == 0 && blob_keys_has(b, key);
	return r;
}
