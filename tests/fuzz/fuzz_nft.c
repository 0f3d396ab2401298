/* libFuzzer harness for wgf's readers of nftables text: the listing diff for
 * plans (nft_listing_diff, on the kernel's `nft -s list table` output and on
 * rendered bodies), the element splitter (nft_split_elements) and the element
 * delta (nft_delta_patch, whose old body comes from the firewall record in the
 * state directory). The input is two texts, old and new, split at the first
 * NUL (without one, both are the input).
 *
 * Invariants: the diff is empty exactly when the texts are equal, holds at most
 * max + 1 lines, and diff(new, old) is diff(old, new) with the signs swapped;
 * split elements are non-empty, trimmed and in order; a delta patch of equal
 * bodies is empty, and every patch is only `delete element`/`add element`
 * commands on inet wgf, read the way nft reads them (comments, quotes, braces),
 * so nothing in a body can smuggle another command into the transaction.
 *
 * `make fuzz O=build-fz` builds it as build-fz/fuzz/fuzz_nft; tests/run runs it
 * briefly from tests/fuzz/corpus/fuzz_nft/. By hand (new inputs go to the first
 * directory, so keep it out of the git tree):
 *   mkdir -p /tmp/c && cp tests/fuzz/corpus/fuzz_nft/?* /tmp/c/
 *   build-fz/fuzz/fuzz_nft -max_total_time=600 -rss_limit_mb=2048 /tmp/c
 *   build-fz/fuzz/fuzz_nft tests/fuzz/regressions/fuzz_nft/?*   # replay
 */
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/plan/nft_delta.h"
#include "reconcile/plan/nft_listing.h"
#include "reconcile/plan/nft_text.h"

static bool sign_is(const char *line, char c)
{
	return line[0] == c && line[1] == ' ';
}

static void check_diff(const char *old, const char *new)
{
	char **ab = NULL, **ba = NULL, **lim = NULL;
	size_t n_ab = 0, n_ba = 0, n_lim = 0, i = 0, j = 0, minus = 0, plus = 0;

	if (nft_listing_diff(old, new, SIZE_MAX, &ab, &n_ab) < 0 ||
	    nft_listing_diff(new, old, SIZE_MAX, &ba, &n_ba) < 0 ||
	    nft_listing_diff(old, new, 3, &lim, &n_lim) < 0)
		goto out;   /* -ENOMEM */
	if ((n_ab == 0) != !strcmp(old, new) || (n_lim == 0) != (n_ab == 0) || n_lim > 3 + 1 || n_ab != n_ba)
		abort();
	for (size_t k = 0; k < n_ab; k++) {
		if (!sign_is(ab[k], '-') && !sign_is(ab[k], '+') && !sign_is(ab[k], '~'))
			abort();
		minus += sign_is(ab[k], '-');
		plus += sign_is(ab[k], '+');
	}
	/* ab = -X… +Y…, so ba = -Y… +X…, each in listing order */
	for (i = 0, j = plus; i < minus; i++, j++)
		if (!sign_is(ba[j], '+') || strcmp(ab[i] + 1, ba[j] + 1))
			abort();
	for (j = 0; i < minus + plus; i++, j++)
		if (!sign_is(ba[j], '-') || strcmp(ab[i] + 1, ba[j] + 1))
			abort();
out:
	nft_listing_lines_free(ab, n_ab);
	nft_listing_lines_free(ba, n_ba);
	nft_listing_lines_free(lim, n_lim);
}

struct split_ctx {
	const char *s, *end, *last;
};

static int check_element(const char *e, size_t n, void *data)
{
	struct split_ctx *c = data;

	/* trimmed of what nft_split_elements calls blank: ' ', '\t', '\n' */
	if (n == 0 || e < c->last || e + n > c->end || memchr(" \t\n", e[0], 3) || memchr(" \t\n", e[n - 1], 3))
		abort();
	c->last = e + n;
	return 0;
}

/* One nft command as nft reads it: VERB element inet wgf NAME { … } where NAME
 * is an identifier and the braces close only at the end. */
static void check_command(const char *s, size_t n)
{
	static const char *verbs[] = { "delete element inet wgf ", "add element inet wgf " };
	size_t v, i, depth = 0;
	bool quoted = false;

	for (v = 0; v < 2; v++)
		if (n > strlen(verbs[v]) && !strncmp(s, verbs[v], strlen(verbs[v])))
			break;
	if (v == 2)
		abort();
	i = strlen(verbs[v]);
	if (!isalpha((unsigned char)s[i]))
		abort();
	while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_'))
		i++;
	if (i + 2 >= n || s[i] != ' ' || s[i + 1] != '{')
		abort();
	for (; i < n; i++) {
		if (s[i] == '"')
			quoted = !quoted;
		else if (!quoted && s[i] == '{')
			depth++;
		else if (!quoted && s[i] == '}' && --depth == 0 && i != n - 1)
			abort();   /* text after the closing brace */
	}
	if (quoted || depth)
		abort();
}

/* Splits the patch into commands as nft does: at newlines and ';' outside
 * quotes and braces; '#' outside quotes starts a comment, which a patch never has. */
static void check_patch(const char *patch)
{
	const char *start = patch;
	bool quoted = false;
	long depth = 0;

	for (const char *p = patch;; p++) {
		if (*p == '"') {
			quoted = !quoted;
		} else if (!quoted && *p == '#') {
			abort();
		} else if (!quoted && *p == '{') {
			depth++;
		} else if (!quoted && *p == '}') {
			if (--depth < 0)
				abort();
		} else if (!*p || (!quoted && !depth && (*p == '\n' || *p == ';'))) {
			if (p > start)
				check_command(start, (size_t)(p - start));
			if (!*p)
				break;
			start = p + 1;
		}
	}
}

static void check_delta(const char *old, const char *new)
{
	char *patch = NULL;

	if (nft_delta_patch("inet", "wgf", old, new, &patch) < 0)
		return;   /* -ENOMEM */
	if (patch) {
		if (!strcmp(old, new) && patch[0])
			abort();
		check_patch(patch);
	}
	free(patch);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *old = malloc(size + 1);
	const char *new;
	struct split_ctx c;

	if (!old)
		return 0;
	memcpy(old, data, size);
	old[size] = '\0';
	new = strlen(old) < size ? old + strlen(old) + 1 : old;
	c = (struct split_ctx){ old, old + size, old };
	nft_split_elements(old, size, check_element, &c);
	check_diff(old, new);
	check_delta(old, new);
	free(old);
	return 0;
}
