/* The QR code of a client config (wgf peer config --qr): on the terminal, or an
 * image in a file. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

enum qr_format { QR_FORMAT_UTF8, QR_FORMAT_SVG, QR_FORMAT_PNG, QR_FORMAT_COUNT };
extern const char *const qr_format_names[];   /* "utf8", "svg", "png" */

#define QR_OUTPUT_SCALE 8          /* svg, png: pixels per module unless told */

struct qr_output {
	enum qr_format format;
	const char *path;              /* -o FILE, written 0600 (temp file, fsync, rename); NULL or "-": stdout */
	bool secret;                   /* the text holds a private key */
	bool force;                    /* --force: a secret may go to a stdout that is not a terminal */
	bool color;                    /* utf8 on stdout: explicit colours (cmd_ctx.color) */
	unsigned scale;                /* svg, png: pixels per module; 0: QR_OUTPUT_SCALE */
	int columns;                   /* utf8 on stdout: the terminal's width (0: unknown): the
					  level is the highest whose code fits, else a warning */
};

/* "utf8", "svg" or "png" into *out; false (after a message naming them) for
 * anything else. */
bool qr_format_parse(const char *s, enum qr_format *out);
/* Whether o may be written where it says (the refusals of qr_output_write,
 * without the text): commands that write files before the QR code (wgf peer
 * new, rotate) ask first. false after saying why. */
bool qr_output_check(const struct qr_output *o);
/* Encodes text (at the highest error-correction level it fits) and writes it
 * as o says. Refuses a secret for a stdout that is not a terminal unless
 * o->force, and a PNG for a terminal. Every buffer that held the code is wiped.
 * Returns EXIT_OK, or EXIT_ERROR after a message. */
int qr_output_write(const char *text, size_t len, const struct qr_output *o);
