/* An attached host's hubs as `wgf watch` sees them: each probed every interval
 * through the host's interface, down after `failures` misses in a row, up after
 * `successes` answers. When one goes down or comes back, watch applies the
 * repository again: the plan's own probe (hub_probe.h) then puts the network
 * on the first hub that answers and carries the other routers' LANs through
 * hubs that do, so a hub failover happens within seconds instead of at the
 * next reconcile run. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"

struct kernel;

struct hub_watch_opts {
	uint32_t interval_ms, timeout_ms;
	unsigned failures, successes;
	void (*log)(const char *msg);  /* each hub going down or up */
};

/* The settings: an ExitGroup's health defaults (README "Failover of attached hosts"). */
#define HUB_WATCH_INTERVAL_MS 1000
#define HUB_WATCH_TIMEOUT_MS 1000
#define HUB_WATCH_FAILURES 3
#define HUB_WATCH_SUCCESSES 3

struct hub_slot {
	size_t host;                   /* the hub: index into model.hosts */
	bool probe;                    /* it has a tunnel address of a family h has */
	struct wgf_prefix addr;
	unsigned misses, answers;      /* in a row */
	bool down;
};

struct hub_watch {
	struct kernel *k;
	const struct model *m;
	const struct model_host *h;
	struct hub_watch_opts o;
	struct hub_slot *slots;        /* one per hub of h, in h's order */
	size_t n;
	bool *down;                    /* per model host: the hubs that are down */
	bool pending;                  /* a hub went down or came back since the last apply */
	int64_t next;                  /* monotonic ms of the next round */
};

/* Watches h's hubs; *out is NULL when h has fewer than two (nothing to fail
 * over to). Every hub counts as up until its probes say otherwise. 0 or -ENOMEM. */
int hub_watch_new(struct kernel *k, const struct model *m, const struct model_host *h,
		  const struct hub_watch_opts *o, struct hub_watch **out);

/* Counts one round's answers (answered[i] for slots[i]; a slot without probe
 * is left alone), says each change through o.log and marks it pending. Pure. */
void hub_watch_update(struct hub_watch *hw, const bool *answered);

/* The hub that should carry the network now: the first hub of h that is up,
 * else h's first hub (render_serving_hub). */
size_t hub_watch_serving(const struct hub_watch *hw);

/* One round if due at now (monotonic ms): probes every hub at once and
 * updates. 1: a change is pending (apply, then hub_watch_applied), 0: none,
 * or the device is not up yet; -ENOMEM. */
int hub_watch_round(struct hub_watch *hw, int64_t now);

/* An apply made after the changes so far succeeded: nothing is pending. */
void hub_watch_applied(struct hub_watch *hw);

/* Milliseconds from now to the next round (0: due). */
int64_t hub_watch_next(const struct hub_watch *hw, int64_t now);

/* Keeps what from knew of the hubs still h's (a reload). */
void hub_watch_carry(struct hub_watch *hw, const struct hub_watch *from);

void hub_watch_free(struct hub_watch *hw);
