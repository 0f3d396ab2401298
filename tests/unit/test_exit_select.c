/* Exit-group decisions (reconcile/host/exit_select.h): the health state
 * machine of each member, and the member each table uses under the three
 * strategies, from hand-built groups and probe rounds with the time passed in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/host/exit_select.h"
#include "tests/unit/unit.h"

#define SEC 1000
#define HOLD (60 * SEC)

static char group_name[] = "us";
static struct model_exit_group grp;
static struct exit_member_use members[4];
static struct exit_table tables[4];
static struct exit_group_use use;
static struct exit_group_state st;
static struct exit_probe probes[4];

static const char *const names[] = { "a-east", "b-west", "c-north", "d-south" };

/* A group of n members (priorities 10, 20, …) with the defaults of the YAML. */
static void group(enum exit_strategy s, size_t n)
{
	exit_group_state_clear(&st);
	memset(&grp, 0, sizeof(grp));
	memset(members, 0, sizeof(members));
	memset(tables, 0, sizeof(tables));
	grp.meta.name = group_name;
	grp.strategy = s;
	grp.health = (struct model_exit_health){ .interval_ms = SEC, .timeout_ms = SEC, .failures = 3, .successes = 3,
						 .hold_ms = HOLD, .handshake_max = 180, .latency_margin_ms = 10 };
	for (size_t i = 0; i < n; i++) {
		members[i].host = i;
		members[i].name = names[i];
		snprintf(members[i].ifname, sizeof(members[i].ifname), "wgx-%s", names[i]);
		members[i].priority = (int32_t)(10 * (i + 1));
	}
	use = (struct exit_group_use){ .group = &grp, .members = members, .n_members = n, .tables = tables };
	if (s == EXIT_STRATEGY_ROUND_ROBIN) {
		for (size_t i = 0; i < n; i++)
			tables[i] = (struct exit_table){ .table = 52000 + (uint32_t)i, .slot = i };
		use.n_tables = n;
	} else {
		tables[0] = (struct exit_table){ .table = 52000, .slot = SIZE_MAX };
		use.n_tables = 1;
	}
	if (exit_group_state_init(&st, &use) < 0)
		abort();
	for (size_t i = 0; i < 4; i++)
		probes[i] = (struct exit_probe){ .answered = true, .rtt_us = 20000, .handshake_age_s = 5 };
}

static void member_alive(size_t m, bool alive)
{
	probes[m].answered = alive;
	snprintf(probes[m].why, sizeof(probes[m].why), alive ? "" : "no reply from %s", names[m]);
}

/* One round at now: observe, decide; returns the number of switches, the last into *d. */
static size_t tick(int64_t now, struct exit_decision *d)
{
	struct exit_decision out[4];
	size_t n;

	exit_select_observe(&st, probes, now);
	n = exit_select_decide(&st, now, out);
	if (n && d)
		*d = out[n - 1];
	return n;
}

static bool uses(size_t table, size_t m)
{
	return st.tables[table].route.kind == EXIT_ROUTE_MEMBER && st.tables[table].route.member == m;
}

static void set_member(size_t table, size_t m)
{
	struct exit_route r = { EXIT_ROUTE_MEMBER, m };

	exit_select_set_route(&st, table, &r);
}

static void test_health_failures_and_successes(void)
{
	int64_t t = 0;

	group(EXIT_STRATEGY_PRIORITY, 2);
	CHECK(st.members[0].up);
	CHECK(st.members[0].since == EXIT_SINCE_START);
	member_alive(0, false);
	tick(t += SEC, NULL);
	tick(t += SEC, NULL);
	CHECK(st.members[0].up);                /* two misses: still up */
	CHECK_INT(st.members[0].fails, 2);
	tick(t += SEC, NULL);
	CHECK(!st.members[0].up);               /* the third */
	CHECK_INT(st.members[0].since, 3 * SEC);
	CHECK(strstr(st.members[0].why, "no reply from a-east") != NULL);
	CHECK(strstr(st.members[0].why, "3 probes in a row") != NULL);
	member_alive(0, true);
	tick(t += SEC, NULL);
	tick(t += SEC, NULL);
	CHECK(!st.members[0].up);
	tick(t += SEC, NULL);
	CHECK(st.members[0].up);                /* three answers */
	CHECK_INT(st.members[0].since, 6 * SEC);
	CHECK_STR(st.members[0].why, "");
	/* a miss between answers starts the count again */
	member_alive(0, false);
	tick(t += SEC, NULL);
	tick(t += SEC, NULL);
	member_alive(0, true);
	tick(t += SEC, NULL);
	member_alive(0, false);
	tick(t += SEC, NULL);
	tick(t += SEC, NULL);
	CHECK(st.members[0].up);
	CHECK_INT(st.members[0].probes, 11);
	CHECK_INT(st.members[0].answered, 4);
}

