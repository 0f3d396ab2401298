#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/host/hostconf.h"

enum hc_type { HC_STRING, HC_SECONDS, HC_VERIFY, HC_LIST, HC_COUNT };

static const struct hc_key {
	const char *name;
	enum hc_type type;
	size_t off;
	const char *def;               /* default, as text; NULL: unset */
} hc_keys[] = {
	{ "remote",          HC_STRING,  offsetof(struct hostconf, remote),          NULL },
	{ "ref",             HC_STRING,  offsetof(struct hostconf, ref),             "main" },
	{ "verify",          HC_VERIFY,  offsetof(struct hostconf, verify),          "commit" },
	{ "allowed-signers", HC_STRING,  offsetof(struct hostconf, allowed_signers), "/etc/wgf/allowed_signers" },
	{ "ssh-key",         HC_STRING,  offsetof(struct hostconf, ssh_key),         "/etc/wgf/deploy_key" },
	{ "known-hosts",     HC_STRING,  offsetof(struct hostconf, known_hosts),     "/etc/wgf/known_hosts" },
	{ "token-file",      HC_STRING,  offsetof(struct hostconf, token_file),      NULL },
	{ "token-user",      HC_STRING,  offsetof(struct hostconf, token_user),      "git" },
	{ "ca-file",         HC_STRING,  offsetof(struct hostconf, ca_file),         NULL },
	{ "fetch-timeout",   HC_SECONDS, offsetof(struct hostconf, fetch_timeout),   "60" },
	{ "interval",        HC_SECONDS, offsetof(struct hostconf, interval),        "300" },
	{ "backoff-max",     HC_SECONDS, offsetof(struct hostconf, backoff_max),     "3600" },
	{ "host",            HC_STRING,  offsetof(struct hostconf, host),            NULL },
	{ "key-file",        HC_STRING,  offsetof(struct hostconf, key_file),        NULL },
	{ "state-dir",       HC_STRING,  offsetof(struct hostconf, state_dir),       NULL },
	{ "backend",         HC_STRING,  offsetof(struct hostconf, backend),         NULL },
	{ "wireguard-go",    HC_STRING,  offsetof(struct hostconf, wireguard_go),    NULL },
	{ "hooks-dir",       HC_STRING,  offsetof(struct hostconf, hooks_dir),       NULL },
	{ "webhook",         HC_LIST,    offsetof(struct hostconf, webhooks),        NULL },
	{ "webhook-secret-file", HC_STRING, offsetof(struct hostconf, webhook_secret_file), NULL },
	{ "webhook-ca-file", HC_STRING,  offsetof(struct hostconf, webhook_ca_file), NULL },
	{ "notify-timeout",  HC_SECONDS, offsetof(struct hostconf, notify_timeout),  "5" },
	{ "notify-retries",  HC_COUNT,   offsetof(struct hostconf, notify_retries),  "3" },
	{ "metrics-textfile", HC_STRING, offsetof(struct hostconf, metrics_textfile), NULL },
};

static const char *const verify_names[] = {
	[HOSTCONF_VERIFY_COMMIT] = "commit",
	[HOSTCONF_VERIFY_TAG] = "tag",
	[HOSTCONF_VERIFY_OFF] = "off",
};

const char *hostconf_verify_name(enum hostconf_verify v)
{
	return (unsigned)v < sizeof(verify_names) / sizeof(verify_names[0]) ? verify_names[v] : "?";
}

/* Whole seconds, 1 to 30 days. */
static bool parse_seconds(const char *s, unsigned *out)
{
	unsigned long v = 0;

	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9' || (v = v * 10 + (unsigned long)(*s - '0')) > 30UL * 86400)
			return false;
	if (v == 0)
		return false;
	*out = (unsigned)v;
	return true;
}

/* "scheme://user:password@host/…": a password there would be printed in
 * messages and written to status and the journal. */
static bool url_has_password(const char *url)
{
	const char *a = strstr(url, "://"), *end, *at, *colon;

	if (!a)
		return false;
	a += 3;
	end = a + strcspn(a, "/");
	at = memchr(a, '@', (size_t)(end - a));
	colon = at ? memchr(a, ':', (size_t)(at - a)) : NULL;
	return colon != NULL;
}

