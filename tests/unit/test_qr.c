/* render/qr*.c: the level chosen, the matrix, and each rendering read back to
 * the same modules, quiet zone included (tests/cli/qr.sh decodes them for real). */
#include <errno.h>
#include <png.h>
#include <stdlib.h>
#include <string.h>

#include "render/qr.h"
#include "tests/unit/unit.h"

/* n bytes of printable text (a config is text) */
static char *text_of(size_t n)
{
	char *t = malloc(n + 1);

	for (size_t i = 0; i < n; i++)
		t[i] = (char)(' ' + (i * 7 + i / 13) % 95);
	t[n] = '\0';
	return t;
}

/* the level and version of a text of n bytes; -1 when it does not encode */
static int encode_len(size_t n, enum qr_level *level, int *version)
{
	char *t = text_of(n);
	struct qr *q = NULL;
	int r = qr_encode(t, n, &q);

	if (r == 0) {
		*level = q->level;
		*version = q->version;
		CHECK_INT(q->width, 17 + 4 * q->version);
	}
	qr_free(q);
	free(t);
	return r;
}

static void test_qr_level_fallback(void)
{
	/* byte-mode capacities of version 40 (ISO/IEC 18004 table 7): H 1273, Q 1663, M 2331, L 2953 */
	static const struct { size_t len; enum qr_level level; int version; /* 0: any */ } cases[] = {
		{ 7, QR_LEVEL_H, 1 }, { 8, QR_LEVEL_H, 2 }, { 1273, QR_LEVEL_H, 40 }, { 1274, QR_LEVEL_Q, 0 },
		{ 1663, QR_LEVEL_Q, 40 }, { 1664, QR_LEVEL_M, 0 }, { 2331, QR_LEVEL_M, 40 },
		{ 2332, QR_LEVEL_L, 0 }, { 2953, QR_LEVEL_L, 40 },
	};
	enum qr_level level;
	int version;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		level = (enum qr_level)-1;
		CHECK_INT(encode_len(cases[i].len, &level, &version), 0);
		if (level != cases[i].level)
			fprintf(stderr, "#  %zu bytes: level %d, want %d\n", cases[i].len, (int)level, (int)cases[i].level);
		CHECK(level == cases[i].level);
		/* the smallest version that holds it */
		if (cases[i].version)
			CHECK_INT(version, cases[i].version);
	}
	CHECK_INT(encode_len(2954, &level, &version), -EMSGSIZE);
	CHECK_INT(encode_len(100000, &level, &version), -EMSGSIZE);
	CHECK_STR(qr_level_names[QR_LEVEL_Q], "Q");
}

/* a terminal's width: the highest level whose code fits, else level L */
static void test_qr_fit(void)
{
	char *t = text_of(518);
	struct qr *h = NULL, *q = NULL, *l = NULL;

	CHECK_INT(qr_encode(t, 518, &h), 0);
	CHECK(h->level == QR_LEVEL_H);
	CHECK_INT(qr_encode_fit(t, 518, qr_size(h), &q), 0);
	CHECK(q->level == QR_LEVEL_H);
	qr_free(q);
	CHECK_INT(qr_encode_fit(t, 518, qr_size(h) - 1, &q), 0);
	CHECK(q->level < QR_LEVEL_H && qr_size(q) <= qr_size(h) - 1);
	CHECK_INT(qr_encode_fit(t, 518, 1, &l), 0);
	CHECK(l->level == QR_LEVEL_L && qr_size(l) <= qr_size(q));
	qr_free(q);
	/* with room for L only, L */
	CHECK_INT(qr_encode_fit(t, 518, qr_size(l), &q), 0);
	CHECK(q->level == QR_LEVEL_L || qr_size(q) == qr_size(l));
	qr_free(q);
	qr_free(l);
	qr_free(h);
	free(t);
}

