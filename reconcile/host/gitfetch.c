#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <git2.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "reconcile/host/fileio.h"
#include "reconcile/host/gitfetch.h"
#include "reconcile/host/known_hosts.h"

#define GITFETCH_MSG_MAX 2048
#define GITFETCH_AUTH_ATTEMPTS 3

/* What the child knows while libgit2 calls back. */
struct fetch_child {
	const struct gitfetch_opts *o;
	char host[256];
	unsigned port;
	unsigned attempts;
	bool ssh_key_sent, token_sent;  /* credentials given: a failure after them is likely theirs */
	char msg[GITFETCH_MSG_MAX];    /* the reason, when a callback refused */
	int out;                       /* the pipe to the parent */
};

bool gitfetch_ssh_host(const char *url, char *host, unsigned host_len, unsigned *port)
{
	const char *a, *end, *at, *colon;
	size_t n;

	*port = 0;
	if (!strncmp(url, "ssh://", 6) || !strncmp(url, "git+ssh://", 10) || !strncmp(url, "ssh+git://", 10)) {
		a = strstr(url, "://") + 3;
		end = a + strcspn(a, "/");
		at = memchr(a, '@', (size_t)(end - a));
		if (at)
			a = at + 1;
		if (*a == '[') {
			const char *rb = memchr(a, ']', (size_t)(end - a));
			if (!rb)
				return false;
			n = (size_t)(rb - a - 1);
			colon = rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
			a++;
		} else {
			colon = memchr(a, ':', (size_t)(end - a));
			n = (size_t)((colon ? colon : end) - a);
		}
		if (colon)
			*port = (unsigned)strtoul(colon + 1, NULL, 10);
	} else if (!strstr(url, "://") && (colon = strchr(url, ':')) && !memchr(url, '/', (size_t)(colon - url))) {
		at = memchr(url, '@', (size_t)(colon - url));
		a = at ? at + 1 : url;
		n = (size_t)(colon - a);
	} else {
		return false;
	}
	if (n == 0 || n >= host_len)
		return false;
	memcpy(host, a, n);
	host[n] = '\0';
	return true;
}

static void child_say(struct fetch_child *c, const char *kind, const char *msg)
{
	char line[GITFETCH_MSG_MAX + 16];
	int n = snprintf(line, sizeof(line), "%s %s\n", kind, msg);

	if (n > 0 && write(c->out, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1) < 0)
		_exit(3);
}

