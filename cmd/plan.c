#include <stdlib.h>

#include "cmd/wgf.h"

static const char help[] =
	"Usage: wgf plan [PATH] [--repo DIR --ref REF] [--host NAME] [--json] [options]\n\n"
	"Shows what `wgf apply` would change on this host: renders the desired state of\n"
	"the host from the repository, reads what the kernel has, and prints the difference\n"
	"grouped by interface (+ add, ~ change, - remove). Changes nothing.\n"
	"Then the host's peers that are not configured (disabled, expired) and those that\n"
	"expire within DAYS are listed, and why.\n\n"
	"  --repo DIR         read from this git repository (no checkout needed)\n"
	"  --ref REF          commit, branch or tag (default HEAD)\n"
	"  --allow-empty      a repository with no YAML documents is not an error\n"
	"  --host NAME        the Host to plan for (default: the one whose publicKey matches\n"
	"                     the key file, else the one named like this machine)\n"
	"  --key-file FILE    this host's private key (default /etc/wgf/private.key, $WGF_KEY_FILE)\n"
	"  --state-dir DIR    wgf's records (default /var/lib/wgf, $WGF_STATE_DIR)\n"
	"  --expiry-warning DAYS\n"
	"                     list this host's peers that expire within DAYS (default 14; 0: none)\n"
	"  --json             print the plan as JSON\n"
	"  --no-color         no colours (also NO_COLOR=1; colour is only used on a terminal)\n"
	"  -h, --help         this help\n\n"
	"Exit: 0 no changes, 2 changes pending, 1 error.\n";

int cmd_plan(int argc, char **argv)
{
	static const struct option opts[] = {
		CMD_SOURCE_OPTIONS, CMD_HOST_OPTIONS, CMD_NOTICE_OPTIONS, CMD_OUTPUT_OPTIONS,
		{ "help", no_argument, NULL, 'h' }, { 0 }
	};
	struct plan_print_opts po = {0};
	struct cmd_ctx c;
	struct plan *p = NULL;
	struct kernel *k = NULL;
	int r;

	cmd_ctx_init(&c, "plan");
	r = cmd_parse(&c, argc, argv, opts, help, true);
	if (r <= 0)
		return r < 0 ? EXIT_ERROR : EXIT_OK;
	if (cmd_make_plan(&c, false, &p, &k) < 0)
		return EXIT_ERROR;
	po.color = c.color;
	if (c.json)
		r = plan_print_json(p, stdout);
	else
		plan_print_text(p, &po, stdout), r = 0;
	r = r < 0 ? EXIT_ERROR : plan_is_empty(p) ? EXIT_OK : EXIT_CHANGES;
	plan_free(p);
	kernel_free(k);
	return r;
}
