#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/wgf.h"
#include "reconcile/plan/report.h"
#include "render/reach_diff.h"

static const char help[] =
	"Usage: wgf report [--base REF] [--head REF] [PATH | --repo DIR] [--observed DIR] [--format FORMAT]\n\n"
	"A review report of a change, for a pull-request comment: what `wgf plan --all`\n"
	"finds for every Host (a summary table, then each host's plan, folded), the\n"
	"Peers and Hosts added and removed, keys and access levels that changed, and\n"
	"the reachability diff: every flow whose verdict changes, with the rule that\n"
	"decides it (as `wgf test` decides it); paths opened into another tenant or to\n"
	"the internet are marked. Offline: no root, no kernel.\n\n"
	"  --base REF         the commit the fleet is at (the pull request's target)\n"
	"  --head REF         the change (default: the directory as it is, or --repo's HEAD);\n"
	"                     the same as --ref; both are read from PATH's or --repo's git\n"
	"  --observed DIR     plan a Host against DIR/HOST.json where there is one\n"
	"  --format FORMAT    markdown (default), html (one self-contained page with a\n"
	"                     topology picture) or json\n"
	"  --json             the same as --format json\n"
	"  --no-color         (no effect: the report has no colours)\n"
	"  -h, --help         this help\n\n"
	"Exit: 0 no host changes, 2 some host changes, 1 error.\n";

enum { OPT_FORMAT = 0x400 };
enum report_format { FORMAT_MARKDOWN, FORMAT_HTML, FORMAT_JSON };
static const char *const format_names[] = { "markdown", "html", "json" };

/* The fleet's plans and the reachability diff as the printers take them. */
static int print(const struct cmd_ctx *c, const struct fleet *fl, enum report_format fmt)
{
	struct report_host *hosts = calloc(fl->n + 1, sizeof(*hosts));
	struct reach_diff rd;
	struct report rep;
	int r;

	if (!hosts)
		return -ENOMEM;
	for (size_t i = 0; i < fl->n; i++)
		hosts[i] = (struct report_host){ fl->hosts[i].name, fleet_status_names[fl->hosts[i].status],
						 fl->hosts[i].observed, fl->hosts[i].plan };
	r = reach_diff_compute(fl->base, fl->head, c->now, &rd);
	if (r < 0) {
		free(hosts);
		return r;
	}
	rep = (struct report){ fl->base, fl->head, hosts, fl->n, &rd };
	if (fmt == FORMAT_HTML)
		report_print_html(&rep, stdout);
	else if (fmt == FORMAT_JSON)
		report_print_json(&rep, stdout);
	else
		report_print_markdown(&rep, stdout);
	reach_diff_clear(&rd);
	free(hosts);
	return 0;
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		CMD_SOURCE_OPTIONS, CMD_OUTPUT_OPTIONS,
		{ "base", required_argument, NULL, OPT_BASE },
		{ "head", required_argument, NULL, OPT_REF },
		{ "observed", required_argument, NULL, OPT_OBSERVED },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "help", no_argument, NULL, 'h' }, { 0 }
	};
	struct cmd_ctx c;
	struct fleet fl;
	unsigned fmt = FORMAT_MARKDOWN;
	int opt, r, ret = EXIT_ERROR;

	cmd_ctx_init(&c, "report");
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (opt == 'h') {
			fputs(help, stdout);
			return EXIT_OK;
		}
		if (opt == OPT_FORMAT) {
			for (fmt = 0; fmt < 3 && strcmp(optarg, format_names[fmt]); fmt++)
				;
			if (fmt == 3) {
				cmd_error("report: --format is markdown, html or json, not \"%s\"", optarg);
				return EXIT_ERROR;
			}
			continue;
		}
		if (opt == OPT_JSON) {
			fmt = FORMAT_JSON;
			continue;
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
	r = print(&c, &fl, fmt);
	if (r < 0) {
		cmd_error("report: %s", strerror(-r));
		goto out;
	}
	ret = fl.any ? EXIT_CHANGES : EXIT_OK;
out:
	fleet_clear(&fl);
	return ret;
}
