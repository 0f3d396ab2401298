/* Notifications: each event type's JSON (its declared details only, never a
 * secret field), times, HMAC-SHA256 against RFC 4231, the hooks directory's
 * rules, webhook URL checks, peer transitions, the settings, notify.json, and
 * a real hook run (stdin, WGF_EVENT, the timeout). */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reconcile/host/fileio.h"
#include "reconcile/host/hostconf.h"
#include "reconcile/host/notify.h"
#include "render/notify_event.h"
#include "tests/unit/tmpdir.h"
#include "tests/unit/unit.h"

#define T0 1764570600          /* 2025-12-01T06:30:00Z */
#define REV "0123456789abcdef0123456789abcdef01234567"

static const char *get_str(json_object *j, const char *k)
{
	json_object *v;

	return json_object_object_get_ex(j, k, &v) && v ? json_object_get_string(v) : NULL;
}

/* Every type with every detail it declares: the JSON has the fields, the
 * details and nothing else. */
static void test_event_json_each_type(void)
{
	static const char *const secretish[] = { "private_key", "psk", "preshared_key", "token", "secret" };

	for (int t = 0; t < NOTIFY_N_EVENTS; t++) {
		struct notify_event e;
		uint8_t id[16] = { 0xab, 1, 2, 3 };
		json_object *j, *d, *v;
		char *out = NULL;

		notify_event_init(&e, t, T0, "alpha", REV);
		notify_event_set_id(&e, id);
		notify_event_summary(&e, "line one\nline two");
		CHECK_INT(notify_event_add_string(&e, "no-such-detail", "x"), -EINVAL);
		for (size_t i = 0; i < sizeof(secretish) / sizeof(secretish[0]); i++) {
			CHECK(!notify_event_allows(t, secretish[i]));
			CHECK_INT(notify_event_add_string(&e, secretish[i], "x"), -EINVAL);
		}
		CHECK_INT(e.n_details, 0);
		CHECK_INT(notify_event_json(&e, &out), 0);
		j = json_tokener_parse(out);
		CHECK(j != NULL);
		CHECK_STR(get_str(j, "event"), notify_event_name(t));
		CHECK_INT(notify_event_from_name(get_str(j, "event")), t);
		CHECK_STR(get_str(j, "time"), "2025-12-01T06:30:00Z");
		CHECK_STR(get_str(j, "host"), "alpha");
		CHECK_STR(get_str(j, "revision"), REV);
		CHECK_STR(get_str(j, "summary"), "line one line two");
		CHECK_STR(get_str(j, "id"), "ab010203000000000000000000000000");
		CHECK(json_object_object_get_ex(j, "details", &d) && json_object_is_type(d, json_type_object));
		CHECK_INT(json_object_object_length(j), 7);
		json_object_put(j);
		free(out);
		/* each declared detail goes through */
		notify_event_init(&e, t, T0, NULL, NULL);
		CHECK(notify_event_add_int(&e, "create", 3) == (notify_event_allows(t, "create") ? 0 : -EINVAL));
		CHECK_INT(notify_event_json(&e, &out), 0);
		j = json_tokener_parse(out);
		CHECK(json_object_object_get_ex(j, "revision", &v) && v == NULL);
		CHECK(json_object_object_get_ex(j, "details", &d));
		CHECK_INT(json_object_object_length(d), notify_event_allows(t, "create") ? 1 : 0);
		json_object_put(j);
		free(out);
	}
	CHECK(notify_event_name(NOTIFY_N_EVENTS) == NULL);
	CHECK_INT(notify_event_from_name("nope"), -1);
}

