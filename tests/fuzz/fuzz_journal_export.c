/* libFuzzer harness for `wgf journal export` (reconcile/host/journal_export.h,
 * journal_date.c): the dates a user types for --since and --until, and the
 * export of any journal the state directory may hold.
 *
 * Input: a date (the bytes up to the first newline, at most 64), then one
 * byte of options (bit 0: jsonl; bit 1: the date is --until, else --since;
 * bits 2-7: the other side of the window, that many hours later or earlier,
 * 0: open), then one byte, the head's length (255: no head), the head's bytes
 * and the journal's.
 *
 * Invariants (abort on violation):
 *  - a date parses to 0 .. JOURNAL_TIME_MAX, or is refused with -EINVAL and a
 *    message; a parsed time, formatted as the journal writes times, parses to
 *    the same time (a fixed point), and the canonical form of the input is
 *    what formatting gives back;
 *  - the export succeeds (or runs out of memory); json is exactly one JSON
 *    object of valid UTF-8 with the keys in order, its entries those of the
 *    window, in line order; jsonl is one object a line, the entries of the
 *    window then the summary; in both the verification is the verify's
 *    verdict: intact exactly when verify said so, broken_at a line of the
 *    file or the one after.
 *
 *   make fuzz O=build-fz
 *   mkdir -p /tmp/c && cp tests/fuzz/corpus/fuzz_journal_export/?* /tmp/c/
 *   build-fz/fuzz/fuzz_journal_export -max_total_time=600 -rss_limit_mb=2048 /tmp/c
 */
#include <errno.h>
#include <json-c/json.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/host/journal_export.h"

#define NOW 1800000000   /* 2027-01-15T08:00:00Z */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (sodium_init() < 0)
		abort();
	return 0;
}

static void check_date(const char *s, int64_t *t, bool *parsed)
{
	struct wgf_error err = {0};
	char buf[JOURNAL_TIME_LEN];
	int64_t again = -1;
	int r = journal_date_parse(s, NOW, t, &err);

	*parsed = r == 0;
	if (r == -EINVAL) {
		if (!wgf_error_message(&err)[0])
			abort();
		wgf_error_clear(&err);
		return;
	}
	if (r != 0 || *t < 0 || *t > JOURNAL_TIME_MAX)
		abort();
	journal_time_format(*t, buf);
	if (journal_date_parse(buf, NOW, &again, NULL) != 0 || again != *t)
		abort();
	if (strlen(s) == 20 && s[10] == 'T' && s[19] == 'Z' && strcmp(s, buf))
		abort();
}

static struct json_object *parse_one(const char *s, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;

	if (!tok)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, s, (int)len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success || tok->char_offset != (int)len ||
	    !json_object_is_type(o, json_type_object))
		abort();
	json_tokener_free(tok);
	return o;
}

static void check_keys(struct json_object *o, const char *const *want, size_t n)
{
	size_t i = 0;

	json_object_object_foreach(o, k, v) {
		(void)v;
		if (i >= n || strcmp(k, want[i++]))
			abort();
	}
	if (i != n)
		abort();
}

static const char *const summary_keys[] = { "kind", "host", "exported_at", "since", "until", "verification",
					    "entries" };

static void check_verification(struct json_object *o, int verified, size_t n_lines)
{
	struct json_object *v = json_object_object_get(o, "verification"), *b;
	bool intact = json_object_get_boolean(json_object_object_get(v, "intact"));

	if (!v || intact != (verified == 0))
		abort();
	b = json_object_object_get(v, "broken_at");
	if (b && (intact || json_object_get_int64(b) < 1 || (size_t)json_object_get_int64(b) > n_lines + 1))
		abort();
	if (intact != (json_object_object_get(v, "head") != NULL))
		abort();
}

/* The entries of the window, in line order, as the export has them. */
static void check_entries(struct json_object **got, size_t n, const struct journal *j, const struct journal_window *w)
{
	size_t k = 0;

	for (size_t i = 0; i < j->n; i++) {
		if (!journal_window_holds(w, j->entries[i].time))
			continue;
		if (k >= n || json_object_get_int64(json_object_object_get(got[k++], "line")) !=
				      (int64_t)j->entries[i].line)
			abort();
	}
	if (k != n)
		abort();
}

