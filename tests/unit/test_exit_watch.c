/* The exit-group watcher (reconcile/host/exit_watch.h) against the fake kernel:
 * a round probes every member at once, the first route goes out of the best
 * member with the host's tunnel address as prefsrc, a member that stops
 * answering is left for the next after `failures` rounds, a failed route
 * change is retried, switches are journaled (also when the state lock was
 * busy: they wait) and exits.json says what watch saw. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reconcile/host/exit_state.h"
#include "reconcile/host/exit_watch.h"
#include "reconcile/host/journal.h"
#include "reconcile/host/statedir.h"
#include "tests/unit/kernel_fake.h"
#include "tests/unit/tmpdir.h"
#include "tests/unit/unit.h"

#define WALL0 1796106600000LL

static char dir[UNIT_TMPDIR_LEN], logbuf[4096], group_name[] = "us", host_name[] = "hub";
static struct model_exit_group grp;
static struct exit_member_use members[2];
static struct exit_table table = { 52000, SIZE_MAX };
static struct exit_group_use use;
static struct render_exits e;
static struct model_host host;
static struct wgf_prefix host_addr;
static struct kernel_fake *f;
static struct exit_watch *w;

static void log_line(const char *msg)
{
	size_t n = strlen(logbuf);

	snprintf(logbuf + n, sizeof(logbuf) - n, "%s\n", msg);
}

static void member(size_t i, const char *name, const char *ifname, const char *addr)
{
	struct hs_device *d = hoststate_add_device(f->hs, ifname);
	struct hs_peer *p = d ? hs_device_add_peer(d) : NULL;

	if (!p)
		abort();
	d->ifindex = f->next_ifindex++;
	p->public_key[0] = (uint8_t)(i + 1);
	p->last_handshake_sec = WALL0 / 1000 - 10;
	members[i] = (struct exit_member_use){ .host = i, .name = name, .priority = (int32_t)(10 * (i + 1)) };
	snprintf(members[i].ifname, sizeof(members[i].ifname), "%s", ifname);
	members[i].has_probe4 = prefix_parse(addr, true, &members[i].probe4);
}

static void setup(void)
{
	struct exit_watch_opts o = { .time_scale = 1, .log = log_line };

	unit_tmpdir_make(dir, "exit-watch");
	if (!(f = kernel_fake_new()))
		abort();
	f->rtt_us = 2500;
	logbuf[0] = '\0';
	o.state_dir = dir;
	grp = (struct model_exit_group){ .meta = { .name = group_name } };
	grp.health = (struct model_exit_health){ .interval_ms = 1000, .timeout_ms = 1000, .failures = 3,
						 .successes = 3, .hold_ms = 60000, .handshake_max = 180 };
	member(0, "a-east", "wgx-a", "10.9.0.2");
	member(1, "b-west", "wgx-b", "10.9.0.3");
	use = (struct exit_group_use){ .group = &grp, .members = members, .n_members = 2, .tables = &table,
				       .n_tables = 1 };
	e = (struct render_exits){ .groups = &use, .n_groups = 1 };
	prefix_parse("10.9.0.1/24", false, &host_addr);
	host = (struct model_host){ .meta = { .name = host_name }, .addresses = &host_addr, .n_addresses = 1 };
	if (exit_watch_new(&f->k, NULL, &host, &e, &o, &w) < 0)
		abort();
}

/* What cmd/watch.c does on SIGHUP: a new watcher that goes on from the old one. */
static void reload(void)
{
	struct exit_watch_opts o = { .time_scale = 1, .log = log_line, .state_dir = dir };
	struct exit_watch *fresh;

	if (exit_watch_new(&f->k, NULL, &host, &e, &o, &fresh) < 0)
		abort();
	exit_watch_carry(fresh, w);
	exit_watch_free(w);
	w = fresh;
}

static void teardown(void)
{
	exit_watch_free(w);
	kernel_fake_free(f);
	unit_tmpdir_remove(dir);
}

static const struct hs_route *table_route(void)
{
	for (size_t i = 0; i < f->hs->n_routes; i++)
		if (f->hs->routes[i].table == 52000 && f->hs->routes[i].dst.len == 0)
			return &f->hs->routes[i];
	return NULL;
}

static bool routed(const char *ifname)
{
	const struct hs_route *r = table_route();

	return r && !strcmp(r->ifname, ifname);
}

static size_t switches_journaled(void)
{
	struct journal j;
	size_t n = 0;

	if (journal_read(dir, 0, &j, NULL) < 0)
		return SIZE_MAX;
	for (size_t i = 0; i < j.n; i++)
		n += !strcmp(j.entries[i].result, JOURNAL_EXIT_SWITCHED);
	journal_clear(&j);
	return n;
}