static void test_qr_matrix(void)
{
	struct qr *q = (struct qr *)1;

	CHECK_INT(qr_encode("", 0, &q), -EINVAL);
	CHECK(q == NULL);
	CHECK_INT(qr_encode("[Interface]\nPrivateKey = x\n", 27, &q), 0);
	CHECK_INT(q->width, 17 + 4 * q->version);
	CHECK_INT(qr_size(q), q->width + 8);
	/* the finder pattern at the top left: a dark ring 7 wide, a light ring, a 3x3 core */
	for (int i = 0; i < 7; i++) {
		CHECK(qr_module(q, 4 + i, 4) && qr_module(q, 4, 4 + i));
		CHECK(qr_module(q, 4 + i, 10) && qr_module(q, 10, 4 + i));
	}
	CHECK(!qr_module(q, 5, 5) && qr_module(q, 6, 6) && qr_module(q, 8, 8) && !qr_module(q, 11, 4));
	/* the quiet zone and beyond are light */
	for (int i = -2; i < qr_size(q) + 2; i++)
		for (int d = 0; d < 4; d++) {
			CHECK(!qr_module(q, i, d) && !qr_module(q, d, i));
			CHECK(!qr_module(q, i, qr_size(q) - 1 - d) && !qr_module(q, qr_size(q) - 1 - d, i));
		}
	qr_free(q);
	qr_free(NULL);
}

/* in the quiet zone, or below the code (the last line's lower half) */
static bool quiet(int size, int x, int y)
{
	return x < QR_QUIET_ZONE || x >= size - QR_QUIET_ZONE || y < QR_QUIET_ZONE || y >= size - QR_QUIET_ZONE;
}

/* the modules the terminal text shows (light modules are the blocks) equal the matrix */
static void check_text(const struct qr *q, bool color)
{
	static const char *const cells[] = { " ", "\u2584", "\u2580", "\u2588" };
	const char *on = "\033[40;97m", *off = "\033[0m";
	char *t = NULL, *p;
	size_t len = 0;
	int size = qr_size(q), lines = 0;

	CHECK_INT(qr_text(q, color, &t, &len), 0);
	CHECK_INT(strlen(t), len);
	for (p = t; *p; lines++) {
		int y = 2 * lines;

		if (color) {
			CHECK(!strncmp(p, on, strlen(on)));
			p += strlen(on);
		}
		for (int x = 0; x < size; x++) {
			int want = !qr_module(q, x, y) << 1 | !qr_module(q, x, y + 1);

			if (strncmp(p, cells[want], strlen(cells[want]))) {
				fprintf(stderr, "#  line %d column %d differs\n", lines + 1, x);
				CHECK(0);
				goto out;
			}
			/* the quiet zone: whole blocks (light above and below) */
			if (quiet(size, x, y) && quiet(size, x, y + 1))
				CHECK(want == 3);
			p += strlen(cells[want]);
		}
		if (color) {
			CHECK(!strncmp(p, off, strlen(off)));
			p += strlen(off);
		}
		CHECK(*p == '\n');
		p++;
	}
	CHECK_INT(lines, (size + 1) / 2);
out:
	free(t);
}

static void test_qr_text(void)
{
	struct qr *q = NULL;

	CHECK_INT(qr_encode("hello, phone", 12, &q), 0);
	check_text(q, false);
	check_text(q, true);
	qr_free(q);
}