static void test_health_stale_handshake(void)
{
	group(EXIT_STRATEGY_PRIORITY, 2);
	probes[0].handshake_age_s = 181;        /* answered, but the handshake is too old: down at once */
	tick(SEC, NULL);
	CHECK(!st.members[0].up);
	CHECK(strstr(st.members[0].why, "181 s ago") != NULL);
	probes[0].handshake_age_s = 180;        /* not older than handshake: fine */
	tick(2 * SEC, NULL);
	tick(3 * SEC, NULL);
	tick(4 * SEC, NULL);
	CHECK(st.members[0].up);
	probes[0].handshake_age_s = -1;         /* unknown: the probe decides */
	tick(5 * SEC, NULL);
	CHECK(st.members[0].up);
	CHECK_INT(st.members[0].handshake_age_s, -1);
}

static void test_health_rtt_average(void)
{
	group(EXIT_STRATEGY_LATENCY, 1);
	probes[0].rtt_us = 10000;
	tick(SEC, NULL);
	CHECK(st.members[0].has_rtt);
	CHECK(st.members[0].rtt_ms > 9.99 && st.members[0].rtt_ms < 10.01);
	probes[0].rtt_us = 20000;
	tick(2 * SEC, NULL);
	CHECK(st.members[0].rtt_ms > 12.99 && st.members[0].rtt_ms < 13.01);   /* 0.3·20 + 0.7·10 */
	CHECK_INT(st.members[0].last_rtt_us, 20000);
	member_alive(0, false);                 /* a miss leaves the average alone */
	tick(3 * SEC, NULL);
	CHECK(st.members[0].rtt_ms > 12.99 && st.members[0].rtt_ms < 13.01);
}

static void test_priority_first_route(void)
{
	struct exit_decision d;

	group(EXIT_STRATEGY_PRIORITY, 3);
	CHECK_INT(tick(SEC, &d), 1);
	CHECK(uses(0, 0));
	CHECK_INT(d.from.kind, EXIT_ROUTE_NONE);
	CHECK_INT(d.to.kind, EXIT_ROUTE_MEMBER);
	CHECK_STR(d.why, "no route yet");
	CHECK_INT(st.tables[0].switched_at, EXIT_SINCE_START);   /* a first route is no switch */
	CHECK_INT(tick(2 * SEC, &d), 0);
	/* a table found on the second member (watch restarted while the first
	 * was down) stays there: the first is taken back only once it has been
	 * up for hold, counted from the first round */
	group(EXIT_STRATEGY_PRIORITY, 3);
	set_member(0, 1);
	for (int64_t t = SEC; t < SEC + HOLD; t += SEC) {
		CHECK_INT(tick(t, &d), 0);
		CHECK(uses(0, 1));
	}
	CHECK_INT(tick(SEC + HOLD, &d), 1);
	CHECK(uses(0, 0));
	CHECK(strstr(d.why, "a-east (priority 10) comes before b-west (priority 20)") != NULL);
}

