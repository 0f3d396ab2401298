/* Key ages for wgf keys, validate and plan: git history when the repository
 * is read from git, else keyCreated; the clock is the command's (c->now).
 * Messages go to stderr directly: common.c calls in here (plan), so this file
 * must not use it back (tests/check-layers: no cycles between files). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/wgf.h"
#include "render/key_age.h"
#include "reconcile/host/key_history.h"

int cmd_key_ages(const struct cmd_ctx *c, const struct model *m, const bool *want_hosts,
		 const bool *want_peers, uint32_t due_within, struct key_ages *out)
{
	struct key_created *hosts = NULL, *peers = NULL;
	struct key_age_opts o = {
		.now = c->now, .due_within = due_within, .want_hosts = want_hosts, .want_peers = want_peers,
	};
	struct wgf_error err = {0};
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (c->repo && m->commit) {
		hosts = calloc(m->n_hosts + 1, sizeof(*hosts));
		peers = calloc(m->n_peers + 1, sizeof(*peers));
		if (!hosts || !peers)
			r = wgf_error_set(&err, -ENOMEM, NULL);
		else
			r = key_history(c->repo, m, want_hosts, want_peers, hosts, peers, &err);
		o.hosts = hosts;
		o.peers = peers;
	}
	if (r == 0 && (r = key_ages_collect(m, &o, out)) < 0)
		wgf_error_set(&err, r, NULL);
	if (r < 0)
		fprintf(stderr, "wgf: key ages: %s\n", wgf_error_message(&err));
	wgf_error_clear(&err);
	free(hosts);
	free(peers);
	return r;
}

/* Which keys concern one host: its own and those of the Peers it takes. */
int cmd_key_want_of_host(const struct model *m, const struct model_host *h, bool **wh, bool **wp)
{
	size_t hi = model_host_index(m, h);

	*wh = calloc(m->n_hosts + 1, sizeof(**wh));
	*wp = calloc(m->n_peers + 1, sizeof(**wp));
	if (!*wh || !*wp || hi == MODEL_NONE)
		return -ENOMEM;
	(*wh)[hi] = true;
	for (size_t i = 0; i < m->n_peers; i++)
		for (size_t j = 0; j < m->peers[i].n_hubs; j++)
			(*wp)[i] |= m->peers[i].hubs[j] == hi;
	return 0;
}

int cmd_key_warnings(const struct cmd_ctx *c, const struct model *m, const char *host, struct diag *d)
{
	const struct model_host *h = host ? model_find_host(m, host) : NULL;
	bool *wh = NULL, *wp = NULL;
	struct key_ages a = {0};
	int r = 0;

	if (h && cmd_key_want_of_host(m, h, &wh, &wp) < 0) {
		fprintf(stderr, "wgf: key ages: %s\n", strerror(ENOMEM));
		r = -ENOMEM;
		goto out;
	}
	r = cmd_key_ages(c, m, wh, wp, 0, &a);
	if (r == 0)
		r = (int)key_ages_report(&a, c->fail_on_overdue, d);
out:
	key_ages_clear(&a);
	free(wh);
	free(wp);
	return r;
}

int cmd_plan_key_check(const struct cmd_ctx *c, const struct model *m, const char *host)
{
	struct diag d;
	int r;

	if (!c->check_keys)
		return 0;
	diag_init(&d);
	r = cmd_key_warnings(c, m, host, &d);
	diag_sort(&d);
	diag_print(&d, stderr);
	diag_free(&d);
	if (r > 0 && c->fail_on_overdue)
		fprintf(stderr, "wgf: %d key%s overdue for rotation (--fail-on-overdue)\n", r, r == 1 ? " is" : "s are");
	return c->fail_on_overdue && r != 0 ? -1 : 0;
}
