/* The wireguard-go process: started per interface, ready when its UAPI socket answers. */
#include "reconcile/kernel/wg.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "reconcile/kernel/wg_uapi.h"

extern char **environ;

#define START_EXIT_TIMEOUT_MS 10000
#define START_READY_TIMEOUT_MS 5000

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static bool uapi_answers(const char *ifname)
{
	struct hs_device d = { 0 };
	int r = wg_uapi_get_device(ifname, &d);

	hs_device_clear(&d);
	return r == 0;
}

/* Our environment minus WG_PROCESS_FOREGROUND: with it wireguard-go would not
 * daemonize and its first process would never exit. */
static char **child_env(void)
{
	static const char drop[] = "WG_PROCESS_FOREGROUND=";
	size_t n = 0, k = 0;
	char **env;

	while (environ && environ[n])
		n++;
	env = calloc(n + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], drop, sizeof(drop) - 1))
			env[k++] = environ[i];
	return env;
}

/* fork + execvpe; an exec failure comes back through a close-on-exec pipe. */
static int spawn(const char *bin, const char *ifname, pid_t *out)
{
	char *argv[] = { (char *)bin, (char *)ifname, NULL };
	bool quiet = !getenv("WGF_DEBUG");
	char **env = NULL;
	int pfd[2] = { -1, -1 }, devnull = -1, child_errno = 0, r;
	pid_t pid;
	ssize_t n;

	env = child_env();
	if (!env)
		return -ENOMEM;
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		r = -errno;
		goto out;
	}
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0) {
		r = -errno;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
		goto out;
	}
	if (pid == 0) {
		int e;
		if (dup2(devnull, STDIN_FILENO) < 0 ||
		    (quiet && (dup2(devnull, STDOUT_FILENO) < 0 || dup2(devnull, STDERR_FILENO) < 0))) {
			e = errno;
		} else {
			execvpe(bin, argv, env);
			e = errno;
		}
		if (write(pfd[1], &e, sizeof(e)) < 0)
			_exit(126);
		_exit(127);
	}
	close(pfd[1]);
	pfd[1] = -1;
	do
		n = read(pfd[0], &child_errno, sizeof(child_errno));
	while (n < 0 && errno == EINTR);
	if (n == sizeof(child_errno)) {
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		r = -child_errno;
		goto out;
	}
	*out = pid;
	r = 0;
out:
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	if (devnull >= 0)
		close(devnull);
	free(env);
	return r;
}

/* wireguard-go's first process exits 0 once the tun device and the UAPI
 * socket exist, leaving its daemon child behind. */
static int wait_exit(pid_t pid)
{
	int status;

	for (long waited = 0;; waited += 10) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return -errno;
		if (waited >= START_EXIT_TIMEOUT_MS) {
			kill(pid, SIGKILL);
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
			return -ETIMEDOUT;
		}
		sleep_ms(10);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -EIO;
	return 0;
}

int wg_userspace_start(const char *ifname, const char *wireguard_go)
{
	const char *bin = wireguard_go;
	pid_t pid = -1;
	int r;

	if (!wg_ifname_valid(ifname))
		return -EINVAL;
	if (!bin || !*bin)
		bin = getenv("WGF_WIREGUARD_GO");
	if (!bin || !*bin)
		bin = "wireguard-go";
	if (uapi_answers(ifname))
		return -EEXIST;
	r = spawn(bin, ifname, &pid);
	if (r < 0)
		return r;
	r = wait_exit(pid);
	if (r < 0)
		return r;
	for (long waited = 0;; waited += 20) {
		if (uapi_answers(ifname))
			return 0;
		if (waited >= START_READY_TIMEOUT_MS)
			return -ETIMEDOUT;
		sleep_ms(20);
	}
}
