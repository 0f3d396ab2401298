/* When each key came into the repository: the first-parent history, walked
 * back one commit at a time. Only the files a commit changed are read. */
#include "reconcile/host/key_history.h"
#include "reconcile/host/key_history_int.h"
#include "model/str.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct tracked {
	struct key_created *out;
	char *path;                    /* where the key is, in the commit being looked at */
	uint8_t key[WG_KEY_LEN];
};

/* A key the parent may hold in another file: (key, the file's old path). */
struct moved_from {
	uint8_t key[WG_KEY_LEN];
	const char *path;
};

struct walk {
	git_repository *repo;
	struct blob_cache cache;
	struct tracked *t;             /* the first n are still looked for */
	size_t n;
	struct tree_changes changes;   /* this step's files that changed */
	struct moved_from *moved;      /* this step's, by key; built when needed */
	size_t n_moved;
	bool moved_built;
};

static const char *git_message(void)
{
	const git_error *e = git_error_last();

	return e && e->message ? e->message : "unknown error";
}

/* A YAML file the loader reads: *.yaml or *.yml, no hidden component. */
static bool loaded_name(const char *path)
{
	size_t n = strlen(path);

	if (path[0] == '.' || strstr(path, "/."))
		return false;
	return (n > 5 && !strcmp(path + n - 5, ".yaml")) || (n > 4 && !strcmp(path + n - 4, ".yml"));
}

/* The head commit's files: path and blob, by path. */
struct head_file {
	char *path;
	git_oid id;
};

struct head_files {
	struct head_file *v;
	size_t n, cap;
};

static int head_file_cb(const char *root, const git_tree_entry *entry, void *payload)
{
	struct head_files *h = payload;
	git_filemode_t mode = git_tree_entry_filemode(entry);
	char *path;

	if (git_tree_entry_name(entry)[0] == '.')
		return 1;       /* skip it (a hidden tree: its children too), as the loader does */
	if (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE)
		return 0;
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		struct head_file *v = reallocarray(h->v, cap, sizeof(*v));

		if (!v)
			return -1;
		h->v = v;
		h->cap = cap;
	}
	path = str_printf("%s%s", root, git_tree_entry_name(entry));
	if (!path)
		return -1;
	h->v[h->n].path = path;
	git_oid_cpy(&h->v[h->n++].id, git_tree_entry_id(entry));
	return 0;
}

static int head_file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct head_file *)a)->path, ((const struct head_file *)b)->path);
}

static void head_files_clear(struct head_files *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->v[i].path);
	free(h->v);
	memset(h, 0, sizeof(*h));
}

/* The file the model names as display (escaped where it was not printable:
 * only then does it hold a backslash), or NULL. */
static const struct head_file *head_file_find(const struct head_files *h, const char *display)
{
	struct head_file key = { .path = (char *)display };
	const struct head_file *f = NULL;

	if (!strchr(display, '\\'))
		return h->n ? bsearch(&key, h->v, h->n, sizeof(*h->v), head_file_cmp) : NULL;
	for (size_t i = 0; !f && i < h->n; i++) {
		char *shown = str_escape_display(h->v[i].path);

		if (shown && !strcmp(shown, display))
			f = &h->v[i];
		free(shown);
	}
	return f;
}

static void resolve(struct walk *w, size_t i, const git_commit *c)
{
	struct tracked *t = &w->t[i];

	t->out->origin = KEY_ORIGIN_COMMIT;
	t->out->time = (int64_t)git_commit_time(c);
	git_oid_tostr(t->out->commit, sizeof(t->out->commit), git_commit_id(c));
	free(t->path);
	w->t[i] = w->t[--w->n];
	w->t[w->n].path = NULL;
}

/* Looks for one object's key in the head commit's file of it. */
static int track(struct walk *w, const struct head_files *head, const struct model_meta *meta,
		 const uint8_t pub[WG_KEY_LEN], struct key_created *out)
{
	const struct head_file *f = meta->loc.file ? head_file_find(head, meta->loc.file) : NULL;
	struct tracked *t = &w->t[w->n];
	bool has = false;
	int r;

	memset(out, 0, sizeof(*out));
	if (!f)
		return 0;
	r = blob_cache_has(&w->cache, &f->id, pub, &has);
	if (r < 0 || !has)
		return r;
	t->path = strdup(f->path);
	if (!t->path)
		return -ENOMEM;
	memcpy(t->key, pub, WG_KEY_LEN);
	t->out = out;
	w->n++;
	return 0;
}

static int moved_cmp(const void *a, const void *b)
{
	return memcmp(((const struct moved_from *)a)->key, ((const struct moved_from *)b)->key, WG_KEY_LEN);
}

/* Every key of every file the parent had and this commit changed or removed. */
static int moved_build(struct walk *w)
{
	size_t cap = 0;

	w->moved_built = true;
	for (size_t i = 0; i < w->changes.n; i++) {
		const struct tree_change *d = &w->changes.v[i];
		const struct blob_keys *b;
		int r;

		if (!d->has_old || !loaded_name(d->path))
			continue;
		r = blob_cache_get(&w->cache, &d->old_id, &b);
		if (r < 0)
			return r;
		if (w->n_moved + b->n > cap) {
			size_t nc = (w->n_moved + b->n) * 2;
			struct moved_from *v = reallocarray(w->moved, nc, sizeof(*v));

			if (!v)
				return -ENOMEM;
			w->moved = v;
			cap = nc;
		}
		for (size_t k = 0; k < b->n; k++) {
			memcpy(w->moved[w->n_moved].key, b->keys[k], WG_KEY_LEN);
			w->moved[w->n_moved++].path = d->path;
		}
	}
	if (w->n_moved)
		qsort(w->moved, w->n_moved, sizeof(*w->moved), moved_cmp);
	return 0;
}

