/* The YAML loader and validator: files, documents, fields, cross-object checks, git. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/model.h"
#include "tests/unit/diag_check.h"
#include "tests/unit/unit.h"

#define FIXTURES "tests/unit/fixtures/model"

#define K1 "nvxiIrZiEXsUVsSiztvMMslEl483akOdYQiZbPy2xR8="
#define K2 "I6OkHgtCPh2pjt/cgmQbwc5seW6z/kHM4dygnK8rV04="
#define K3 "cU/Cl9JLoCDtRvy1k9shZgLNUhLsx1P0VrlUUtl6dBQ="
#define K4 "CdwLYnrD/pxPgyXb14zmnfmjchTXd7+XJtCBAkM8iS4="
#define K5 "bYqXF1bs4yw1HjmsZGMCeCHnKTmwwMTdIbbjbcNDnTk="

static const char NET[] =
	"apiVersion: wgf/v1\n"
	"kind: Network\n"
	"metadata: {name: home}\n"
	"spec:\n"
	"  addressPools: {ipv4: 10.10.0.0/24, ipv6: \"fd00:10::/64\"}\n";

static const char HUB[] =
	"apiVersion: wgf/v1\n"
	"kind: Host\n"
	"metadata: {name: hub}\n"
	"spec: {role: hub, publicKey: " K1 ", endpoint: \"192.0.2.1:51820\", addresses: [10.10.0.1/24]}\n";

/* Line 1-5 of most peer cases; the case adds lines from 6 on. */
#define PEER_HEAD "apiVersion: wgf/v1\nkind: Peer\nmetadata:\n  name: p\nspec:\n"
#define HOST_HEAD "apiVersion: wgf/v1\nkind: Host\nmetadata:\n  name: h\nspec:\n"
#define NET_HEAD  "apiVersion: wgf/v1\nkind: Network\nmetadata:\n  name: n\nspec:\n"

static int load_files(size_t n, const char *const *names, const char *const *texts, struct model **m,
		      struct diag *d)
{
	size_t lens[8];

	for (size_t i = 0; i < n; i++)
		lens[i] = strlen(texts[i]);
	return model_load_buffers(names, texts, lens, n, m, d);
}

/* Loads NET, HUB and text (as "t.yaml"), or text alone. */
static int load_case(const char *text, bool with_base, struct model **m, struct diag *d)
{
	const char *names[] = { "net.yaml", "hub.yaml", "t.yaml" };
	const char *texts[] = { NET, HUB, text };

	diag_init(d);
	if (with_base)
		return load_files(3, names, texts, m, d);
	return load_files(1, names + 2, texts + 2, m, d);
}

/* Expects the load to fail with (among others) this error at t.yaml:line:col (line 0: anywhere). */
#define EXPECT_ERR(text, base, line, col, sub) expect_err(__LINE__, text, base, line, col, sub)
static void expect_err(int at, const char *text, bool base, unsigned line, unsigned col, const char *sub)
{
	struct model *m = (struct model *)1;
	struct diag d;
	int r = load_case(text, base, &m, &d);

	if (r != -EINVAL || m || !has_error(&d, "t.yaml", line, col, sub)) {
		fprintf(stderr, "  test_model.c:%d: expected t.yaml:%u:%u: ...%s... (r=%d), got:\n", at, line, col,
			sub, r);
		dump(&d);
		unit_failed_checks++;
	}
	model_free(m);
	diag_free(&d);
}

static void expect_err_in(int at, const char *text, const char *file, unsigned line, unsigned col,
			  const char *sub)
{
	struct model *m = (struct model *)1;
	struct diag d;
	int r = load_case(text, true, &m, &d);

	if (r != -EINVAL || m || !has_error(&d, file, line, col, sub)) {
		fprintf(stderr, "  test_model.c:%d: expected %s:%u:%u: ...%s... (r=%d), got:\n", at, file, line, col,
			sub, r);
		dump(&d);
		unit_failed_checks++;
	}
	model_free(m);
	diag_free(&d);
}

#define EXPECT_OK(text, base) expect_ok(__LINE__, text, base)
static void expect_ok(int at, const char *text, bool base)
{
	struct model *m = NULL;
	struct diag d;
	int r = load_case(text, base, &m, &d);

	if (r != 0 || !m || d.n) {
		fprintf(stderr, "  test_model.c:%d: expected success (r=%d), got:\n", at, r);
		dump(&d);
		unit_failed_checks++;
	}
	model_free(m);
	diag_free(&d);
}

static void test_valid_directory(void)
{
	struct model *m = NULL;
	struct diag d;
	const struct model_host *hub, *office;
	const struct model_peer *alice, *bob, *carol;
	char buf[PREFIX_STRLEN], ebuf[ENDPOINT_STRLEN];
	uint8_t k[WG_KEY_LEN];
	int r;

	diag_init(&d);
	r = model_load_dir(FIXTURES "/valid", &m, &d);
	dump(&d);
	CHECK_INT(r, 0);
	CHECK_INT(d.n, 0);
	if (!m)
		goto out;
	CHECK_STR(m->source, "directory " FIXTURES "/valid");
	CHECK(m->commit == NULL);
	CHECK_INT(m->n_networks, 1);
	CHECK_INT(m->n_hosts, 2);
	CHECK_INT(m->n_peers, 3);
	/* sorted: empty.yaml, hosts/hub.yaml, hosts/office.yml, network.yaml, peers/people.yaml */
	CHECK_INT(m->n_files, 5);
	if (m->n_files == 5) {
		CHECK_STR(m->files[0], "empty.yaml");
		CHECK_STR(m->files[1], "hosts/hub.yaml");
		CHECK_STR(m->files[4], "peers/people.yaml");
	}
	if (m->n_networks != 1 || m->n_hosts != 2 || m->n_peers != 3)
		goto out;

	const struct model_network *n = &m->networks[0];
	CHECK_STR(n->meta.name, "home");
	CHECK_STR(n->meta.loc.file, "network.yaml");
	CHECK_INT(n->meta.loc.line, 3);
	CHECK_INT(n->meta.loc.col, 1);
	CHECK_INT(n->meta.n_labels, 2);
	if (n->meta.n_labels == 2) {
		CHECK_STR(n->meta.labels[0].key, "site");
		CHECK_STR(n->meta.labels[0].value, "home");
		CHECK_STR(n->meta.labels[1].value, "1");
	}
	CHECK_STR(n->ifname, "wg0");
	CHECK_INT(n->listen_port, 51900);
	CHECK_INT(n->mtu, 1420);
	CHECK_INT(n->keepalive, 25);
	CHECK_INT(n->fwmark, 4660);
	CHECK(n->has_pool4 && n->has_pool6);
	CHECK_STR(prefix_format(&n->pool4, buf), "10.10.0.0/24");
	CHECK_STR(prefix_format(&n->pool6, buf), "fd00:10::/64");

	hub = model_find_host(m, "hub");
	office = model_find_host(m, "office");
	CHECK(hub && office);
	CHECK(model_find_host(m, "nobody") == NULL);
	if (!hub || !office)
		goto out;
	CHECK_INT(hub->role, HOST_ROLE_HUB);
	CHECK_STR(host_role_name(hub->role), "hub");
	CHECK_INT(hub->network, 0);
	CHECK_STR(hub->ifname, "wg0");
	CHECK_INT(hub->listen_port, 51900);
	CHECK_INT(hub->mtu, 1420);
	CHECK_STR(endpoint_format(&hub->endpoint, ebuf), "192.0.2.1:51900");
	CHECK_INT(hub->n_addresses, 2);
	if (hub->n_addresses == 2) {
		CHECK_STR(prefix_format(&hub->addresses[0], buf), "10.10.0.1/24");
		CHECK_STR(prefix_format(&hub->addresses[1], buf), "fd00:10::1/64");
	}
	CHECK_INT(hub->n_lans, 1);
	CHECK(key_from_base64(K1, k) && !memcmp(k, hub->public_key, WG_KEY_LEN));
	CHECK(model_find_host_by_key(m, k) == hub);
	CHECK(key_from_base64(K2, k) && model_find_host_by_key(m, k) == office);
	CHECK(key_from_base64(K3, k) && model_find_host_by_key(m, k) == NULL);

	CHECK_INT(office->role, HOST_ROLE_ROUTER);
	CHECK_STR(office->ifname, "wg-office");
	CHECK_INT(office->listen_port, 51821);
	CHECK_INT(office->mtu, 1380);
	CHECK_STR(endpoint_format(&office->endpoint, ebuf), "[2001:db8::7]:51821");
	CHECK_INT(office->n_lans, 0);

	alice = &m->peers[0];
	bob = &m->peers[1];
	carol = &m->peers[2];
	CHECK_STR(alice->meta.name, "alice");
	CHECK_STR(bob->meta.name, "bob");
	CHECK_STR(carol->meta.name, "carol");
	CHECK_STR(bob->meta.loc.file, "peers/people.yaml");
	CHECK_INT(bob->meta.loc.line, 14);
	CHECK(alice->enabled && !alice->has_expires && alice->keepalive == 0 && !alice->endpoint.family);
	CHECK_INT(alice->n_addresses, 2);
	if (alice->n_addresses == 2) {
		CHECK_STR(prefix_format(&alice->addresses[0], buf), "10.10.0.10/32");
		CHECK_STR(prefix_format(&alice->addresses[1], buf), "fd00:10::10/128");
	}
	CHECK_INT(alice->n_hubs, 1);
	if (alice->n_hubs == 1)
		CHECK(&m->hosts[alice->hubs[0]] == hub);
	CHECK(!bob->enabled);
	CHECK_INT(bob->keepalive, 25);
	CHECK(bob->has_expires);
	CHECK_INT(bob->expires, 1898512200);      /* date -u -d 2030-02-28T12:30:00Z +%s */
	CHECK_STR(prefix_format(&bob->addresses[0], buf), "10.10.0.16/28");
	CHECK_INT(bob->n_lans, 1);
	CHECK_STR(endpoint_format(&bob->endpoint, ebuf), "198.51.100.4:4500");
	CHECK(carol->has_expires);
	CHECK_INT(carol->expires, 1709164800);    /* 2024-02-29 */
out:
	model_free(m);
	diag_free(&d);
}

