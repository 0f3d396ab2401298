/* Where desired state comes from: a directory tree, a git commit's tree, or memory. */
#include "model/model_load.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <unistd.h>

struct src_file {
	char *name;                    /* as reported: relative to the root, or as given */
	char *path;                    /* directories: where to read it */
	git_oid oid;                   /* git: the blob */
};

struct file_list {
	struct src_file *f;
	size_t n, cap;
	bool too_many;
};

static void file_list_free(struct file_list *fl)
{
	for (size_t i = 0; i < fl->n; i++) {
		free(fl->f[i].name);
		free(fl->f[i].path);
	}
	free(fl->f);
	memset(fl, 0, sizeof(*fl));
}

/* Takes ownership of name and path. */
static int file_list_add(struct file_list *fl, char *name, char *path)
{
	if (!name) {
		free(path);
		return -ENOMEM;
	}
	if (fl->n == MODEL_MAX_FILES) {
		fl->too_many = true;
		free(name);
		free(path);
		return -E2BIG;
	}
	if (fl->n == fl->cap) {
		size_t cap = fl->cap ? fl->cap * 2 : 32;
		struct src_file *f = reallocarray(fl->f, cap, sizeof(*f));
		if (!f) {
			free(name);
			free(path);
			return -ENOMEM;
		}
		fl->f = f;
		fl->cap = cap;
	}
	memset(&fl->f[fl->n], 0, sizeof(fl->f[fl->n]));
	fl->f[fl->n].name = name;
	fl->f[fl->n].path = path;
	fl->n++;
	return 0;
}

static int src_file_cmp(const void *pa, const void *pb)
{
	const struct src_file *a = pa, *b = pb;

	return strcmp(a->name, b->name);
}

static bool is_yaml_name(const char *name)
{
	size_t n = strlen(name);

	return (n > 5 && !strcmp(name + n - 5, ".yaml")) || (n > 4 && !strcmp(name + n - 4, ".yml"));
}

static void too_many_files(struct diag *d, const char *where)
{
	struct wgf_loc loc = { where, 0, 0 };

	diag_add(d, &loc, "more than %d YAML files", MODEL_MAX_FILES);
}

/* Collects YAML files below dir; rel is dir's name relative to the root (NULL at the root).
 * Hidden names are skipped and symlinked directories are not followed. */
static int walk_dir(const char *dir, const char *rel, struct file_list *fl, struct diag *d)
{
	DIR *dh = opendir(dir);
	struct dirent *de;
	int r = 0;

	if (!dh) {
		struct wgf_loc loc = { rel ? rel : dir, 0, 0 };
		r = -errno;
		diag_add(d, &loc, "cannot read directory: %s", strerror(-r));
		return r;
	}
	while (r == 0 && (errno = 0, de = readdir(dh))) {
		char *path = NULL, *name = NULL;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0) {
			r = -ENOMEM;
			break;
		}
		if (rel ? asprintf(&name, "%s/%s", rel, de->d_name) < 0 : !(name = strdup(de->d_name))) {
			free(path);
			r = -ENOMEM;
			break;
		}
		/* d_type spares a stat per file; only links and unknown types need one */
		if (de->d_type == DT_DIR) {
			r = walk_dir(path, name, fl, d);
		} else if (de->d_type == DT_REG) {
			if (is_yaml_name(de->d_name)) {
				r = file_list_add(fl, name, path);
				path = name = NULL;
			}
		} else if (de->d_type != DT_LNK && de->d_type != DT_UNKNOWN) {
			/* sockets, fifos, devices: not YAML */
		} else if (lstat(path, &st) < 0) {
			struct wgf_loc loc = { name, 0, 0 };
			r = -errno;
			diag_add(d, &loc, "cannot stat: %s", strerror(-r));
		} else if (S_ISDIR(st.st_mode)) {
			r = walk_dir(path, name, fl, d);
		} else if (is_yaml_name(de->d_name) &&
			   (S_ISREG(st.st_mode) || (S_ISLNK(st.st_mode) && stat(path, &st) == 0 && S_ISREG(st.st_mode)))) {
			r = file_list_add(fl, name, path);
			path = name = NULL;
		}
		free(path);
		free(name);
	}
	if (r == 0 && errno) {
		struct wgf_loc loc = { rel ? rel : dir, 0, 0 };
		r = -errno;
		diag_add(d, &loc, "cannot read directory: %s", strerror(-r));
	}
	closedir(dh);
	return r;
}

