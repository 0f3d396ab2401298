/* Which member of an exit group each of its routing tables uses (`wgf watch`,
 * README "Exit groups"): per member a health state machine fed with probe
 * results, per table the member in use by the group's strategy, and the
 * switches that follow. Pure: no clock (now is passed in, in ms), no I/O. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "render/exits.h"

/* A member's "since" when it has been in its state from the start (watch
 * began with it): a hold counts from the first round. */
#define EXIT_SINCE_START INT64_MIN
/* The weight of a new round-trip time in the running average (latency). */
#define EXIT_RTT_EWMA_ALPHA 0.3
#define EXIT_WHY_LEN 160

/* One probe round of one member. */
struct exit_probe {
	bool answered;                 /* the tunnel address (and target, when given) replied */
	uint32_t rtt_us;               /* answered: the tunnel address's round trip */
	int64_t handshake_age_s;       /* < 0: no handshake ever */
	char why[EXIT_WHY_LEN];        /* !answered: what failed ("no reply from 10.8.0.2 within 1000 ms") */
};

struct exit_member_health {
	bool up;                       /* starts up: a member is trusted until it fails */
	uint32_t fails, oks;           /* consecutive failed and answered probes */
	int64_t since;                 /* ms when up last changed; EXIT_SINCE_START */
	int64_t first;                 /* ms of its first round; EXIT_SINCE_START: none yet */
	bool has_rtt;
	double rtt_ms;                 /* running average (EWMA) of answered probes */
	uint32_t last_rtt_us;
	int64_t handshake_age_s;       /* the last probe's; < 0: never */
	uint64_t probes, answered;     /* counts since watch began */
	char why[EXIT_WHY_LEN];        /* down: why it went down */
};

enum exit_route_kind {
	EXIT_ROUTE_NONE = 0,           /* not known yet (no route in the table) */
	EXIT_ROUTE_MEMBER,             /* out of a member's interface */
	EXIT_ROUTE_BLACKHOLE,          /* every member down, whenAllDown: blackhole */
	EXIT_ROUTE_THROW,              /* every member down, whenAllDown: direct */
};
const char *exit_route_kind_name(enum exit_route_kind k);   /* "none", "member", "blackhole", "throw" */

struct exit_route {
	enum exit_route_kind kind;
	size_t member;                 /* kind MEMBER: index into the group's members */
};

struct exit_table_state {
	uint32_t table;
	size_t slot;                   /* as struct exit_table */
	struct exit_route route;       /* in use */
	int64_t switched_at;           /* ms of the last switch; EXIT_SINCE_START: none */
};

struct exit_group_state {
	const struct exit_group_use *use;      /* borrowed: the render_exits it was made from */
	struct exit_member_health *members;    /* use->n_members */
	struct exit_table_state *tables;       /* use->n_tables */
};

/* A switch of one table: from what it used to what it uses now, and why. */
struct exit_decision {
	size_t table;                  /* index into the group's tables */
	struct exit_route from, to;
	char why[2 * EXIT_WHY_LEN];
};

/* Every member up since the start (trusted until it fails, but taken back
 * from a stand-in only once up for hold from the first round), every table's
 * route not known. 0 or -ENOMEM. */
int exit_group_state_init(struct exit_group_state *g, const struct exit_group_use *use);
void exit_group_state_clear(struct exit_group_state *g);
/* After the repository was read again (the same group in g and from): each
 * member of g that from has too (by name) takes its health from there, so a
 * hold, a latency average, a member down go on; each table that from has too
 * (the same number and slot member) its last switch. g's routes stay as they
 * are (read from the kernel: what is in use); a member new to g starts afresh. */
void exit_group_state_carry(struct exit_group_state *g, const struct exit_group_state *from);

/* What the table uses now (as found in the kernel): decisions start from it. */
void exit_select_set_route(struct exit_group_state *g, size_t table, const struct exit_route *r);

/* One probe round: p[i] for member i. A probe counts as answered only with a
 * handshake younger than health.handshake_max; `failures` misses in a row take
 * a member down, `successes` answers bring it back up. A handshake older than
 * handshake_max takes it down at once. */
void exit_select_observe(struct exit_group_state *g, const struct exit_probe *p, int64_t now);

/* The route each table should use now. Writes the tables that change into out
 * (room for use->n_tables), updates the tables' routes, and returns how many.
 * priority: the best member up (lowest priority, then name); a recovered
 * better member only once it has been up for hold. latency: the member up with
 * the lowest average round trip, switching from one that is up only to one
 * better by latency_margin and not within hold of the last switch. round-robin:
 * a slot's own member while up (back to it once up for hold), else the members
 * up in the slot's rendezvous order, sticky while up. Every member down: a
 * blackhole or a throw (whenAllDown). */
size_t exit_select_decide(struct exit_group_state *g, int64_t now, struct exit_decision *out);

/* A round-robin slot's stand-ins: the members in the order slot's table takes
 * them when its own member is down (rendezvous hashing of the slot member's and
 * each candidate's names). order has room for n_members; returns the count
 * (every member but the slot's). */
size_t exit_rr_fallback_order(const struct exit_group_use *u, size_t slot, size_t *order);

/* "us-east" / "blackhole" / "throw (direct)" / "none" into buf (EXIT_WHY_LEN). */
const char *exit_route_describe(const struct exit_group_use *u, const struct exit_route *r, char *buf);
