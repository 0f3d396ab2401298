/* A QR code as a compact SVG: a white square (the quiet zone and the light
 * modules) and one <path> holding every horizontal run of dark modules as a
 * 1-unit-high rectangle ("M4 4h7v1h-7z", then "m" relative to the run before
 * in that row). The buffer is sized up front, never grown (no unwiped copy). */
#include "render/qr.h"

#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

struct svg_buf {
	char *p;
	size_t len, cap;
};

static int __attribute__((format(printf, 2, 3))) svg_put(struct svg_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len)
		return -ENOBUFS;
	b->len += (size_t)n;
	return 0;
}

/* One row's dark runs: the first from the origin (M), the others from the one
 * before (after z the pen is back at that run's start). */
static int svg_row(struct svg_buf *b, const struct qr *q, int y)
{
	int size = qr_size(q), prev = -1, r = 0;

	for (int x = 0; x < size && !r; x++) {
		int n = 0;

		while (x + n < size && qr_module(q, x + n, y))
			n++;
		if (!n)
			continue;
		if (prev < 0)
			r = svg_put(b, "M%d %dh%dv1h-%dz", x, y, n, n);
		else
			r = svg_put(b, "m%d 0h%dv1h-%dz", x - prev, n, n);
		prev = x;
		x += n;
	}
	return r;
}

int qr_svg(const struct qr *q, unsigned scale, char **out, size_t *out_len)
{
	struct svg_buf b = { 0 };
	int size = qr_size(q), r;

	*out = NULL;
	*out_len = 0;
	if (scale == 0 || scale > QR_SCALE_MAX)
		return -EINVAL;
	/* a run is at most "M999 999h999v1h-999z" (20), at most (size + 1) / 2 a row */
	b.cap = 512 + (size_t)size * (size_t)((size + 1) / 2) * 20;
	b.p = malloc(b.cap);
	if (!b.p)
		return -ENOMEM;
	r = svg_put(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		    "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%u\" height=\"%u\" "
		    "viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\">\n"
		    "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n<path fill=\"#000\" d=\"",
		    (unsigned)size * scale, (unsigned)size * scale, size, size, size, size);
	for (int y = 0; y < size && !r; y++)
		r = svg_row(&b, q, y);
	if (!r)
		r = svg_put(&b, "\"/>\n</svg>\n");
	if (r) {
		sodium_memzero(b.p, b.cap);
		free(b.p);
		return r;
	}
	*out = b.p;
	*out_len = b.len;
	return 0;
}
