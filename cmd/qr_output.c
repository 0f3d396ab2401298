/* The QR code of a client config on stdout or in a file (wgf peer config --qr). */
#include "cmd/qr_output.h"

#include <errno.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/wgf.h"
#include "reconcile/host/fileio.h"
#include "render/qr.h"

const char *const qr_format_names[] = {
	[QR_FORMAT_UTF8] = "utf8", [QR_FORMAT_SVG] = "svg", [QR_FORMAT_PNG] = "png",
};

bool qr_format_parse(const char *s, enum qr_format *out)
{
	for (int f = 0; f < QR_FORMAT_COUNT; f++) {
		if (!strcmp(s, qr_format_names[f])) {
			*out = (enum qr_format)f;
			return true;
		}
	}
	cmd_error("--format must be utf8, svg or png, not \"%s\"", s);
	return false;
}

static bool qr_output_to_stdout(const struct qr_output *o)
{
	return !o->path || !strcmp(o->path, "-");
}

bool qr_output_check(const struct qr_output *o)
{
	bool to_stdout = qr_output_to_stdout(o), tty = isatty(STDOUT_FILENO);

	if (!to_stdout)
		return true;
	if (o->format == QR_FORMAT_PNG && tty) {
		cmd_error("a PNG is not for the terminal: write it to a file with -o FILE");
		return false;
	}
	if (o->secret && !tty && !o->force) {
		cmd_error("the QR code holds a private key: refusing to print it to standard output, "
			  "which is not a terminal (write it with -o FILE, mode 0600, or add --force)");
		return false;
	}
	return true;
}

static int qr_render(const struct qr *q, const struct qr_output *o, bool color, uint8_t **out, size_t *len)
{
	unsigned scale = o->scale ? o->scale : QR_OUTPUT_SCALE;
	char *text = NULL;
	int r;

	switch (o->format) {
	case QR_FORMAT_UTF8:
		r = qr_text(q, color, &text, len);
		break;
	case QR_FORMAT_SVG:
		r = qr_svg(q, scale, &text, len);
		break;
	case QR_FORMAT_PNG:
		return qr_png(q, scale, out, len);
	default:
		return -EINVAL;
	}
	*out = (uint8_t *)text;
	return r;
}

int qr_output_write(const char *text, size_t len, const struct qr_output *o)
{
	bool to_stdout = qr_output_to_stdout(o);
	int fit = to_stdout && o->format == QR_FORMAT_UTF8 && o->columns > 0 ? o->columns : 0;
	struct qr *q = NULL;
	uint8_t *buf = NULL;
	size_t buf_len = 0;
	int r, ret = EXIT_ERROR;

	if (!qr_output_check(o))
		return EXIT_ERROR;
	r = qr_encode_fit(text, len, fit, &q);
	if (r == -EMSGSIZE) {
		cmd_error("the configuration (%zu bytes) is too long for a QR code (at most 2953 bytes)", len);
		goto out;
	}
	if (r == 0 && fit && qr_size(q) > fit)
		cmd_error("warning: the QR code is %d columns wide and the terminal %d: widen the terminal, "
			  "or write an image with --format png -o FILE", qr_size(q), fit);
	if (r == 0)
		r = qr_render(q, o, to_stdout && o->color, &buf, &buf_len);
	if (r < 0) {
		cmd_error("making the QR code: %s", strerror(-r));
		goto out;
	}
	if (to_stdout) {
		fflush(stdout);
		r = fileio_write_fd(STDOUT_FILENO, buf, buf_len);   /* not stdio: it would keep a copy */
	} else {
		r = fileio_write(o->path, buf, buf_len, 0600);
	}
	if (r < 0) {
		cmd_error("writing %s: %s", to_stdout ? "standard output" : o->path, strerror(-r));
		goto out;
	}
	ret = EXIT_OK;
out:
	if (buf)
		sodium_memzero(buf, buf_len);
	free(buf);
	qr_free(q);
	return ret;
}
