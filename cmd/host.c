#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "cmd/wgf.h"
#include "reconcile/host/keyfile.h"
#include "reconcile/host/statedir.h"

static const char help[] =
	"Usage: wgf host init [--key-file FILE] [--force]\n"
	"       wgf host pubkey [--key-file FILE]\n\n"
	"init    creates this host's WireGuard private key (mode 0600, written atomically)\n"
	"        and prints its public key: put that in the Host's publicKey in the\n"
	"        repository. The private key never leaves this machine.\n"
	"pubkey  prints the public key of the existing key file.\n\n"
	"  --key-file FILE   default /etc/wgf/private.key ($WGF_KEY_FILE)\n"
	"  --force           init: replace an existing key (every peer must then learn the new one)\n"
	"  -h, --help        this help\n";

int cmd_host(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key-file", required_argument, NULL, OPT_KEY_FILE },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "help", no_argument, NULL, 'h' }, { 0 }
	};
	struct cmd_ctx c;
	uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN];
	char b64[WG_KEY_B64_LEN];
	const char *sub;
	int r;

	cmd_ctx_init(&c, "host");
	r = cmd_parse(&c, argc, argv, opts, help, false);
	if (r <= 0)
		return r < 0 ? EXIT_ERROR : EXIT_OK;
	if (optind + 1 != argc) {
		fputs(help, stderr);
		return EXIT_ERROR;
	}
	sub = argv[optind];
	if (!strcmp(sub, "init")) {
		r = keyfile_create(c.key_file, c.force, priv);
		if (r == -EEXIST) {
			cmd_error("%s already exists; `wgf host pubkey` prints its public key "
				  "(--force replaces it)", c.key_file);
			return EXIT_ERROR;
		}
	} else if (!strcmp(sub, "pubkey")) {
		r = keyfile_read(c.key_file, priv);
	} else {
		cmd_error("host: unknown subcommand \"%s\" (init, pubkey)", sub);
		return EXIT_ERROR;
	}
	if (r < 0) {
		cmd_error("%s: %s", c.key_file, keyfile_strerror(r));
		sodium_memzero(priv, sizeof(priv));
		return EXIT_ERROR;
	}
	r = key_public_from_private(pub, priv);
	sodium_memzero(priv, sizeof(priv));
	if (r < 0)
		return EXIT_ERROR;
	puts(key_to_base64(pub, b64));
	return EXIT_OK;
}
