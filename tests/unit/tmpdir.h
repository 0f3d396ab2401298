/* A fresh directory under /tmp for a unit test, and its removal (flat: the
 * files a test leaves in it, then the directory). */
#pragma once
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define UNIT_TMPDIR_LEN 64

/* dir: "/tmp/wgf-test-TAG.XXXXXX", made 0700; aborts when it cannot be. */
static inline void unit_tmpdir_make(char dir[UNIT_TMPDIR_LEN], const char *tag)
{
	snprintf(dir, UNIT_TMPDIR_LEN, "/tmp/wgf-test-%s.XXXXXX", tag);
	if (!mkdtemp(dir))
		abort();
}

static inline void unit_tmpdir_remove(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[512];

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}