static void test_directory_errors(void)
{
	struct model *m = (struct model *)1;
	struct diag d;
	int r;

	diag_init(&d);
	r = model_load_dir(FIXTURES "/errors", &m, &d);
	CHECK_INT(r, -EINVAL);
	CHECK(m == NULL);
	CHECK(has_error(&d, "hosts/hub.yaml", 8, 15,
			"address \"10.99.0.1/24\" is outside the network's IPv4 pool 10.10.0.0/24"));
	CHECK(has_error(&d, "hosts/hub.yaml", 9, 3,
			"unknown field \"listenport\" in Host spec (did you mean \"listenPort\"?)"));
	CHECK(has_error(&d, "peers/b.yaml", 4, 9, "duplicate Peer name \"alice\" (first defined at peers/a.yaml:4:9)"));
	CHECK(has_error(&d, "peers/b.yaml", 6, 14, "duplicate publicKey: Peer \"alice\" has the same key as Peer \"alice\" (peers/a.yaml:6:14)"));
	CHECK(has_error(&d, "peers/b.yaml", 7, 15,
			"address 10.10.0.10/32 of Peer \"alice\" overlaps 10.10.0.10/32 of Peer \"alice\" (peers/a.yaml:7:15)"));
	CHECK(has_error(&d, "peers/b.yaml", 8, 10, "Host \"nohub\" does not exist"));
	CHECK(has_error(&d, "peers/b.yaml", 9, 12,
			"\"expires\" must be YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ, got \"tomorrow\""));
	/* The hub failed to parse (unknown field): its missing endpoint is not piled on,
	 * and alice's reference to it is not an error. */
	CHECK(!has_error(&d, NULL, 0, 0, "endpoint"));
	CHECK(!has_error(&d, "peers/a.yaml", 0, 0, ""));
	CHECK_INT(d.n, 7);
	/* sorted by file, line, column */
	for (size_t i = 1; i < d.n; i++)
		CHECK(strcmp(d.entries[i - 1].file, d.entries[i].file) < 0 ||
		      (!strcmp(d.entries[i - 1].file, d.entries[i].file) && d.entries[i - 1].line <= d.entries[i].line));
	if (d.n != 7)
		dump(&d);
	model_free(m);
	diag_free(&d);
}

static void test_directory_sources(void)
{
	char tmpl[] = "/tmp/wgf-test-dir-XXXXXX";
	char *dir = mkdtemp(tmpl), cmd[4096], path[1200], cwd[512];
	struct model *m = (struct model *)1;
	struct diag d;
	FILE *f;
	int r;

	CHECK(dir != NULL);
	if (!dir)
		return;
	diag_init(&d);
	r = model_load_dir("/nonexistent/wgf", &m, &d);
	CHECK(r < 0 && m == NULL);
	CHECK(has_error(&d, "/nonexistent/wgf", 0, 0, "cannot open: No such file or directory"));
	diag_free(&d);

	/* no YAML at all: an empty model (whether that is allowed is the caller's to say) */
	diag_init(&d);
	r = model_load_dir(dir, &m, &d);
	CHECK_INT(r, 0);
	CHECK(m && m->n_documents == 0 && m->n_files == 0);
	CHECK_INT(d.n, 0);
	model_free(m);
	m = NULL;
	diag_free(&d);

	/* links are never followed: a symlinked directory is a warning, a symlinked
	 * YAML file an error (it would have been loaded and cannot be) */
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/sub && ln -s %s/" FIXTURES "/errors %s/linked && "
		 "ln -s %s/" FIXTURES "/valid/network.yaml %s/sub/net.yaml", dir, cwd, dir, cwd, dir);
	CHECK(system(cmd) == 0);
	snprintf(path, sizeof(path), "%s/hub.yaml", dir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs("apiVersion: wgf/v1\nkind: Host\nmetadata: {name: hub}\n"
		      "spec: {role: hub, publicKey: " K1 ", endpoint: \"192.0.2.1:1\", addresses: [10.10.0.1/24]}\n", f);
		fclose(f);
	}
	diag_init(&d);
	snprintf(path, sizeof(path), "%s/", dir);
	r = model_load_dir(path, &m, &d);
	CHECK_INT(r, -EINVAL);
	CHECK(m == NULL);
	CHECK(has_error(&d, "sub/net.yaml", 0, 0, "is a symbolic link: wgf never follows links"));
	CHECK(has_warning(&d, "linked", 0, 0, "symbolic link not followed"));
	CHECK_INT(d.n_errors, 1);
	CHECK_INT(d.n_warnings, 1);
	diag_free(&d);

	/* the file itself in place of the link is read; the linked directory stays a warning */
	snprintf(cmd, sizeof(cmd), "rm %s/sub/net.yaml && cp %s/" FIXTURES "/valid/network.yaml %s/sub/net.yaml",
		 dir, cwd, dir);
	CHECK(system(cmd) == 0);
	diag_init(&d);
	r = model_load_dir(path, &m, &d);
	CHECK_INT(r, 0);
	dump(&d);
	CHECK_INT(d.n_errors, 0);
	CHECK(has_warning(&d, "linked", 0, 0, "symbolic link not followed"));
	if (m) {
		CHECK_INT(m->n_files, 2);
		CHECK_STR(m->files[0], "hub.yaml");
		CHECK_STR(m->files[1], "sub/net.yaml");
		CHECK_INT(m->n_networks, 1);
		CHECK_INT(m->n_hosts, 1);
	}
	model_free(m);
	diag_free(&d);

	/* a single file is loaded under the name given */
	snprintf(path, sizeof(path), "%s/bad.yaml", dir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs("apiVersion: wgf/v2\n", f);
		fclose(f);
	}
	diag_init(&d);
	r = model_load_dir(path, &m, &d);
	CHECK_INT(r, -EINVAL);
	CHECK(has_error(&d, path, 1, 13, "unknown apiVersion \"wgf/v2\" (expected \"wgf/v1\")"));
	model_free(m);
	diag_free(&d);

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
}

static void test_yaml_structure(void)
{
	char deep[256] = "";
	char text[512];

	EXPECT_ERR("apiVersion: wgf/v1\nkind: [Peer\n", false, 3, 1, "YAML syntax error: did not find expected");
	EXPECT_ERR("a: b\n c: d\n", false, 2, 3, "YAML syntax error: mapping values are not allowed");
	EXPECT_ERR("x: \"\\xff\xff\"\n", false, 0, 0, "YAML syntax error");
	EXPECT_ERR(PEER_HEAD "  publicKey: &k " K3 "\n  addresses: [10.10.0.10]\n  hubs: [hub]\n", true, 6, 14,
		   "anchors and aliases are not allowed");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: &a [10.10.0.10]\n  lans: *a\n  hubs: [hub]\n",
		   true, 8, 9, "anchors and aliases are not allowed");
	EXPECT_ERR("&a [*a]\n", false, 1, 1, "anchors and aliases are not allowed");
	EXPECT_ERR(PEER_HEAD "  publicKey: !!str " K3 "\n  addresses: [10.10.0.10]\n  hubs: [hub]\n", true, 6, 14,
		   "explicit tags are not allowed");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.10]\n  hubs: [hub]\n  publicKey: " K4 "\n",
		   true, 9, 3, "duplicate key \"publicKey\" (first at t.yaml:6:3)");
	EXPECT_ERR("apiVersion: wgf/v1\nkind: Peer\n\"kind\": Peer\n", false, 3, 1,
		   "duplicate key \"kind\" (first at t.yaml:2:1)");
	EXPECT_ERR(PEER_HEAD "  ? [a]\n  : b\n", true, 6, 5, "mapping keys must be plain strings");
	/* 32 levels are fine (as YAML; the loader then rejects the document), 33 are not */
	for (int i = 0; i < 32; i++)
		strcat(deep, "[");
	snprintf(text, sizeof(text), "%s%s", deep, "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n");
	EXPECT_ERR(text, false, 1, 1, "a document must be a mapping");
	snprintf(text, sizeof(text), "x: %s%s", deep, "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n");
	EXPECT_ERR(text, false, 1, 35, "nested deeper than 32 levels");
	EXPECT_ERR("- a\n- b\n", false, 1, 1, "a document must be a mapping of apiVersion, kind, metadata and spec");
	EXPECT_ERR("just a string\n", false, 1, 1, "a document must be a mapping");
	/* empty documents and files are nothing */
	EXPECT_OK("", true);
	EXPECT_OK("---\n---\n# comment\n...\n", true);
	EXPECT_OK("\n", true);
}

