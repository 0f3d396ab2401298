/* One commit as a git pack and back (reconcile/host/gitpack.c): what wgf fleet
 * sends and what plan/apply --pack index into the host's mirror. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "reconcile/host/gitpack.h"
#include "tests/unit/unit.h"

static char dir[] = "/tmp/wgf-test-gitpack-XXXXXX";
static char repo[200], mirror[200], pack_file[200], head[GITFETCH_OID_HEX], prev[GITFETCH_OID_HEX];

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* The first line a command prints, into buf. */
static void output(char *buf, size_t len, const char *cmd)
{
	FILE *p = popen(cmd, "r");

	buf[0] = '\0';
	if (p && fgets(buf, (int)len, p))
		buf[strcspn(buf, "\n")] = '\0';
	if (p)
		pclose(p);
}

/* Feeds the file to gitpack_receive as its stdin would be. */
static int receive(const char *file, const char *oid, struct wgf_error *err)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = gitpack_receive(mirror, fd, oid, err);
	close(fd);
	return r;
}

static void setup(void)
{
	CHECK(mkdtemp(dir) != NULL);
	snprintf(repo, sizeof(repo), "%s/repo", dir);
	snprintf(mirror, sizeof(mirror), "%s/state/mirror.git", dir);
	snprintf(pack_file, sizeof(pack_file), "%s/pack", dir);
	CHECK(run("git init -q -b main %s && cd %s && git config user.email t@example.invalid && "
		  "git config user.name t && echo one >net.yaml && git add -A && git commit -qm one && "
		  "echo two >net.yaml && mkdir -p hosts && echo hub >hosts/hub.yaml && git add -A && "
		  "git commit -qm two", repo, repo) == 0);
}

static void test_round_trip(void)
{
	struct wgf_error err = {0};
	char cmd[512], line[128];
	void *buf = NULL;
	size_t len = 0;

	CHECK_INT(gitpack_build(repo, "main", head, &buf, &len, &err), 0);
	CHECK_INT(strlen(head), 40);
	CHECK(len > 12 && !memcmp(buf, "PACK", 4));
	snprintf(cmd, sizeof(cmd), "git -C %s rev-parse main~1", repo);
	output(prev, sizeof(prev), cmd);
	snprintf(cmd, sizeof(cmd), "git -C %s rev-parse main", repo);
	output(line, sizeof(line), cmd);
	CHECK_STR(head, line);
	{
		FILE *f = fopen(pack_file, "w");

		CHECK(f && fwrite(buf, 1, len, f) == len);
		if (f)
			fclose(f);
	}
	free(buf);
	CHECK_INT(receive(pack_file, head, &err), 0);
	CHECK_STR(wgf_error_message(&err), "");
	/* the commit's tree and blobs came, and nothing of its history */
	snprintf(cmd, sizeof(cmd), "git --git-dir %s show %s:hosts/hub.yaml", mirror, head);
	output(line, sizeof(line), cmd);
	CHECK_STR(line, "hub");
	CHECK(run("git --git-dir %s cat-file -e %s 2>/dev/null", mirror, prev) != 0);
	/* the same pack again: nothing new, still fine */
	CHECK_INT(receive(pack_file, head, &err), 0);
	wgf_error_clear(&err);
}

static void test_refused(void)
{
	struct wgf_error err = {0};
	char msg[160], garbage[200];
	void *buf = NULL;
	size_t len = 0;
	char oid[GITFETCH_OID_HEX];

	CHECK_INT(receive(pack_file, prev, &err), -EBADMSG);
	snprintf(msg, sizeof(msg), "the pack does not hold commit %s", prev);
	CHECK_STR(wgf_error_message(&err), msg);
	wgf_error_clear(&err);
	CHECK_INT(receive(pack_file, "main", &err), -EINVAL);
	CHECK_STR(wgf_error_message(&err), "\"main\" is not a full commit id (40 hex digits)");
	wgf_error_clear(&err);
	snprintf(garbage, sizeof(garbage), "%s/garbage", dir);
	CHECK(run("printf 'PACK\\0\\0\\0\\2\\0\\0\\0\\1garbage' >%s", garbage) == 0);
	CHECK(receive(garbage, head, &err) < 0);
	CHECK(!strncmp(wgf_error_message(&err), "indexing the pack: ", 19));
	wgf_error_clear(&err);
	CHECK(receive("/dev/null", head, &err) < 0);
	wgf_error_clear(&err);
	CHECK(gitpack_build(repo, "no-such-ref", oid, &buf, &len, &err) < 0);
	CHECK(buf == NULL && len == 0);
	CHECK(!strncmp(wgf_error_message(&err), "no-such-ref: ", 13));
	wgf_error_clear(&err);
}

int main(void)
{
	setup();
	RUN(test_round_trip);
	RUN(test_refused);
	run("rm -rf %s", dir);
	UNIT_DONE();
}
