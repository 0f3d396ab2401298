#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/notify.h"
#include "cmd/wgf.h"
#include "reconcile/host/pipeline.h"

static const char help[] =
	"Usage: wgf apply [PATH] [--repo DIR --ref REF] [--host NAME] [--yes] [options]\n"
	"       wgf apply FILE|- [--host NAME] [--yes] [--json] [options]\n\n"
	"Makes this host match the repository: computes the same plan as `wgf plan`, prints\n"
	"it, and carries it out in dependency order (interfaces, device, peers one by one,\n"
	"addresses, routes, sysctls, the nftables table in one transaction, then the DNS\n"
	"of its interfaces). On a terminal it asks before changing anything unless --yes\n"
	"is given; elsewhere (CI, timers) it applies directly. A converged host writes\n"
	"nothing. On a failure it undoes what it did, names the object and the kernel's\n"
	"reason, and exits 1; running it again converges.\n\n"
	"Given a saved plan (FILE, a regular file, or - for stdin; written by `wgf plan\n"
	"--out`), it applies exactly that plan and nothing else: the entry for this host\n"
	"(--host NAME, else the one for the key file's key, else this hostname; a file\n"
	"of several hosts is fine). It observes the host again and refuses, changing\n"
	"nothing, when the plan was made by another wgf version, is for another key,\n"
	"is stale (what the host has changed since: its fingerprint, or the plan made\n"
	"again now differs), or was applied here before (single use; the ids are kept\n"
	"in the state directory). The journal names the saved plan and its commit.\n\n"
	"  --repo DIR         read from this git repository (no checkout needed)\n"
	"  --ref REF          commit, branch or tag (default HEAD)\n"
	"  --allow-empty      a repository with no YAML documents is not an error\n"
	"  --host NAME        the Host to apply (default: matched by key, then hostname)\n"
	"  --key-file FILE    this host's private key (default /etc/wgf/private.key, $WGF_KEY_FILE)\n"
	CMD_KEY_FILES_HELP
	"  --state-dir DIR    wgf's records, lock and journal (default /var/lib/wgf, $WGF_STATE_DIR)\n"
	"  --backend B        for new interfaces: auto (kernel if it has WireGuard, else\n"
	"                     userspace), kernel, or userspace (wireguard-go)\n"
	"  --wireguard-go P   userspace implementation to run (default wireguard-go, $WGF_WIREGUARD_GO)\n"
	CMD_PACK_HELP
	"  --expiry-warning DAYS\n"
	"                     list this host's peers that expire within DAYS (default 14; 0: none)\n"
	"  -y, --yes          do not ask for confirmation\n"
	"  --json             print the plan and the result as one JSON object\n"
	"  --no-color         no colours (also NO_COLOR=1)\n"
	"  -h, --help         this help\n\n"
	"An apply that changed something, or failed, is announced as apply-completed or\n"
	"apply-failed to the hooks and webhooks of " WGF_DEFAULT_HOSTCONF " ($WGF_CONFIG),\n"
	"as `wgf reconcile` does (README, Notifications).\n\n"
	"Exit: 0 applied (or nothing to do), 1 error (a saved plan that is malformed\n"
	"included), 3 a saved plan or a --pack commit refused (nothing changed).\n";

static void apply_warn(const char *msg)
{
	cmd_error("warning: %s", msg);
}

/* apply-completed or apply-failed, when the host's settings file sets up
 * notifications; a broken file is said and the apply stands. */
static void apply_notify(const struct cmd_ctx *c, const struct plan *p, int r, const struct apply_result *res,
			 const char *by)
{
	const char *config = getenv("WGF_CONFIG");
	struct cmd_notify n;
	struct hostconf hc;
	struct notify_event *e;

	if (hostconf_init(&hc) < 0)
		return;
	if (cmd_notify_from_config(&n, &hc, config ? config : WGF_DEFAULT_HOSTCONF, config != NULL, c->state_dir) < 0) {
		cmd_error("warning: no notification of this apply");
		goto out;
	}
	e = cmd_notify_event(&n, r < 0 ? NOTIFY_APPLY_FAILED : NOTIFY_APPLY_COMPLETED, c->now, p->host_name,
			     p->commit);
	if (e && r < 0) {
		notify_event_summary(e, "%s on host %s failed: %s", by, p->host_name,
				     wgf_error_message(&res->error));
		notify_event_add_string(e, "source", p->source);
		notify_event_add_string(e, "outcome", res->rolled_back ? "rolled-back" : "failed");
		notify_event_add_string(e, "reason", wgf_error_message(&res->error));
	} else if (e) {
		notify_event_summary(e, "%s on host %s: %s: %zu added, %zu changed, %zu destroyed",
				     by, p->host_name, p->source, p->n_create, p->n_update, p->n_delete);
		notify_event_add_string(e, "source", p->source);
		notify_event_add_int(e, "create", (int64_t)p->n_create);
		notify_event_add_int(e, "update", (int64_t)p->n_update);
		notify_event_add_int(e, "delete", (int64_t)p->n_delete);
	}
	if (e)
		notify_event_add_string(e, "by", by);
	cmd_notify_flush(&n, hc.notify_timeout * 1000);
out:
	cmd_notify_clear(&n);
	hostconf_clear(&hc);
}

