#include "model/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int wgf_error_set(struct wgf_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err || err->code)
		return code;
	err->code = code;
	err->msg = NULL;
	if (fmt) {
		va_start(ap, fmt);
		if (vasprintf(&err->msg, fmt, ap) < 0)
			err->msg = NULL;
		va_end(ap);
	}
	return code;
}

int wgf_error_prefix(struct wgf_error *err, const char *fmt, ...)
{
	char *ctx = NULL, *msg = NULL;
	va_list ap;

	if (!err || !err->code)
		return 0;
	va_start(ap, fmt);
	if (vasprintf(&ctx, fmt, ap) < 0)
		ctx = NULL;
	va_end(ap);
	if (ctx && asprintf(&msg, "%s: %s", ctx, wgf_error_message(err)) >= 0) {
		free(err->msg);
		err->msg = msg;
	}
	free(ctx);
	return err->code;
}

const char *wgf_error_message(const struct wgf_error *err)
{
	if (!err || !err->code)
		return "";
	return err->msg ? err->msg : strerror(-err->code);
}

void wgf_error_move(struct wgf_error *dst, struct wgf_error *src)
{
	if (dst && !dst->code) {
		*dst = *src;
		src->msg = NULL;
	}
	wgf_error_clear(src);
}

void wgf_error_clear(struct wgf_error *err)
{
	if (!err)
		return;
	free(err->msg);
	err->msg = NULL;
	err->code = 0;
}
