/* What every cross-object check uses: errors, name indexes, network references
 * and pools. Not part of the model API. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model_loader.h"

__attribute__((format(printf, 3, 4)))
void validate_err(struct loader *l, const struct wgf_loc *loc, const char *fmt, ...);
const char *display_name(const struct model_meta *meta);
const char *family_name(uint8_t family);

struct name_entry {
	const char *name;
	size_t idx;
	size_t seq;
};

/* Objects of one kind sorted by name (duplicates reported when built). */
struct name_index {
	struct name_entry *e;
	size_t n;
};

/* Sorts the named objects of one kind and reports duplicates at the later one; false: out of memory. */
bool name_index_build(struct loader *l, struct name_index *ix, const char *kind, size_t n,
		      const struct model_meta *(*meta_at)(const struct model *, size_t), struct obj_extra *xs);
/* The first-defined object with this name, or -1. */
long name_index_find(const struct name_index *ix, const char *name);

/* Resolves x's "network" (or the only Network) into *net; reports problems. */
void validate_network_ref(struct loader *l, const struct name_index *nets, const char *kind,
			  const struct model_meta *meta, struct obj_extra *x, size_t *net);
/* The network whose pools may be trusted for this object's checks, or NULL. */
const struct model_network *usable_network(const struct loader *l, const struct obj_extra *x, size_t net);
const struct wgf_prefix *pool_for(const struct model_network *n, uint8_t family);
/* The host of network net one of whose lans contains p, or MODEL_NONE. */
size_t lan_host(const struct model *m, size_t net, const struct wgf_prefix *p);
/* The first address of this family among addrs, as a single address. */
bool first_address(const struct wgf_prefix *addrs, size_t n, uint8_t family, struct wgf_prefix *out);

/* How many addresses that belong in one pool lie inside and outside it. */
struct pool_fit {
	size_t inside, outside;
	const char *kind;              /* the first address outside, for the message */
	const struct model_meta *meta;
	const struct wgf_prefix *addr;
	const struct wgf_loc *loc;
};
void pool_fit_count(struct pool_fit *f, const struct wgf_prefix *pool, const struct wgf_prefix *a, bool single,
		    const char *kind, const struct model_meta *meta, const struct wgf_loc *loc);
/* Most of them outside (at least 2): the pool is wrong. Reports it once at loc; true then. */
bool pool_fit_wrong(struct loader *l, const struct pool_fit *f, const char *what, const struct wgf_prefix *pool,
		    const struct wgf_loc *loc, const char *whose);

/* The name indexes of every kind, to say what a wrong reference names instead. */
struct kind_indexes {
	const struct name_index *nets, *hosts, *peers, *tenants, *policies;
};

/* The kind of another object with this name ("a Peer"), or NULL. */
const char *other_kind(const struct kind_indexes *k, const char *name);
