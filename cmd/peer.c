/* wgf peer config|new|rotate: the devices' side. */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/peer.h"
#include "cmd/peer_cmd.h"
#include "cmd/wgf.h"
#include "reconcile/host/keyfile.h"
#include "render/client_config.h"

static const char help[] =
	"Usage: wgf peer config NAME [PATH] [--private-key-file FILE] [--identity FILE]\n"
	"                       [--qr] [--format conf|utf8|svg|png] [-o FILE] [--force]\n"
	"       wgf peer new NAME --hub HUB [--hub HUB2...] [--tenant T] [--access LEVEL]\n"
	"                       [--network N] [--psk] [--file YAML] [PATH] [output options]\n"
	"       wgf peer rotate NAME [PATH] [--identity FILE] [output options]\n\n"
	"config  prints the Peer's wg-quick configuration: its addresses, DNS and MTU, one\n"
	"        [Peer] per hub with its key, preshared key, endpoint and keepalive, and\n"
	"        AllowedIPs for what the peer may reach (a split tunnel; everything when\n"
	"        its primary hub is an exit it reaches the internet through). The device\n"
	"        keeps its own private key: the config says where it goes, and\n"
	"        --private-key-file FILE puts it in. A sealed preshared key is opened\n"
	"        with your Operator identity.\n"
	"new     makes a key pair, takes the next free addresses of the pool (the\n"
	"        tenant's, else the network's), writes the Peer's YAML file (public key\n"
	"        only) and prints the config with the private key, once: it is kept\n"
	"        nowhere else. --psk also seals a new preshared key with each hub.\n"
	"rotate  the same for an existing Peer: a new key pair, its publicKey (and\n"
	"        keyCreated) replaced in its file, the new config printed once.\n\n"
	"  --repo DIR --ref REF  config: read a git repository (new and rotate write files:\n"
	"                     they need a directory, PATH, default .)\n"
	"  --private-key-file FILE\n"
	"                     config: the device's private key (base64, as `wg genkey` writes)\n"
	"  --identity FILE    your Operator identity (default $WGF_IDENTITY, else\n"
	"                     ~/.config/wgf/identity): opens sealed preshared keys\n"
	"  --hub HUB          new: a hub (role hub or exit); the first is primary\n"
	"  --tenant T, --access LEVEL, --network N\n"
	"                     new: the Peer's tenant, access level (full, vpn-only,\n"
	"                     lan-only, custom, internet-only) and network\n"
	"  --psk              new: seal a new preshared key with each hub\n"
	"  --file YAML        new: where to write the Peer (default peers/NAME.yaml when\n"
	"                     peers/ exists, else NAME.yaml)\n"
	"  --qr               print a QR code on the terminal (UTF-8), or with -o the image\n"
	"  --format F         conf (default), utf8, svg or png\n"
	"  -o FILE            write to FILE (mode 0600) instead of stdout\n"
	"  --force            a QR code holding a private key to a stdout that is not a terminal\n"
	"  -h, --help         this help\n\n"
	"Exit: 0 done, 1 error (nothing written).\n";

static const struct option opts[] = {
	CMD_SOURCE_OPTIONS,
	{ "private-key-file", required_argument, NULL, PEER_OPT_PRIVATE_KEY },
	{ "identity", required_argument, NULL, PEER_OPT_IDENTITY },
	{ "hub", required_argument, NULL, PEER_OPT_HUB },
	{ "tenant", required_argument, NULL, PEER_OPT_TENANT },
	{ "access", required_argument, NULL, PEER_OPT_ACCESS },
	{ "network", required_argument, NULL, PEER_OPT_NETWORK },
	{ "psk", no_argument, NULL, PEER_OPT_PSK },
	{ "file", required_argument, NULL, PEER_OPT_FILE },
	{ "qr", no_argument, NULL, PEER_OPT_QR },
	{ "format", required_argument, NULL, PEER_OPT_FORMAT },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "help", no_argument, NULL, 'h' }, { 0 }
};

