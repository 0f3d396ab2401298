/* Where desired state comes from: a directory tree, a git commit's tree, or memory. */
#include "model/model_loader.h"
#include "model/str.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <unistd.h>

struct src_file {
	char *name;                    /* as reported: relative to the root, escaped for display */
	char *rel;                     /* directories: the path below the root, as the bytes are */
	git_oid oid;                   /* git: the blob */
};

struct file_list {
	struct src_file *f;
	size_t n, cap;
	bool too_many;
	struct diag *d;                /* what the walk reports: links, special files, odd names */
};

static void file_list_free(struct file_list *fl)
{
	for (size_t i = 0; i < fl->n; i++) {
		free(fl->f[i].name);
		free(fl->f[i].rel);
	}
	free(fl->f);
	memset(fl, 0, sizeof(*fl));
}

/* Takes ownership of name and rel (either may be NULL on entry after a failed
 * allocation: then it fails). */
static int file_list_push(struct file_list *fl, char *name, char *rel)
{
	if (fl->n == MODEL_MAX_FILES)
		fl->too_many = true;
	if (!name || fl->too_many) {
		free(name);
		free(rel);
		return fl->too_many ? -E2BIG : -ENOMEM;
	}
	if (fl->n == fl->cap) {
		size_t cap = fl->cap ? fl->cap * 2 : 32;
		struct src_file *f = reallocarray(fl->f, cap, sizeof(*f));
		if (!f) {
			free(name);
			free(rel);
			return -ENOMEM;
		}
		fl->f = f;
		fl->cap = cap;
	}
	memset(&fl->f[fl->n], 0, sizeof(fl->f[fl->n]));
	fl->f[fl->n].name = name;
	fl->f[fl->n].rel = rel;
	fl->n++;
	return 0;
}

/* A file below the root: reported under its path, escaped. Takes rel. */
static int file_list_add(struct file_list *fl, char *rel)
{
	return file_list_push(fl, rel ? str_escape_display(rel) : NULL, rel);
}

static int src_file_cmp(const void *pa, const void *pb)
{
	const struct src_file *a = pa, *b = pb;

	return strcmp(a->name, b->name);
}

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

enum yaml_name { NOT_YAML, YAML_NAME, YAML_NAME_ODD_CASE };

static enum yaml_name yaml_name_kind(const char *name)
{
	size_t n = strlen(name);

	if ((n > 5 && !strcmp(name + n - 5, ".yaml")) || (n > 4 && !strcmp(name + n - 4, ".yml")))
		return YAML_NAME;
	if ((n > 5 && !strcasecmp(name + n - 5, ".yaml")) || (n > 4 && !strcasecmp(name + n - 4, ".yml")))
		return YAML_NAME_ODD_CASE;
	return NOT_YAML;
}

static void too_many_files(struct diag *d, const char *where)
{
	struct wgf_loc loc = { where, 0, 0 };

	diag_add(d, &loc, "more than %d YAML files", MODEL_MAX_FILES);
}

static const char *file_type_name(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFLNK: return "a symbolic link";
	case S_IFIFO: return "a FIFO";
	case S_IFSOCK: return "a socket";
	case S_IFCHR: return "a character device";
	case S_IFBLK: return "a block device";
	case S_IFDIR: return "a directory";
	default: return "not a regular file";
	}
}

/* The one rule for what a repository holds, for directories and git trees alike:
 * regular files named *.yaml or *.yml are loaded, hidden names (".x") are skipped,
 * and nothing else is ever opened. A link or special file named like YAML is an
 * error (it would have been loaded, and cannot be); one named otherwise, and a
 * YAML file whose extension is not lower case, is a warning. */