/* Reads one file within the size limits; *total (shared by the readers) counts the
 * bytes of every file read so far. On failure the error is in d. */
static int read_file(const struct src_file *f, struct diag *d, _Atomic size_t *total,
		     char **buf, size_t *len)
{
	struct wgf_loc loc = { f->name, 0, 0 };
	struct stat st;
	size_t got = 0;
	char *b = NULL;
	int fd, r;

	*buf = NULL;
	*len = 0;
	fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		diag_add(d, &loc, "cannot open: %s", strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		diag_add(d, &loc, "cannot stat: %s", strerror(-r));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		diag_add(d, &loc, "not a regular file");
		goto out;
	}
	if ((uint64_t)st.st_size > MODEL_MAX_FILE_SIZE) {
		r = -EFBIG;
		diag_add(d, &loc, "file is larger than %u MiB", MODEL_MAX_FILE_SIZE >> 20);
		goto out;
	}
	if (atomic_fetch_add(total, (size_t)st.st_size) + (size_t)st.st_size > MODEL_MAX_TOTAL_SIZE) {
		r = -E2BIG;
		diag_add(d, &loc, "the YAML files together are larger than %u MiB", MODEL_MAX_TOTAL_SIZE >> 20);
		goto out;
	}
	b = malloc((size_t)st.st_size + 1);
	if (!b) {
		r = -ENOMEM;
		goto out;
	}
	/* The file may change while we read it: never read past the size we checked. */
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, b + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			diag_add(d, &loc, "cannot read: %s", strerror(-r));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	b[got] = '\0';
	*buf = b;
	*len = got;
	b = NULL;
	r = 0;
out:
	free(b);
	close(fd);
	return r;
}

/* Reading and parsing are independent per file, and with thousands of small files
 * they are most of a plan's time, so two threads share them, each claiming the next
 * file. Turning the trees into the model stays on this thread, in file order, so the
 * result and the messages do not depend on the scheduling; parsing runs at most
 * PARSE_AHEAD files ahead of it, which bounds the trees held in memory. */
#define PARSE_AHEAD 256

struct parsed_file {
	_Atomic bool ready;
	int r;                 /* reading: 0 or a negative errno */
	bool parsed;
	size_t len;
	struct ytree t;
	struct diag d;
};

struct parse_job {
	const struct file_list *fl;
	struct parsed_file *pf;
	_Atomic size_t next;       /* the next file to claim */
	_Atomic size_t consumed;   /* files already turned into the model */
	_Atomic size_t total;      /* bytes read */
	_Atomic bool stop;
};

static void parse_one(struct parse_job *j, size_t i)
{
	struct parsed_file *p = &j->pf[i];
	char *buf = NULL;

	diag_init(&p->d);
	p->r = read_file(&j->fl->f[i], &p->d, &j->total, &buf, &p->len);
	if (p->r == 0)
		p->parsed = ytree_parse(j->fl->f[i].name, buf, p->len, &p->t, &p->d);
	free(buf);
	atomic_store_explicit(&p->ready, true, memory_order_release);
}

/* Claims and parses one file if one is due; false when there is nothing to claim now. */
static bool parse_next(struct parse_job *j)
{
	size_t i = atomic_load(&j->next);

	do {
		if (i >= j->fl->n || i >= atomic_load(&j->consumed) + PARSE_AHEAD)
			return false;
	} while (!atomic_compare_exchange_weak(&j->next, &i, i + 1));
	parse_one(j, i);
	return true;
}

static void *parse_worker(void *arg)
{
	struct parse_job *j = arg;

	while (!atomic_load(&j->stop) && atomic_load(&j->next) < j->fl->n)
		if (!parse_next(j))
			sched_yield();
	return NULL;
}

