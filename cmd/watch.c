#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include <unistd.h>

#include "cmd/wgf.h"
#include "cmd/notify.h"
#include "reconcile/host/fileio.h"
#include "reconcile/host/exit_state.h"
#include "reconcile/host/exit_watch.h"
#include "reconcile/host/hub_watch.h"
#include "reconcile/host/loopstate.h"
#include "render/exits.h"

static const char help[] =
	"Usage: wgf watch [PATH | --repo DIR --ref REF] [--once] [--interval-scale F] [options]\n\n"
	"Keeps this host's exit groups on healthy members (the wgf-watch service runs\n"
	"it). Every health interval it probes each member the host routes through: the\n"
	"latest handshake on the host's interface to it, and an ICMP echo through that\n"
	"interface to its tunnel address (and to the group's target). A member is down\n"
	"after `failures` misses in a row and up again after `successes` answers; each\n"
	"group table's default routes then go out of the member the group's strategy\n"
	"picks (priority, latency, round-robin), or become a blackhole or throw when\n"
	"every member is down (whenAllDown). Each switch is printed on stderr and\n"
	"recorded in the journal (exit-switched); the members' health and the member\n"
	"each table uses are written to <state-dir>/" EXIT_STATE_FILE " for `wgf status`.\n\n"
	"The repository is PATH or --repo/--ref; without them, the revision `wgf\n"
	"reconcile` last applied (<state-dir>/mirror.git). It runs until SIGTERM or\n"
	"SIGINT (exit 0) and reads the repository again on SIGHUP, and (following\n"
	"reconcile) within 10 s of reconcile applying another revision; the members\n"
	"still there keep their health, each table its member. A member that is down\n"
	"and used by no table has its peer reset to the same settings (at most every\n"
	"`failures` intervals), so a restarted exit is handshaken with at once.\n\n"
	"On a host attached to more than one hub it also pings each hub through the\n"
	"host's interface every second (3 misses: down, 3 answers: up); when one goes\n"
	"down or comes back it applies the repository as `wgf apply --yes` does (the\n"
	"plan moves the network to the first hub that answers), prints the apply,\n"
	"and tries a failed one again 10 s later.\n\n"
	"  --once             one probe round, then exit (with --json: print the state)\n"
	"  --interval-scale F multiply every health duration (interval, timeout, hold)\n"
	"                     by F, e.g. 0.1 (tests)\n"
	"  --repo DIR, --ref REF, --allow-empty\n"
	"                     the repository, as for `wgf apply`\n"
	"  --host NAME, --key-file FILE, --state-dir DIR\n"
	"                     as for `wgf apply` (the Host is found by its key)\n"
	"  --config FILE      notifications: the hooks-dir, webhook and notify-* settings\n"
	"                     of this file (default " WGF_DEFAULT_HOSTCONF " when it is\n"
	"                     there, $WGF_CONFIG): each switch is an exit-failover event\n"
	"  --json             --once: print the state as JSON on stdout\n"
	"  -h, --help         this help\n\n"
	"Exit: 0 stopped by a signal, or --once done; 1 error.\n";

enum { OPT_ONCE = 0x300, OPT_SCALE, OPT_WCONFIG };

/* What one reading of the repository gives. */
struct watched {
	struct model *m;
	struct pipeline_host ph;
	struct render_exits e;
	struct exit_watch *w;
	struct hub_watch *hubs;        /* an attached host's hubs (NULL: fewer than two) */
};

struct watch {
	struct cmd_ctx c;
	bool once, from_mirror;
	double scale;
	char mirror[PATH_MAX];
	char revision[64];
	struct watched cur;
	const char *config;
	bool config_given;
	struct hostconf hc;
	struct cmd_notify nt;          /* exit-failover events of a round */
	int64_t hub_retry;             /* monotonic ms: no hub failover apply before */
};

static void watch_log(const char *msg)
{
	fprintf(stderr, "wgf watch: %s\n", msg);
}