static void report_skipped(struct diag *d, const char *rel, mode_t type, enum yaml_name kind)
{
	char *name = str_escape_display(rel);
	struct wgf_loc loc = { name ? name : "?", 0, 0 };

	if (kind == YAML_NAME && S_ISLNK(type))
		diag_add(d, &loc, "is a symbolic link: wgf never follows links in a repository "
			 "(put the file itself here)");
	else if (kind == YAML_NAME)
		diag_add(d, &loc, "is %s, not a regular file: it cannot be loaded", file_type_name(type));
	else if (kind == YAML_NAME_ODD_CASE && S_ISREG(type))
		diag_warn(d, &loc, "not loaded: only names ending in .yaml or .yml (lower case) are read");
	else if (kind == YAML_NAME_ODD_CASE)
		diag_add(d, &loc, "is %s, not a regular file (and only lower-case .yaml or .yml names "
			 "are read)", file_type_name(type));
	else if (S_ISLNK(type))
		diag_warn(d, &loc, "symbolic link not followed: wgf never follows links in a repository");
	else
		diag_warn(d, &loc, "skipped: %s", file_type_name(type));
	free(name);
}

static mode_t dirent_type(const struct dirent *de)
{
	switch (de->d_type) {
	case DT_DIR: return S_IFDIR;
	case DT_REG: return S_IFREG;
	case DT_LNK: return S_IFLNK;
	case DT_FIFO: return S_IFIFO;
	case DT_SOCK: return S_IFSOCK;
	case DT_CHR: return S_IFCHR;
	case DT_BLK: return S_IFBLK;
	default: return 0;
	}
}

/* An error about rel (r < 0: with its reason; r == 1: without one), or a
 * warning (r == 0). */
static void walk_error(struct diag *d, const char *rel, const char *what, int r)
{
	char *name = str_escape_display(rel ? rel : ".");
	struct wgf_loc loc = { name ? name : "?", 0, 0 };

	if (r < 0)
		diag_add(d, &loc, "%s: %s", what, strerror(-r));
	else if (r > 0)
		diag_add(d, &loc, "%s", what);
	else
		diag_warn(d, &loc, "%s", what);
	free(name);
}

/* Collects the YAML files below the directory dfd (taken: closed here); rel is
 * its path below the root (NULL at the root). Every open is relative to a
 * directory already open and refuses links, so nothing outside the root is reached. */
