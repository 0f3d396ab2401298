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
	"each write and put back when the write made it invalid.\n"
	"Exit: 0 done, 1 error.\n";

enum { OPT_HUB = 0x300, OPT_IDENTITY };

/* Replaces or adds p's key with hub in its file; -1 after saying why. */
static int write_psk(const struct cmd_ctx *c, const struct model *m, const struct model_peer *p, size_t hub,
		     const uint8_t psk[32])
{
	const struct model_host *h = &m->hosts[hub];
	struct yaml_item_edit e = { "Peer", p->meta.name, "presharedKeys", "hub", h->meta.name, NULL, false };
	const struct model_psk *old = model_peer_psk(p, hub);
	char *path = NULL, *buf = NULL, *item = NULL, *text = NULL;
	const char *why = NULL;
	size_t len = 0;
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
	if ((r = fileio_read(path, &buf, &len)) < 0) {
		cmd_error("reading %s: %s", path, strerror(-r));
		goto out;
	}
	r = yaml_edit_item(buf, len, &e, &text, &why);
	if (r < 0) {
		cmd_error("%s: Peer %s: %s", path, p->meta.name, why ? why : strerror(-r));
		goto out;
	}
	r = peer_write_repo_file(path, text, strlen(text));
	if (r == 0 && peer_revalidate(c->path, "the sealed key") < 0) {
		peer_write_repo_file(path, buf, len);
		r = -1;
	}
out:
	free(path);
	free(buf);
	free(item);
	free(text);
	return r;
}

static const struct model_peer *find_peer(const struct model *m, const char *name)
{
	const struct model_peer *p = model_find_peer(m, name);

	if (p)
		return p;
	cmd_error("secret: no Peer \"%s\"", name);
	return NULL;
}

/* A new key with the hub at p->hubs[h]; the file changes, so the model is loaded for each. */
static int psk_with_hub(const struct cmd_ctx *c, const char *peer, size_t h)
{
	const struct model_peer *p;
	struct model *m = NULL;
	uint8_t psk[32];
	int r = -1;

	if (cmd_load_model(c, &m) < 0 || !(p = find_peer(m, peer)))
		goto out;
	randombytes_buf(psk, sizeof(psk));
	r = write_psk(c, m, p, p->hubs[h], psk);
	if (r == 0)
		fprintf(stderr, "sealed a new preshared key of %s with %s into %s\n", peer,
			m->hosts[p->hubs[h]].meta.name, p->meta.loc.file);
out:
	sodium_memzero(psk, sizeof(psk));
	model_free(m);
	return r;
}

static int secret_psk(const struct cmd_ctx *c, const char *peer, const char *hub_name)
{
	const struct model_peer *p;
	struct model *m = NULL;
	size_t n_hubs = 0, done = 0;
	bool *want = NULL;
	int r = -1;

	if (cmd_load_model(c, &m) < 0 || !(p = find_peer(m, peer)))
		goto out;
	n_hubs = p->n_hubs;
	want = calloc(n_hubs + 1, sizeof(*want));
	for (size_t h = 0; want && h < n_hubs; h++)
		want[h] = !hub_name || !strcmp(m->hosts[p->hubs[h]].meta.name, hub_name);
	for (size_t h = 0; want && h < n_hubs; h++)
		done += want[h];
	if (!done) {
		cmd_error("secret psk: %s is not a hub of %s", hub_name ? hub_name : "(none)", peer);
		goto out;
	}
	for (size_t h = 0; h < n_hubs; h++)
		if (want[h] && psk_with_hub(c, peer, h) < 0)
			goto out;
	fprintf(stderr, "commit it; then give the device its new config (`wgf peer config %s`)\n", peer);
	r = 0;
out:
	free(want);
	model_free(m);
	return r;
}

/* Seals each key of p the identity opens again; counts them in *n. */
static int reseal_peer(const struct cmd_ctx *c, const char *identity, const char *peer, size_t *n)
{
	for (size_t h = 0;; h++) {
		struct model *m = NULL;
		const struct model_peer *p = NULL;
		struct peer_psks psks = { 0 };
		int r = 0;

		if (cmd_load_model(c, &m) < 0)
			return -1;
		p = find_peer(m, peer);
		if (!p || h >= p->n_hubs) {
			model_free(m);
			return p ? 0 : -1;
		}
		if (model_peer_psk(p, p->hubs[h])) {
			r = peer_open_psks(m, p, identity, &psks);
			if (r == 0)
				r = write_psk(c, m, p, p->hubs[h], psks.ptr[h]);
			*n += r == 0;
		}
		peer_psks_clear(&psks);
		model_free(m);
		if (r < 0)
			return -1;
	}
}

static int secret_reseal(const struct cmd_ctx *c, const char *peer, const char *identity)
{
	struct model *m = NULL;
	char **names;
	size_t n_names = 0, n = 0;
	int r = 0;

	if (cmd_load_model(c, &m) < 0)
		return -1;
	names = calloc(m->n_peers + 1, sizeof(*names));
	for (size_t i = 0; names && i < m->n_peers; i++)
		if (m->peers[i].n_psks && (!peer || !strcmp(peer, m->peers[i].meta.name)))
			names[n_names++] = strdup(m->peers[i].meta.name);
	model_free(m);
	for (size_t i = 0; names && i < n_names && r == 0; i++)
		r = names[i] ? reseal_peer(c, identity, names[i], &n) : -1;
	for (size_t i = 0; names && i < n_names; i++)
		free(names[i]);
	free(names);
	if (r == 0)
		fprintf(stderr, "resealed %zu preshared key%s%s\n", n, n == 1 ? "" : "s", n ? ": commit it" : "");
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
