/* What ssh_session.c and ssh_exec.c share: a connected session and its deadline. */
#pragma once
#include <libssh2.h>
#include <stdint.h>

#include "reconcile/host/ssh_session.h"

struct ssh_conn {
	int fd;
	LIBSSH2_SESSION *s;
	const struct ssh_target *t;
};

/* The helpers below are in ssh_io.c. poll() for events on fd: 0, -ETIME past
 * deadline, or -errno. */
int ssh_wait_fd(int fd, short events, int64_t deadline);
/* Waits until the socket is ready the way libssh2 wants it: 0, or -ETIME past deadline. */
int ssh_wait(struct ssh_conn *c, int64_t deadline);
/* The same, also for the directions in more (LIBSSH2_SESSION_BLOCK_*). */
int ssh_wait_dirs(struct ssh_conn *c, int more, int64_t deadline);
/* Blocking again, for at most SSH_LINGER_MS a call: libssh2 frees a channel
 * or a session only once it has said goodbye, which never returns EAGAIN then. */
#define SSH_LINGER_MS 1000
void ssh_linger(struct ssh_conn *c);
/* libssh2's last error as words. */
const char *ssh_last_error(struct ssh_conn *c);

/* Runs command on an authenticated connection (ssh_exec.c). */
int ssh_exec(struct ssh_conn *c, const char *command, const void *in, size_t in_len, int64_t deadline,
	     struct ssh_result *res, struct wgf_error *err);