static int load_files(struct loader *l, const struct file_list *fl)
{
	struct parse_job j = { .fl = fl };
	pthread_t helper;
	bool threaded;
	int r = 0;

	j.pf = calloc(fl->n, sizeof(*j.pf));
	if (!j.pf)
		return -ENOMEM;
	threaded = fl->n >= 64 && pthread_create(&helper, NULL, parse_worker, &j) == 0;
	for (size_t i = 0; i < fl->n; i++) {
		struct parsed_file *p = &j.pf[i];

		while (!atomic_load_explicit(&p->ready, memory_order_acquire))
			if (!parse_next(&j))
				sched_yield();
		diag_merge(l->d, &p->d);
		if (p->r == -ENOMEM)
			r = -ENOMEM;
		if (p->r < 0 || r < 0 || l->oom) {
			l->incomplete = true;
			if (p->parsed)
				ytree_free(&p->t);
		} else {
			loader_add_tree(l, fl->f[i].name, p->parsed ? &p->t : NULL, p->len);
		}
		atomic_store(&j.consumed, i + 1);
	}
	atomic_store(&j.stop, true);
	if (threaded)
		pthread_join(helper, NULL);
	free(j.pf);
	return r;
}

int model_load_dir(const char *path, struct model **out, struct diag *d)
{
	struct file_list fl = { 0 };
	struct loader l;
	struct wgf_loc loc = { path, 0, 0 };
	struct stat st;
	char *root = NULL;
	int r;

	*out = NULL;
	r = loader_init(&l, d);
	if (r < 0)
		return r;
	if (stat(path, &st) < 0) {
		r = -errno;
		diag_add(d, &loc, "cannot open: %s", strerror(-r));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		size_t n = strlen(path);
		root = strdup(path);
		if (!root) {
			r = -ENOMEM;
			goto fail;
		}
		while (n > 1 && root[n - 1] == '/')
			root[--n] = '\0';
		r = walk_dir(root, NULL, &fl, d);
	} else {
		r = file_list_add(&fl, strdup(path), strdup(path));
	}
	if (fl.too_many)
		too_many_files(d, path);
	if (r < 0)
		goto fail;
	if (fl.n == 0) {
		r = -ENOENT;
		diag_add(d, &loc, "no *.yaml or *.yml files found");
		goto fail;
	}
	qsort(fl.f, fl.n, sizeof(*fl.f), src_file_cmp);
	if (asprintf(&l.m->source, "directory %s", path) < 0) {
		l.m->source = NULL;
		r = -ENOMEM;
		goto fail;
	}
	r = load_files(&l, &fl);
	if (r < 0)
		goto fail;
	r = loader_finish(&l, out);
	goto out;
fail:
	if (r == -ENOMEM)
		diag_add(d, NULL, "out of memory");
	loader_free(&l);
out:
	file_list_free(&fl);
	free(root);
	return r;
}

int model_load_buffers(const char *const *names, const char *const *bufs, const size_t *lens, size_t n,
		       struct model **out, struct diag *d)
{
	struct loader l;
	int r;

	*out = NULL;
	r = loader_init(&l, d);
	if (r < 0)
		return r;
	if (n > MODEL_MAX_FILES) {
		too_many_files(d, NULL);
		loader_free(&l);
		return -EINVAL;
	}
	l.m->source = strdup("memory");
	if (!l.m->source) {
		loader_free(&l);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n && !l.oom; i++) {
		if (l.total_size + lens[i] > MODEL_MAX_TOTAL_SIZE) {
			struct wgf_loc loc = { names[i], 0, 0 };
			diag_add(d, &loc, "the YAML files together are larger than %u MiB",
				 MODEL_MAX_TOTAL_SIZE >> 20);
			l.incomplete = true;
			break;
		}
		loader_add_file(&l, names[i], bufs[i], lens[i]);
	}
	return loader_finish(&l, out);
}

/* --- git ---------------------------------------------------------------- */

static const char *git_message(void)
{
	const git_error *e = git_error_last();

	return e && e->message ? e->message : "unknown error";
}

static int tree_entry_cb(const char *root, const git_tree_entry *entry, void *payload)
{
	struct file_list *fl = payload;
	const char *name = git_tree_entry_name(entry);
	git_filemode_t mode = git_tree_entry_filemode(entry);
	char *path = NULL;

	if (name[0] == '.')
		return 1;       /* skip it, and a hidden tree's children */
	if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB || !is_yaml_name(name) ||
	    (mode != GIT_FILEMODE_BLOB && mode != GIT_FILEMODE_BLOB_EXECUTABLE))
		return 0;
	if (asprintf(&path, "%s%s", root, name) < 0)
		return -1;
	if (file_list_add(fl, path, NULL) < 0)
		return -1;
	git_oid_cpy(&fl->f[fl->n - 1].oid, git_tree_entry_id(entry));
	return 0;
}

