/* wgf journal export (reconcile/host/journal_export.h): the dates of the
 * window (each form, each bound, each way to be wrong), the window's
 * boundaries, the verdict read from the journal's own verification, and the
 * export as one JSON document and as JSON lines, in a fixed key order, of a
 * journal written by journal_append (and of one tampered with). */
#include <errno.h>
#include <json-c/json.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/host/journal_export.h"
#include "tests/unit/tmpdir.h"
#include "tests/unit/unit.h"

#define T0 1796106600   /* 2026-12-01T06:30:00Z */
#define DAY0 1796083200 /* 2026-12-01T00:00:00Z */
#define NOW 1800000000  /* 2027-01-15T08:00:00Z */

static char dir[UNIT_TMPDIR_LEN];

/* journal_date_parse(s, NOW) as a time, or -1 when it is refused */
static int64_t date(const char *s)
{
	int64_t t = -2;

	return journal_date_parse(s, NOW, &t, NULL) == 0 ? t : -1;
}

static void test_date_forms(void)
{
	CHECK_INT(date("2026-12-01"), DAY0);
	CHECK_INT(date("2026-12-01T06:30:00Z"), T0);
	CHECK_INT(date("2026-12-01t06:30:00z"), T0);
	CHECK_INT(date("2026-12-01T07:30:00+01:00"), T0);
	CHECK_INT(date("2026-12-01T01:00:00-05:30"), T0);
	CHECK_INT(date("2026-12-01T06:30:00-00:00"), T0);
	/* a fraction rounds up (entries are whole seconds), zeros do not */
	CHECK_INT(date("2026-12-01T06:30:00.000Z"), T0);
	CHECK_INT(date("2026-12-01T06:29:59.001Z"), T0);
	CHECK_INT(date("2026-12-01T07:29:59.5+01:00"), T0);
	CHECK_INT(date("2024-02-29"), 1709164800);
	CHECK_INT(date("2000-02-29"), 951782400);
	CHECK_INT(date("1970-01-01"), 0);
	CHECK_INT(date("9999-12-31T23:59:59Z"), JOURNAL_TIME_MAX);
	/* a time ago */
	CHECK_INT(date("24h"), NOW - 86400);
	CHECK_INT(date("7d"), NOW - 7 * 86400);
	CHECK_INT(date("2w"), NOW - 14 * 86400);
}

static void test_date_refused(void)
{
	static const char *const bad[] = {
		"", "x", "7", "0d", "-7d", "7m", "7 d", "07d", "2026", "2026-12", "2026-12-1", "26-12-01",
		"2026-12-01Z", "2026-12-01T06:30:00", "2026-12-01 06:30:00Z", "2026-12-01T06:30Z",
		"2026-12-01T6:30:00Z", "2026-12-01T06:30:00.Z", "2026-12-01T06:30:00+0100", "2026-12-01T06:30:00+01",
		"2026-12-01T06:30:00Zjunk", "2026-12-01T06:30:00+01:00x", " 2026-12-01", "2026-12-01 ",
		/* no such day or time */
		"2026-13-01", "2026-00-10", "2026-12-00", "2026-12-32", "2026-02-29", "1900-02-29", "2026-04-31",
		"2026-12-01T24:00:00Z", "2026-12-01T23:60:00Z", "2026-12-01T23:59:60Z",
		"2026-12-01T06:30:00+24:00", "2026-12-01T06:30:00+01:60",
		/* outside 1970 to 9999 */
		"1969-12-31", "0000-01-01", "1970-01-01T00:30:00+01:00", "9999-12-31T23:59:59-00:01",
		"9999-12-31T23:59:59.5Z", "2999w",
	};
	struct wgf_error err = {0};
	int64_t t = 42;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (date(bad[i]) != -1)
			fprintf(stderr, "#  accepted \"%s\"\n", bad[i]);
		CHECK_INT(date(bad[i]), -1);
	}
	/* what is said, and nothing set on failure */
	CHECK_INT(journal_date_parse("yesterday", NOW, &t, &err), -EINVAL);
	CHECK_INT(t, 42);
	CHECK_STR(wgf_error_message(&err), "\"yesterday\" is not a date: use YYYY-MM-DD (00:00 UTC), "
		  "YYYY-MM-DDThh:mm:ssZ (RFC 3339; or +hh:mm, -hh:mm), or a time ago: 24h, 7d, 2w");
	wgf_error_clear(&err);
	CHECK_INT(journal_date_parse("2026-02-29", NOW, &t, &err), -EINVAL);
	CHECK_STR(wgf_error_message(&err), "\"2026-02-29\" is no such day or time");
	wgf_error_clear(&err);
	CHECK_INT(journal_date_parse("1969-07-20", NOW, &t, &err), -EINVAL);
	CHECK_STR(wgf_error_message(&err), "\"1969-07-20\" is outside the years 1970 to 9999");
	wgf_error_clear(&err);
	/* a time ago that reaches before 1970 */
	CHECK_INT(journal_date_parse("2d", 86400, &t, NULL), -EINVAL);
	CHECK_INT(journal_date_parse("1d", 86400, &t, NULL), 0);
	CHECK_INT(t, 0);
}

