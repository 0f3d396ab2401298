/* Edits of one object's document in a YAML file, as text: what is not edited
 * (comments, order, quoting, other documents) stays byte for byte. Pure.
 * Used by the commands that write to a repository (wgf peer, wgf secret). */
#pragma once
#include <stddef.h>

#include "model/diag.h"

/* One list item to put under spec.<list>, written as block YAML at column 0
 * ("- hub: a\n  id: b\n"); match names the item to replace (its "key" field equal
 * to value), or NULL to append. */
struct yaml_item_edit {
	const char *kind, *name;       /* the document: kind and metadata.name */
	const char *list;              /* e.g. "presharedKeys" */
	const char *key, *value;       /* the item to replace: its field key == value */
	const char *text;              /* the new item */
	bool replace_single;           /* key NULL: replace the list's item when it has just one */
};

/* buf (len bytes) with the item replaced or added: 0 and *out (NUL-terminated),
 * -ENOENT when there is no such document, -EINVAL (with why in err, a static
 * message or one in errbuf) when the document is not block style where it is
 * edited, -ENOMEM. */
int yaml_edit_item(const char *buf, size_t len, const struct yaml_item_edit *e, char **out, const char **err);

/* buf with each occurrence of old replaced by new (same length not required):
 * 0 and *out; -ENOENT when old does not occur exactly `want` times. */
int yaml_edit_replace(const char *buf, size_t len, const char *old, const char *new_text, size_t want,
		      char **out);
