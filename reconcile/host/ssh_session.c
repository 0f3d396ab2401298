#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "reconcile/host/fileio.h"
#include "reconcile/host/known_hosts.h"
#include "reconcile/host/ssh_internal.h"

int ssh_global_init(void)
{
	return libssh2_init(0) == 0 ? 0 : -EIO;
}

void ssh_global_exit(void)
{
	libssh2_exit();
}

void ssh_thread_exit(void)
{
	OPENSSL_thread_stop();
}

/* A TCP connection to one of the target's addresses, within the deadline. */
static int tcp_connect(const struct ssh_target *t, int64_t deadline, int *out, struct wgf_error *err)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV }, *res = NULL;
	char port[8];
	int r, fd = -1, e = ETIMEDOUT;
	socklen_t len = sizeof(e);

	snprintf(port, sizeof(port), "%u", t->port);
	r = getaddrinfo(t->address, port, &hints, &res);
	if (r != 0)
		return wgf_error_set(err, -EHOSTUNREACH, "%s: %s", t->address, gai_strerror(r));
	for (struct addrinfo *a = res; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0) {
			e = errno;
			continue;
		}
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		e = errno;
		if (e == EINPROGRESS) {
			r = ssh_wait_fd(fd, POLLOUT, deadline);
			e = r == -ETIME ? ETIMEDOUT : r < 0 ? -r : 0;
			if (!e && getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
				e = errno;
			if (!e)
				break;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return wgf_error_set(err, -e, "connecting to %s port %u: %s", t->address, t->port, strerror(e));
	*out = fd;
	return 0;
}

/* The server's host key against the known-hosts file. */
static int check_host_key(struct ssh_conn *c, const struct ssh_opts *o, struct wgf_error *err)
{
	char fp[KNOWN_HOSTS_FINGERPRINT_LEN], *text = NULL;
	const char *blob;
	size_t blob_len = 0, len = 0;
	int type, r;

	blob = libssh2_session_hostkey(c->s, &blob_len, &type);
	if (!blob)
		return wgf_error_set(err, -EPROTO, "%s gave no host key", c->t->address);
	known_hosts_fingerprint((const uint8_t *)blob, blob_len, fp);
	r = fileio_read(o->known_hosts, &text, &len);
	if (r < 0)
		return wgf_error_set(err, r, "cannot read %s: %s", o->known_hosts, strerror(-r));
	r = known_hosts_check(text, len, c->t->address, c->t->port, (const uint8_t *)blob, blob_len);
	free(text);
	if (r == -EKEYREVOKED)
		return wgf_error_set(err, r, "host key for %s (%s) is revoked in %s", c->t->address, fp, o->known_hosts);
	if (r == -EKEYREJECTED)
		return wgf_error_set(err, r, "host key for %s does not match %s (the server offered %s)",
				     c->t->address, o->known_hosts, fp);
	if (r < 0)
		return wgf_error_set(err, -ENOENT, "host key for %s is not in %s (the server offered %s)",
				     c->t->address, o->known_hosts, fp);
	return 0;
}

/* Handshake, host key, public-key authentication. */
static int ssh_open(struct ssh_conn *c, const struct ssh_opts *o, int64_t deadline, struct wgf_error *err)
{
	int r;

	if (!(c->s = libssh2_session_init()))
		return wgf_error_set(err, -ENOMEM, NULL);
	libssh2_session_set_blocking(c->s, 0);
	while ((r = libssh2_session_handshake(c->s, c->fd)) == LIBSSH2_ERROR_EAGAIN)
		if (ssh_wait(c, deadline) < 0)
			return wgf_error_set(err, -ETIMEDOUT, "%s: no SSH handshake within %u s", c->t->address,
					     o->connect_timeout);
	if (r < 0)
		return wgf_error_set(err, -EPROTO, "SSH handshake with %s: %s", c->t->address, ssh_last_error(c));
	r = check_host_key(c, o, err);
	if (r < 0)
		return r;
	while ((r = libssh2_userauth_publickey_fromfile_ex(c->s, c->t->user, (unsigned)strlen(c->t->user), NULL,
							     o->identity, NULL)) == LIBSSH2_ERROR_EAGAIN)
		if (ssh_wait(c, deadline) < 0)
			return wgf_error_set(err, -ETIMEDOUT, "%s: no answer to authentication within %u s",
					     c->t->address, o->connect_timeout);
	if (r < 0)
		return wgf_error_set(err, -EACCES, "authenticating as %s@%s with %s: %s (an Ed25519 key in "
				     "OpenSSH format, listed in the host's authorized_keys)", c->t->user,
				     c->t->address, o->identity, ssh_last_error(c));
	return 0;
}

static void ssh_close(struct ssh_conn *c)
{
	if (c->s) {
		ssh_linger(c);
		libssh2_session_disconnect(c->s, "wgf done");
		libssh2_session_free(c->s);
	}
	if (c->fd >= 0)
		close(c->fd);
}

int ssh_run(const struct ssh_target *t, const struct ssh_opts *o, const char *command, const void *in,
	    size_t in_len, struct ssh_result *res, struct wgf_error *err)
{
	struct ssh_conn c = { .fd = -1, .t = t };
	int64_t deadline = ssh_now_ms() + (int64_t)o->connect_timeout * 1000;
	int r;

	memset(res, 0, sizeof(*res));
	res->exit_status = -1;
	r = tcp_connect(t, deadline, &c.fd, err);
	if (r == 0)
		r = ssh_open(&c, o, deadline, err);
	if (r == 0)
		r = ssh_exec(&c, command, in, in_len, ssh_now_ms() + (int64_t)o->timeout * 1000, res, err);
	ssh_close(&c);
	if (r < 0)
		ssh_result_clear(res);
	return r;
}

void ssh_result_clear(struct ssh_result *res)
{
	free(res->out);
	free(res->err);
	free(res->exit_signal);
	memset(res, 0, sizeof(*res));
	res->exit_status = -1;
}
