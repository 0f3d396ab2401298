/* exits.json (reconcile/host/exit_state.h): watch's groups written as JSON read
 * back the same; monotonic times become unix ms; a stale file is told apart;
 * anything but what watch writes is refused. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reconcile/host/exit_state.h"
#include "reconcile/host/fileio.h"
#include "tests/unit/tmpdir.h"
#include "tests/unit/unit.h"

static char group_name[] = "eu";
static struct model_exit_group grp;
static struct exit_member_use members[2];
static struct exit_table tables[2];
static struct exit_group_use use;

static void group(struct exit_group_state *st)
{
	grp = (struct model_exit_group){ .meta = { .name = group_name }, .strategy = EXIT_STRATEGY_ROUND_ROBIN,
					 .all_down = EXIT_ALL_DOWN_DIRECT };
	grp.health = (struct model_exit_health){ .interval_ms = 500, .timeout_ms = 500, .failures = 3,
						 .successes = 3, .hold_ms = 60000, .handshake_max = 180 };
	members[0] = (struct exit_member_use){ .name = "fra", .ifname = "wgx-fra", .priority = 10 };
	members[1] = (struct exit_member_use){ .name = "ams", .ifname = "wgx-ams", .priority = 20 };
	tables[0] = (struct exit_table){ 52010, 0 };
	tables[1] = (struct exit_table){ 52011, 1 };
	use = (struct exit_group_use){ .group = &grp, .members = members, .n_members = 2, .tables = tables,
				       .n_tables = 2 };
	if (exit_group_state_init(st, &use) < 0)
		abort();
}

static void test_from_select_and_round_trip(void)
{
	struct exit_group_state st;
	struct exit_state s, back;
	struct wgf_error err = {0};
	struct exit_route r = { EXIT_ROUTE_MEMBER, 0 }, bh = { EXIT_ROUTE_THROW, 0 };
	char *text, *again;

	group(&st);
	st.members[1].up = false;
	st.members[1].since = 5000;            /* monotonic: 5 s */
	snprintf(st.members[1].why, sizeof(st.members[1].why), "no reply from 10.0.0.3 through wgx-ams");
	st.members[0].has_rtt = true;
	st.members[0].rtt_ms = 12.3456;
	st.members[0].handshake_age_s = 25;
	exit_select_set_route(&st, 0, &r);
	exit_select_set_route(&st, 1, &bh);
	st.tables[1].switched_at = 6000;
	CHECK_INT(exit_state_from_select("hub", &st, 1, 10000, 1796106600000LL, &s), 0);
	CHECK_STR(s.host, "hub");
	CHECK_INT(s.interval_ms, 500);
	CHECK_INT(s.updated_ms, 1796106600000LL);
	CHECK_STR(s.groups[0].strategy, "round-robin");
	CHECK_STR(s.groups[0].when_all_down, "direct");
	CHECK_INT(s.groups[0].members[0].since_ms, 0);                       /* from the start */
	CHECK_INT(s.groups[0].members[1].since_ms, 1796106600000LL - 5000);  /* 5 s before now */
	CHECK_STR(s.groups[0].members[1].why, "no reply from 10.0.0.3 through wgx-ams");
	CHECK(s.groups[0].members[0].why == NULL);
	CHECK_STR(s.groups[0].tables[0].slot, "fra");
	CHECK_STR(s.groups[0].tables[0].member, "fra");
	CHECK_INT(s.groups[0].tables[1].route, EXIT_ROUTE_THROW);
	CHECK_INT(s.groups[0].tables[1].switched_ms, 1796106600000LL - 4000);
	text = exit_state_format(&s);
	CHECK(text != NULL);
	CHECK(strstr(text, "\"latency_ms\": 12.346") != NULL || strstr(text, "\"latency_ms\":12.346") != NULL);
	CHECK_INT(exit_state_parse(text, strlen(text), &back, &err), 0);
	again = exit_state_format(&back);
	CHECK_STR(again, text);                 /* a fixed point */
	CHECK(exit_state_fresh(&back, 1796106600000LL + 1500));
	CHECK(!exit_state_fresh(&back, 1796106600000LL + 1501));   /* 3 intervals of 500 ms */
	free(text);
	free(again);
	exit_state_clear(&s);
	exit_state_clear(&back);
	exit_group_state_clear(&st);
}

