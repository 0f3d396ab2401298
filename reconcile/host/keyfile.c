#include "reconcile/host/keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <limits.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reconcile/host/fileio.h"

int keyfile_read(const char *path, uint8_t key[WG_KEY_LEN])
{
	char buf[128];
	struct stat st;
	ssize_t n;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EBADFD;
		goto out;
	}
	if (st.st_mode & 077) {
		r = -EPERM;
		goto out;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		r = -errno;
		goto out;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (!key_from_base64(buf, key))
		r = -EINVAL;
out:
	sodium_memzero(buf, sizeof(buf));
	close(fd);
	return r;
}

const char *keyfile_strerror(int r)
{
	switch (r) {
	case -ENOENT: return "no such file";
	case -EPERM: return "readable by group or others (chmod 600)";
	case -EINVAL: return "not a WireGuard private key (base64, 44 characters)";
	case -EBADFD: return "not a regular file";
	case -ELOOP: return "a symbolic link (give the file itself)";
	default: return strerror(-r);
	}
}

const char *keyfile_host_strerror(int r)
{
	return r == -ENOENT ? "no such file (run `wgf host init`, or pass --key-file)" : keyfile_strerror(r);
}

int keyfile_create(const char *path, bool force, uint8_t key[WG_KEY_LEN])
{
	char b64[WG_KEY_B64_LEN + 1], dir[PATH_MAX];
	int r;

	if (!force && access(path, F_OK) == 0)
		return -EEXIST;
	if (strlen(path) >= sizeof(dir))
		return -ENAMETOOLONG;
	strcpy(dir, path);
	r = fileio_mkdir(dirname(dir));
	if (r < 0)
		return r;
	key_generate_private(key);
	key_to_base64(key, b64);
	strcat(b64, "\n");
	r = fileio_write(path, b64, strlen(b64), 0600);
	sodium_memzero(b64, sizeof(b64));
	return r;
}

int keyfile_beside(const char *key_file, const char *name, char *buf, size_t len)
{
	const char *slash = strrchr(key_file, '/');
	int n;

	if (!slash)
		n = snprintf(buf, len, "%s", name);
	else
		n = snprintf(buf, len, "%.*s/%s", (int)(slash - key_file), key_file, name);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}
