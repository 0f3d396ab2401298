/* sshsig: signatures made by OpenSSH's ssh-keygen -Y sign (tests/unit/fixtures/sshsig,
 * made by make.sh there) verify; every way one can be wrong is refused and says which. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/host/allowed_signers.h"
#include "reconcile/host/sshsig.h"
#include "tests/unit/unit.h"

#define DIR "tests/unit/fixtures/sshsig/"

static char *slurp(const char *name, size_t *len)
{
	FILE *f = fopen(name, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0, got;

	if (!f)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			cap = (n + 4096 + 1) * 2;
			buf = realloc(buf, cap);
		}
		got = fread(buf + n, 1, 4096, f);
		n += got;
	} while (got > 0);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* Parses DIR name and verifies it against DIR message for namespace ns. */
static int check(const char *name, const char *ns, const char *tamper, struct sshsig *s, struct wgf_error *err)
{
	size_t slen = 0, mlen = 0;
	char *sig = slurp(name, &slen), *msg = slurp(DIR "message", &mlen);
	int r;

	CHECK(sig && msg);
	if (!sig || !msg) {
		free(sig);
		free(msg);
		return -ENOENT;
	}
	if (tamper)
		memcpy(msg, tamper, strlen(tamper));
	r = sshsig_parse(sig, slen, s, err);
	if (r == 0)
		r = sshsig_verify(s, ns, msg, mlen, err);
	free(sig);
	free(msg);
	return r;
}

static void test_ssh_keygen_signatures_verify(void)
{
	struct sshsig s;
	struct wgf_error err = { 0 };
	char fp[SSHSIG_FINGERPRINT_LEN], want[128] = "", *line = NULL;
	size_t len = 0;
	FILE *f;

	CHECK_INT(check(DIR "git-sha512.sig", SSHSIG_NAMESPACE_GIT, NULL, &s, &err), 0);
	CHECK_STR(s.hash, "sha512");
	CHECK_STR(s.key_type, "ssh-ed25519");
	CHECK_INT(s.version, 1);
	CHECK_INT(check(DIR "git-sha256.sig", SSHSIG_NAMESPACE_GIT, NULL, &s, &err), 0);
	CHECK_STR(s.hash, "sha256");
	/* the fingerprint is the one ssh-keygen -l gives for signer.pub (make.sh: fingerprint) */
	f = fopen(DIR "fingerprint", "r");
	CHECK(f != NULL);
	if (f && getline(&line, &len, f) > 0)
		sscanf(line, "%*d %127s", want);
	if (f)
		fclose(f);
	free(line);
	CHECK_STR(sshsig_fingerprint(&s, fp), want);
	wgf_error_clear(&err);
}