static int round_at(int64_t t)
{
	return exit_watch_round(w, t, WALL0 + t);
}

static void test_first_route_and_failover(void)
{
	const struct hs_route *r;
	struct exit_state s;
	int64_t t = 1000;

	setup();
	CHECK_INT(round_at(t), 1);
	r = table_route();
	CHECK(routed("wgx-a"));
	CHECK(r && r->has_prefsrc && r->type == HS_ROUTE_UNICAST);
	if (r) {
		struct wgf_prefix want;
		prefix_parse("10.9.0.1", true, &want);
		CHECK(prefix_equal(&r->prefsrc, &want));
	}
	CHECK_INT(switches_journaled(), 0);            /* a first route is no switch */
	CHECK_INT(exit_watch_next(w, t), 1000);
	/* a-east stops answering: three rounds */
	prefix_parse("10.9.0.2", true, &f->unreachable[0]);
	f->n_unreachable = 1;
	CHECK_INT(round_at(t += 1000), 0);
	CHECK_INT(round_at(t += 1000), 0);
	CHECK(routed("wgx-a"));
	CHECK_INT(round_at(t += 1000), 1);
	CHECK(routed("wgx-b"));
	CHECK_INT(switches_journaled(), 1);
	{
		struct journal j;

		CHECK_INT(journal_read(dir, 0, &j, NULL), 0);
		CHECK_INT(j.n, 1);
		if (j.n == 1) {
			CHECK_STR(j.entries[0].exit_group, "us");
			CHECK_STR(j.entries[0].exit_from, "a-east");
			CHECK_STR(j.entries[0].exit_to, "b-west");
			CHECK_STR(j.entries[0].host, "hub");
			CHECK_STR(j.entries[0].source, "wgf watch");
			CHECK(strstr(j.entries[0].reason, "a-east is down") != NULL);
		}
		journal_clear(&j);
		CHECK_INT(journal_verify(dir, NULL, NULL), 0);
	}
	CHECK(strstr(logbuf, "exit group us, table 52000: a-east -> b-west: a-east is down: no reply from "
			     "10.9.0.2 through wgx-a within 1000 ms (3 probes in a row)") != NULL);
	CHECK_INT(exit_state_load(dir, &s, NULL), 0);
	CHECK_STR(s.host, "hub");
	CHECK(!s.groups[0].members[0].up);
	CHECK(s.groups[0].members[1].up);
	CHECK(s.groups[0].members[1].has_latency && s.groups[0].members[1].latency_ms == 2.5);
	CHECK_INT(s.groups[0].members[1].handshake_age_s, 10 + 4);
	CHECK_STR(s.groups[0].tables[0].member, "b-west");
	CHECK_INT(s.updated_ms, WALL0 + t);
	exit_state_clear(&s);
	teardown();
}

static int64_t since_of_a(void)
{
	struct exit_state s;
	int64_t v = -1;

	if (exit_state_load(dir, &s, NULL) == 0 && s.n_groups == 1)
		v = s.groups[0].members[0].since_ms;
	exit_state_clear(&s);
	return v;
}

/* The two clocks are sampled a moment apart, so wall - mono wobbles by a
 * millisecond; the times in exits.json must not, but must follow a real step. */
static void test_stored_times_steady_across_clock_jitter(void)
{
	int64_t t = 1000, since;

	setup();
	CHECK_INT(round_at(t), 1);
	prefix_parse("10.9.0.2", true, &f->unreachable[0]);
	f->n_unreachable = 1;
	for (int i = 0; i < 3; i++)
		round_at(t += 1000);
	CHECK(routed("wgx-b"));
	since = since_of_a();
	CHECK(since > 0);
	for (int i = 1; i <= 4; i++) {
		t += 1000;
		CHECK_INT(exit_watch_round(w, t, WALL0 + t + (i % 2 ? 1 : -1)) >= 0, 1);
		CHECK_INT(since_of_a(), since);
	}
	t += 1000;
	exit_watch_round(w, t, WALL0 + t + 3600000);
	CHECK_INT(since_of_a(), since + 3600000);
	teardown();
}

