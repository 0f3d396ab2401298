#include <errno.h>
#include <git2.h>
#include <json-c/json.h>
#include <limits.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/wgf.h"
#include "cmd/notify.h"
#include "reconcile/host/allowed_signers.h"
#include "reconcile/host/converged.h"
#include "reconcile/host/keyfile.h"
#include "reconcile/host/fileio.h"
#include "reconcile/host/gitfetch.h"
#include "reconcile/host/hostconf.h"
#include "reconcile/host/journal.h"
#include "reconcile/host/loopstate.h"
#include "reconcile/host/trust.h"

static const char help[] =
	"Usage: wgf reconcile [--config FILE] [--remote URL] [--ref REF] [options]\n\n"
	"One run of the GitOps loop: fetches REF from the remote into wgf's mirror\n"
	"(<state-dir>/mirror.git), checks that the revision is trusted (signed by an\n"
	"allowed signer, per --verify, and a descendant of the last applied one), then\n"
	"plans and applies it like `wgf apply --yes`, and records the outcome (see\n"
	"`wgf status`, `wgf journal`). Settings come from " WGF_DEFAULT_HOSTCONF ";\n"
	"each has a flag that overrides it. The wgf-reconcile.timer runs this.\n\n"
	"  --config FILE           the settings file (default " WGF_DEFAULT_HOSTCONF ", $WGF_CONFIG)\n"
	"  --remote URL            ssh://user@host[:port]/path, user@host:path, https://…, file://…\n"
	"  --ref REF               branch (main = refs/heads/main) or refs/tags/NAME (default main)\n"
	"  --verify MODE           commit: the head commit is signed by an allowed signer (default);\n"
	"                          tag: REF points at a signed annotated tag; off: no check (loud)\n"
	"  --allowed-signers FILE  signers (default /etc/wgf/allowed_signers; git's allowedSignersFile)\n"
	"  --ssh-key FILE          SSH deploy key, Ed25519 (default /etc/wgf/deploy_key)\n"
	"  --known-hosts FILE      the SSH server's host key (default /etc/wgf/known_hosts)\n"
	"  --accept-new-host-key   a host absent from --known-hosts: add its key (trust on first use)\n"
	"  --token-file FILE       HTTPS: a token, sent as the password of --token-user (default git)\n"
	"  --ca-file FILE          HTTPS: trust these CAs instead of the system store\n"
	"  --fetch-timeout SECONDS the fetch is killed after this (default 60)\n"
	"  --interval SECONDS      the timer's interval, where the backoff starts (default 300)\n"
	"  --backoff-max SECONDS   the longest wait after failures (default 3600)\n"
	"  --metrics-textfile DIR  after every run, write DIR/wgf.prom (wgf metrics) for\n"
	"                          node_exporter's textfile collector\n"
	"  --allow-rewind          apply a revision that does not descend from the last applied one\n"
	"  --force                 run even while backing off after failures\n"
	"  --dry-run               fetch, verify and plan; change nothing, record nothing\n"
	"  --hooks-dir DIR, --webhook URL (repeatable), --webhook-secret-file FILE,\n"
	"  --webhook-ca-file FILE, --notify-timeout SECONDS, --notify-retries N\n"
	"                          notifications (README \"Notifications\"): the run's events\n"
	"                          go to the hooks and webhooks; reconcile waits for their\n"
	"                          delivery at most --notify-timeout (default 5) at its end\n"
	"  --host NAME, --key-file FILE, --next-key-file FILE, --sealing-key-file FILE,\n"
	"  --state-dir DIR, --backend B, --wireguard-go P\n"
	"                          as for `wgf apply` (a commit that declares the prepared\n"
	"                          next key of `wgf host rotate` switches to it)\n"
	"  --json                  print the outcome and the plan as one JSON object\n"
	"  --no-color              no colours (also NO_COLOR=1)\n"
	"  -h, --help              this help\n\n"
	"Exit: 0 the host is at a trusted revision (applied, nothing to do, suspended or\n"
	"backing off), 1 error (fetch, load, apply), 3 refused (untrusted revision; the\n"
	"host is unchanged).\n";

enum {
	OPT_CONFIG = 0x200, OPT_HC, OPT_ACCEPT_NEW, OPT_ALLOW_REWIND, OPT_DRY_RUN,
};