static void test_format_and_window(void)
{
	enum journal_export_format f = JOURNAL_EXPORT_JSONL;
	struct journal_window open = {0}, w = { .has_since = true, .has_until = true, .since = T0, .until = T0 + 60 };
	struct journal_window from = { .has_since = true, .since = T0 }, to = { .has_until = true, .until = T0 };

	CHECK(journal_export_format_parse("json", &f) && f == JOURNAL_EXPORT_JSON);
	CHECK(journal_export_format_parse("jsonl", &f) && f == JOURNAL_EXPORT_JSONL);
	CHECK(!journal_export_format_parse("JSON", &f) && !journal_export_format_parse("yaml", &f) &&
	      !journal_export_format_parse("", &f));
	CHECK(journal_window_holds(&open, 0) && journal_window_holds(&open, JOURNAL_TIME_MAX));
	/* the start is in, the end is not */
	CHECK(!journal_window_holds(&w, T0 - 1));
	CHECK(journal_window_holds(&w, T0));
	CHECK(journal_window_holds(&w, T0 + 59));
	CHECK(!journal_window_holds(&w, T0 + 60));
	CHECK(!journal_window_holds(&from, T0 - 1) && journal_window_holds(&from, T0) &&
	      journal_window_holds(&from, JOURNAL_TIME_MAX));
	CHECK(journal_window_holds(&to, 0) && journal_window_holds(&to, T0 - 1) && !journal_window_holds(&to, T0));
}

static int append(int64_t t, const char *result, const char *reason)
{
	struct journal_entry e = {
		.time = t, .host = "hub", .source = "commit 1a2b3c4d (main)",
		.revision = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d", .signer_principal = "alice@example.org",
		.signer_fingerprint = "SHA256:Q2xhcmEgaXMgbm90IGEga2V5IGZpbmdlcnByaW50IDop",
		.result = result, .n_create = 2, .n_update = 0, .n_delete = 1, .reason = reason,
	};

	if (!strcmp(result, JOURNAL_REFUSED)) {
		e.signer_principal = e.signer_fingerprint = NULL;
		e.n_create = e.n_delete = 0;
	}
	if (!strcmp(result, JOURNAL_EXIT_SWITCHED)) {
		e.revision = NULL;
		e.source = "wgf watch";
		e.exit_group = "us";
		e.exit_from = "a";
		e.exit_to = "blackhole";
	}
	return journal_append(dir, &e);
}

