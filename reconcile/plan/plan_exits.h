/* The exit groups a plan's host routes through, for the printers: members,
 * tables and, from the observed state, the member each table uses now. Not a
 * change: which member is in use is `wgf watch`'s choice (README "Exit groups"). */
#pragma once
#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

#include "model/hoststate.h"

struct render_exits;

struct plan_exit_member {
	char *host;
	char ifname[IFNAMSIZ];
	int32_t priority;
};

struct plan_exit_table {
	uint32_t table;
	char *slot;                    /* round-robin: the member whose peers it carries; NULL: the group's */
	bool observed;                 /* the table has a default route now */
	enum hs_route_type type;       /* observed */
	char in_use[IFNAMSIZ];         /* observed unicast: the member's interface */
};

struct plan_exit_group {
	char *name;
	const char *strategy;          /* static: exit_strategy_name */
	const char *all_down;          /* static: exit_all_down_name */
	struct plan_exit_member *members;
	size_t n_members;
	struct plan_exit_table *tables;
	size_t n_tables;
};

struct plan_exit_groups {
	struct plan_exit_group *v;
	size_t n;
};

/* From ex, with each table's observed default route (IPv4 first) in observed
 * (may be NULL). 0 or -ENOMEM (then *out is empty). */
int plan_exit_groups_make(const struct render_exits *ex, const struct host_state *observed,
			  struct plan_exit_groups *out);
void plan_exit_groups_clear(struct plan_exit_groups *g);
/* The member name of an observed table's interface, or NULL. */
const char *plan_exit_table_member(const struct plan_exit_group *g, const struct plan_exit_table *t);