static void test_priority_failover_and_hold(void)
{
	struct exit_decision d;
	int64_t t = 0, up_at;

	group(EXIT_STRATEGY_PRIORITY, 3);
	tick(t += SEC, NULL);
	CHECK(uses(0, 0));
	member_alive(0, false);
	CHECK_INT(tick(t += SEC, NULL), 0);
	CHECK_INT(tick(t += SEC, NULL), 0);
	CHECK_INT(tick(t += SEC, &d), 1);       /* the third miss: to the next member */
	CHECK(uses(0, 1));
	CHECK_INT(d.from.member, 0);
	CHECK_INT(d.to.member, 1);
	CHECK(strstr(d.why, "a-east is down: no reply from a-east (3 probes in a row)") != NULL);
	member_alive(0, true);
	tick(t += SEC, NULL);
	tick(t += SEC, NULL);
	tick(t += SEC, NULL);
	CHECK(st.members[0].up);
	up_at = t;
	/* up again, but not taken back before hold */
	while (t < up_at + HOLD - SEC) {
		CHECK_INT(tick(t += SEC, NULL), 0);
		CHECK(uses(0, 1));
	}
	CHECK_INT(tick(t += SEC, &d), 1);
	CHECK_INT(t - up_at, HOLD);
	CHECK(uses(0, 0));
	CHECK(strstr(d.why, "has been up for 60000 ms") != NULL);
}

static void test_priority_second_fails_while_first_holds(void)
{
	int64_t t = 0;

	group(EXIT_STRATEGY_PRIORITY, 3);
	tick(t += SEC, NULL);
	t += HOLD;                              /* every member has been up for hold */
	member_alive(0, false);
	for (int i = 0; i < 3; i++)
		tick(t += SEC, NULL);
	CHECK(uses(0, 1));
	member_alive(0, true);
	for (int i = 0; i < 3; i++)
		tick(t += SEC, NULL);
	/* a-east is up but holding; b-west fails: c-north has been up all along, so it wins */
	member_alive(1, false);
	for (int i = 0; i < 3; i++)
		tick(t += SEC, NULL);
	CHECK(uses(0, 2));
	/* with c-north down too, a member still holding is better than nothing */
	member_alive(2, false);
	for (int i = 0; i < 3; i++)
		tick(t += SEC, NULL);
	CHECK(uses(0, 0));
}

static void test_all_down_blackhole_and_back(void)
{
	struct exit_decision d;
	int64_t t = 0;

	group(EXIT_STRATEGY_PRIORITY, 2);
	tick(t += SEC, NULL);
	member_alive(0, false);
	member_alive(1, false);
	for (int i = 0; i < 2; i++)
		CHECK_INT(tick(t += SEC, NULL), 0);
	CHECK_INT(tick(t += SEC, &d), 1);
	CHECK_INT(st.tables[0].route.kind, EXIT_ROUTE_BLACKHOLE);
	CHECK_STR(d.why, "every member is down (whenAllDown: blackhole)");
	member_alive(1, true);                  /* the second comes back first: taken at once */
	tick(t += SEC, NULL);
	tick(t += SEC, NULL);
	CHECK_INT(st.tables[0].route.kind, EXIT_ROUTE_BLACKHOLE);
	CHECK_INT(tick(t += SEC, &d), 1);
	CHECK(uses(0, 1));
	CHECK_STR(d.why, "a member is up again");
}

static void test_all_down_direct(void)
{
	struct exit_decision d;
	char buf[EXIT_WHY_LEN];

	group(EXIT_STRATEGY_LATENCY, 1);
	grp.all_down = EXIT_ALL_DOWN_DIRECT;
	member_alive(0, false);
	tick(SEC, &d);                          /* first route: the member, still up */
	tick(2 * SEC, NULL);
	CHECK_INT(tick(3 * SEC, &d), 1);
	CHECK_INT(st.tables[0].route.kind, EXIT_ROUTE_THROW);
	CHECK_STR(exit_route_describe(&use, &d.to, buf), "throw (direct)");
	CHECK_STR(exit_route_describe(&use, &d.from, buf), "a-east");
	CHECK_STR(d.why, "every member is down (whenAllDown: direct)");
}

/* A deterministic 20% loss: xorshift, seeded. */
static uint32_t rng = 2463534242u;
static bool lost(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng % 100 < 20;
}

