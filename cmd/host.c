#include <errno.h>
#include <json-c/json.h>
#include <sodium.h>
#include <string.h>

#include "cmd/wgf.h"
#include "model/seal.h"
#include "reconcile/host/keyfile.h"
#include "reconcile/host/keyrotate.h"
#include "reconcile/host/statedir.h"

static const char help[] =
	"Usage: wgf host init [--key-file FILE] [--sealing-key-file FILE] [--force]\n"
	"       wgf host pubkey [--sealing | --next] [--key-file FILE] [--json]\n"
	"       wgf host rotate [--key-file FILE] [--next-key-file FILE] [--force]\n"
	"       wgf host rotate --status [--json]\n\n"
	"init    creates this host's WireGuard private key and its sealing key (the key\n"
	"        secrets in the repository are sealed to; not the WireGuard key), each\n"
	"        mode 0600 and written atomically, and prints the WireGuard public key on\n"
	"        stdout: put it in the Host's publicKey. The sealing key's public half,\n"
	"        for the Host's sealingKey, is said on stderr (and by `pubkey --sealing`).\n"
	"        On a host with a WireGuard key but no sealing key, it creates only the\n"
	"        sealing key. The private keys never leave this machine.\n"
	"pubkey  prints the public key of the existing key file (--sealing: of the\n"
	"        sealing key; --next: of the prepared next key).\n"
	"rotate  prepares the next WireGuard key (mode 0600, written atomically) and\n"
	"        prints its public key: commit it as the Host's publicKey. The current\n"
	"        key stays in use until an apply of a desired state that declares the\n"
	"        new key: that plan changes the device to it, and once applied the\n"
	"        prepared key becomes the key file (the old one is kept as\n"
	"        <key file>.previous) and the journal records the rotation.\n"
	"        --status prints the current and the prepared public keys.\n\n"
	"  --key-file FILE   default /etc/wgf/private.key ($WGF_KEY_FILE)\n"
	"  --sealing-key-file FILE\n"
	"                    default sealing.key beside the key file ($WGF_SEALING_KEY_FILE)\n"
	"  --next-key-file FILE\n"
	"                    default next.key beside the key file ($WGF_NEXT_KEY_FILE)\n"
	"  --force           init: replace an existing WireGuard key (every peer must then\n"
	"                    learn the new one; an existing sealing key is kept);\n"
	"                    rotate: replace a prepared key that was not applied yet\n"
	"  --sealing, --next pubkey: the sealing key's, the prepared key's\n"
	"  --status          rotate: the current and prepared public keys, nothing changed\n"
	"  --json            pubkey, rotate --status: {\"publicKey\", \"sealingKey\", \"nextKey\"}\n"
	"                    (null where there is none), with the files\n"
	"  -h, --help        this help\n\n"
	"Exit: 0 done, 1 error (a key that exists, a file that cannot be read).\n";

enum { OPT_SEALING = 0x200, OPT_NEXT, OPT_STATUS };

struct host_args {
	struct cmd_ctx c;
	const char *sub;
	bool sealing, next, status;
};

/* A key file's public half: X25519 for the sealing key, WireGuard's otherwise
 * (the same curve; WireGuard clamps the private key first). */
static int read_public(const char *path, bool sealing, uint8_t pub[WG_KEY_LEN])
{
	uint8_t priv[WG_KEY_LEN];
	int r = keyfile_read(path, priv);

	if (r == 0)
		r = sealing ? seal_public_from_private(pub, priv) : key_public_from_private(pub, priv);
	sodium_memzero(priv, sizeof(priv));
	return r;
}

static void key_error(const char *path, int r, const char *missing)
{
	if (r == -ENOENT && missing)
		cmd_error("%s: no such file (%s)", path, missing);
	else
		cmd_error("%s: %s", path, keyfile_host_strerror(r));
}

/* The WireGuard key: kept, or made (force, or none yet). *made: it was. */
static int init_key(const struct cmd_ctx *c, uint8_t pub[WG_KEY_LEN], bool *made)
{
	uint8_t priv[WG_KEY_LEN];
	int r = c->force ? -ENOENT : read_public(c->key_file, false, pub);

	*made = false;
	if (r == -ENOENT) {
		r = keyfile_create(c->key_file, c->force, priv);
		if (r == 0)
			r = key_public_from_private(pub, priv);
		sodium_memzero(priv, sizeof(priv));
		*made = r == 0;
	}
	if (r < 0)
		key_error(c->key_file, r, NULL);
	return r;
}