struct rc {
	struct cmd_ctx c;
	struct hostconf hc;
	const char *config;
	bool config_given, accept_new, allow_rewind, dry_run;
	struct loopstate ls;
	struct loop_run run;           /* this run */
	char mirror[PATH_MAX];
	char fetched[GITFETCH_OID_HEX];
	struct trust_verdict v;
	struct plan *plan;
	char *source;
	struct timespec t0;            /* CLOCK_MONOTONIC at the start of the run */
	struct cmd_notify nt;          /* the run's events */
	bool drift;                    /* changes at the revision last applied */
};

/* The clock at the end of the run: the backoff counts from there, so a fetch
 * that took its whole timeout still waits the backoff after it. */
static int64_t rc_end_time(const struct rc *rc)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return rc->c.now + (int64_t)(t.tv_sec - rc->t0.tv_sec) - (t.tv_nsec < rc->t0.tv_nsec);
}

static int rc_config(struct rc *rc, int argc, char **argv)
{
	struct wgf_error err = {0};
	char *text = NULL;
	size_t len = 0;
	int r;

	rc->config = getenv("WGF_CONFIG") ? getenv("WGF_CONFIG") : WGF_DEFAULT_HOSTCONF;
	rc->config_given = getenv("WGF_CONFIG") != NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			rc->config = argv[i + 1];
			rc->config_given = true;
		} else if (!strncmp(argv[i], "--config=", 9)) {
			rc->config = argv[i] + 9;
			rc->config_given = true;
		}
	}
	r = fileio_read(rc->config, &text, &len);
	if (r == -ENOENT && !rc->config_given)
		return 0;
	if (r < 0) {
		cmd_error("reading %s: %s", rc->config, strerror(-r));
		return r;
	}
	r = hostconf_parse(&rc->hc, text, len, rc->config, &err);
	free(text);
	if (r < 0) {
		cmd_error("%s", wgf_error_message(&err));
		wgf_error_clear(&err);
	}
	return r;
}

/* The config file's apply settings, as if given first on the command line. */
static int rc_config_to_ctx(struct rc *rc)
{
	const struct { const char *v; int opt; } m[] = {
		{ rc->hc.host, OPT_HOST }, { rc->hc.key_file, OPT_KEY_FILE },
		{ rc->hc.state_dir, OPT_STATE_DIR }, { rc->hc.backend, OPT_BACKEND },
		{ rc->hc.wireguard_go, OPT_WIREGUARD_GO },
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (m[i].v && cmd_ctx_option(&rc->c, m[i].opt, m[i].v) < 0)
			return -EINVAL;
	return 0;
}

static int rc_parse(struct rc *rc, int argc, char **argv)
{
	static const struct option opts[] = {
		CMD_HOST_OPTIONS, CMD_NOTICE_OPTIONS, CMD_OUTPUT_OPTIONS,
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "remote", required_argument, NULL, OPT_HC }, { "ref", required_argument, NULL, OPT_HC },
		{ "verify", required_argument, NULL, OPT_HC }, { "allowed-signers", required_argument, NULL, OPT_HC },
		{ "ssh-key", required_argument, NULL, OPT_HC }, { "known-hosts", required_argument, NULL, OPT_HC },
		{ "token-file", required_argument, NULL, OPT_HC }, { "token-user", required_argument, NULL, OPT_HC },
		{ "ca-file", required_argument, NULL, OPT_HC }, { "fetch-timeout", required_argument, NULL, OPT_HC },
		{ "interval", required_argument, NULL, OPT_HC }, { "backoff-max", required_argument, NULL, OPT_HC },
		{ "hooks-dir", required_argument, NULL, OPT_HC }, { "webhook", required_argument, NULL, OPT_HC },
		{ "webhook-secret-file", required_argument, NULL, OPT_HC },
		{ "webhook-ca-file", required_argument, NULL, OPT_HC },
		{ "notify-timeout", required_argument, NULL, OPT_HC }, { "notify-retries", required_argument, NULL, OPT_HC },
		{ "metrics-textfile", required_argument, NULL, OPT_HC },
		{ "accept-new-host-key", no_argument, NULL, OPT_ACCEPT_NEW },
		{ "allow-rewind", no_argument, NULL, OPT_ALLOW_REWIND },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "yes", no_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' }, { 0 }
	};
	struct wgf_error err = {0};
	int opt, idx, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "hy", opts, &idx)) != -1) {
		switch (opt) {
		case 'h': fputs(help, stdout); return 0;
		case 'y': continue;
		case OPT_CONFIG: continue;
		case OPT_ACCEPT_NEW: rc->accept_new = true; continue;
		case OPT_ALLOW_REWIND: rc->allow_rewind = true; continue;
		case OPT_DRY_RUN: rc->dry_run = true; continue;
		case OPT_HC:
			if (hostconf_set(&rc->hc, opts[idx].name, optarg, &err) < 0) {
				cmd_error("--%s", wgf_error_message(&err));
				wgf_error_clear(&err);
				return -1;
			}
			continue;
		}
		r = cmd_ctx_option(&rc->c, opt, optarg);
		if (r <= 0) {
			if (r == 0)
				fputs(help, stderr);
			return -1;
		}
	}
	if (optind < argc) {
		cmd_error("reconcile: unexpected argument \"%s\" (see wgf reconcile --help)", argv[optind]);
		return -1;
	}
	cmd_key_paths(&rc->c);
	if (!rc->hc.remote) {
		cmd_error("reconcile: no remote: set `remote = URL` in %s or pass --remote", rc->config);
		return -1;
	}
	return 1;
}

