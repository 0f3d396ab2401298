#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/wgf.h"
#include "reconcile/host/keyfile.h"
#include "reconcile/host/pipeline.h"
#include "reconcile/host/statedir.h"

void cmd_error(const char *fmt, ...)
{
	va_list ap;

	fputs("wgf: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool cmd_color_enabled(FILE *f)
{
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	if (nc && nc[0])
		return false;
	if (term && !strcmp(term, "dumb"))
		return false;
	return isatty(fileno(f));
}

void cmd_ctx_init(struct cmd_ctx *c, const char *cmd)
{
	const char *now = getenv("WGF_NOW");

	memset(c, 0, sizeof(*c));
	c->cmd = cmd;
	c->key_file = getenv("WGF_KEY_FILE") ? getenv("WGF_KEY_FILE") : WGF_DEFAULT_KEY_FILE;
	c->key_file_given = getenv("WGF_KEY_FILE") != NULL;
	c->next_key_file = getenv("WGF_NEXT_KEY_FILE");
	c->sealing_key_file = getenv("WGF_SEALING_KEY_FILE");
	c->state_dir = getenv("WGF_STATE_DIR") ? getenv("WGF_STATE_DIR") : WGF_DEFAULT_STATE_DIR;
	c->wireguard_go = getenv("WGF_WIREGUARD_GO");
	c->color = cmd_color_enabled(stdout);
	c->expiry_warning = WGF_EXPIRY_WARNING_DAYS;
	/* WGF_NOW pins the clock for peer expiry (tests, and "what will this look like then") */
	c->now = now ? strtoll(now, NULL, 10) : (int64_t)time(NULL);
}

/* 0 to 36500 days, digits only. */
static bool cmd_parse_days(const char *s, unsigned *out)
{
	unsigned v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || (v = v * 10 + (unsigned)(*s - '0')) > 36500)
			return false;
	}
	*out = v;
	return true;
}

int cmd_ctx_option(struct cmd_ctx *c, int opt, const char *arg)
{
	switch (opt) {
	case OPT_REPO: c->repo = arg; return 1;
	case OPT_REF: c->ref = arg; return 1;
	case OPT_HOST: c->host = arg; return 1;
	case OPT_KEY_FILE: c->key_file = arg; c->key_file_given = true; return 1;
	case OPT_NEXT_KEY_FILE: c->next_key_file = arg; return 1;
	case OPT_SEALING_KEY_FILE: c->sealing_key_file = arg; return 1;
	case OPT_ALLOW_EMPTY: c->allow_empty = true; return 1;
	case OPT_OBSERVED: c->observed = arg; return 1;
	case OPT_ALL: c->all = true; return 1;
	case OPT_BASE: c->base = arg; return 1;
	case OPT_PLAN_OUT: c->out = arg; return 1;
	case OPT_PACK: c->pack = arg; return 1;
	case OPT_STATE_DIR: c->state_dir = arg; return 1;
	case OPT_WIREGUARD_GO: c->wireguard_go = arg; return 1;
	case OPT_JSON: c->json = true; return 1;
	case OPT_NO_COLOR: c->color = false; return 1;
	case OPT_YES: c->yes = true; return 1;
	case OPT_FORCE: c->force = true; return 1;
	case OPT_EXPIRY_WARNING:
		if (!cmd_parse_days(arg, &c->expiry_warning)) {
			cmd_error("--expiry-warning takes a number of days (0 turns it off), not \"%s\"", arg);
			return -1;
		}
		return 1;
	case OPT_BACKEND:
		if (!strcmp(arg, "auto"))
			c->backend = HS_BACKEND_AUTO;
		else if (!strcmp(arg, "kernel"))
			c->backend = HS_BACKEND_KERNEL;
		else if (!strcmp(arg, "userspace"))
			c->backend = HS_BACKEND_USERSPACE;
		else {
			cmd_error("--backend must be auto, kernel or userspace, not \"%s\"", arg);
			return -1;
		}
		return 1;
	}
	return 0;
}

void cmd_key_paths(struct cmd_ctx *c)
{
	/* a path too long for the buffer stays too long: the file is not found */
	if (!c->next_key_file && keyfile_beside(c->key_file, KEYFILE_NEXT_NAME, c->next_key_buf,
						 sizeof(c->next_key_buf)) == 0)
		c->next_key_file = c->next_key_buf;
	if (!c->sealing_key_file && keyfile_beside(c->key_file, KEYFILE_SEALING_NAME, c->sealing_key_buf,
						    sizeof(c->sealing_key_buf)) == 0)
		c->sealing_key_file = c->sealing_key_buf;
}

