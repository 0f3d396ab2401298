#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cmd/wgf.h"
#include "reconcile/host/keyfile.h"
#include "reconcile/host/observe.h"
#include "reconcile/kernel/sysctl.h"
#include "reconcile/host/statedir.h"
#include "render/render.h"

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
	case OPT_ALLOW_EMPTY: c->allow_empty = true; return 1;
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

const struct model_host *cmd_select_host(const struct cmd_ctx *c, const struct model *m,
					 const uint8_t *priv)
{
	const struct model_host *h = NULL;
	uint8_t pub[WG_KEY_LEN];
	char hostname[256];

	if (c->host) {
		h = model_find_host(m, c->host);
		if (!h)
			cmd_error("no Host named \"%s\" in %s", c->host, m->source);
		return h;
	}
	if (priv && key_public_from_private(pub, priv) == 0) {
		h = model_find_host_by_key(m, pub);
		if (h)
			return h;
	}
	if (gethostname(hostname, sizeof(hostname)) == 0) {
		hostname[sizeof(hostname) - 1] = '\0';
		hostname[strcspn(hostname, ".")] = '\0';
		h = model_find_host(m, hostname);
		if (h)
			return h;
	}
	cmd_error("which host is this? No Host matches the key in %s or the hostname \"%s\"; "
		  "pass --host NAME", c->key_file, hostname);
	return NULL;
}

static int check_key_matches(const struct model_host *h, const uint8_t priv[WG_KEY_LEN], const char *key_file)
{
	uint8_t pub[WG_KEY_LEN];
	char have[WG_KEY_B64_LEN], want[WG_KEY_B64_LEN];

	if (key_public_from_private(pub, priv) < 0)
		return -EINVAL;
	if (!memcmp(pub, h->public_key, WG_KEY_LEN))
		return 0;
	cmd_error("%s:%u:%u: Host \"%s\" declares publicKey %s, but the private key in %s belongs to %s",
		  h->meta.loc.file, h->meta.loc.line, h->meta.loc.col, h->meta.name,
		  key_to_base64(h->public_key, want), key_file, key_to_base64(pub, have));
	return -EINVAL;
}

static int add_name(const char ***names, size_t *n, const char *name)
{
	const char **p;

	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*names)[i], name))
			return 0;
	p = realloc(*names, (*n + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	*names = p;
	p[(*n)++] = name;
	return 0;
}

/* Reading wireguard-go's state of thousands of peers takes as long as loading the
 * repository, and the two are independent for the interfaces wgf already owns: on a
 * converged host those are all the desired ones. So they are observed on a second
 * thread while the model loads; anything else is observed afterwards. */
struct early_observe {
	pthread_t thread;
	bool started;
	const char **names;
	size_t n_names;
	struct host_state *hs;
	int r;
};

static void *early_observe_run(void *arg)
{
	struct early_observe *e = arg;
	struct observe_opts oo = { .ifnames = e->names, .n_ifnames = e->n_names };
	struct rtnl *rt = NULL;

	e->r = rtnl_open(&rt);
	if (e->r >= 0)
		e->r = observe_host(rt, &oo, &e->hs);
	free(oo.error);
	rtnl_free(rt);
	return NULL;
}

static bool covers(const struct early_observe *e, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool found = false;
		for (size_t j = 0; j < e->n_names && !found; j++)
			found = !strcmp(names[i], e->names[j]);
		if (!found)
			return false;
	}
	return true;
}

