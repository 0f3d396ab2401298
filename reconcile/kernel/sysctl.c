/* sysctl by dotted key through /proc/sys. */
#include "reconcile/kernel/sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SYSCTL_ROOT "/proc/sys/"
#define SYSCTL_PATH_MAX 256

static bool sysctl_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* "a.b.c" -> "/proc/sys/a/b/c"; every component is [A-Za-z0-9_-]+. */
static int sysctl_path(const char *key, char *path, size_t len)
{
	size_t root = strlen(SYSCTL_ROOT), klen, i;

	if (!key)
		return -EINVAL;
	klen = strlen(key);
	if (klen == 0 || root + klen >= len)
		return -EINVAL;
	for (i = 0; i < klen; i++) {
		if (key[i] == '.') {
			if (i == 0 || key[i - 1] == '.' || i + 1 == klen)
				return -EINVAL;
		} else if (!sysctl_char_ok(key[i])) {
			return -EINVAL;
		}
	}
	memcpy(path, SYSCTL_ROOT, root);
	for (i = 0; i < klen; i++)
		path[root + i] = key[i] == '.' ? '/' : key[i];
	path[root + klen] = '\0';
	return 0;
}

int sysctl_read(const char *key, char *buf, size_t len)
{
	char path[SYSCTL_PATH_MAX];
	size_t got = 0;
	ssize_t n;
	int fd, ret;

	if (!buf || len == 0)
		return -EINVAL;
	buf[0] = '\0';
	ret = sysctl_path(key, path, sizeof(path));
	if (ret < 0)
		return ret;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (got == len - 1) {
			char extra;

			/* Only a trailing newline may be left over. */
			n = read(fd, &extra, 1);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				ret = -errno;
				goto out;
			}
			if (n == 1 && !(extra == '\n' && read(fd, &extra, 1) == 0)) {
				ret = -ERANGE;
				goto out;
			}
			break;
		}
		n = read(fd, buf + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	while (got > 0 && buf[got - 1] == '\n')
		got--;
	buf[got] = '\0';
	ret = 0;
out:
	if (ret < 0)
		buf[0] = '\0';
	close(fd);
	return ret;
}

int sysctl_write(const char *key, const char *value)
{
	char path[SYSCTL_PATH_MAX], line[SYSCTL_PATH_MAX];
	ssize_t n;
	int fd, ret, len;

	if (!value || strchr(value, '\n'))
		return -EINVAL;
	ret = sysctl_path(key, path, sizeof(path));
	if (ret < 0)
		return ret;
	len = snprintf(line, sizeof(line), "%s\n", value);
	if (len < 0 || (size_t)len >= sizeof(line))
		return -EINVAL;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* /proc/sys parses one write(2) as the whole value. */
	do
		n = write(fd, line, (size_t)len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		ret = -errno;
	else if (n != len)
		ret = -EIO;
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	return ret;
}
