/* QR codes of a text (client configs for phones): the module matrix from
 * libqrencode, and three renderings of it (terminal text, SVG, PNG). Pure: no
 * I/O. The text usually holds a private key, and so does every output: each
 * buffer is wiped before it is freed, and callers wipe theirs (sodium_memzero). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Light modules around the code on every side (ISO/IEC 18004 asks for 4). */
#define QR_QUIET_ZONE 4
/* SVG and PNG: at most this many pixels per module. */
#define QR_SCALE_MAX 64

/* Error correction, weakest first: L 7 %, M 15 %, Q 25 %, H 30 % of the
 * codewords may be lost. */
enum qr_level { QR_LEVEL_L, QR_LEVEL_M, QR_LEVEL_Q, QR_LEVEL_H };
extern const char *const qr_level_names[];

struct qr {
	int version;                   /* 1..40 */
	enum qr_level level;
	int width;                     /* modules per side, without the quiet zone */
	uint8_t *dark;                 /* width * width, row by row: 1 dark, 0 light */
};

/* Encodes len bytes of text in 8-bit mode at the highest error-correction level
 * it fits (H, else Q, M, L) into *out. -EMSGSIZE when it fits no level (more
 * than 2,953 bytes), -ENOMEM. */
int qr_encode(const void *text, size_t len, struct qr **out);
/* The same, at the highest level whose code (with the quiet zone) is at most
 * max_size modules wide (a terminal's columns; 0: no limit); when even level L
 * is wider, level L (the caller compares qr_size with max_size). */
int qr_encode_fit(const void *text, size_t len, int max_size, struct qr **out);
/* Wipes and frees; NULL is fine. */
void qr_free(struct qr *q);
/* A module, in coordinates that include the quiet zone (0 .. width + 2 *
 * QR_QUIET_ZONE - 1); outside the code, light. */
bool qr_module(const struct qr *q, int x, int y);
/* Modules per side with the quiet zone. */
int qr_size(const struct qr *q);

/* The terminal rendering, in UTF-8: one line per two module rows (▀ ▄ █ and
 * space), the quiet zone included. The light modules are the blocks, drawn in
 * the terminal's foreground, so that the dark modules are its (dark)
 * background. color: explicit colours on each line (white on black, reset
 * before the newline), so that a terminal with a light background shows it the
 * right way round too. */
int qr_text(const struct qr *q, bool color, char **out, size_t *out_len);
/* A standalone SVG: a white square and one <path> of the dark modules, 1 unit
 * per module in its viewBox, scale (1..QR_SCALE_MAX) pixels per module for its
 * width and height, shape-rendering crispEdges. */
int qr_svg(const struct qr *q, unsigned scale, char **out, size_t *out_len);
/* A PNG (1-bit grey, 0 black), scale (1..QR_SCALE_MAX) pixels per module. */
int qr_png(const struct qr *q, unsigned scale, uint8_t **out, size_t *out_len);
