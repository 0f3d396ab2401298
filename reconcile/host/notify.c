/* Notification settings, target names, the hooks directory's rules, HMAC. */
#include "reconcile/host/notify.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool notify_enabled(const struct notify_conf *c)
{
	return c->hooks_dir || c->n_webhooks;
}

/* The host part of "scheme://host[:port]/…" into buf, without brackets. */
static bool url_host(const char *url, char *buf, size_t len, const char **rest)
{
	const char *a = strstr(url, "://"), *end;
	size_t n;

	if (!a)
		return false;
	a += 3;
	if (*a == '[') {
		end = strchr(a, ']');
		if (!end)
			return false;
		a++;
		*rest = end + 1;
	} else {
		end = a + strcspn(a, ":/?#");
		*rest = end;
	}
	n = (size_t)(end - a);
	if (n == 0 || n >= len)
		return false;
	memcpy(buf, a, n);
	buf[n] = '\0';
	return true;
}

static bool is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (!strcmp(host, "localhost"))
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

int notify_url_check(const char *url, struct wgf_error *err)
{
	const char *a = strstr(url, "://"), *rest;
	char host[256];
	bool https = !strncmp(url, "https://", 8), http = !strncmp(url, "http://", 7);

	if (!https && !http)
		return wgf_error_set(err, -EINVAL, "webhook \"%s\": only https:// (or http:// to a loopback address)",
				     url);
	if (memchr(a + 3, '@', strcspn(a + 3, "/?#")))
		return wgf_error_set(err, -EINVAL, "webhook \"%s\": a user or password in the URL would be shown in "
				     "status: the receiver checks the signature instead", url);
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return wgf_error_set(err, -EINVAL, "webhook: a space or control character in the URL");
	if (!url_host(url, host, sizeof(host), &rest))
		return wgf_error_set(err, -EINVAL, "webhook \"%s\": no host", url);
	if (http && !is_loopback(host))
		return wgf_error_set(err, -EINVAL, "webhook \"%s\": http:// only to a loopback address (the event "
				     "and its signature would cross the network in clear): use https://", url);
	return 0;
}

int notify_conf_webhooks(struct notify_conf *c, char *list, struct wgf_error *err)
{
	char *save = NULL;
	int r;

	c->n_webhooks = 0;
	if (!list)
		return 0;
	for (char *u = strtok_r(list, " \t", &save); u; u = strtok_r(NULL, " \t", &save)) {
		if (c->n_webhooks == NOTIFY_WEBHOOKS_MAX)
			return wgf_error_set(err, -E2BIG, "more than %d webhooks", NOTIFY_WEBHOOKS_MAX);
		if ((r = notify_url_check(u, err)) < 0)
			return r;
		c->webhooks[c->n_webhooks++] = u;
	}
	return 0;
}

int notify_conf_check(const struct notify_conf *c, struct wgf_error *err)
{
	int r;

	for (size_t i = 0; i < c->n_webhooks; i++)
		if ((r = notify_url_check(c->webhooks[i], err)) < 0)
			return r;
	if (c->n_webhooks && !c->secret_file)
		return wgf_error_set(err, -EINVAL, "webhook without webhook-secret-file: every POST is signed "
				     "(make one: head -c 32 /dev/urandom | base64 > FILE; chmod 600 FILE)");
	if (c->retries > NOTIFY_RETRIES_MAX)
		return wgf_error_set(err, -EINVAL, "notify-retries is at most %d", NOTIFY_RETRIES_MAX);
	return 0;
}

void notify_target_name(const char *url, char *buf, size_t len)
{
	const char *rest;
	char host[256];

	if (!url_host(url, host, sizeof(host), &rest)) {
		snprintf(buf, len, "%s", url);
		return;
	}
	if (*rest == ':')
		rest += 1 + strspn(rest + 1, "0123456789");
	snprintf(buf, len, "%.*s%s", (int)(rest - url), url, *rest && strcmp(rest, "/") ? "/…" : "/");
}

bool notify_hook_name_ok(const char *name)
{
	static const char *const leftovers[] = {
		"~", ".dpkg-old", ".dpkg-new", ".dpkg-dist", ".dpkg-tmp", ".rpmsave", ".rpmnew", ".swp",
	};
	size_t n = strlen(name);

	if (!n || name[0] == '.')
		return false;
	for (size_t i = 0; i < sizeof(leftovers) / sizeof(leftovers[0]); i++) {
		size_t k = strlen(leftovers[i]);

		if (n >= k && !strcmp(name + n - k, leftovers[i]))
			return false;
	}
	return true;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int notify_hooks_list(const char *dir, char ***names, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL;
	size_t k = 0;
	int r = 0;

	*names = NULL;
	*n = 0;
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct stat st;

		if (!notify_hook_name_ok(de->d_name) || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode) || !(st.st_mode & S_IXUSR))
			continue;
		if (k == NOTIFY_HOOKS_MAX) {
			r = -E2BIG;
			break;
		}
		char **nv = realloc(v, (k + 1) * sizeof(*v));
		if (!nv || !(nv[k] = strdup(de->d_name))) {
			v = nv ? nv : v;
			r = -ENOMEM;
			break;
		}
		v = nv;
		k++;
	}
	closedir(d);
	if (r < 0) {
		for (size_t i = 0; i < k; i++)
			free(v[i]);
		free(v);
		return r;
	}
	if (k)
		qsort(v, k, sizeof(*v), name_cmp);
	*names = v;
	*n = k;
	return 0;
}

void notify_hmac_hex(const uint8_t *key, size_t key_len, const void *msg, size_t len, char out[65])
{
	crypto_auth_hmacsha256_state st;
	uint8_t mac[crypto_auth_hmacsha256_BYTES];

	crypto_auth_hmacsha256_init(&st, key, key_len);
	crypto_auth_hmacsha256_update(&st, msg, len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(out, 65, mac, sizeof(mac));
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(mac, sizeof(mac));
}
