/* wgf metrics: the host in Prometheus' text format, on stdout, as a textfile
 * for node_exporter, or served over HTTP (cmd/metrics_http.c). */
#include <errno.h>
#include <stdlib.h>

#include "cmd/wgf.h"

static const char help[] =
	"Usage: wgf metrics [PATH | --repo DIR --ref REF] [--host NAME] [--state-dir DIR]\n"
	"                   [--stale-after DURATION] [--textfile DIR | --listen [ADDR:]PORT]\n\n"
	"Prints this host's WireGuard interfaces and peers and wgf's own state in\n"
	"Prometheus' text format: the series of the common WireGuard exporters\n"
	"(wireguard_device_info, wireguard_peer_info, wireguard_peer_receive_bytes_total,\n"
	"wireguard_peer_transmit_bytes_total, wireguard_peer_last_handshake_seconds), and\n"
	"wgf_*: each peer's health verdict (as wgf status gives it), peers against a hub's\n"
	"capacity, the reconcile loop (last attempt and success, outcome, failures,\n"
	"applied revision, signature, drift items by kind), exit group members up and in\n"
	"use (as wgf watch last saw them), and key ages and when each key is due for\n"
	"rotation. With a repository (PATH or --repo), peers carry their names and\n"
	"hubs their capacity. README \"Metrics\" lists every series.\n\n"
	"Exit status: 0 written (or served until SIGTERM/SIGINT), 1 error.\n\n"
	"  --allow-empty     a repository with no YAML documents is not an error\n"
	"  --host NAME       the repository's Host this is (default: by the interface's key)\n"
	"  --listen [ADDR:]PORT\n"
	"                    serve GET /metrics over HTTP, observing the host afresh on\n"
	"                    each scrape; ADDR defaults to 127.0.0.1 (IPv6 as [::1]:PORT);\n"
	"                    the repository is read once, at the start\n"
	"  --stale-after D   a handshake older than D is stale (as wgf status)\n"
	"  --state-dir DIR   wgf's records (default /var/lib/wgf)\n"
	"  --textfile DIR    write DIR/wgf.prom atomically (mode 0644) for node_exporter's\n"
	"                    textfile collector, then exit\n"
	"  -h, --help        this help\n";

enum { OPT_STALE_AFTER = 0x200, OPT_TEXTFILE, OPT_LISTEN };

struct metrics_opts {
	uint32_t stale_after;
	const char *textfile, *listen;
};

/* 1 to go on, 0 after --help, -1 on a bad option. */
static int metrics_parse(struct cmd_ctx *c, struct metrics_opts *o, int argc, char **argv)
{
	static const struct option opts[] = {
		CMD_SOURCE_OPTIONS, CMD_HOST_OPTIONS,
		{ "stale-after", required_argument, NULL, OPT_STALE_AFTER },
		{ "textfile", required_argument, NULL, OPT_TEXTFILE },
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "help", no_argument, NULL, 'h' }, { 0 }
	};
	uint32_t ms;
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'h': fputs(help, stdout); return 0;
		case OPT_TEXTFILE: o->textfile = optarg; continue;
		case OPT_LISTEN: o->listen = optarg; continue;
		case OPT_STALE_AFTER:
			if (!model_duration_ms_parse(optarg, &ms) || !model_stale_after_ok(ms)) {
				cmd_error("--stale-after takes whole seconds, at least 1s and at most 168h (90s, 3m, 1h), not \"%s\"", optarg);
				return -1;
			}
			o->stale_after = ms / 1000;
			continue;
		}
		r = cmd_ctx_option(c, opt, optarg);
		if (r <= 0) {
			if (r == 0)
				fputs(help, stderr);
			return -1;
		}
	}
	if (o->textfile && o->listen) {
		cmd_error("metrics: --textfile and --listen are two ways: give one");
		return -1;
	}
	return 1;
}

int cmd_metrics(int argc, char **argv)
{
	struct metrics_opts o = {0};
	struct cmd_ctx c;
	struct model *m = NULL;
	char *text = NULL;
	size_t len = 0;
	int r, ret = EXIT_ERROR;

	cmd_ctx_init(&c, "metrics");
	r = metrics_parse(&c, &o, argc, argv);
	if (r <= 0)
		return r < 0 ? EXIT_ERROR : EXIT_OK;
	bool have_source = optind < argc || c.repo;
	if (cmd_ctx_positional(&c, argc, argv) < 0)
		return EXIT_ERROR;
	if (have_source && cmd_load_model(&c, &m) < 0)
		return EXIT_ERROR;
	if (o.listen) {
		ret = cmd_metrics_serve(&c, m, o.stale_after, o.listen) < 0 ? EXIT_ERROR : EXIT_OK;
		goto out;
	}
	if (cmd_metrics_text(&c, m, o.stale_after, &text, &len) < 0)
		goto out;
	if (o.textfile)
		r = cmd_metrics_textfile(o.textfile, text, len);
	else
		r = fwrite(text, 1, len, stdout) == len && fflush(stdout) == 0 ? 0 : -EIO;
	ret = r < 0 ? EXIT_ERROR : EXIT_OK;
out:
	free(text);
	model_free(m);
	return ret;
}