static int64_t clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int watch_parse(struct watch *wt, int argc, char **argv)
{
	static const struct option opts[] = {
		CMD_SOURCE_OPTIONS, CMD_HOST_OPTIONS, CMD_OUTPUT_OPTIONS,
		{ "once", no_argument, NULL, OPT_ONCE }, { "config", required_argument, NULL, OPT_WCONFIG }, { "interval-scale", required_argument, NULL, OPT_SCALE },
		{ "help", no_argument, NULL, 'h' }, { 0 }
	};
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		char *end;

		switch (opt) {
		case 'h': fputs(help, stdout); return 0;
		case OPT_ONCE: wt->once = true; continue;
		case OPT_WCONFIG: wt->config = optarg; wt->config_given = true; continue;
		case OPT_SCALE:
			errno = 0;
			wt->scale = strtod(optarg, &end);
			if (errno || end == optarg || *end || !isfinite(wt->scale) || wt->scale <= 0 || wt->scale > 100) {
				cmd_error("--interval-scale takes a number above 0 and at most 100, not \"%s\"", optarg);
				return -1;
			}
			continue;
		}
		r = cmd_ctx_option(&wt->c, opt, optarg);
		if (r <= 0) {
			if (r == 0)
				fputs(help, stderr);
			return -1;
		}
	}
	cmd_key_paths(&wt->c);
	wt->from_mirror = optind >= argc && !wt->c.repo;
	return cmd_ctx_positional(&wt->c, argc, argv) < 0 ? -1 : 1;
}

/* The notification settings of the reconcile settings file. */
static int watch_notify_init(struct watch *wt)
{
	if (hostconf_init(&wt->hc) < 0)
		return -ENOMEM;
	if (!wt->config_given && getenv("WGF_CONFIG")) {
		wt->config = getenv("WGF_CONFIG");
		wt->config_given = true;
	}
	return cmd_notify_from_config(&wt->nt, &wt->hc, wt->config ? wt->config : WGF_DEFAULT_HOSTCONF,
				      wt->config_given, wt->c.state_dir);
}

static void watch_on_switch(void *ctx, const char *group, uint32_t table, const char *from, const char *to,
			    const char *why)
{
	struct watch *wt = ctx;
	struct cmd_notify *n = &wt->nt;
	const char *host = wt->cur.ph.host ? wt->cur.ph.host->meta.name : NULL;
	struct timespec ts;
	struct notify_event *e;

	clock_gettime(CLOCK_REALTIME, &ts);
	e = cmd_notify_event(n, NOTIFY_EXIT_FAILOVER, ts.tv_sec, cmd_notify_keep(n, host),
			     wt->revision[0] ? wt->revision : NULL);
	if (!e)
		return;
	notify_event_summary(e, "exit group %s, table %u: %s -> %s: %s", group, table, from, to, why);
	notify_event_add_string(e, "group", cmd_notify_keep(n, group));
	notify_event_add_int(e, "table", table);
	notify_event_add_string(e, "from", cmd_notify_keep(n, from));
	notify_event_add_string(e, "to", cmd_notify_keep(n, to));
	notify_event_add_string(e, "why", cmd_notify_keep(n, why));
}

/* How often a watch that follows reconcile's revision looks for a new one. */
#define WATCH_FOLLOW_MS 10000

/* No source given: the revision reconcile last applied, from its mirror. */
static int watch_source(struct watch *wt)
{
	struct wgf_error err = {0};
	struct loopstate ls;
	int r;

	if (!wt->from_mirror)
		return 0;
	r = loopstate_load(wt->c.state_dir, &ls, &err);
	if (r < 0) {
		cmd_error("%s", wgf_error_message(&err));
		wgf_error_clear(&err);
		return r;
	}
	if (!ls.last_applied.revision) {
		cmd_error("watch: `wgf reconcile` has applied no revision here yet (%s/%s): pass PATH or --repo",
			  wt->c.state_dir, LOOPSTATE_FILE);
		loopstate_clear(&ls);
		return -ENOENT;
	}
	snprintf(wt->revision, sizeof(wt->revision), "%s", ls.last_applied.revision);
	snprintf(wt->mirror, sizeof(wt->mirror), "%s/mirror.git", wt->c.state_dir);
	loopstate_clear(&ls);
	wt->c.repo = wt->mirror;
	wt->c.ref = wt->revision;
	return 0;
}

static void watched_clear(struct watched *x)
{
	hub_watch_free(x->hubs);
	exit_watch_free(x->w);
	render_exits_clear(&x->e);
	pipeline_host_clear(&x->ph);
	model_free(x->m);
	memset(x, 0, sizeof(*x));
}

