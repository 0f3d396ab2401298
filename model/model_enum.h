/* The model's enumerations, each declared once as a table of name and value
 * that parsing, printing and the "must be one of" messages all read.
 * Not part of the model API (model.h has the name functions callers use). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "model/model_suggest.h"

struct model_enum_entry {
	const char *name;
	int value;
	unsigned uses;                 /* the fields that accept it (MODEL_USE_*); 0: every field */
};

struct model_enum {
	const struct model_enum_entry *e;
	size_t n;
	bool one_of;                   /* messages list it as "one of a, b, c", not "a, b or c" */
};

#define MODEL_ENUM_MAX 8           /* entries in the largest table */

/* The protocols each field accepts. */
#define MODEL_USE_FORWARD 0x1
#define MODEL_USE_RULE    0x2
#define MODEL_USE_TEST    0x4

extern const struct model_enum model_host_roles;       /* enum host_role */
extern const struct model_enum model_access_levels;    /* enum access_level */
extern const struct model_enum model_protocols;        /* FW_PROTO_* bits */
extern const struct model_enum model_actions;          /* accept (1) or drop (0) */
extern const struct model_enum model_selector_kinds;   /* enum model_selector_kind */
extern const struct model_enum model_exit_strategies;  /* enum exit_strategy */
extern const struct model_enum model_exit_all_down;    /* enum exit_all_down */

static inline struct name_list model_enum_names(const struct model_enum *t)
{
	return (struct name_list){ t->e, t->n, sizeof(*t->e) };
}

/* The name of value, or NULL. */
const char *model_enum_name(const struct model_enum *t, int value);
/* Copies the entries a field with these uses accepts (0: all) into out[MODEL_ENUM_MAX]; their count. */
size_t model_enum_select(const struct model_enum *t, unsigned uses, struct model_enum_entry *out);
/* The entry with this name among e[0..n), or NULL. */
const struct model_enum_entry *model_enum_find(const struct model_enum_entry *e, size_t n, const char *name);
/* The closest name to word, if close enough to suggest; of equals, the lowest value. */
const char *model_enum_suggest(const struct model_enum_entry *e, size_t n, const char *word);
/* "a, b or c", or "one of a, b, c" for a one_of table, of e[0..n). */
const char *model_enum_list(const struct model_enum *t, const struct model_enum_entry *e, size_t n, char *buf,
			    size_t len);
