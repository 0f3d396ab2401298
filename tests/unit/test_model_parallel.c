/* Directory loading reads and parses files on two threads: the model and the
 * messages must be the same, in the same order, as a sequential load. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/model.h"
#include "tests/unit/unit.h"

static char dir[64];

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void make_repo(size_t n_peers, bool broken)
{
	uint8_t k[WG_KEY_LEN];
	char b64[WG_KEY_B64_LEN], text[1024], name[64];

	write_file("network.yaml",
		   "apiVersion: wgf/v1\nkind: Network\nmetadata: {name: n}\n"
		   "spec:\n  addressPools: {ipv4: 10.64.0.0/16}\n");
	key_generate_private(k);
	snprintf(text, sizeof(text),
		 "apiVersion: wgf/v1\nkind: Host\nmetadata: {name: hub}\nspec:\n  role: hub\n"
		 "  publicKey: %s\n  endpoint: 192.0.2.1:51820\n  addresses: [10.64.0.1/16]\n",
		 key_to_base64(k, b64));
	write_file("hub.yaml", text);
	for (size_t i = 0; i < n_peers; i++) {
		key_generate_private(k);
		snprintf(name, sizeof(name), "peer-%04zu.yaml", i);
		if (broken && i % 25 == 7)   /* an unknown field on line 6, column 3 */
			snprintf(text, sizeof(text),
				 "apiVersion: wgf/v1\nkind: Peer\nmetadata: {name: p%zu}\nspec:\n"
				 "  publicKey: %s\n  colour: red\n  addresses: [10.64.%zu.%zu]\n  hubs: [hub]\n",
				 i, key_to_base64(k, b64), 1 + i / 200, 2 + i % 200);
		else if (broken && i % 25 == 13)   /* a YAML syntax error */
			snprintf(text, sizeof(text), "apiVersion: wgf/v1\nkind: [Peer\n");
		else
			snprintf(text, sizeof(text),
				 "apiVersion: wgf/v1\nkind: Peer\nmetadata: {name: p%zu}\nspec:\n"
				 "  publicKey: %s\n  addresses: [10.64.%zu.%zu]\n  hubs: [hub]\n",
				 i, key_to_base64(k, b64), 1 + i / 200, 2 + i % 200);
		write_file(name, text);
	}
}

static void clean(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
}

static char *messages(struct diag *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	diag_sort(d);
	diag_print(d, f);
	fclose(f);
	return buf;
}

static void test_many_files_load(void)
{
	struct model *m = NULL;
	struct diag d;

	snprintf(dir, sizeof(dir), "/tmp/wgf-test-par-XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	make_repo(500, false);
	diag_init(&d);
	CHECK_INT(model_load_dir(dir, &m, &d), 0);
	CHECK_INT(d.n, 0);
	CHECK(m && m->n_peers == 500 && m->n_hosts == 1 && m->n_files == 502);
	/* files are taken in sorted order: peer i is the i-th Peer */
	CHECK(m && m->n_peers == 500 && !strcmp(m->peers[123].meta.name, "p123"));
	model_free(m);
	diag_free(&d);
	clean();
}

static void test_many_files_errors_deterministic(void)
{
	struct model *m = NULL;
	struct diag d;
	char *first = NULL;

	snprintf(dir, sizeof(dir), "/tmp/wgf-test-par-XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	make_repo(500, true);
	for (int round = 0; round < 5; round++) {
		char *now;
		diag_init(&d);
		CHECK_INT(model_load_dir(dir, &m, &d), -EINVAL);
		CHECK(m == NULL);
		CHECK_INT(d.n, 40);   /* 20 unknown fields + 20 syntax errors */
		now = messages(&d);
		CHECK(strstr(now, "peer-0007.yaml:6:3: error: unknown field \"colour\"") != NULL);
		CHECK(strstr(now, "peer-0013.yaml:") != NULL);
		if (!first)
			first = now;
		else {
			CHECK_STR(now, first);
			free(now);
		}
		diag_free(&d);
	}
	free(first);
	clean();
}

int main(void)
{
	if (key_init() < 0)
		return 1;
	RUN(test_many_files_load);
	RUN(test_many_files_errors_deterministic);
	UNIT_DONE();
}