static void test_route_failure_retried_and_journal_waits_for_lock(void)
{
	int64_t t = 1000;
	int lock;

	setup();
	round_at(t);
	prefix_parse("10.9.0.2", true, &f->unreachable[0]);
	f->n_unreachable = 1;
	/* the switch's route change fails: the table stays, the next round tries again */
	kernel_fake_fail(f, KF_ROUTE_REPLACE, 1, -EPERM, "Operation not permitted");
	round_at(t += 1000);
	round_at(t += 1000);
	CHECK_INT(round_at(t += 1000), 0);
	CHECK(routed("wgx-a"));
	CHECK(strstr(logbuf, "setting table 52000's IPv4 default route to wgx-b") != NULL);
	/* reconcile holds the state lock: the switch is made, its journal entry waits */
	lock = statedir_lock(dir, true);
	CHECK(lock >= 0);
	CHECK_INT(round_at(t += 1000), 1);
	CHECK(routed("wgx-b"));
	CHECK_INT(switches_journaled(), 0);
	statedir_unlock(lock);
	CHECK_INT(round_at(t += 1000), 0);
	CHECK_INT(switches_journaled(), 1);
	teardown();
}

static void test_stale_handshake_and_missing_device(void)
{
	int64_t t = 1000;
	struct exit_state s;

	setup();
	round_at(t);
	/* a-east's handshake is older than 180 s: down at once */
	f->hs->devices[0].peers[0].last_handshake_sec = WALL0 / 1000 - 500;
	CHECK_INT(round_at(t += 1000), 1);
	CHECK(routed("wgx-b"));
	CHECK(strstr(logbuf, "latest handshake") != NULL);
	/* b-west's interface goes away: it cannot be probed */
	hoststate_find_device(f->hs, "wgx-b")->ifname[0] = 'X';
	round_at(t += 1000);
	round_at(t += 1000);
	round_at(t += 1000);
	CHECK_INT(exit_state_load(dir, &s, NULL), 0);
	CHECK(!s.groups[0].members[1].up);
	CHECK(s.groups[0].members[1].why && strstr(s.groups[0].members[1].why, "cannot probe 10.9.0.3 through wgx-b"));
	exit_state_clear(&s);
	teardown();
}

static void test_starts_from_the_kernels_route(void)
{
	struct hs_route r = { .table = 52000, .dst = { .family = AF_INET } };
	struct exit_watch_opts o = { .state_dir = NULL, .time_scale = 1, .log = log_line };

	setup();
	/* the table already goes out of b-west (an earlier watch moved it there):
	 * a new watch starts from it and moves no traffic at once; a-east, up
	 * from the start, is taken back once up for hold from the first round */
	snprintf(r.ifname, sizeof(r.ifname), "wgx-b");
	hoststate_add_route(f->hs, &r);
	exit_watch_free(w);
	o.state_dir = dir;
	CHECK_INT(exit_watch_new(&f->k, NULL, &host, &e, &o, &w), 0);
	logbuf[0] = '\0';
	CHECK_INT(round_at(1000), 0);
	CHECK(routed("wgx-b"));
	CHECK_INT(round_at(60000), 0);
	CHECK(routed("wgx-b"));
	CHECK_INT(round_at(61000), 1);
	CHECK(routed("wgx-a"));
	CHECK(strstr(logbuf, "b-west -> a-east: a-east (priority 10) comes before b-west") != NULL);
	CHECK_INT(switches_journaled(), 1);
	teardown();
}

static void test_all_down_blackhole_then_back(void)
{
	const struct hs_route *r;
	int64_t t = 1000;

	setup();
	round_at(t);
	prefix_parse("10.9.0.2", true, &f->unreachable[0]);
	prefix_parse("10.9.0.3", true, &f->unreachable[1]);
	f->n_unreachable = 2;
	for (int i = 0; i < 3; i++)
		round_at(t += 1000);
	r = table_route();
	CHECK(r && r->type == HS_ROUTE_BLACKHOLE && !r->ifname[0] && !r->has_prefsrc);
	CHECK(strstr(logbuf, "a-east -> blackhole: every member is down (whenAllDown: blackhole)") != NULL);
	{
		struct journal j;

		CHECK_INT(journal_read(dir, 0, &j, NULL), 0);
		CHECK(j.n == 1 && !strcmp(j.entries[0].exit_to, "blackhole"));
		journal_clear(&j);
	}
	/* b-west answers again: three answers, and the table leaves the blackhole at once */
	f->n_unreachable = 1;
	for (int i = 0; i < 3; i++)
		round_at(t += 1000);
	CHECK(routed("wgx-b"));
	r = table_route();
	CHECK(r && r->type == HS_ROUTE_UNICAST && r->has_prefsrc);
	CHECK_INT(switches_journaled(), 2);
	/* a watch of the group with whenAllDown: direct: a throw */
	exit_watch_free(w);
	grp.all_down = EXIT_ALL_DOWN_DIRECT;
	CHECK_INT(exit_watch_new(&f->k, NULL, &host, &e, &(struct exit_watch_opts){ .state_dir = dir, .log = log_line },
				 &w), 0);
	f->n_unreachable = 2;
	for (int i = 0; i < 3; i++)
		round_at(t += 1000);
	r = table_route();
	CHECK(r && r->type == HS_ROUTE_THROW);
	teardown();
}

