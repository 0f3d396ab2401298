/* wgf secret psk|reseal: preshared keys sealed in the repository. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/peer.h"
#include "cmd/wgf.h"
#include "model/seal.h"
#include "model/yaml_edit.h"
#include "reconcile/host/fileio.h"

static const char help[] =
	"Usage: wgf secret psk PEER [--hub HUB] [PATH]\n"
	"       wgf secret reseal [PEER] [PATH] [--identity FILE]\n\n"
	"psk     generates a new preshared key for PEER and its hub (every hub when --hub\n"
	"        is not given), seals it to that hub and to every Operator of the network,\n"
	"        and writes it into the Peer's file. Nobody else, CI included, can read it.\n"
	"        A new key replaces the old one: the hub applies it on its next apply, and\n"
	"        the device needs its new config (`wgf peer config PEER`).\n"
	"reseal  seals every preshared key you can open (of PEER, or of every Peer) again\n"
	"        to the recipients that need it now (a new Operator, a hub's new\n"
	"        sealingKey), without changing the key itself.\n\n"
	"  --hub HUB         psk: only the key with this hub\n"
	"  --identity FILE   reseal: your Operator identity (default $WGF_IDENTITY, else\n"
	"                    ~/.config/wgf/identity)\n"
	"  -h, --help        this help\n\n"
	"Writes files of the directory PATH (default .); the repository is checked after\n"
	"the writes and put back when they made it invalid.\n"
	"Exit: 0 done, 1 error.\n";

enum { OPT_HUB = 0x300, OPT_IDENTITY };

/* The files a command edits: each read once and edited in memory, then written
 * together and the repository checked once (and put back when that fails). */
struct file_edit {
	char *path, *orig, *text;      /* text: NULL until edited */
	size_t orig_len;
};

struct file_edits {
	struct file_edit *v;
	size_t n;
};

static void edits_free(struct file_edits *fe)
{
	for (size_t i = 0; i < fe->n; i++) {
		free(fe->v[i].path);
		free(fe->v[i].orig);
		free(fe->v[i].text);
	}
	free(fe->v);
	*fe = (struct file_edits){ 0 };
}

/* The edit of path, its file read when first asked for; NULL after saying why. */
static struct file_edit *edits_file(struct file_edits *fe, const char *path)
{
	struct file_edit *v, *f;
	int r;

	for (size_t i = 0; i < fe->n; i++)
		if (!strcmp(fe->v[i].path, path))
			return &fe->v[i];
	v = realloc(fe->v, (fe->n + 1) * sizeof(*v));
	if (!v)
		return NULL;
	fe->v = v;
	f = &v[fe->n];
	*f = (struct file_edit){ .path = strdup(path) };
	if (!f->path)
		return NULL;
	r = fileio_read(path, &f->orig, &f->orig_len);
	if (r < 0) {
		cmd_error("reading %s: %s", path, strerror(-r));
		free(f->path);
		return NULL;
	}
	fe->n++;
	return f;
}

/* Writes every edited file; checks the repository; puts every file back when
 * a write fails or the result does not validate. -1 after saying why. */
static int edits_commit(const struct cmd_ctx *c, struct file_edits *fe, const char *what)
{
	size_t written = 0;
	int r = 0;

	for (; written < fe->n && r == 0; written++)
		if (fe->v[written].text)
			r = peer_write_repo_file(fe->v[written].path, fe->v[written].text, strlen(fe->v[written].text));
	if (r == 0 && peer_revalidate(c, what, NULL) == 0)
		return 0;
	for (size_t i = 0; i < written; i++)
		if (fe->v[i].text)
			peer_write_repo_file(fe->v[i].path, fe->v[i].orig, fe->v[i].orig_len);
	return -1;
}

/* Replaces or adds p's key with hub in the edit of its file; -1 after saying why. */
static int stage_psk(const struct cmd_ctx *c, struct file_edits *fe, const struct model *m,
		     const struct model_peer *p, size_t hub, const uint8_t psk[32])
{
	const struct model_host *h = &m->hosts[hub];
	struct yaml_item_edit e = { "Peer", p->meta.name, "presharedKeys", "hub", h->meta.name, NULL, false };
	const struct model_psk *old = model_peer_psk(p, hub);
	struct file_edit *f;
	char *path = NULL, *item = NULL, *text = NULL;
	const char *why = NULL, *cur;
	int r = -1;

	if (peer_psk_item(m, p, hub, psk, &item) < 0)
		return -1;
	/* an item written without "hub" (a Peer with one hub) is found by an empty key */
	if (old && !old->hub_name) {
		e.key = NULL;
		e.replace_single = true;
	}
	e.text = item;
	if (asprintf(&path, "%s/%s", c->path, p->meta.loc.file) < 0) {
		path = NULL;
		goto out;
	}
	if (!(f = edits_file(fe, path)))
		goto out;
	cur = f->text ? f->text : f->orig;
	r = yaml_edit_item(cur, f->text ? strlen(f->text) : f->orig_len, &e, &text, &why);
	if (r < 0) {
		cmd_error("%s: Peer %s: %s", path, p->meta.name, why ? why : strerror(-r));
		goto out;
	}
	free(f->text);
	f->text = text;
	text = NULL;
out:
	free(path);
	free(item);
	free(text);
	return r < 0 ? -1 : 0;
}