int cmd_ctx_positional(struct cmd_ctx *c, int argc, char **argv)
{
	if (optind < argc)
		c->path = argv[optind++];
	if (optind < argc) {
		cmd_error("%s: unexpected argument \"%s\" (see wgf %s --help)", c->cmd, argv[optind], c->cmd);
		return -1;
	}
	if (c->ref && !c->repo)
		c->repo = c->path ? c->path : ".";
	if (c->repo && !c->ref)
		c->ref = "HEAD";
	if (!c->path)
		c->path = ".";
	return 0;
}

int cmd_parse(struct cmd_ctx *c, int argc, char **argv, const struct option *opts,
	      const char *help, bool positional)
{
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "hy", opts, NULL)) != -1) {
		if (opt == 'h') {
			fputs(help, stdout);
			return 0;
		}
		if (opt == 'y') {
			bool has_yes = false;
			for (const struct option *o = opts; o->name; o++)
				has_yes |= !strcmp(o->name, "yes");
			if (!has_yes)
				cmd_error("%s: -y is not an option of this command", c->cmd);
			opt = has_yes ? OPT_YES : '?';
		}
		r = cmd_ctx_option(c, opt, optarg);
		if (r <= 0) {
			if (r == 0)
				fputs(help, stderr);
			return -1;
		}
	}
	cmd_key_paths(c);
	if (positional)
		return cmd_ctx_positional(c, argc, argv) < 0 ? -1 : 1;
	return 1;
}

int cmd_load(const struct cmd_ctx *c, struct model **out, struct diag *d)
{
	int r;

	if (c->repo)
		r = model_load_git(c->repo, c->ref, out, d);
	else
		r = model_load_dir(c->path, out, d);
	if (r == 0 && (*out)->n_documents == 0 && !c->allow_empty) {
		struct wgf_loc loc = { c->repo ? c->repo : c->path, 0, 0 };
		diag_add(d, &loc, "the repository is empty: %s holds no YAML documents "
			 "(pass --allow-empty if that is meant)", (*out)->source);
		model_free(*out);
		*out = NULL;
		r = -ENOENT;
	}
	diag_sort(d);
	return r;
}

int cmd_load_model(const struct cmd_ctx *c, struct model **out)
{
	struct diag d;
	char *sum;
	int r;

	diag_init(&d);
	r = cmd_load(c, out, &d);
	diag_print(&d, stderr);
	sum = diag_summary(&d);
	if (r < 0 && !diag_has_errors(&d))
		cmd_error("loading %s: %s", c->repo ? c->repo : c->path, strerror(-r));
	else if (r < 0)
		cmd_error("%s; nothing was changed", sum ? sum : "errors");
	else if (d.n_warnings)
		cmd_error("%s", sum ? sum : "warnings");
	free(sum);
	diag_free(&d);
	return r;
}

static void cmd_warn(const char *msg)
{
	fprintf(stderr, "wgf: warning: %s\n", msg);
}

void cmd_pipeline_opts(const struct cmd_ctx *c, struct pipeline_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->state_dir = c->state_dir;
	o->key_file = c->key_file;
	o->key_file_given = c->key_file_given;
	o->next_key_file = c->next_key_file;
	o->sealing_key_file = c->sealing_key_file;
	o->host = c->host;
	o->now = c->now;
	o->expiry_warning = c->expiry_warning;
	o->converged = c->converged;
	o->fingerprint = c->out != NULL;
	o->warn = cmd_warn;
}

void cmd_lock_error(const struct cmd_ctx *c, int r)
{
	if (r == -EWOULDBLOCK)
		cmd_error("another wgf is applying on this host (lock %s/lock held)", c->state_dir);
	else
		cmd_error("taking the lock in %s: %s", c->state_dir, strerror(-r));
}

int cmd_make_plan(const struct cmd_ctx *c, bool need_key, struct plan **plan, struct kernel **k)
{
	struct pipeline_opts o;
	struct pipeline *pl = NULL;
	struct wgf_error err = {0};
	struct model *m = NULL;
	int r;

	*plan = NULL;
	*k = NULL;
	cmd_pipeline_opts(c, &o);
	o.need_key = need_key;
	r = pipeline_begin(c->state_dir, &pl, &err);
	if (r < 0)
		goto out;
	r = cmd_load_model(c, &m);
	if (r < 0)
		goto out;
	if (c->lock && *c->lock < 0) {
		r = *c->lock = statedir_lock(c->state_dir, true);
		if (r < 0) {
			cmd_lock_error(c, r);
			goto out;
		}
	}
	r = pipeline_plan(pl, m, &o, plan, k, &err);
	if (r == 0 && c->pack_source[0]) {
		char *s = strdup(c->pack_source);

		if (!s) {
			r = wgf_error_set(&err, -ENOMEM, NULL);
			goto out;
		}
		free((*plan)->source);
		(*plan)->source = s;
	}
out:
	if (wgf_error_is_set(&err))
		cmd_error("%s", wgf_error_message(&err));
	wgf_error_clear(&err);
	pipeline_free(pl);
	model_free(m);
	return r;
}
