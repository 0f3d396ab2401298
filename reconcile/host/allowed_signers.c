#include "reconcile/host/allowed_signers.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "model/diag.h"

/* The next whitespace-separated field of *p (quotes keep spaces), copied. */
static char *field(const char **p, const char *end)
{
	const char *s = *p, *e;
	bool quoted = false;
	char *out;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	for (e = s; e < end && (quoted || (*e != ' ' && *e != '\t')); e++)
		if (*e == '"')
			quoted = !quoted;
	*p = e;
	if (e == s || quoted)
		return NULL;
	out = strndup(s, (size_t)(e - s));
	return out;
}

static bool is_key_type(const char *s)
{
	return !strncmp(s, "ssh-", 4) || !strncmp(s, "ecdsa-", 6) || !strncmp(s, "sk-", 3);
}

/* "YYYYMMDD[HHMM[SS]][Z]", as UTC. */
static bool parse_time(const char *s, int64_t *out)
{
	struct tm tm = { 0 };
	size_t n = strlen(s);
	int v[7] = { 0 };

	if (n && s[n - 1] == 'Z')
		n--;
	if (n != 8 && n != 12 && n != 14)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	sscanf(s, "%4d%2d%2d%2d%2d%2d", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]);
	if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 60)
		return false;
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	*out = (int64_t)timegm(&tm);
	return true;
}

/* A value without its quotes, copied; NULL when it is not quoted right. */
static char *unquote(const char *v)
{
	size_t n = strlen(v);

	if (n < 2 || v[0] != '"' || v[n - 1] != '"' || memchr(v + 1, '"', n - 2))
		return NULL;
	return strndup(v + 1, n - 2);
}

/* One option ("name" or name="value") into sg; a message when it is wrong. */
static const char *option(struct allowed_signer *sg, char *opt)
{
	char *eq = strchr(opt, '='), *val;
	int64_t t;

	if (!eq) {
		if (strcasecmp(opt, "cert-authority"))
			return "an unknown option";
		sg->cert_authority = true;
		return NULL;
	}
	*eq = '\0';
	val = unquote(eq + 1);
	if (!val)
		return "an option value must be in double quotes";
	if (!strcasecmp(opt, "namespaces")) {
		free(sg->namespaces);
		sg->namespaces = val;
		return NULL;
	}
	if (strcasecmp(opt, "valid-after") && strcasecmp(opt, "valid-before")) {
		free(val);
		return "an unknown option";
	}
	if (!parse_time(val, &t)) {
		free(val);
		return "a time must be YYYYMMDD, YYYYMMDDHHMM or YYYYMMDDHHMMSS, optionally ending in Z";
	}
	free(val);
	if (!strcasecmp(opt, "valid-after")) {
		sg->has_valid_after = true;
		sg->valid_after = t;
	} else {
		sg->has_valid_before = true;
		sg->valid_before = t;
	}
	return NULL;
}

/* Options are separated by commas outside quotes. */
static const char *options(struct allowed_signer *sg, char *s)
{
	bool quoted = false;
	char *start = s;
	const char *why;

	for (char *p = s;; p++) {
		if (*p == '"')
			quoted = !quoted;
		if ((*p == ',' && !quoted) || !*p) {
			char end = *p;
			*p = '\0';
			if ((why = option(sg, start)))
				return why;
			if (!end)
				return NULL;
			start = p + 1;
		}
	}
}

static const char *key(struct allowed_signer *sg, const char *b64)
{
	uint8_t blob[256];
	size_t n = 0;
	uint32_t tl, kl;

	if (strlen(sg->key_type) >= sizeof(sg->key_type) - 1)
		return "an unknown key type";
	if (sodium_base642bin(blob, sizeof(blob), b64, strlen(b64), NULL, &n, NULL, sodium_base64_VARIANT_ORIGINAL))
		return strcmp(sg->key_type, "ssh-ed25519") ? NULL : "the key is not base64";
	if (strcmp(sg->key_type, "ssh-ed25519"))
		return NULL;   /* kept, never matched */
	if (n != 4 + 11 + 4 + SSHSIG_ED25519_KEY_LEN)
		return "not an Ed25519 key";
	tl = (uint32_t)blob[0] << 24 | (uint32_t)blob[1] << 16 | (uint32_t)blob[2] << 8 | blob[3];
	kl = (uint32_t)blob[15] << 24 | (uint32_t)blob[16] << 16 | (uint32_t)blob[17] << 8 | blob[18];
	if (tl != 11 || memcmp(blob + 4, "ssh-ed25519", 11) || kl != SSHSIG_ED25519_KEY_LEN)
		return "the key is not of its key type";
	memcpy(sg->key, blob + 19, SSHSIG_ED25519_KEY_LEN);
	sg->ed25519 = true;
	return NULL;
}

