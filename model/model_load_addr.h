/* Loaders of addresses: keys, endpoints, lists of prefixes, address pools.
 * Not part of the model API. */
#pragma once
#include "model/model_load_spec.h"

/* "publicKey" into the uint8_t[WG_KEY_LEN] at f->offset; "endpoint" into the struct wgf_endpoint there. */
SPEC_LOADER(spec_load_key);
SPEC_LOADER(spec_load_endpoint);

/* What a list of prefixes holds: host addresses (length required, host bits kept),
 * peer addresses (bare = single address), LANs (network prefixes) or public
 * addresses (single addresses others send to). */
enum prefix_use { USE_HOST_ADDRESS, USE_PEER_ADDRESS, USE_LAN, USE_PUBLIC };

/* The list seq into *out (and where each was written into *locs_out); a required one may not be empty. */
void load_prefixes(struct loader *l, const struct ynode *seq, const char *field, bool required, enum prefix_use use,
		   struct wgf_prefix **out, size_t *n_out, struct wgf_loc **locs_out);

/* Where a Network's or a Tenant's "addressPools" go. */
struct pools {
	bool *has_pool4, *has_pool6;
	struct wgf_prefix *pool4, *pool6;
};

/* "addressPools": a mapping of "ipv4", "ipv6" or both. */
void load_pools(struct loader *l, const struct ynode *n, struct pools *p, struct obj_extra *x);
