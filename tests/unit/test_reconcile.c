/* The reconcile loop's pure parts: the host config (reconcile.conf), wgf's
 * known_hosts, the SSH URL's host, the loop's state file and the backoff. */
#include <errno.h>
#include <json-c/json.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/host/gitfetch.h"
#include "reconcile/host/hostconf.h"
#include "reconcile/host/known_hosts.h"
#include "reconcile/host/loopstate.h"
#include "tests/unit/unit.h"

static int conf(struct hostconf *c, const char *text, struct wgf_error *err)
{
	hostconf_init(c);
	return hostconf_parse(c, text, strlen(text), "reconcile.conf", err);
}

static void test_hostconf_defaults_and_keys(void)
{
	struct wgf_error err = {0};
	struct hostconf c;

	CHECK_INT(conf(&c, "", &err), 0);
	CHECK(c.remote == NULL);
	CHECK_STR(c.ref, "main");
	CHECK_INT(c.verify, HOSTCONF_VERIFY_COMMIT);
	CHECK_STR(c.allowed_signers, "/etc/wgf/allowed_signers");
	CHECK_STR(c.ssh_key, "/etc/wgf/deploy_key");
	CHECK_STR(c.known_hosts, "/etc/wgf/known_hosts");
	CHECK_INT(c.fetch_timeout, 60);
	CHECK_INT(c.interval, 300);
	CHECK_INT(c.backoff_max, 3600);
	hostconf_clear(&c);

	CHECK_INT(conf(&c, "# a host\n\nremote = ssh://git@git.example.org:2222/net.git\n"
		       "  ref=refs/tags/prod  \r\nverify = tag\nfetch-timeout = 5\ninterval=10\n"
		       "backoff-max = 86400\nstate-dir = /srv/wgf\nhost = hub\ntoken-file = /etc/wgf/token",
		       &err), 0);
	CHECK_STR(c.remote, "ssh://git@git.example.org:2222/net.git");
	CHECK_STR(c.ref, "refs/tags/prod");
	CHECK_INT(c.verify, HOSTCONF_VERIFY_TAG);
	CHECK_INT(c.fetch_timeout, 5);
	CHECK_INT(c.interval, 10);
	CHECK_INT(c.backoff_max, 86400);
	CHECK_STR(c.state_dir, "/srv/wgf");
	CHECK_STR(c.host, "hub");
	CHECK_STR(c.token_file, "/etc/wgf/token");
	/* a user name is not a secret; a colon in the path or the port is not a password */
	CHECK_INT(hostconf_set(&c, "remote", "https://deploy@git.example.org:8443/a:b.git", &err), 0);
	CHECK_INT(hostconf_set(&c, "remote", "ssh://git@[fd00::1]:22/net.git", &err), 0);
	CHECK_INT(hostconf_set(&c, "remote", "git@github.com:org/net.git", &err), 0);
	/* a flag overrides the file */
	CHECK_INT(hostconf_set(&c, "verify", "off", &err), 0);
	CHECK_INT(c.verify, HOSTCONF_VERIFY_OFF);
	CHECK_STR(hostconf_verify_name(c.verify), "off");
	hostconf_clear(&c);
	CHECK(!wgf_error_is_set(&err));
}

