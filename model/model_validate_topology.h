/* Who peers with whom: "hubs" lists (Peers and Hosts), Hosts' "links", and
 * pairs of hosts that would peer directly but can never reach each other.
 * Not part of the model API. */
#pragma once
#include "model/model_validate_util.h"

/* Resolves x's hub names for an object of network net into *hubs (owned):
 * Hosts with role hub or exit of the same network, each once. stamp is
 * scratch per Host; mark is unique to the object. */
void validate_hub_list(struct loader *l, struct obj_extra *x, size_t net, const struct kind_indexes *k,
		       size_t *stamp, size_t mark, size_t **hubs, size_t *n_hubs);
/* A name in field ("hub", "link", "member") that is no Host: says what it is
 * instead, or the closest Host's name. */
void unknown_host(struct loader *l, const struct kind_indexes *k, const struct wgf_loc *loc, const char *field,
		  const char *name);
/* Hosts' "hubs" and "links" and the direct pairs of which neither side has an endpoint. */
void validate_topology(struct loader *l, const struct kind_indexes *k);
