/* The loader's vocabulary for one YAML value: where it is, errors about it, and
 * strict checks of its type ("want_*": true, or an error reported and false).
 * Not part of the model API. */
#pragma once
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model_enum.h"
#include "model/model_loader.h"

struct wgf_loc load_loc(const struct loader *l, const struct ynode *n);
/* Reports an error at n in the document being loaded. */
__attribute__((format(printf, 3, 4)))
void load_err(struct loader *l, const struct ynode *n, const char *fmt, ...);
/* Reports running out of memory once; returns NULL for the caller to return. */
void *load_oom(struct loader *l);
char *load_strdup(struct loader *l, const char *s);
void *load_calloc(struct loader *l, size_t n, size_t size);
/* "missing required field FIELD in WHERE", at the mapping. */
void load_missing(struct loader *l, const struct ynode *map, const char *field, const char *where);

/* A plain scalar YAML reads as null ("", "~", "null"). */
bool load_is_null(const struct ynode *n);
bool want_string(struct loader *l, const struct ynode *n, const char *field, const char **out);
/* A plain decimal integer in [min, max]. */
bool want_uint(struct loader *l, const struct ynode *n, const char *field, uint64_t min, uint64_t max,
	       uint64_t *out);
bool want_bool(struct loader *l, const struct ynode *n, const char *field, bool *out);
/* A mapping or a list (t), not null. */
bool want_type(struct loader *l, const struct ynode *n, const char *field, enum ynode_type t);
bool want_ifname(struct loader *l, const struct ynode *n, char ifname[IFNAMSIZ]);
/* A duration, "500ms", "1s", "2m" or "1h" (0 allowed), in milliseconds up to UINT32_MAX. */
bool want_duration_ms(struct loader *l, const struct ynode *n, const char *field, uint32_t *out);
/* s is one of t's names that a field with these uses accepts (0: all): its value in *out. */
bool want_choice(struct loader *l, const struct ynode *n, const char *field, const char *s,
		 const struct model_enum *t, unsigned uses, int *out);
