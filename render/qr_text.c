/* A QR code on a terminal: two module rows per line in UTF-8 half blocks.
 *
 * The blocks are the light modules (and the quiet zone), drawn in the
 * foreground colour; the dark modules are spaces, the terminal's background.
 * Phone readers (ZXing on Android, zbar) look for dark modules on a light
 * ground and many do not try the inverse, so on the usual light-on-dark
 * terminal this is the polarity that scans; it is what `qrencode -t UTF8`
 * prints. With color, each line says white on black explicitly (as `qrencode
 * -t ANSIUTF8` does), so a light-themed terminal shows it the right way round
 * too. Half blocks fill the cell, so modules are square and rows have no gaps. */
#include "render/qr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define QR_TEXT_ON "\033[40;97m"   /* bright white on black */
#define QR_TEXT_OFF "\033[0m"

/* Indexed by (top light) << 1 | (bottom light). */
static const char *const qr_text_cells[] = { " ", "\u2584", "\u2580", "\u2588" };

int qr_text(const struct qr *q, bool color, char **out, size_t *out_len)
{
	int size = qr_size(q), lines = (size + 1) / 2;
	size_t line_max = (size_t)size * 3 + 1, cap;
	char *buf, *o;

	*out = NULL;
	*out_len = 0;
	if (color)
		line_max += strlen(QR_TEXT_ON) + strlen(QR_TEXT_OFF);
	cap = line_max * (size_t)lines + 1;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	o = buf;
	for (int y = 0; y < size; y += 2) {
		if (color)
			o = stpcpy(o, QR_TEXT_ON);
		for (int x = 0; x < size; x++) {
			int cell = !qr_module(q, x, y) << 1 | !qr_module(q, x, y + 1);
			o = stpcpy(o, qr_text_cells[cell]);
		}
		if (color)
			o = stpcpy(o, QR_TEXT_OFF);
		*o++ = '\n';
	}
	*o = '\0';
	*out = buf;
	*out_len = (size_t)(o - buf);
	return 0;
}