static void test_priority_flapping_under_loss(void)
{
	const int64_t hours = 2, end = hours * 3600 * SEC;
	size_t switches = 0, to_a = 0, downs = 0;
	int64_t t = 0, a_up_since = EXIT_SINCE_START;
	bool was_up = true;

	group(EXIT_STRATEGY_PRIORITY, 2);
	while (t < end) {
		struct exit_decision d;
		size_t n;

		member_alive(0, !lost());
		n = tick(t += SEC, &d);
		if (was_up && !st.members[0].up)
			downs++;
		if (!was_up && st.members[0].up)
			a_up_since = t;
		was_up = st.members[0].up;
		if (!n || d.from.kind == EXIT_ROUTE_NONE)
			continue;
		switches++;
		if (uses(0, 0)) {
			to_a++;
			/* taken back only once it was up for hold */
			CHECK(a_up_since != EXIT_SINCE_START && t - a_up_since >= HOLD);
		}
	}
	/* the loss did take it down (else this proves nothing), and not every
	 * down is a switch back and forth: at most two switches per hold */
	CHECK(downs >= 5);
	CHECK(to_a >= 1);
	CHECK(switches <= (size_t)(2 * (end / HOLD)));
	CHECK(switches <= 2 * downs);
	fprintf(stderr, "# 20%% loss for %lld h: a-east went down %zu times, %zu switches (%zu back)\n",
		(long long)hours, downs, switches, to_a);
}

static void test_latency_picks_faster_with_margin(void)
{
	struct exit_decision d;
	int64_t t = 0;

	group(EXIT_STRATEGY_LATENCY, 2);
	probes[0].rtt_us = 40000;
	probes[1].rtt_us = 20000;
	CHECK_INT(tick(t += SEC, &d), 1);       /* first route: the faster */
	CHECK(uses(0, 1));
	/* a-east gets faster, but not by the margin */
	probes[0].rtt_us = 12000;
	for (int i = 0; i < 30; i++)
		CHECK_INT(tick(t += SEC, NULL), 0);
	CHECK(uses(0, 1));
	/* by more than the margin: switch, once a-east has been up for hold from
	 * the first round (the first route was no switch: no hold from it) */
	probes[0].rtt_us = 5000;
	while (!uses(0, 0) && t < 100 * SEC)
		tick(t += SEC, &d);
	CHECK(uses(0, 0));
	CHECK_INT(t, SEC + HOLD);
	CHECK(strstr(d.why, "a-east answers in") != NULL);
	CHECK(strstr(d.why, "latencyMargin 10 ms") != NULL);
	CHECK_INT(st.tables[0].switched_at, t);
}

static void test_latency_no_switch_within_hold(void)
{
	int64_t t = 0, last = 0;
	size_t switches = 0;

	group(EXIT_STRATEGY_LATENCY, 2);
	tick(t += SEC, NULL);
	/* the delays swap every 5 s: switches at most once per hold */
	for (int i = 0; i < 600; i++) {
		bool swap = (i / 5) % 2;
		probes[0].rtt_us = swap ? 5000 : 80000;
		probes[1].rtt_us = swap ? 80000 : 5000;
		if (tick(t += SEC, NULL)) {
			CHECK(switches == 0 || t - last >= HOLD);
			last = t;
			switches++;
		}
	}
	CHECK(switches >= 2);
	CHECK(switches <= 600 * SEC / HOLD + 1);
}

static void test_latency_down_member_left_at_once(void)
{
	struct exit_decision d;
	int64_t t = 0;

	group(EXIT_STRATEGY_LATENCY, 2);
	probes[0].rtt_us = 5000;
	probes[1].rtt_us = 50000;
	tick(t += SEC, NULL);
	CHECK(uses(0, 0));
	member_alive(0, false);
	tick(t += SEC, NULL);
	tick(t += SEC, NULL);
	CHECK_INT(tick(t += SEC, &d), 1);       /* no hold for a member that is down */
	CHECK(uses(0, 1));
}