/* SVG: the dark runs of its path, painted into a grid, equal the matrix */
static void check_svg(const struct qr *q, unsigned scale)
{
	int size = qr_size(q), x = 0, y = 0, n, m, k, paths = 0;
	char *s = NULL, *p, head[512];
	uint8_t *grid = calloc((size_t)size * (size_t)size, 1);
	size_t len;

	CHECK_INT(qr_svg(q, scale, &s, &len), 0);
	CHECK_INT(strlen(s), len);
	snprintf(head, sizeof(head), "width=\"%u\" height=\"%u\" viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\">\n"
		 "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n<path fill=\"#000\" d=\"",
		 size * scale, size * scale, size, size, size, size);
	p = strstr(s, head);
	CHECK(p != NULL);
	for (const char *c = s; (c = strstr(c, "<path")); c++)
		paths++;
	CHECK_INT(paths, 1);
	for (p = p ? p + strlen(head) : s + len; *p && *p != '"';) {
		int dx;

		if (*p == 'M' && sscanf(p, "M%d %dh%dv1h-%dz%n", &x, &y, &n, &m, &k) == 4)
			;
		else if (*p == 'm' && sscanf(p, "m%d 0h%dv1h-%dz%n", &dx, &n, &m, &k) == 3)
			x += dx;
		else {
			fprintf(stderr, "#  the path goes on with \"%.20s\"\n", p);
			CHECK(0);
			break;
		}
		CHECK_INT(n, m);
		CHECK(x >= 0 && y >= 0 && y < size && n > 0 && x + n <= size);
		for (int i = x; i < x + n && i < size && x >= 0 && y >= 0 && y < size; i++)
			grid[(size_t)y * (size_t)size + (size_t)i] = 1;
		p += k;
	}
	CHECK(!strcmp(p, "\"/>\n</svg>\n"));
	for (y = 0; y < size; y++)
		for (x = 0; x < size; x++)
			CHECK(grid[(size_t)y * (size_t)size + (size_t)x] == qr_module(q, x, y));
	free(grid);
	free(s);
}

static void test_qr_svg(void)
{
	struct qr *q = NULL;
	char *s = (char *)1;
	size_t len;

	CHECK_INT(qr_encode("hello, phone", 12, &q), 0);
	check_svg(q, 1);
	check_svg(q, 8);
	CHECK_INT(qr_svg(q, 0, &s, &len), -EINVAL);
	CHECK(s == NULL);
	qr_free(q);
}

/* PNG: read back with libpng, every pixel is its module's (light white) */
static void check_png(const struct qr *q, unsigned scale)
{
	png_image img = { .version = PNG_IMAGE_VERSION };
	uint8_t *png = NULL, *px = NULL;
	size_t len;
	unsigned side = (unsigned)qr_size(q) * scale, bad = 0;

	CHECK_INT(qr_png(q, scale, &png, &len), 0);
	CHECK(len > 8 && !memcmp(png, "\x89PNG\r\n\x1a\n", 8));
	/* IHDR: bit depth 1, colour type 0 (grey) */
	CHECK(png[24] == 1 && png[25] == 0);
	CHECK(png_image_begin_read_from_memory(&img, png, len));
	CHECK_INT(img.width, side);
	CHECK_INT(img.height, side);
	img.format = PNG_FORMAT_GRAY;
	px = malloc(PNG_IMAGE_SIZE(img));
	CHECK(png_image_finish_read(&img, NULL, px, 0, NULL));
	for (unsigned y = 0; y < side; y++)
		for (unsigned x = 0; x < side; x++)
			bad += px[y * side + x] != (qr_module(q, (int)(x / scale), (int)(y / scale)) ? 0 : 255);
	CHECK_INT(bad, 0);
	png_image_free(&img);
	free(px);
	free(png);
}

static void test_qr_png(void)
{
	struct qr *q = NULL;
	uint8_t *png = (uint8_t *)1;
	size_t len;
	char *t = text_of(1663);

	CHECK_INT(qr_encode("hello, phone", 12, &q), 0);
	check_png(q, 1);
	check_png(q, 3);
	CHECK_INT(qr_png(q, 0, &png, &len), -EINVAL);
	CHECK(png == NULL);
	CHECK_INT(qr_png(q, QR_SCALE_MAX + 1, &png, &len), -EINVAL);
	qr_free(q);
	/* a large code: 177 modules and the quiet zone, 8 pixels each, grows the buffer */
	CHECK_INT(qr_encode(t, 1663, &q), 0);
	CHECK_INT(q->width, 177);
	check_png(q, 8);
	check_svg(q, 4);
	check_text(q, true);
	qr_free(q);
	free(t);
}

int main(void)
{
	RUN(test_qr_level_fallback);
	RUN(test_qr_fit);
	RUN(test_qr_matrix);
	RUN(test_qr_text);
	RUN(test_qr_svg);
	RUN(test_qr_png);
	UNIT_DONE();
}
