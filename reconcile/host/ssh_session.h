/* Running one command on a remote host over SSH (libssh2), the way wgf fleet
 * does: the server's host key checked against a known-hosts file (refused on
 * mismatch or absence, with the SHA256 fingerprint it offered), public-key
 * authentication only (an OpenSSH Ed25519 key: libssh2 1.10 cannot sign RSA
 * for OpenSSH >= 8.8), everything non-blocking and bounded by deadlines, stdin
 * written while stdout and stderr are drained. One session per call; calls in
 * several threads at once are fine after ssh_global_init. */
#pragma once
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "model/error.h"

#define SSH_OUT_MAX (64u << 20)        /* stdout kept, bytes */
#define SSH_ERR_MAX (1u << 20)         /* stderr kept, bytes */

struct ssh_target {
	const char *user, *address;    /* address: DNS name, IPv4 or IPv6 (no brackets) */
	unsigned port;
};

struct ssh_opts {
	const char *known_hosts;
	const char *identity;          /* the private key (its public key is derived) */
	unsigned connect_timeout;      /* seconds: TCP, handshake, host key, authentication */
	unsigned timeout;              /* seconds: the command, from exec to exit */
};

struct ssh_result {
	int exit_status;               /* as the server said; -1: it said nothing */
	char *exit_signal;             /* the signal that ended the command, or NULL */
	char *out, *err;               /* NUL-terminated (they may hold NULs too) */
	size_t out_len, err_len;
};

/* Milliseconds on the monotonic clock (the deadlines'). */
int64_t ssh_now_ms(void);

/* libssh2_init, once, before any thread calls ssh_run. 0 or -EIO. */
int ssh_global_init(void);
void ssh_global_exit(void);
/* A thread that called ssh_run, before it ends: OpenSSL (under libssh2) keeps
 * a random generator per thread. */
void ssh_thread_exit(void);

/* Connects, checks, authenticates and runs command with in (in_len bytes, may be
 * 0) on its stdin, then EOF. 0 with *res filled once the command ran to its end
 * (whatever its exit status). Errors, said in err: the connection failed or
 * timed out (-ECONNREFUSED, -EHOSTUNREACH, -ETIMEDOUT, …, "unreachable"), the
 * host key is absent (-ENOENT), wrong (-EKEYREJECTED) or revoked
 * (-EKEYREVOKED), authentication failed (-EACCES), the command outlived the
 * timeout (-ETIME) or wrote too much (-EFBIG), the protocol failed (-EPROTO). */
int ssh_run(const struct ssh_target *t, const struct ssh_opts *o, const char *command, const void *in,
	    size_t in_len, struct ssh_result *res, struct wgf_error *err);
void ssh_result_clear(struct ssh_result *res);

/* Whether an ssh_run error means the host could not be reached at all. */
static inline int ssh_is_unreachable(int r)
{
	return r == -ECONNREFUSED || r == -EHOSTUNREACH || r == -ENETUNREACH || r == -ETIMEDOUT ||
	       r == -ECONNRESET || r == -EADDRNOTAVAIL || r == -EHOSTDOWN || r == -ENOTCONN;
}
