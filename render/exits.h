/* The exit groups a host sends traffic through (README "Exit groups"): the
 * tunnels to their members, the routing tables and what `wgf watch` switches.
 * Render builds the host's desired state from it; watch probes the members and
 * points each table's default route at the member in use. Pure. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>

#include "model/model.h"

/* wgf's routing tables for exit groups: EXIT_TABLE_BASE + a stable number per
 * (group, slot) on the host. */
#define EXIT_TABLE_BASE 52000u
#define EXIT_TABLE_MAX  52999u
/* The fwmark of a host's own tunnel packets when it sends its own traffic
 * through an exit (wg-quick's pair of rules): the network's fwmark, else this. */
#define EXIT_FWMARK_DEFAULT 51820u

struct exit_member_use {
	size_t host;                   /* index into model.hosts (role exit) */
	const char *name;              /* the member's host name (the model's) */
	char ifname[IFNAMSIZ];         /* this host's tunnel to it (the member's exit_ifname) */
	int32_t priority;
	/* probe targets: the member's first tunnel address of each family */
	bool has_probe4, has_probe6;
	struct wgf_prefix probe4, probe6;
};

/* One routing table of a group on this host: its default routes (0.0.0.0/0,
 * ::/0) go out of the member in use, or are a blackhole/throw when none is. */
struct exit_table {
	uint32_t table;
	/* round-robin: the member (index into members) whose share of peers the
	 * table carries while it is healthy; SIZE_MAX: the group's only table */
	size_t slot;
};

struct exit_group_use {
	const struct model_exit_group *group;   /* the model's */
	size_t group_index;                     /* into model.exit_groups */
	struct exit_member_use *members;        /* the group's order */
	size_t n_members;
	struct exit_table *tables;
	size_t n_tables;
};

struct render_exits {
	struct exit_group_use *groups; /* sorted by group name */
	size_t n_groups;
};

/* The groups h routes through, for its own traffic or its peers'. 0 or -ENOMEM;
 * *out is empty when h uses none. */
int render_exits(const struct model *m, const struct model_host *h, struct render_exits *out);
void render_exits_clear(struct render_exits *e);
/* A round-robin group: the member (index into u->members) a peer's traffic goes
 * to while that member is healthy (rendezvous hashing on the peer's name, so a
 * member joining or leaving moves only its share). */
size_t exit_rr_member(const struct exit_group_use *u, const char *peer_name);
/* The table of u for a round-robin slot (a member index), or its only table
 * (slot SIZE_MAX, or any slot of a group with one table). */
const struct exit_table *exit_group_table(const struct exit_group_use *u, size_t slot);
/* Offline, every member healthy: the member of group g a flow of peer_name
 * leaves through (index into model.hosts), or MODEL_NONE when only measurement
 * decides (latency). */
size_t exit_group_choice(const struct model *m, const struct model_exit_group *g, const char *peer_name);