static void test_limits(void)
{
	size_t big = MODEL_MAX_FILE_SIZE + 1, n = MODEL_MAX_FILES + 1;
	char *buf = calloc(1, big);
	const char **names = calloc(n, sizeof(*names)), **bufs = calloc(n, sizeof(*bufs));
	size_t *lens = calloc(n, sizeof(*lens));
	const char *name = "big.yaml";
	struct model *m = (struct model *)1;
	struct diag d;
	int r;

	CHECK(buf && names && bufs && lens);
	if (!buf || !names || !bufs || !lens)
		goto out;
	diag_init(&d);
	r = model_load_buffers(&name, (const char *const *)&buf, &big, 1, &m, &d);
	CHECK_INT(r, -EINVAL);
	CHECK(m == NULL);
	CHECK(has_error(&d, "big.yaml", 0, 0, "file is larger than 64 MiB"));
	diag_free(&d);

	for (size_t i = 0; i < n; i++) {
		names[i] = "x.yaml";
		bufs[i] = "";
	}
	diag_init(&d);
	r = model_load_buffers(names, bufs, lens, n, &m, &d);
	CHECK_INT(r, -EINVAL);
	{
		char msg[64];
		snprintf(msg, sizeof(msg), "more than %u YAML files", (unsigned)MODEL_MAX_FILES);
		CHECK(has_error(&d, NULL, 0, 0, msg));
	}
	diag_free(&d);
out:
	free(buf);
	free(names);
	free(bufs);
	free(lens);
}

static void test_document_fields(void)
{
	EXPECT_ERR("apiVersion: v1\nkind: Peer\n", false, 1, 13, "unknown apiVersion \"v1\" (expected \"wgf/v1\")");
	EXPECT_ERR("kind: Peer\nmetadata: {name: p}\n", false, 1, 1, "missing required field \"apiVersion\" in document");
	EXPECT_ERR("apiVersion: wgf/v1\nmetadata: {name: p}\n", false, 1, 1, "missing required field \"kind\"");
	EXPECT_ERR("apiVersion: wgf/v1\nkind: Router\n", false, 2, 7,
		   "unknown kind \"Router\" (expected Network, Host, Peer, Tenant, Policy, Operator or ExitGroup)");
	EXPECT_ERR("apiVersion: wgf/v1\nkind: host\n", false, 2, 7, "unknown kind \"host\" (did you mean \"Host\"?)");
	EXPECT_ERR("apiVersion: wgf/v1\nkind: Peer\nmetadata: {name: p}\nspec: {}\nstatus: {}\n", false, 5, 1,
		   "unknown field \"status\" in document");
	EXPECT_ERR("apiVersion: wgf/v1\nkind: Peer\nmetadata: {name: p, label: {}}\nspec: {}\n", false, 3, 21,
		   "unknown field \"label\" in metadata (did you mean \"labels\"?)");
	EXPECT_ERR("apiVersion: wgf/v1\nkind: Peer\nspec: {}\n", false, 1, 1, "missing required field \"metadata\"");
	EXPECT_ERR("apiVersion: wgf/v1\nkind: Peer\nmetadata: {labels: {}}\nspec: {}\n", false, 3, 11,
		   "missing required field \"name\" in metadata");
	EXPECT_ERR("apiVersion: wgf/v1\nkind: Peer\nmetadata: {name: p}\n", false, 1, 1,
		   "missing required field \"spec\" in document");
	EXPECT_ERR("apiVersion: wgf/v1\nkind: Peer\nmetadata: {name: p}\nspec: [a]\n", false, 4, 7,
		   "\"spec\" must be a mapping, got a list");
	EXPECT_ERR("apiVersion: wgf/v1\nkind: Peer\nmetadata: p\nspec: {}\n", false, 3, 11,
		   "\"metadata\" must be a mapping, got \"p\"");
	EXPECT_ERR("apiVersion: wgf/v1\nkind: Peer\nmetadata: {name: p, labels: {Site: ~}}\nspec: {}\n", false, 3,
		   36, "\"Site\" has no value");
	EXPECT_ERR("apiVersion: wgf/v1\nkind: Peer\nmetadata: {name: p, labels: {-x: y}}\nspec: {}\n", false, 3, 30,
		   "label key \"-x\" is not valid");
	EXPECT_ERR("apiVersion: wgf/v1\nkind: Peer\nmetadata: {name: p, labels: {x: \"a b\"}}\nspec: {}\n", false, 3,
		   33, "label value \"a b\" is not valid");
	EXPECT_ERR("apiVersion: wgf/v1\nkind: Peer\nmetadata: {name: p, labels: [x]}\nspec: {}\n", false, 3, 29,
		   "\"metadata.labels\" must be a mapping, got a list");
}

static void test_types(void)
{
	/* strict integers */
	EXPECT_ERR(NET_HEAD "  listenPort: \"51820\"\n  addressPools: {ipv4: 10.1.0.0/16}\n", false, 6, 15,
		   "\"listenPort\" must be an integer, got the string \"51820\"");
	EXPECT_ERR(NET_HEAD "  listenPort: 0x10\n  addressPools: {ipv4: 10.1.0.0/16}\n", false, 6, 15,
		   "\"listenPort\" must be a plain decimal integer, got \"0x10\"");
	EXPECT_ERR(NET_HEAD "  mtu: 1420.0\n  addressPools: {ipv4: 10.1.0.0/16}\n", false, 6, 8,
		   "\"mtu\" must be a plain decimal integer, got \"1420.0\"");
	EXPECT_ERR(NET_HEAD "  mtu: 01420\n  addressPools: {ipv4: 10.1.0.0/16}\n", false, 6, 8,
		   "plain decimal integer, got \"01420\"");
	EXPECT_ERR(NET_HEAD "  persistentKeepalive: -1\n  addressPools: {ipv4: 10.1.0.0/16}\n", false, 6, 24,
		   "plain decimal integer, got \"-1\"");
	EXPECT_ERR(NET_HEAD "  persistentKeepalive: +5\n  addressPools: {ipv4: 10.1.0.0/16}\n", false, 6, 24,
		   "plain decimal integer, got \"+5\"");
	EXPECT_ERR(NET_HEAD "  listenPort: 65536\n  addressPools: {ipv4: 10.1.0.0/16}\n", false, 6, 15,
		   "\"listenPort\" must be between 1 and 65535, got \"65536\"");
	EXPECT_ERR(NET_HEAD "  listenPort: 0\n  addressPools: {ipv4: 10.1.0.0/16}\n", false, 6, 15,
		   "between 1 and 65535");
	EXPECT_ERR(NET_HEAD "  mtu: 1279\n  addressPools: {ipv4: 10.1.0.0/16}\n", false, 6, 8, "between 1280 and 9000");
	EXPECT_ERR(NET_HEAD "  fwmark: 4294967296\n  addressPools: {ipv4: 10.1.0.0/16}\n", false, 6, 11,
		   "between 0 and 4294967295");
	EXPECT_ERR(NET_HEAD "  fwmark: 99999999999999999999999\n  addressPools: {ipv4: 10.1.0.0/16}\n", false, 6, 11,
		   "between 0 and 4294967295");
	EXPECT_ERR(NET_HEAD "  mtu: [1420]\n  addressPools: {ipv4: 10.1.0.0/16}\n", false, 6, 8,
		   "\"mtu\" must be an integer, got a list");
	EXPECT_ERR(NET_HEAD "  mtu:\n  addressPools: {ipv4: 10.1.0.0/16}\n", false, 6, 7, "\"mtu\" has no value");
	EXPECT_OK(NET_HEAD "  fwmark: 4294967295\n  mtu: 9000\n  listenPort: 65535\n  persistentKeepalive: 0\n"
		  "  addressPools: {ipv4: 10.1.0.0/16}\n", false);
	/* booleans are exactly true/false */
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.10]\n  hubs: [hub]\n  enabled: yes\n", true, 9,
		   12, "\"enabled\" must be true or false, got \"yes\"");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.10]\n  hubs: [hub]\n  enabled: True\n", true, 9,
		   12, "must be true or false");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.10]\n  hubs: [hub]\n  enabled: \"true\"\n", true,
		   9, 12, "must be true or false, got the string \"true\"");
	EXPECT_OK(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.10]\n  hubs: [hub]\n  enabled: true\n", true);
	/* strings: plain or quoted, but not null */
	EXPECT_ERR(PEER_HEAD "  publicKey: ~\n  addresses: [10.10.0.10]\n  hubs: [hub]\n", true, 6, 14,
		   "\"publicKey\" has no value");
	EXPECT_ERR(PEER_HEAD "  publicKey: null\n  addresses: [10.10.0.10]\n  hubs: [hub]\n", true, 6, 14,
		   "\"publicKey\" has no value");
	EXPECT_ERR(PEER_HEAD "  publicKey: {a: b}\n  addresses: [10.10.0.10]\n  hubs: [hub]\n", true, 6, 14,
		   "\"publicKey\" must be a string, got a mapping");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.10]\n  hubs: [\"h\\0b\"]\n", true, 8, 10,
		   "\"hubs\" must not contain NUL characters");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: 10.10.0.10\n  hubs: [hub]\n", true, 7, 14,
		   "\"addresses\" must be a list, got \"10.10.0.10\"");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: []\n  hubs: [hub]\n", true, 7, 14,
		   "\"addresses\" must list at least one address");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.10]\n  hubs: []\n", true, 8, 9,
		   "\"hubs\" must list at least one hub");
}