static int load_git_files(struct loader *l, git_repository *repo, struct file_list *fl)
{
	for (size_t i = 0; i < fl->n && !l->oom; i++) {
		struct wgf_loc loc = { fl->f[i].name, 0, 0 };
		git_blob *blob = NULL;
		size_t size;

		if (git_blob_lookup(&blob, repo, &fl->f[i].oid) < 0) {
			diag_add(l->d, &loc, "cannot read blob: %s", git_message());
			l->incomplete = true;
			continue;
		}
		size = (size_t)git_blob_rawsize(blob);
		if (size > MODEL_MAX_FILE_SIZE) {
			diag_add(l->d, &loc, "file is larger than %u MiB", MODEL_MAX_FILE_SIZE >> 20);
			l->incomplete = true;
		} else if (l->total_size + size > MODEL_MAX_TOTAL_SIZE) {
			diag_add(l->d, &loc, "the YAML files together are larger than %u MiB",
				 MODEL_MAX_TOTAL_SIZE >> 20);
			l->incomplete = true;
			git_blob_free(blob);
			break;
		} else {
			/* Not NUL-terminated: the parser is given the length. */
			loader_add_file(l, fl->f[i].name, git_blob_rawcontent(blob), size);
		}
		git_blob_free(blob);
	}
	return l->oom ? -ENOMEM : 0;
}

int model_load_git(const char *repo_path, const char *ref, struct model **out, struct diag *d)
{
	struct file_list fl = { 0 };
	git_repository *repo = NULL;
	git_object *obj = NULL, *cobj = NULL;
	git_tree *tree = NULL;
	struct loader l;
	char hex[GIT_OID_HEXSZ + 1];
	bool have_loader = false;
	int r;

	*out = NULL;
	if (git_libgit2_init() < 0) {
		diag_add(d, NULL, "cannot initialize libgit2: %s", git_message());
		return -EIO;
	}
	r = loader_init(&l, d);
	if (r < 0)
		goto out;
	have_loader = true;
	if (git_repository_open_ext(&repo, repo_path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
		diag_add(d, NULL, "cannot open git repository %s: %s", repo_path, git_message());
		r = -ENOENT;
		goto out;
	}
	if (git_revparse_single(&obj, repo, ref) < 0) {
		diag_add(d, NULL, "cannot resolve ref %s in %s: %s", diag_quote(ref), repo_path, git_message());
		r = -ENOENT;
		goto out;
	}
	if (git_object_peel(&cobj, obj, GIT_OBJECT_COMMIT) < 0) {
		diag_add(d, NULL, "ref %s in %s is not a commit: %s", diag_quote(ref), repo_path, git_message());
		r = -EINVAL;
		goto out;
	}
	if (git_commit_tree(&tree, (git_commit *)cobj) < 0) {
		diag_add(d, NULL, "cannot read the tree of %s in %s: %s", diag_quote(ref), repo_path, git_message());
		r = -EIO;
		goto out;
	}
	git_oid_tostr(hex, sizeof(hex), git_object_id(cobj));
	if (git_tree_walk(tree, GIT_TREEWALK_PRE, tree_entry_cb, &fl) < 0) {
		if (fl.too_many)
			too_many_files(d, repo_path);
		else
			diag_add(d, NULL, "cannot walk the tree of %s in %s: %s", diag_quote(ref), repo_path,
				 git_message());
		r = fl.too_many ? -EINVAL : -EIO;
		goto out;
	}
	if (fl.n == 0) {
		diag_add(d, NULL, "no *.yaml or *.yml files in %s of %s", diag_quote(ref), repo_path);
		r = -ENOENT;
		goto out;
	}
	qsort(fl.f, fl.n, sizeof(*fl.f), src_file_cmp);
	if (asprintf(&l.m->source, "commit %.12s (%s)", hex, ref) < 0) {
		l.m->source = NULL;
		r = -ENOMEM;
		goto out;
	}
	l.m->commit = strdup(hex);
	if (!l.m->commit) {
		r = -ENOMEM;
		goto out;
	}
	r = load_git_files(&l, repo, &fl);
	if (r < 0)
		goto out;
	have_loader = false;
	r = loader_finish(&l, out);
out:
	if (have_loader)
		loader_free(&l);
	file_list_free(&fl);
	git_tree_free(tree);
	git_object_free(cobj);
	git_object_free(obj);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return r;
}