static void test_wrong_ones_are_refused(void)
{
	static const struct {
		const char *file, *ns, *tamper;
		int r;
		const char *msg;
	} cases[] = {
		{ DIR "git-sha512.sig", "git", "tree 5", -EKEYREJECTED, "the signature does not match what was signed" },
		{ DIR "git-sha256.sig", "git", "tree 5", -EKEYREJECTED, "the signature does not match" },
		{ DIR "file-namespace.sig", "git", NULL, -EPERM, "signed for namespace \"file\", not \"git\"" },
		{ DIR "git-sha512.sig", "file", NULL, -EPERM, "signed for namespace \"git\", not \"file\"" },
		{ DIR "ecdsa.sig", "git", NULL, -EOPNOTSUPP,
		  "key type \"ecdsa-sha2-nistp256\" is not supported (only ssh-ed25519)" },
		{ DIR "message", "git", NULL, -EBADMSG, "not an SSH signature" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sshsig s;
		struct wgf_error err = { 0 };

		CHECK_INT(check(cases[i].file, cases[i].ns, cases[i].tamper, &s, &err), cases[i].r);
		CHECK(strstr(wgf_error_message(&err), cases[i].msg) != NULL);
		if (!strstr(wgf_error_message(&err), cases[i].msg))
			fprintf(stderr, "#  case %zu: %s\n", i, wgf_error_message(&err));
		wgf_error_clear(&err);
	}
}

/* The blob's fields, changed one at a time in a copy of a good signature. */
static void test_damaged_blobs(void)
{
	static const char good[] =
		"-----BEGIN SSH SIGNATURE-----\n"
		"U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAAAAg1u7QOtO65e+vUeskEb/sIZk6pY\n"
		"ZSaJEepH1rhbp8GnsAAAADZ2l0AAAAAAAAAAZzaGE1MTIAAABTAAAAC3NzaC1lZDI1NTE5\n"
		"AAAAQBa9I8ui07HVYe0glm50p0XYAWo6x1z8dt5Ufv1t+ywlah7aaLr/MNWJNVDcubuhge\n"
		"9FzZPxwbfzJdJJ9JJkaAs=\n"
		"-----END SSH SIGNATURE-----\n";
	struct sshsig s;
	struct wgf_error err = { 0 };
	char buf[sizeof(good)];

	CHECK_INT(sshsig_parse(good, strlen(good), &s, &err), 0);
	/* version 2: "AAAAAQ" -> "AAAAAg" */
	memcpy(buf, good, sizeof(good));
	memcpy(strstr(buf, "AAAAAQAAADM"), "AAAAAgAAADM", 11);
	CHECK_INT(sshsig_parse(buf, strlen(buf), &s, &err), -EOPNOTSUPP);
	CHECK_STR(wgf_error_message(&err), "SSH signature version 2 (only version 1 is known)");
	wgf_error_clear(&err);
	/* hash "sha512" -> "sha511": "c2hhNTEy" -> "c2hhNTEx" */
	memcpy(buf, good, sizeof(good));
	memcpy(strstr(buf, "ZzaGE1MTI"), "ZzaGE1MTE", 9);
	CHECK_INT(sshsig_parse(buf, strlen(buf), &s, &err), -EOPNOTSUPP);
	CHECK_STR(wgf_error_message(&err), "hash \"sha511\" is not supported (sha512 or sha256)");
	wgf_error_clear(&err);
	/* the magic: "U1NIU0lH" (SSHSIG) -> "U1NIU0lI" */
	memcpy(buf, good, sizeof(good));
	memcpy(strstr(buf, "U1NIU0lH"), "U1NIU0lI", 8);
	CHECK_INT(sshsig_parse(buf, strlen(buf), &s, &err), -EBADMSG);
	CHECK_STR(wgf_error_message(&err), "not an SSH signature (no SSHSIG magic)");
	wgf_error_clear(&err);
	/* cut short: no END line */
	CHECK_INT(sshsig_parse(good, strlen(good) / 2, &s, &err), -EBADMSG);
	wgf_error_clear(&err);
}

/* allowed_signers: the ssh-keygen(1) format, matched against a real signature. */
static void test_allowed_signers(void)
{
	size_t len = 0, klen = 0;
	char *sig = slurp(DIR "git-sha512.sig", &len), *pub = slurp(DIR "signer.pub", &klen), *other = NULL;
	char text[4096], *b64;
	struct allowed_signers a = { 0 };
	struct wgf_error err = { 0 };
	struct sshsig s;
	const char *why = NULL;
	const struct allowed_signer *sg;

	CHECK(sig && pub);
	if (!sig || !pub)
		goto out;
	CHECK_INT(sshsig_parse(sig, len, &s, &err), 0);
	b64 = strchr(pub, ' ') + 1;
	*strchr(b64, ' ') = '\0';
	other = slurp(DIR "other.pub", &klen);
	*strchr(strchr(other, ' ') + 1, ' ') = '\0';
	/* 2026-06-01 is the commit's time below */
	snprintf(text, sizeof(text),
		 "# who may sign\n\n"
		 "ops@example.org %s\n"
		 "alice@example.org,bob@example.org namespaces=\"file\" ssh-ed25519 %s old\n"
		 "alice@example.org namespaces=\"git,other\",valid-after=\"20260101\",valid-before=\"20270101Z\" ssh-ed25519 %s alice\n"
		 "ecdsa@example.org ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBA==\n",
		 other, b64, b64);
	CHECK_INT(allowed_signers_parse(text, strlen(text), "allowed_signers", &a, &err), 0);
	CHECK_INT(a.n, 4);
	sg = allowed_signers_find(&a, &s, 1780272000, &why);
	CHECK(sg != NULL);
	CHECK_STR(sg ? sg->principals : NULL, "alice@example.org");
	CHECK_INT(sg ? sg->line : 0, 5);
	/* before valid-after, at valid-before */
	CHECK(allowed_signers_find(&a, &s, 1767225599, &why) == NULL);
	CHECK_STR(why, "its allowed signer is not valid yet at the commit's time");
	CHECK(allowed_signers_find(&a, &s, 1798761600, &why) == NULL);
	CHECK_STR(why, "its allowed signer expired before the commit's time");
	/* a key nobody listed */
	allowed_signers_clear(&a);
	snprintf(text, sizeof(text), "ops@example.org ssh-ed25519 %s\n", other ? strchr(other, ' ') + 1 : "");
	CHECK_INT(allowed_signers_parse(text, strlen(text), "allowed_signers", &a, &err), 0);
	CHECK(allowed_signers_find(&a, &s, 1780272000, &why) == NULL);
	CHECK_STR(why, "no allowed signer has this key");
	allowed_signers_clear(&a);
	/* lines that are not signers */
	static const char *const bad[][2] = {
		{ "alice@example.org\n", "allowed_signers:1: no key type" },
		{ "\n# c\nalice@example.org frobnicate ssh-ed25519 AAAA\n", "allowed_signers:3: an unknown option" },
		{ "a valid-after=\"2026\" ssh-ed25519 AAAA\n", "allowed_signers:1: a time must be" },
		{ "a namespaces=git ssh-ed25519 AAAA\n", "allowed_signers:1: an option value must be in double quotes" },
		{ "a ssh-ed25519 AAAAC3NzaC1lc2g=\n", "allowed_signers:1: not an Ed25519 key" },
		{ "a ssh-ed25519\n", "allowed_signers:1: no key" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(allowed_signers_parse(bad[i][0], strlen(bad[i][0]), "allowed_signers", &a, &err), -EBADMSG);
		CHECK(!strncmp(wgf_error_message(&err), bad[i][1], strlen(bad[i][1])));
		if (strncmp(wgf_error_message(&err), bad[i][1], strlen(bad[i][1])))
			fprintf(stderr, "#  bad %zu: %s\n", i, wgf_error_message(&err));
		CHECK_INT(a.n, 0);
		wgf_error_clear(&err);
	}
out:
	wgf_error_clear(&err);
	allowed_signers_clear(&a);
	free(sig);
	free(pub);
	free(other);
}

int main(void)
{
	RUN(test_ssh_keygen_signatures_verify);
	RUN(test_wrong_ones_are_refused);
	RUN(test_damaged_blobs);
	RUN(test_allowed_signers);
	UNIT_DONE();
}