static void check_json(const char *out, size_t len, const struct journal *j, const struct journal_window *w,
		       int verified, size_t n_lines)
{
	struct json_object *o = parse_one(out, len), *arr, **e;
	size_t n;

	check_keys(o, summary_keys, 7);
	check_verification(o, verified, n_lines);
	arr = json_object_object_get(o, "entries");
	n = json_object_array_length(arr);
	if (!(e = calloc(n + 1, sizeof(*e))))
		abort();
	for (size_t i = 0; i < n; i++)
		e[i] = json_object_array_get_idx(arr, i);
	check_entries(e, n, j, w);
	free(e);
	json_object_put(o);
}

static void check_jsonl(const char *out, size_t len, const struct journal *j, const struct journal_window *w,
			int verified, size_t n_lines)
{
	struct json_object **lines = NULL;
	size_t n = 0;

	for (const char *p = out, *nl; p < out + len; p = nl + 1) {
		if (!(nl = memchr(p, '\n', (size_t)(out + len - p))))
			abort();
		if (!(lines = realloc(lines, (n + 1) * sizeof(*lines))))
			abort();
		lines[n++] = parse_one(p, (size_t)(nl - p));
	}
	if (!n)
		abort();
	check_keys(lines[n - 1], summary_keys, 6);
	check_verification(lines[n - 1], verified, n_lines);
	check_entries(lines, n - 1, j, w);
	for (size_t i = 0; i < n; i++)
		json_object_put(lines[i]);
	free(lines);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size < 65 ? size : 65);
	struct journal_window w = {0};
	struct wgf_error verr = {0};
	struct journal_status st;
	struct journal_verdict v;
	struct journal j;
	struct journal_export x = { .host = "hub", .exported_at = NOW, .journal = &j, .verdict = &v };
	enum journal_export_format fmt;
	char date[65], *text, *head = NULL, *out = NULL;
	size_t dlen, head_len, len, out_len = 0;
	uint8_t opt;
	int64_t t = 0, span;
	bool parsed;
	int verified, r;
	FILE *f;

	if (!nl || size < (size_t)(nl - data) + 3)
		return 0;
	dlen = (size_t)(nl - data);
	memcpy(date, data, dlen);
	date[dlen] = '\0';
	if (strlen(date) != dlen)
		return 0;
	check_date(date, &t, &parsed);
	opt = nl[1];
	head_len = nl[2];
	data = nl + 3;
	size -= dlen + 3;
	if (head_len != 255 && head_len > size)
		return 0;
	fmt = opt & 1 ? JOURNAL_EXPORT_JSONL : JOURNAL_EXPORT_JSON;
	span = (int64_t)(opt >> 2) * 3600;
	if (parsed && opt & 2)
		w = (struct journal_window){ .has_until = true, .until = t, .has_since = span > 0, .since = t - span };
	else if (parsed)
		w = (struct journal_window){ .has_since = true, .since = t, .has_until = span > 0, .until = t + span };
	x.window = w;
	if (head_len != 255 && !(head = malloc(head_len + 1)))
		abort();
	if (head)
		memcpy(head, data, head_len);
	len = size - (head ? head_len : 0);
	if (!(text = malloc(len + 1)))
		abort();
	memcpy(text, data + (head ? head_len : 0), len);
	verified = journal_verify_text(text, len, head, head ? head_len : 0, &st, &verr);
	if (verified != 0 && verified != -EBADMSG)
		goto out;
	if (journal_parse(text, len, 0, &j) < 0)
		goto out;
	journal_verdict_set(&v, verified, &st, &verr, &j);
	if (!(f = open_memstream(&out, &out_len)))
		abort();
	r = journal_export_write(f, &x, fmt);
	fclose(f);
	if (r == -ENOMEM)
		goto done;
	if (r != 0)
		abort();
	if (fmt == JOURNAL_EXPORT_JSON)
		check_json(out, out_len, &j, &w, verified, st.n_entries);
	else
		check_jsonl(out, out_len, &j, &w, verified, st.n_entries);
done:
	free(out);
	journal_clear(&j);
out:
	wgf_error_clear(&verr);
	free(text);
	free(head);
	return 0;
}
