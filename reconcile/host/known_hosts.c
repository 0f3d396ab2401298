#include <errno.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/host/known_hosts.h"

#define KH_LINE_MAX 16384

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Next whitespace-separated word of *s (NUL-terminated in place). */
static char *next_word(char **s)
{
	char *w = *s, *e;

	while (is_space(*w))
		w++;
	if (!*w)
		return NULL;
	for (e = w; *e && !is_space(*e); e++)
		;
	if (*e)
		*e++ = '\0';
	*s = e;
	return w;
}

/* OpenSSH's patterns: '*' any run of characters, '?' one; nothing else is
 * special ("[host]:port" is literal). */
static bool pattern_match(const char *p, const char *s)
{
	const char *star = NULL, *resume = NULL;

	/* linear: on a mismatch, only the last '*' takes one more character */
	while (*s) {
		if (*p == '*') {
			star = p++;
			resume = s;
		} else if (*p == '?' || *p == *s) {
			p++;
			s++;
		} else if (star) {
			p = star + 1;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*p == '*')
		p++;
	return !*p;
}

/* Whether name ("host" or "[host]:port") is matched by the comma-separated
 * patterns: one positive match and no negated one. */
static bool hosts_match(char *patterns, const char *name)
{
	bool hit = false;

	if (patterns[0] == '|')
		return false;
	char *save = NULL;

	for (char *p = strtok_r(patterns, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		bool neg = p[0] == '!';

		if (pattern_match(neg ? p + 1 : p, name)) {
			if (neg)
				return false;
			hit = true;
		}
	}
	return hit;
}

static void host_name(const char *host, unsigned port, char *buf, size_t len)
{
	if (port == 0 || port == 22)
		snprintf(buf, len, "%s", host);
	else
		snprintf(buf, len, "[%s]:%u", host, port);
}

/* One line: 0 no match, 1 this host with this key, 2 this host with another
 * key, 3 this key revoked. */
static int check_line(char *line, const char *name, const uint8_t *blob, size_t blob_len)
{
	char *s = line, *w, *type, *b64;
	uint8_t key[8192];
	size_t key_len;
	bool revoked = false;

	if (!(w = next_word(&s)) || w[0] == '#')
		return 0;
	if (w[0] == '@') {
		if (!strcmp(w, "@revoked"))
			revoked = true;
		else
			return 0;   /* @cert-authority: certificates are not accepted */
		if (!(w = next_word(&s)))
			return 0;
	}
	if (!(type = next_word(&s)) || !(b64 = next_word(&s)))
		return 0;
	if (sodium_base642bin(key, sizeof(key), b64, strlen(b64), NULL, &key_len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) < 0)
		return 0;
	if (revoked)
		return key_len == blob_len && !memcmp(key, blob, blob_len) ? 3 : 0;
	if (!hosts_match(w, name))
		return 0;
	return key_len == blob_len && !memcmp(key, blob, blob_len) ? 1 : 2;
}

int known_hosts_check(const char *text, size_t len, const char *host, unsigned port,
		      const uint8_t *blob, size_t blob_len)
{
	char name[512], line[KH_LINE_MAX];
	bool matched = false, other = false;
	size_t i = 0;

	host_name(host, port, name, sizeof(name));
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (text + i)) : len - i;

		if (n < sizeof(line) && !memchr(text + i, '\0', n)) {
			memcpy(line, text + i, n);
			line[n] = '\0';
			switch (check_line(line, name, blob, blob_len)) {
			case 1: matched = true; break;
			case 2: other = true; break;
			case 3: return -EKEYREVOKED;
			}
		}
		i += n + 1;
	}
	return matched ? 0 : other ? -EKEYREJECTED : -ENOENT;
}

/* The key type string a wire-encoded key starts with. */
static bool blob_type(const uint8_t *blob, size_t len, char *buf, size_t buf_len)
{
	uint32_t n;

	if (len < 4)
		return false;
	n = (uint32_t)blob[0] << 24 | (uint32_t)blob[1] << 16 | (uint32_t)blob[2] << 8 | blob[3];
	if (n == 0 || n >= buf_len || n > len - 4)
		return false;
	memcpy(buf, blob + 4, n);
	buf[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (buf[i] <= ' ' || buf[i] > '~')
			return false;
	return true;
}

char *known_hosts_line(const char *host, unsigned port, const uint8_t *blob, size_t blob_len)
{
	char name[512], type[64], *b64, *out = NULL;
	size_t b64_len = sodium_base64_ENCODED_LEN(blob_len, sodium_base64_VARIANT_ORIGINAL);

	if (!blob_type(blob, blob_len, type, sizeof(type)) || !(b64 = malloc(b64_len)))
		return NULL;
	sodium_bin2base64(b64, b64_len, blob, blob_len, sodium_base64_VARIANT_ORIGINAL);
	host_name(host, port, name, sizeof(name));
	if (asprintf(&out, "%s %s %s\n", name, type, b64) < 0)
		out = NULL;
	free(b64);
	return out;
}

const char *known_hosts_fingerprint(const uint8_t *blob, size_t blob_len, char *buf)
{
	uint8_t h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, blob, blob_len);
	memcpy(buf, "SHA256:", 7);
	sodium_bin2base64(buf + 7, KNOWN_HOSTS_FINGERPRINT_LEN - 7, h, sizeof(h),
			  sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
	return buf;
}