/* Four entries a minute apart from T0: applied, refused, exit-switched, rolled-back. */
static void journal_make(void)
{
	unit_tmpdir_make(dir, "jexport");
	CHECK_INT(append(T0, JOURNAL_APPLIED, NULL), 0);
	CHECK_INT(append(T0 + 60, JOURNAL_REFUSED, "not signed"), 0);
	CHECK_INT(append(T0 + 120, JOURNAL_EXIT_SWITCHED, "exit group us, table 52000: a -> blackhole"), 0);
	CHECK_INT(append(T0 + 180, JOURNAL_ROLLED_BACK, "peer \"alice\" on wg0: No such device"), 0);
}

/* Reads the journal in dir, exports it in fmt with window w, and returns what
 * was written (the caller frees it). *verified: journal_read_verified's. */
static char *export(const struct journal_window *w, enum journal_export_format fmt, int *verified)
{
	struct wgf_error err = {0}, verr = {0};
	struct journal_verdict v;
	struct journal_status st;
	struct journal j;
	struct journal_export x = { .host = "hub.example.org", .exported_at = NOW, .journal = &j, .verdict = &v };
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		abort();
	x.window = *w;
	CHECK_INT(journal_read_verified(dir, &j, &st, verified, &verr, &err), 0);
	journal_verdict_set(&v, *verified, &st, &verr, &j);
	CHECK_INT(journal_export_write(f, &x, fmt), 0);
	fclose(f);
	journal_clear(&j);
	wgf_error_clear(&verr);
	wgf_error_clear(&err);
	return out;
}

/* The keys of o, joined by spaces. */
static const char *keys(struct json_object *o, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	if (!json_object_is_type(o, json_type_object))
		return buf;
	json_object_object_foreach(o, k, v) {
		(void)v;
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? " " : "", k);
	}
	return buf;
}

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v = json_object_object_get(o, key);

	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static int64_t num(struct json_object *o, const char *key)
{
	struct json_object *v = json_object_object_get(o, key);

	return json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : -1;
}

#define ENTRY_KEYS "line seq time host source revision signer result create update delete reason prev hash"
#define VERDICT_KEYS "intact head entries broken_at why unchained head_behind damaged_lines"

static void test_export_json(void)
{
	struct journal_window w = { .has_since = true, .has_until = true, .since = T0 + 60, .until = T0 + 180 };
	struct json_object *d, *v, *e, *arr;
	char k[512], *out;
	int verified = -1;

	journal_make();
	out = export(&w, JOURNAL_EXPORT_JSON, &verified);
	CHECK_INT(verified, 0);
	d = json_tokener_parse(out);
	CHECK(d != NULL);
	CHECK_STR(keys(d, k, sizeof(k)), "kind host exported_at since until verification entries");
	CHECK_STR(str(d, "kind"), "wgf-journal-export");
	CHECK_STR(str(d, "host"), "hub.example.org");
	CHECK_STR(str(d, "exported_at"), "2027-01-15T08:00:00Z");
	CHECK_STR(str(d, "since"), "2026-12-01T06:31:00Z");
	CHECK_STR(str(d, "until"), "2026-12-01T06:33:00Z");
	v = json_object_object_get(d, "verification");
	CHECK_STR(keys(v, k, sizeof(k)), VERDICT_KEYS);
	CHECK(json_object_get_boolean(json_object_object_get(v, "intact")));
	CHECK_INT(num(v, "entries"), 4);
	CHECK(json_object_object_get(v, "broken_at") == NULL && json_object_object_get(v, "why") == NULL);
	arr = json_object_object_get(d, "entries");
	/* 06:31 and 06:32: the start is in, the end (06:33) is not */
	CHECK_INT(json_object_array_length(arr), 2);
	e = json_object_array_get_idx(arr, 0);
	CHECK_STR(keys(e, k, sizeof(k)), ENTRY_KEYS);
	CHECK_INT(num(e, "line"), 2);
	CHECK_INT(num(e, "seq"), 2);
	CHECK_STR(str(e, "result"), "refused");
	CHECK_STR(str(e, "reason"), "not signed");
	CHECK(json_object_object_get(e, "signer") == NULL);
	e = json_object_array_get_idx(arr, 1);
	CHECK_STR(keys(e, k, sizeof(k)), "line seq time host source revision signer result create update delete "
		  "reason exit prev hash");
	CHECK_STR(str(json_object_object_get(e, "exit"), "to"), "blackhole");
	/* the chain: line 3 holds line 2's hash; the head is the last line's (outside the window) */
	CHECK_STR(str(e, "prev"), str(json_object_array_get_idx(arr, 0), "hash"));
	CHECK(str(v, "head") && strlen(str(v, "head")) == 64 && strcmp(str(v, "head"), str(e, "hash")));
	json_object_put(d);
	free(out);
	/* each entry on a line of its own, the document's members one a line */
	w = (struct journal_window){0};
	out = export(&w, JOURNAL_EXPORT_JSON, &verified);
	CHECK(strstr(out, "{\n  \"kind\": \"wgf-journal-export\",\n  \"host\": \"hub.example.org\",\n") == out);
	CHECK(strstr(out, ",\n  \"since\": null,\n  \"until\": null,\n  \"verification\": {\"intact\":true,"));
	CHECK(strstr(out, "\n  \"entries\": [\n    {\"line\":1,\"seq\":1,\"time\":\"2026-12-01T06:30:00Z\","));
	CHECK(strstr(out, "},\n    {\"line\":4,"));
	CHECK(strlen(out) > 8 && !strcmp(out + strlen(out) - 8, "}\n  ]\n}\n"));
	free(out);
	unit_tmpdir_remove(dir);
}

