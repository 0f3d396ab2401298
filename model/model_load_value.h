/* Loaders of labels, ports, protocols and dates. Not part of the model API. */
#pragma once
#include "model/model_load_scalar.h"

/* "labels" (metadata, selectors): a mapping of label keys to values, both strings. */
void load_labels(struct loader *l, const struct ynode *map, struct model_meta *meta);
/* 443, or "8000-8100". */
bool want_port_range(struct loader *l, const struct ynode *n, const char *field, struct model_port_range *out);
/* A protocol name that a field with these uses (MODEL_USE_*) accepts, as FW_PROTO_* bits. */
bool want_protocol(struct loader *l, const struct ynode *n, unsigned uses, unsigned *out);
/* A non-empty list of names ("hubs", "links"), each with where it was written. */
void load_name_list(struct loader *l, const struct ynode *seq, const char *field, char ***names,
		    struct wgf_loc **locs, size_t *n);