static void test_event_details(void)
{
	struct notify_event e;
	json_object *j, *d, *v;
	char *out = NULL;

	notify_event_init(&e, NOTIFY_EXIT_FAILOVER, T0, "home", NULL);
	CHECK_INT(notify_event_add_string(&e, "group", "exits"), 0);
	CHECK_INT(notify_event_add_int(&e, "table", 51820), 0);
	CHECK_INT(notify_event_add_string(&e, "from", "exit-a"), 0);
	CHECK_INT(notify_event_add_string(&e, "to", "exit-b"), 0);
	CHECK_INT(notify_event_add_string(&e, "why", NULL), 0);
	CHECK_INT(notify_event_json(&e, &out), 0);
	j = json_tokener_parse(out);
	CHECK(json_object_object_get_ex(j, "details", &d));
	CHECK_STR(get_str(d, "group"), "exits");
	CHECK(json_object_object_get_ex(d, "table", &v) && json_object_get_int(v) == 51820);
	CHECK(json_object_object_get_ex(d, "why", &v) && v == NULL);
	json_object_put(j);
	free(out);
	/* full */
	notify_event_init(&e, NOTIFY_APPLY_COMPLETED, T0, NULL, NULL);
	for (int i = 0; i < NOTIFY_DETAILS_MAX; i++)
		CHECK_INT(notify_event_add_int(&e, "create", i), 0);
	CHECK_INT(notify_event_add_int(&e, "create", 1), -E2BIG);
	/* a time out of range */
	notify_event_init(&e, NOTIFY_KEY_DUE, -1, NULL, NULL);
	CHECK_INT(notify_event_json(&e, &out), -EINVAL);
	CHECK(out == NULL);
}

static void test_time(void)
{
	char b[NOTIFY_TIME_LEN];

	CHECK_STR(notify_time_format(0, b), "1970-01-01T00:00:00Z");
	CHECK_STR(notify_time_format(951782400, b), "2000-02-29T00:00:00Z");
	CHECK_STR(notify_time_format(1798761599, b), "2026-12-31T23:59:59Z");
	CHECK_STR(notify_time_format(253402300799LL, b), "9999-12-31T23:59:59Z");
	CHECK_STR(notify_time_format(-5, b), "(time -5)");
}