static void signer_clear(struct allowed_signer *sg)
{
	free(sg->principals);
	free(sg->namespaces);
	memset(sg, 0, sizeof(*sg));
}

/* One line that is not blank or a comment. */
static const char *line(struct allowed_signer *sg, const char *p, const char *end)
{
	char *f = NULL, *b64 = NULL;
	const char *why = NULL;

	sg->principals = field(&p, end);
	if (!sg->principals)
		return "no principals";
	f = field(&p, end);
	if (f && !is_key_type(f)) {
		why = options(sg, f);
		free(f);
		f = why ? NULL : field(&p, end);
	}
	if (!why && (!f || !is_key_type(f)))
		why = "no key type (ssh-ed25519, …)";
	if (!why) {
		snprintf(sg->key_type, sizeof(sg->key_type), "%s", f);
		b64 = field(&p, end);
		why = b64 ? key(sg, b64) : "no key";
	}
	free(f);
	free(b64);
	return why;
}

int allowed_signers_parse(const char *text, size_t len, const char *file, struct allowed_signers *out,
			  struct wgf_error *err)
{
	const char *p = text, *end = text + strnlen(text, len);
	unsigned lineno = 0;
	int r = 0;

	memset(out, 0, sizeof(*out));
	while (p < end && r == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *eol = nl ? nl : end, *s = p;
		struct allowed_signer sg = { .line = ++lineno }, *v;
		const char *why;

		while (s < eol && (*s == ' ' || *s == '\t' || *s == '\r'))
			s++;
		p = nl ? nl + 1 : end;
		if (s == eol || *s == '#')
			continue;
		if (eol > s && eol[-1] == '\r')
			eol--;
		why = line(&sg, s, eol);
		if (why) {
			r = wgf_error_set(err, -EBADMSG, "%s:%u: %s", file, lineno, why);
		} else if (!(v = reallocarray(out->v, out->n + 1, sizeof(*v)))) {
			r = wgf_error_set(err, -ENOMEM, NULL);
		} else {
			out->v = v;
			out->v[out->n++] = sg;
			continue;
		}
		signer_clear(&sg);
	}
	if (r < 0)
		allowed_signers_clear(out);
	return r;
}

void allowed_signers_clear(struct allowed_signers *a)
{
	for (size_t i = 0; i < a->n; i++)
		signer_clear(&a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

static bool namespace_allowed(const char *list, const char *ns)
{
	char *copy, *tok, *save = NULL;
	bool ok = false;

	if (!list)
		return true;
	copy = strdup(list);
	for (tok = copy ? strtok_r(copy, ",", &save) : NULL; tok && !ok; tok = strtok_r(NULL, ",", &save))
		ok = fnmatch(tok, ns, 0) == 0;
	free(copy);
	return ok;
}

const struct allowed_signer *allowed_signers_find(const struct allowed_signers *a, const struct sshsig *s,
						  int64_t when, const char **why)
{
	const char *reason = "no allowed signer has this key";

	for (size_t i = 0; i < a->n; i++) {
		const struct allowed_signer *sg = &a->v[i];

		if (!sg->ed25519 || sodium_memcmp(sg->key, s->public_key, SSHSIG_ED25519_KEY_LEN))
			continue;
		if (sg->cert_authority)
			reason = "its allowed signer is a certificate authority (certificates are not accepted)";
		else if (!namespace_allowed(sg->namespaces, s->namespace_))
			reason = "its allowed signer may not sign for this namespace";
		else if (sg->has_valid_after && when < sg->valid_after)
			reason = "its allowed signer is not valid yet at the commit's time";
		else if (sg->has_valid_before && when >= sg->valid_before)
			reason = "its allowed signer expired before the commit's time";
		else
			return sg;
	}
	if (why)
		*why = reason;
	return NULL;
}