static int cert_cb(git_cert *cert, int valid, const char *host, void *payload)
{
	struct fetch_child *c = payload;
	const git_cert_hostkey *hk = (const git_cert_hostkey *)cert;
	char fp[KNOWN_HOSTS_FINGERPRINT_LEN], *text = NULL, *line = NULL;
	const char *name = c->host[0] ? c->host : host;
	size_t len = 0;
	int r, fd;

	if (cert->cert_type != GIT_CERT_HOSTKEY_LIBSSH2)
		return GIT_PASSTHROUGH;   /* TLS: libgit2's own verdict against the CA store */
	if (!(hk->type & GIT_CERT_SSH_RAW)) {
		snprintf(c->msg, sizeof(c->msg), "the SSH library gave no host key for %s to check", name);
		return -1;
	}
	known_hosts_fingerprint((const uint8_t *)hk->hostkey, hk->hostkey_len, fp);
	r = fileio_read(c->o->known_hosts, &text, &len);
	if (r < 0 && r != -ENOENT) {
		snprintf(c->msg, sizeof(c->msg), "cannot read %s: %s", c->o->known_hosts, strerror(-r));
		return -1;
	}
	r = r < 0 ? -ENOENT : known_hosts_check(text, len, name, c->port, (const uint8_t *)hk->hostkey, hk->hostkey_len);
	free(text);
	if (r == 0)
		return 0;
	if (r == -EKEYREVOKED) {
		snprintf(c->msg, sizeof(c->msg), "host key for %s (%s) is revoked in %s", name, fp, c->o->known_hosts);
	} else if (r == -EKEYREJECTED) {
		snprintf(c->msg, sizeof(c->msg), "host key for %s does not match %s (the server offered %s)",
			 name, c->o->known_hosts, fp);
	} else if (!c->o->accept_new_host_key) {
		snprintf(c->msg, sizeof(c->msg), "host key for %s is not in %s (the server offered %s; "
			 "--accept-new-host-key trusts it on first use)", name, c->o->known_hosts, fp);
	} else if (!(line = known_hosts_line(name, c->port, (const uint8_t *)hk->hostkey, hk->hostkey_len))) {
		snprintf(c->msg, sizeof(c->msg), "host key for %s: not a key", name);
	} else if ((fd = open(c->o->known_hosts, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) < 0 ||
		   write(fd, line, strlen(line)) != (ssize_t)strlen(line) || fsync(fd) < 0) {
		snprintf(c->msg, sizeof(c->msg), "adding the host key for %s to %s: %s", name, c->o->known_hosts,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
	} else {
		close(fd);
		free(line);
		snprintf(c->msg, sizeof(c->msg), "added the host key for %s (%s) to %s", name, fp, c->o->known_hosts);
		child_say(c, "note", c->msg);
		c->msg[0] = '\0';
		return 0;
	}
	free(line);
	(void)valid;
	return -1;
}

/* The token file's first line, zeroed by the caller. */
static int read_token(const char *path, char *buf, size_t len)
{
	char *text = NULL;
	size_t n = 0;
	int r = fileio_read(path, &text, &n);

	if (r < 0)
		return r;
	n = strcspn(text, "\r\n");
	if (n == 0 || n >= len) {
		sodium_memzero(text, strlen(text));
		free(text);
		return -EINVAL;
	}
	memcpy(buf, text, n);
	buf[n] = '\0';
	sodium_memzero(text, strlen(text));
	free(text);
	return 0;
}

static int cred_cb(git_credential **out, const char *url, const char *user, unsigned int allowed, void *payload)
{
	struct fetch_child *c = payload;
	char token[1024];
	int r;

	if (++c->attempts > GITFETCH_AUTH_ATTEMPTS) {
		if (allowed & GIT_CREDENTIAL_SSH_KEY)
			snprintf(c->msg, sizeof(c->msg), "the server refused the deploy key %s (is its public key "
				 "authorized there?)", c->o->ssh_key);
		else
			snprintf(c->msg, sizeof(c->msg), "the server refused the token in %s",
				 c->o->token_file ? c->o->token_file : "(none)");
		return GIT_EUSER;
	}
	if (allowed & GIT_CREDENTIAL_SSH_KEY) {
		if (access(c->o->ssh_key, R_OK) < 0) {
			snprintf(c->msg, sizeof(c->msg), "cannot read the deploy key %s: %s", c->o->ssh_key, strerror(errno));
			return GIT_EUSER;
		}
		c->ssh_key_sent = true;
		return git_credential_ssh_key_new(out, user ? user : "git", NULL, c->o->ssh_key, NULL);
	}
	if (allowed & GIT_CREDENTIAL_USERNAME)
		return git_credential_username_new(out, user ? user : "git");
	if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && c->o->token_file) {
		r = read_token(c->o->token_file, token, sizeof(token));
		if (r < 0) {
			snprintf(c->msg, sizeof(c->msg), "cannot read a token from %s: %s", c->o->token_file,
				 r == -EINVAL ? "empty or longer than 1023 bytes" : strerror(-r));
			return GIT_EUSER;
		}
		c->token_sent = true;
		r = git_credential_userpass_plaintext_new(out, user ? user : c->o->token_user, token);
		sodium_memzero(token, sizeof(token));
		return r;
	}
	snprintf(c->msg, sizeof(c->msg), "the server asks for credentials wgf was not given (%s)",
		 (allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) ? "a token: token-file" : "an SSH key");
	(void)url;
	return GIT_EUSER;
}

static const char *git_reason(struct fetch_child *c)
{
	const git_error *e = git_error_last();
	const char *m = e && e->message ? e->message : "unknown libgit2 error";

	if (c->msg[0])
		return c->msg;
	if (c->ssh_key_sent)
		snprintf(c->msg, sizeof(c->msg), "%s (after offering the deploy key %s: is its public key "
			 "authorized there?)", m, c->o->ssh_key);
	else if (c->token_sent)
		snprintf(c->msg, sizeof(c->msg), "%s (after sending the token in %s)", m, c->o->token_file);
	else
		return m;
	return c->msg;
}

static int open_mirror(const char *path, git_repository **repo)
{
	int r = git_repository_open_bare(repo, path);

	if (r == GIT_ENOTFOUND)
		r = git_repository_init(repo, path, 1);
	return r;
}

/* The child's whole job; its result goes to the pipe as "ok HEX" or "err WHY". */
static void fetch_child_run(struct fetch_child *c)
{
	const struct gitfetch_opts *o = c->o;
	git_repository *repo = NULL;
	git_remote *remote = NULL;
	git_reference *ref = NULL;
	git_odb *odb = NULL;
	const git_remote_head **heads;
	git_remote_callbacks cb;
	git_fetch_options fo;
	char spec[PATH_MAX], hex[GITFETCH_OID_HEX];
	char *specs[] = { spec };
	git_strarray refspecs = { specs, 1 };
	const git_oid *want = NULL;
	size_t n_heads;

	umask(077);
	signal(SIGPIPE, SIG_IGN);
	/* libgit2 1.5's SSH transport reads ~/.ssh/known_hosts before it asks
	 * cert_cb, and fails without a HOME (systemd services have none): a home
	 * of wgf's own, with no .ssh in it, keeps root's out of the decision. */
	setenv("HOME", o->mirror, 1);
	git_remote_init_callbacks(&cb, GIT_REMOTE_CALLBACKS_VERSION);
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	if (git_libgit2_init() < 0)
		goto fail;
	/* no ~/.gitconfig, /etc/gitconfig or XDG config: nothing outside wgf's files bends the fetch */
	git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_SYSTEM, "");
	git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_GLOBAL, "");
	git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_XDG, "");
	git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_PROGRAMDATA, "");
	if (o->ca_file && git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, o->ca_file, NULL) < 0)
		goto fail;
	if (open_mirror(o->mirror, &repo) < 0 || git_remote_create_anonymous(&remote, repo, o->url) < 0)
		goto fail;
	cb.certificate_check = cert_cb;
	cb.credentials = cred_cb;
	cb.payload = c;
	if (git_remote_connect(remote, GIT_DIRECTION_FETCH, &cb, NULL, NULL) < 0 ||
	    git_remote_ls(&heads, &n_heads, remote) < 0)
		goto fail;
	for (size_t i = 0; i < n_heads && !want; i++)
		if (!strcmp(heads[i]->name, o->ref))
			want = &heads[i]->oid;
	if (!want) {
		snprintf(c->msg, sizeof(c->msg), "the remote has no %s", o->ref);
		goto fail;
	}
	if (git_repository_odb(&odb, repo) < 0)
		goto fail;
	/* the ref has not moved since a fetch that brought it: nothing to download */
	if (!git_odb_exists(odb, want)) {
		snprintf(spec, sizeof(spec), "+%s:%s", o->ref, GITFETCH_REF);
		fo.callbacks = cb;
		fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
		fo.update_fetchhead = 0;
		if (git_remote_download(remote, &refspecs, &fo) < 0)
			goto fail;
		if (!git_odb_exists(odb, want)) {
			snprintf(c->msg, sizeof(c->msg), "the fetch did not bring %s", o->ref);
			goto fail;
		}
	}
	if (git_reference_create(&ref, repo, GITFETCH_REF, want, 1, "wgf fetch") < 0)
		goto fail;
	git_oid_tostr(hex, sizeof(hex), want);
	child_say(c, "ok", hex);
	git_reference_free(ref);
	git_odb_free(odb);
	git_remote_free(remote);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return;