/* RFC 4231, test case 2; and test case 1 (a binary key). */
static void test_hmac(void)
{
	static const char data[] = "what do ya want for nothing?";
	uint8_t k1[20];
	char hex[65];

	notify_hmac_hex((const uint8_t *)"Jefe", 4, data, strlen(data), hex);
	CHECK_STR(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	memset(k1, 0x0b, sizeof(k1));
	notify_hmac_hex(k1, sizeof(k1), "Hi There", 8, hex);
	CHECK_STR(hex, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

static void touch(const char *dir, const char *name, unsigned mode)
{
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd >= 0) {
		if (write(fd, "#!/bin/sh\n", 10) != 10)
			abort();
		close(fd);
	}
	chmod(p, mode);
}

static void test_hooks_rules(void)
{
	char dir[UNIT_TMPDIR_LEN], p[600], q[600];
	char **names = NULL;
	size_t n = 0;

	CHECK(notify_hook_name_ok("10-slack"));
	CHECK(!notify_hook_name_ok(".hidden"));
	CHECK(!notify_hook_name_ok("x~"));
	CHECK(!notify_hook_name_ok("x.dpkg-old"));
	CHECK(!notify_hook_name_ok("x.rpmnew"));
	CHECK(!notify_hook_name_ok(""));
	unit_tmpdir_make(dir, "notify");
	touch(dir, "20-b", 0700);
	touch(dir, "10-a", 0755);
	touch(dir, "30-not-exec", 0644);
	touch(dir, ".hidden", 0755);
	touch(dir, "05-backup~", 0755);
	touch(dir, "06-x.dpkg-new", 0755);
	snprintf(p, sizeof(p), "%s/15-link", dir);
	snprintf(q, sizeof(q), "%s/10-a", dir);
	CHECK(symlink(q, p) == 0);
	snprintf(p, sizeof(p), "%s/12-dir", dir);
	CHECK(mkdir(p, 0755) == 0);
	CHECK_INT(notify_hooks_list(dir, &names, &n), 0);
	CHECK_INT(n, 2);
	if (n == 2) {
		CHECK_STR(names[0], "10-a");
		CHECK_STR(names[1], "20-b");
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/.hidden", dir);
	unlink(p);
	unit_tmpdir_remove(dir);
	CHECK_INT(notify_hooks_list("/nonexistent/wgf-hooks", &names, &n), -ENOENT);
}

static void test_urls(void)
{
	struct wgf_error err = {0};
	char b[300];

	CHECK_INT(notify_url_check("https://hooks.example.org/a/b", &err), 0);
	CHECK_INT(notify_url_check("http://127.0.0.1:8080/x", &err), 0);
	CHECK_INT(notify_url_check("http://[::1]:8080/x", &err), 0);
	CHECK_INT(notify_url_check("http://localhost/x", &err), 0);
	CHECK_INT(notify_url_check("http://hooks.example.org/x", &err), -EINVAL);
	wgf_error_clear(&err);
	CHECK_INT(notify_url_check("https://user:pw@hooks.example.org/x", &err), -EINVAL);
	wgf_error_clear(&err);
	CHECK_INT(notify_url_check("ftp://hooks.example.org/x", &err), -EINVAL);
	wgf_error_clear(&err);
	CHECK_INT(notify_url_check("https:///x", &err), -EINVAL);
	wgf_error_clear(&err);
	notify_target_name("https://hooks.example.org:8443/T000/B000/XXXX", b, sizeof(b));
	CHECK_STR(b, "https://hooks.example.org:8443/…");
	notify_target_name("https://[::1]:8443", b, sizeof(b));
	CHECK_STR(b, "https://[::1]:8443/");
}

static void test_conf(void)
{
	struct wgf_error err = {0};
	struct notify_conf c = { .timeout = 5, .retries = 3 };
	struct hostconf hc;
	static const char text[] = "webhook = https://a.example/x\nwebhook = http://127.0.0.1:9/y\n"
				   "notify-retries = 0\nhooks-dir = /etc/wgf/hooks.d\n";

	CHECK_INT(hostconf_init(&hc), 0);
	CHECK_INT(hc.notify_timeout, NOTIFY_TIMEOUT_DEFAULT);
	CHECK_INT(hc.notify_retries, NOTIFY_RETRIES_DEFAULT);
	CHECK_INT(hostconf_parse(&hc, text, strlen(text), "reconcile.conf", &err), 0);
	CHECK_STR(hc.webhooks, "https://a.example/x http://127.0.0.1:9/y");
	CHECK_INT(hc.notify_retries, 0);
	CHECK_INT(hostconf_set(&hc, "notify-retries", "11", &err), -EINVAL);
	wgf_error_clear(&err);
	CHECK_INT(hostconf_set(&hc, "webhook", "a b", &err), -EINVAL);
	wgf_error_clear(&err);
	CHECK_INT(notify_conf_webhooks(&c, hc.webhooks, &err), 0);
	CHECK_INT(c.n_webhooks, 2);
	CHECK_STR(c.webhooks[1], "http://127.0.0.1:9/y");
	/* webhooks need a secret */
	CHECK_INT(notify_conf_check(&c, &err), -EINVAL);
	CHECK(strstr(wgf_error_message(&err), "webhook-secret-file") != NULL);
	wgf_error_clear(&err);
	c.secret_file = "/etc/wgf/webhook.secret";
	CHECK_INT(notify_conf_check(&c, &err), 0);
	hostconf_clear(&hc);
}

static void test_peer_transition(void)
{
	CHECK_INT(notify_peer_transition("online", HEALTH_STALE), NOTIFY_PEER_OFFLINE);
	CHECK_INT(notify_peer_transition("online", HEALTH_NEVER), NOTIFY_PEER_OFFLINE);
	CHECK_INT(notify_peer_transition("stale", HEALTH_ONLINE), NOTIFY_PEER_ONLINE);
	CHECK_INT(notify_peer_transition("never", HEALTH_ONLINE), NOTIFY_PEER_ONLINE);
	CHECK_INT(notify_peer_transition("online", HEALTH_ONLINE), 0);
	CHECK_INT(notify_peer_transition("stale", HEALTH_NEVER), 0);
	CHECK_INT(notify_peer_transition(NULL, HEALTH_ONLINE), 0);
	CHECK_INT(notify_peer_transition("disabled", HEALTH_ONLINE), 0);
}

/* A real hook: stdin is the event, WGF_EVENT its type; a failing and a
 * hanging hook are recorded in notify.json, the hanging one killed. */
static void test_hook_delivery(void)
{
	char dir[UNIT_TMPDIR_LEN], hooks[600], p[700], *text = NULL, *body = NULL;
	struct notify_conf c = { .timeout = 1, .retries = 0 };
	struct notify_event e, *ev[1] = { &e };
	json_object *st, *t, *h, *f;
	size_t len;
	FILE *fp;

	unit_tmpdir_make(dir, "notifyd");
	snprintf(hooks, sizeof(hooks), "%s/hooks", dir);
	CHECK(mkdir(hooks, 0700) == 0);
	snprintf(p, sizeof(p), "%s/10-save", hooks);
	fp = fopen(p, "w");
	fprintf(fp, "#!/bin/sh\ncat > '%s/got'\necho \"$WGF_EVENT\" > '%s/type'\n", dir, dir);
	fclose(fp);
	chmod(p, 0700);
	snprintf(p, sizeof(p), "%s/20-fail", hooks);
	fp = fopen(p, "w");
	fprintf(fp, "#!/bin/sh\nexit 3\n");
	fclose(fp);
	chmod(p, 0700);
	snprintf(p, sizeof(p), "%s/30-hang", hooks);
	fp = fopen(p, "w");
	fprintf(fp, "#!/bin/sh\nexec sleep 30\n");
	fclose(fp);
	chmod(p, 0700);
	c.state_dir = dir;
	c.hooks_dir = hooks;
	notify_event_init(&e, NOTIFY_DRIFT_REPAIRED, T0, "alpha", REV);
	notify_event_set_id(&e, (const uint8_t[16]){ 1 });
	notify_event_add_int(&e, "create", 1);
	CHECK_INT(notify_deliver(&c, ev, 1, NULL), 2);
	snprintf(p, sizeof(p), "%s/got", dir);
	CHECK_INT(fileio_read(p, &text, &len), 0);
	CHECK_INT(notify_event_json(&e, &body), 0);
	CHECK_STR(text, body);
	free(text);
	snprintf(p, sizeof(p), "%s/type", dir);
	CHECK_INT(fileio_read(p, &text, &len), 0);
	CHECK_STR(text, "drift-repaired\n");
	free(text);
	st = notify_status_load(dir);
	CHECK(st && json_object_object_get_ex(st, "targets", &t));
	CHECK(json_object_object_get_ex(t, "hook 10-save", &h) && json_object_object_get_ex(h, "last_delivery", &f) && f);
	CHECK(json_object_object_get_ex(t, "hook 20-fail", &h) && json_object_object_get_ex(h, "last_failure", &f));
	CHECK_STR(get_str(f, "error"), "exit status 3");
	CHECK(json_object_object_get_ex(t, "hook 30-hang", &h) && json_object_object_get_ex(h, "last_failure", &f));
	CHECK_STR(get_str(f, "error"), "killed after 1 s");
	CHECK_STR(get_str(f, "event"), "drift-repaired");
	json_object_put(st);
	free(body);
	unlink(p);
	snprintf(p, sizeof(p), "%s/got", dir);
	unlink(p);
	unit_tmpdir_remove(hooks);
	snprintf(p, sizeof(p), "%s/.notify.json.tmp", dir);
	unlink(p);
	unit_tmpdir_remove(dir);
}

int main(void)
{
	RUN(test_event_json_each_type);
	RUN(test_event_details);
	RUN(test_time);
	RUN(test_hmac);
	RUN(test_hooks_rules);
	RUN(test_urls);
	RUN(test_conf);
	RUN(test_peer_transition);
	RUN(test_hook_delivery);
	UNIT_DONE();
}
