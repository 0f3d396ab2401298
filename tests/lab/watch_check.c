/* watch_check: runs reconcile/host/exit_watch.h on a hand-built exit group
 * (no repository) for tests/lab/test_watch.sh, until SIGTERM or SIGINT.
 *
 *   watch_check STATE_DIR HOST_ADDR TABLE STRATEGY ALL_DOWN SCALE TARGET|- NAME:IFNAME:ADDR...
 *
 * HOST_ADDR is this host's tunnel address (probe source, prefsrc); the members
 * are in priority order; STRATEGY priority|latency|round-robin (round-robin:
 * one table a member, TABLE, TABLE+1, …); ALL_DOWN blackhole|direct; SCALE
 * multiplies the default health durations (1 s interval and timeout, 60 s
 * hold). Switches are logged on stderr as wgf watch logs them. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reconcile/host/exit_watch.h"

#define MAX_MEMBERS 8

static int64_t clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void log_line(const char *msg)
{
	fprintf(stderr, "watch_check: %s\n", msg);
}

static int usage(void)
{
	fprintf(stderr, "usage: watch_check STATE_DIR HOST_ADDR TABLE STRATEGY ALL_DOWN SCALE TARGET|- "
		"NAME:IFNAME:ADDR... (see tests/lab/watch_check.c)\n");
	return 1;
}

static int member_parse(char *arg, struct exit_member_use *m, size_t i)
{
	char *name = strtok(arg, ":"), *ifname = strtok(NULL, ":"), *addr = strtok(NULL, "");
	struct wgf_prefix p;

	if (!name || !ifname || !addr || strlen(ifname) >= IFNAMSIZ || !prefix_parse(addr, true, &p))
		return -1;
	m->host = i;
	m->name = name;
	memcpy(m->ifname, ifname, strlen(ifname) + 1);
	m->priority = (int32_t)(10 * (i + 1));
	m->has_probe4 = p.family == AF_INET;
	m->has_probe6 = p.family == AF_INET6;
	if (p.family == AF_INET)
		m->probe4 = p;
	else
		m->probe6 = p;
	return 0;
}

int main(int argc, char **argv)
{
	static char group_name[] = "lab", host_name[] = "hub";
	struct model_exit_group grp = { .meta = { .name = group_name } };
	struct exit_member_use members[MAX_MEMBERS] = {{0}};
	struct exit_table tables[MAX_MEMBERS] = {{0}};
	struct exit_group_use use = { .group = &grp, .members = members, .tables = tables };
	struct render_exits e = { .groups = &use, .n_groups = 1 };
	struct model_host host = { .meta = { .name = host_name } };
	struct wgf_prefix addr;
	struct exit_watch_opts o = { .log = log_line };
	struct exit_watch *w = NULL;
	struct kernel *k = NULL;
	struct wgf_error err = {0};
	sigset_t sigs;
	uint32_t table;
	int r;

	if (argc < 9 || !prefix_parse(argv[2], true, &addr) || sscanf(argv[3], "%u", &table) != 1)
		return usage();
	o.state_dir = argv[1];
	o.time_scale = strtod(argv[6], NULL);
	host.addresses = &addr;
	host.n_addresses = 1;
	grp.strategy = !strcmp(argv[4], "latency") ? EXIT_STRATEGY_LATENCY :
		       !strcmp(argv[4], "round-robin") ? EXIT_STRATEGY_ROUND_ROBIN : EXIT_STRATEGY_PRIORITY;
	grp.all_down = !strcmp(argv[5], "direct") ? EXIT_ALL_DOWN_DIRECT : EXIT_ALL_DOWN_BLACKHOLE;
	grp.health = (struct model_exit_health){ .interval_ms = 1000, .timeout_ms = 1000, .failures = 3,
						 .successes = 3, .hold_ms = 60000, .handshake_max = 180,
						 .latency_margin_ms = 10 };
	if (strcmp(argv[7], "-")) {
		if (!prefix_parse(argv[7], true, &grp.health.target))
			return usage();
		grp.health.has_target = true;
	}
	for (int i = 8; i < argc && use.n_members < MAX_MEMBERS; i++)
		if (member_parse(argv[i], &members[use.n_members], use.n_members) < 0)
			return usage();
		else
			use.n_members++;
	use.n_tables = grp.strategy == EXIT_STRATEGY_ROUND_ROBIN ? use.n_members : 1;
	for (size_t i = 0; i < use.n_tables; i++)
		tables[i] = (struct exit_table){ table + (uint32_t)i, use.n_tables > 1 ? i : SIZE_MAX };
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	if ((r = kernel_open(&k, &err)) < 0 || (r = exit_watch_new(k, NULL, &host, &e, &o, &w)) < 0) {
		fprintf(stderr, "watch_check: %s\n", strerror(-r));
		kernel_free(k);
		return 2;
	}
	for (;;) {
		int64_t next = exit_watch_next(w, clock_ms(CLOCK_MONOTONIC));
		struct timespec ts = { .tv_sec = next / 1000, .tv_nsec = (next % 1000) * 1000000 };

		if (sigtimedwait(&sigs, NULL, &ts) > 0)
			break;
		if (exit_watch_round(w, clock_ms(CLOCK_MONOTONIC), clock_ms(CLOCK_REALTIME)) < 0)
			break;
	}
	exit_watch_free(w);
	kernel_free(k);
	return 0;
}
