/* A QR code as a PNG in memory: 1-bit grey (1 white), scale pixels per module,
 * the quiet zone included. libpng writes through png_qr_write into a buffer
 * that grows by copying (the old one wiped, never realloc'd); its errors jump
 * back here silently (pure code prints nothing). zlib's own work buffers are
 * freed by libpng unwiped. */
#include "render/qr.h"

#include <errno.h>
#include <png.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

struct png_qr_buf {
	uint8_t *p;
	size_t len, cap;
	int err;
};

static void png_qr_buf_wipe(struct png_qr_buf *b)
{
	if (b->p)
		sodium_memzero(b->p, b->cap);
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

static void png_qr_write(png_structp png, png_bytep data, size_t n)
{
	struct png_qr_buf *b = png_get_io_ptr(png);

	if (n > b->cap - b->len) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		uint8_t *p;

		while (cap - b->len < n)
			cap *= 2;
		p = malloc(cap);
		if (!p) {
			b->err = -ENOMEM;
			png_error(png, "out of memory");
		}
		if (b->len)
			memcpy(p, b->p, b->len);
		if (b->p)
			sodium_memzero(b->p, b->cap);
		free(b->p);
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void png_qr_flush(png_structp png)
{
}

static void png_qr_error(png_structp png, png_const_charp msg)
{
	png_longjmp(png, 1);
}

static void png_qr_warning(png_structp png, png_const_charp msg)
{
}

/* One module row, scale pixels high: light modules set to 1. */
static void png_qr_row(const struct qr *q, int y, unsigned scale, uint8_t *row, size_t row_len)
{
	int size = qr_size(q);

	memset(row, 0, row_len);
	for (int x = 0; x < size; x++) {
		if (qr_module(q, x, y))
			continue;
		for (size_t px = (size_t)x * scale; px < (size_t)(x + 1) * scale; px++)
			row[px / 8] |= (uint8_t)(0x80 >> (px % 8));
	}
}

/* libpng's part; its errors land at the setjmp (this frame changes no local
 * after it, so nothing here is clobbered). */
static int png_qr_encode(png_structp png, png_infop info, const struct qr *q, unsigned scale,
			 uint8_t *row, size_t row_len, struct png_qr_buf *b)
{
	png_uint_32 px = (png_uint_32)qr_size(q) * scale;

	if (setjmp(png_jmpbuf(png)))
		return b->err ? b->err : -EIO;
	png_set_write_fn(png, b, png_qr_write, png_qr_flush);
	png_set_IHDR(png, info, px, px, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (int y = 0; y < qr_size(q); y++) {
		png_qr_row(q, y, scale, row, row_len);
		for (unsigned i = 0; i < scale; i++)
			png_write_row(png, row);
	}
	png_write_end(png, NULL);
	return 0;
}

int qr_png(const struct qr *q, unsigned scale, uint8_t **out, size_t *out_len)
{
	struct png_qr_buf b = { 0 };
	png_structp png = NULL;
	png_infop info = NULL;
	size_t row_len;
	uint8_t *row;
	int r;

	*out = NULL;
	*out_len = 0;
	if (scale == 0 || scale > QR_SCALE_MAX)
		return -EINVAL;
	row_len = ((size_t)qr_size(q) * scale + 7) / 8;
	row = malloc(row_len);
	png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, png_qr_error, png_qr_warning);
	if (png)
		info = png_create_info_struct(png);
	r = row && info ? png_qr_encode(png, info, q, scale, row, row_len, &b) : -ENOMEM;
	png_destroy_write_struct(&png, &info);
	if (row)
		sodium_memzero(row, row_len);
	free(row);
	if (r) {
		png_qr_buf_wipe(&b);
		return r;
	}
	*out = b.p;
	*out_len = b.len;
	return 0;
}
