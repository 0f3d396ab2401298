#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/wgf.h"
#include "reconcile/host/pipeline.h"

static const char help[] =
	"Usage: wgf observe [PATH] [--repo DIR --ref REF] [--host NAME] [--json] [options]\n\n"
	"Writes what `wgf plan` reads from this host, as JSON on stdout: the interfaces,\n"
	"peers, addresses, routes, sysctls, nftables table and DNS (of wgf's interfaces,\n"
	"and which manager answered) the repository's plan for this host looks at, and\n"
	"wgf's records (the interfaces it created, the endpoints it declared, the table it\n"
	"applied). `wgf plan --observed FILE` plans from such a\n"
	"snapshot anywhere, without root (CI). A snapshot holds no secret: the device's\n"
	"public key stands for its private key, and a preshared key is only said to exist,\n"
	"with its public id (which tells a rotation from a reseal).\n"
	"Changes nothing.\n\n"
	"  --repo DIR         read from this git repository (no checkout needed)\n"
	"  --ref REF          commit, branch or tag (default HEAD)\n"
	"  --allow-empty      a repository with no YAML documents is not an error\n"
	"  --host NAME        the Host to observe for (default: the one whose publicKey matches\n"
	"                     the key file, else the one named like this machine)\n"
	"  --key-file FILE    this host's private key (default /etc/wgf/private.key, $WGF_KEY_FILE)\n"
	CMD_KEY_FILES_HELP
	"  --state-dir DIR    wgf's records (default /var/lib/wgf, $WGF_STATE_DIR)\n"
	"  --json             the snapshot as JSON (the only output; accepted for clarity)\n"
	CMD_PACK_HELP
	"  -h, --help         this help\n\n"
	"Exit: 0 written, 1 error, 3 a --pack commit refused.\n";

int cmd_observe(int argc, char **argv)
{
	static const struct option opts[] = {
		CMD_SOURCE_OPTIONS, CMD_HOST_OPTIONS, CMD_OUTPUT_OPTIONS, CMD_PACK_OPTION,
		{ "help", no_argument, NULL, 'h' }, { 0 }
	};
	struct pipeline_opts o;
	struct pipeline *pl = NULL;
	struct wgf_error err = {0};
	struct json_object *snap = NULL;
	struct model *m = NULL;
	struct cmd_ctx c;
	int r, ret = EXIT_ERROR;

	cmd_ctx_init(&c, "observe");
	r = cmd_parse(&c, argc, argv, opts, help, true);
	if (r <= 0)
		return r < 0 ? EXIT_ERROR : EXIT_OK;
	if (c.pack && (r = cmd_take_pack(&c)) < 0)
		return r == -EPERM ? EXIT_REFUSED : EXIT_ERROR;
	cmd_pipeline_opts(&c, &o);
	if (pipeline_begin(c.state_dir, &pl, &err) < 0 || cmd_load_model(&c, &m) < 0 ||
	    pipeline_snapshot(pl, m, &o, &snap, &err) < 0)
		goto out;
	puts(json_object_to_json_string_ext(snap, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	ret = fflush(stdout) == 0 ? EXIT_OK : EXIT_ERROR;
out:
	if (wgf_error_is_set(&err))
		cmd_error("%s", wgf_error_message(&err));
	wgf_error_clear(&err);
	json_object_put(snap);
	pipeline_free(pl);
	model_free(m);
	return ret;
}
