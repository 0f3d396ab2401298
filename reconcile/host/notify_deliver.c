/* Delivery: hooks (a process each, killed after the timeout) and webhooks
 * (libcurl, retried with backoff), from a detached process. */
#include "reconcile/host/notify.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "reconcile/host/fileio.h"

#define SECRET_MAX 4096
/* A burst of events to a receiver that is down must not leave a process
 * retrying into the next runs: what is not sent by then is given up, and said. */
#define DELIVERY_MAX_MS (300 * 1000)

struct delivery {
	const struct notify_conf *c;
	void (*log)(const char *msg);
	uint8_t secret[SECRET_MAX];
	size_t secret_len;
	bool have_secret;
	char secret_error[256];
	int failed;
	int64_t deadline;              /* CLOCK_MONOTONIC ms */
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The outcome of one target: recorded, and a failure logged. */
static void outcome(struct delivery *d, const char *target, const struct notify_event *e, const char *error)
{
	char msg[1024];
	int r = notify_record(d->c->state_dir, target, e, error, time(NULL));

	if (error) {
		d->failed++;
		snprintf(msg, sizeof(msg), "notify: %s %s (%s): %s", notify_event_name(e->type), e->id, target, error);
		if (d->log)
			d->log(msg);
	}
	if (r < 0 && d->log) {
		snprintf(msg, sizeof(msg), "notify: recording in %s/%s: %s", d->c->state_dir, NOTIFY_FILE, strerror(-r));
		d->log(msg);
	}
}

/* ---- hooks ---- */

static void hook_child(int in, const char *path, const struct notify_event *e)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	setpgid(0, 0);
	if (dup2(in, STDIN_FILENO) < 0)
		_exit(127);
	setenv("WGF_EVENT", notify_event_name(e->type), 1);
	setenv("WGF_EVENT_ID", e->id, 1);
	execl(path, path, (char *)NULL);
	_exit(127);
}