fail:
	child_say(c, "err", git_reason(c));
	/* exit without freeing: the process ends here */
}

/* libgit2's lock files left by a child that was killed: only inside the mirror. */
static int unlink_lock(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	size_t n = strlen(path);

	if (type == FTW_F && n > 5 && !strcmp(path + n - 5, ".lock"))
		unlink(path);
	(void)st;
	(void)ftw;
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads the child's lines until EOF or the deadline: -ETIMEDOUT then. */
static int read_child(int fd, int64_t deadline, char *buf, size_t len)
{
	size_t used = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - now_ms();
		ssize_t n;

		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&p, 1, (int)(left > INT_MAX ? INT_MAX : left)) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!p.revents)
			continue;
		n = read(fd, buf + used, len - 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
		if (used == len - 1)
			break;
	}
	buf[used] = '\0';
	return 0;
}

int gitfetch(const struct gitfetch_opts *o, char oid_hex[GITFETCH_OID_HEX], struct wgf_error *err)
{
	char buf[4 * GITFETCH_MSG_MAX], *line, *save = NULL;
	int fds[2], status = 0, r;
	bool ok = false;
	pid_t pid;

	oid_hex[0] = '\0';
	if (pipe2(fds, O_CLOEXEC) < 0)
		return wgf_error_set(err, -errno, "fetch: pipe: %m");
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(fds[0]);
		close(fds[1]);
		return wgf_error_set(err, r, "fetch: fork: %s", strerror(-r));
	}
	if (pid == 0) {
		struct fetch_child c = { .o = o, .out = fds[1] };

		/* a parent that is killed (systemd's timeout, ^C) takes the fetch with it */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(fds[0]);
		gitfetch_ssh_host(o->url, c.host, sizeof(c.host), &c.port);
		fetch_child_run(&c);
		_exit(0);
	}
	close(fds[1]);
	r = read_child(fds[0], now_ms() + (int64_t)o->timeout * 1000, buf, sizeof(buf));
	close(fds[0]);
	if (r == -ETIMEDOUT)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (r == -ETIMEDOUT) {
		nftw(o->mirror, unlink_lock, 16, FTW_PHYS);
		return wgf_error_set(err, -ETIMEDOUT, "fetch from %s timed out after %u s", o->url, o->timeout);
	}
	if (r < 0)
		return wgf_error_set(err, r, "fetch from %s: %s", o->url, strerror(-r));
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "note ", 5) && o->note) {
			o->note(line + 5);
		} else if (!strncmp(line, "ok ", 3) && strlen(line + 3) == GITFETCH_OID_HEX - 1) {
			memcpy(oid_hex, line + 3, GITFETCH_OID_HEX);
			ok = true;
		} else if (!strncmp(line, "err ", 4)) {
			return wgf_error_set(err, -EIO, "fetch from %s failed: %s", o->url, line + 4);
		}
	}
	if (!ok)
		return wgf_error_set(err, -EIO, "fetch from %s failed: the fetch process %s", o->url,
				     WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "said nothing");
	return 0;
}
