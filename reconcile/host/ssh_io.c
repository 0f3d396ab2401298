#include <errno.h>
#include <poll.h>
#include <time.h>

#include "reconcile/host/ssh_internal.h"

int64_t ssh_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ssh_wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int64_t left;
	int r;

	do {
		left = deadline - ssh_now_ms();
		if (left <= 0)
			return -ETIME;
		r = poll(&p, 1, left > 1000 ? 1000 : (int)left);
	} while (r == 0 || (r < 0 && errno == EINTR));
	return r < 0 ? -errno : 0;
}

int ssh_wait(struct ssh_conn *c, int64_t deadline)
{
	return ssh_wait_dirs(c, 0, deadline);
}

int ssh_wait_dirs(struct ssh_conn *c, int more, int64_t deadline)
{
	int dir = libssh2_session_block_directions(c->s) | more;
	short ev = 0;

	if (dir & LIBSSH2_SESSION_BLOCK_INBOUND)
		ev |= POLLIN;
	if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		ev |= POLLOUT;
	return ssh_wait_fd(c->fd, ev ? ev : POLLIN, deadline);
}

const char *ssh_last_error(struct ssh_conn *c)
{
	char *msg = NULL;

	libssh2_session_last_error(c->s, &msg, NULL, 0);
	return msg && *msg ? msg : "unknown SSH error";
}

void ssh_linger(struct ssh_conn *c)
{
	libssh2_session_set_timeout(c->s, SSH_LINGER_MS);
	libssh2_session_set_blocking(c->s, 1);
}