/* Runs one hook: 0, or a negative errno with why. */
static int hook_run(const struct notify_conf *c, const char *path, const struct notify_event *e, const char *body,
		    char *why, size_t len)
{
	int fds[2], status = 0;
	int64_t deadline;
	pid_t pid, w;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(why, len, "pipe: %s", strerror(errno));
		return -EIO;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(why, len, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -EAGAIN;
	}
	if (pid == 0)
		hook_child(fds[0], path, e);
	close(fds[0]);
	fileio_write_fd(fds[1], body, strlen(body));   /* a hook that does not read it: EPIPE, fine */
	close(fds[1]);
	deadline = mono_ms() + (int64_t)c->timeout * 1000;
	while ((w = waitpid(pid, &status, WNOHANG)) == 0 && mono_ms() < deadline)
		sleep_ms(20);
	if (w == 0) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		snprintf(why, len, "killed after %u s", c->timeout);
		return -ETIMEDOUT;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		snprintf(why, len, "exit status %d", WEXITSTATUS(status));
	else
		snprintf(why, len, "killed by signal %d", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return -EIO;
}

static void hooks_deliver(struct delivery *d, const struct notify_event *e, const char *body)
{
	char **names = NULL, path[4096], why[256], target[300];
	size_t n = 0;
	int r;

	r = notify_hooks_list(d->c->hooks_dir, &names, &n);
	if (r < 0 && r != -ENOENT) {
		snprintf(why, sizeof(why), "reading %s: %s", d->c->hooks_dir, strerror(-r));
		outcome(d, "hooks", e, why);
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", d->c->hooks_dir, names[i]);
		snprintf(target, sizeof(target), "hook %s", names[i]);
		if (mono_ms() >= d->deadline) {
			outcome(d, target, e, "not run: the delivery ran out of its 300 s");
		} else {
			r = hook_run(d->c, path, e, body, why, sizeof(why));
			outcome(d, target, e, r < 0 ? why : NULL);
		}
		free(names[i]);
	}
	free(names);
}

/* ---- webhooks ---- */

/* The secret: the file's bytes without a final newline. */
static void secret_load(struct delivery *d)
{
	char *text = NULL;
	size_t len = 0;
	struct stat st;
	int r;

	r = fileio_read_regular(d->c->secret_file, SECRET_MAX, &text, &len);
	if (r < 0) {
		snprintf(d->secret_error, sizeof(d->secret_error), "webhook-secret-file %s: %s", d->c->secret_file,
			 strerror(-r));
		return;
	}
	if (stat(d->c->secret_file, &st) == 0 && (st.st_mode & 077) && d->log) {
		char msg[512];

		snprintf(msg, sizeof(msg), "notify: warning: %s is readable by others (chmod 600 it)", d->c->secret_file);
		d->log(msg);
	}
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	if (!len) {
		snprintf(d->secret_error, sizeof(d->secret_error), "webhook-secret-file %s is empty", d->c->secret_file);
	} else {
		memcpy(d->secret, text, len);
		d->secret_len = len;
		d->have_secret = true;
	}
	sodium_memzero(text, len);
	free(text);
}

static size_t discard(char *p, size_t size, size_t n, void *u)
{
	(void)p;
	(void)u;
	return size * n;
}

static struct curl_slist *headers_for(const struct notify_event *e, const char *sig)
{
	char h[256], t[NOTIFY_TIME_LEN];
	struct curl_slist *l = NULL, *x;
	const char *v[5][2] = {
		{ "Content-Type", "application/json" }, { "User-Agent", "wgf/" WGF_VERSION },
		{ "X-Wgf-Event", notify_event_name(e->type) }, { "X-Wgf-Delivery", e->id },
		{ "X-Wgf-Timestamp", notify_time_format(e->time, t) },
	};

	for (size_t i = 0; i < 5; i++) {
		snprintf(h, sizeof(h), "%s: %s", v[i][0], v[i][1]);
		if (!(x = curl_slist_append(l, h)))
			goto fail;
		l = x;
	}
	snprintf(h, sizeof(h), "X-Wgf-Signature-256: sha256=%s", sig);
	if ((x = curl_slist_append(l, h)))
		return x;
fail:
	curl_slist_free_all(l);
	return NULL;
}

/* One POST: 0 on a 2xx answer, else -EIO with why. */
static int webhook_post(const struct notify_conf *c, const char *url, const struct curl_slist *hdr,
			const char *body, char *why, size_t len)
{
	char cerr[CURL_ERROR_SIZE] = "";
	CURL *h = curl_easy_init();
	long code = 0;
	CURLcode rc;

	if (!h) {
		snprintf(why, len, "out of memory");
		return -ENOMEM;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)c->timeout);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)c->timeout);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
	if (c->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
	rc = curl_easy_perform(h);
	if (rc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(h);
	if (rc != CURLE_OK) {
		snprintf(why, len, "%s", cerr[0] ? cerr : curl_easy_strerror(rc));
		return -EIO;
	}
	if (code < 200 || code > 299) {
		snprintf(why, len, "HTTP status %ld", code);
		return -EIO;
	}
	return 0;
}

static void webhook_deliver(struct delivery *d, const char *url, const struct notify_event *e, const char *body)
{
	char why[CURL_ERROR_SIZE + 64] = "", target[300], sig[65];
	struct curl_slist *hdr;
	unsigned tries = 0;
	int r = -EIO;

	notify_target_name(url, target, sizeof(target));
	if (!d->have_secret) {
		outcome(d, target, e, d->secret_error);
		return;
	}
	notify_hmac_hex(d->secret, d->secret_len, body, strlen(body), sig);
	hdr = headers_for(e, sig);
	if (!hdr) {
		outcome(d, target, e, "out of memory");
		return;
	}
	for (unsigned a = 0; a <= d->c->retries; a++) {
		if (a)
			sleep_ms((int64_t)(d->c->backoff_ms ? d->c->backoff_ms : 1000) << (a - 1));
		if (mono_ms() >= d->deadline) {
			if (!a)
				snprintf(why, sizeof(why), "not sent: the delivery ran out of its 300 s");
			break;
		}
		tries++;
		if ((r = webhook_post(d->c, url, hdr, body, why, sizeof(why))) == 0)
			break;
	}
	curl_slist_free_all(hdr);
	if (r < 0 && tries) {
		size_t n = strlen(why);
		snprintf(why + n, sizeof(why) - n, " (%u attempt%s)", tries, tries > 1 ? "s" : "");
	}
	outcome(d, target, e, r < 0 ? why : NULL);
}

int notify_deliver(const struct notify_conf *c, struct notify_event *const *ev, size_t n,
		   void (*log)(const char *msg))
{
	struct delivery d = { .c = c, .log = log, .deadline = mono_ms() + DELIVERY_MAX_MS };

	if (c->n_webhooks) {
		secret_load(&d);
		curl_global_init(CURL_GLOBAL_DEFAULT);
	}
	for (size_t i = 0; i < n; i++) {
		char *body = NULL;

		if (notify_event_json(ev[i], &body) < 0) {
			outcome(&d, "all", ev[i], "the event could not be formatted");
			continue;
		}
		if (c->hooks_dir)
			hooks_deliver(&d, ev[i], body);
		for (size_t w = 0; w < c->n_webhooks; w++)
			webhook_deliver(&d, c->webhooks[w], ev[i], body);
		free(body);
	}
	if (c->n_webhooks)
		curl_global_cleanup();
	sodium_memzero(d.secret, sizeof(d.secret));
	return d.failed;
}

static void child_log(const char *msg)
{
	fprintf(stderr, "wgf: %s\n", msg);
}

/* The detached process: its own session, stdin and stdout /dev/null, no
 * descriptor but stderr and the pipe its parent waits on (so no state lock
 * is held), signals as by default. */
static void delivery_child(const struct notify_conf *c, struct notify_event *const *ev, size_t n, int done)
{
	sigset_t none;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
	}
	if (dup2(done, 3) < 0)
		_exit(1);
	fcntl(3, F_SETFD, FD_CLOEXEC);
	close_range(4, ~0U, 0);
	notify_deliver(c, ev, n, child_log);
	_exit(0);
}

int notify_send(const struct notify_conf *c, struct notify_event *const *ev, size_t n, unsigned wait_ms)
{
	int fds[2], status;
	pid_t pid;

	if (!n || !notify_enabled(c))
		return 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t b[16];

		randombytes_buf(b, sizeof(b));
		notify_event_set_id(ev[i], b);
	}
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -errno;
	}
	if (pid == 0) {
		setsid();
		if (fork() == 0)
			delivery_child(c, ev, n, fds[1]);
		_exit(0);
	}
	close(fds[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (wait_ms) {
		struct pollfd p = { .fd = fds[0], .events = POLLIN };
		int64_t end = mono_ms() + wait_ms, left;

		while ((left = end - mono_ms()) > 0 && poll(&p, 1, (int)left) < 0 && errno == EINTR)
			;
	}
	close(fds[0]);
	return 0;
}
