/* libFuzzer harness for the notifications' outside input: webhook URLs (the
 * `webhook` lines of /etc/wgf/reconcile.conf) and <state-dir>/notify.json
 * (what `wgf status` reads and every delivery rewrites, from a state directory
 * that may be damaged). The input's first line is a list of URLs, the rest
 * the file.
 *
 * Invariants: every URL that notify_conf_webhooks keeps passes
 * notify_url_check, is https:// or http:// to a loopback host, and holds no
 * '@' before its path; its target name is a prefix of it (up to the port)
 * followed by "/" or "/…". A damaged notify.json reads as NULL or an object;
 * notify_record on top of it succeeds and leaves a file whose targets hold
 * the target with the last delivery just recorded.
 *
 * `make fuzz O=build-fz` builds it as build-fz/fuzz/fuzz_notify. By hand:
 *   mkdir -p /tmp/c && cp tests/fuzz/corpus/fuzz_notify/?* /tmp/c/
 *   build-fz/fuzz/fuzz_notify -max_total_time=600 /tmp/c
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reconcile/host/fileio.h"
#include "reconcile/host/notify.h"

static char dir[64];

static void cleanup(void)
{
	static const char *const files[] = { NOTIFY_FILE, NOTIFY_LOCK_FILE };
	char p[128];

	for (size_t i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
}

static void check_urls(char *list)
{
	struct notify_conf c = {0};
	struct wgf_error err = {0};
	char name[600];

	notify_conf_webhooks(&c, list, &err);
	wgf_error_clear(&err);
	for (size_t i = 0; i < c.n_webhooks; i++) {
		const char *u = c.webhooks[i], *a = strstr(u, "://");
		size_t n;

		if (notify_url_check(u, &err) < 0 || !a || (strncmp(u, "https://", 8) && strncmp(u, "http://", 7)))
			abort();
		if (memchr(a + 3, '@', strcspn(a + 3, "/?#")))
			abort();
		notify_target_name(u, name, sizeof(name));
		n = strlen(name);
		if (n < 2 || (strcmp(name + n - 1, "/") && (n < 4 || strcmp(name + n - 4, "/…"))))
			abort();
		n -= name[n - 1] == '/' ? 1 : 4;
		if (strncmp(name, u, n))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t first = nl ? (size_t)(nl - data) : size;
	char *list = malloc(first + 1), path[128];
	struct notify_event e;
	json_object *j, *t, *x, *d;

	if (!list)
		return 0;
	memcpy(list, data, first);
	list[first] = '\0';
	if (!memchr(list, '\0', first))
		check_urls(list);
	free(list);
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/fuzz-notify.XXXXXX");
		if (!mkdtemp(dir))
			abort();
		atexit(cleanup);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, NOTIFY_FILE);
	if (fileio_write_volatile(path, nl ? nl + 1 : data + size, nl ? size - first - 1 : 0, 0600) < 0)
		abort();
	j = notify_status_load(dir);
	if (j && !json_object_is_type(j, json_type_object))
		abort();
	json_object_put(j);
	notify_event_init(&e, NOTIFY_DRIFT_DETECTED, 1764570600, "h", NULL);
	notify_event_set_id(&e, (const uint8_t[16]){ 7 });
	if (notify_record(dir, "https://t.example/…", &e, NULL, 1764570600) < 0)
		abort();
	j = notify_status_load(dir);
	if (!j || !json_object_object_get_ex(j, "targets", &t) ||
	    !json_object_object_get_ex(t, "https://t.example/…", &x) ||
	    !json_object_object_get_ex(x, "last_delivery", &d) || !d ||
	    !json_object_object_get_ex(d, "event", &x) || strcmp(json_object_get_string(x), "drift-detected"))
		abort();
	json_object_put(j);
	return 0;
}
