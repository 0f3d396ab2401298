/* Diagnostics (counts past the limit, warnings, merging, the summary line),
 * excerpts of values, and escaping of outside text for display. */
#include <stdio.h>
#include <stdlib.h>

#include "model/diag.h"
#include "model/str.h"
#include "model/yaml_tree.h"
#include "model/model.h"
#include "tests/unit/diag_check.h"
#include "tests/unit/unit.h"

static void check_escape(const char *in, const char *want)
{
	char *got = str_escape_display(in);

	CHECK_STR(got, want);
	free(got);
}

static void test_escape_display(void)
{
	check_escape("peers/alice.yaml", "peers/alice.yaml");
	check_escape("caf\xc3\xa9.yaml", "caf\xc3\xa9.yaml");                 /* UTF-8 kept */
	check_escape("a\x1b[31mred", "a\\x1b[31mred");                        /* ANSI escape */
	check_escape("x\nfake.yaml:1:1: error", "x\\x0afake.yaml:1:1: error"); /* newline */
	check_escape("tab\there\x7f", "tab\\x09here\\x7f");
	check_escape("bad\xff\xfe", "bad\\xff\\xfe");                         /* not UTF-8 */
	check_escape("\xc0\xaf", "\\xc0\\xaf");                               /* overlong "/" */
	check_escape("\xed\xa0\x80", "\\xed\\xa0\\x80");                      /* a surrogate */
	check_escape("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");             /* past U+10FFFF */
	check_escape("cut\xe2\x82", "cut\\xe2\\x82");                         /* truncated sequence */
	check_escape("evil\xe2\x80\xaelmay", "evil\\u{202e}lmay");            /* right-to-left override */
	check_escape("c1\xc2\x85", "c1\\u{0085}");                            /* C1 control (NEL) */
	check_escape("back\\slash", "back\\\\slash");
	check_escape("", "");
	CHECK(str_is_display_safe("peers/caf\xc3\xa9.yaml"));
	CHECK(str_is_display_safe("back\\slash"));
	CHECK(!str_is_display_safe("a\x1b"));
	CHECK(!str_is_display_safe("bad\xff"));
	CHECK(!str_is_display_safe("\xe2\x80\xae"));
}

static void test_quote_excerpt(void)
{
	const char *key = "sksLCBBV7Hgb0mtPRxXIhnBqwQduj8nc7nO1mnyKLUw=";

	CHECK_STR(diag_quote("short"), "\"short\"");
	CHECK_STR(diag_quote(key), "\"sksLCBBV7Hgb0mtPRxXIhnBqwQduj8nc...\"");
	CHECK_STR(diag_quote("a\"b\\c\x01"), "\"a\\\"b\\\\c\\x01\"");
	/* 32 characters shown at most, whatever they are */
	CHECK_STR(diag_quote("\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01"
			     "\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01"),
		  "\"\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01"
		  "\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01\\x01...\"");
}

static void test_counts_past_limit(void)
{
	struct diag d, more;
	struct wgf_loc loc = { "a.yaml", 1, 1 };
	char *s;

	diag_init(&d);
	d.limit = 3;
	for (int i = 0; i < 5; i++)
		diag_add(&d, &loc, "error %d", i);
	diag_warn(&d, &loc, "a warning");
	CHECK_INT(d.n, 3);
	CHECK_INT(d.n_errors, 5);
	CHECK_INT(d.n_warnings, 1);
	CHECK_INT(diag_not_listed(&d), 3);
	CHECK(diag_has_errors(&d));
	s = diag_summary(&d);
	CHECK_STR(s, "5 errors, 1 warning (only the first 3 are listed; 3 more not shown)");
	free(s);

	/* merging keeps what the other list could not hold in the counts */
	diag_init(&more);
	more.limit = 1;
	diag_add(&more, &loc, "x");
	diag_add(&more, &loc, "y");
	diag_merge(&d, &more);
	CHECK_INT(d.n_errors, 7);
	CHECK_INT(d.n, 3);
	diag_free(&d);

	/* warnings alone are not errors; duplicates are dropped from the counts too */
	diag_init(&d);
	diag_warn(&d, &loc, "w");
	diag_warn(&d, &loc, "w");
	CHECK(!diag_has_errors(&d));
	diag_sort(&d);
	CHECK_INT(d.n, 1);
	CHECK_INT(d.n_warnings, 1);
	s = diag_summary(&d);
	CHECK_STR(s, "1 warning");
	free(s);
	diag_free(&d);
}

