/* The reachability diff of a change: every flow whose verdict differs between the
 * model at base and at head, decided by the evaluator behind `wgf test`
 * (fw_evaluate). Pure: no I/O, no clock (now is passed in).
 *
 * The universe of flows, per address family:
 *   sources       every Host and active Peer (its first tunnel address), and cells
 *                 of every LAN behind them (below); the internet, toward forwards;
 *   destinations  the same principals and LAN cells, and the internet: one address
 *                 outside every pool and LAN, plus each public prefix a policy names;
 *                 each port forward (its public address and first port), from the
 *                 internet;
 *   services      tcp and udp at both ends of every port range a policy rule
 *                 names, the same for a port no rule names ("other"), and icmp.
 * A LAN cell is one address of the LAN for each prefix a policy selector or a
 * lan-only access list names inside it, and one address outside all of those.
 *
 * Endpoints whose verdicts cannot differ are evaluated once: an endpoint's key
 * holds, at base and at head, what the evaluator looks at (kind, network, tenant,
 * role or access level and its LAN list, hubs, which label selectors and which
 * named prefixes hold its address; its name when a policy names it, it is a hub
 * or it forwards). Endpoints with equal keys form a group; one member of each
 * group stands for all. 50,000 peers in a handful of tenants and access levels
 * are a handful of groups. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"

enum reach_kind {
	REACH_TUNNEL,                  /* a Host's or Peer's tunnel address */
	REACH_LAN,                     /* an address in a LAN behind a Host or Peer */
	REACH_INTERNET,                /* outside every pool and LAN */
	REACH_FORWARD,                 /* a port forward's public address and port */
};
extern const char *const reach_kind_names[];

#define REACH_OPENED       0x1     /* no path at base, a path at head */
#define REACH_CROSS_TENANT 0x2     /* opened into a tenant the source is not in */
#define REACH_INTERNET_PATH 0x4    /* opened to or from the internet */

/* One group of endpoints (its first member stands for the rest). */
struct reach_end {
	enum reach_kind kind;
	char *label;                   /* "peer alice", "3 peers of tenant acme (vpn-only, hub core): a, b, c" */
	char addr[PREFIX_STRLEN];      /* the address evaluated */
	uint8_t family;
	size_t n_members;
	const char *tenant;            /* borrowed from a model; NULL: none */
};

struct reach_flow {
	size_t src, dst;               /* into reach_diff.ends */
	char *services;                /* "tcp/22, tcp/443" */
	bool before, after;            /* accepted at base, at head */
	char *why_before, *why_after;  /* what decided each */
	struct wgf_loc loc;            /* where the deciding rule of the verdict that changed was
					  written (borrowed from a model); line 0 when implicit */
	bool loc_at_base;              /* loc is in the base's files (the rule is gone at head) */
	const char *host;              /* the host that decides at head (or base), borrowed */
	bool both_families;            /* the same flow holds for IPv4 and IPv6 */
	unsigned flags;                /* REACH_* */
};

struct reach_diff {
	struct reach_end *ends;
	size_t n_ends;
	struct reach_flow *flows;      /* by source, destination, service */
	size_t n_flows;
	size_t n_endpoints;            /* before grouping */
	size_t n_services;
	size_t n_evaluations;          /* fw_evaluate calls */
	size_t n_opened, n_closed, n_flagged;
};

/* base NULL: compared with nothing (every path of head is opened). Returns 0 or a
 * negative errno; *out borrows names and locations from both models (free it first). */
int reach_diff_compute(const struct model *base, const struct model *head, int64_t now, struct reach_diff *out);
/* The same with every endpoint its own group: what the grouping must agree with
 * (tests; slow on a big fleet). */
int reach_diff_compute_each(const struct model *base, const struct model *head, int64_t now, struct reach_diff *out);
void reach_diff_clear(struct reach_diff *d);