static const struct model_peer *find_peer(const struct model *m, const char *name)
{
	const struct model_peer *p = model_find_peer(m, name);

	if (p)
		return p;
	cmd_error("secret: no Peer \"%s\"", name);
	return NULL;
}

static int secret_psk(const struct cmd_ctx *c, const char *peer, const char *hub_name)
{
	struct file_edits fe = { 0 };
	const struct model_peer *p;
	struct model *m = NULL;
	uint8_t psk[32];
	size_t done = 0;
	int r = -1;

	if (cmd_load_model(c, &m) < 0 || !(p = find_peer(m, peer)))
		goto out;
	for (size_t h = 0; h < p->n_hubs; h++) {
		if (hub_name && strcmp(m->hosts[p->hubs[h]].meta.name, hub_name))
			continue;
		randombytes_buf(psk, sizeof(psk));
		if (stage_psk(c, &fe, m, p, p->hubs[h], psk) < 0)
			goto out;
		done++;
	}
	if (!done) {
		cmd_error("secret psk: %s is not a hub of %s", hub_name ? hub_name : "(none)", peer);
		goto out;
	}
	if (edits_commit(c, &fe, "the sealed key") < 0)
		goto out;
	for (size_t h = 0; h < p->n_hubs; h++)
		if (!hub_name || !strcmp(m->hosts[p->hubs[h]].meta.name, hub_name))
			fprintf(stderr, "sealed a new preshared key of %s with %s into %s\n", peer,
				m->hosts[p->hubs[h]].meta.name, p->meta.loc.file);
	fprintf(stderr, "commit it; then give the device its new config (`wgf peer config %s`)\n", peer);
	r = 0;
out:
	sodium_memzero(psk, sizeof(psk));
	edits_free(&fe);
	model_free(m);
	return r;
}

/* Seals each key of p the identity opens again; counts them in *n. */
static int reseal_peer(const struct cmd_ctx *c, struct file_edits *fe, const struct model *m,
		       const struct model_peer *p, const char *identity, size_t *n)
{
	struct peer_psks psks = { 0 };
	int r = peer_open_psks(m, p, identity, &psks);

	for (size_t h = 0; r == 0 && h < p->n_hubs; h++) {
		if (!psks.ptr[h])
			continue;
		r = stage_psk(c, fe, m, p, p->hubs[h], psks.ptr[h]);
		*n += r == 0;
	}
	peer_psks_clear(&psks);
	return r;
}

static int secret_reseal(const struct cmd_ctx *c, const char *peer, const char *identity)
{
	struct file_edits fe = { 0 };
	struct model *m = NULL;
	size_t n = 0;
	int r = 0;

	if (cmd_load_model(c, &m) < 0)
		return -1;
	for (size_t i = 0; r == 0 && i < m->n_peers; i++)
		if (m->peers[i].n_psks && (!peer || !strcmp(peer, m->peers[i].meta.name)))
			r = reseal_peer(c, &fe, m, &m->peers[i], identity, &n);
	if (r == 0 && n)
		r = edits_commit(c, &fe, "the resealed keys");
	if (r == 0)
		fprintf(stderr, "resealed %zu preshared key%s%s\n", n, n == 1 ? "" : "s", n ? ": commit it" : "");
	edits_free(&fe);
	model_free(m);
	return r;
}

int cmd_secret(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "hub", required_argument, NULL, OPT_HUB },
		{ "identity", required_argument, NULL, OPT_IDENTITY },
		{ "help", no_argument, NULL, 'h' }, { 0 }
	};
	const char *hub = NULL, *identity = NULL, *sub, *peer = NULL;
	struct cmd_ctx c;
	int opt;

	cmd_ctx_init(&c, "secret");
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'h') {
			fputs(help, stdout);
			return EXIT_OK;
		} else if (opt == OPT_HUB) {
			hub = optarg;
		} else if (opt == OPT_IDENTITY) {
			identity = optarg;
		} else {
			fputs(help, stderr);
			return EXIT_ERROR;
		}
	}
	if (optind >= argc) {
		fputs(help, stderr);
		return EXIT_ERROR;
	}
	sub = argv[optind++];
	if (!strcmp(sub, "psk")) {
		if (optind >= argc) {
			cmd_error("secret psk: which Peer?");
			return EXIT_ERROR;
		}
		peer = argv[optind++];
		if (cmd_ctx_positional(&c, argc, argv) < 0)
			return EXIT_ERROR;
		return secret_psk(&c, peer, hub) < 0 ? EXIT_ERROR : EXIT_OK;
	}
	if (!strcmp(sub, "reseal")) {
		if (optind + 1 < argc)
			peer = argv[optind++];
		if (cmd_ctx_positional(&c, argc, argv) < 0)
			return EXIT_ERROR;
		return secret_reseal(&c, peer, identity) < 0 ? EXIT_ERROR : EXIT_OK;
	}
	cmd_error("secret: unknown subcommand \"%s\" (psk, reseal)", sub);
	return EXIT_ERROR;
}