/* Is tracked key i in the parent (at its path, or moved from another file)? */
static int in_parent(struct walk *w, size_t i, bool *has)
{
	struct tracked *t = &w->t[i];
	const struct tree_change *d = tree_changes_find(&w->changes, t->path);
	struct moved_from key, *m;
	int r;

	*has = true;
	if (!d)
		return 0;       /* the file did not change */
	*has = false;
	if (d->has_old && (r = blob_cache_has(&w->cache, &d->old_id, t->key, has)) < 0)
		return r;
	if (*has)
		return 0;
	if (!w->moved_built && (r = moved_build(w)) < 0)
		return r;
	memcpy(key.key, t->key, WG_KEY_LEN);
	m = w->n_moved ? bsearch(&key, w->moved, w->n_moved, sizeof(*w->moved), moved_cmp) : NULL;
	*has = m != NULL;
	if (m && strcmp(m->path, t->path)) {
		char *p = strdup(m->path);

		if (!p)
			return -ENOMEM;
		free(t->path);
		t->path = p;
	}
	return 0;
}

/* One commit against its first parent: the keys it brought are resolved. */
static int walk_step(struct walk *w, git_commit *c, git_commit *parent)
{
	git_tree *tc = NULL, *tp = NULL;
	int r = -EIO;

	if (git_commit_tree(&tc, c) < 0 || git_commit_tree(&tp, parent) < 0)
		goto out;
	r = tree_changes_diff(w->repo, tp, tc, &w->changes);
	if (r < 0)
		goto out;
	w->n_moved = 0;
	w->moved_built = false;
	for (size_t i = 0; i < w->n;) {
		bool has;

		r = in_parent(w, i, &has);
		if (r < 0)
			goto out;
		if (has)
			i++;
		else
			resolve(w, i, c);
	}
	r = 0;
out:
	tree_changes_clear(&w->changes);
	git_tree_free(tc);
	git_tree_free(tp);
	return r;
}

/* Back from c until every key is resolved; the keys of the root commit came
 * with it. History that ends before the root (a shallow clone, a commit that
 * came alone in a pack) leaves the keys not resolved by then unknown: their
 * age would only be a guess. */
static int walk_history(struct walk *w, git_commit *c)
{
	git_commit *cur = c, *parent = NULL;
	int r = 0;

	while (w->n) {
		if (git_commit_parentcount(cur) == 0) {
			while (w->n)
				resolve(w, 0, cur);
			break;
		}
		if (git_commit_parent(&parent, cur, 0) < 0)
			break;
		r = walk_step(w, cur, parent);
		if (cur != c)
			git_commit_free(cur);
		cur = parent;
		parent = NULL;
		if (r < 0)
			break;
	}
	if (cur != c)
		git_commit_free(cur);
	return r;
}

static int track_all(struct walk *w, git_tree *tree, const struct model *m, const bool *want_hosts,
		     const bool *want_peers, struct key_created *hosts, struct key_created *peers)
{
	struct head_files head = {0};
	int r = -ENOMEM;

	if (git_tree_walk(tree, GIT_TREEWALK_PRE, head_file_cb, &head) < 0)
		goto out;
	if (head.n > 1)
		qsort(head.v, head.n, sizeof(*head.v), head_file_cmp);
	r = 0;
	for (size_t i = 0; r == 0 && i < m->n_hosts; i++) {
		memset(&hosts[i], 0, sizeof(hosts[i]));
		if (!want_hosts || want_hosts[i])
			r = track(w, &head, &m->hosts[i].meta, m->hosts[i].public_key, &hosts[i]);
	}
	for (size_t i = 0; r == 0 && i < m->n_peers; i++) {
		memset(&peers[i], 0, sizeof(peers[i]));
		if (!want_peers || want_peers[i])
			r = track(w, &head, &m->peers[i].meta, m->peers[i].public_key, &peers[i]);
	}
out:
	head_files_clear(&head);
	return r;
}

int key_history(const char *repo, const struct model *m, const bool *want_hosts, const bool *want_peers,
		struct key_created *hosts, struct key_created *peers, struct wgf_error *err)
{
	struct walk w = {0};
	git_commit *c = NULL;
	git_tree *head = NULL;
	git_oid oid;
	int r;

	git_libgit2_init();
	r = -EINVAL;
	if (!m->commit || git_oid_fromstr(&oid, m->commit) < 0) {
		wgf_error_set(err, r, "the model was not read from a git commit");
		goto out;
	}
	r = -EIO;
	if (git_repository_open_ext(&w.repo, repo, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0 ||
	    git_commit_lookup(&c, w.repo, &oid) < 0 || git_commit_tree(&head, c) < 0) {
		wgf_error_set(err, r, "reading commit %s in %s: %s", m->commit, repo, git_message());
		goto out;
	}
	w.cache.repo = w.repo;
	r = -ENOMEM;
	w.t = calloc(m->n_hosts + m->n_peers + 1, sizeof(*w.t));
	if (!w.t) {
		wgf_error_set(err, r, NULL);
		goto out;
	}
	r = track_all(&w, head, m, want_hosts, want_peers, hosts, peers);
	if (r == 0)
		r = walk_history(&w, c);
	if (r < 0)
		wgf_error_set(err, r, "reading the history of %s in %s: %s", m->commit, repo,
			      r == -ENOMEM ? "out of memory" : git_message());
out:
	for (size_t i = 0; w.t && i < w.n; i++)
		free(w.t[i].path);
	free(w.t);
	free(w.moved);
	blob_cache_free(&w.cache);
	git_tree_free(head);
	git_commit_free(c);
	git_repository_free(w.repo);
	git_libgit2_shutdown();
	return r;
}
