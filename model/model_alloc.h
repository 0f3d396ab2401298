/* Free tunnel addresses for a new Peer (wgf peer new). Pure. */
#pragma once
#include "model/model.h"

/* The lowest single address of `family` in the pool a new Peer of `network` and
 * `tenant` (MODEL_NONE: none) takes from (the tenant's, else the network's
 * outside every tenant's) that no Host or Peer has, and that is not the pool's
 * network or broadcast address. Returns 0 and *out (/32 or /128); -ENOENT when
 * that pool is missing; -ENOSPC when it is full; -ENOMEM. */
int model_alloc_address(const struct model *m, size_t network, size_t tenant, int family, struct wgf_prefix *out);