int cmd_make_plan(const struct cmd_ctx *c, bool need_key, struct plan **plan, struct rtnl **rtp)
{
	struct model *m = NULL;
	const struct model_host *h;
	struct host_state *desired = NULL, *observed = NULL, *declared = NULL;
	struct fw_record *fw_applied = NULL;
	struct statedir_owned owned = {0};
	struct early_observe early = {0};
	struct observe_opts oo = {0};
	struct diff_opts dopts = {0};
	struct render_opts ro = { .now = c->now };
	struct peer_notice_opts no = { .now = c->now, .warn_days = c->expiry_warning };
	struct peer_notices notices = {0};
	struct rtnl *rt = NULL;
	const char **names = NULL, **keys = NULL;
	size_t n_names = 0;
	uint8_t priv[WG_KEY_LEN];
	bool have_key = false;
	int r;

	*plan = NULL;
	*rtp = NULL;
	r = statedir_owned_load(c->state_dir, &owned);
	if (r < 0) {
		cmd_error("reading %s: %s", c->state_dir, strerror(-r));
		goto out;
	}
	if (owned.n) {
		early.names = (const char **)owned.ifnames;
		early.n_names = owned.n;
		early.started = pthread_create(&early.thread, NULL, early_observe_run, &early) == 0;
	}
	r = cmd_load_model(c, &m);
	if (r < 0)
		goto out;
	if (c->lock && *c->lock < 0) {
		r = *c->lock = statedir_lock(c->state_dir, true);
		if (r < 0) {
			cmd_apply_lock_error(c, r);
			goto out;
		}
	}
	r = keyfile_read(c->key_file, priv);
	if (r == 0) {
		have_key = true;
	} else if (r == -ENOENT && !need_key && !c->key_file_given) {
		fprintf(stderr, "wgf: warning: no private key at %s (run `wgf host init`); "
			"the plan leaves the device key alone\n", c->key_file);
	} else {
		if (r == -EPERM)
			cmd_error("%s is readable by group or others; run chmod 600 %s", c->key_file, c->key_file);
		else
			cmd_error("key file %s: %s", c->key_file, keyfile_strerror(r));
		goto out;
	}
	h = cmd_select_host(c, m, have_key ? priv : NULL);
	if (!h) {
		r = -ENOENT;
		goto out;
	}
	if (have_key) {
		r = check_key_matches(h, priv, c->key_file);
		if (r < 0)
			goto out;
	}
	ro.private_key = have_key ? priv : NULL;
	r = render_host(m, h, &ro, &desired);
	if (r < 0) {
		cmd_error("rendering host \"%s\": %s", h->meta.name, strerror(-r));
		goto out;
	}
	free(desired->host_name);
	desired->host_name = strdup(h->meta.name);
	no.host = h;
	r = peer_notices_collect(m, &no, &notices);
	if (r < 0) {
		cmd_error("listing the peers left out: %s", strerror(-r));
		goto out;
	}

	for (size_t i = 0; i < desired->n_devices; i++)
		if ((r = add_name(&names, &n_names, desired->devices[i].ifname)) < 0)
			goto out;
	for (size_t i = 0; i < owned.n; i++)
		if ((r = add_name(&names, &n_names, owned.ifnames[i])) < 0)
			goto out;
	keys = calloc(desired->n_sysctls + 1, sizeof(*keys));
	if (!keys) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < desired->n_sysctls; i++)
		keys[i] = desired->sysctls[i].key;

	r = rtnl_open(&rt);
	if (r < 0) {
		cmd_error("opening rtnetlink: %s%s", strerror(-r), r == -EPERM ? " (wgf plan needs root)" : "");
		goto out;
	}
	if (early.started) {
		pthread_join(early.thread, NULL);
		early.started = false;
		if (early.r >= 0 && covers(&early, names, n_names)) {
			char value[64];
			observed = early.hs;
			early.hs = NULL;
			for (size_t i = 0; i < desired->n_sysctls; i++) {
				r = sysctl_read(keys[i], value, sizeof(value));
				if (r < 0) {
					cmd_error("observing this host: reading sysctl %s: %s", keys[i], strerror(-r));
					goto out;
				}
				if ((r = hoststate_add_sysctl(observed, keys[i], value)) < 0)
					goto out;
			}
			hoststate_normalize(observed);
		}
	}
	if (!observed) {
		oo.ifnames = names;
		oo.n_ifnames = n_names;
		oo.sysctl_keys = keys;
		oo.n_sysctl_keys = desired->n_sysctls;
		r = observe_host(rt, &oo, &observed);
		if (r < 0) {
			cmd_error("observing this host: %s", oo.error ? oo.error : strerror(-r));
			goto out;
		}
	}
	observed->host_name = strdup(h->meta.name);
	r = statedir_endpoints_load(c->state_dir, &declared);
	if (r < 0) {
		cmd_error("reading %s: %s", c->state_dir, strerror(-r));
		goto out;
	}
	r = statedir_firewall_load(c->state_dir, &fw_applied);
	if (r == -EBADMSG) {
		fprintf(stderr, "wgf: warning: %s/firewall is damaged; the nftables table is treated as "
			"not recorded (replaced if wanted, never deleted)\n", c->state_dir);
	} else if (r < 0) {
		cmd_error("reading %s/firewall: %s", c->state_dir, strerror(-r));
		goto out;
	}
	/* the table is looked at only when wgf wants it or made it */
	if (desired->firewall.present || fw_applied) {
		char *err = NULL;
		r = observe_firewall(&observed->firewall, fw_applied, &err);
		if (r < 0) {
			cmd_error("observing this host: %s", err ? err : strerror(-r));
			free(err);
			goto out;
		}
	}
	dopts.owned_ifnames = (const char *const *)owned.ifnames;
	dopts.n_owned = owned.n;
	dopts.declared = declared;
	dopts.fw_applied = fw_applied;
	r = diff_host_states(desired, observed, &dopts, plan);
	desired = observed = NULL;
	if (r < 0) {
		cmd_error("computing the plan: %s", strerror(-r));
		goto out;
	}
	(*plan)->source = strdup(m->source);
	(*plan)->notices = notices;
	notices = (struct peer_notices){0};
	free((*plan)->host_name);
	(*plan)->host_name = strdup(h->meta.name);
	*rtp = rt;
	rt = NULL;
out:
	if (early.started)
		pthread_join(early.thread, NULL);
	hoststate_free(early.hs);
	hoststate_free(declared);
	fw_record_free(fw_applied);
	sodium_memzero(priv, sizeof(priv));
	free(oo.error);
	free(names);
	free(keys);
	statedir_owned_clear(&owned);
	hoststate_free(desired);
	hoststate_free(observed);
	peer_notices_clear(&notices);
	rtnl_free(rt);
	model_free(m);
	return r;
}
