/* The review report as one self-contained HTML page: no script, no fetch, inline
 * CSS and SVG, readable on a phone. Everything from the repository is escaped. */
#include "reconcile/plan/report.h"

#include <stdlib.h>
#include <string.h>

#define esc report_html_escape

static const char style[] =
	"body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1f2328;background:#fff;"
	"margin:0 auto;padding:1rem;max-width:72rem}"
	"h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:1.6rem;border-bottom:1px solid #d0d7de}"
	".scroll{overflow-x:auto}table{border-collapse:collapse;width:100%}"
	"th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}"
	"td.n{text-align:right}pre{background:#f6f8fa;padding:.6rem;overflow-x:auto;font-size:.82rem}"
	".warn{background:#fff8c5;border-left:4px solid #bf8700;padding:.5rem .8rem}"
	".flag{color:#9a6700;font-weight:600;white-space:nowrap}.acc{color:#1a7f37;font-weight:600}"
	".drop{color:#cf222e;font-weight:600}.small{color:#57606a;font-size:.85rem}"
	"svg{max-width:100%;height:auto}svg text{font:12px system-ui,sans-serif;fill:#1f2328}"
	"svg text.name{font-weight:600;font-size:13px}svg text.sub{fill:#57606a}"
	"svg rect{stroke-width:2}.same rect{fill:#f6f8fa;stroke:#8c959f}.add rect{fill:#dafbe1;stroke:#1a7f37}"
	".del rect{fill:#ffebe9;stroke:#cf222e;stroke-dasharray:6 4}.chg rect{fill:#fff8c5;stroke:#bf8700}"
	"line,path{fill:none;stroke-width:1.5}.lsame{stroke:#afb8c1}.ladd{stroke:#1a7f37;stroke-width:2.5}"
	".ldel{stroke:#cf222e;stroke-dasharray:6 4;stroke-width:2.5}"
	".padd{color:#1a7f37;font-weight:600}.pdel{color:#cf222e;text-decoration:line-through}"
	".legend span{display:inline-block;margin-right:1rem;font-size:.85rem}"
	".legend i{display:inline-block;width:.9rem;height:.9rem;border:2px solid;border-radius:3px;"
	"vertical-align:middle;margin-right:.3rem}"
	"@media (max-width:640px){body{padding:.5rem;font-size:14px}th,td{padding:.2rem .3rem;font-size:.82rem}"
	"table.flows thead{display:none}table.flows,table.flows tbody,table.flows tr,table.flows td{display:block;width:auto}"
	"table.flows tr{border:1px solid #d0d7de;border-radius:6px;margin-bottom:.6rem}"
	"table.flows td{border:0;border-bottom:1px solid #eaeef2}table.flows td.flag:empty{display:none}"
	"table.flows td[data-label]::before{content:attr(data-label);display:block;color:#57606a;font-size:.75rem}}";

static void head(const struct report *r, FILE *f)
{
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
		"img-src data:\">\n<title>wgf report</title>\n<style>%s</style></head>\n<body><main>\n"
		"<h1>wgf: what this change does on each host</h1>\n<p class=\"small\">Head: ", style);
	esc(f, r->head->source);
	fputs("<br>Base: ", f);
	esc(f, r->base ? r->base->source : "(none: every Host as on a host that has nothing yet)");
	fputs("</p>\n", f);
}

static void topology(const struct report *r, FILE *f)
{
	fputs("<h2>Topology</h2>\n<p class=\"legend\"><span><i style=\"border-color:#1a7f37;background:#dafbe1\"></i>"
	      "added</span><span><i style=\"border-color:#cf222e;background:#ffebe9\"></i>removed</span>"
	      "<span><i style=\"border-color:#bf8700;background:#fff8c5\"></i>changed</span>"
	      "<span><i style=\"border-color:#8c959f;background:#f6f8fa\"></i>unchanged</span>"
	      "<span>dotted: a hub other than the primary</span></p>\n", f);
	report_print_topology(r, f);
}

static void hosts(const struct report *r, FILE *f)
{
	size_t cr = 0, up = 0, de = 0, changed = 0;

	fputs("<h2>Hosts</h2>\n<div class=\"scroll\"><table><thead><tr><th>host</th><th>status</th><th>add</th>"
	      "<th>change</th><th>remove</th><th>notices</th></tr></thead><tbody>\n", f);
	for (size_t i = 0; i < r->n_hosts; i++) {
		const struct report_host *h = &r->hosts[i];

		fputs("<tr><td>", f);
		esc(f, h->name);
		fprintf(f, "</td><td>%s%s</td><td class=\"n\">%zu</td><td class=\"n\">%zu</td><td class=\"n\">%zu</td>"
			"<td class=\"n\">%zu</td></tr>\n", h->status, h->observed ? " (observed)" : "",
			h->plan->n_create, h->plan->n_update, h->plan->n_delete, h->plan->notices.n);
		cr += h->plan->n_create;
		up += h->plan->n_update;
		de += h->plan->n_delete;
		changed += strcmp(h->status, "unchanged") != 0;
	}
	fprintf(f, "</tbody></table></div>\n<p><strong>%zu host%s, %zu with changes: %zu to add, %zu to change, "
		"%zu to destroy.</strong></p>\n", r->n_hosts, r->n_hosts == 1 ? "" : "s", changed, cr, up, de);
}

