/* nft_check: drives reconcile/kernel/nft.h for tests/lab/test_nft.sh.
 *
 *   nft_check get FAMILY NAME                 the listing on stdout
 *   nft_check get-json FAMILY NAME
 *   nft_check replace FAMILY NAME BODYFILE
 *   nft_check check FAMILY NAME BODYFILE      dry run
 *   nft_check delete FAMILY NAME
 *   nft_check name-valid STR                  exit 0 valid, 3 invalid
 *   nft_check bench N                         N × nft_table_get inet wgf, prints µs per call
 *
 * On failure prints "error=ENAME" on stdout, the error text on stderr, exits 2;
 * exits 1 on bad usage. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reconcile/kernel/nft.h"

static int usage(void)
{
	fprintf(stderr, "usage: nft_check COMMAND ARGS... (see tests/lab/nft_check.c)\n");
	return 1;
}

static int read_file(const char *path, char **out)
{
	FILE *f = fopen(path, "re");
	size_t len = 0;
	int ret = 0;

	*out = NULL;
	if (!f)
		return -errno;
	if (getdelim(out, &len, '\0', f) < 0 && !feof(f))
		ret = -EIO;
	if (!*out && ret == 0)
		*out = strdup("");
	if (!*out && ret == 0)
		ret = -ENOMEM;
	fclose(f);
	return ret;
}

static int bench(const char *arg, struct wgf_error *err)
{
	struct timespec a, b;
	int n = atoi(arg), i, ret = 0;
	char *text;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n && ret == 0; i++) {
		ret = nft_table_get("inet", "wgf", &text, err);
		free(text);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (ret == 0 && n > 0)
		printf("%ld\n", ((b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000) / n);
	return ret;
}

static int run(int argc, char **argv, struct wgf_error *err)
{
	const char *cmd = argv[1];
	char *text = NULL;
	int ret;

	if ((!strcmp(cmd, "get") || !strcmp(cmd, "get-json")) && argc == 4) {
		ret = !strcmp(cmd, "get") ? nft_table_get(argv[2], argv[3], &text, err)
					  : nft_table_get_json(argv[2], argv[3], &text, err);
		if (ret == 0)
			fputs(text, stdout);
		free(text);
		return ret;
	}
	if ((!strcmp(cmd, "replace") || !strcmp(cmd, "check")) && argc == 5) {
		ret = read_file(argv[4], &text);
		if (ret == 0)
			ret = !strcmp(cmd, "replace") ? nft_table_replace(argv[2], argv[3], text, err)
						      : nft_table_check(argv[2], argv[3], text, err);
		free(text);
		return ret;
	}
	if (!strcmp(cmd, "delete") && argc == 4)
		return nft_table_delete(argv[2], argv[3], err);
	if (!strcmp(cmd, "name-valid") && argc == 3)
		return nft_name_valid(argv[2]) ? 0 : 3;
	if (!strcmp(cmd, "bench") && argc == 3)
		return bench(argv[2], err);
	return 1;
}

int main(int argc, char **argv)
{
	struct wgf_error err = {0};
	int ret;

	if (argc < 2)
		return usage();
	ret = run(argc, argv, &err);
	if (ret == 1)
		return usage();
	if (ret < 0) {
		const char *name = strerrorname_np(-ret);

		printf("error=%s\n", name ? name : "?");
		if (err.msg)
			fprintf(stderr, "%s\n", err.msg);
	}
	wgf_error_clear(&err);
	return ret < 0 ? 2 : ret;
}