static void test_export_empty(void)
{
	struct journal_window w = { .has_since = true, .since = T0 + 3600 };
	struct json_object *d;
	char *out;
	int verified = -1;

	journal_make();
	out = export(&w, JOURNAL_EXPORT_JSON, &verified);
	CHECK(strstr(out, "\n  \"entries\": []\n}\n"));
	d = json_tokener_parse(out);
	CHECK(d && json_object_array_length(json_object_object_get(d, "entries")) == 0);
	json_object_put(d);
	free(out);
	out = export(&w, JOURNAL_EXPORT_JSONL, &verified);
	/* jsonl: the last line alone */
	CHECK(out[0] == '{' && strchr(out, '\n') == out + strlen(out) - 1);
	free(out);
	unit_tmpdir_remove(dir);
	/* no journal at all: nothing, intact */
	unit_tmpdir_make(dir, "jexport");
	w = (struct journal_window){0};
	out = export(&w, JOURNAL_EXPORT_JSON, &verified);
	CHECK_INT(verified, 0);
	CHECK(strstr(out, "\"verification\": {\"intact\":true,\"head\":\"" JOURNAL_GENESIS "\",\"entries\":0,"));
	free(out);
	unit_tmpdir_remove(dir);
}

static void test_export_jsonl(void)
{
	struct journal_window w = { .has_until = true, .until = T0 + 120 };
	struct json_object *o;
	char k[512], *out, *line, *save = NULL;
	size_t n = 0;
	int verified = -1;

	journal_make();
	out = export(&w, JOURNAL_EXPORT_JSONL, &verified);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
		CHECK((o = json_tokener_parse(line)) != NULL);
		if (n < 2) {
			CHECK_STR(keys(o, k, sizeof(k)), ENTRY_KEYS);
			CHECK_INT(num(o, "line"), (int64_t)n + 1);
		} else {
			CHECK_STR(keys(o, k, sizeof(k)), "kind host exported_at since until verification");
			CHECK(str(o, "since") == NULL && !strcmp(str(o, "until") ? str(o, "until") : "",
								 "2026-12-01T06:32:00Z"));
			CHECK_STR(keys(json_object_object_get(o, "verification"), k, sizeof(k)), VERDICT_KEYS);
		}
		json_object_put(o);
	}
	CHECK_INT(n, 3);
	free(out);
	unit_tmpdir_remove(dir);
}

