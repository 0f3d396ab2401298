/* libFuzzer harness for the review report: two models (YAML, split at the first
 * NUL; without one, both are the input), their reachability diff (render/
 * reach_diff.c) and the report in Markdown, HTML and JSON (reconcile/plan/report*.c)
 * over what the repository names (hostile: hosts, peers, files, forwards).
 *
 * Invariants (abort on violation): a model compared with itself changes no flow;
 * every flow's verdict differs between base and head, and only an opened one is
 * flagged; the groups' flows stand for exactly the (source, destination, service)
 * triples that change when every endpoint is evaluated alone (grouping loses
 * nothing); the HTML holds no element but those the printer writes (repository
 * text is escaped).
 *
 * `make fuzz O=build-fz`, then e.g.
 *   build-fz/fuzz/fuzz_report -max_total_time=600 -max_len=65536 /tmp/c tests/fuzz/corpus/fuzz_report
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "reconcile/plan/report.h"
#include "render/reach_diff.h"

#define NOW 1700000000

static const char *const tags[] = {
	"!DOCTYPE", "html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "p", "br", "div",
	"table", "thead", "tbody", "tr", "th", "td", "ul", "li", "strong", "span", "code", "details", "summary",
	"pre", "svg", "g", "rect", "text", "line", "path", "i", NULL
};

static void check_html(const char *s)
{
	for (const char *p = strchr(s, '<'); p; p = strchr(p + 1, '<')) {
		const char *n = p + 1 + (p[1] == '/');
		size_t len = strcspn(n, " >\n");
		size_t i;

		for (i = 0; tags[i]; i++)
			if (strlen(tags[i]) == len && !strncmp(tags[i], n, len))
				break;
		if (!tags[i])
			abort();   /* markup from the repository got through */
		if (len == 5 && !strncmp(n, "style", 5) && p[1] != '/' && !(p = strstr(p, "</style>")))
			abort();
	}
}

static void report(const struct model *base, const struct model *head, const struct reach_diff *d)
{
	struct report r = { base, head, NULL, 0, d };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return;
	report_print_html(&r, f);
	fflush(f);
	check_html(text);
	rewind(f);
	report_print_markdown(&r, f);
	report_print_json(&r, f);
	fclose(f);
	free(text);
}

/* The single-endpoint triples a diff's flows stand for. */
static size_t triples(const struct reach_diff *d)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n_flows; i++) {
		const struct reach_flow *f = &d->flows[i];
		size_t s = d->ends[f->src].n_members, t = d->ends[f->dst].n_members, svc = 1;

		for (const char *p = f->services; (p = strchr(p, ',')); p++)
			svc++;
		n += (f->src == f->dst ? s * (s - 1) : s * t) * svc * (f->both_families ? 2 : 1);
	}
	return n;
}

static void diff(const struct model *base, const struct model *head)
{
	struct reach_diff d, e;

	if (reach_diff_compute(base, head, NOW, &d) < 0)
		return;
	if (reach_diff_compute_each(base, head, NOW, &e) == 0) {
		if (triples(&d) != triples(&e))
			abort();   /* endpoints grouped that the evaluator tells apart */
		reach_diff_clear(&e);
	}
	for (size_t i = 0; i < d.n_flows; i++) {
		const struct reach_flow *f = &d.flows[i];

		if (f->before == f->after || (f->flags && !(f->flags & REACH_OPENED)) ||
		    (f->flags & REACH_OPENED) != (!f->before && f->after))
			abort();
	}
	if (base == head && d.n_flows)
		abort();   /* nothing changed, yet a flow did */
	report(base, head, &d);
	reach_diff_clear(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *name = "fuzz.yaml", *buf[2] = { (const char *)data, (const char *)data };
	const char *nul = memchr(data, 0, size);
	size_t len[2] = { size, size };
	struct model *m[2] = { NULL, NULL };

	if (nul) {
		len[0] = (size_t)(nul - buf[0]);
		buf[1] = nul + 1;
		len[1] = size - len[0] - 1;
	}
	for (int i = 0; i < 2; i++) {
		struct diag dg;

		diag_init(&dg);
		model_load_buffers(&name, &buf[i], &len[i], 1, &m[i], &dg);
		diag_free(&dg);
	}
	if (m[1]) {
		diff(m[1], m[1]);
		diff(NULL, m[1]);
		if (m[0])
			diff(m[0], m[1]);
	}
	model_free(m[0]);
	model_free(m[1]);
	return 0;
}