static void test_hostconf_errors_say_where(void)
{
	static const struct { const char *text, *msg; } cases[] = {
		{ "remote = x\nbogus = 1\n", "reconcile.conf:2:1: unknown setting \"bogus\"" },
		{ "verify = maybe", "reconcile.conf:1:10: verify must be commit, tag or off, not \"maybe\"" },
		{ "\n\n  interval = 0", "reconcile.conf:3:14: interval takes whole seconds from 1 to 2592000 (30 days), not \"0\"" },
		{ "fetch-timeout = 5s", "reconcile.conf:1:17: fetch-timeout takes whole seconds from 1 to 2592000 (30 days), not \"5s\"" },
		{ "backoff-max = 99999999999999999999", "reconcile.conf:1:15: backoff-max takes whole seconds from 1 to 2592000 (30 days), not \"99999999999999999999\"" },
		{ "remote ssh://x", "reconcile.conf:1:1: expected \"key = value\"" },
		{ "remote =", "reconcile.conf:1:9: remote needs a value" },
		{ "remote = https://deploy:s3cret@git.example.org/net.git", "reconcile.conf:1:10: remote holds a password, "
		  "which would be shown in messages, status and the journal: put it in a file named by token-file" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct wgf_error err = {0};
		struct hostconf c;

		CHECK_INT(conf(&c, cases[i].text, &err), -EBADMSG);
		CHECK_STR(wgf_error_message(&err), cases[i].msg);
		wgf_error_clear(&err);
		hostconf_clear(&c);
	}
	{
		struct wgf_error err = {0};
		struct hostconf c;
		char nul[] = "remote = a\0b\n";

		hostconf_init(&c);
		CHECK_INT(hostconf_parse(&c, nul, sizeof(nul) - 1, "f", &err), -EBADMSG);
		CHECK_STR(wgf_error_message(&err), "f:1:1: a NUL byte");
		wgf_error_clear(&err);
		hostconf_clear(&c);
	}
}

static void test_full_ref(void)
{
	char *r = hostconf_full_ref("main");

	CHECK_STR(r, "refs/heads/main");
	free(r);
	r = hostconf_full_ref("refs/tags/v1");
	CHECK_STR(r, "refs/tags/v1");
	free(r);
	r = hostconf_full_ref("HEAD");
	CHECK_STR(r, "HEAD");
	free(r);
}

static void test_ssh_host_of_url(void)
{
	static const struct { const char *url, *host; unsigned port; bool ok; } cases[] = {
		{ "ssh://git@example.org/net.git", "example.org", 0, true },
		{ "ssh://git@10.0.0.1:2222/srv/net.git", "10.0.0.1", 2222, true },
		{ "ssh://[fd00::1]:22/net.git", "fd00::1", 22, true },
		{ "git+ssh://host/x", "host", 0, true },
		{ "git@github.com:org/net.git", "github.com", 0, true },
		{ "https://example.org/net.git", NULL, 0, false },
		{ "file:///srv/net.git", NULL, 0, false },
		{ "/srv/net.git", NULL, 0, false },
		{ "ssh://@/x", NULL, 0, false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char host[64];
		unsigned port = 99;
		bool ok = gitfetch_ssh_host(cases[i].url, host, sizeof(host), &port);

		CHECK_INT(ok, cases[i].ok);
		if (ok && cases[i].ok) {
			CHECK_STR(host, cases[i].host);
			CHECK_INT(port, cases[i].port);
		}
	}
}

/* A made-up wire-encoded key: string "ssh-ed25519", string 32 bytes. */
static size_t fake_key(uint8_t *blob, uint8_t fill)
{
	static const char type[] = "ssh-ed25519";
	size_t n = 0;

	blob[n++] = 0; blob[n++] = 0; blob[n++] = 0; blob[n++] = sizeof(type) - 1;
	memcpy(blob + n, type, sizeof(type) - 1);
	n += sizeof(type) - 1;
	blob[n++] = 0; blob[n++] = 0; blob[n++] = 0; blob[n++] = 32;
	memset(blob + n, fill, 32);
	return n + 32;
}

static void test_known_hosts(void)
{
	uint8_t a[64], b[64];
	size_t na = fake_key(a, 0xaa), nb = fake_key(b, 0xbb);
	char *la = known_hosts_line("git.example.org", 2222, a, na), *lb = known_hosts_line("10.0.0.1", 22, b, nb);
	char *text = NULL, fp[KNOWN_HOSTS_FINGERPRINT_LEN];

	CHECK(la && !strncmp(la, "[git.example.org]:2222 ssh-ed25519 AAAA", 39));
	CHECK(lb && !strncmp(lb, "10.0.0.1 ssh-ed25519 AAAA", 25));
	if (!la || !lb || asprintf(&text, "# wgf's pinned keys\n%s|1|c2FsdA==|aGFzaA== ssh-ed25519 x\n%s", la, lb) < 0)
		goto out;
	CHECK_INT(known_hosts_check(text, strlen(text), "git.example.org", 2222, a, na), 0);
	/* the same host on port 22 is another name */
	CHECK_INT(known_hosts_check(text, strlen(text), "git.example.org", 22, a, na), -ENOENT);
	CHECK_INT(known_hosts_check(text, strlen(text), "git.example.org", 2222, b, nb), -EKEYREJECTED);
	CHECK_INT(known_hosts_check(text, strlen(text), "10.0.0.1", 0, b, nb), 0);
	CHECK_INT(known_hosts_check(text, strlen(text), "10.0.0.2", 0, b, nb), -ENOENT);
	free(text);
	/* patterns: * and ? only, negation; "[" is literal */
	if (asprintf(&text, "*.example.org,!bad.example.org %s", strchr(la, ' ') + 1) < 0)
		goto out;
	CHECK_INT(known_hosts_check(text, strlen(text), "git.example.org", 0, a, na), 0);
	CHECK_INT(known_hosts_check(text, strlen(text), "bad.example.org", 0, a, na), -ENOENT);
	CHECK_INT(known_hosts_check(text, strlen(text), "example.org", 0, a, na), -ENOENT);
	free(text);
	if (asprintf(&text, "[1?.0.0.1]:2222 %s", strchr(lb, ' ') + 1) < 0)
		goto out;
	CHECK_INT(known_hosts_check(text, strlen(text), "10.0.0.1", 2222, b, nb), 0);
	CHECK_INT(known_hosts_check(text, strlen(text), "1", 2222, b, nb), -ENOENT);
	free(text);
	/* many stars cost time linear in the name, not exponential */
	if (asprintf(&text, "%s,*?*.*.*org,g*t*.*x*ample.o*g %s", "****************************************z",
		     strchr(la, ' ') + 1) < 0)
		goto out;
	CHECK_INT(known_hosts_check(text, strlen(text), "git.example.org", 0, a, na), 0);
	CHECK_INT(known_hosts_check(text, strlen(text), "git.example.net", 0, a, na), -ENOENT);
	free(text);
	/* a revoked key is refused whatever else lists it */
	if (asprintf(&text, "%s@revoked * %s", la, strchr(la, ' ') + 1) < 0)
		goto out;
	CHECK_INT(known_hosts_check(text, strlen(text), "git.example.org", 2222, a, na), -EKEYREVOKED);
	free(text);
	text = NULL;
	/* @cert-authority lines and garbage never match */
	CHECK_INT(known_hosts_check("@cert-authority * ssh-ed25519 AAAA\n\n#\n x\nhost\nhost t !!!\n", 54,
				    "host", 0, a, na), -ENOENT);
	known_hosts_fingerprint(a, na, fp);
	CHECK(!strncmp(fp, "SHA256:", 7) && strlen(fp) == 50);
out:
	free(text);
	free(la);
	free(lb);
}

static void test_loopstate_round_trip(void)
{
	struct loopstate ls = {0}, back;
	struct wgf_error err = {0};
	struct json_object *o;
	const char *text;

	ls.remote = strdup("ssh://git@h/net.git");
	ls.ref = strdup("main");
	ls.verify = strdup("commit");
	ls.last_attempt = (struct loop_run){ strdup("1111111111111111111111111111111111111111"), 1764570600,
					     LOOP_REFUSED, strdup("not signed"), NULL, NULL };
	ls.last_applied = (struct loop_run){ strdup("2222222222222222222222222222222222222222"), 1764570000,
					     LOOP_APPLIED, NULL, strdup("alice@example.org"), strdup("SHA256:abc") };
	ls.consecutive_failures = 2;
	ls.next_attempt = 1764571200;
	ls.suspended = true;
	ls.suspended_by = strdup("ops");
	ls.suspended_at = 1764570700;
	ls.suspended_reason = strdup("maintenance \"window\"");
	o = loopstate_to_json(&ls);
	text = json_object_to_json_string(o);
	CHECK(strstr(text, "\"2025-12-01T06:30:00Z\"") != NULL);
	CHECK_INT(loopstate_parse(text, strlen(text), &back, &err), 0);
	CHECK_STR(back.remote, ls.remote);
	CHECK_STR(back.last_attempt.revision, ls.last_attempt.revision);
	CHECK_INT(back.last_attempt.time, 1764570600);
	CHECK_INT(back.last_attempt.outcome, LOOP_REFUSED);
	CHECK_STR(back.last_attempt.reason, "not signed");
	CHECK(back.last_attempt.principal == NULL);
	CHECK_STR(back.last_applied.principal, "alice@example.org");
	CHECK_STR(back.last_applied.fingerprint, "SHA256:abc");
	CHECK_INT(back.last_applied.outcome, LOOP_APPLIED);
	CHECK_INT(back.consecutive_failures, 2);
	CHECK_INT(back.next_attempt, 1764571200);
	CHECK(back.suspended);
	CHECK_STR(back.suspended_by, "ops");
	CHECK_INT(back.suspended_at, 1764570700);
	CHECK_STR(back.suspended_reason, "maintenance \"window\"");
	json_object_put(o);
	loopstate_clear(&back);
	loopstate_clear(&ls);
}

static void test_loopstate_damaged(void)
{
	static const char *const bad[] = {
		"", "[]", "{\"remote\": 1}", "{\"next_attempt\": \"yesterday\"}",
		"{\"next_attempt\": \"2026-13-01T00:00:00Z\"}", "{\"consecutive_failures\": -1}",
		"{\"consecutive_failures\": \"2\"}", "{\"last_attempt\": {\"outcome\": \"great\"}}",
		"{\"last_applied\": []}", "{\"suspended\": true}", "{\"last_attempt\": {\"signer\": \"x\"}}",
		"{} {}", "{\"remote\": \"a\"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct wgf_error err = {0};
		struct loopstate ls;

		CHECK_INT(loopstate_parse(bad[i], strlen(bad[i]), &ls, &err), -EBADMSG);
		CHECK(ls.remote == NULL);
		wgf_error_clear(&err);
	}
	{
		struct loopstate ls;

		CHECK_INT(loopstate_parse("{}", 2, &ls, NULL), 0);
		CHECK_INT(ls.last_attempt.outcome, LOOP_NONE);
		CHECK(!ls.suspended);
		loopstate_clear(&ls);
	}
}

static void test_backoff(void)
{
	CHECK_INT(loopstate_backoff(0, 300, 3600), 0);
	CHECK_INT(loopstate_backoff(1, 300, 3600), 300);
	CHECK_INT(loopstate_backoff(2, 300, 3600), 600);
	CHECK_INT(loopstate_backoff(4, 300, 3600), 2400);
	CHECK_INT(loopstate_backoff(5, 300, 3600), 3600);
	CHECK_INT(loopstate_backoff(4000000000u, 300, 3600), 3600);
	CHECK_INT(loopstate_backoff(3, 2592000, 2592000), 2592000);
	CHECK(loop_outcome_failed(LOOP_REFUSED) && loop_outcome_failed(LOOP_FETCH_FAILED) &&
	      !loop_outcome_failed(LOOP_NO_CHANGES) && !loop_outcome_failed(LOOP_APPLIED));
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	RUN(test_hostconf_defaults_and_keys);
	RUN(test_hostconf_errors_say_where);
	RUN(test_full_ref);
	RUN(test_ssh_host_of_url);
	RUN(test_known_hosts);
	RUN(test_loopstate_round_trip);
	RUN(test_loopstate_damaged);
	RUN(test_backoff);
	UNIT_DONE();
}