static int init_sealing(const struct cmd_ctx *c, uint8_t pub[WG_KEY_LEN], bool *made)
{
	uint8_t priv[WG_KEY_LEN];
	int r = read_public(c->sealing_key_file, true, pub);

	*made = false;
	if (r == -ENOENT) {
		r = keyfile_create(c->sealing_key_file, false, priv);
		if (r == 0)
			r = seal_public_from_private(pub, priv);
		sodium_memzero(priv, sizeof(priv));
		*made = r == 0;
	}
	if (r < 0)
		key_error(c->sealing_key_file, r, NULL);
	return r;
}

static int host_init(const struct cmd_ctx *c)
{
	uint8_t pub[WG_KEY_LEN], spub[WG_KEY_LEN];
	char b64[WG_KEY_B64_LEN], sb64[WG_KEY_B64_LEN];
	bool made_key, made_sealing;

	if (init_key(c, pub, &made_key) < 0 || init_sealing(c, spub, &made_sealing) < 0)
		return EXIT_ERROR;
	if (!made_key && !made_sealing) {
		cmd_error("%s and %s already exist; `wgf host pubkey` prints the public key, `wgf host pubkey "
			  "--sealing` the sealing key's (--force replaces the WireGuard key)", c->key_file,
			  c->sealing_key_file);
		return EXIT_ERROR;
	}
	puts(key_to_base64(pub, b64));
	fflush(stdout);
	fprintf(stderr, "wgf: %s %s%s%s; in this Host's spec:\n  publicKey: %s\n  sealingKey: %s\n",
		made_key ? "created" : "kept", c->key_file, made_sealing ? ", created " : ", kept ", c->sealing_key_file,
		b64, key_to_base64(spub, sb64));
	return EXIT_OK;
}

/* One key of --json: its public half, or null when there is none. */
static int json_key(struct json_object *o, const char *name, const char *path, bool sealing)
{
	uint8_t pub[WG_KEY_LEN];
	char b64[WG_KEY_B64_LEN];
	int r = read_public(path, sealing, pub);

	if (r == -ENOENT) {
		json_object_object_add(o, name, NULL);
		return 0;
	}
	if (r < 0) {
		key_error(path, r, NULL);
		return r;
	}
	json_object_object_add(o, name, json_object_new_string(key_to_base64(pub, b64)));
	return 0;
}

static int print_json(const struct cmd_ctx *c)
{
	struct json_object *o = json_object_new_object(), *files = json_object_new_object();
	int r = o && files ? 0 : -ENOMEM;

	if (r == 0 && (r = json_key(o, "publicKey", c->key_file, false)) == 0 &&
	    (r = json_key(o, "sealingKey", c->sealing_key_file, true)) == 0 &&
	    (r = json_key(o, "nextKey", c->next_key_file, false)) == 0) {
		json_object_object_add(files, "key", json_object_new_string(c->key_file));
		json_object_object_add(files, "sealing", json_object_new_string(c->sealing_key_file));
		json_object_object_add(files, "next", json_object_new_string(c->next_key_file));
		json_object_object_add(o, "files", files);
		files = NULL;
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	}
	json_object_put(files);
	json_object_put(o);
	return r < 0 ? EXIT_ERROR : EXIT_OK;
}

static int host_pubkey(const struct host_args *a)
{
	const char *path = a->sealing ? a->c.sealing_key_file : a->next ? a->c.next_key_file : a->c.key_file;
	uint8_t pub[WG_KEY_LEN];
	char b64[WG_KEY_B64_LEN];
	int r;

	if (a->c.json)
		return print_json(&a->c);
	r = read_public(path, a->sealing, pub);
	if (r < 0) {
		key_error(path, r, a->next ? "no key is prepared: `wgf host rotate` prepares one" :
			  "run `wgf host init`, or pass --key-file");
		return EXIT_ERROR;
	}
	puts(key_to_base64(pub, b64));
	return EXIT_OK;
}

