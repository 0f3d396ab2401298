/* wgf metrics: what the exposition is made of (the host observed now, the
 * loop's and watch's records, key ages) and the textfile; for the command,
 * its HTTP server and reconcile's metrics-textfile. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/wgf.h"
#include "reconcile/host/exit_state.h"
#include "reconcile/host/fileio.h"
#include "reconcile/host/loopstate.h"
#include "render/key_age.h"
#include "render/metrics.h"

#define METRICS_TEXTFILE "wgf.prom"

/* The loop's series from reconcile.json; counts points into ls. */
static void loop_of(const struct loopstate *ls, struct metrics_loop *out, struct metrics_count *counts)
{
	const struct loop_run *a = &ls->last_attempt;

	out->ran = ls->remote || ls->suspended;
	out->last_attempt = a->time;
	out->last_success = ls->last_success;
	out->next_attempt = ls->next_attempt;
	out->outcome = loop_outcome_name(a->outcome);
	out->consecutive_failures = ls->consecutive_failures;
	out->suspended = ls->suspended;
	out->revision = ls->last_applied.revision;
	out->verify = ls->verify;
	out->verified = a->principal || a->fingerprint;
	out->signer = a->principal ? a->principal : a->fingerprint;
	for (size_t i = 0; i < ls->n_drift && i < LOOPSTATE_MAX_DRIFT_KINDS; i++)
		counts[i] = (struct metrics_count){ ls->drift[i].kind, ls->drift[i].n };
	out->drift = ls->drift ? counts : NULL;
	out->n_drift = ls->n_drift < LOOPSTATE_MAX_DRIFT_KINDS ? ls->n_drift : LOOPSTATE_MAX_DRIFT_KINDS;
}

struct exit_view {
	struct metrics_exits e;
	struct metrics_exit_member *members;
	struct metrics_exit_table *tables;
};

/* exits.json's groups as the renderer takes them (pointing into s). */
static int exits_of(const struct exit_state *s, int64_t now, struct exit_view *v)
{
	size_t nm = 0, nt = 0;

	for (size_t g = 0; g < s->n_groups; g++) {
		nm += s->groups[g].n_members;
		nt += s->groups[g].n_tables;
	}
	v->members = calloc(nm + 1, sizeof(*v->members));
	v->tables = calloc(nt + 1, sizeof(*v->tables));
	if (!v->members || !v->tables)
		return -ENOMEM;
	for (size_t g = 0; g < s->n_groups; g++) {
		const struct exit_state_group *gr = &s->groups[g];
		for (size_t i = 0; i < gr->n_members; i++)
			v->members[v->e.n_members++] = (struct metrics_exit_member){ gr->name, gr->members[i].name,
										      gr->members[i].up };
		for (size_t i = 0; i < gr->n_tables; i++)
			v->tables[v->e.n_tables++] = (struct metrics_exit_table){ gr->name, gr->tables[i].table,
				gr->tables[i].route == EXIT_ROUTE_MEMBER ? gr->tables[i].member : NULL };
	}
	v->e.present = true;
	v->e.updated = s->updated_ms / 1000;
	v->e.fresh = exit_state_fresh(s, now * 1000);
	v->e.members = v->members;
	v->e.tables = v->tables;
	return 0;
}

/* The interfaces to observe: the repository's (--host: its one), else wgf's own. */
static int ifnames_of(const struct model *m, const char *host, const char ***names, size_t *n)
{
	const struct model_host *h = m && host ? model_find_host(m, host) : NULL;

	*names = NULL;
	*n = 0;
	if (!m)
		return 0;
	if (!(*names = calloc(m->n_hosts + 1, sizeof(**names))))
		return -ENOMEM;
	for (size_t i = 0; i < m->n_hosts; i++)
		if (!h || h == &m->hosts[i])
			(*names)[(*n)++] = m->hosts[i].ifname;
	return 0;
}

static void warn_clear(struct wgf_error *err)
{
	cmd_error("warning: %s", wgf_error_message(err));
	wgf_error_clear(err);
}

int cmd_metrics_text(const struct cmd_ctx *c, const struct model *m, uint32_t stale_after, char **out, size_t *len)
{
	struct metrics_count counts[LOOPSTATE_MAX_DRIFT_KINDS];
	struct metrics_input in = { .m = m, .host = c->host, .now = c->now, .stale_after = stale_after,
				    .version = WGF_VERSION };
	struct exit_view ev = {0};
	struct metrics_loop lp = {0};
	struct host_state *hs = NULL;
	struct wgf_error err = {0};
	struct loopstate ls = {0};
	struct exit_state es = {0};
	struct key_ages ka = {0};
	const char **names = NULL;
	size_t n = 0;
	int r, fw;

	*out = NULL;
	if ((r = ifnames_of(m, c->host, &names, &n)) < 0)
		goto out;
	if ((r = pipeline_status(c->state_dir, names, n, false, &hs, &fw, &err)) < 0) {
		cmd_error("%s", wgf_error_message(&err));
		goto out;
	}
	if (loopstate_load(c->state_dir, &ls, &err) < 0)
		warn_clear(&err);
	loop_of(&ls, &lp, counts);
	r = exit_state_load(c->state_dir, &es, &err);
	if (r == 0 && (r = exits_of(&es, c->now, &ev)) < 0) {
		cmd_error("metrics: %s", strerror(-r));
		goto out;
	}
	if (r < 0 && r != -ENOENT)
		warn_clear(&err);
	wgf_error_clear(&err);
	if (m && cmd_key_ages(c, m, NULL, NULL, 0, &ka) == 0)
		in.keys = &ka;
	in.hs = hs;
	in.loop = &lp;
	in.exits = &ev.e;
	in.facts.loop_backoff = ls.consecutive_failures > 0;
	in.facts.loop_suspended = ls.suspended;
	in.facts.loop_refused = ls.last_attempt.outcome == LOOP_REFUSED;
	cmd_status_exits_facts(c->state_dir, c->now * 1000, &in.facts);
	if ((r = metrics_render_text(&in, out, len)) < 0)
		cmd_error("metrics: %s", strerror(-r));
out:
	wgf_error_clear(&err);
	key_ages_clear(&ka);
	free(ev.members);
	free(ev.tables);
	exit_state_clear(&es);
	loopstate_clear(&ls);
	hoststate_free(hs);
	free(names);
	return r;
}

int cmd_metrics_textfile(const char *dir, const char *text, size_t len)
{
	char path[PATH_MAX];
	int r;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, METRICS_TEXTFILE) >= sizeof(path))
		return -ENAMETOOLONG;
	r = fileio_write(path, text, len, 0644);
	if (r < 0)
		cmd_error("writing %s: %s", path, strerror(-r));
	return r;
}

void cmd_metrics_after_reconcile(struct cmd_ctx *c, const char *dir, const char *mirror, const char *revision)
{
	struct cmd_ctx mc = *c;
	struct model *m = NULL;
	char *text = NULL;
	size_t len = 0;

	mc.repo = mirror;
	mc.ref = revision;
	mc.allow_empty = true;
	if (revision && cmd_load_model(&mc, &m) < 0)
		cmd_error("warning: metrics: the repository at %.12s did not load: peers are not named", revision);
	if (cmd_metrics_text(&mc, m, 0, &text, &len) == 0)
		cmd_metrics_textfile(dir, text, len);
	free(text);
	model_free(m);
}