static void test_unknown_and_missing(void)
{
	EXPECT_ERR(HOST_HEAD "  publicKey: " K2 "\n  addresses: [10.10.0.2/24]\n  listenport: 1\n", true, 8, 3,
		   "unknown field \"listenport\" in Host spec (did you mean \"listenPort\"?)");
	EXPECT_ERR(HOST_HEAD "  publicKey: " K2 "\n  adresses: [10.10.0.2/24]\n", true, 7, 3,
		   "unknown field \"adresses\" in Host spec (did you mean \"addresses\"?)");
	EXPECT_ERR(HOST_HEAD "  publicKey: " K2 "\n  addresses: [10.10.0.2/24]\n  colour: blue\n", true, 8, 3,
		   "unknown field \"colour\" in Host spec");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.10]\n  hubs: [hub]\n  keepalive: 25\n", true, 9,
		   3, "unknown field \"keepalive\" in Peer spec");
	EXPECT_ERR(NET_HEAD "  addressPools: {ipv4: 10.1.0.0/16, IPv6: \"fd00::/64\"}\n", false, 6, 37,
		   "unknown field \"IPv6\" in addressPools (did you mean \"ipv6\"?)");
	EXPECT_ERR(NET_HEAD "  interface: wg1\n", false, 6, 3, "missing required field \"addressPools\" in Network spec");
	EXPECT_ERR(NET_HEAD "  addressPools: {}\n", false, 6, 17, "\"addressPools\" needs \"ipv4\", \"ipv6\" or both");
	EXPECT_ERR(HOST_HEAD "  addresses: [10.10.0.2/24]\n", true, 6, 3, "missing required field \"publicKey\" in Host spec");
	EXPECT_ERR(HOST_HEAD "  publicKey: " K2 "\n", true, 6, 3, "missing required field \"addresses\" in Host spec");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.10]\n", true, 6, 3,
		   "missing required field \"hubs\" in Peer spec");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  hubs: [hub]\n", true, 6, 3,
		   "missing required field \"addresses\" in Peer spec");
	EXPECT_ERR(HOST_HEAD "  publicKey: " K2 "\n  addresses: [10.10.0.2/24]\n  role: Hub\n", true, 8, 9,
		   "\"role\" must be hub, exit, router or member, got \"Hub\" (did you mean \"hub\"?)");
}

static void test_keys(void)
{
	EXPECT_ERR(PEER_HEAD "  publicKey: abc\n  addresses: [10.10.0.10]\n  hubs: [hub]\n", true, 6, 14,
		   "publicKey \"abc\" is not a WireGuard key (44 characters of base64 encoding 32 bytes)");
	/* 44 characters but decodes to 33 bytes / not base64 */
	EXPECT_ERR(PEER_HEAD "  publicKey: cU/Cl9JLoCDtRvy1k9shZgLNUhLsx1P0VrlUUtl6dBQA\n  addresses: [10.10.0.10]\n"
		   "  hubs: [hub]\n", true, 6, 14, "is not a WireGuard key");
	EXPECT_ERR(PEER_HEAD "  publicKey: cU/Cl9JLoCDtRvy1k9shZgLNUhLsx1P0VrlUUtl6dB!=\n  addresses: [10.10.0.10]\n"
		   "  hubs: [hub]\n", true, 6, 14, "is not a WireGuard key");
	/* a peer with the hub's key */
	EXPECT_ERR(PEER_HEAD "  publicKey: " K1 "\n  addresses: [10.10.0.10]\n  hubs: [hub]\n", true, 6, 14,
		   "duplicate publicKey: Peer \"p\" has the same key as Host \"hub\" (hub.yaml:4:30)");
}

static void test_names(void)
{
	static const char *const bad[] = {
		"wg0; drop", "a/b", "../x", "Hub", "1abc", "abc-", "-abc", "a_b", "a.b", "a b", "",
		"a234567890123456789012345678901234567890123456789012345678901234",  /* 64 */
	};
	char text[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		snprintf(text, sizeof(text), "apiVersion: wgf/v1\nkind: Peer\nmetadata:\n  name: \"%s\"\nspec:\n"
			 "  publicKey: " K3 "\n  addresses: [10.10.0.10]\n  hubs: [hub]\n", bad[i]);
		EXPECT_ERR(text, true, 4, 9, "is not valid (1-63 lowercase letters");
	}
	EXPECT_OK("apiVersion: wgf/v1\nkind: Peer\nmetadata:\n"
		  "  name: a23456789012345678901234567890123456789012345678901234567890123\nspec:\n"
		  "  publicKey: " K3 "\n  addresses: [10.10.0.10]\n  hubs: [hub]\n", true);
	EXPECT_OK("apiVersion: wgf/v1\nkind: Peer\nmetadata: {name: x, labels: {app.kubernetes.io_x-1: V.1}}\nspec:\n"
		  "  publicKey: " K3 "\n  addresses: [10.10.0.10]\n  hubs: [hub]\n", true);
	/* interface names */
	EXPECT_ERR(NET_HEAD "  interface: wg0;drop\n  addressPools: {ipv4: 10.1.0.0/16}\n", false, 6, 14,
		   "interface name \"wg0;drop\" is not valid");
	EXPECT_ERR(NET_HEAD "  interface: wg-0123456789abc\n  addressPools: {ipv4: 10.1.0.0/16}\n", false, 6, 14,
		   "interface name \"wg-0123456789abc\" is not valid");
	EXPECT_ERR(NET_HEAD "  interface: ../wg\n  addressPools: {ipv4: 10.1.0.0/16}\n", false, 6, 14,
		   "is not valid");
	EXPECT_ERR(HOST_HEAD "  publicKey: " K2 "\n  addresses: [10.10.0.2/24]\n  interface: 0wg\n", true, 8, 14,
		   "interface name \"0wg\" is not valid");
	EXPECT_OK(NET_HEAD "  interface: Wg_office-12345\n  addressPools: {ipv4: 10.1.0.0/16}\n", false);
}

static void test_prefixes(void)
{
	EXPECT_ERR(NET_HEAD "  addressPools: {ipv4: 10.1.0.1/16}\n", false, 6, 24,
		   "\"addressPools.ipv4\" \"10.1.0.1/16\" has host bits set (did you mean 10.1.0.0/16?)");
	EXPECT_ERR(NET_HEAD "  addressPools: {ipv4: \"fd00::/64\"}\n", false, 6, 24,
		   "\"addressPools.ipv4\" must be an IPv4 prefix, got \"fd00::/64\"");
	EXPECT_ERR(NET_HEAD "  addressPools: {ipv6: 10.0.0.0/8}\n", false, 6, 24, "must be an IPv6 prefix");
	EXPECT_ERR(NET_HEAD "  addressPools: {ipv4: 10.1.0.0}\n", false, 6, 24, "must be an IPv4 prefix");
	EXPECT_ERR(HOST_HEAD "  publicKey: " K2 "\n  addresses: [10.10.0.2]\n", true, 7, 15,
		   "address \"10.10.0.2\" needs its on-link prefix length");
	EXPECT_ERR(HOST_HEAD "  publicKey: " K2 "\n  addresses: [10.10.0.300/24]\n", true, 7, 15,
		   "address \"10.10.0.300/24\" is not an IP address or prefix");
	EXPECT_ERR(HOST_HEAD "  publicKey: " K2 "\n  addresses: [10.99.0.1/24]\n", true, 7, 15,
		   "address \"10.99.0.1/24\" is outside the network's IPv4 pool 10.10.0.0/24");
	EXPECT_ERR(HOST_HEAD "  publicKey: " K2 "\n  addresses: [10.10.0.2/16]\n", true, 7, 15,
		   "address \"10.10.0.2/16\" has a wider on-link prefix than the network's IPv4 pool 10.10.0.0/24");
	EXPECT_ERR(HOST_HEAD "  publicKey: " K2 "\n  addresses: [\"fd00:99::2/64\"]\n", true, 7, 15,
		   "outside the network's IPv6 pool fd00:10::/64");
	EXPECT_OK(HOST_HEAD "  publicKey: " K2 "\n  addresses: [10.10.0.2/25, \"fd00:10::2/128\"]\n", true);
	EXPECT_ERR("apiVersion: wgf/v1\nkind: Network\nmetadata: {name: home}\nspec: {addressPools: {ipv4: 10.10.0.0/24}}\n"
		   "---\n" HOST_HEAD "  publicKey: " K2 "\n  addresses: [\"fd00::2/64\"]\n", false, 12, 15,
		   "address \"fd00::2/64\" is IPv6 but Network \"home\" has no IPv6 pool");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.20/24]\n  hubs: [hub]\n", true, 7, 15,
		   "address \"10.10.0.20/24\" has host bits set (did you mean 10.10.0.0/24?)");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.99.0.20]\n  hubs: [hub]\n", true, 7, 15,
		   "address \"10.99.0.20/32\" is outside the network's IPv4 pool 10.10.0.0/24");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.0/23]\n  hubs: [hub]\n", true, 7, 15,
		   "address \"10.10.0.0/23\" is outside the network's IPv4 pool");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.10]\n  hubs: [hub]\n  lans: [192.168.1.1/24]\n",
		   true, 9, 10, "LAN \"192.168.1.1/24\" has host bits set (did you mean 192.168.1.0/24?)");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.10]\n  hubs: [hub]\n  lans: [10.0.0.0/8]\n",
		   true, 9, 10, "LAN 10.0.0.0/8 overlaps the network's IPv4 pool 10.10.0.0/24");
	EXPECT_ERR(HOST_HEAD "  publicKey: " K2 "\n  addresses: [10.10.0.2/24]\n  lans: [\"fd00:10:0:0:1::/80\"]\n", true, 8,
		   10, "LAN fd00:10:0:0:1::/80 overlaps the network's IPv6 pool fd00:10::/64");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.10]\n  hubs: [hub]\n  lans: [foo]\n", true, 9, 10,
		   "LAN \"foo\" is not an IP address or prefix");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.10]\n  hubs: [hub]\n  endpoint: example.com:1\n",
		   true, 9, 13, "\"endpoint\" must be IP:port or [IPv6]:port, got \"example.com:1\"");
}

