#include <errno.h>
#include <git2.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/host/fileio.h"
#include "reconcile/host/trust.h"

#define ARMOR_SSH "-----BEGIN SSH SIGNATURE-----"
#define ARMOR_PGP "-----BEGIN PGP SIGNATURE-----"

void trust_verdict_clear(struct trust_verdict *v)
{
	free(v->principal);
	memset(v, 0, sizeof(*v));
}

static const char *git_message(void)
{
	const git_error *e = git_error_last();

	return e && e->message ? e->message : "unknown libgit2 error";
}

/* The signature sig over data (signed at time when, unix seconds) against the
 * allowed signers: 0 or -EPERM with the reason. */
static int check_signature(const char *sig, size_t sig_len, const void *data, size_t len, int64_t when,
			   const struct allowed_signers *as, const char *as_file, struct trust_verdict *v,
			   struct wgf_error *err)
{
	const struct allowed_signer *who;
	struct wgf_error e = {0};
	struct sshsig s;
	const char *why = NULL;
	int r;

	if (sig_len >= sizeof(ARMOR_PGP) - 1 && !memcmp(sig, ARMOR_PGP, sizeof(ARMOR_PGP) - 1))
		return wgf_error_set(err, -EPERM, "signed with OpenPGP; wgf verifies SSH signatures (gpg.format=ssh) only");
	r = sshsig_parse(sig, sig_len, &s, &e);
	if (r < 0)
		goto refuse;
	v->signed_ = true;
	sshsig_fingerprint(&s, v->fingerprint);
	r = sshsig_verify(&s, SSHSIG_NAMESPACE_GIT, data, len, &e);
	if (r < 0)
		goto refuse;
	who = allowed_signers_find(as, &s, when, &why);
	if (!who)
		return wgf_error_set(err, -EPERM, "signed by %s, which %s does not allow: %s", v->fingerprint, as_file,
				     why ? why : "no allowed signer has this key");
	if (!(v->principal = strdup(who->principals)))
		return wgf_error_set(err, -ENOMEM, NULL);
	return 0;
refuse:
	if (r != -ENOMEM)
		r = -EPERM;
	if (v->signed_)
		wgf_error_set(err, r, "signed by %s: %s", v->fingerprint, wgf_error_message(&e));
	else
		wgf_error_set(err, r, "%s", wgf_error_message(&e));
	wgf_error_clear(&e);
	return r;
}

static int check_commit(git_repository *repo, const git_oid *id, const struct allowed_signers *as,
			const char *as_file, struct trust_verdict *v, struct wgf_error *err)
{
	git_buf sig = { 0 }, data = { 0 };
	git_commit *c = NULL;
	int r;

	if (git_commit_lookup(&c, repo, id) < 0)
		return wgf_error_set(err, -EIO, "reading commit %s: %s", v->commit, git_message());
	r = git_commit_extract_signature(&sig, &data, repo, (git_oid *)id, NULL);
	if (r == GIT_ENOTFOUND) {
		r = wgf_error_set(err, -EPERM, "not signed");
	} else if (r < 0) {
		r = wgf_error_set(err, -EIO, "reading the signature of %s: %s", v->commit, git_message());
	} else {
		r = check_signature(sig.ptr, sig.size, data.ptr, data.size, git_commit_time(c), as, as_file, v, err);
	}
	git_buf_dispose(&sig);
	git_buf_dispose(&data);
	git_commit_free(c);
	return r;
}

/* A signed tag is its text with the armored signature appended to the message. */
static int check_tag(git_repository *repo, const git_oid *id, const struct allowed_signers *as,
		     const char *as_file, struct trust_verdict *v, struct wgf_error *err)
{
	git_odb *odb = NULL;
	git_odb_object *obj = NULL;
	git_tag *tag = NULL;
	const git_signature *tagger;
	const char *text, *sig = NULL;
	size_t len;
	int r;

	if (git_repository_odb(&odb, repo) < 0 || git_odb_read(&obj, odb, id) < 0 || git_tag_lookup(&tag, repo, id) < 0) {
		r = wgf_error_set(err, -EIO, "reading tag %s: %s", v->tag, git_message());
		goto out;
	}
	text = git_odb_object_data(obj);
	len = git_odb_object_size(obj);
	for (size_t i = 0; i < len && !sig; i++)
		if ((i == 0 || text[i - 1] == '\n') &&
		    ((len - i >= sizeof(ARMOR_SSH) - 1 && !memcmp(text + i, ARMOR_SSH, sizeof(ARMOR_SSH) - 1)) ||
		     (len - i >= sizeof(ARMOR_PGP) - 1 && !memcmp(text + i, ARMOR_PGP, sizeof(ARMOR_PGP) - 1))))
			sig = text + i;
	if (!sig) {
		r = wgf_error_set(err, -EPERM, "tag %s is not signed", git_tag_name(tag));
		goto out;
	}
	tagger = git_tag_tagger(tag);
	r = check_signature(sig, len - (size_t)(sig - text), text, (size_t)(sig - text),
			    tagger ? tagger->when.time : 0, as, as_file, v, err);
	if (r < 0)
		wgf_error_prefix(err, "tag %s", git_tag_name(tag));
out:
	git_tag_free(tag);
	git_odb_object_free(obj);
	git_odb_free(odb);
	return r;
}