static void test_refused(void)
{
	static const char *const bad[] = {
		"", "[]", "{}", "{\"groups\": []}",                          /* no times */
		"{\"updated_ms\": 1, \"interval_ms\": 0, \"groups\": []}",   /* interval 0 */
		"{\"updated_ms\": -5, \"interval_ms\": 1000, \"groups\": []}",
		"{\"updated_ms\": 1, \"interval_ms\": 1000, \"groups\": [{\"name\": \"g\", \"members\": [], "
		"\"tables\": [{\"table\": 52000, \"route\": \"member\"}]}]}",           /* member without name */
		"{\"updated_ms\": 1, \"interval_ms\": 1000, \"groups\": [{\"name\": \"g\", \"members\": [], "
		"\"tables\": [{\"table\": 52000, \"route\": \"sideways\"}]}]}",
		"{\"updated_ms\": 1, \"interval_ms\": 1000, \"groups\": [{\"name\": \"g\", \"members\": "
		"[{\"name\": \"a\", \"up\": \"yes\"}], \"tables\": []}]}",
		"{\"updated_ms\": 1, \"interval_ms\": 1000, \"groups\": [{\"name\": \"g\", \"members\": "
		"[{\"name\": \"a\", \"up\": true, \"latency_ms\": -1}], \"tables\": []}]}",
		"{\"updated_ms\": 1, \"interval_ms\": 1000, \"groups\": [{\"name\": \"g\", \"members\": "
		"[{\"name\": \"a\", \"up\": true, \"latency_ms\": 1e17}], \"tables\": []}]}",   /* above a day */
		"{\"updated_ms\": 1, \"interval_ms\": 1000, \"groups\": [{\"name\": \"g\", \"members\": [], "
		"\"tables\": [{\"table\": 0, \"route\": \"blackhole\"}]}]}",
		"{\"updated_ms\": 1, \"interval_ms\": 1000, \"groups\": []} trailing",
	};
	struct exit_state s;
	struct wgf_error err = {0};
	const char *ok = "{\"updated_ms\": 1, \"interval_ms\": 1000, \"groups\": [{\"name\": \"g\", \"members\": "
			 "[{\"name\": \"a\", \"up\": false}], \"tables\": [{\"table\": 52000, \"route\": "
			 "\"blackhole\"}]}]}";

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(exit_state_parse(bad[i], strlen(bad[i]), &s, &err), -EBADMSG);
		CHECK(s.n_groups == 0 && s.groups == NULL);
		wgf_error_clear(&err);
	}
	CHECK_INT(exit_state_parse(ok, strlen(ok), &s, &err), 0);
	CHECK_INT(s.groups[0].members[0].handshake_age_s, -1);
	CHECK(!s.groups[0].members[0].has_latency);
	exit_state_clear(&s);
}

static void test_save_load(void)
{
	char dir[UNIT_TMPDIR_LEN], path[128], victim[128];
	struct exit_group_state st;
	struct exit_state s, back;
	struct wgf_error err = {0};
	struct stat sb;

	unit_tmpdir_make(dir, "exit-state");
	CHECK_INT(exit_state_load(dir, &back, &err), -ENOENT);
	wgf_error_clear(&err);
	group(&st);
	CHECK_INT(exit_state_from_select("hub", &st, 1, 0, 1000, &s), 0);
	CHECK_INT(exit_state_save(dir, &s), 0);
	snprintf(path, sizeof(path), "%s/%s", dir, EXIT_STATE_FILE);
	CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0644);
	CHECK_INT(exit_state_load(dir, &back, &err), 0);
	CHECK_INT(back.n_groups, 1);
	CHECK_INT(back.groups[0].n_members, 2);
	CHECK(back.groups[0].members[0].up);
	exit_state_clear(&back);
	/* a link planted in its place is replaced, never followed */
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	CHECK_INT(fileio_write(victim, "keep\n", 5, 0600), 0);
	CHECK_INT(unlink(path), 0);
	CHECK_INT(symlink(victim, path), 0);
	CHECK_INT(exit_state_save(dir, &s), 0);
	CHECK(lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) && (sb.st_mode & 0777) == 0644);
	CHECK(stat(victim, &sb) == 0 && sb.st_size == 5);
	CHECK_INT(unlink(victim), 0);
	exit_state_clear(&s);
	exit_group_state_clear(&st);
	unit_tmpdir_remove(dir);
}

int main(void)
{
	RUN(test_from_select_and_round_trip);
	RUN(test_refused);
	RUN(test_save_load);
	UNIT_DONE();
}