static void rc_note(const char *msg)
{
	fprintf(stderr, "wgf: %s\n", msg);
}

static int rc_fetch(struct rc *rc, struct wgf_error *err)
{
	struct gitfetch_opts o = {
		.mirror = rc->mirror, .url = rc->hc.remote, .ssh_key = rc->hc.ssh_key,
		.known_hosts = rc->hc.known_hosts, .accept_new_host_key = rc->accept_new,
		.token_file = rc->hc.token_file, .token_user = rc->hc.token_user, .ca_file = rc->hc.ca_file,
		.timeout = rc->hc.fetch_timeout, .note = rc_note,
	};
	char *ref = hostconf_full_ref(rc->hc.ref);
	int r;

	if (!ref)
		return wgf_error_set(err, -ENOMEM, NULL);
	o.ref = ref;
	if (!rc->c.json && isatty(STDERR_FILENO))
		fprintf(stderr, "Fetching %s from %s …\n", ref, rc->hc.remote);
	r = gitfetch(&o, rc->fetched, err);
	free(ref);
	return r;
}

/* Whether the fetched revision may be applied: -EPERM refuses it. */
static int rc_verify(struct rc *rc, struct wgf_error *err)
{
	return trust_check_mirror(rc->mirror, rc->fetched, &rc->hc,
				  rc->allow_rewind ? NULL : rc->ls.last_applied.revision, &rc->v, err);
}

