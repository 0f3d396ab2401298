/* libFuzzer harness for SSH signatures (reconcile/host/sshsig.c): the armored
 * SSHSIG blocks git stores in signed commits and tags, which come from whoever
 * pushed them.
 *
 * The same input is also read as an allowed-signers file (/etc/wgf/allowed_signers).
 *
 * Invariants: a signature that parses has version 1, an ssh-ed25519 key, a
 * sha512 or sha256 hash and NUL-free names; verifying it against any message
 * returns 0, -EPERM or -EKEYREJECTED; a refused one says why.
 *
 *   make fuzz O=build-fz
 *   mkdir -p /tmp/c && cp tests/fuzz/corpus/fuzz_sshsig/?* /tmp/c/
 *   build-fz/fuzz/fuzz_sshsig -max_total_time=600 -rss_limit_mb=2048 /tmp/c
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/host/allowed_signers.h"
#include "reconcile/host/sshsig.h"

/* The same input as an allowed-signers file: it reads or says which line is wrong. */
static void check_allowed_signers(const uint8_t *data, size_t size, const struct sshsig *s)
{
	struct allowed_signers a;
	struct wgf_error err = {0};
	const char *why = NULL;
	int r = allowed_signers_parse((const char *)data, size, "f", &a, &err);

	if (r < 0) {
		if ((r != -EBADMSG && r != -ENOMEM) || (r == -EBADMSG && (!err.msg || strncmp(err.msg, "f:", 2))))
			abort();
		wgf_error_clear(&err);
		return;
	}
	for (size_t i = 0; i < a.n; i++)
		if (!a.v[i].principals || !a.v[i].line || (i && a.v[i].line <= a.v[i - 1].line))
			abort();
	if (s && !allowed_signers_find(&a, s, 1780272000, &why) && !why)
		abort();
	allowed_signers_clear(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char msg[] = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nsigned commit\n";
	struct wgf_error err = {0};
	struct sshsig s;
	char fp[SSHSIG_FINGERPRINT_LEN];
	int r;

	r = sshsig_parse((const char *)data, size, &s, &err);
	check_allowed_signers(data, size, r == 0 ? &s : NULL);
	if (r < 0) {
		if ((r != -EBADMSG && r != -EOPNOTSUPP && r != -ENOMEM) || (r != -ENOMEM && !err.msg))
			abort();
		wgf_error_clear(&err);
		return 0;
	}
	if (s.version != 1 || strcmp(s.key_type, "ssh-ed25519") || (strcmp(s.hash, "sha512") && strcmp(s.hash, "sha256")))
		abort();
	r = sshsig_verify(&s, "git", msg, sizeof(msg) - 1, &err);
	if (r != 0 && r != -EPERM && r != -EKEYREJECTED)
		abort();
	wgf_error_clear(&err);
	if (strncmp(sshsig_fingerprint(&s, fp), "SHA256:", 7) || strlen(fp) != SSHSIG_FINGERPRINT_LEN - 1)
		abort();
	return 0;
}