/* wg_set_device calls on ifname since the log was reset. */
static size_t resets(const char *ifname)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n_calls; i++)
		n += f->calls[i].op == KF_WG_SET_DEVICE && !strcmp(f->calls[i].what, ifname) &&
		     f->calls[i].n_peers == 2 && f->calls[i].n_removed == 1 && !f->calls[i].device;
	return n;
}

/* The fake kernel's WireGuard links and their peers (the routes left out). */
static char *links_dump(void)
{
	char *d = kernel_fake_dump(f), *route = d ? strstr(d, "route ") : NULL;

	if (route)
		*route = '\0';
	return d;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* A member that is down and does not answer: its one peer removed and added
 * back as it was (so the next probe starts a fresh handshake), at most every
 * failures * interval, only while it is in use nowhere; logged once. */
static void test_down_member_peer_reset(void)
{
	struct hs_peer *p;
	struct wgf_prefix all;
	char *before, *after;
	int64_t t = 1000;

	setup();
	p = &hoststate_find_device(f->hs, "wgx-a")->peers[0];
	p->keepalive = 25;
	p->has_psk = true;
	memset(p->psk, 7, sizeof(p->psk));
	CHECK(endpoint_parse("192.0.2.2:51820", &p->endpoint));
	prefix_parse("0.0.0.0/0", false, &all);
	CHECK_INT(hs_peer_add_allowed_ip(p, &all), 0);
	p->last_handshake_sec = 0;
	hoststate_find_device(f->hs, "wgx-b")->peers[0].last_handshake_sec = 0;
	before = links_dump();
	CHECK_INT(round_at(t), 1);
	prefix_parse("10.9.0.2", true, &f->unreachable[0]);
	f->n_unreachable = 1;
	kernel_fake_reset_log(f);
	/* two misses: still up, left alone */
	round_at(t += 1000);
	round_at(t += 1000);
	CHECK_INT(resets("wgx-a"), 0);
	/* the third takes it down, but the route cannot move: still in use, left alone */
	kernel_fake_fail(f, KF_ROUTE_REPLACE, 1, -EPERM, "Operation not permitted");
	CHECK_INT(round_at(t += 1000), 0);
	CHECK(routed("wgx-a"));
	CHECK_INT(resets("wgx-a"), 0);
	/* the route moves: reset at once, then not again within 3 s */
	CHECK_INT(round_at(t += 1000), 1);
	CHECK(routed("wgx-b"));
	CHECK_INT(resets("wgx-a"), 1);
	round_at(t += 1000);
	round_at(t += 1000);
	CHECK_INT(resets("wgx-a"), 1);
	round_at(t += 1000);
	CHECK_INT(resets("wgx-a"), 2);
	CHECK_INT(resets("wgx-b"), 0);             /* up and in use: never */
	CHECK_INT(count(logbuf, "re-handshake"), 1);
	CHECK(strstr(logbuf, "exit group us: a-east is down: re-handshake (its peer on wgx-a reset, again every "
			     "3000 ms while it stays down)") != NULL);
	/* a reload (SIGHUP) goes on from the last reset: not again at once, not said twice */
	reload();
	round_at(t += 1000);
	CHECK_INT(resets("wgx-a"), 2);
	CHECK_INT(count(logbuf, "re-handshake"), 1);
	/* the same settings: nothing for a plan to see */
	after = links_dump();
	CHECK(before && after && !strcmp(before, after));
	/* answering again (down until `successes`): no more resets */
	f->n_unreachable = 0;
	for (int i = 0; i < 6; i++)
		round_at(t += 1000);
	CHECK_INT(resets("wgx-a"), 2);
	/* a new outage is logged again */
	f->n_unreachable = 1;
	for (int i = 0; i < 3; i++)
		round_at(t += 1000);
	CHECK_INT(resets("wgx-a"), 3);
	CHECK_INT(count(logbuf, "re-handshake"), 2);
	free(before);
	free(after);
	teardown();
}

int main(void)
{
	RUN(test_first_route_and_failover);
	RUN(test_stored_times_steady_across_clock_jitter);
	RUN(test_route_failure_retried_and_journal_waits_for_lock);
	RUN(test_stale_handshake_and_missing_device);
	RUN(test_starts_from_the_kernels_route);
	RUN(test_all_down_blackhole_then_back);
	RUN(test_down_member_peer_reset);
	UNIT_DONE();
}
