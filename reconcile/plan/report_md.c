/* The review report in Markdown, sized for a pull-request comment. */
#include "reconcile/plan/report.h"

#include <stdlib.h>
#include <string.h>

#define md report_md_escape

static void fence(FILE *f, size_t n, const char *info)
{
	while (n--)
		fputc('`', f);
	fprintf(f, "%s\n", info);
}

static bool unchanged(const struct report_host *h)
{
	return !strcmp(h->status, "unchanged");
}

static void summary(const struct report *r, FILE *f)
{
	size_t cr = 0, up = 0, de = 0, changed = 0, quiet = 0, rows = 0, left = 0;

	for (size_t i = 0; i < r->n_hosts; i++)
		quiet += unchanged(&r->hosts[i]) && !r->hosts[i].plan->notices.n;
	fprintf(f, "## wgf: what this change does on each host\n\nHead: ");
	md(f, r->head->source);
	fprintf(f, "  \nBase: ");
	md(f, r->base ? r->base->source : "(none: every Host as on a host that has nothing yet)");
	fprintf(f, "\n\n| host | status | add | change | remove | notices |\n|---|---|--:|--:|--:|--:|\n");
	for (size_t i = 0; i < r->n_hosts; i++) {
		const struct report_host *h = &r->hosts[i];

		cr += h->plan->n_create;
		up += h->plan->n_update;
		de += h->plan->n_delete;
		changed += !unchanged(h);
		if (quiet > REPORT_UNCHANGED_ROWS && unchanged(h) && !h->plan->notices.n)
			continue;
		if (rows++ >= REPORT_HOST_ROWS) {
			left++;
			continue;
		}
		fputs("| ", f);
		md(f, h->name);
		fprintf(f, " | %s%s | %zu | %zu | %zu | %zu |\n", h->status, h->observed ? " (observed)" : "",
			h->plan->n_create, h->plan->n_update, h->plan->n_delete, h->plan->notices.n);
	}
	if (left)
		fprintf(f, "| *%zu more hosts* | (not listed: `wgf plan --all` shows them) | | | | |\n", left);
	if (quiet > REPORT_UNCHANGED_ROWS)
		fprintf(f, "| *%zu hosts* | unchanged | 0 | 0 | 0 | 0 |\n", quiet);
	fprintf(f, "\n**%zu host%s, %zu with changes: %zu to add, %zu to change, %zu to destroy.**\n", r->n_hosts,
		r->n_hosts == 1 ? "" : "s", changed, cr, up, de);
}

static void changes(const struct report *r, FILE *f)
{
	struct report_change *c = NULL;
	size_t n = 0;

	fprintf(f, "\n### Peers and Hosts\n\n");
	if (report_changes(r->base, r->head, &c, &n) < 0) {
		fprintf(f, "(out of memory)\n");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "- %s **", c[i].kind);
		md(f, c[i].name);
		if (!strcmp(c[i].what, "added"))
			fprintf(f, "** added (%s, key %s)\n", c[i].before, c[i].after);
		else if (!strcmp(c[i].what, "removed"))
			fprintf(f, "** removed (key %s)\n", c[i].before);
		else
			fprintf(f, "**: %s%s %s → %s\n", c[i].what, strcmp(c[i].what, "key") ? "" : " changed", c[i].before,
				c[i].after);
	}
	if (!n)
		fprintf(f, "No Peer or Host added or removed, no key or access level changed%s.\n",
			r->base ? "" : " (no base to compare with)");
	free(c);
}

static const char *flag_text(unsigned flags)
{
	if (flags & REACH_CROSS_TENANT)
		return "⚠️ **into another tenant**";
	if (flags & REACH_INTERNET_PATH)
		return "⚠️ **internet**";
	return "";
}

static void flow_row(const struct reach_diff *d, const struct reach_flow *fl, FILE *f)
{
	fprintf(f, "| %s | ", flag_text(fl->flags));
	md(f, d->ends[fl->src].label);
	fputs(" | ", f);
	md(f, d->ends[fl->dst].label);
	fputs(" | ", f);
	md(f, fl->services);
	fprintf(f, "%s | %s | %s | ", fl->both_families ? "" : d->ends[fl->src].family == AF_INET6 ? " (IPv6)" :
		" (IPv4)", fl->before ? "accept" : "drop", fl->after ? "**accept**" : "**drop**");
	md(f, fl->why_after);
	if (fl->loc.line) {
		fputs(fl->loc_at_base ? " (it was written at base in " : " at ", f);
		md(f, fl->loc.file);
		fprintf(f, ":%u:%u%s", fl->loc.line, fl->loc.col, fl->loc_at_base ? ")" : "");
	}
	fputs(" |\n", f);
}

