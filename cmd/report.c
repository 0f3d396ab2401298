#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/wgf.h"

static const char help[] =
	"Usage: wgf report [--base REF] [PATH | --repo DIR --ref REF] [--observed DIR] [--format markdown]\n\n"
	"A review report of a change, for a pull-request comment: what `wgf plan --all`\n"
	"finds for every Host (a summary table, then each host's plan, folded), the\n"
	"Peers and Hosts added and removed, keys and access levels that changed.\n"
	"Offline: no root, no kernel.\n\n"
	"  --base REF         the commit the fleet is at (the pull request's target)\n"
	"  --observed DIR     plan a Host against DIR/HOST.json where there is one\n"
	"  --format markdown  the only format so far (default)\n"
	"  --no-color         (no effect: the report has no colours)\n"
	"  -h, --help         this help\n\n"
	"Exit: 0 no host changes, 2 some host changes, 1 error.\n";

/* A comment on GitHub holds 65,536 characters: the plans stop short of that. */
#define REPORT_PLANS_MAX 50000

enum { OPT_FORMAT = 0x400 };

static void fence(FILE *f, size_t n, const char *info)
{
	while (n--)
		fputc('`', f);
	fprintf(f, "%s\n", info);
}

/* Markdown-safe: table cells and inline code keep their shape. */
static void md(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|' || *s == '`' || *s == '*' || *s == '_' || *s == '<' || *s == '[' || *s == '\\')
			fputc('\\', f);
		fputc(*s == '\n' ? ' ' : *s, f);
	}
}

static void summary(FILE *f, const struct fleet *fl)
{
	size_t cr = 0, up = 0, de = 0, changed = 0;

	fprintf(f, "## wgf: what this change does on each host\n\nHead: ");
	md(f, fl->head->source);
	fprintf(f, "  \nBase: ");
	md(f, fl->base ? fl->base->source : "(none: every Host as on a host that has nothing yet)");
	fprintf(f, "\n\n| host | status | add | change | remove | notices |\n|---|---|--:|--:|--:|--:|\n");
	for (size_t i = 0; i < fl->n; i++) {
		const struct fleet_host *h = &fl->hosts[i];

		fputs("| ", f);
		md(f, h->name);
		fprintf(f, " | %s%s | %zu | %zu | %zu | %zu |\n", fleet_status_names[h->status],
			h->observed ? " (observed)" : "", h->plan->n_create, h->plan->n_update, h->plan->n_delete,
			h->plan->notices.n);
		cr += h->plan->n_create;
		up += h->plan->n_update;
		de += h->plan->n_delete;
		changed += h->status != HOST_UNCHANGED;
	}
	fprintf(f, "\n**%zu host%s, %zu with changes: %zu to add, %zu to change, %zu to destroy.**\n", fl->n,
		fl->n == 1 ? "" : "s", changed, cr, up, de);
}

static const struct model_peer *find_peer(const struct model *m, const char *name)
{
	for (size_t i = 0; m && i < m->n_peers; i++)
		if (!strcmp(m->peers[i].meta.name, name))
			return &m->peers[i];
	return NULL;
}

/* Peers and Hosts that came or went, keys and access levels that changed. */
static void changes(FILE *f, const struct model *base, const struct model *head)
{
	char fa[WG_KEY_FP_LEN], fb[WG_KEY_FP_LEN];
	size_t n = 0;

	fprintf(f, "\n### Peers and Hosts\n\n");
	for (size_t i = 0; i < head->n_peers; i++) {
		const struct model_peer *p = &head->peers[i], *o = find_peer(base, p->meta.name);

		if (!o) {
			fputs("- peer **", f), md(f, p->meta.name);
			fprintf(f, "** added (%s, key %s)\n", access_level_name(p->access), key_fingerprint(p->public_key, fa));
			n++;
			continue;
		}
		if (memcmp(o->public_key, p->public_key, WG_KEY_LEN)) {
			fputs("- peer **", f), md(f, p->meta.name);
			fprintf(f, "**: key changed %s → %s\n", key_fingerprint(o->public_key, fb), key_fingerprint(p->public_key, fa));
			n++;
		}
		if (o->access != p->access) {
			fputs("- peer **", f), md(f, p->meta.name);
			fprintf(f, "**: access %s → %s\n", access_level_name(o->access), access_level_name(p->access));
			n++;
		}
	}
	for (size_t i = 0; base && i < base->n_peers; i++)
		if (!find_peer(head, base->peers[i].meta.name)) {
			fputs("- peer **", f), md(f, base->peers[i].meta.name);
			fprintf(f, "** removed (key %s)\n", key_fingerprint(base->peers[i].public_key, fb));
			n++;
		}
	for (size_t i = 0; i < head->n_hosts; i++) {
		const struct model_host *h = &head->hosts[i], *o = base ? model_find_host(base, h->meta.name) : NULL;

		if (o && memcmp(o->public_key, h->public_key, WG_KEY_LEN)) {
			fputs("- host **", f), md(f, h->meta.name);
			fprintf(f, "**: key changed %s → %s\n", key_fingerprint(o->public_key, fb), key_fingerprint(h->public_key, fa));
			n++;
		}
	}
	if (!n)
		fprintf(f, "No Peer added or removed, no key or access level changed%s.\n",
			base ? "" : " (no base to compare with)");
}

static void plans(FILE *f, const struct fleet *fl)
{
	size_t used = 0;

	fprintf(f, "\n### Plans\n");
	for (size_t i = 0; i < fl->n; i++) {
		const struct fleet_host *h = &fl->hosts[i];
		char *text = NULL;
		size_t len = 0;
		FILE *m;

		if (h->status == HOST_UNCHANGED)
			continue;
		if (!(m = open_memstream(&text, &len)))
			continue;
		plan_print_text(h->plan, &(struct plan_print_opts){ .color = false }, m);
		fclose(m);
		fputs("\n<details><summary>", f);
		md(f, h->name);
		fprintf(f, ": %s, %zu to add, %zu to change, %zu to destroy</summary>\n\n", fleet_status_names[h->status],
			h->plan->n_create, h->plan->n_update, h->plan->n_delete);
		if (used + len > REPORT_PLANS_MAX) {
			fprintf(f, "(%zu bytes of plan left out to keep this comment within its limit: "
				"`wgf plan --all` shows it)\n", len);
		} else {
			/* a fence longer than any run of backticks in the plan */
			size_t run = 0, longest = 2;

			for (const char *t = text; *t; t++)
				if ((run = *t == '`' ? run + 1 : 0) > longest)
					longest = run;
			fence(f, longest + 1, "text");
			fputs(text, f);
			fence(f, longest + 1, "");
			used += len;
		}
		fputs("\n</details>\n", f);
		free(text);
	}
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		CMD_SOURCE_OPTIONS, CMD_OUTPUT_OPTIONS,
		{ "base", required_argument, NULL, OPT_BASE },
		{ "observed", required_argument, NULL, OPT_OBSERVED },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, 'h' }, { 0 }
	};
	struct cmd_ctx c;
	struct fleet fl;
	int opt, r, ret = EXIT_ERROR;

	cmd_ctx_init(&c, "report");
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'h') {
			fputs(help, stdout);
			return EXIT_OK;
		}
		if (opt == OPT_FORMAT) {
			if (strcmp(optarg, "markdown")) {
				cmd_error("report: --format markdown is the only format so far, not \"%s\"", optarg);
				return EXIT_ERROR;
			}
			continue;
		}
		if (opt == OPT_JSON) {
			cmd_error("report: the report is Markdown; `wgf plan --all --json` gives the data");
			return EXIT_ERROR;
		}
		r = cmd_ctx_option(&c, opt, optarg);
		if (r <= 0) {
			if (r == 0)
				fputs(help, stderr);
			return EXIT_ERROR;
		}
	}
	if (cmd_ctx_positional(&c, argc, argv) < 0)
		return EXIT_ERROR;
	if (fleet_plan(&c, &fl) < 0)
		goto out;
	summary(stdout, &fl);
	changes(stdout, fl.base, fl.head);
	plans(stdout, &fl);
	ret = fl.any ? EXIT_CHANGES : EXIT_OK;
out:
	fleet_clear(&fl);
	return ret;
}
