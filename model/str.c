#include "model/str.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *str_vprintf(const char *fmt, va_list ap)
{
	char *s = NULL;

	return vasprintf(&s, fmt, ap) < 0 ? NULL : s;
}

char *str_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = str_vprintf(fmt, ap);
	va_end(ap);
	return s;
}

/* The length of the UTF-8 sequence at s (1-4) and its code point, or 0 when the
 * bytes there are not valid UTF-8 (overlong forms and surrogates included). */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
	size_t n;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

static bool cp_unsafe(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029 ||
	       (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0x200e ||
	       c == 0x200f || c == 0x061c || c == 0xfeff;
}

bool str_is_display_safe(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		uint32_t c;
		size_t n = utf8_decode(p, &c);

		if (!n || cp_unsafe(c))
			return false;
		p += n;
	}
	return true;
}

char *str_escape_display(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), o = 0;
	char *out = malloc(len * 4 + 1);   /* at most 4 bytes out per byte in (\x80, \u{0085}) */

	if (!out)
		return NULL;
	while (*p) {
		uint32_t c;
		size_t n = utf8_decode(p, &c);

		if (!n) {
			o += (size_t)sprintf(out + o, "\\x%02x", *p);
			p++;
		} else if (c < 0x80 && cp_unsafe(c)) {
			o += (size_t)sprintf(out + o, "\\x%02x", (unsigned)c);
			p++;
		} else if (cp_unsafe(c)) {
			o += (size_t)sprintf(out + o, "\\u{%04x}", (unsigned)c);
			p += n;
		} else if (c == '\\') {
			out[o++] = '\\';
			out[o++] = '\\';
			p++;
		} else {
			memcpy(out + o, p, n);
			o += n;
			p += n;
		}
	}
	out[o] = '\0';
	return out;
}

char *str_display_dup(const char *s)
{
	return str_is_display_safe(s) ? strdup(s) : str_escape_display(s);
}
