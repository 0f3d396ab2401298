/* `wgf watch`: keeps this host's exit groups on healthy members (README "Exit
 * groups"). Each round probes every member in use (its latest handshake on
 * this host's interface to it, and an echo through that interface to its
 * tunnel address and to the group's target), decides with exit_select, points
 * each table's default routes at the member chosen (or a blackhole/throw),
 * journals every switch and writes <state-dir>/exits.json for `wgf status`. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "model/model.h"
#include "reconcile/kernel/kernel.h"
#include "render/exits.h"

struct exit_watch_opts {
	const char *state_dir;
	/* Multiplies every duration of the groups' health (interval, timeout, hold;
	 * tests run a minute's hold in seconds). 1: as the repository says. */
	double time_scale;
	/* Says what happened: each switch, a probe that could not be sent, a
	 * route that could not be set. */
	void (*log)(const char *msg);
	/* Told of each switch it journals (NULL: nobody): the group, its table,
	 * what the table used before and uses now (as in the journal), why. */
	void (*on_switch)(void *ctx, const char *group, uint32_t table, const char *from, const char *to,
			  const char *why);
	void *ctx;
};

struct exit_watch;

/* Watches host h's groups e; m, h and e are borrowed and must outlive it (m
 * may be NULL: the probes' mark is then EXIT_FWMARK_DEFAULT, else the
 * network's fwmark or that). Reads the tables' routes to start from what is
 * in use. 0 or a negative errno. */
int exit_watch_new(struct kernel *k, const struct model *m, const struct model_host *h,
		   const struct render_exits *e, const struct exit_watch_opts *o, struct exit_watch **out);
void exit_watch_free(struct exit_watch *w);
/* After the repository was read again (w new, from the watcher before it): each
 * group of w that from watched too (by name) goes on with from's health of the
 * members both have (and when each was last reset) and its tables' last
 * switches (exit_group_state_carry);
 * the journal entries from holds for the state lock move to w. */
void exit_watch_carry(struct exit_watch *w, struct exit_watch *from);

/* One round at now (monotonic ms; wall: unix ms): the groups whose interval
 * is due. Returns the number of switches made, or a negative errno when the
 * state could not be kept (out of memory); failures to probe or to set a route
 * are logged and retried next round. */
int exit_watch_round(struct exit_watch *w, int64_t now, int64_t wall);
/* ms until the next group is due (at least 1). */
int64_t exit_watch_next(const struct exit_watch *w, int64_t now);