static void test_rr_fallback_order(void)
{
	size_t order[4], again[4], n, seen;

	group(EXIT_STRATEGY_ROUND_ROBIN, 4);
	for (size_t s = 0; s < 4; s++) {
		n = exit_rr_fallback_order(&use, s, order);
		CHECK_INT(n, 3);
		seen = 0;
		for (size_t i = 0; i < n; i++) {
			CHECK(order[i] != s);
			seen |= (size_t)1 << order[i];
		}
		CHECK_INT(seen, 0xf & ~((size_t)1 << s));
		CHECK_INT(exit_rr_fallback_order(&use, s, again), 3);
		CHECK(!memcmp(order, again, sizeof(order[0]) * 3));   /* stable */
	}
	/* a member leaving does not reorder the others (rendezvous) */
	n = exit_rr_fallback_order(&use, 0, order);
	use.n_members = 3;
	if (order[0] != 3 && order[1] != 3) {
		CHECK_INT(exit_rr_fallback_order(&use, 0, again), 2);
		CHECK_INT(again[0], order[0]);
	}
	use.n_members = 4;
}

static void test_rr_slot_moves_and_comes_back(void)
{
	struct exit_decision d;
	size_t order[3];
	int64_t t = 0, up_at;

	group(EXIT_STRATEGY_ROUND_ROBIN, 3);
	CHECK_INT(tick(t += SEC, NULL), 3);     /* each table to its own member */
	for (size_t i = 0; i < 3; i++)
		CHECK(uses(i, i));
	exit_rr_fallback_order(&use, 1, order);
	member_alive(1, false);
	tick(t += SEC, NULL);
	tick(t += SEC, NULL);
	CHECK_INT(tick(t += SEC, &d), 1);       /* only slot 1's table moves */
	CHECK_INT(d.table, 1);
	CHECK(uses(1, order[0]));
	CHECK(uses(0, 0));
	CHECK(uses(2, 2));
	/* the stand-in that is not in use fails: nothing moves */
	member_alive(order[1], false);
	for (int i = 0; i < 3; i++)
		tick(t += SEC, NULL);
	CHECK(uses(1, order[0]));
	member_alive(order[1], true);
	for (int i = 0; i < 3; i++)
		tick(t += SEC, NULL);
	member_alive(1, true);
	for (int i = 0; i < 3; i++)
		tick(t += SEC, NULL);
	up_at = t;
	while (t < up_at + HOLD - SEC) {
		tick(t += SEC, NULL);
		CHECK(uses(1, order[0]));
	}
	CHECK_INT(tick(t += SEC, &d), 1);       /* back after hold */
	CHECK(uses(1, 1));
	CHECK(strstr(d.why, "this table's own member") != NULL);
}

static void test_rr_stand_in_fails(void)
{
	size_t order[3];
	int64_t t = 0;

	group(EXIT_STRATEGY_ROUND_ROBIN, 3);
	tick(t += SEC, NULL);
	exit_rr_fallback_order(&use, 0, order);
	member_alive(0, false);
	for (int i = 0; i < 3; i++)
		tick(t += SEC, NULL);
	CHECK(uses(0, order[0]));
	member_alive(order[0], false);
	for (int i = 0; i < 3; i++)
		tick(t += SEC, NULL);
	CHECK(uses(0, order[1]));
	member_alive(order[1], false);
	for (int i = 0; i < 3; i++)
		tick(t += SEC, NULL);
	for (size_t i = 0; i < 3; i++)
		CHECK_INT(st.tables[i].route.kind, EXIT_ROUTE_BLACKHOLE);
	/* the own member coming back is taken at once from a blackhole */
	member_alive(0, true);
	for (int i = 0; i < 3; i++)
		tick(t += SEC, NULL);
	CHECK(uses(0, 0));
	CHECK(uses(1, 0));
	CHECK(uses(2, 0));
}

static void test_set_route_bounds(void)
{
	struct exit_route bad = { EXIT_ROUTE_MEMBER, 7 }, bh = { EXIT_ROUTE_BLACKHOLE, 0 };

	group(EXIT_STRATEGY_PRIORITY, 2);
	exit_select_set_route(&st, 0, &bad);    /* no such member: ignored */
	CHECK_INT(st.tables[0].route.kind, EXIT_ROUTE_NONE);
	exit_select_set_route(&st, 5, &bh);     /* no such table: ignored */
	exit_select_set_route(&st, 0, &bh);
	CHECK_INT(st.tables[0].route.kind, EXIT_ROUTE_BLACKHOLE);
	CHECK_STR(exit_route_kind_name(EXIT_ROUTE_THROW), "throw");
	CHECK_STR(exit_route_kind_name((enum exit_route_kind)42), "?");
}

