/* Text edits of a document: the edited list item, nothing else changed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/yaml_edit.h"
#include "tests/unit/unit.h"

static const char *edit(const char *in, const char *key, const char *value, const char *text, int want_r)
{
	static char *last;
	struct yaml_item_edit e = { "Peer", "p", "presharedKeys", key, value, text, false };
	const char *err;
	int r;

	free(last);
	last = NULL;
	r = yaml_edit_item(in, strlen(in), &e, &last, &err);
	CHECK(r == want_r);
	return last ? last : "";
}

#define HEAD "apiVersion: wgf/v1\nkind: Peer\nmetadata:\n  name: p\n"

static void test_add_list(void)
{
	CHECK_STR(edit(HEAD "spec:\n  publicKey: k # the key\n  hubs: [h]\n\n# trailing comment\n", "hub", "h",
		       "- hub: h\n  id: x\n", 0),
		  HEAD "spec:\n  publicKey: k # the key\n  hubs: [h]\n  presharedKeys:\n    - hub: h\n      id: x\n"
		  "\n# trailing comment\n");
	/* no final newline; another document after */
	CHECK_STR(edit(HEAD "spec:\n  hubs: [h]", "hub", "h", "- hub: h\n", 0),
		  HEAD "spec:\n  hubs: [h]\n  presharedKeys:\n    - hub: h\n");
	CHECK_STR(edit(HEAD "spec:\n    hubs:\n      - h\n---\n" HEAD "spec:\n  x: 1\n", "hub", "h", "- hub: h\n", 0),
		  HEAD "spec:\n    hubs:\n      - h\n    presharedKeys:\n      - hub: h\n---\n" HEAD "spec:\n  x: 1\n");
	/* spec not last in its document */
	CHECK_STR(edit("apiVersion: wgf/v1\nkind: Peer\nspec:\n  hubs: [h]\nmetadata:\n  name: p\n", "hub", "h", "- hub: h\n", 0),
		  "apiVersion: wgf/v1\nkind: Peer\nspec:\n  hubs: [h]\n  presharedKeys:\n    - hub: h\nmetadata:\n  name: p\n");
}

static void test_replace_item(void)
{
	const char *in = HEAD "spec:\n  presharedKeys:\n    - hub: a\n      id: 1\n    - hub: b\n      id: 2\n"
			 "      sealed:\n        host/b: z\n  hubs: [a, b]\n";

	CHECK_STR(edit(in, "hub", "a", "- hub: a\n  id: 9\n", 0),
		  HEAD "spec:\n  presharedKeys:\n    - hub: a\n      id: 9\n    - hub: b\n      id: 2\n"
		  "      sealed:\n        host/b: z\n  hubs: [a, b]\n");
	CHECK_STR(edit(in, "hub", "b", "- hub: b\n  id: 8\n", 0),
		  HEAD "spec:\n  presharedKeys:\n    - hub: a\n      id: 1\n    - hub: b\n      id: 8\n  hubs: [a, b]\n");
	CHECK_STR(edit(in, "hub", "c", "- hub: c\n", 0),
		  HEAD "spec:\n  presharedKeys:\n    - hub: a\n      id: 1\n    - hub: b\n      id: 2\n"
		  "      sealed:\n        host/b: z\n    - hub: c\n  hubs: [a, b]\n");
}

static void test_refused(void)
{
	edit(HEAD "spec: {hubs: [h]}\n", "hub", "h", "- hub: h\n", -EINVAL);
	edit(HEAD "spec:\n  presharedKeys: [{hub: h}]\n", "hub", "h", "- hub: h\n", -EINVAL);
	edit(HEAD "spec:\n  presharedKeys:\n    - {hub: h}\n", "hub", "h", "- hub: h\n", -EINVAL);
	edit("apiVersion: wgf/v1\nkind: Peer\nmetadata:\n  name: q\nspec:\n  x: 1\n", "hub", "h", "- hub: h\n", -ENOENT);
	edit("a: [\n", "hub", "h", "- hub: h\n", -EINVAL);
}

static void test_replace(void)
{
	char *out = NULL;

	CHECK(yaml_edit_replace("a KEY b KEY", 11, "KEY", "NEWKEY", 2, &out) == 0);
	CHECK_STR(out, "a NEWKEY b NEWKEY");
	free(out);
	CHECK(yaml_edit_replace("a KEY b KEY", 11, "KEY", "X", 1, &out) == -ENOENT && !out);
}

int main(void)
{
	RUN(test_add_list);
	RUN(test_replace_item);
	RUN(test_refused);
	RUN(test_replace);
	edit("", NULL, NULL, "", -ENOENT);
	UNIT_DONE();
}