/* One row, if it fits in what is left of REPORT_FLOWS_BYTES. */
static bool row(const struct reach_diff *d, const struct reach_flow *fl, FILE *f, size_t *used)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	bool fits;

	if (!m)
		return false;
	flow_row(d, fl, m);
	fclose(m);
	if ((fits = text && *used + len <= REPORT_FLOWS_BYTES)) {
		fputs(text, f);
		*used += len;
	}
	free(text);
	return fits;
}

static void reachability(const struct report *r, FILE *f)
{
	const struct reach_diff *d = r->reach;
	size_t shown = 0, used = 0;

	fprintf(f, "\n### Reachability\n\n");
	if (!d->n_flows) {
		fprintf(f, "No flow changes its verdict.");
	} else {
		if (d->n_flagged)
			fprintf(f, "> ⚠️ **%zu change%s open%s a path into another tenant or to or from the internet** "
				"(marked below).\n\n", d->n_flagged, d->n_flagged == 1 ? "" : "s", d->n_flagged == 1 ? "s" : "");
		fprintf(f, "%zu flow%s change%s: %zu opened, %zu closed.\n\n"
			"| | from | to | service | before | after | decided by (at head) |\n|---|---|---|---|---|---|---|\n",
			d->n_flows, d->n_flows == 1 ? "" : "s", d->n_flows == 1 ? "s" : "", d->n_opened, d->n_closed);
		/* flagged flows first: they are what a reviewer must see */
		for (int pass = 0; pass < 2; pass++)
			for (size_t i = 0; i < d->n_flows; i++) {
				bool flagged = d->flows[i].flags & (REACH_CROSS_TENANT | REACH_INTERNET_PATH);

				if (flagged != (pass == 0))
					continue;
				if (row(d, &d->flows[i], f, &used))
					shown++;
			}
		if (shown < d->n_flows)
			fprintf(f, "\n(%zu more flows left out to keep this comment within its limit: "
				"`wgf report --format json` has them all)\n", d->n_flows - shown);
	}
	fprintf(f, "\n<sub>%zu endpoints (every Host and Peer, addresses in their LANs, the internet, port forwards) "
		"in %zu groups that the policy cannot tell apart, %zu services, %zu evaluations by the evaluator "
		"of `wgf test`.</sub>\n", d->n_endpoints, d->n_ends, d->n_services, d->n_evaluations);
}

static void plans(const struct report *r, FILE *f)
{
	size_t used = 0, left = 0, left_bytes = 0;

	fprintf(f, "\n### Plans\n");
	for (size_t i = 0; i < r->n_hosts; i++) {
		const struct report_host *h = &r->hosts[i];
		size_t len = 0, run = 0, longest = 2;
		char *text = NULL;
		FILE *m;

		if (unchanged(h) || !(m = open_memstream(&text, &len)))
			continue;
		plan_print_text(h->plan, &(struct plan_print_opts){ .color = false }, m);
		fclose(m);
		if (used + len > REPORT_PLANS_MAX) {
			left++;
			left_bytes += len;
			free(text);
			continue;
		}
		fputs("\n<details><summary>", f);
		md(f, h->name);
		fprintf(f, ": %s, %zu to add, %zu to change, %zu to destroy</summary>\n\n", h->status,
			h->plan->n_create, h->plan->n_update, h->plan->n_delete);
		/* a fence longer than any run of backticks in the plan */
		for (const char *t = text; *t; t++)
			if ((run = *t == '`' ? run + 1 : 0) > longest)
				longest = run;
		fence(f, longest + 1, "text");
		fputs(text, f);
		fence(f, longest + 1, "");
		used += len;
		fputs("\n</details>\n", f);
		free(text);
	}
	if (left)
		fprintf(f, "\nThe plans of %zu more host%s (%zu bytes) are left out to keep this comment within its "
			"limit: `wgf plan --all` shows them.\n", left, left == 1 ? "" : "s", left_bytes);
}

void report_print_markdown(const struct report *r, FILE *f)
{
	summary(r, f);
	changes(r, f);
	reachability(r, f);
	plans(r, f);
}
