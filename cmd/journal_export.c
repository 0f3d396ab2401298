/* wgf journal export: the journal for an audit, with its chain's verification
 * (reconcile/host/journal_export.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/journal.h"
#include "reconcile/host/journal_export.h"

/* --since/--until: -1 after saying why. */
static int window_side(const char *opt, const char *s, int64_t now, bool *has, int64_t *t)
{
	struct wgf_error err = {0};

	if (!s)
		return 0;
	if (journal_date_parse(s, now, t, &err) < 0) {
		cmd_error("%s: %s", opt, wgf_error_message(&err));
		wgf_error_clear(&err);
		return -1;
	}
	*has = true;
	return 0;
}

static int window_parse(const struct cmd_ctx *c, const struct journal_export_args *a, struct journal_window *w)
{
	char s[JOURNAL_TIME_LEN], u[JOURNAL_TIME_LEN];

	memset(w, 0, sizeof(*w));
	if (window_side("--since", a->since, c->now, &w->has_since, &w->since) < 0 ||
	    window_side("--until", a->until, c->now, &w->has_until, &w->until) < 0)
		return -1;
	if (w->has_since && w->has_until && w->since > w->until) {
		cmd_error("--since %s is after --until %s: no entry is in between", journal_time_format(w->since, s),
			  journal_time_format(w->until, u));
		return -1;
	}
	return 0;
}

int cmd_journal_export(const struct cmd_ctx *c, const struct journal_export_args *a)
{
	struct wgf_error err = {0}, verr = {0};
	enum journal_export_format fmt = JOURNAL_EXPORT_JSON;
	struct journal_verdict verdict;
	struct journal_status st;
	struct journal j = {0};
	struct journal_export x = { .exported_at = c->now, .journal = &j, .verdict = &verdict };
	char host[256] = "";
	int verified, r, code = EXIT_ERROR;

	if (a->format && !journal_export_format_parse(a->format, &fmt)) {
		cmd_error("--format must be json or jsonl, not \"%s\"", a->format);
		return EXIT_ERROR;
	}
	if (window_parse(c, a, &x.window) < 0)
		return EXIT_ERROR;
	if (gethostname(host, sizeof(host) - 1) == 0 && host[0])
		x.host = host;
	r = journal_read_verified(c->state_dir, &j, &st, &verified, &verr, &err);
	if (r < 0) {
		cmd_error("%s", wgf_error_message(&err));
		goto out;
	}
	journal_verdict_set(&verdict, verified, &st, &verr, &j);
	r = journal_export_write(stdout, &x, fmt);
	if (r < 0) {
		cmd_error("journal export: writing: %s", strerror(-r));
		goto out;
	}
	code = EXIT_OK;
	if (verified < 0) {
		cmd_error("journal export: the chain is broken, exported with \"intact\": false: %s",
			  wgf_error_message(&verr));
		code = EXIT_BROKEN;
	}
out:
	journal_clear(&j);
	wgf_error_clear(&verr);
	wgf_error_clear(&err);
	return code;
}