static void changes(const struct report *r, FILE *f)
{
	struct report_change *c = NULL;
	size_t n = 0;

	fputs("<h2>Peers and Hosts</h2>\n", f);
	if (report_changes(r->base, r->head, &c, &n) < 0 || !n) {
		fprintf(f, "<p>No Peer or Host added or removed, no key or access level changed%s.</p>\n",
			r->base ? "" : " (no base to compare with)");
		free(c);
		return;
	}
	fputs("<ul>\n", f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "<li>%s <strong>", c[i].kind);
		esc(f, c[i].name);
		if (!strcmp(c[i].what, "added"))
			fprintf(f, "</strong> added (%s, key %s)</li>\n", c[i].before, c[i].after);
		else if (!strcmp(c[i].what, "removed"))
			fprintf(f, "</strong> removed (key %s)</li>\n", c[i].before);
		else
			fprintf(f, "</strong>: %s%s %s → %s</li>\n", c[i].what, strcmp(c[i].what, "key") ? "" : " changed",
				c[i].before, c[i].after);
	}
	fputs("</ul>\n", f);
	free(c);
}

static void flow_row(const struct reach_diff *d, const struct reach_flow *fl, FILE *f)
{
	fprintf(f, "<tr><td class=\"flag\">%s</td><td data-label=\"from\">",
		fl->flags & REACH_CROSS_TENANT ? "⚠ into another tenant" : fl->flags & REACH_INTERNET_PATH ? "⚠ internet" : "");
	esc(f, d->ends[fl->src].label);
	fputs("</td><td data-label=\"to\">", f);
	esc(f, d->ends[fl->dst].label);
	fputs("</td><td data-label=\"service\">", f);
	esc(f, fl->services);
	fprintf(f, "%s</td><td data-label=\"before\" class=\"%s\">%s</td><td data-label=\"after\" class=\"%s\">%s</td>"
		"<td data-label=\"decided by\">", fl->both_families ? "" : d->ends[fl->src].family == AF_INET6 ? " (IPv6)" :
		" (IPv4)", fl->before ? "acc" : "drop", fl->before ? "accept" : "drop", fl->after ? "acc" : "drop",
		fl->after ? "accept" : "drop");
	esc(f, fl->why_after);
	if (fl->loc.line) {
		fputs(fl->loc_at_base ? " <span class=\"small\">(it was written at base in " : " <span class=\"small\">at ", f);
		esc(f, fl->loc.file);
		fprintf(f, ":%u:%u%s</span>", fl->loc.line, fl->loc.col, fl->loc_at_base ? ")" : "");
	}
	fputs("<br><span class=\"small\">before: ", f);
	esc(f, fl->why_before);
	fputs("</span></td></tr>\n", f);
}

static void reachability(const struct report *r, FILE *f)
{
	const struct reach_diff *d = r->reach;

	fputs("<h2>Reachability</h2>\n", f);
	if (!d->n_flows) {
		fputs("<p>No flow changes its verdict.</p>\n", f);
	} else {
		if (d->n_flagged)
			fprintf(f, "<p class=\"warn\">⚠ <strong>%zu change%s open%s a path into another tenant or to or "
				"from the internet</strong> (marked below).</p>\n", d->n_flagged,
				d->n_flagged == 1 ? "" : "s", d->n_flagged == 1 ? "s" : "");
		fprintf(f, "<p>%zu flow%s change%s: %zu opened, %zu closed.</p>\n<table class=\"flows\"><thead><tr>"
			"<th></th><th>from</th><th>to</th><th>service</th><th>before</th><th>after</th>"
			"<th>decided by (at head)</th></tr></thead><tbody>\n", d->n_flows, d->n_flows == 1 ? "" : "s",
			d->n_flows == 1 ? "s" : "", d->n_opened, d->n_closed);
		for (int pass = 0; pass < 2; pass++)
			for (size_t i = 0; i < d->n_flows; i++)
				if ((!(d->flows[i].flags & (REACH_CROSS_TENANT | REACH_INTERNET_PATH))) == pass)
					flow_row(d, &d->flows[i], f);
		fputs("</tbody></table>\n", f);
	}
	fprintf(f, "<p class=\"small\">%zu endpoints (every Host and Peer, addresses in their LANs, the internet, "
		"port forwards) in %zu groups that the policy cannot tell apart, %zu services, %zu evaluations by the "
		"evaluator of <code>wgf test</code>.</p>\n", d->n_endpoints, d->n_ends, d->n_services, d->n_evaluations);
}

static void plans(const struct report *r, FILE *f)
{
	fputs("<h2>Plans</h2>\n", f);
	for (size_t i = 0; i < r->n_hosts; i++) {
		const struct report_host *h = &r->hosts[i];
		char *text = NULL;
		size_t len = 0;
		FILE *m;

		if (!strcmp(h->status, "unchanged") || !(m = open_memstream(&text, &len)))
			continue;
		plan_print_text(h->plan, &(struct plan_print_opts){ .color = false }, m);
		fclose(m);
		fputs("<details><summary>", f);
		esc(f, h->name);
		fprintf(f, ": %s, %zu to add, %zu to change, %zu to destroy</summary>\n<pre>", h->status,
			h->plan->n_create, h->plan->n_update, h->plan->n_delete);
		esc(f, text ? text : "");
		fputs("</pre></details>\n", f);
		free(text);
	}
}

void report_print_html(const struct report *r, FILE *f)
{
	head(r, f);
	topology(r, f);
	hosts(r, f);
	changes(r, f);
	reachability(r, f);
	plans(r, f);
	fputs("</main></body></html>\n", f);
}