/* The repository read again: members kept (by name, in another order) go on
 * with their health and the table with its last switch; a new member starts
 * afresh (up, but not taken before a hold from its own first round). */
static void test_carry_over_reload(void)
{
	static char d_name[] = "d-south";
	struct exit_member_use m2[3];
	struct exit_table t2 = { 52000, SIZE_MAX };
	struct exit_group_use u2;
	struct exit_group_state s2;
	struct exit_route r = { EXIT_ROUTE_MEMBER, 2 };
	struct exit_decision d;
	int64_t t = 0, up_at, switched, reload;
	double rtt;

	group(EXIT_STRATEGY_PRIORITY, 3);
	tick(t += SEC, NULL);
	member_alive(0, false);
	for (int i = 0; i < 3; i++)
		tick(t += SEC, NULL);
	CHECK(uses(0, 1));
	switched = st.tables[0].switched_at;
	member_alive(0, true);
	for (int i = 0; i < 3; i++)
		tick(t += SEC, NULL);
	up_at = st.members[0].since;
	CHECK_INT(up_at, t);
	rtt = st.members[1].rtt_ms;
	for (int i = 0; i < 30; i++)
		tick(t += SEC, NULL);
	/* the new repository: d-south first (priority 5), then a-east, b-west; c-north gone */
	m2[0] = members[0];
	m2[0].name = d_name;
	m2[0].priority = 5;
	m2[1] = members[0];
	m2[2] = members[1];
	u2 = (struct exit_group_use){ .group = &grp, .members = m2, .n_members = 3, .tables = &t2, .n_tables = 1 };
	CHECK_INT(exit_group_state_init(&s2, &u2), 0);
	r.member = 2;                          /* the kernel's route: b-west */
	exit_select_set_route(&s2, 0, &r);
	exit_group_state_carry(&s2, &st);
	CHECK_INT(s2.members[1].since, up_at);
	CHECK(s2.members[1].up && s2.members[2].up);
	CHECK(s2.members[2].has_rtt && s2.members[2].rtt_ms == rtt);
	CHECK_INT(s2.members[2].probes, st.members[1].probes);
	CHECK_INT(s2.members[0].since, EXIT_SINCE_START);
	CHECK_INT(s2.members[0].first, EXIT_SINCE_START);
	CHECK_INT(s2.members[0].probes, 0);
	CHECK_INT(s2.tables[0].switched_at, switched);
	CHECK(s2.tables[0].route.kind == EXIT_ROUTE_MEMBER && s2.tables[0].route.member == 2);
	exit_group_state_clear(&st);
	st = s2;
	reload = t + SEC;
	/* a-east is taken back a hold after it came up, not a hold after the reload */
	while (t < up_at + HOLD - SEC)
		CHECK_INT(tick(t += SEC, NULL), 0);
	CHECK_INT(tick(t += SEC, &d), 1);
	CHECK(uses(0, 1));
	/* d-south, new, only a hold after its own first round */
	while (t < reload + HOLD - SEC)
		CHECK_INT(tick(t += SEC, NULL), 0);
	CHECK_INT(tick(t += SEC, &d), 1);
	CHECK(uses(0, 0));
	exit_group_state_clear(&st);
}

int main(void)
{
	RUN(test_health_failures_and_successes);
	RUN(test_health_stale_handshake);
	RUN(test_health_rtt_average);
	RUN(test_priority_first_route);
	RUN(test_priority_failover_and_hold);
	RUN(test_priority_second_fails_while_first_holds);
	RUN(test_all_down_blackhole_and_back);
	RUN(test_all_down_direct);
	RUN(test_priority_flapping_under_loss);
	RUN(test_latency_picks_faster_with_margin);
	RUN(test_latency_no_switch_within_hold);
	RUN(test_latency_down_member_left_at_once);
	RUN(test_rr_fallback_order);
	RUN(test_rr_slot_moves_and_comes_back);
	RUN(test_rr_stand_in_fails);
	RUN(test_set_route_bounds);
	RUN(test_carry_over_reload);
	exit_group_state_clear(&st);
	UNIT_DONE();
}