static void test_overlaps(void)
{
	/* host addresses are compared as single addresses: two hosts share a /24 fine */
	EXPECT_OK(HOST_HEAD "  publicKey: " K2 "\n  addresses: [10.10.0.2/24]\n", true);
	EXPECT_ERR(HOST_HEAD "  publicKey: " K2 "\n  addresses: [10.10.0.1/24]\n", true, 7, 15,
		   "address 10.10.0.1/32 of Host \"h\" overlaps 10.10.0.1/32 of Host \"hub\" (hub.yaml:4:117)");
	/* a peer's prefix containing a host's address */
	expect_err_in(__LINE__, PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.0/30]\n  hubs: [hub]\n", "hub.yaml",
		      4, 117, "address 10.10.0.1/32 of Host \"hub\" overlaps 10.10.0.0/30 of Peer \"p\" (t.yaml:7:15)");
	/* LANs between objects, and within one object */
	EXPECT_ERR("apiVersion: wgf/v1\nkind: Network\nmetadata: {name: home}\nspec: {addressPools: {ipv4: 10.10.0.0/24}}\n"
		   "---\n" HOST_HEAD "  publicKey: " K2 "\n  addresses: [10.10.0.2/24]\n  lans: [192.168.0.0/16]\n"
		   "---\n" PEER_HEAD "  network: home\n  publicKey: " K3 "\n  addresses: [10.10.0.3]\n  hubs: [h]\n"
		   "  lans: [192.168.7.0/24, 192.168.7.0/24]\n", false, 24, 10,
		   "LAN 192.168.7.0/24 of Peer \"p\" overlaps 192.168.0.0/16 of Host \"h\" (t.yaml:13:10)");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.10, 10.10.0.10/32]\n  hubs: [hub]\n", true, 7, 27,
		   "address 10.10.0.10/32 of Peer \"p\" overlaps 10.10.0.10/32 of Peer \"p\" (t.yaml:7:15)");
}

static void test_references(void)
{
	EXPECT_ERR(PEER_HEAD "  network: work\n  publicKey: " K3 "\n  addresses: [10.10.0.10]\n  hubs: [hub]\n", true, 6,
		   12, "Network \"work\" does not exist");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.10]\n  hubs: [hub, nope]\n", true, 8, 15,
		   "hub \"nope\": Host \"nope\" does not exist");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.10]\n  hubs: [hub, hub]\n", true, 8, 15,
		   "hub \"hub\" is listed twice");
	EXPECT_ERR(HOST_HEAD "  publicKey: " K2 "\n  addresses: [10.10.0.2/24]\n"
		   "---\n" PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.10]\n  hubs: [h]\n", true, 16, 10,
		   "hub \"h\": Host \"h\" has role member, not hub");
	EXPECT_ERR(HOST_HEAD "  role: hub\n  publicKey: " K2 "\n  addresses: [10.10.0.2/24]\n", true, 6, 9,
		   "Host \"h\" is a hub but has no \"endpoint\"");
	/* two networks: objects must name theirs, hubs must be in the peer's */
	EXPECT_ERR(NET_HEAD "  addressPools: {ipv4: 10.20.0.0/24}\n"
		   "---\n" PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.10]\n  hubs: [hub]\n", true, 9, 1,
		   "Peer \"p\" must name its \"network\": there are 2 Networks");
	EXPECT_ERR(NET_HEAD "  addressPools: {ipv4: 10.20.0.0/24}\n"
		   "---\n" HOST_HEAD "  network: home\n  role: hub\n  endpoint: 192.0.2.9:1\n  publicKey: " K2 "\n"
		   "  addresses: [10.10.0.2/24]\n"
		   "---\n" PEER_HEAD "  network: n\n  publicKey: " K3 "\n  addresses: [10.20.0.10]\n  hubs: [h]\n", true,
		   27, 10, "hub \"h\" is in Network \"home\", not in Network \"n\"");
	/* no network at all */
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.10]\n  hubs: [hub]\n", false, 2, 1,
		   "Peer \"p\" belongs to no Network: there is none");
	/* duplicate names, both places */
	EXPECT_ERR("apiVersion: wgf/v1\nkind: Host\nmetadata:\n  name: hub\nspec: {publicKey: " K2
		   ", addresses: [10.10.0.2/24]}\n", true, 4, 9, "duplicate Host name \"hub\" (first defined at hub.yaml:3:18)");
	/* the same name in different kinds is fine */
	EXPECT_OK("apiVersion: wgf/v1\nkind: Peer\nmetadata:\n  name: hub\nspec: {publicKey: " K3
		  ", addresses: [10.10.0.9], hubs: [hub]}\n", true);
}

static void test_expires(void)
{
	static const struct { const char *s; int64_t t; } good[] = {
		{ "1970-01-01", 0 },
		{ "1969-12-31", -86400 },
		{ "2000-02-29", 951782400 },
		{ "2100-03-01", 4107542400 },
		{ "2030-02-28T12:30:00Z", 1898512200 },
		{ "2038-01-19T03:14:08Z", 2147483648 },
	};
	static const char *const bad[] = {
		"tomorrow", "2023-02-29", "2024-02-30", "2100-02-29", "2024-13-01", "2024-00-10", "2024-01-00",
		"2024-1-1", "2024-01-01T24:00:00Z", "2024-01-01T12:60:00Z", "2024-01-01T12:00:60Z",
		"2024-01-01T12:00:00", "2024-01-01 12:00:00Z", "2024-01-01T12:00:00+01:00", "+2024-01-01",
	};
	char text[512];

	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		const char *names[] = { "net.yaml", "hub.yaml", "t.yaml" };
		const char *texts[] = { NET, HUB, text };
		struct model *m = NULL;
		struct diag d;

		snprintf(text, sizeof(text), PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.10]\n  hubs: [hub]\n"
			 "  expires: %s\n", good[i].s);
		diag_init(&d);
		CHECK_INT(load_files(3, names, texts, &m, &d), 0);
		if (m && m->n_peers == 1) {
			CHECK(m->peers[0].has_expires);
			CHECK_INT(m->peers[0].expires, good[i].t);
		}
		dump(&d);
		model_free(m);
		diag_free(&d);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		snprintf(text, sizeof(text), PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.10]\n  hubs: [hub]\n"
			 "  expires: \"%s\"\n", bad[i]);
		EXPECT_ERR(text, true, 9, 12, "\"expires\" must be YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ");
	}
}

/* Objects that failed to parse do not drag their dependents down with them. */
static void test_no_cascades(void)
{
	const char *names[] = { "net.yaml", "hubs.yaml", "peer.yaml" };
	const char *texts[3];
	struct model *m = NULL;
	struct diag d;

	texts[0] = NET;
	texts[2] = PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.10]\n  hubs: [hub, hub2]\n";

	/* a syntax error: we cannot know what the file defined */
	texts[1] = "apiVersion: wgf/v1\nkind: Host\nmetadata: {name: hub\n";
	diag_init(&d);
	CHECK_INT(load_files(3, names, texts, &m, &d), -EINVAL);
	CHECK_INT(d.n, 1);
	CHECK(has_error(&d, "hubs.yaml", 0, 0, "YAML syntax error"));
	if (d.n != 1)
		dump(&d);
	diag_free(&d);

	/* a misspelt kind: the same */
	texts[1] = "apiVersion: wgf/v1\nkind: host\nmetadata: {name: hub2}\n---\n" "apiVersion: wgf/v1\n"
		   "kind: Host\nmetadata: {name: hub}\nspec: {role: hub, publicKey: " K1 ", endpoint: \"192.0.2.1:1\", "
		   "addresses: [10.10.0.1/24]}\n";
	diag_init(&d);
	CHECK_INT(load_files(3, names, texts, &m, &d), -EINVAL);
	CHECK_INT(d.n, 1);
	CHECK(has_error(&d, "hubs.yaml", 2, 7, "unknown kind \"host\" (did you mean \"Host\"?)"));
	if (d.n != 1)
		dump(&d);
	diag_free(&d);

	/* a hub with a broken endpoint is not also "a hub without endpoint", nor "not a hub" */
	texts[1] = "apiVersion: wgf/v1\nkind: Host\nmetadata: {name: hub}\nspec: {role: hub, publicKey: " K1
		   ", endpoint: \"192.0.2.1\", addresses: [10.10.0.1/24]}\n---\napiVersion: wgf/v1\nkind: Host\n"
		   "metadata: {name: hub2}\nspec: {role: hubb, publicKey: " K2 ", addresses: [10.10.0.2/24]}\n";
	diag_init(&d);
	CHECK_INT(load_files(3, names, texts, &m, &d), -EINVAL);
	CHECK_INT(d.n, 2);
	CHECK(has_error(&d, "hubs.yaml", 4, 86, "\"endpoint\" must be IP:port or [IPv6]:port, got \"192.0.2.1\""));
	CHECK(has_error(&d, "hubs.yaml", 9, 14, "\"role\" must be hub, exit, router or member, got \"hubb\" (did you mean \"hub\"?)"));
	if (d.n != 2)
		dump(&d);
	diag_free(&d);
	CHECK(m == NULL);
}

static void test_many_errors_one_run(void)
{
	struct model *m = (struct model *)1;
	struct diag d;
	int r = load_case(PEER_HEAD "  publicKey: abc\n  addresses: [10.99.0.1, 10.10.0.0/8]\n  hubs: [nope]\n"
			  "  enabled: yes\n  bogus: 1\n"
			  "---\n" HOST_HEAD "  role: hub\n  publicKey: " K2 "\n  addresses: [10.10.0.7]\n",
			  true, &m, &d);

	CHECK_INT(r, -EINVAL);
	CHECK(has_error(&d, "t.yaml", 6, 14, "publicKey \"abc\" is not a WireGuard key"));
	CHECK(has_error(&d, "t.yaml", 7, 15, "address \"10.99.0.1/32\" is outside"));
	CHECK(has_error(&d, "t.yaml", 7, 26, "address \"10.10.0.0/8\" has host bits set"));
	CHECK(has_error(&d, "t.yaml", 8, 10, "Host \"nope\" does not exist"));
	CHECK(has_error(&d, "t.yaml", 9, 12, "\"enabled\" must be true or false"));
	CHECK(has_error(&d, "t.yaml", 10, 3, "unknown field \"bogus\" in Peer spec"));
	CHECK(has_error(&d, "t.yaml", 19, 15, "needs its on-link prefix length"));
	CHECK_INT(d.n, 7);
	if (d.n != 7)
		dump(&d);
	model_free(m);
	diag_free(&d);
}