static uint32_t watch_scaled(uint32_t ms, double f)
{
	double v = ms * f;

	return v < 1 ? 1 : v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* Loads the repository, finds this Host and its groups, starts watching them. */
static int watch_load(struct watch *wt, struct kernel *k, struct watched *x)
{
	struct exit_watch_opts wo = { .state_dir = wt->c.state_dir, .time_scale = wt->scale, .log = watch_log,
				      .on_switch = watch_on_switch, .ctx = wt };
	struct hub_watch_opts ho = { .interval_ms = watch_scaled(HUB_WATCH_INTERVAL_MS, wt->scale),
				     .timeout_ms = watch_scaled(HUB_WATCH_TIMEOUT_MS, wt->scale),
				     .failures = HUB_WATCH_FAILURES, .successes = HUB_WATCH_SUCCESSES, .log = watch_log };
	struct wgf_error err = {0};
	struct pipeline_opts po;
	int r;

	memset(x, 0, sizeof(*x));
	if ((r = watch_source(wt)) < 0 || (r = cmd_load_model(&wt->c, &x->m)) < 0)
		return r;
	cmd_pipeline_opts(&wt->c, &po);
	r = pipeline_identify(x->m, &po, &x->ph, &err);
	/* the key is only how the Host is found: nothing here needs it */
	sodium_memzero(x->ph.private_key, sizeof(x->ph.private_key));
	if (r < 0) {
		cmd_error("%s", wgf_error_message(&err));
		wgf_error_clear(&err);
		watched_clear(x);
		return r;
	}
	r = render_exits(x->m, x->ph.host, &x->e);
	if (r == 0)
		r = exit_watch_new(k, x->m, x->ph.host, &x->e, &wo, &x->w);
	if (r == 0 && !wt->once)
		r = hub_watch_new(k, x->m, x->ph.host, &ho, &x->hubs);
	if (r < 0) {
		cmd_error("watch: %s", strerror(-r));
		watched_clear(x);
		return r;
	}
	if (x->e.n_groups == 0 && !x->hubs)
		fprintf(stderr, "wgf watch: host \"%s\" routes through no exit group%s: nothing to watch\n",
			x->ph.host->meta.name, wt->once ? "" : " and has one hub at most");
	if (x->hubs)
		fprintf(stderr, "wgf watch: host \"%s\": %zu hubs, the network on the first that is up\n",
			x->ph.host->meta.name, x->hubs->n);
	for (size_t i = 0; i < x->e.n_groups; i++)
		fprintf(stderr, "wgf watch: host \"%s\", exit group %s: %zu member%s, %zu table%s\n",
			x->ph.host->meta.name, x->e.groups[i].group->meta.name, x->e.groups[i].n_members,
			x->e.groups[i].n_members == 1 ? "" : "s", x->e.groups[i].n_tables,
			x->e.groups[i].n_tables == 1 ? "" : "s");
	return 0;
}

static int watch_print_state(const struct watch *wt)
{
	struct wgf_error err = {0};
	struct exit_state s;
	char *text;

	if (exit_state_load(wt->c.state_dir, &s, &err) < 0) {
		cmd_error("%s", wgf_error_message(&err));
		wgf_error_clear(&err);
		return -1;
	}
	text = exit_state_format(&s);
	if (text)
		fputs(text, stdout);
	free(text);
	exit_state_clear(&s);
	return text ? 0 : -1;
}

/* Following reconcile: has it applied another revision than the one watched? */
static bool applied_moved(const struct watch *wt)
{
	struct wgf_error err = {0};
	struct loopstate ls;
	bool moved;

	if (!wt->from_mirror || loopstate_load(wt->c.state_dir, &ls, &err) < 0) {
		wgf_error_clear(&err);
		return false;
	}
	moved = ls.last_applied.revision && strcmp(ls.last_applied.revision, wt->revision);
	loopstate_clear(&ls);
	return moved;
}

/* How long after a hub failover apply another may start (one that failed is
 * tried again after this). */
#define WATCH_HUB_RETRY_MS 10000

/* A round of the hubs, when due; when one went down or came back, `wgf apply`
 * (its plan probes the hubs again, puts the network on the first that answers
 * and the other routers' LANs behind hubs that do). */
static int watch_hubs(struct watch *wt)
{
	struct hub_watch *hw = wt->cur.hubs;
	int64_t now = clock_ms(CLOCK_MONOTONIC);
	struct cmd_ctx ac;
	int r;

	if (!hw)
		return 0;
	r = hub_watch_round(hw, now);
	if (r <= 0 || now < wt->hub_retry)
		return r < 0 ? r : 0;
	wt->hub_retry = now + (int64_t)watch_scaled(WATCH_HUB_RETRY_MS, wt->scale);
	fprintf(stderr, "wgf watch: the hubs changed: applying (the network on hub %s)\n",
		wt->cur.m->hosts[hub_watch_serving(hw)].meta.name);
	ac = wt->c;
	ac.yes = true;
	ac.json = false;
	ac.color = false;
	if (!getenv("WGF_NOW"))
		ac.now = clock_ms(CLOCK_REALTIME) / 1000;
	if (cmd_apply_run(&ac, "wgf watch") == EXIT_OK)
		hub_watch_applied(hw);
	else
		fprintf(stderr, "wgf watch: the apply failed; trying again in %u s\n",
			watch_scaled(WATCH_HUB_RETRY_MS, wt->scale) / 1000);
	return 0;
}

/* Milliseconds until a round is due: the groups', the hubs'; with neither, only
 * a signal (or reconcile, when following it) wakes it. */
static int64_t watch_next(const struct watch *wt)
{
	int64_t now = clock_ms(CLOCK_MONOTONIC);
	int64_t next = wt->cur.e.n_groups ? exit_watch_next(wt->cur.w, now) :
		       wt->from_mirror ? WATCH_FOLLOW_MS : 3600000;

	if (wt->cur.hubs && hub_watch_next(wt->cur.hubs, now) < next)
		next = hub_watch_next(wt->cur.hubs, now);
	return next;
}

/* Rounds until SIGTERM or SIGINT; SIGHUP loads the repository again, and so
 * does a revision reconcile applied since (checked every WATCH_FOLLOW_MS). */
static int watch_loop(struct watch *wt, struct kernel *k, const sigset_t *sigs)
{
	int64_t followed = clock_ms(CLOCK_MONOTONIC);

	for (;;) {
		int64_t next = watch_next(wt);
		struct timespec ts = { .tv_sec = next / 1000, .tv_nsec = (next % 1000) * 1000000 };
		int sig = sigtimedwait(sigs, NULL, &ts);
		int64_t now = clock_ms(CLOCK_MONOTONIC);
		bool moved = false;
		int r = 0;

		if (sig == SIGTERM || sig == SIGINT)
			return 0;
		if (sig != SIGHUP && now - followed >= WATCH_FOLLOW_MS) {
			followed = now;
			moved = applied_moved(wt);
		}
		if (sig == SIGHUP || moved) {
			struct watched x;

			fprintf(stderr, "wgf watch: %s: reading the repository again\n",
				sig == SIGHUP ? "SIGHUP" : "reconcile applied another revision");
			if (watch_load(wt, k, &x) < 0) {
				fprintf(stderr, "wgf watch: keeping what it watched before\n");
				continue;
			}
			exit_watch_carry(x.w, wt->cur.w);
			hub_watch_carry(x.hubs, wt->cur.hubs);
			watched_clear(&wt->cur);
			wt->cur = x;
			continue;
		}
		/* woken for the hubs: the groups' round only when one is due */
		now = clock_ms(CLOCK_MONOTONIC);
		if (wt->cur.e.n_groups ? exit_watch_next(wt->cur.w, now) <= 1 : !wt->cur.hubs)
			r = exit_watch_round(wt->cur.w, now, clock_ms(CLOCK_REALTIME));
		if (r < 0 || watch_hubs(wt) < 0) {
			cmd_error("watch: out of memory");
			return -1;
		}
		cmd_notify_flush(&wt->nt, 0);   /* never waits: the next round is due */
	}
}

int cmd_watch(int argc, char **argv)
{
	struct watch wt = { .scale = 1 };
	struct wgf_error err = {0};
	struct kernel *k = NULL;
	sigset_t sigs;
	int r, ret = EXIT_ERROR;

	cmd_ctx_init(&wt.c, "watch");
	r = watch_parse(&wt, argc, argv);
	if (r <= 0)
		return r < 0 ? EXIT_ERROR : EXIT_OK;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	if (watch_notify_init(&wt) < 0)
		goto out;
	if (kernel_open(&k, &err) < 0) {
		cmd_error("watch: %s", wgf_error_message(&err));
		goto out;
	}
	if (watch_load(&wt, k, &wt.cur) < 0)
		goto out;
	if (wt.once) {
		r = exit_watch_round(wt.cur.w, clock_ms(CLOCK_MONOTONIC), clock_ms(CLOCK_REALTIME));
		cmd_notify_flush(&wt.nt, wt.hc.notify_timeout * 1000);
		if (r >= 0 && wt.c.json)
			r = watch_print_state(&wt);
	} else {
		r = watch_loop(&wt, k, &sigs);
	}
	ret = r < 0 ? EXIT_ERROR : EXIT_OK;
out:
	wgf_error_clear(&err);
	cmd_notify_flush(&wt.nt, wt.hc.notify_timeout * 1000);
	cmd_notify_clear(&wt.nt);
	hostconf_clear(&wt.hc);
	watched_clear(&wt.cur);
	kernel_free(k);
	sigprocmask(SIG_UNBLOCK, &sigs, NULL);
	return ret;
}
