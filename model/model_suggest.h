/* Lists of names (fields, kinds, enumeration values) and the "did you mean"
 * suggestion for a word that is none of them. Not part of the model API. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

/* An array of structs whose first member is the name (const char *). */
struct name_list {
	const void *base;
	size_t n, stride;
};

#define NAME_LIST(arr) ((struct name_list){ (arr), sizeof(arr) / sizeof((arr)[0]), sizeof((arr)[0]) })

static inline const char *name_list_at(const struct name_list *k, size_t i)
{
	return *(const char *const *)((const char *)k->base + i * k->stride);
}

/* Is the name of len bytes (not NUL-terminated) in the list? */
bool name_list_has(const struct name_list *k, const char *name, size_t len);
/* The closest name to word, if it is close enough to suggest; the first of equals. */
const char *name_list_suggest(const struct name_list *k, const char *word);
/* "a, b or c" with last_sep " or ", "a, b, c" with ", ". */
const char *name_list_join(const struct name_list *k, const char *last_sep, char *buf, size_t len);
/* How far word is from known, when close for a word of its length: one edit up to
 * 4 characters, two up to 8, three beyond ("dns" is not "lans"); else SIZE_MAX. */
size_t suggest_distance(const char *word, const char *known);
