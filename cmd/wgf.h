/* wgf's subcommands and what they share: options, loading, planning. */
#pragma once
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "model/hoststate.h"
#include "model/model.h"
#include "reconcile/host/pipeline.h"
#include "reconcile/kernel/kernel.h"
#include "reconcile/plan/plan.h"

/* Exit codes (documented in the README and wgf(8)). */
#define EXIT_OK 0
#define EXIT_ERROR 1
#define EXIT_CHANGES 2
#define EXIT_REFUSED 3      /* reconcile: an untrusted revision, nothing changed */
#define EXIT_UNHEALTHY 4    /* status: something is unhealthy (README "wgf status"); doctor: a problem */
#define EXIT_OVERDUE 2      /* keys --fail-on-overdue: a key is overdue (like plan's 2: something to do) */
#define EXIT_BROKEN 3       /* journal export: exported, but the journal's chain is broken */

struct cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

int cmd_validate(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_metrics(int argc, char **argv);
int cmd_observe(int argc, char **argv);
int cmd_host(int argc, char **argv);
int cmd_journal(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_reconcile(int argc, char **argv);
int cmd_suspend(int argc, char **argv);
int cmd_resume(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_fleet(int argc, char **argv);
int cmd_keys(int argc, char **argv);
int cmd_peer(int argc, char **argv);
int cmd_secret(int argc, char **argv);
int cmd_operator(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_watch(int argc, char **argv);

/* Options shared by the commands that load a repository and look at this host. */
struct cmd_ctx {
	const char *cmd;               /* "plan", for messages */
	const char *path;              /* directory (positional), default "." */
	const char *repo, *ref;        /* git source */
	const char *host;
	const char *key_file;
	bool key_file_given;           /* --key-file or $WGF_KEY_FILE: a missing file is an error */
	/* The prepared next key (wgf host rotate) and the sealing key: given
	 * (--next-key-file, $WGF_NEXT_KEY_FILE; --sealing-key-file,
	 * $WGF_SEALING_KEY_FILE), else beside the key file (cmd_key_paths). */
	const char *next_key_file, *sealing_key_file;
	char next_key_buf[4096], sealing_key_buf[4096];
	bool allow_empty;              /* --allow-empty: a source with no documents is valid */
	int *lock;                     /* apply: the state lock, taken (if < 0) once the model loaded */
	const char *state_dir;
	const char *wireguard_go;
	enum hs_backend backend;
	bool json;
	bool color;                    /* stdout is a terminal and NO_COLOR is unset */
	bool yes;
	bool force;
	int64_t now;
	unsigned expiry_warning;       /* --expiry-warning: days ahead to name expiring peers (0: off) */
	const char *observed;          /* plan --observed: a snapshot instead of this host's kernel */
	struct converged *converged;   /* reconcile: filled by the plan (pipeline_opts.converged) */
	bool all;                      /* plan --all: every Host, offline */
	bool check_keys;               /* validate, plan: warn about keys overdue for rotation */
	bool fail_on_overdue;          /* --fail-on-overdue: an overdue key is an error */
	const char *base;              /* plan --base REF: against a fleet converged on REF */
	const char *out;               /* plan --out FILE ("-": stdout): write a saved plan */
	const char *pack;              /* plan/apply --pack FILE|-: the --ref commit comes in a pack (wgf fleet) */
	char pack_mirror[4096];        /* where it went: <state-dir>/mirror.git */
	/* --pack on a host whose reconcile settings verify signatures: the verified
	 * signer, and the plan's source naming them ("" when not verified) */
	char pack_signer[256], pack_signer_fp[64], pack_source[512];
};

enum {
	OPT_REPO = 0x100, OPT_REF, OPT_HOST, OPT_KEY_FILE, OPT_STATE_DIR, OPT_JSON,
	OPT_NO_COLOR, OPT_BACKEND, OPT_WIREGUARD_GO, OPT_YES, OPT_FORCE, OPT_ALLOW_EMPTY,
	OPT_EXPIRY_WARNING, OPT_OBSERVED, OPT_ALL, OPT_BASE, OPT_PACK, OPT_PLAN_OUT,
	OPT_NEXT_KEY_FILE, OPT_SEALING_KEY_FILE, OPT_FAIL_ON_OVERDUE,
};

#define CMD_SOURCE_OPTIONS \
	{ "repo", required_argument, NULL, OPT_REPO }, \
	{ "ref", required_argument, NULL, OPT_REF }, \
	{ "allow-empty", no_argument, NULL, OPT_ALLOW_EMPTY }
#define CMD_HOST_OPTIONS \
	{ "host", required_argument, NULL, OPT_HOST }, \
	{ "key-file", required_argument, NULL, OPT_KEY_FILE }, \
	{ "next-key-file", required_argument, NULL, OPT_NEXT_KEY_FILE }, \
	{ "sealing-key-file", required_argument, NULL, OPT_SEALING_KEY_FILE }, \
	{ "state-dir", required_argument, NULL, OPT_STATE_DIR }, \
	{ "backend", required_argument, NULL, OPT_BACKEND }, \
	{ "wireguard-go", required_argument, NULL, OPT_WIREGUARD_GO }
#define WGF_EXPIRY_WARNING_DAYS 14
#define CMD_NOTICE_OPTIONS \
	{ "expiry-warning", required_argument, NULL, OPT_EXPIRY_WARNING }
#define CMD_KEYS_OPTION \
	{ "fail-on-overdue", no_argument, NULL, OPT_FAIL_ON_OVERDUE }
#define CMD_KEYS_HELP \
	"  --fail-on-overdue  a key older than its rotation maxAge is an error, not a\n" \
	"                     warning (CI); its age from git history with --repo, else\n" \
	"                     from keyCreated (see wgf keys)\n"
#define CMD_PACK_OPTION \
	{ "pack", required_argument, NULL, OPT_PACK }
#define CMD_PACK_HELP \
	"  --pack FILE        with --ref COMMIT (40 hex digits): read the commit from this git\n" \
	"                     pack (- for stdin) into <state-dir>/mirror.git first (wgf fleet\n" \
	"                     sends the commit CI has this way); checked like a pulled one\n" \
	"                     when the host's reconcile settings verify signatures (exit 3)\n"
#define CMD_OUTPUT_OPTIONS \
	{ "json", no_argument, NULL, OPT_JSON }, \
	{ "no-color", no_argument, NULL, OPT_NO_COLOR }

void cmd_ctx_init(struct cmd_ctx *c, const char *cmd);
/* Handles one shared option; returns 1 if it was one, 0 if not, -1 on a bad value. */
int cmd_ctx_option(struct cmd_ctx *c, int opt, const char *arg);
/* The help lines of --next-key-file and --sealing-key-file. */
#define CMD_KEY_FILES_HELP \
	"  --next-key-file F  the prepared next key (`wgf host rotate`; default next.key\n" \
	"                     beside the key file, $WGF_NEXT_KEY_FILE): used when the Host's\n" \
	"                     publicKey is its public half, and made the key file once applied\n" \
	"  --sealing-key-file F\n" \
	"                     this host's sealing key (default sealing.key beside the key\n" \
	"                     file, $WGF_SEALING_KEY_FILE)\n"
/* Sets next_key_file and sealing_key_file when not given: beside key_file. */
void cmd_key_paths(struct cmd_ctx *c);
/* Takes the optional positional PATH; -1 (after a message) on extra arguments. */
int cmd_ctx_positional(struct cmd_ctx *c, int argc, char **argv);

/* Parses a command's options (shared ones, -h/--help, -y/--yes, --force) and the
 * optional positional PATH. Returns 1 to go on, 0 when --help was printed (exit 0),
 * -1 after a message on bad usage (exit 1). positional: accept PATH. */
int cmd_parse(struct cmd_ctx *c, int argc, char **argv, const struct option *opts,
	      const char *help, bool positional);

/* --pack: indexes the pack into <state-dir>/mirror.git and makes it the
 * source (--repo) at --ref. When the host's reconcile settings
 * ($WGF_CONFIG, /etc/wgf/reconcile.conf) verify signatures, the commit must
 * pass the same check as a pulled one. -EPERM: refused; -EINVAL: any other
 * failure (said). */
int cmd_take_pack(struct cmd_ctx *c);

/* Loads and validates the repository into *out, diagnostics into d (sorted); an
 * empty source is an error unless --allow-empty. */
int cmd_load(const struct cmd_ctx *c, struct model **out, struct diag *d);
/* The same, printing the diagnostics (errors and warnings) to stderr. */
int cmd_load_model(const struct cmd_ctx *c, struct model **out);
/* The pipeline's options from the command's (reconcile/host/pipeline.h). */
void cmd_pipeline_opts(const struct cmd_ctx *c, struct pipeline_opts *o);
/* Everything plan and apply share: load the repository (then take c->lock),
 * and the pipeline for this host. On success *plan and *rt are set (free both).
 * need_key: fail without a key file. Prints what went wrong. */
int cmd_make_plan(const struct cmd_ctx *c, bool need_key, struct plan **plan, struct kernel **k);

/* plan --out: the plans (each made with its fingerprint) as one saved plan,
 * written to c->out (cmd/plan_save.c). -1 after saying why. */
int cmd_save_plans(const struct cmd_ctx *c, struct plan *const *plans, size_t n);
/* Plans this host from c's source and applies the plan under the state lock,
 * printing it and the result on stdout (asking first only when c->yes is not
 * set on a terminal); an apply that changed something or failed is announced
 * with "by" (wgf apply, wgf watch). Returns the exit code. */
int cmd_apply_run(struct cmd_ctx *c, const char *by);
/* apply FILE: a saved plan, exactly (cmd/apply_saved.c). Returns the exit code. */
int cmd_apply_saved(struct cmd_ctx *c);
/* Asks on stderr whether to apply; only "yes" on stdin is a yes. */
bool cmd_apply_confirm(void);
/* apply --json's object: the result (r: what pipeline_apply returned) and the
 * plan; saved_id names the saved plan applied (NULL: none). */
void cmd_apply_print_json(const struct plan *p, const struct apply_result *res, int r, const char *saved_id);

/* wgf plan --all: every Host, offline, against --base (cmd/plan_all.c). Returns the exit code. */
int cmd_plan_all(const struct cmd_ctx *c);

/* Every Host's plan, as plan --all makes it (wgf report reads it too). */
enum fleet_status { HOST_UNCHANGED, HOST_CHANGED, HOST_ADDED, HOST_REMOVED };
extern const char *const fleet_status_names[];
struct fleet_host {
	const char *name;
	enum fleet_status status;
	bool observed;                 /* planned on a snapshot from the host */
	struct plan *plan;
};
struct fleet {
	struct model *base, *head;     /* base NULL: no --base */
	struct fleet_host *hosts;      /* sorted by name */
	size_t n;
	bool any;                      /* some host has changes */
};
/* -1 after saying why; fleet_clear either way. */
int fleet_plan(const struct cmd_ctx *c, struct fleet *f);
void fleet_clear(struct fleet *f);
/* The printers of plan --all, which wgf fleet plan shares: hosts grouped, the
 * fleet summed up (text), one wgf-fleet-plan object (JSON; the caller puts it). */
struct json_object;
void fleet_print_text(bool color, const char *head, const char *against, const struct fleet_host *h, size_t n);
struct json_object *fleet_to_json(const char *head, const char *base, const struct fleet_host *h, size_t n);

/* Key ages (cmd/key_ages.c): from git history with --repo, else keyCreated;
 * want_*: only those (NULL: all). -errno after saying why. */
struct key_ages;
/* Which keys concern host h: its own and those of the Peers it takes (the
 * caller frees both). 0 or -ENOMEM. */
int cmd_key_want_of_host(const struct model *m, const struct model_host *h, bool **wh, bool **wp);
int cmd_key_ages(const struct cmd_ctx *c, const struct model *m, const bool *want_hosts,
		 const bool *want_peers, uint32_t due_within, struct key_ages *out);
/* validate, plan: the overdue keys (host: only its own and its Peers'; NULL:
 * every one) as warnings into d, or errors with --fail-on-overdue. Returns
 * how many, or -errno after saying why. */
int cmd_key_warnings(const struct cmd_ctx *c, const struct model *m, const char *host, struct diag *d);
/* plan (c->check_keys): the same, printed; -1 when --fail-on-overdue fails it. */
int cmd_plan_key_check(const struct cmd_ctx *c, const struct model *m, const char *host);

/* wgf status: the exit groups from wgf watch's state file (cmd/status_exits.c);
 * nothing when there is none. now: unix ms. */
void cmd_status_exits_print(const char *state_dir, int64_t now);
struct json_object *cmd_status_exits_json(const char *state_dir, int64_t now);
/* notify.json's targets (NULL: none), and as text (nothing when none). */
void cmd_status_notify_print(const char *state_dir);
struct json_object *cmd_status_notify_json(const char *state_dir);
/* Adds the exit groups' health (watch running, members down) to f. */
struct health_host_facts;
void cmd_status_exits_facts(const char *state_dir, int64_t now, struct health_host_facts *f);

/* wgf metrics (cmd/metrics_collect.c): the host's exposition now (c->now), m may be
 * NULL; 0, or < 0 after a message. */
int cmd_metrics_text(const struct cmd_ctx *c, const struct model *m, uint32_t stale_after, char **out, size_t *len);
/* DIR/wgf.prom, atomically, 0644. */
int cmd_metrics_textfile(const char *dir, const char *text, size_t len);
/* reconcile's metrics-textfile: the repository at revision (NULL: none) names the peers. */
void cmd_metrics_after_reconcile(struct cmd_ctx *c, const char *dir, const char *mirror, const char *revision);
/* --listen (cmd/metrics_http.c): serves until SIGTERM/SIGINT. */
int cmd_metrics_serve(const struct cmd_ctx *c, const struct model *m, uint32_t stale_after, const char *listen);

void cmd_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cmd_lock_error(const struct cmd_ctx *c, int r);
bool cmd_color_enabled(FILE *f);