int cmd_apply_run(struct cmd_ctx *c, const char *by)
{
	struct plan_print_opts po = {0};
	struct apply_opts ao = {0};
	struct apply_result res = {0};
	struct plan *p = NULL;
	struct kernel *k = NULL;
	int r, lock, ret = EXIT_ERROR;

	/* A first apply finds no lock to take: the state directory is made only once
	 * the repository has loaded, so a broken one leaves the host as it was. */
	lock = statedir_lock(c->state_dir, false);
	if (lock < 0 && lock != -ENOENT) {
		cmd_lock_error(c, lock);
		return EXIT_ERROR;
	}
	c->lock = &lock;
	if (cmd_make_plan(c, true, &p, &k) < 0)
		goto out;
	ao.backend = c->backend;
	ao.wireguard_go = c->wireguard_go;
	ao.state_dir = c->state_dir;
	ao.revision = p->commit;
	ao.key_file = c->key_file;
	ao.next_key_file = c->next_key_file;
	ao.signer_principal = c->pack_signer[0] ? c->pack_signer : NULL;
	ao.signer_fingerprint = c->pack_signer_fp[0] ? c->pack_signer_fp : NULL;
	if (plan_is_empty(p)) {
		pipeline_apply(k, p, &ao, apply_warn, &res);
		if (c->json)
			cmd_apply_print_json(p, &res, 0, NULL);
		else
			plan_print_text(p, &po, stdout);
		ret = EXIT_OK;
		goto out;
	}
	if (!c->json) {
		po.color = c->color;
		plan_print_text(p, &po, stdout);
		fflush(stdout);
	}
	if (!c->yes && !c->json && isatty(STDIN_FILENO) && !cmd_apply_confirm()) {
		fputs("Apply cancelled; nothing was changed.\n", stderr);
		goto out;
	}
	ao.log = c->json ? NULL : stdout;
	ao.color = c->color;
	ao.progress = isatty(STDERR_FILENO);
	if (ao.log)
		fputs("\n", ao.log);
	r = pipeline_apply(k, p, &ao, apply_warn, &res);
	statedir_unlock(lock);
	lock = -1;
	apply_notify(c, p, r, &res, by);
	if (c->json) {
		cmd_apply_print_json(p, &res, r, NULL);
	} else if (r == 0) {
		printf("\nApply complete: %zu added, %zu changed, %zu destroyed.\n", p->n_create, p->n_update, p->n_delete);
	}
	if (r < 0) {
		cmd_error("apply failed: %s", wgf_error_message(&res.error));
		if (res.rolled_back)
			fprintf(stderr, "wgf: the changes made before the failure were undone\n");
		else if (wgf_error_is_set(&res.rollback_error))
			fprintf(stderr, "wgf: undoing the partial apply failed too: %s\n"
				"wgf: run `wgf plan` to see where this host stands\n",
				wgf_error_message(&res.rollback_error));
		goto out;
	}
	ret = EXIT_OK;
out:
	fflush(stdout);
	c->lock = NULL;
	apply_result_clear(&res);
	plan_free(p);
	kernel_free(k);
	statedir_unlock(lock);
	return ret;
}

int cmd_apply(int argc, char **argv)
{
	static const struct option opts[] = {
		CMD_SOURCE_OPTIONS, CMD_HOST_OPTIONS, CMD_NOTICE_OPTIONS, CMD_OUTPUT_OPTIONS,
		{ "yes", no_argument, NULL, 'y' },
		CMD_PACK_OPTION,
		{ "help", no_argument, NULL, 'h' }, { 0 }
	};
	struct cmd_ctx c;
	struct stat st;
	int r;

	cmd_ctx_init(&c, "apply");
	r = cmd_parse(&c, argc, argv, opts, help, true);
	if (r <= 0)
		return r < 0 ? EXIT_ERROR : EXIT_OK;
	if (!strcmp(c.path, "-") || (!c.repo && stat(c.path, &st) == 0 && S_ISREG(st.st_mode)))
		return cmd_apply_saved(&c);
	if (c.pack && (r = cmd_take_pack(&c)) < 0)
		return r == -EPERM ? EXIT_REFUSED : EXIT_ERROR;
	return cmd_apply_run(&c, "wgf apply");
}