static int rotate_status(const struct cmd_ctx *c)
{
	uint8_t pub[WG_KEY_LEN];
	char b64[WG_KEY_B64_LEN];
	int r;

	if (c->json)
		return print_json(c);
	r = read_public(c->key_file, false, pub);
	if (r < 0) {
		key_error(c->key_file, r, "run `wgf host init`, or pass --key-file");
		return EXIT_ERROR;
	}
	printf("current   %s  %s\n", key_to_base64(pub, b64), c->key_file);
	r = read_public(c->next_key_file, false, pub);
	if (r == -ENOENT) {
		printf("prepared  (none; `wgf host rotate` prepares one)\n");
		return EXIT_OK;
	}
	if (r < 0) {
		key_error(c->next_key_file, r, NULL);
		return EXIT_ERROR;
	}
	printf("prepared  %s  %s\n", key_to_base64(pub, b64), c->next_key_file);
	return EXIT_OK;
}

static int host_rotate(const struct host_args *a)
{
	const struct cmd_ctx *c = &a->c;
	uint8_t pub[WG_KEY_LEN];
	char b64[WG_KEY_B64_LEN];
	int r;

	if (a->status)
		return rotate_status(c);
	r = read_public(c->key_file, false, pub);
	if (r < 0) {
		key_error(c->key_file, r, "run `wgf host init` first: there is no key to rotate");
		return EXIT_ERROR;
	}
	r = keyrotate_prepare(c->next_key_file, c->force, pub);
	if (r == -EEXIST && read_public(c->next_key_file, false, pub) == 0) {
		cmd_error("a next key is prepared already in %s (public key %s): commit that as the Host's "
			  "publicKey, or pass --force to replace it", c->next_key_file, key_to_base64(pub, b64));
		return EXIT_ERROR;
	}
	if (r < 0) {
		key_error(c->next_key_file, r, NULL);
		return EXIT_ERROR;
	}
	puts(key_to_base64(pub, b64));
	fflush(stdout);
	fprintf(stderr, "wgf: prepared the next key in %s. Commit its public key (above) as this Host's "
		"publicKey;\nwgf: the apply here that plans it switches the device to it and makes it %s.\n"
		"wgf: Until then %s stays in use.\n", c->next_key_file, c->key_file, c->key_file);
	return EXIT_OK;
}

static int host_parse(struct host_args *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key-file", required_argument, NULL, OPT_KEY_FILE },
		{ "next-key-file", required_argument, NULL, OPT_NEXT_KEY_FILE },
		{ "sealing-key-file", required_argument, NULL, OPT_SEALING_KEY_FILE },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "sealing", no_argument, NULL, OPT_SEALING },
		{ "next", no_argument, NULL, OPT_NEXT },
		{ "status", no_argument, NULL, OPT_STATUS },
		{ "help", no_argument, NULL, 'h' }, { 0 }
	};
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'h') {
			fputs(help, stdout);
			return 0;
		}
		if (opt == OPT_SEALING || opt == OPT_NEXT || opt == OPT_STATUS) {
			a->sealing |= opt == OPT_SEALING;
			a->next |= opt == OPT_NEXT;
			a->status |= opt == OPT_STATUS;
		} else if (cmd_ctx_option(&a->c, opt, optarg) <= 0) {
			fputs(help, stderr);
			return -1;
		}
	}
	cmd_key_paths(&a->c);
	if (optind + 1 != argc) {
		fputs(help, stderr);
		return -1;
	}
	a->sub = argv[optind];
	return 1;
}

int cmd_host(int argc, char **argv)
{
	struct host_args a = {0};
	int r;

	cmd_ctx_init(&a.c, "host");
	r = host_parse(&a, argc, argv);
	if (r <= 0)
		return r < 0 ? EXIT_ERROR : EXIT_OK;
	if ((a.sealing && a.next) || ((a.sealing || a.next) && strcmp(a.sub, "pubkey")) ||
	    (a.status && strcmp(a.sub, "rotate")) || (a.c.json && !a.status && strcmp(a.sub, "pubkey")) ||
	    (a.c.force && a.status)) {
		cmd_error("host %s: options that do not go together or with it (see wgf host --help)", a.sub);
		return EXIT_ERROR;
	}
	if (!strcmp(a.sub, "init"))
		return host_init(&a.c);
	if (!strcmp(a.sub, "pubkey"))
		return host_pubkey(&a);
	if (!strcmp(a.sub, "rotate"))
		return host_rotate(&a);
	cmd_error("host: unknown subcommand \"%s\" (init, pubkey, rotate)", a.sub);
	return EXIT_ERROR;
}
