/* The module matrix of a text, at the highest error-correction level it fits. */
#include "render/qr.h"

#include <errno.h>
#include <qrencode.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

const char *const qr_level_names[] = {
	[QR_LEVEL_L] = "L", [QR_LEVEL_M] = "M", [QR_LEVEL_Q] = "Q", [QR_LEVEL_H] = "H",
};

static const QRecLevel qr_levels[] = {
	[QR_LEVEL_L] = QR_ECLEVEL_L, [QR_LEVEL_M] = QR_ECLEVEL_M,
	[QR_LEVEL_Q] = QR_ECLEVEL_Q, [QR_LEVEL_H] = QR_ECLEVEL_H,
};

/* libqrencode keeps its own copies of the text while it encodes and frees them
 * unwiped; what it hands back is wiped here. */
static void qrcode_wipe_free(QRcode *c)
{
	if (!c)
		return;
	sodium_memzero(c->data, (size_t)c->width * (size_t)c->width);
	QRcode_free(c);
}

/* The code at the highest level that fits max_size modules with the quiet zone
 * (0: any size), else the smallest (level L); *level is its level. */
static int qr_encode_levels(const void *text, size_t len, int max_size, QRcode **out, int *level)
{
	QRcode *c;

	*out = NULL;
	for (int l = QR_LEVEL_H; l >= QR_LEVEL_L; l--) {
		errno = 0;
		/* version 0: the smallest that holds it; always 8-bit mode */
		c = QRcode_encodeData((int)len, text, 0, qr_levels[l]);
		if (!c && errno != ERANGE) {
			qrcode_wipe_free(*out);
			*out = NULL;
			return errno ? -errno : -ENOMEM;
		}
		if (!c)
			continue;
		qrcode_wipe_free(*out);
		*out = c;
		*level = l;
		if (!max_size || c->width + 2 * QR_QUIET_ZONE <= max_size)
			break;
	}
	return *out ? 0 : -EMSGSIZE;
}

int qr_encode_fit(const void *text, size_t len, int max_size, struct qr **out)
{
	QRcode *c = NULL;
	struct qr *q = NULL;
	int level = 0, r;

	*out = NULL;
	if (len == 0 || len > INT32_MAX)
		return len ? -EMSGSIZE : -EINVAL;
	r = qr_encode_levels(text, len, max_size, &c, &level);
	if (r < 0)
		return r;
	q = calloc(1, sizeof(*q));
	if (!q || !(q->dark = malloc((size_t)c->width * (size_t)c->width))) {
		r = -ENOMEM;
		goto out;
	}
	q->version = c->version;
	q->level = (enum qr_level)level;
	q->width = c->width;
	for (size_t i = 0; i < (size_t)c->width * (size_t)c->width; i++)
		q->dark[i] = c->data[i] & 1;
	*out = q;
	q = NULL;
out:
	qrcode_wipe_free(c);
	qr_free(q);
	return r;
}

int qr_encode(const void *text, size_t len, struct qr **out)
{
	return qr_encode_fit(text, len, 0, out);
}

void qr_free(struct qr *q)
{
	if (!q)
		return;
	if (q->dark)
		sodium_memzero(q->dark, (size_t)q->width * (size_t)q->width);
	free(q->dark);
	free(q);
}

int qr_size(const struct qr *q)
{
	return q->width + 2 * QR_QUIET_ZONE;
}

bool qr_module(const struct qr *q, int x, int y)
{
	x -= QR_QUIET_ZONE;
	y -= QR_QUIET_ZONE;
	if (x < 0 || y < 0 || x >= q->width || y >= q->width)
		return false;
	return q->dark[(size_t)y * (size_t)q->width + (size_t)x];
}
