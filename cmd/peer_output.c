/* Where a client config goes: a file (0600), stdout, or a QR code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cmd/peer.h"
#include "cmd/qr_output.h"
#include "cmd/wgf.h"
#include "reconcile/host/fileio.h"

/* --qr: UTF-8 on stdout (fitting $COLUMNS, else the terminal's width), or with -o FILE the image
 * its name says (.svg, else PNG); --format utf8|svg|png says which. false after
 * saying why. */
static bool peer_output_qr_opts(const struct peer_output *o, bool holds_key, struct qr_output *q)
{
	bool file = o->out && strcmp(o->out, "-");
	size_t n = file ? strlen(o->out) : 0;

	const char *columns = getenv("COLUMNS");

	*q = (struct qr_output){
		.format = QR_FORMAT_UTF8, .path = o->out, .secret = holds_key, .force = o->force,
		.color = cmd_color_enabled(stdout),
		.columns = columns && *columns ? atoi(columns) : kernel_terminal_columns(STDOUT_FILENO),
	};
	if (o->format)
		return qr_format_parse(o->format, &q->format);
	if (file)
		q->format = n >= 4 && !strcasecmp(o->out + n - 4, ".svg") ? QR_FORMAT_SVG : QR_FORMAT_PNG;
	return true;
}

static bool peer_output_is_qr(const struct peer_output *o)
{
	return o->qr || (o->format && strcmp(o->format, "conf"));
}

bool peer_output_check(const struct peer_output *o, bool holds_key)
{
	struct qr_output q;

	return !peer_output_is_qr(o) || (peer_output_qr_opts(o, holds_key, &q) && qr_output_check(&q));
}

static int peer_output_qr(const struct peer_output *o, const char *text, size_t len, bool holds_key)
{
	struct qr_output q;

	if (!peer_output_qr_opts(o, holds_key, &q) || qr_output_write(text, len, &q) != EXIT_OK)
		return -1;
	if (q.path && strcmp(q.path, "-"))
		fprintf(stderr, "wrote %s (mode 0600)%s\n", q.path,
			holds_key ? ": a QR code of the config with the private key" : "");
	return 0;
}

int peer_output_config(const struct peer_output *o, const char *text, size_t len, bool holds_key)
{
	int r;

	if (peer_output_is_qr(o))
		return peer_output_qr(o, text, len, holds_key);
	if (o->out && strcmp(o->out, "-")) {
		r = fileio_write(o->out, text, len, 0600);
		if (r < 0) {
			cmd_error("writing %s: %s", o->out, strerror(-r));
			return -1;
		}
		fprintf(stderr, "wrote %s (mode 0600)%s\n", o->out, holds_key ? ": it holds the private key" : "");
		return 0;
	}
	if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0) {
		cmd_error("writing the config to stdout failed");
		return -1;
	}
	return 0;
}
