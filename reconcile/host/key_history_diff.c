/* Which files differ between two trees: a merge of their sorted entries that
 * skips equal subtrees by id, so a commit costs what it changed (and the
 * entries of the folders it changed), not the size of the repository. */
#include "reconcile/host/key_history_int.h"
#include "model/model.h"
#include "model/str.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DIFF_MAX_DEPTH (MODEL_MAX_DIR_DEPTH + 1)

static bool is_file(const git_tree_entry *e)
{
	git_filemode_t m = git_tree_entry_filemode(e);

	return m == GIT_FILEMODE_BLOB || m == GIT_FILEMODE_BLOB_EXECUTABLE;
}

static int change_add(struct tree_changes *c, const char *prefix, const git_tree_entry *o, const git_tree_entry *n)
{
	struct tree_change *x;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct tree_change *v = reallocarray(c->v, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	x = &c->v[c->n];
	memset(x, 0, sizeof(*x));
	x->path = str_printf("%s%s", prefix, git_tree_entry_name(o ? o : n));
	if (!x->path)
		return -ENOMEM;
	if ((x->has_old = o != NULL))
		git_oid_cpy(&x->old_id, git_tree_entry_id(o));
	if ((x->has_new = n != NULL))
		git_oid_cpy(&x->new_id, git_tree_entry_id(n));
	c->n++;
	return 0;
}

static int diff_trees(git_repository *repo, const git_tree *o, const git_tree *n, const char *prefix,
		      unsigned depth, struct tree_changes *c);

/* A subtree on one side or both (an entry that is not a tree: none). */
static int diff_sub(git_repository *repo, const git_tree_entry *o, const git_tree_entry *n, const char *prefix,
		    unsigned depth, struct tree_changes *c)
{
	git_tree *to = NULL, *tn = NULL;
	char *sub = str_printf("%s%s/", prefix, git_tree_entry_name(o ? o : n));
	int r = -ENOMEM;

	if (!sub)
		goto out;
	r = -EIO;
	if ((o && git_tree_lookup(&to, repo, git_tree_entry_id(o)) < 0) ||
	    (n && git_tree_lookup(&tn, repo, git_tree_entry_id(n)) < 0))
		goto out;
	r = diff_trees(repo, to, tn, sub, depth + 1, c);
out:
	git_tree_free(to);
	git_tree_free(tn);
	free(sub);
	return r;
}

/* One side of a difference: a file, a folder, or something never loaded (a link, a submodule). */
static int diff_one(git_repository *repo, const git_tree_entry *o, const git_tree_entry *n, const char *prefix,
		    unsigned depth, struct tree_changes *c)
{
	const git_tree_entry *e = o ? o : n;

	if (git_tree_entry_type(e) == GIT_OBJECT_TREE)
		return diff_sub(repo, o, n, prefix, depth, c);
	return is_file(e) ? change_add(c, prefix, o, n) : 0;
}

static int diff_pair(git_repository *repo, const git_tree_entry *eo, const git_tree_entry *en,
		     const char *prefix, unsigned depth, struct tree_changes *c)
{
	bool to = git_tree_entry_type(eo) == GIT_OBJECT_TREE, tn = git_tree_entry_type(en) == GIT_OBJECT_TREE;
	int r;

	if (to && tn)
		return diff_sub(repo, eo, en, prefix, depth, c);
	if (is_file(eo) && is_file(en))
		return change_add(c, prefix, eo, en);
	r = diff_one(repo, eo, NULL, prefix, depth, c);
	return r < 0 ? r : diff_one(repo, NULL, en, prefix, depth, c);
}

static int diff_trees(git_repository *repo, const git_tree *o, const git_tree *n, const char *prefix,
		      unsigned depth, struct tree_changes *c)
{
	size_t i = 0, j = 0, no = o ? git_tree_entrycount(o) : 0, nn = n ? git_tree_entrycount(n) : 0;
	int r = 0;

	if (depth > DIFF_MAX_DEPTH)
		return 0;       /* deeper than the loader reads */
	while (r == 0 && (i < no || j < nn)) {
		const git_tree_entry *eo = i < no ? git_tree_entry_byindex(o, i) : NULL;
		const git_tree_entry *en = j < nn ? git_tree_entry_byindex(n, j) : NULL;
		int cmp = !eo ? 1 : !en ? -1 : git_tree_entry_cmp(eo, en);

		if (cmp < 0) {
			r = diff_one(repo, eo, NULL, prefix, depth, c);
			i++;
		} else if (cmp > 0) {
			r = diff_one(repo, NULL, en, prefix, depth, c);
			j++;
		} else {
			if (!git_oid_equal(git_tree_entry_id(eo), git_tree_entry_id(en)) ||
			    git_tree_entry_filemode(eo) != git_tree_entry_filemode(en))
				r = diff_pair(repo, eo, en, prefix, depth, c);
			i++;
			j++;
		}
	}
	return r;
}

static int change_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tree_change *)a)->path, ((const struct tree_change *)b)->path);
}

int tree_changes_diff(git_repository *repo, const git_tree *o, const git_tree *n, struct tree_changes *out)
{
	int r = diff_trees(repo, o, n, "", 0, out);

	if (r == 0 && out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), change_cmp);
	return r;
}

const struct tree_change *tree_changes_find(const struct tree_changes *c, const char *path)
{
	struct tree_change key = { .path = (char *)path };

	return c->n ? bsearch(&key, c->v, c->n, sizeof(*c->v), change_cmp) : NULL;
}

void tree_changes_clear(struct tree_changes *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].path);
	free(c->v);
	memset(c, 0, sizeof(*c));
}