static int peer_option(struct peer_args *a, int opt, const char *arg)
{
	switch (opt) {
	case PEER_OPT_PRIVATE_KEY: a->private_key_file = arg; return 1;
	case PEER_OPT_IDENTITY: a->identity = arg; return 1;
	case PEER_OPT_TENANT: a->tenant = arg; return 1;
	case PEER_OPT_ACCESS: a->access = arg; return 1;
	case PEER_OPT_NETWORK: a->network = arg; return 1;
	case PEER_OPT_PSK: a->psk = true; return 1;
	case PEER_OPT_FILE: a->file = arg; return 1;
	case PEER_OPT_QR: a->out.qr = true; return 1;
	case PEER_OPT_FORMAT: a->out.format = arg; return 1;
	case 'o': a->out.out = arg; return 1;
	case OPT_FORCE: a->out.force = a->c.force = true; return 1;
	case PEER_OPT_HUB:
		if (a->n_hubs == PEER_MAX_HUBS) {
			cmd_error("peer: at most %d --hub", PEER_MAX_HUBS);
			return -1;
		}
		a->hubs[a->n_hubs++] = arg;
		return 1;
	}
	return cmd_ctx_option(&a->c, opt, arg);
}

static int parse(struct peer_args *a, int argc, char **argv)
{
	int opt, r;

	cmd_ctx_init(&a->c, "peer");
	optind = 1;
	while ((opt = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		if (opt == 'h') {
			fputs(help, stdout);
			return 0;
		}
		r = peer_option(a, opt, optarg);
		if (r <= 0) {
			if (r == 0)
				fputs(help, stderr);
			return -1;
		}
	}
	if (optind + 2 > argc) {
		fputs(help, stderr);
		return -1;
	}
	a->sub = argv[optind++];
	a->name = argv[optind++];
	return cmd_ctx_positional(&a->c, argc, argv) < 0 ? -1 : 1;
}

static int peer_config(struct peer_args *a)
{
	struct model *m = NULL;
	const struct model_peer *p;
	uint8_t priv[WG_KEY_LEN];
	bool have_key = false;
	int r = -1;

	if (a->private_key_file) {
		r = keyfile_read(a->private_key_file, priv);
		if (r < 0) {
			cmd_error("%s: %s", a->private_key_file, keyfile_strerror(r));
			return EXIT_ERROR;
		}
		have_key = true;
		r = -1;
	}
	if (cmd_load_model(&a->c, &m) < 0)
		goto out;
	p = peer_find(m, a->name);
	if (!p)
		goto out;
	if (have_key) {
		uint8_t pub[WG_KEY_LEN];
		char b64[WG_KEY_B64_LEN];

		key_public_from_private(pub, priv);
		if (memcmp(pub, p->public_key, WG_KEY_LEN)) {
			cmd_error("%s: this private key's public key is %s, but Peer %s declares another (%s:%u:%u)",
				  a->private_key_file, key_to_base64(pub, b64), p->meta.name, p->meta.loc.file,
				  p->meta.loc.line, p->meta.loc.col);
			goto out;
		}
	}
	r = peer_print_config(a, m, p, have_key ? priv : NULL, NULL);
out:
	sodium_memzero(priv, sizeof(priv));
	model_free(m);
	return r < 0 ? EXIT_ERROR : EXIT_OK;
}

int cmd_peer(int argc, char **argv)
{
	struct peer_args a = { 0 };
	int r = parse(&a, argc, argv);

	if (r <= 0)
		return r < 0 ? EXIT_ERROR : EXIT_OK;
	if (!strcmp(a.sub, "config"))
		return peer_config(&a);
	if (!strcmp(a.sub, "new"))
		return peer_new(&a);
	if (!strcmp(a.sub, "rotate"))
		return peer_rotate(&a);
	cmd_error("peer: unknown subcommand \"%s\" (config, new, rotate)", a.sub);
	return EXIT_ERROR;
}
