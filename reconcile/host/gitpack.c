#include <errno.h>
#include <git2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reconcile/host/gitpack.h"

static int git_fail(struct wgf_error *err, const char *what)
{
	const git_error *e = git_error_last();

	return wgf_error_set(err, -EIO, "%s: %s", what, e && e->message ? e->message : "libgit2 failed");
}

int gitpack_build(const char *repo_path, const char *ref, char oid_hex[GITFETCH_OID_HEX], void **buf, size_t *len,
		  struct wgf_error *err)
{
	git_repository *repo = NULL;
	git_object *found = NULL, *obj = NULL;
	git_packbuilder *pb = NULL;
	git_buf b = { 0 };
	int r = 0;

	*buf = NULL;
	*len = 0;
	git_libgit2_init();
	if (git_repository_open_ext(&repo, repo_path, 0, NULL) < 0) {
		r = git_fail(err, repo_path);
		goto out;
	}
	if (git_revparse_single(&found, repo, ref) < 0 || git_object_peel(&obj, found, GIT_OBJECT_COMMIT) < 0) {
		r = git_fail(err, ref);
		goto out;
	}
	git_oid_tostr(oid_hex, GITFETCH_OID_HEX, git_object_id(obj));
	if (git_packbuilder_new(&pb, repo) < 0 || git_packbuilder_insert_commit(pb, git_object_id(obj)) < 0 ||
	    git_packbuilder_write_buf(&b, pb) < 0) {
		r = git_fail(err, "packing the commit");
		goto out;
	}
	if (!(*buf = malloc(b.size ? b.size : 1))) {
		r = wgf_error_set(err, -ENOMEM, NULL);
		goto out;
	}
	memcpy(*buf, b.ptr, b.size);
	*len = b.size;
out:
	git_buf_dispose(&b);
	git_packbuilder_free(pb);
	git_object_free(obj);
	git_object_free(found);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return r;
}

/* All of fd, up to GITPACK_MAX bytes. */
static int read_all(int fd, char **out, size_t *len, struct wgf_error *err)
{
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap), *t;
	ssize_t k;

	if (!b)
		return wgf_error_set(err, -ENOMEM, NULL);
	for (;;) {
		if (n == cap) {
			if (cap >= GITPACK_MAX) {
				free(b);
				return wgf_error_set(err, -EFBIG, "the pack is larger than %u MiB", GITPACK_MAX >> 20);
			}
			if (!(t = realloc(b, cap * 2))) {
				free(b);
				return wgf_error_set(err, -ENOMEM, NULL);
			}
			b = t;
			cap *= 2;
		}
		k = read(fd, b + n, cap - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int e = -errno;
			free(b);
			return wgf_error_set(err, e, "reading the pack: %s", strerror(-e));
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	*out = b;
	*len = n;
	return 0;
}

static int index_pack(git_repository *repo, const char *data, size_t len, struct wgf_error *err)
{
	git_odb *odb = NULL;
	git_odb_writepack *wp = NULL;
	git_indexer_progress stats = { 0 };
	int r = 0;

	if (git_repository_odb(&odb, repo) < 0 || git_odb_write_pack(&wp, odb, NULL, NULL) < 0 ||
	    wp->append(wp, data, len, &stats) < 0 || wp->commit(wp, &stats) < 0)
		r = git_fail(err, "indexing the pack");
	if (wp)
		wp->free(wp);
	git_odb_free(odb);
	return r;
}

int gitpack_receive(const char *mirror, int fd, const char *oid_hex, struct wgf_error *err)
{
	git_repository *repo = NULL;
	git_commit *commit = NULL;
	git_oid oid;
	char *data = NULL;
	size_t len = 0;
	int r;

	if (strlen(oid_hex) != GITFETCH_OID_HEX - 1 || git_oid_fromstr(&oid, oid_hex) < 0)
		return wgf_error_set(err, -EINVAL, "\"%s\" is not a full commit id (40 hex digits)", oid_hex);
	r = read_all(fd, &data, &len, err);
	if (r < 0)
		return r;
	git_libgit2_init();
	umask(077);
	r = git_repository_open_bare(&repo, mirror);
	if (r == GIT_ENOTFOUND)
		r = git_repository_init(&repo, mirror, 1);
	if (r < 0) {
		r = git_fail(err, mirror);
		goto out;
	}
	r = index_pack(repo, data, len, err);
	if (r == 0 && git_commit_lookup(&commit, repo, &oid) < 0)
		r = wgf_error_set(err, -EBADMSG, "the pack does not hold commit %s", oid_hex);
out:
	git_commit_free(commit);
	git_repository_free(repo);
	git_libgit2_shutdown();
	free(data);
	return r;
}