static char *append(char *buf, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(buf + *len, *cap - *len, fmt, ap);
		va_end(ap);
		if ((size_t)n < *cap - *len)
			break;
		*cap *= 2;
		buf = realloc(buf, *cap);
		if (!buf)
			abort();
	}
	*len += (size_t)n;
	return buf;
}

/* 10,000 peers in one file (plus one more that overlaps, in a second run). */
static char *many_peers(size_t n, bool clash, size_t *len)
{
	size_t cap = 1 << 20;
	char *buf = malloc(cap), b64[WG_KEY_B64_LEN];
	uint8_t key[WG_KEY_LEN] = { 0 };

	if (!buf)
		abort();
	*len = 0;
	buf[0] = '\0';
	buf = append(buf, len, &cap, "apiVersion: wgf/v1\nkind: Network\nmetadata: {name: big}\n"
		     "spec: {addressPools: {ipv4: 10.0.0.0/16, ipv6: \"fd00::/48\"}}\n---\n"
		     "apiVersion: wgf/v1\nkind: Host\nmetadata: {name: hub}\n"
		     "spec: {role: hub, publicKey: " K1 ", endpoint: \"192.0.2.1:51820\", addresses: [10.0.0.1/16]}\n");
	for (size_t i = 0; i < n; i++) {
		size_t a = i + 2;
		key[0] = (uint8_t)i;
		key[1] = (uint8_t)(i >> 8);
		key[2] = 1;
		key_to_base64(key, b64);
		if (clash && i == n - 1)
			a = 2;
		buf = append(buf, len, &cap,
			     "---\napiVersion: wgf/v1\nkind: Peer\nmetadata:\n  name: peer-%zu\n  labels: {n: \"%zu\"}\n"
			     "spec:\n  publicKey: %s\n  addresses: [10.0.%zu.%zu, \"fd00::%zx\"]\n  hubs: [hub]\n"
			     "  persistentKeepalive: 25\n",
			     i, i, b64, a / 256, a % 256, a);
	}
	return buf;
}

static void test_ten_thousand_peers(void)
{
	const char *name = "peers.yaml";
	struct model *m = NULL;
	struct diag d;
	size_t len;
	char *buf = many_peers(10000, false, &len);
	int r;

	diag_init(&d);
	r = model_load_buffers(&name, (const char *const *)&buf, &len, 1, &m, &d);
	CHECK_INT(r, 0);
	dump(&d);
	if (m) {
		CHECK_INT(m->n_peers, 10000);
		CHECK_STR(m->peers[9999].meta.name, "peer-9999");
		CHECK_INT(m->peers[9999].n_hubs, 1);
	}
	model_free(m);
	diag_free(&d);
	free(buf);

	buf = many_peers(10000, true, &len);
	diag_init(&d);
	r = model_load_buffers(&name, (const char *const *)&buf, &len, 1, &m, &d);
	CHECK_INT(r, -EINVAL);
	CHECK_INT(d.n, 2);
	CHECK(has_error(&d, "peers.yaml", 0, 0,
			"address 10.0.0.2/32 of Peer \"peer-9999\" overlaps 10.0.0.2/32 of Peer \"peer-0\""));
	CHECK(has_error(&d, "peers.yaml", 0, 0, "address fd00::2/128 of Peer \"peer-9999\" overlaps"));
	model_free(m);
	diag_free(&d);
	free(buf);
}

/* --- git ----------------------------------------------------------------- */

static int run(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

static void rev_parse(const char *dir, const char *ref, char out[41])
{
	char cmd[1024];
	FILE *p;

	out[0] = '\0';
	snprintf(cmd, sizeof(cmd), "git -C %s rev-parse %s", dir, ref);
	p = popen(cmd, "r");
	if (!p)
		return;
	if (!fgets(out, 41, p))
		out[0] = '\0';
	pclose(p);
}

/* Values that parse but can be no peer's, no route, no interface (part 3 of "Hostile repositories"). */
static void test_hostile_values(void)
{
	/* keys: all zeros, small order, not canonical; the top-bit twin is a duplicate */
	EXPECT_ERR(PEER_HEAD "  publicKey: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n  addresses: [10.10.0.5]\n"
		   "  hubs: [hub]\n", true, 6, 14, "is all zeros: a placeholder, not the key of any device");
	EXPECT_ERR(PEER_HEAD "  publicKey: X5yVvKNQjCSx0LFVnIPvWwREXMRYHI6G2CJO3dCfEVc=\n  addresses: [10.10.0.5]\n"
		   "  hubs: [hub]\n", true, 6, 14, "is a point of small order on Curve25519");
	EXPECT_ERR(PEER_HEAD "  publicKey: 7f///////////////////////////////////////38=\n  addresses: [10.10.0.5]\n"
		   "  hubs: [hub]\n", true, 6, 14, "is a point of small order on Curve25519");
	EXPECT_ERR(PEER_HEAD "  publicKey: sksLCBBV7Hgb0mtPRxXIhnBqwQduj8nc7nO1mnyKLcw=\n  addresses: [10.10.0.5]\n"
		   "  hubs: [hub]\n", true, 6, 14, "is not canonical (the top bit of its last byte is set): the same key "
		   "is written sksLCBBV7Hgb0mtPRxXIhnBqwQduj8nc7nO1mnyKLUw=");
	EXPECT_ERR(PEER_HEAD "  publicKey: 7////////////////////////////////////////38=\n  addresses: [10.10.0.5]\n"
		   "  hubs: [hub]\n", true, 6, 14, "is not canonical (it is not below 2^255-19)");
	EXPECT_ERR(PEER_HEAD "  publicKey: sksLCBBV7Hgb0mtPRxXIhnBqwQduj8nc7nO1mnyKLUw=\n  addresses: [10.10.0.5]\n"
		   "  hubs: [hub]\n---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: q}\nspec:\n"
		   "  publicKey: sksLCBBV7Hgb0mtPRxXIhnBqwQduj8nc7nO1mnyKLcw=\n  addresses: [10.10.0.6]\n  hubs: [hub]\n",
		   true, 14, 14, "duplicate publicKey: Peer \"q\" has the same key as Peer \"p\" (t.yaml:6:14)");
	/* endpoints */
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5]\n  hubs: [hub]\n  endpoint: 0.0.0.0:1\n", true, 9,
		   13, "\"endpoint\" \"0.0.0.0:1\": 0.0.0.0 is a special-purpose address (unspecified, 0.0.0.0/32)");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5]\n  hubs: [hub]\n  endpoint: \"[::]:1\"\n", true,
		   9, 13, "\"endpoint\" \"[::]:1\": :: is a special-purpose address (unspecified, ::/128)");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5]\n  hubs: [hub]\n  endpoint: 255.255.255.255:1\n",
		   true, 9, 13, "(broadcast, 255.255.255.255/32): it is never routed");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5]\n  hubs: [hub]\n  endpoint: 239.1.1.1:1\n",
		   true, 9, 13, "(multicast, 224.0.0.0/4): WireGuard carries unicast only");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5]\n  hubs: [hub]\n  endpoint: 127.0.0.2:1\n",
		   true, 9, 13, "(loopback, 127.0.0.0/8)");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5]\n  hubs: [hub]\n  endpoint: 10.10.0.9:1\n",
		   true, 9, 13, "\"endpoint\" 10.10.0.9:1 is inside the network's IPv4 pool 10.10.0.0/24: the tunnel cannot "
		   "carry its own packets");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5]\n  hubs: [hub]\n  endpoint: 10.10.0.5:1\n",
		   true, 9, 13, "\"endpoint\" 10.10.0.5:1 is Peer \"p\"'s own tunnel address (10.10.0.5/32)");
	/* a LAN holding an endpoint: a routing loop */
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5]\n  hubs: [hub]\n  lans: [192.0.2.0/24]\n",
		   true, 9, 10, "LAN 192.0.2.0/24 of Peer \"p\" holds the endpoint 192.0.2.1:51820 of Host \"hub\" "
		   "(hub.yaml:4:86): the tunnel's packets to it would be routed into the tunnel");
	EXPECT_OK(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5]\n  hubs: [hub]\n  lans: [192.0.3.0/24]\n", true);
	/* LANs and pools in special-purpose ranges, or everything */
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5]\n  hubs: [hub]\n  lans: [127.0.0.0/8]\n",
		   true, 9, 10, "LAN \"127.0.0.0/8\" overlaps a special-purpose range (loopback, 127.0.0.0/8)");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5]\n  hubs: [hub]\n  lans: [\"fe80::/64\"]\n",
		   true, 9, 10, "(link-local, fe80::/10)");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5]\n  hubs: [hub]\n  lans: [\"::ffff:10.10.0.0/120\"]\n",
		   true, 9, 10, "(IPv4-mapped IPv6, ::ffff:0.0.0.0/96): Linux never routes it as IPv6: write the IPv4 form");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5]\n  hubs: [hub]\n  lans: [0.0.0.0/0]\n",
		   true, 9, 10, "LAN \"0.0.0.0/0\" is every IPv4 address: a LAN is a network behind one host");
	EXPECT_ERR(NET_HEAD "  addressPools: {ipv4: 0.0.0.0/0}\n", false, 6, 24,
		   "\"addressPools.ipv4\" \"0.0.0.0/0\" is every IPv4 address: a pool must leave the internet");
	EXPECT_ERR(NET_HEAD "  addressPools: {ipv6: \"::/0\"}\n", false, 6, 24, "is every IPv6 address");
	EXPECT_ERR(NET_HEAD "  addressPools: {ipv4: 224.1.0.0/16}\n", false, 6, 24,
		   "\"addressPools.ipv4\" \"224.1.0.0/16\" overlaps a special-purpose range (multicast, 224.0.0.0/4)");
	EXPECT_ERR(NET_HEAD "  addressPools: {ipv6: \"::ffff:10.1.0.0/120\"}\n", false, 6, 24, "(IPv4-mapped IPv6");
	/* network, broadcast and subnet-router anycast addresses */
	EXPECT_ERR(HOST_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.0/24]\n", true, 7, 15,
		   "address \"10.10.0.0/24\" is the network address of 10.10.0.0/24: a host needs an address inside it");
	EXPECT_ERR(HOST_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.127/25]\n", true, 7, 15,
		   "address \"10.10.0.127/25\" is the broadcast address of 10.10.0.0/25");
	EXPECT_ERR(HOST_HEAD "  publicKey: " K3 "\n  addresses: [\"fd00:10::/64\"]\n", true, 7, 15,
		   "is the subnet-router anycast address (all-zero host part) of fd00:10::/64");
	EXPECT_OK(HOST_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.4/31, \"fd00:10::/127\"]\n", true);
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.0]\n  hubs: [hub]\n", true, 7, 15,
		   "address \"10.10.0.0/32\" is the network address of the network's IPv4 pool 10.10.0.0/24: no peer can use it");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.255]\n  hubs: [hub]\n", true, 7, 15,
		   "is the broadcast address of the network's IPv4 pool 10.10.0.0/24");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [\"fd00:10::\"]\n  hubs: [hub]\n", true, 7, 15,
		   "is the subnet-router anycast address of the network's IPv6 pool fd00:10::/64");
	/* interface names of the kernel's own */
	EXPECT_ERR(NET_HEAD "  interface: all\n  addressPools: {ipv4: 10.0.0.0/24}\n", false, 6, 14,
		   "interface name \"all\" is reserved: net.ipv4.conf.all");
	EXPECT_ERR(NET_HEAD "  interface: default\n  addressPools: {ipv4: 10.0.0.0/24}\n", false, 6, 14, "is reserved");
	EXPECT_ERR(HOST_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5/24]\n  interface: lo\n", true, 8, 14,
		   "interface name \"lo\" is reserved: it is the loopback interface every host has");
	/* labels are strings */
	EXPECT_ERR("apiVersion: wgf/v1\nkind: Network\nmetadata: {name: n, labels: {v: 1.5}}\n"
		   "spec: {addressPools: {ipv4: 10.0.0.0/24}}\n", false, 3, 33,
		   "label \"v\" has the value 1.5, which YAML reads as a number, not a string: quote it (\"1.5\")");
	EXPECT_ERR("apiVersion: wgf/v1\nkind: Network\nmetadata: {name: n, labels: {v: On}}\n"
		   "spec: {addressPools: {ipv4: 10.0.0.0/24}}\n", false, 3, 33, "which YAML reads as a boolean");
	EXPECT_ERR("apiVersion: wgf/v1\nkind: Network\nmetadata: {name: n, labels: {v: 0o17}}\n"
		   "spec: {addressPools: {ipv4: 10.0.0.0/24}}\n", false, 3, 33, "which YAML reads as an integer");
	EXPECT_ERR("apiVersion: wgf/v1\nkind: Network\nmetadata: {name: n, labels: {v: 2024-1-31}}\n"
		   "spec: {addressPools: {ipv4: 10.0.0.0/24}}\n", false, 3, 33, "which YAML reads as a date");
	EXPECT_ERR("apiVersion: wgf/v1\nkind: Network\nmetadata: {name: n, labels: {10: x}}\n"
		   "spec: {addressPools: {ipv4: 10.0.0.0/24}}\n", false, 3, 30,
		   "label key \"10\" is read by YAML as an integer, not a string: quote it (\"10\")");
	EXPECT_OK("apiVersion: wgf/v1\nkind: Network\nmetadata: {name: n, labels: {v: \"1.5\", w: '10', x: v1.5, "
		  "y: 1.2.3, z: y, n: n, \"on\": a1, t: 1e, u: 2024-01-01x}}\nspec: {addressPools: {ipv4: 10.0.0.0/24}}\n",
		  false);
	/* hubs naming something that is not a Host */
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5]\n  hubs: [home]\n", true, 8, 10,
		   "hub \"home\" is a Network, not a Host: \"hubs\" lists Hosts with role hub or exit");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5]\n  hubs: [hub, q]\n---\n"
		   "apiVersion: wgf/v1\nkind: Peer\nmetadata: {name: q}\nspec: {publicKey: " K4 ", addresses: [10.10.0.6], "
		   "hubs: [hub]}\n", true, 8, 15, "hub \"q\" is a Peer, not a Host");
}

