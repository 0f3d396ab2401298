#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/wgf.h"
#include "reconcile/host/fileio.h"
#include "reconcile/host/snapshot.h"

static const char help[] =
	"Usage: wgf plan [PATH] [--repo DIR --ref REF] [--host NAME] [--json] [options]\n"
	"       wgf plan --all [--base REF] [PATH | --repo DIR --ref REF] [--json]\n\n"
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
	CMD_KEY_FILES_HELP
	"  --state-dir DIR    wgf's records (default /var/lib/wgf, $WGF_STATE_DIR)\n"
	"  --observed FILE    plan from a snapshot that `wgf observe --json` wrote on the host,\n"
	"                     instead of this host's kernel: no root needed (CI); the Host is\n"
	"                     the snapshot's (--host must name the same one); the key file is\n"
	"                     read only when given\n"
	"  --all              every Host of the repository, offline (no root, no kernel: CI):\n"
	"                     each planned on a host converged on --base, grouped by host\n"
	"  --base REF         with --all: the commit the fleet is at (e.g. the pull request's\n"
	"                     target, origin/main), read from the same git repository as the\n"
	"                     head (PATH's or --repo's); without it, hosts that have nothing\n"
	"  --observed DIR     with --all: plan each Host against DIR/HOST.json, a snapshot\n"
	"                     `wgf observe --json` wrote on it, where there is one\n"
	CMD_PACK_HELP
	"  --expiry-warning DAYS\n"
	"                     list this host's peers that expire within DAYS (default 14; 0: none)\n"
	"  --out FILE         also write a saved plan to FILE (0600), for `wgf apply FILE`:\n"
	"                     the plan with wgf's version, the commit and tree, the host's\n"
	"                     key and a fingerprint of what it observed; never a secret.\n"
	"                     FILE - writes it to stdout instead of the plan (for one\n"
	"                     host the text plan goes to stderr; with --json or --all,\n"
	"                     nothing else is printed).\n"
	"                     With --all, every Host needs a snapshot in --observed DIR\n"
	"  --json             print the plan as JSON\n"
	"  --no-color         no colours (also NO_COLOR=1; colour is only used on a terminal)\n"
	"  -h, --help         this help\n\n"
	"Exit: 0 no changes, 2 changes pending (--all: on any host), 1 error, 3 a --pack commit\n"
	"refused (unsigned where signatures are verified).\n";

/* The plan for the snapshot's Host, from the snapshot: no kernel, no root. */
static int plan_from_snapshot(const struct cmd_ctx *c, struct plan **plan)
{
	struct snapshot snap = {0};
	struct pipeline_opts o;
	struct pipeline_host ph = {0};
	struct wgf_error err = {0};
	struct model *m = NULL;
	char *text = NULL;
	size_t len = 0;
	int r;

	*plan = NULL;
	r = fileio_read(c->observed, &text, &len);
	if (r < 0) {
		cmd_error("reading %s: %s", c->observed, strerror(-r));
		goto out;
	}
	r = snapshot_parse(text, len, &snap, &err);
	if (r < 0) {
		wgf_error_prefix(&err, "%s", c->observed);
		goto out;
	}
	if (c->host && strcmp(c->host, snap.host)) {
		r = wgf_error_set(&err, -EINVAL, "%s was observed for Host \"%s\", not \"%s\"", c->observed,
				  snap.host, c->host);
		goto out;
	}
	r = cmd_load_model(c, &m);
	if (r < 0)
		goto out;
	cmd_pipeline_opts(c, &o);
	o.host = snap.host;
	if (!c->key_file_given)
		o.key_file = o.sealing_key_file = NULL;
	r = pipeline_identify(m, &o, &ph, &err);
	if (r < 0)
		goto out;
	r = pipeline_plan_observed(m, &ph, &o, snap.observed, &snap.rec, plan, &err);
	snap.observed = NULL;
out:
	if (wgf_error_is_set(&err))
		cmd_error("%s", wgf_error_message(&err));
	wgf_error_clear(&err);
	pipeline_host_clear(&ph);
	snapshot_clear(&snap);
	model_free(m);
	free(text);
	return r;
}

int cmd_plan(int argc, char **argv)
{
	static const struct option opts[] = {
		CMD_SOURCE_OPTIONS, CMD_HOST_OPTIONS, CMD_NOTICE_OPTIONS, CMD_OUTPUT_OPTIONS,
		{ "observed", required_argument, NULL, OPT_OBSERVED },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "base", required_argument, NULL, OPT_BASE },
		{ "out", required_argument, NULL, OPT_PLAN_OUT },
		CMD_PACK_OPTION,
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
	if (c.base && !c.all) {
		cmd_error("plan: --base goes with --all (every Host, offline)");
		return EXIT_ERROR;
	}
	if (c.all && c.host) {
		cmd_error("plan: --all plans every Host offline; it takes no --host");
		return EXIT_ERROR;
	}
	if (c.pack && (r = cmd_take_pack(&c)) < 0)
		return r == -EPERM ? EXIT_REFUSED : EXIT_ERROR;
	if (c.all)
		return cmd_plan_all(&c);
	if (c.observed ? plan_from_snapshot(&c, &p) < 0 : cmd_make_plan(&c, false, &p, &k) < 0)
		return EXIT_ERROR;
	po.color = c.color;
	r = 0;
	if (c.out && cmd_save_plans(&c, &p, 1) < 0) {
		r = -1;
	} else if (c.out && !strcmp(c.out, "-")) {
		/* stdout holds the saved plan */
		if (!c.json)
			plan_print_text(p, &(struct plan_print_opts){ .color = cmd_color_enabled(stderr) }, stderr);
	} else if (c.json) {
		r = plan_print_json(p, stdout);
	} else {
		plan_print_text(p, &po, stdout);
	}
	r = r < 0 ? EXIT_ERROR : plan_is_empty(p) ? EXIT_OK : EXIT_CHANGES;
	plan_free(p);
	kernel_free(k);
	return r;
}