static int walk_dir(int dfd, const char *rel, unsigned depth, struct file_list *fl)
{
	DIR *dh = fdopendir(dfd);
	struct dirent *de;
	int r = 0;

	if (!dh) {
		r = -errno;
		close(dfd);
		walk_error(fl->d, rel, "cannot read directory", r);
		return r;
	}
	while (r == 0 && (errno = 0, de = readdir(dh))) {
		mode_t type = dirent_type(de);
		enum yaml_name kind;
		char *path = NULL;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (rel ? asprintf(&path, "%s/%s", rel, de->d_name) < 0 : !(path = strdup(de->d_name))) {
			r = -ENOMEM;
			break;
		}
		/* d_type spares a stat per file; only unknown types need one */
		if (!type) {
			if (fstatat(dirfd(dh), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
				walk_error(fl->d, path, "cannot stat", -errno);
				free(path);
				continue;
			}
			type = st.st_mode & S_IFMT;
		}
		kind = yaml_name_kind(de->d_name);
		if (S_ISDIR(type)) {
			int sub;
			if (depth == MODEL_MAX_DIR_DEPTH) {
				walk_error(fl->d, path, "directories nested deeper than "
					   STRINGIFY(MODEL_MAX_DIR_DEPTH) " levels below the root", 1);
				r = -ELOOP;
			} else if ((sub = openat(dirfd(dh), de->d_name,
						 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
				walk_error(fl->d, path, "cannot open directory", -errno);
			} else {
				r = walk_dir(sub, path, depth + 1, fl);
			}
		} else if (S_ISREG(type) && kind == YAML_NAME) {
			r = file_list_add(fl, path);
			path = NULL;
		} else if (!S_ISREG(type) || kind != NOT_YAML) {
			report_skipped(fl->d, path, type, kind);
		}
		free(path);
	}
	if (r == 0 && errno) {
		r = -errno;
		walk_error(fl->d, rel, "cannot read directory", r);
	}
	closedir(dh);
	return r;
}

/* Opens rel below the directory rootfd without following any link and without
 * leaving it (openat2 RESOLVE_BENEATH; else one openat per component). */
static int open_beneath(int rootfd, const char *rel, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	const char *p = rel, *slash;
	int fd, dfd = rootfd;

	fd = (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
	if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
		return fd < 0 ? -errno : fd;
	/* no openat2 (old kernel, or a seccomp filter that refuses it) */
	while ((slash = strchr(p, '/'))) {
		char part[NAME_MAX + 1];
		size_t n = (size_t)(slash - p);
		int next;

		if (n == 0 || n > NAME_MAX)
			goto einval;
		memcpy(part, p, n);
		part[n] = '\0';
		if (!strcmp(part, "..") || !strcmp(part, "."))
			goto einval;
		next = openat(dfd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dfd != rootfd)
			close(dfd);
		if (next < 0)
			return -errno;
		dfd = next;
		p = slash + 1;
	}
	if (!strcmp(p, "..") || !strcmp(p, "."))
		goto einval;
	fd = openat(dfd, p, flags | O_NOFOLLOW | O_CLOEXEC);
	fd = fd < 0 ? -errno : fd;
	if (dfd != rootfd)
		close(dfd);
	return fd;
einval:
	if (dfd != rootfd)
		close(dfd);
	return -EINVAL;
}

/* Reads one open file within the size limits; *total (shared by the readers)
 * counts the bytes of every file read so far. On failure the error is in d. */
static int read_fd(int fd, const char *name, struct diag *d, _Atomic size_t *total, char **buf, size_t *len)
{
	struct wgf_loc loc = { name, 0, 0 };
	struct stat st;
	size_t got = 0;
	char *b = NULL;
	int r;

	*buf = NULL;
	*len = 0;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		diag_add(d, &loc, "cannot stat: %s", strerror(-r));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		diag_add(d, &loc, "is %s, not a regular file: it cannot be loaded", file_type_name(st.st_mode));
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
	return r;
}

/* Opens and reads one listed file: below rootfd (directories), or rootfd itself
 * when the source is that one file. */
static int read_file(int rootfd, const struct src_file *f, struct diag *d, _Atomic size_t *total,
		     char **buf, size_t *len)
{
	struct wgf_loc loc = { f->name, 0, 0 };
	int fd, r;

	if (!f->rel)
		return read_fd(rootfd, f->name, d, total, buf, len);
	fd = open_beneath(rootfd, f->rel, O_RDONLY | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		*buf = NULL;
		*len = 0;
		if (fd == -ELOOP)
			diag_add(d, &loc, "is a symbolic link: wgf never follows links in a repository "
				 "(it changed while being read?)");
		else
			diag_add(d, &loc, "cannot open: %s", strerror(-fd));
		return fd;
	}
	r = read_fd(fd, f->name, d, total, buf, len);
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
	int rootfd;
	struct ybudget *budget;
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
	p->r = read_file(j->rootfd, &j->fl->f[i], &p->d, &j->total, &buf, &p->len);
	if (p->r == 0)
		p->parsed = ytree_parse(j->fl->f[i].name, buf, p->len, j->budget, &p->t, &p->d);
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

static int load_files(struct loader *l, const struct file_list *fl, int rootfd)
{
	struct parse_job j = { .fl = fl, .rootfd = rootfd, .budget = &l->budget };
	pthread_t helper;
	bool threaded;
	int r = 0;

	if (!fl->n)
		return 0;
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
	struct file_list fl = { .d = d };
	struct loader l;
	char *shown = str_escape_display(path);
	struct wgf_loc loc = { shown ? shown : "?", 0, 0 };
	struct stat st;
	int fd = -1, r;

	*out = NULL;
	r = loader_init(&l, d);
	if (r < 0)
		goto out;
	if (!shown) {
		r = -ENOMEM;
		goto fail;
	}
	/* The path given is trusted (links on the way to it are followed); what is
	 * below it is not. O_NONBLOCK: a FIFO given as the path must not hang. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0) {
		r = -errno;
		diag_add(d, &loc, "cannot open: %s", strerror(-r));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		size_t errors = d->n_errors;
		r = walk_dir(dup(fd), NULL, 0, &fl);
		/* a file that should have been loaded and could not: what it defines is unknown */
		l.incomplete = d->n_errors > errors;
	} else if (S_ISREG(st.st_mode)) {
		r = file_list_push(&fl, strdup(shown), NULL);   /* one file: read from fd itself */
	} else {
		r = -EINVAL;
		diag_add(d, &loc, "is %s: give a directory or a YAML file", file_type_name(st.st_mode));
	}
	if (fl.too_many)
		too_many_files(d, shown);
	if (r < 0)
		goto fail;
	if (fl.n)   /* qsort() of an empty (NULL) array is undefined */
		qsort(fl.f, fl.n, sizeof(*fl.f), src_file_cmp);
	if (asprintf(&l.m->source, "directory %s", shown) < 0) {
		l.m->source = NULL;
		r = -ENOMEM;
		goto fail;
	}
	r = load_files(&l, &fl, fd);
	if (r < 0)
		goto fail;
	r = loader_finish(&l, out);
	goto out;
fail:
	if (r == -ENOMEM)
		diag_add(d, NULL, "out of memory");
	loader_free(&l);
out:
	if (fd >= 0)
		close(fd);
	file_list_free(&fl);
	free(shown);
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
	enum yaml_name kind = yaml_name_kind(name);
	char *path = NULL;

	if (name[0] == '.')
		return 1;       /* skip it, and a hidden tree's children */
	if (mode == GIT_FILEMODE_TREE)
		return 0;
	if (asprintf(&path, "%s%s", root, name) < 0)
		return -1;
	if ((mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE) && kind == YAML_NAME) {
		if (file_list_add(fl, path) < 0)
			return -1;
		git_oid_cpy(&fl->f[fl->n - 1].oid, git_tree_entry_id(entry));
		return 0;
	}
	if (mode == GIT_FILEMODE_LINK)
		report_skipped(fl->d, path, S_IFLNK, kind);
	else if (mode == GIT_FILEMODE_COMMIT)
		walk_error(fl->d, path, "submodule not followed", 0);
	else if (kind != NOT_YAML)
		report_skipped(fl->d, path, S_IFREG, kind);
	free(path);
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
	struct file_list fl = { .d = d };
	git_repository *repo = NULL;
	git_object *obj = NULL, *cobj = NULL;
	git_tree *tree = NULL;
	struct loader l;
	char hex[GIT_OID_HEXSZ + 1];
	bool have_loader = false;
	char *shown_ref = NULL;
	size_t errors;
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
	errors = d->n_errors;
	if (git_tree_walk(tree, GIT_TREEWALK_PRE, tree_entry_cb, &fl) < 0) {
		if (fl.too_many)
			too_many_files(d, repo_path);
		else
			diag_add(d, NULL, "cannot walk the tree of %s in %s: %s", diag_quote(ref), repo_path,
				 git_message());
		r = fl.too_many ? -EINVAL : -EIO;
		goto out;
	}
	l.incomplete = d->n_errors > errors;
	if (fl.n)   /* qsort() of an empty (NULL) array is undefined */
		qsort(fl.f, fl.n, sizeof(*fl.f), src_file_cmp);
	shown_ref = str_escape_display(ref);
	if (!shown_ref || asprintf(&l.m->source, "commit %.12s (%s)", hex, shown_ref) < 0) {
		l.m->source = NULL;
		r = -ENOMEM;
		goto out;
	}
	l.m->commit = strdup(hex);
	git_oid_tostr(hex, sizeof(hex), git_tree_id(tree));
	l.m->tree = strdup(hex);
	if (!l.m->commit || !l.m->tree) {
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
	free(shown_ref);
	return r;
}
