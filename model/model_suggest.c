/* Names people may mistype, and what they probably meant. */
#include "model/model_suggest.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Case-insensitive Levenshtein distance; only used on short names. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[65], prev;

	if (la > 64 || lb > 64)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t sub = prev + (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
			size_t best = row[j] + 1 < row[j - 1] + 1 ? row[j] + 1 : row[j - 1] + 1;
			row[j] = sub < best ? sub : best;
			prev = cur;
		}
	}
	return row[lb];
}

size_t suggest_distance(const char *word, const char *known)
{
	size_t len = strlen(word), limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
	size_t dist = strcasecmp(word, known) ? edit_distance(word, known) : 0;

	return dist <= limit ? dist : SIZE_MAX;
}

bool name_list_has(const struct name_list *k, const char *name, size_t len)
{
	for (size_t i = 0; i < k->n; i++) {
		const char *s = name_list_at(k, i);
		if (strlen(s) == len && !memcmp(s, name, len))
			return true;
	}
	return false;
}

const char *name_list_suggest(const struct name_list *k, const char *word)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX;

	for (size_t i = 0; i < k->n; i++) {
		size_t dist = suggest_distance(word, name_list_at(k, i));
		if (dist < best_d) {
			best = name_list_at(k, i);
			best_d = dist;
		}
	}
	return best;
}

const char *name_list_join(const struct name_list *k, const char *last_sep, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < k->n && used < len; i++) {
		int r = snprintf(buf + used, len - used, "%s%s", i == 0 ? "" : i + 1 == k->n ? last_sep : ", ",
				 name_list_at(k, i));
		if (r < 0)
			break;
		used += (size_t)r;
	}
	return buf;
}
