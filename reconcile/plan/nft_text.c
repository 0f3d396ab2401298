/* Small readers of nftables text. */
#include "reconcile/plan/nft_text.h"

#include <stdbool.h>

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