/* Line 2 edited: exported all the same, intact false, broken at line 2 and why. */
static void test_export_tampered(void)
{
	struct journal_window w = {0};
	struct json_object *d, *v;
	char p[256], *out, *text;
	size_t len;
	FILE *f;
	int verified = 0;

	journal_make();
	snprintf(p, sizeof(p), "%s/%s", dir, JOURNAL_FILE);
	if (!(f = fopen(p, "r+")))
		abort();
	text = calloc(1, 8192);
	len = fread(text, 1, 8191, f);
	*strstr(strchr(text, '\n'), "not signed") = 'N';
	rewind(f);
	if (fwrite(text, 1, len, f) != len || fclose(f))
		abort();
	free(text);
	out = export(&w, JOURNAL_EXPORT_JSON, &verified);
	CHECK_INT(verified, -EBADMSG);
	d = json_tokener_parse(out);
	v = json_object_object_get(d, "verification");
	CHECK(!json_object_get_boolean(json_object_object_get(v, "intact")));
	CHECK(json_object_object_get(v, "head") == NULL);
	CHECK_INT(num(v, "broken_at"), 2);
	CHECK_STR(str(v, "why"), "entry 2 was changed after it was written (the entry after it holds the hash of "
		  "what it was)");
	CHECK_INT(json_object_array_length(json_object_object_get(d, "entries")), 4);
	CHECK_STR(str(json_object_array_get_idx(json_object_object_get(d, "entries"), 1), "reason"), "Not signed");
	json_object_put(d);
	free(out);
	unit_tmpdir_remove(dir);
}

static void test_verdict(void)
{
	struct journal_status st = { .n_entries = 5, .n_unchained = 1, .head_behind = false };
	struct journal j = { .n_damaged = 1 };
	struct journal_verdict v;
	struct wgf_error err = {0};

	/* "journal:LINE: what" is split; a line past the one after the last is not a line */
	wgf_error_set(&err, -EBADMSG, "journal:6: entry 6 is missing: removed from the end (the head records 6 entries)");
	journal_verdict_set(&v, -EBADMSG, &st, &err, &j);
	CHECK(!v.intact && v.broken_at == 6 && v.entries == 5 && v.unchained == 1 && v.damaged == 1 && !v.head[0]);
	CHECK_STR(v.why, "entry 6 is missing: removed from the end (the head records 6 entries)");
	wgf_error_clear(&err);
	static const char *const odd[] = { "journal:7: too far", "journal:99999999999999999999999: x", "journal:: x",
					   "journal:0: x", "journal:3 x", "something else" };
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		wgf_error_set(&err, -EBADMSG, "%s", odd[i]);
		journal_verdict_set(&v, -EBADMSG, &st, &err, &j);
		CHECK(!v.intact && v.broken_at == 0);
		CHECK_STR(v.why, odd[i]);
		wgf_error_clear(&err);
	}
	memcpy(st.head, JOURNAL_GENESIS, sizeof(st.head));
	journal_verdict_set(&v, 0, &st, &err, &j);
	CHECK(v.intact && v.broken_at == 0 && !v.why);
	CHECK_STR(v.head, JOURNAL_GENESIS);
}

static void test_write_error(void)
{
	struct journal j = {0};
	struct journal_verdict v = { .intact = true };
	struct journal_export x = { .exported_at = NOW, .journal = &j, .verdict = &v };
	FILE *f = fopen("/dev/full", "w");

	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_INT(journal_export_write(f, &x, JOURNAL_EXPORT_JSON), -EIO);
	fclose(f);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	RUN(test_date_forms);
	RUN(test_date_refused);
	RUN(test_format_and_window);
	RUN(test_export_json);
	RUN(test_export_empty);
	RUN(test_export_jsonl);
	RUN(test_export_tampered);
	RUN(test_verdict);
	RUN(test_write_error);
	UNIT_DONE();
}
