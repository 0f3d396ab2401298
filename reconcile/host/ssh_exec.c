#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/host/ssh_internal.h"

struct ssh_buf {
	char *data;
	size_t len, cap, max;
};

/* Appends n bytes, keeping a NUL after them; -EFBIG past max. */
static int buf_add(struct ssh_buf *b, const char *s, size_t n)
{
	if (b->len + n > b->max)
		return -EFBIG;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *d;

		while (cap < b->len + n + 1)
			cap *= 2;
		if (!(d = realloc(b->data, cap)))
			return -ENOMEM;
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

/* Reads what stream (0 stdout, 1 stderr) has now: 1 when something came, 0 when
 * nothing (EAGAIN or EOF), < 0 on an error. */
static int drain(LIBSSH2_CHANNEL *ch, int stream, struct ssh_buf *b)
{
	char chunk[32768];
	ssize_t n;
	int got = 0, r;

	while ((n = libssh2_channel_read_ex(ch, stream, chunk, sizeof(chunk))) > 0) {
		r = buf_add(b, chunk, (size_t)n);
		if (r < 0)
			return r;
		got = 1;
	}
	return n == 0 || n == LIBSSH2_ERROR_EAGAIN ? got : -EPROTO;
}

/* Writes what the channel takes of in now; sends EOF after the last byte. When
 * it has to wait, *dirs says for what (LIBSSH2_SESSION_BLOCK_*). A command
 * that ends without reading all of its stdin is no error here: what it said
 * and its exit status tell why. */
static void feed(LIBSSH2_SESSION *s, LIBSSH2_CHANNEL *ch, const char *in, size_t in_len, size_t *sent,
		 bool *eof_sent, int *dirs)
{
	ssize_t n;
	int r;

	*dirs = 0;
	while (*sent < in_len) {
		n = libssh2_channel_write(ch, in + *sent, in_len - *sent);
		if (n == LIBSSH2_ERROR_EAGAIN) {
			*dirs = libssh2_session_block_directions(s);
			return;
		}
		if (n < 0) {
			*sent = in_len;
			*eof_sent = true;
			return;
		}
		*sent += (size_t)n;
	}
	if (!*eof_sent) {
		r = libssh2_channel_send_eof(ch);
		if (r == LIBSSH2_ERROR_EAGAIN) {
			*dirs = libssh2_session_block_directions(s);
			return;
		}
		*eof_sent = true;
	}
}

/* The command's exit status and signal, once the channel closed. */
static void take_exit(LIBSSH2_SESSION *s, LIBSSH2_CHANNEL *ch, struct ssh_result *res)
{
	char *sig = NULL;
	size_t sig_len = 0;

	res->exit_status = libssh2_channel_get_exit_status(ch);
	if (libssh2_channel_get_exit_signal(ch, &sig, &sig_len, NULL, NULL, NULL, NULL) == 0 && sig) {
		res->exit_signal = strndup(sig, sig_len);
		libssh2_free(s, sig);
	}
}

/* Opens a session channel and starts command on it. */
static int exec_start(struct ssh_conn *c, const char *command, int64_t deadline, LIBSSH2_CHANNEL **out,
		      struct wgf_error *err)
{
	LIBSSH2_CHANNEL *ch;
	int r;

	while (!(ch = libssh2_channel_open_session(c->s))) {
		if (libssh2_session_last_errno(c->s) != LIBSSH2_ERROR_EAGAIN)
			return wgf_error_set(err, -EPROTO, "%s: opening a channel: %s", c->t->address, ssh_last_error(c));
		if (ssh_wait(c, deadline) < 0)
			return wgf_error_set(err, -ETIME, "%s: no channel within the timeout", c->t->address);
	}
	while ((r = libssh2_channel_exec(ch, command)) == LIBSSH2_ERROR_EAGAIN)
		if (ssh_wait(c, deadline) < 0)
			break;
	if (r < 0) {
		r = wgf_error_set(err, r == LIBSSH2_ERROR_EAGAIN ? -ETIME : -EPROTO, "%s: starting the command: %s",
				  c->t->address, r == LIBSSH2_ERROR_EAGAIN ? "timed out" : ssh_last_error(c));
		ssh_linger(c);
		libssh2_channel_free(ch);
		return r;
	}
	*out = ch;
	return 0;
}

int ssh_exec(struct ssh_conn *c, const char *command, const void *in, size_t in_len, int64_t deadline,
	     struct ssh_result *res, struct wgf_error *err)
{
	struct ssh_buf out = { .max = SSH_OUT_MAX }, errb = { .max = SSH_ERR_MAX };
	LIBSSH2_CHANNEL *ch = NULL;
	size_t sent = 0;
	bool eof_sent = false;
	int r, a, b, dirs;

	r = exec_start(c, command, deadline, &ch, err);
	if (r < 0)
		return r;
	/* stdin, stdout and stderr all at once: a command that writes before it has
	 * read everything must not wait on us, nor we on it */
	for (;;) {
		feed(c->s, ch, in, in_len, &sent, &eof_sent, &dirs);
		a = drain(ch, 0, &out);
		b = a < 0 ? a : drain(ch, 1, &errb);
		if (a < 0 || b < 0) {
			r = a < 0 ? a : b;
			r = wgf_error_set(err, r, "%s: %s", c->t->address,
					  r == -EFBIG ? "the command wrote more than wgf keeps" : ssh_last_error(c));
			goto out;
		}
		if (libssh2_channel_eof(ch) && !a && !b)
			break;
		/* waiting for what the reads need, and for what the write needed */
		if (!a && !b && ssh_wait_dirs(c, dirs, deadline) < 0) {
			r = wgf_error_set(err, -ETIME, "%s: the command did not finish within the timeout", c->t->address);
			goto out;
		}
	}
	while ((r = libssh2_channel_close(ch)) == LIBSSH2_ERROR_EAGAIN)
		if (ssh_wait(c, deadline) < 0)
			break;
	while ((r = libssh2_channel_wait_closed(ch)) == LIBSSH2_ERROR_EAGAIN)
		if (ssh_wait(c, deadline) < 0)
			break;
	if (r < 0) {
		r = wgf_error_set(err, r == LIBSSH2_ERROR_EAGAIN ? -ETIME : -EPROTO, "%s: closing the channel: %s",
				  c->t->address, r == LIBSSH2_ERROR_EAGAIN ? "timed out" : ssh_last_error(c));
		goto out;
	}
	take_exit(c->s, ch, res);
	res->out = out.data ? out.data : strdup("");
	res->err = errb.data ? errb.data : strdup("");
	res->out_len = out.len;
	res->err_len = errb.len;
	out.data = errb.data = NULL;
	r = res->out && res->err ? 0 : wgf_error_set(err, -ENOMEM, NULL);
out:
	free(out.data);
	free(errb.data);
	ssh_linger(c);
	libssh2_channel_free(ch);
	return r;
}
