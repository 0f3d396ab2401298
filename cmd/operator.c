/* wgf operator init|pubkey: an operator's identity, the key sealed secrets are
 * sealed to for them. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "cmd/peer.h"
#include "cmd/wgf.h"
#include "model/seal.h"
#include "reconcile/host/keyfile.h"

static const char help[] =
	"Usage: wgf operator init [NAME] [--identity FILE] [--force]\n"
	"       wgf operator pubkey [NAME] [--identity FILE]\n\n"
	"init    creates your identity (an X25519 key, mode 0600, written atomically) and\n"
	"        prints the Operator document to commit: secrets in the repository are\n"
	"        then sealed to you too (`wgf secret reseal` by someone who can read them\n"
	"        adds you to existing ones). The private key never leaves this machine.\n"
	"pubkey  prints the Operator document of the existing identity.\n\n"
	"  NAME              the Operator's name in the document (default: $USER)\n"
	"  --identity FILE   default $WGF_IDENTITY, else ~/.config/wgf/identity\n"
	"  --force           init: replace an existing identity (secrets sealed to the old\n"
	"                    one can no longer be opened with it)\n"
	"  -h, --help        this help\n";

enum { OPT_IDENTITY = 0x300 };

int cmd_operator(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "identity", required_argument, NULL, OPT_IDENTITY },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "help", no_argument, NULL, 'h' }, { 0 }
	};
	const char *identity = NULL, *path, *sub, *name = getenv("USER");
	uint8_t priv[32], pub[32];
	char buf[4096], b64[WG_KEY_B64_LEN];
	bool force = false;
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'h') {
			fputs(help, stdout);
			return EXIT_OK;
		} else if (opt == OPT_IDENTITY) {
			identity = optarg;
		} else if (opt == OPT_FORCE) {
			force = true;
		} else {
			fputs(help, stderr);
			return EXIT_ERROR;
		}
	}
	if (optind >= argc || optind + 2 < argc) {
		fputs(help, stderr);
		return EXIT_ERROR;
	}
	sub = argv[optind];
	if (optind + 1 < argc)
		name = argv[optind + 1];
	path = peer_identity_path(identity, buf, sizeof(buf));
	if (!strcmp(sub, "init")) {
		r = keyfile_create(path, force, priv);
		if (r == -EEXIST) {
			cmd_error("%s already exists; `wgf operator pubkey` prints its document (--force replaces it)",
				  path);
			return EXIT_ERROR;
		}
	} else if (!strcmp(sub, "pubkey")) {
		r = keyfile_read(path, priv);
	} else {
		cmd_error("operator: unknown subcommand \"%s\" (init, pubkey)", sub);
		return EXIT_ERROR;
	}
	if (r < 0) {
		cmd_error("%s: %s", path, keyfile_strerror(r));
		sodium_memzero(priv, sizeof(priv));
		return EXIT_ERROR;
	}
	r = seal_public_from_private(pub, priv);
	sodium_memzero(priv, sizeof(priv));
	if (r < 0)
		return EXIT_ERROR;
	printf("apiVersion: wgf/v1\nkind: Operator\nmetadata:\n  name: %s\nspec:\n  sealingKey: %s\n",
	       name && *name ? name : "operator", key_to_base64(pub, b64));
	return EXIT_OK;
}