/* Unknown fields: aliases of habit first, then a close spelling, else nothing. */
/* A Host's own DNS: servers, search and routing-only domains, defaultRoute;
 * routing and defaultRoute are host settings only. */
static void test_host_dns(void)
{
	struct model *m = NULL;
	struct diag d;
	const struct model_host *h;

	CHECK_INT(load_case(HOST_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5/24]\n  dns:\n    servers: [10.10.0.1, "
			    "\"fd00::53\"]\n    search: [Lab.Test.]\n    routing: [corp.test, b.corp.test]\n"
			    "    defaultRoute: false\n", true, &m, &d), 0);
	CHECK(m && (h = model_find_host(m, "h")));
	if (m && h) {
		CHECK(h->dns.set && h->dns.n_servers == 2 && h->dns.n_search == 1 && h->dns.n_routing == 2);
		CHECK_STR(h->dns.search[0], "lab.test");
		CHECK_STR(h->dns.routing[1], "b.corp.test");
		CHECK(h->dns.default_route == DNS_DEFAULT_ROUTE_NO);
		CHECK(h->dns.loc.line == 9 && h->dns.loc.col == 5);
	}
	model_free(m);
	diag_free(&d);
	/* hosts inherit nothing: the Network's dns is not the hub's */
	m = NULL;
	CHECK_INT(load_case(HOST_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5/24]\n", true, &m, &d), 0);
	CHECK(m && (h = model_find_host(m, "h")) && !h->dns.set && h->dns.default_route == DNS_DEFAULT_ROUTE_AUTO);
	model_free(m);
	diag_free(&d);
	EXPECT_OK(HOST_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5/24]\n  dns: {servers: [10.0.0.1], "
		  "routing: [corp.test]}\n", true);
	EXPECT_ERR(HOST_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5/24]\n  dns: {search: [a.test], "
		   "routing: [corp.test]}\n", true, 8, 36, "routing domains need \"servers\" to send their names to");
	EXPECT_ERR(HOST_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5/24]\n  dns: {servers: [10.0.0.1], "
		   "search: [a.test], routing: [A.test]}\n", true, 8, 57, "domain \"a.test\" is both a search and a "
		   "routing domain");
	EXPECT_ERR(HOST_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5/24]\n  dns: {servers: [10.0.0.1], "
		   "routing: [a.test, a.test.]}\n", true, 8, 48, "routing domain \"a.test.\" is listed twice");
	EXPECT_ERR(HOST_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5/24]\n  dns: {servers: [10.0.0.1], "
		   "defaultRoute: 1}\n", true, 8, 44, "\"dns.defaultRoute\" must be true or false");
	EXPECT_ERR(HOST_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5/24]\n  dns: {defaultRoute: true}\n", true, 8,
		   8, "\"dns\" needs \"servers\", \"search\" or \"routing\"");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5]\n  hubs: [hub]\n  dns: {servers: [10.0.0.1], "
		   "routing: [corp.test]}\n", true, 9, 39, "\"routing\" is a Host setting");
	EXPECT_ERR(NET_HEAD "  addressPools: {ipv4: 10.0.0.0/24}\n  dns: {servers: [10.0.0.1], defaultRoute: true}\n",
		   false, 7, 44, "\"defaultRoute\" is a Host setting");
}

static void test_suggestions(void)
{
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5]\n  hubs: [hub]\n  AllowedIPs: [10.10.0.5/32]\n",
		   true, 9, 3, "unknown field \"AllowedIPs\" in Peer spec (wgf derives allowed IPs: did you mean "
		   "\"addresses\"? (networks behind it go in \"lans\"))");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5]\n  hubs: [hub]\n  keepalive: 25\n", true, 9,
		   3, "unknown field \"keepalive\" in Peer spec (did you mean \"persistentKeepalive\"?)");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5]\n  hubs: [hub]\n  disabled: true\n", true, 9,
		   3, "unknown field \"disabled\" in Peer spec (did you mean \"enabled: false\"?)");
	EXPECT_ERR(PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5]\n  hubs: [hub]\n  dns: [1.1.1.1]\n", true, 9,
		   8, "\"dns\" must be a mapping, got a list");
	EXPECT_ERR(NET_HEAD "  DNS: x\n  addressPools: {ipv4: 10.0.0.0/24}\n", false, 6, 3,
		   "unknown field \"DNS\" in Network spec (did you mean \"dns\"?)");
	EXPECT_ERR(HOST_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5/24]\n  dns: {server: [10.0.0.1]}\n", true, 8,
		   9, "unknown field \"server\" in dns (did you mean \"servers\"?)");
	EXPECT_ERR(HOST_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5/24]\n  privateKey: x\n", true, 8, 3,
		   "(private keys never go in the repository");
	EXPECT_ERR(HOST_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5/24]\n  port: 51820\n", true, 8, 3,
		   "unknown field \"port\" in Host spec (did you mean \"listenPort\"?)");
	/* keepalive points at a field a Host does not have: no alias there */
	EXPECT_ERR(HOST_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5/24]\n  keepalive: 25\n", true, 8, 3,
		   "unknown field \"keepalive\" in Host spec");
	EXPECT_ERR(HOST_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5/24]\n  lan: []\n", true, 8, 3,
		   "(did you mean \"lans\"?)");
	EXPECT_ERR(HOST_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5/24]\n  adresses: []\n", true, 8, 3,
		   "(did you mean \"addresses\"?)");
	/* too far for its length: no suggestion at all */
	{
		struct model *m = NULL;
		struct diag d;

		load_case(HOST_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.5/24]\n  keepalive: 25\n  xyz: 1\n", true, &m,
			  &d);
		for (size_t i = 0; i < d.n; i++)
			CHECK(!strstr(d.entries[i].msg, "did you mean"));
		model_free(m);
		diag_free(&d);
	}
}