int hostconf_set(struct hostconf *c, const char *key, const char *value, struct wgf_error *err)
{
	const struct hc_key *k = NULL;
	char *copy;

	for (size_t i = 0; i < sizeof(hc_keys) / sizeof(hc_keys[0]) && !k; i++)
		if (!strcmp(hc_keys[i].name, key))
			k = &hc_keys[i];
	if (!k)
		return wgf_error_set(err, -ENOENT, "unknown setting \"%s\"", key);
	switch (k->type) {
	case HC_STRING:
		if (!*value)
			return wgf_error_set(err, -EINVAL, "%s needs a value", key);
		if (!strcmp(key, "remote") && url_has_password(value))
			return wgf_error_set(err, -EINVAL, "remote holds a password, which would be shown in messages, "
					     "status and the journal: put it in a file named by token-file");
		if (!(copy = strdup(value)))
			return wgf_error_set(err, -ENOMEM, NULL);
		free(*(char **)((char *)c + k->off));
		*(char **)((char *)c + k->off) = copy;
		return 0;
	case HC_SECONDS:
		if (!parse_seconds(value, (unsigned *)((char *)c + k->off)))
			return wgf_error_set(err, -EINVAL, "%s takes whole seconds from 1 to 2592000 (30 days), not \"%s\"",
					     key, value);
		return 0;
	case HC_LIST:
		/* given more than once: each adds one, space-separated */
		if (!*value || strpbrk(value, " \t"))
			return wgf_error_set(err, -EINVAL, "%s takes one value without spaces (give it again for more)", key);
		if (asprintf(&copy, "%s%s%s", *(char **)((char *)c + k->off) ? *(char **)((char *)c + k->off) : "",
			     *(char **)((char *)c + k->off) ? " " : "", value) < 0)
			return wgf_error_set(err, -ENOMEM, NULL);
		free(*(char **)((char *)c + k->off));
		*(char **)((char *)c + k->off) = copy;
		return 0;
	case HC_COUNT:
		if (!((value[0] >= '0' && value[0] <= '9' && !value[1]) || !strcmp(value, "10")))
			return wgf_error_set(err, -EINVAL, "%s takes a whole number from 0 to 10, not \"%s\"", key, value);
		*(unsigned *)((char *)c + k->off) = (unsigned)atoi(value);
		return 0;
	case HC_VERIFY:
		for (size_t i = 0; i < sizeof(verify_names) / sizeof(verify_names[0]); i++)
			if (!strcmp(verify_names[i], value)) {
				*(enum hostconf_verify *)((char *)c + k->off) = (enum hostconf_verify)i;
				return 0;
			}
		return wgf_error_set(err, -EINVAL, "verify must be commit, tag or off, not \"%s\"", value);
	}
	return -EINVAL;
}

int hostconf_init(struct hostconf *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < sizeof(hc_keys) / sizeof(hc_keys[0]); i++)
		if (hc_keys[i].def && hostconf_set(c, hc_keys[i].name, hc_keys[i].def, NULL) < 0) {
			hostconf_clear(c);
			return -ENOMEM;
		}
	return 0;
}

void hostconf_clear(struct hostconf *c)
{
	for (size_t i = 0; i < sizeof(hc_keys) / sizeof(hc_keys[0]); i++)
		if (hc_keys[i].type == HC_STRING || hc_keys[i].type == HC_LIST)
			free(*(char **)((char *)c + hc_keys[i].off));
	memset(c, 0, sizeof(*c));
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

#define HOSTCONF_LINE_MAX 4096

/* One line, without its newline: "key = value", a comment or blank. */
static int parse_line(struct hostconf *c, const char *s, size_t n, const char *file, unsigned line,
		      struct wgf_error *err)
{
	char buf[HOSTCONF_LINE_MAX], *key, *eq, *value, *end;
	struct wgf_error e = {0};
	int r;

	if (n >= sizeof(buf))
		return wgf_error_set(err, -EBADMSG, "%s:%u:1: line longer than %d bytes", file, line,
				     HOSTCONF_LINE_MAX - 1);
	if (memchr(s, '\0', n))
		return wgf_error_set(err, -EBADMSG, "%s:%u:1: a NUL byte", file, line);
	memcpy(buf, s, n);
	buf[n] = '\0';
	for (key = buf; is_space(*key); key++)
		;
	if (!*key || *key == '#')
		return 0;
	if (!(eq = strchr(key, '=')))
		return wgf_error_set(err, -EBADMSG, "%s:%u:%zu: expected \"key = value\"", file, line,
				     (size_t)(key - buf) + 1);
	for (end = eq; end > key && is_space(end[-1]); end--)
		;
	*end = '\0';
	for (value = eq + 1; is_space(*value); value++)
		;
	for (end = value + strlen(value); end > value && is_space(end[-1]); end--)
		;
	*end = '\0';
	r = hostconf_set(c, key, value, &e);
	if (r < 0) {
		size_t col = (size_t)((r == -ENOENT ? key : value) - buf) + 1;

		wgf_error_set(err, -EBADMSG, "%s:%u:%zu: %s", file, line, col, wgf_error_message(&e));
		wgf_error_clear(&e);
		return -EBADMSG;
	}
	return 0;
}

int hostconf_parse(struct hostconf *c, const char *text, size_t len, const char *file, struct wgf_error *err)
{
	unsigned line = 1;
	size_t i = 0;
	int r;

	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (text + i)) : len - i;

		r = parse_line(c, text + i, n, file, line, err);
		if (r < 0)
			return r;
		i += n + 1;
		line++;
	}
	return 0;
}

char *hostconf_full_ref(const char *ref)
{
	char *out;

	if (!strncmp(ref, "refs/", 5) || !strcmp(ref, "HEAD"))
		return strdup(ref);
	if (asprintf(&out, "refs/heads/%s", ref) < 0)
		return NULL;
	return out;
}