int trust_check(struct git_repository *repo, const char *oid_hex, enum hostconf_verify mode,
		const struct allowed_signers *as, const char *as_file, struct trust_verdict *v,
		struct wgf_error *err)
{
	git_object *obj = NULL, *commit = NULL;
	git_oid id;
	int r;

	memset(v, 0, sizeof(*v));
	if (git_oid_fromstr(&id, oid_hex) < 0 || git_object_lookup(&obj, repo, &id, GIT_OBJECT_ANY) < 0)
		return wgf_error_set(err, -EIO, "reading %s from the mirror: %s", oid_hex, git_message());
	if (git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) < 0) {
		r = wgf_error_set(err, -EPERM, "%s is not a commit or a tag of one", oid_hex);
		goto out;
	}
	git_oid_tostr(v->commit, sizeof(v->commit), git_object_id(commit));
	switch (mode) {
	case HOSTCONF_VERIFY_OFF:
		r = 0;
		break;
	case HOSTCONF_VERIFY_TAG:
		if (git_object_type(obj) != GIT_OBJECT_TAG) {
			r = wgf_error_set(err, -EPERM, "the ref points at a commit, not at a signed tag (verify = tag)");
			break;
		}
		memcpy(v->tag, oid_hex, sizeof(v->tag));
		r = check_tag(repo, &id, as, as_file, v, err);
		break;
	default:
		r = check_commit(repo, git_object_id(commit), as, as_file, v, err);
		break;
	}
out:
	git_object_free(commit);
	git_object_free(obj);
	return r;
}

int trust_descends(struct git_repository *repo, const char *new_hex, const char *old_hex, struct wgf_error *err)
{
	git_oid n, o;
	int r;

	if (git_oid_fromstr(&n, new_hex) < 0 || git_oid_fromstr(&o, old_hex) < 0)
		return wgf_error_set(err, -EINVAL, "not a commit id");
	if (git_oid_equal(&n, &o))
		return 0;
	r = git_graph_descendant_of(repo, &n, &o);
	if (r == 1)
		return 0;
	if (r < 0 && git_error_last() && git_error_last()->klass != GIT_ERROR_ODB)
		return wgf_error_set(err, -EIO, "walking the history: %s", git_message());
	return wgf_error_set(err, -EPERM, "not a descendant of the last applied revision %s "
			     "(a force-push? --allow-rewind applies it once)", old_hex);
}

int trust_check_mirror(const char *mirror, const char *oid_hex, const struct hostconf *hc, const char *old_hex,
		       struct trust_verdict *v, struct wgf_error *err)
{
	struct allowed_signers as = {0};
	git_repository *repo = NULL;
	char *text = NULL;
	size_t len = 0;
	int r;

	if (hc->verify != HOSTCONF_VERIFY_OFF) {
		r = fileio_read(hc->allowed_signers, &text, &len);
		if (r < 0)
			return wgf_error_set(err, r, "reading the allowed signers %s: %s", hc->allowed_signers,
					     strerror(-r));
		r = allowed_signers_parse(text, len, hc->allowed_signers, &as, err);
		free(text);
		if (r < 0)
			return r;
	}
	git_libgit2_init();
	if (git_repository_open_bare(&repo, mirror) < 0) {
		r = wgf_error_set(err, -EIO, "opening the mirror %s: %s", mirror,
				  git_error_last() ? git_error_last()->message : "?");
		goto out;
	}
	r = trust_check(repo, oid_hex, hc->verify, &as, hc->allowed_signers, v, err);
	if (r == 0 && old_hex)
		r = trust_descends(repo, v->commit, old_hex, err);
out:
	git_repository_free(repo);
	git_libgit2_shutdown();
	allowed_signers_clear(&as);
	return r;
}