/* "commit 1a2b3c4d5e6f (main), signed by alice@example.org SHA256:…" */
static int rc_source(struct rc *rc)
{
	int n;

	if (rc->v.principal)
		n = asprintf(&rc->source, "commit %.12s (%s), signed by %s %s", rc->v.commit, rc->hc.ref,
			     rc->v.principal, rc->v.fingerprint);
	else
		n = asprintf(&rc->source, "commit %.12s (%s), not verified (verify = off)", rc->v.commit,
			     rc->hc.ref);
	if (n < 0) {
		rc->source = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* The no-op run: the trusted commit is the one this host converged on, with
 * the same key and wgf, no peer has expired since, and the host still looks
 * as it did then. 1: nothing to do (said); 0: plan as usual. */
static int rc_converged(struct rc *rc)
{
	struct wgf_error err = {0};
	struct converged cv;
	uint8_t key[WG_KEY_LEN], pub[WG_KEY_LEN];
	char b64[WG_KEY_B64_LEN];
	bool same = false;
	int r;

	if (converged_load(rc->c.state_dir, &cv) < 0)
		return 0;
	r = keyfile_read(rc->c.key_file, key);
	if (r == 0)
		r = key_public_from_private(pub, key);
	sodium_memzero(key, sizeof(key));
	if (r < 0 || strcmp(cv.revision, rc->v.commit) || strcmp(cv.version, WGF_VERSION) ||
	    (rc->c.host && strcmp(cv.host, rc->c.host)) || (cv.valid_until && rc->c.now >= cv.valid_until) ||
	    strcmp(cv.public_key, key_to_base64(pub, b64)))
		goto out;
	if (pipeline_converged_check(rc->c.state_dir, &cv, &same, &err) < 0)
		same = false;
	if (same && !rc->c.json)
		printf("No changes. Host \"%s\" matches the desired state (%s; as at the last run, "
		       "nothing it depends on has changed).\n", cv.host, rc->source);
out:
	wgf_error_clear(&err);
	converged_clear(&cv);
	return same;
}

/* Plans the trusted commit and applies it. 0, or < 0 after saying why. */
static int rc_apply(struct rc *rc, int *lock, enum loop_outcome *outcome, struct wgf_error *why)
{
	struct plan_print_opts po = { .color = rc->c.color };
	struct apply_opts ao = {0};
	struct apply_result res = {0};
	struct kernel *k = NULL;
	struct converged cv = {0};
	int r;

	*outcome = LOOP_FAILED;
	if (rc_converged(rc)) {
		*outcome = LOOP_NO_CHANGES;
		return 0;
	}
	converged_remove(rc->c.state_dir);
	rc->c.converged = &cv;
	rc->c.repo = rc->mirror;
	rc->c.ref = rc->v.commit;
	rc->c.lock = lock;
	r = cmd_make_plan(&rc->c, true, &rc->plan, &k);
	if (r < 0) {
		wgf_error_set(why, r, "could not plan commit %.12s (see the messages above)", rc->v.commit);
		goto out;
	}
	free(rc->plan->source);
	rc->plan->source = rc->source;
	rc->source = NULL;
	if (!rc->c.json)
		plan_print_text(rc->plan, &po, stdout);
	rc->drift = !plan_is_empty(rc->plan) && rc->ls.last_applied.revision &&
		    !strcmp(rc->ls.last_applied.revision, rc->v.commit);
	if (rc->dry_run) {
		*outcome = plan_is_empty(rc->plan) ? LOOP_NO_CHANGES : LOOP_APPLIED;
		goto out;
	}
	/* converged: what was observed is what the next no-op run compares with */
	if (plan_is_empty(rc->plan) && (cv.revision = strdup(rc->v.commit)) && (cv.version = strdup(WGF_VERSION)))
		converged_save(rc->c.state_dir, &cv);
	ao.backend = rc->c.backend;
	ao.wireguard_go = rc->c.wireguard_go;
	ao.state_dir = rc->c.state_dir;
	ao.revision = rc->v.commit;
	ao.key_file = rc->c.key_file;
	ao.next_key_file = rc->c.next_key_file;
	ao.signer_principal = rc->v.principal;
	ao.signer_fingerprint = rc->v.signed_ ? rc->v.fingerprint : NULL;
	ao.log = rc->c.json || plan_is_empty(rc->plan) ? NULL : stdout;
	ao.color = rc->c.color;
	ao.progress = !rc->c.json && isatty(STDERR_FILENO);
	if (ao.log)
		fputs("\n", ao.log);
	fflush(stdout);
	r = pipeline_apply(k, rc->plan, &ao, rc_note, &res);
	if (r < 0) {
		wgf_error_set(why, r, "apply failed: %s%s", wgf_error_message(&res.error),
			      res.rolled_back ? " (the changes made before the failure were undone)" : "");
		goto out;
	}
	*outcome = plan_is_empty(rc->plan) ? LOOP_NO_CHANGES : LOOP_APPLIED;
out:
	apply_result_clear(&res);
	converged_clear(&cv);
	rc->c.converged = NULL;
	kernel_free(k);
	return r;
}

/* What this run's plan changes, by kind of object; a run that found the host
 * converged without planning changes nothing; one that did not plan keeps the last. */
static void rc_record_drift(struct rc *rc, enum loop_outcome outcome)
{
	struct loop_drift d[PLAN_OBJ_DNS + 1];
	size_t n = 0;

	if (!rc->plan && outcome != LOOP_NO_CHANGES)
		return;
	for (int k = PLAN_OBJ_LINK; k <= PLAN_OBJ_DNS; k++) {
		d[n] = (struct loop_drift){ (char *)plan_obj_name((enum plan_obj)k), 0 };
		for (size_t i = 0; rc->plan && i < rc->plan->n_actions; i++)
			d[n].n += rc->plan->actions[i].obj == (enum plan_obj)k;
		n++;
	}
	if (loopstate_set_drift(&rc->ls, d, n) < 0)
		cmd_error("warning: recording drift: %s", strerror(ENOMEM));
}

static char *dup_or_null(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

/* This run into the loop's state: the backoff grows on failure, resets on success. */
static void rc_record(struct rc *rc, enum loop_outcome outcome, const struct wgf_error *why)
{
	struct loop_run *run = &rc->run;
	struct loopstate *ls = &rc->ls;

	loop_run_clear(run);
	run->time = rc->c.now;
	run->outcome = outcome;
	run->revision = dup_or_null(rc->v.commit[0] ? rc->v.commit : rc->fetched);
	run->reason = wgf_error_is_set(why) ? strdup(wgf_error_message(why)) : NULL;
	run->principal = dup_or_null(rc->v.principal);
	run->fingerprint = rc->v.signed_ ? dup_or_null(rc->v.fingerprint) : NULL;
	free(ls->remote);
	free(ls->ref);
	free(ls->verify);
	ls->remote = strdup(rc->hc.remote);
	ls->ref = strdup(rc->hc.ref);
	ls->verify = strdup(hostconf_verify_name(rc->hc.verify));
	loop_run_clear(&ls->last_attempt);
	ls->last_attempt = *run;
	if (loop_outcome_failed(outcome)) {
		ls->consecutive_failures++;
		ls->next_attempt = rc_end_time(rc) + loopstate_backoff(ls->consecutive_failures, rc->hc.interval,
								 rc->hc.backoff_max);
	} else {
		ls->consecutive_failures = 0;
		ls->last_success = run->time;
		ls->next_attempt = rc_end_time(rc) + rc->hc.interval;
		/* the same revision again: it was applied when it first was */
		if (ls->last_applied.revision && run->revision && !strcmp(ls->last_applied.revision, run->revision))
			goto out;
		loop_run_clear(&ls->last_applied);
		ls->last_applied.revision = dup_or_null(run->revision);
		ls->last_applied.time = run->time;
		ls->last_applied.outcome = outcome;
		ls->last_applied.principal = dup_or_null(run->principal);
		ls->last_applied.fingerprint = dup_or_null(run->fingerprint);
	}
out:
	memset(run, 0, sizeof(*run));   /* now owned by ls->last_attempt */
}

static void rc_print_json(const struct rc *rc, enum loop_outcome o, const struct wgf_error *why)
{
	json_object *j = json_object_new_object(), *s = NULL;
	char t[LOOPSTATE_TIME_LEN];

	json_object_object_add(j, "outcome", json_object_new_string(loop_outcome_name(o)));
	json_object_object_add(j, "dry_run", json_object_new_boolean(rc->dry_run));
	json_object_object_add(j, "remote", json_object_new_string(rc->hc.remote));
	json_object_object_add(j, "ref", json_object_new_string(rc->hc.ref));
	json_object_object_add(j, "verify", json_object_new_string(hostconf_verify_name(rc->hc.verify)));
	json_object_object_add(j, "revision", rc->v.commit[0] ? json_object_new_string(rc->v.commit) :
				rc->fetched[0] ? json_object_new_string(rc->fetched) : NULL);
	json_object_object_add(j, "tag", rc->v.tag[0] ? json_object_new_string(rc->v.tag) : NULL);
	if (rc->v.signed_) {
		s = json_object_new_object();
		json_object_object_add(s, "principal", rc->v.principal ? json_object_new_string(rc->v.principal) : NULL);
		json_object_object_add(s, "fingerprint", json_object_new_string(rc->v.fingerprint));
	}
	json_object_object_add(j, "signer", s);
	json_object_object_add(j, "reason", wgf_error_is_set(why) ? json_object_new_string(wgf_error_message(why)) : NULL);
	json_object_object_add(j, "consecutive_failures", json_object_new_int64(rc->ls.consecutive_failures));
	json_object_object_add(j, "next_attempt", rc->ls.next_attempt ?
				json_object_new_string(loopstate_time(rc->ls.next_attempt, t)) : NULL);
	json_object_object_add(j, "plan", rc->plan ? plan_to_json(rc->plan) : NULL);
	puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(j);
}

static void rc_print(const struct rc *rc, enum loop_outcome o, const struct wgf_error *why)
{
	char t[LOOPSTATE_TIME_LEN];
	const struct plan *p = rc->plan;

	if (rc->c.json) {
		rc_print_json(rc, o, why);
		return;
	}
	switch (o) {
	case LOOP_APPLIED:
	case LOOP_NO_CHANGES:
		if (rc->dry_run)
			printf("\nDry run: commit %.12s (%s) is trusted; %s.\n", rc->v.commit, rc->hc.ref,
			       o == LOOP_NO_CHANGES ? "nothing to do" : "nothing was changed");
		else if (o == LOOP_APPLIED)
			printf("\nReconciled to %s: %zu added, %zu changed, %zu destroyed.\n", p->source,
			       p->n_create, p->n_update, p->n_delete);
		else
			printf("Reconciled: commit %.12s (%s) is applied; nothing to do.\n", rc->v.commit, rc->hc.ref);
		return;
	case LOOP_REFUSED:
		cmd_error("refused commit %s: %s; nothing was changed", rc->v.commit[0] ? rc->v.commit : rc->fetched,
			  wgf_error_message(why));
		break;
	default:
		cmd_error("%s", wgf_error_message(why));
		break;
	}
	if (!rc->dry_run && rc->ls.consecutive_failures)
		cmd_error("%u consecutive failure%s; next attempt at %s", rc->ls.consecutive_failures,
			  rc->ls.consecutive_failures == 1 ? "" : "s", loopstate_time(rc->ls.next_attempt, t));
}

/* Suspended, or backing off: 1 after saying so (the run ends there, exit 0). */
static int rc_should_skip(const struct rc *rc)
{
	char t[LOOPSTATE_TIME_LEN];

	if (rc->ls.suspended) {
		fprintf(stderr, "wgf: reconcile suspended by %s at %s: %s (`wgf resume` ends it)\n",
			rc->ls.suspended_by ? rc->ls.suspended_by : "?", loopstate_time(rc->ls.suspended_at, t),
			rc->ls.suspended_reason ? rc->ls.suspended_reason : "no reason given");
		return 1;
	}
	if (rc->ls.consecutive_failures && rc->c.now < rc->ls.next_attempt && !rc->c.force && !rc->dry_run) {
		fprintf(stderr, "wgf: backing off after %u failure%s; next attempt at %s (use --force to run now)\n",
			rc->ls.consecutive_failures, rc->ls.consecutive_failures == 1 ? "" : "s",
			loopstate_time(rc->ls.next_attempt, t));
		return 1;
	}
	return 0;
}

/* A refusal is journaled: which commit, why, and whose key signed it. */
static void rc_journal_refusal(const struct rc *rc, const struct wgf_error *why)
{
	struct journal_entry e = {
		.host = rc->c.host, .result = JOURNAL_REFUSED,
		.revision = rc->v.commit[0] ? rc->v.commit : rc->fetched,
		.signer_principal = rc->v.principal,
		.signer_fingerprint = rc->v.signed_ ? rc->v.fingerprint : NULL,
		.reason = wgf_error_message(why),
	};
	char source[512];
	int r;

	if (rc->dry_run)
		return;
	snprintf(source, sizeof(source), "%s %s", rc->hc.remote, rc->hc.ref);
	e.source = source;
	r = journal_append(rc->c.state_dir, &e);
	if (r < 0)
		cmd_error("warning: journaling the refusal in %s: %s", rc->c.state_dir, strerror(-r));
}

static enum loop_outcome rc_run(struct rc *rc, int *lock, struct wgf_error *why)
{
	enum loop_outcome o;
	int r;

	if (rc->hc.verify == HOSTCONF_VERIFY_OFF)
		cmd_error("WARNING: signature verification is off (verify = off): any commit on %s is applied",
			  rc->hc.ref);
	if (rc_fetch(rc, why) < 0)
		return LOOP_FETCH_FAILED;
	r = rc_verify(rc, why);
	if (r == -EPERM) {
		rc_journal_refusal(rc, why);
		return LOOP_REFUSED;
	}
	if (r < 0)
		return LOOP_FAILED;
	if (rc_source(rc) < 0) {
		wgf_error_set(why, -ENOMEM, NULL);
		return LOOP_FAILED;
	}
	rc_apply(rc, lock, &o, why);
	return o;
}

static const char *rc_host(const struct rc *rc)
{
	return rc->plan && rc->plan->host_name ? rc->plan->host_name : rc->c.host;
}

static void rc_notify_counts(struct notify_event *e, const struct plan *p)
{
	notify_event_add_int(e, "create", (int64_t)p->n_create);
	notify_event_add_int(e, "update", (int64_t)p->n_update);
	notify_event_add_int(e, "delete", (int64_t)p->n_delete);
}

/* drift-detected and -repaired, apply-completed and -failed, commit-refused */
static void rc_notify_outcome(struct rc *rc, enum loop_outcome o, const struct wgf_error *why)
{
	const char *rev = rc->v.commit[0] ? rc->v.commit : rc->fetched[0] ? rc->fetched : NULL;
	struct notify_event *e;
	const struct plan *p = rc->plan;

	if (rc->drift && p && (e = cmd_notify_event(&rc->nt, NOTIFY_DRIFT_DETECTED, rc->c.now, rc_host(rc), rev))) {
		notify_event_summary(e, "drift on host %s at the applied commit %.12s: %zu to add, %zu to change, "
				     "%zu to destroy", rc_host(rc), rev, p->n_create, p->n_update, p->n_delete);
		rc_notify_counts(e, p);
		notify_event_add_int(e, "items", (int64_t)(p->n_create + p->n_update + p->n_delete));
	}
	if (o == LOOP_APPLIED && rc->drift &&
	    (e = cmd_notify_event(&rc->nt, NOTIFY_DRIFT_REPAIRED, rc->c.now, rc_host(rc), rev))) {
		notify_event_summary(e, "drift on host %s repaired (commit %.12s)", rc_host(rc), rev);
		rc_notify_counts(e, p);
	}
	if (o == LOOP_APPLIED && (e = cmd_notify_event(&rc->nt, NOTIFY_APPLY_COMPLETED, rc->c.now, rc_host(rc), rev))) {
		notify_event_summary(e, "host %s reconciled to %s: %zu added, %zu changed, %zu destroyed", rc_host(rc),
				     p->source, p->n_create, p->n_update, p->n_delete);
		notify_event_add_string(e, "source", p->source);
		notify_event_add_string(e, "signer", rc->v.principal);
		rc_notify_counts(e, p);
		notify_event_add_string(e, "by", "wgf reconcile");
	}
	if ((o == LOOP_FAILED || o == LOOP_FETCH_FAILED) &&
	    (e = cmd_notify_event(&rc->nt, NOTIFY_APPLY_FAILED, rc->c.now, rc_host(rc), rev))) {
		notify_event_summary(e, "reconcile on host %s failed: %s", rc_host(rc) ? rc_host(rc) : "?",
				     wgf_error_message(why));
		notify_event_add_string(e, "outcome", loop_outcome_name(o));
		notify_event_add_string(e, "reason", wgf_error_message(why));
		notify_event_add_int(e, "consecutive_failures", rc->ls.consecutive_failures);
		notify_event_add_string(e, "by", "wgf reconcile");
	}
	if (o == LOOP_REFUSED && (e = cmd_notify_event(&rc->nt, NOTIFY_COMMIT_REFUSED, rc->c.now, rc_host(rc), rev))) {
		notify_event_summary(e, "refused commit %.12s (%s): %s", rev ? rev : "?", rc->hc.ref,
				     wgf_error_message(why));
		notify_event_add_string(e, "ref", rc->hc.ref);
		notify_event_add_string(e, "reason", wgf_error_message(why));
		notify_event_add_string(e, "signer", rc->v.principal);
		notify_event_add_string(e, "fingerprint", rc->v.signed_ ? rc->v.fingerprint : NULL);
	}
}

/* reconcile-backoff: a second failure in a row, and every one after it */
static void rc_notify_backoff(struct rc *rc, enum loop_outcome o, const struct wgf_error *why)
{
	char t[LOOPSTATE_TIME_LEN];
	struct notify_event *e;

	if (!loop_outcome_failed(o) || rc->ls.consecutive_failures < 2 ||
	    !(e = cmd_notify_event(&rc->nt, NOTIFY_RECONCILE_BACKOFF, rc->c.now, rc_host(rc), NULL)))
		return;
	loopstate_time(rc->ls.next_attempt, t);
	notify_event_summary(e, "reconcile on host %s backing off after %u failures; next attempt at %s",
			     rc_host(rc) ? rc_host(rc) : "?", rc->ls.consecutive_failures, t);
	notify_event_add_int(e, "consecutive_failures", rc->ls.consecutive_failures);
	notify_event_add_string(e, "next_attempt", cmd_notify_keep(&rc->nt, t));
	notify_event_add_string(e, "outcome", loop_outcome_name(o));
	notify_event_add_string(e, "reason", wgf_error_message(why));
}

/* peer-offline/-online, key-due: from the trusted commit this run reached */
static void rc_notify_health(struct rc *rc)
{
	struct wgf_error err = {0};
	struct pipeline_host ph = {0};
	struct pipeline_opts po;
	struct model *m = NULL;

	if (!notify_enabled(&rc->nt.conf) || !rc->v.commit[0])
		return;
	rc->c.repo = rc->mirror;
	rc->c.ref = rc->v.commit;
	if (cmd_load_model(&rc->c, &m) < 0)
		return;
	cmd_pipeline_opts(&rc->c, &po);
	if (pipeline_identify(m, &po, &ph, &err) == 0)
		cmd_notify_health(&rc->nt, &rc->c, m, ph.host);
	sodium_memzero(ph.private_key, sizeof(ph.private_key));
	wgf_error_clear(&err);
	pipeline_host_clear(&ph);
	model_free(m);
}

static void rc_clear(struct rc *rc)
{
	hostconf_clear(&rc->hc);
	loopstate_clear(&rc->ls);
	loop_run_clear(&rc->run);
	trust_verdict_clear(&rc->v);
	plan_free(rc->plan);
	free(rc->source);
	cmd_notify_clear(&rc->nt);
}

int cmd_reconcile(int argc, char **argv)
{
	struct wgf_error why = {0}, err = {0};
	enum loop_outcome o;
	struct rc rc = {0};
	int r, lock = -1, ret = EXIT_ERROR;

	cmd_ctx_init(&rc.c, "reconcile");
	clock_gettime(CLOCK_MONOTONIC, &rc.t0);
	if (hostconf_init(&rc.hc) < 0) {
		cmd_error("out of memory");
		return EXIT_ERROR;
	}
	if (rc_config(&rc, argc, argv) < 0 || rc_config_to_ctx(&rc) < 0 || (r = rc_parse(&rc, argc, argv)) < 0)
		goto out;
	if (r == 0) {
		ret = EXIT_OK;
		goto out;
	}
	if (cmd_notify_init(&rc.nt, &rc.hc, rc.c.state_dir) < 0)
		goto out;
	if ((size_t)snprintf(rc.mirror, sizeof(rc.mirror), "%s/mirror.git", rc.c.state_dir) >= sizeof(rc.mirror)) {
		cmd_error("state directory path too long");
		goto out;
	}
	lock = statedir_lock(rc.c.state_dir, true);
	if (lock < 0) {
		cmd_lock_error(&rc.c, lock);
		goto out;
	}
	if (loopstate_load(rc.c.state_dir, &rc.ls, &err) < 0) {
		cmd_error("%s (remove it to start the loop afresh; it records the last applied revision)",
			  wgf_error_message(&err));
		goto out;
	}
	if (rc_should_skip(&rc)) {
		if (rc.hc.metrics_textfile && !rc.dry_run)
			cmd_metrics_after_reconcile(&rc.c, rc.hc.metrics_textfile, rc.mirror, rc.ls.last_applied.revision);
		ret = EXIT_OK;
		goto out;
	}
	o = rc_run(&rc, &lock, &why);
	if (!rc.dry_run) {
		rc_record_drift(&rc, o);
		rc_record(&rc, o, &why);
		r = loopstate_save(rc.c.state_dir, &rc.ls);
		if (r < 0)
			cmd_error("warning: recording the loop's state in %s: %s", rc.c.state_dir, strerror(-r));
		rc_notify_outcome(&rc, o, &why);
		rc_notify_backoff(&rc, o, &why);
		if (o == LOOP_APPLIED || o == LOOP_NO_CHANGES)
			rc_notify_health(&rc);
		if (rc.hc.metrics_textfile)
			cmd_metrics_after_reconcile(&rc.c, rc.hc.metrics_textfile, rc.mirror, rc.ls.last_applied.revision);
	}
	rc_print(&rc, o, &why);
	statedir_unlock(lock);
	lock = -1;
	cmd_notify_flush(&rc.nt, rc.hc.notify_timeout * 1000);
	ret = o == LOOP_REFUSED ? EXIT_REFUSED : loop_outcome_failed(o) ? EXIT_ERROR : EXIT_OK;
out:
	wgf_error_clear(&why);
	wgf_error_clear(&err);
	rc_clear(&rc);
	statedir_unlock(lock);
	return ret;
}
