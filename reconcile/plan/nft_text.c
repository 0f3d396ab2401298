/* Small readers of nftables text. */
#include "reconcile/plan/nft_text.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

int nft_split_elements(const char *s, size_t len, int (*fn)(const char *e, size_t n, void *data), void *data)
{
	const char *end = s + len, *start = s;
	bool quoted = false;
	long depth = 0;

	for (const char *p = s; p <= end; p++) {
		const char *a = start, *b = p;
		int r;

		if (p < end) {
			if (*p == '"')
				quoted = !quoted;
			else if (!quoted && *p == '{')
				depth++;
			else if (!quoted && *p == '}')
				depth--;
			if (quoted || depth || *p != ',')
				continue;
		}
		start = p + 1;
		while (a < b && is_space(*a))
			a++;
		while (b > a && is_space(b[-1]))
			b--;
		if (b > a && (r = fn(a, (size_t)(b - a), data)) != 0)
			return r;
	}
	return 0;
}

static bool error_head(const char *line)
{
	return !strncmp(line, "wgf-nft-batch:", strlen("wgf-nft-batch:")) ||
	       !strncmp(line, "Error: ", strlen("Error: "));
}

char *nft_error_first(const char *err, size_t *n_more)
{
	const char *end = NULL;

	*n_more = 0;
	if (!err)
		return strdup("");
	for (const char *p = strchr(err, '\n'); p; p = strchr(p + 1, '\n')) {
		if (!error_head(p + 1))
			continue;
		if (!end)
			end = p;
		(*n_more)++;
	}
	return end ? strndup(err, (size_t)(end - err)) : strdup(err);
}