/* One wrong pool is one error: its consequences are not reported. */
static void test_root_cause_once(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct model *m = NULL;
	struct diag d;
	char b64[WG_KEY_B64_LEN];
	uint8_t key[WG_KEY_LEN] = { 0 };
	const char *name = "t.yaml";

	fprintf(f, "apiVersion: wgf/v1\nkind: Network\nmetadata: {name: n}\nspec:\n  addressPools: {ipv4: 10.99.0.0/24}\n"
		"---\napiVersion: wgf/v1\nkind: Tenant\nmetadata: {name: t}\nspec:\n  addressPools: {ipv4: 10.99.0.128/26}\n");
	for (int i = 1; i <= 50; i++) {
		key[0] = (uint8_t)i;
		key[2] = 1;
		fprintf(f, "---\napiVersion: wgf/v1\nkind: Peer\nmetadata: {name: p%d}\nspec: {tenant: t, publicKey: %s, "
			"addresses: [10.99.0.%d], hubs: [hub]}\n", i, key_to_base64(key, b64), 10 + i);
	}
	fprintf(f, "---\napiVersion: wgf/v1\nkind: Host\nmetadata: {name: hub}\nspec: {role: hub, publicKey: " K1
		", endpoint: \"192.0.2.1:1\", addresses: [10.99.0.1/24]}\n");
	fclose(f);
	/* the tenant pool holds none of its members' addresses */
	diag_init(&d);
	CHECK_INT(model_load_buffers(&name, (const char *const *)&text, &len, 1, &m, &d), -EINVAL);
	CHECK_INT(d.n_errors, 1);
	CHECK(has_error(&d, "t.yaml", 11, 24, "tenant pool 10.99.0.128/26 does not hold 50 of the 50 IPv4 addresses of "
			"Tenant \"t\"'s members (e.g. 10.99.0.11/32 of Peer \"p1\", t.yaml:16:88): fix the pool first"));
	if (d.n_errors != 1)
		dump(&d);
	diag_free(&d);
	/* the network pool holds one address of 51 */
	memcpy(strstr(text, "10.99.0.0/24"), "10.98.0.0/24", 12);
	memcpy(strstr(text, "10.99.0.128/26"), "10.98.0.128/26", 14);
	diag_init(&d);
	CHECK_INT(model_load_buffers(&name, (const char *const *)&text, &len, 1, &m, &d), -EINVAL);
	CHECK_INT(d.n_errors, 1);
	CHECK(has_error(&d, "t.yaml", 5, 24, "\"addressPools.ipv4\" 10.98.0.0/24 does not hold 51 of the 51 IPv4 addresses "
			"of Network \"n\"'s hosts and peers"));
	if (d.n_errors != 1)
		dump(&d);
	diag_free(&d);
	free(text);
}

static void test_git(void)
{
	char tmpl[] = "/tmp/wgf-test-git-XXXXXX";
	char *dir = mkdtemp(tmpl), head[41], prev[41], source[128];
	struct model *m = NULL;
	struct diag d;
	int r;

	CHECK(dir != NULL);
	if (!dir)
		return;
	CHECK(run("git -C %s init -q -b main && git -C %s config user.email t@example.invalid && "
		  "git -C %s config user.name test && mkdir -p %s/hosts %s/peers %s/.github",
		  dir, dir, dir, dir, dir, dir) == 0);
	write_file(dir, "network.yaml", NET);
	write_file(dir, "hosts/hub.yaml", HUB);
	write_file(dir, ".github/ci.yaml", "not: [yaml\n");
	write_file(dir, "README.md", "hello\n");
	CHECK(run("ln -s network.yaml %s/link.md && git -C %s add -A && git -C %s commit -qm one", dir, dir, dir) == 0);
	write_file(dir, "peers/alice.yaml", PEER_HEAD "  publicKey: " K3 "\n  addresses: [10.10.0.10]\n  hubs: [hub]\n");
	CHECK(run("git -C %s add -A && git -C %s commit -qm two", dir, dir) == 0);
	/* a branch with a broken file; the work tree is left on it, which must not matter */
	CHECK(run("git -C %s checkout -qb broken", dir) == 0);
	write_file(dir, "peers/bob.yaml", PEER_HEAD "  publicKey: " K4 "\n  addresses: [10.10.0.10]\n  hubs: [hub]\n");
	CHECK(run("git -C %s add -A && git -C %s commit -qm three", dir, dir) == 0);
	rev_parse(dir, "main", head);
	rev_parse(dir, "main~1", prev);
	CHECK_INT(strlen(head), 40);

	diag_init(&d);
	r = model_load_git(dir, "main", &m, &d);
	CHECK_INT(r, 0);
	dump(&d);
	if (m) {
		snprintf(source, sizeof(source), "commit %.12s (main)", head);
		CHECK_STR(m->source, source);
		CHECK_STR(m->commit, head);
		CHECK_INT(m->n_peers, 1);
		CHECK_INT(m->n_hosts, 1);
		CHECK_INT(m->n_files, 3);   /* hosts/hub.yaml, network.yaml, peers/alice.yaml */
		if (m->n_files == 3) {
			CHECK_STR(m->files[0], "hosts/hub.yaml");
			CHECK_STR(m->files[2], "peers/alice.yaml");
		}
		if (m->n_peers == 1)
			CHECK_STR(m->peers[0].meta.loc.file, "peers/alice.yaml");
	}
	model_free(m);
	m = NULL;
	diag_free(&d);

	diag_init(&d);
	r = model_load_git(dir, "main~1", &m, &d);
	CHECK_INT(r, 0);
	if (m) {
		snprintf(source, sizeof(source), "commit %.12s (main~1)", prev);
		CHECK_STR(m->source, source);
		CHECK_STR(m->commit, prev);
		CHECK_INT(m->n_peers, 0);
	}
	model_free(m);
	m = NULL;
	diag_free(&d);

	diag_init(&d);
	r = model_load_git(dir, "HEAD~1", &m, &d);
	CHECK_INT(r, 0);
	if (m) {
		CHECK_STR(m->commit, head);
		CHECK_INT(m->n_peers, 1);
	}
	model_free(m);
	m = NULL;
	diag_free(&d);

	diag_init(&d);
	r = model_load_git(dir, "broken", &m, &d);
	CHECK_INT(r, -EINVAL);
	CHECK(m == NULL);
	CHECK(has_error(&d, "peers/bob.yaml", 7, 15,
			"address 10.10.0.10/32 of Peer \"p\" overlaps 10.10.0.10/32 of Peer \"p\" (peers/alice.yaml:7:15)"));
	CHECK(has_error(&d, "peers/bob.yaml", 4, 9, "duplicate Peer name \"p\" (first defined at peers/alice.yaml:4:9)"));
	model_free(m);
	m = NULL;
	diag_free(&d);

	/* the same rule as directories: a link named like YAML is an error, others a warning */
	CHECK(run("git -C %s checkout -q main && ln -s network.yaml %s/link.yaml && git -C %s add -A && "
		  "git -C %s commit -qm link", dir, dir, dir, dir) == 0);
	diag_init(&d);
	r = model_load_git(dir, "main", &m, &d);
	CHECK_INT(r, -EINVAL);
	CHECK(m == NULL);
	CHECK(has_error(&d, "link.yaml", 0, 0, "is a symbolic link: wgf never follows links"));
	CHECK(has_warning(&d, "link.md", 0, 0, "symbolic link not followed"));
	diag_free(&d);

	diag_init(&d);
	r = model_load_git(dir, "nope", &m, &d);
	CHECK(r < 0 && m == NULL);
	snprintf(source, sizeof(source), "cannot resolve ref \"nope\" in %s: ", dir);
	CHECK(has_error(&d, NULL, 0, 0, source));
	diag_free(&d);

	diag_init(&d);
	r = model_load_git("/nonexistent/wgf-repo", "main", &m, &d);
	CHECK(r < 0 && m == NULL);
	CHECK(has_error(&d, NULL, 0, 0, "cannot open git repository /nonexistent/wgf-repo"));
	diag_free(&d);

	CHECK(run("rm -rf %s", dir) == 0);
}

int main(void)
{
	if (key_init() < 0)
		return 1;
	RUN(test_valid_directory);
	RUN(test_directory_errors);
	RUN(test_directory_sources);
	RUN(test_yaml_structure);
	RUN(test_limits);
	RUN(test_document_fields);
	RUN(test_types);
	RUN(test_unknown_and_missing);
	RUN(test_keys);
	RUN(test_names);
	RUN(test_prefixes);
	RUN(test_overlaps);
	RUN(test_references);
	RUN(test_expires);
	RUN(test_no_cascades);
	RUN(test_many_errors_one_run);
	RUN(test_ten_thousand_peers);
	RUN(test_hostile_values);
	RUN(test_host_dns);
	RUN(test_suggestions);
	RUN(test_root_cause_once);
	RUN(test_git);
	UNIT_DONE();
}