static void test_file_names_escaped(void)
{
	struct diag d;
	struct wgf_loc loc = { "x\n\x1b[1mfake.yaml", 2, 3 };

	diag_init(&d);
	diag_add(&d, &loc, "message with a raw \x1b byte");
	CHECK_STR(d.entries[0].file, "x\\x0a\\x1b[1mfake.yaml");
	CHECK_STR(d.entries[0].msg, "message with a raw \\x1b byte");
	diag_free(&d);
}

static void test_node_budget(void)
{
	struct ybudget b;
	struct ytree t;
	struct diag d;
	const char *doc = "a: [1, 2, 3]\n";   /* document, mapping, key, list, 3 items: 7 nodes */

	ybudget_init(&b, 7);
	diag_init(&d);
	CHECK(ytree_parse("a.yaml", doc, strlen(doc), &b, &t, &d));
	CHECK_INT(d.n, 0);
	ytree_free(&t);
	/* the budget is shared: the next file has none left, and it is said once */
	CHECK(!ytree_parse("b.yaml", doc, strlen(doc), &b, &t, &d));
	CHECK(!ytree_parse("c.yaml", doc, strlen(doc), &b, &t, &d));
	CHECK_INT(d.n, 1);
	CHECK(has_error(&d, "b.yaml", 1, 1, "too many YAML values: the repository may hold at most 7"));
	diag_free(&d);

	ybudget_init(&b, 5);   /* the sixth node, the last item, is one too many */
	diag_init(&d);
	CHECK(!ytree_parse("a.yaml", doc, strlen(doc), &b, &t, &d));
	CHECK(has_error(&d, "a.yaml", 1, 11, "too many YAML values"));
	diag_free(&d);
}

static void test_many_documents(void)
{
	size_t n = 64000, len = n * 8;
	char *buf = malloc(len + 1);
	struct ytree t;
	struct diag d;

	CHECK(buf != NULL);
	if (!buf)
		return;
	for (size_t i = 0; i < n; i++)
		memcpy(buf + i * 8, "--- {}\n\n", 8);
	diag_init(&d);
	CHECK(ytree_parse("many.yaml", buf, len, NULL, &t, &d));
	CHECK_INT(t.n_docs, n);
	ytree_free(&t);
	diag_free(&d);
	free(buf);
}

static void test_stray_bom(void)
{
	const char *mid = "a: 1\n\xef\xbb\xbf" "b: 2\n", *start = "\xef\xbb\xbf" "a: 1\n";
	struct ytree t;
	struct diag d;

	diag_init(&d);
	CHECK(!ytree_parse("m.yaml", mid, strlen(mid), NULL, &t, &d));
	CHECK(has_error(&d, "m.yaml", 2, 1, "a byte-order mark (U+FEFF) in the middle of the file"));
	diag_free(&d);
	diag_init(&d);
	CHECK(ytree_parse("s.yaml", start, strlen(start), NULL, &t, &d));
	CHECK_INT(d.n, 0);
	ytree_free(&t);
	diag_free(&d);
}

int main(void)
{
	RUN(test_escape_display);
	RUN(test_quote_excerpt);
	RUN(test_counts_past_limit);
	RUN(test_file_names_escaped);
	RUN(test_node_budget);
	RUN(test_many_documents);
	RUN(test_stray_bom);
	UNIT_DONE();
}
