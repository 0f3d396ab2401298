/* resolvconf: records in /run/resolvconf/interface/IF (Debian) or
 * /run/resolvconf/interfaces/IF (openresolv), written by the program. */
#include "reconcile/kernel/dns_resolvconf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "model/dns_name.h"

#define RECORD_MAX 65536

static const char *const record_dirs[] = { "/run/resolvconf/interface", "/run/resolvconf/interfaces" };

const char *resolvconf_path(void)
{
	static const char *const paths[] = { "/usr/sbin/resolvconf", "/sbin/resolvconf", "/usr/bin/resolvconf",
					     "/bin/resolvconf" };

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

static int parse_line(char *line, struct hs_dns *out)
{
	char *save = NULL, *key = strtok_r(line, " \t\r", &save), *w;
	bool search;
	int r = 0;

	if (!key)
		return 0;
	if (!strcmp(key, "nameserver")) {
		struct wgf_prefix p;

		w = strtok_r(NULL, " \t\r", &save);
		if (w && prefix_parse(w, true, &p) && p.len == prefix_max_len(p.family))
			r = hs_dns_add_server(out, &p);
		return r;
	}
	search = !strcmp(key, "search");
	if (!search && strcmp(key, "domain"))
		return 0;
	while (r >= 0 && (w = strtok_r(NULL, " \t\r", &save))) {
		size_t len = strlen(w);

		if (len > 1 && w[len - 1] == '.')
			w[len - 1] = '\0';
		for (char *c = w; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (dns_name_ok(w, strlen(w)))
			r = hs_dns_add_search(out, w);
		if (!search)
			break;
	}
	return r;
}

int resolvconf_parse(const char *text, size_t len, struct hs_dns *out)
{
	char *buf = malloc(len + 1), *save = NULL;
	int r = 0;

	if (!buf)
		return -ENOMEM;
	memcpy(buf, text, len);
	buf[len] = '\0';
	for (char *line = strtok_r(buf, "\n", &save); line && r >= 0; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || line[0] == ';')
			continue;
		r = parse_line(line, out);
	}
	free(buf);
	return r;
}

int resolvconf_read(const char *ifname, struct hs_dns *out, bool *found, struct wgf_error *err)
{
	char path[128], *text = NULL;
	ssize_t n = 0, got;
	int fd = -1, r = 0;

	*found = false;
	snprintf(out->ifname, sizeof(out->ifname), "%s", ifname);
	if (!*ifname || strchr(ifname, '/') || ifname[0] == '.')
		return wgf_error_set(err, -EINVAL, "not an interface name");
	for (size_t i = 0; i < sizeof(record_dirs) / sizeof(record_dirs[0]) && fd < 0; i++) {
		snprintf(path, sizeof(path), "%s/%s", record_dirs[i], ifname);
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0 && errno != ENOENT && errno != ENOTDIR)
			return wgf_error_set(err, -errno, "%s: %s", path, strerror(errno));
	}
	if (fd < 0)
		return 0;
	text = malloc(RECORD_MAX);
	if (!text) {
		r = wgf_error_set(err, -ENOMEM, NULL);
		goto out;
	}
	while (n < RECORD_MAX && (got = read(fd, text + n, (size_t)(RECORD_MAX - n))) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = wgf_error_set(err, -errno, "%s: %s", path, strerror(errno));
			goto out;
		}
		n += got;
	}
	r = resolvconf_parse(text, (size_t)n, out);
	if (r < 0)
		wgf_error_set(err, r, NULL);
	*found = r >= 0;
out:
	free(text);
	close(fd);
	return r;
}

/* Runs resolvconf with args, input on its stdin; its stderr becomes the error's words. */
static int run(char *const args[], const char *input, struct wgf_error *err)
{
	static char *const env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	const char *bin = resolvconf_path();
	int in[2] = { -1, -1 }, errp[2] = { -1, -1 }, status, r;
	char msg[512];
	size_t n = 0;
	ssize_t got;
	pid_t pid;

	if (!bin)
		return wgf_error_set(err, -ENOENT, "resolvconf is not installed");
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		r = wgf_error_set(err, -errno, NULL);
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		r = wgf_error_set(err, -errno, NULL);
		goto out;
	}
	if (pid == 0) {
		if (dup2(in[0], STDIN_FILENO) >= 0 && dup2(errp[1], STDOUT_FILENO) >= 0 &&
		    dup2(errp[1], STDERR_FILENO) >= 0)
			execve(bin, args, env);
		_exit(127);
	}
	close(in[0]);
	close(errp[1]);
	in[0] = errp[1] = -1;
	{
		void (*old)(int) = signal(SIGPIPE, SIG_IGN);
		size_t len = strlen(input), off = 0;

		while (off < len && ((got = write(in[1], input + off, len - off)) > 0 || errno == EINTR))
			off += got > 0 ? (size_t)got : 0;
		signal(SIGPIPE, old);
	}
	close(in[1]);
	in[1] = -1;
	while ((got = read(errp[0], msg + n, sizeof(msg) - 1 - n)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 || (n += (size_t)got) == sizeof(msg) - 1)
			break;
	}
	msg[n] = '\0';
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		r = 0;
	else
		r = wgf_error_set(err, -EIO, "resolvconf %s %s: %s", args[1], args[2],
				  n ? msg : WIFEXITED(status) ? "failed" : "killed");
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	return r;
}

static bool ifname_ok(const char *s)
{
	return *s && s[0] != '.' && s[0] != '-' && s[0] != '~' && !strpbrk(s, "/ \t\n");
}

int resolvconf_set(const struct hs_dns *d, struct wgf_error *err)
{
	char *args[] = { "resolvconf", "-a", (char *)d->ifname, "-m", "0", "-x", NULL };
	char buf[PREFIX_STRLEN], *text = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	if (!ifname_ok(d->ifname))
		return wgf_error_set(err, -EINVAL, "not an interface name");
	if (d->n_routing || d->default_route != HS_DNS_ROUTE_AUTO)
		return wgf_error_set(err, -EOPNOTSUPP, "routing domains and defaultRoute need systemd-resolved; "
				     "resolvconf takes servers and search domains only");
	f = open_memstream(&text, &len);
	if (!f)
		return wgf_error_set(err, -ENOMEM, NULL);
	for (size_t i = 0; i < d->n_servers; i++)
		fprintf(f, "nameserver %s\n", prefix_format_addr(&d->servers[i], buf));
	if (d->n_search) {
		fputs("search", f);
		for (size_t i = 0; i < d->n_search; i++)
			fprintf(f, " %s", d->search[i]);
		fputc('\n', f);
	}
	if (fclose(f) != 0 || !text) {
		free(text);
		return wgf_error_set(err, -ENOMEM, NULL);
	}
	r = run(args, text, err);
	free(text);
	return r;
}

int resolvconf_delete(const char *ifname, struct wgf_error *err)
{
	char *args[] = { "resolvconf", "-d", (char *)ifname, "-f", NULL };

	if (!ifname_ok(ifname))
		return wgf_error_set(err, -EINVAL, "not an interface name");
	return run(args, "", err);
}
