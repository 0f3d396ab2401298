/* trust: commits and tags signed by git with gpg.format=ssh (the repository in
 * tests/unit/fixtures/trust, made by make.sh there with git and ssh-keygen) are
 * trusted when an allowed signer made them, and every other one is refused
 * with the reason; history only goes forward. */
#include <errno.h>
#include <git2.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/host/allowed_signers.h"
#include "reconcile/host/trust.h"
#include "tests/unit/unit.h"

#define DIR "tests/unit/fixtures/trust/"

static git_repository *repo;
static struct allowed_signers signers;
static char oids[16][2][64];
static size_t n_oids;

static const char *oid(const char *name)
{
	for (size_t i = 0; i < n_oids; i++)
		if (!strcmp(oids[i][0], name))
			return oids[i][1];
	fprintf(stderr, "# no object named %s in " DIR "oids\n", name);
	return "0000000000000000000000000000000000000000";
}

static int setup(void)
{
	git_odb *odb = NULL;
	struct wgf_error err = {0};
	char text[4096];
	FILE *f;
	size_t n;

	if (git_libgit2_init() < 0 || git_odb_open(&odb, DIR "repo.git/objects") < 0 ||
	    git_repository_wrap_odb(&repo, odb) < 0)
		return -1;
	git_odb_free(odb);
	if (!(f = fopen(DIR "oids", "r")))
		return -1;
	while (n_oids < 16 && fscanf(f, "%63s %63s", oids[n_oids][0], oids[n_oids][1]) == 2)
		n_oids++;
	fclose(f);
	if (!(f = fopen(DIR "allowed_signers", "r")))
		return -1;
	n = fread(text, 1, sizeof(text), f);
	fclose(f);
	return allowed_signers_parse(text, n, "allowed_signers", &signers, &err);
}

/* trust_check of NAME in MODE: the code, and the message when refused. */
static int check(const char *name, enum hostconf_verify mode, struct trust_verdict *v, char *msg, size_t len)
{
	struct wgf_error err = {0};
	int r = trust_check(repo, oid(name), mode, &signers, "allowed_signers", v, &err);

	snprintf(msg, len, "%s", wgf_error_message(&err));
	wgf_error_clear(&err);
	return r;
}

static void test_signed_commits_are_trusted(void)
{
	struct trust_verdict v;
	char msg[512];

	CHECK_INT(check("base", HOSTCONF_VERIFY_COMMIT, &v, msg, sizeof(msg)), 0);
	CHECK_STR(v.commit, oid("base"));
	CHECK_STR(v.principal, "alice@example.org");
	CHECK(v.signed_ && !strncmp(v.fingerprint, "SHA256:", 7));
	CHECK_STR(v.tag, "");
	trust_verdict_clear(&v);
	CHECK_INT(check("child", HOSTCONF_VERIFY_COMMIT, &v, msg, sizeof(msg)), 0);
	trust_verdict_clear(&v);
	/* off: no check, the commit is named */
	CHECK_INT(check("unsigned", HOSTCONF_VERIFY_OFF, &v, msg, sizeof(msg)), 0);
	CHECK_STR(v.commit, oid("unsigned"));
	CHECK(!v.signed_ && !v.principal);
	trust_verdict_clear(&v);
}

static void test_untrusted_commits_are_refused(void)
{
	static const struct { const char *name, *msg; } cases[] = {
		{ "unsigned", "not signed" },
		{ "mallory", "which allowed_signers does not allow: no allowed signer has this key" },
		{ "wrong-namespace", ": signed for namespace \"file\", not \"git\"" },
		{ "late", "which allowed_signers does not allow: its allowed signer expired before the commit's time" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct trust_verdict v;
		char msg[512];

		CHECK_INT(check(cases[i].name, HOSTCONF_VERIFY_COMMIT, &v, msg, sizeof(msg)), -EPERM);
		if (!strstr(msg, cases[i].msg))
			fprintf(stderr, "#  %s: \"%s\" lacks \"%s\"\n", cases[i].name, msg, cases[i].msg);
		CHECK(strstr(msg, cases[i].msg) != NULL);
		CHECK(!v.principal);
		/* a signature that was read names its key, even when refused */
		CHECK_INT(v.signed_, strcmp(cases[i].name, "unsigned") != 0);
		trust_verdict_clear(&v);
	}
}

static void test_tags(void)
{
	struct trust_verdict v;
	char msg[512];

	CHECK_INT(check("signed-tag", HOSTCONF_VERIFY_TAG, &v, msg, sizeof(msg)), 0);
	CHECK_STR(v.commit, oid("child"));
	CHECK_STR(v.tag, oid("signed-tag"));
	CHECK_STR(v.principal, "alice@example.org");
	trust_verdict_clear(&v);
	CHECK_INT(check("plain-tag", HOSTCONF_VERIFY_TAG, &v, msg, sizeof(msg)), -EPERM);
	CHECK_STR(msg, "tag plain-tag is not signed");
	trust_verdict_clear(&v);
	CHECK_INT(check("mallory-tag", HOSTCONF_VERIFY_TAG, &v, msg, sizeof(msg)), -EPERM);
	CHECK(!strncmp(msg, "tag mallory-tag: signed by SHA256:", 34));
	trust_verdict_clear(&v);
	/* tag mode wants a tag; commit mode checks the commit a tag points at */
	CHECK_INT(check("child", HOSTCONF_VERIFY_TAG, &v, msg, sizeof(msg)), -EPERM);
	CHECK_STR(msg, "the ref points at a commit, not at a signed tag (verify = tag)");
	trust_verdict_clear(&v);
	CHECK_INT(check("plain-tag", HOSTCONF_VERIFY_COMMIT, &v, msg, sizeof(msg)), 0);
	CHECK_STR(v.commit, oid("child"));
	trust_verdict_clear(&v);
}

static void test_history_goes_forward(void)
{
	struct wgf_error err = {0};

	CHECK_INT(trust_descends(repo, oid("child"), oid("base"), NULL), 0);
	CHECK_INT(trust_descends(repo, oid("child"), oid("child"), NULL), 0);
	CHECK_INT(trust_descends(repo, oid("late"), oid("base"), NULL), 0);
	CHECK_INT(trust_descends(repo, oid("base"), oid("child"), &err), -EPERM);
	CHECK(strstr(wgf_error_message(&err), "not a descendant of the last applied revision") != NULL);
	wgf_error_clear(&err);
	CHECK_INT(trust_descends(repo, oid("sibling"), oid("child"), NULL), -EPERM);
	/* a last applied revision the mirror does not have: nothing descends from it */
	CHECK_INT(trust_descends(repo, oid("child"), "1111111111111111111111111111111111111111", NULL), -EPERM);
}

int main(void)
{
	if (sodium_init() < 0 || setup() < 0) {
		fprintf(stderr, "# cannot read " DIR "\n");
		return 1;
	}
	RUN(test_signed_commits_are_trusted);
	RUN(test_untrusted_commits_are_refused);
	RUN(test_tags);
	RUN(test_history_goes_forward);
	git_repository_free(repo);
	allowed_signers_clear(&signers);
	git_libgit2_shutdown();
	UNIT_DONE();
}
