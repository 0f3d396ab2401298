/* Tables of the fields a mapping may have, and of the kinds of document:
 * the loader checks field names, reports missing ones and calls each field's
 * loader from them. Not part of the model API. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model_load_scalar.h"
#include "model/model_suggest.h"

struct spec_field;

/* Loads the value n of field f into obj (the kind's model struct) and x; false when it is invalid. */
#define SPEC_LOADER(fn) \
	bool fn(struct loader *l, const struct ynode *n, const struct spec_field *f, void *obj, struct obj_extra *x)
typedef SPEC_LOADER(spec_loader);

struct spec_field {
	const char *name;              /* first: a table of fields is a name_list */
	spec_loader *load;
	bool required;
	size_t offset;                 /* the generic loaders' place in obj */
	uint64_t min, max;             /* the integer loaders' range */
};

/* One kind of document: its name, spec fields, defaults and where its objects go. */
struct kind_spec {
	const char *name;              /* "Network": also the first word of messages about its objects */
	const char *where;             /* "Network spec" */
	const struct spec_field *fields;
	size_t n_fields;
	const void *defaults;          /* a model struct that starts with its struct model_meta */
	size_t size;
	void (*clear)(void *obj);      /* frees what its loaders allocated; NULL: nothing */
	size_t objects, count;         /* offsetof(struct model, ...) of the array and its length */
	size_t extras, cap;            /* offsetof(struct loader, ...) of the extras and the capacity */
};

#define SPEC_FIELDS(arr) (arr), sizeof(arr) / sizeof((arr)[0])

extern const struct kind_spec kind_network, kind_tenant;   /* model_load_network.c */
extern const struct kind_spec kind_host;                   /* model_load_host.c */
extern const struct kind_spec kind_peer;                   /* model_load_peer.c */
extern const struct kind_spec kind_policy;                 /* model_load_policy.c */
/* Policy's selectors (also ExitGroup "use"): one selector or a non-empty list of them. */
void load_selectors(struct loader *l, const struct ynode *n, struct model_selector **out, size_t *n_out);
extern const struct kind_spec kind_operator;               /* model_load_operator.c */
extern const struct kind_spec kind_exit_group;             /* model_load_exit.c */

/* Reports every key of map that is not in known (with a hint when one is close). */
void check_fields(struct loader *l, const struct ynode *map, const struct name_list *known, const char *where);
/* check_fields, then each field's loader in table order; missing required fields reported at map. */
void load_spec(struct loader *l, const struct ynode *map, const struct spec_field *fields, size_t n_fields,
	       const char *where, void *obj, struct obj_extra *x);

/* Generic loaders: integers of f's range into a uint16_t, uint32_t or int32_t at f->offset;
 * a bool; an interface name (char[IFNAMSIZ]). */
SPEC_LOADER(spec_load_u16);
SPEC_LOADER(spec_load_u32);
SPEC_LOADER(spec_load_i32);
SPEC_LOADER(spec_load_bool);
SPEC_LOADER(spec_load_ifname);
/* "network" and "tenant": names kept in x, resolved by validation. */
SPEC_LOADER(spec_load_network_ref);
SPEC_LOADER(spec_load_tenant_ref);
/* "exit" (Peer, Tenant, Host): into the struct model_exit_use at f->offset (model_load_exit.c). */
SPEC_LOADER(spec_load_exit);
