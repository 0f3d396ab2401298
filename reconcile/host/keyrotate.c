#include "reconcile/host/keyrotate.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "reconcile/host/fileio.h"
#include "reconcile/host/keyfile.h"

int keyrotate_prepare(const char *next_file, bool force, uint8_t pub[WG_KEY_LEN])
{
	uint8_t priv[WG_KEY_LEN];
	int r = keyfile_create(next_file, force, priv);

	if (r == 0)
		r = key_public_from_private(pub, priv);
	sodium_memzero(priv, sizeof(priv));
	return r;
}

static int write_key(const char *path, const uint8_t key[WG_KEY_LEN])
{
	char b64[WG_KEY_B64_LEN + 1];
	int r;

	key_to_base64(key, b64);
	strcat(b64, "\n");
	r = fileio_write(path, b64, strlen(b64), 0600);
	sodium_memzero(b64, sizeof(b64));
	return r;
}

static void fsync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	int fd;

	if (keyfile_beside(path, ".", dir, sizeof(dir)) < 0)
		return;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int keyrotate_switch(const char *key_file, const char *next_file, const uint8_t next_pub[WG_KEY_LEN],
		     uint8_t old_pub[WG_KEY_LEN])
{
	uint8_t cur[WG_KEY_LEN], next[WG_KEY_LEN], pub[WG_KEY_LEN];
	char previous[PATH_MAX];
	int r;

	if ((size_t)snprintf(previous, sizeof(previous), "%s%s", key_file, KEYROTATE_PREVIOUS_SUFFIX) >=
	    sizeof(previous))
		return -ENAMETOOLONG;
	if ((r = keyfile_read(next_file, next)) < 0 || (r = keyfile_read(key_file, cur)) < 0)
		goto out;
	if ((r = key_public_from_private(pub, next)) < 0 || (r = key_public_from_private(old_pub, cur)) < 0)
		goto out;
	if (sodium_memcmp(pub, next_pub, WG_KEY_LEN)) {
		r = -ESTALE;    /* prepared again since the plan was made */
		goto out;
	}
	if ((r = write_key(previous, cur)) < 0)
		goto out;
	if (rename(next_file, key_file) == 0) {
		fsync_dir_of(key_file);
		goto out;
	}
	r = -errno;
	if (r != -EXDEV)
		goto out;
	/* another file system: write it, then let go of the prepared one */
	if ((r = write_key(key_file, next)) == 0 && unlink(next_file) < 0)
		r = -errno;
out:
	sodium_memzero(cur, sizeof(cur));
	sodium_memzero(next, sizeof(next));
	return r;
}
