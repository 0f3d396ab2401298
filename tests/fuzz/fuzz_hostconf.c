/* libFuzzer harness for what the reconcile loop reads besides signatures: the
 * host config (/etc/wgf/reconcile.conf), wgf's known_hosts, and its own state
 * files in the state directory (reconcile.json, converged), which may be
 * damaged. The same input goes to all four.
 *
 * Invariants: the config parses, or says "FILE:LINE:COL: …" with -EBADMSG, and
 * a parsed one has every default filled and sane numbers; a known_hosts lookup
 * returns one of its four answers; a state file reads, or is -EBADMSG, and what
 * reads writes back and reads again the same.
 *
 *   make fuzz O=build-fz
 *   mkdir -p /tmp/c && cp tests/fuzz/corpus/fuzz_hostconf/?* /tmp/c/
 *   build-fz/fuzz/fuzz_hostconf -max_total_time=600 -rss_limit_mb=2048 /tmp/c
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/host/converged.h"
#include "reconcile/host/hostconf.h"
#include "reconcile/host/known_hosts.h"
#include "reconcile/host/loopstate.h"

static void check_hostconf(const uint8_t *data, size_t size)
{
	struct wgf_error err = {0};
	struct hostconf c;
	int r;

	if (hostconf_init(&c) < 0)
		return;
	r = hostconf_parse(&c, (const char *)data, size, "f", &err);
	if (r < 0) {
		if (r != -EBADMSG || !err.msg || strncmp(err.msg, "f:", 2))
			abort();
	} else if (!c.ref || !c.allowed_signers || !c.ssh_key || !c.known_hosts || !c.token_user ||
		   !c.fetch_timeout || !c.interval || !c.backoff_max || c.verify > HOSTCONF_VERIFY_OFF ||
		   c.fetch_timeout > 30 * 86400 || (c.remote && !*c.remote)) {
		abort();
	}
	wgf_error_clear(&err);
	hostconf_clear(&c);
}

static void check_known_hosts(const uint8_t *data, size_t size)
{
	static const uint8_t blob[] = { 0, 0, 0, 11, 's', 's', 'h', '-', 'e', 'd', '2', '5', '5', '1', '9',
					0, 0, 0, 4, 1, 2, 3, 4 };
	int r = known_hosts_check((const char *)data, size, "git.example.org", 2222, blob, sizeof(blob));

	if (r != 0 && r != -ENOENT && r != -EKEYREJECTED && r != -EKEYREVOKED)
		abort();
}

static void check_loopstate(const uint8_t *data, size_t size)
{
	struct loopstate ls, back;
	struct json_object *o;
	const char *text;

	if (loopstate_parse((const char *)data, size, &ls, NULL) < 0)
		return;
	if (!(o = loopstate_to_json(&ls)) || !(text = json_object_to_json_string(o)))
		abort();
	if (loopstate_parse(text, strlen(text), &back, NULL) < 0 ||
	    back.consecutive_failures != ls.consecutive_failures || back.suspended != ls.suspended ||
	    back.last_attempt.outcome != ls.last_attempt.outcome || back.last_success != ls.last_success ||
	    !back.drift != !ls.drift || back.n_drift != ls.n_drift)
		abort();
	for (size_t i = 0; i < ls.n_drift; i++)
		if (strcmp(back.drift[i].kind, ls.drift[i].kind) || back.drift[i].n != ls.drift[i].n)
			abort();
	json_object_put(o);
	loopstate_clear(&back);
	loopstate_clear(&ls);
}

static void check_converged(const uint8_t *data, size_t size)
{
	struct converged c;

	if (converged_parse((const char *)data, size, &c) < 0)
		return;
	if (!c.revision || !c.host || !c.public_key || !c.version || (c.n_ifnames && !c.ifnames))
		abort();
	converged_clear(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_hostconf(data, size);
	check_known_hosts(data, size);
	check_loopstate(data, size);
	check_converged(data, size);
	return 0;
}
