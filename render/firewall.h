/* Access control compiled from the model. Pure: no I/O, no clock, no root.
 *
 * Every host of a network enforces the same ordered decision on traffic that
 * enters it from a tunnel (forward and input hooks, iif = the WireGuard
 * interface); established/related traffic passes first:
 *
 *   1. Policy rules, in (priority, name, position) order: first match wins.
 *   2. Access levels: each source address belongs to a peer or host (its tunnel
 *      addresses and lans) with a level and a scope (its tenant, or the shared,
 *      untenanted part of the network). The level says which destinations of the
 *      scope it reaches: full = the scope's tunnel space, its hosts' and peers'
 *      LANs, and the internet on an exit host; vpn-only = the scope's tunnel
 *      space; lan-only = the named LAN prefixes; internet-only = the internet on
 *      an exit host and DNS (tcp, udp 53) at DNS servers that are its exits'
 *      tunnel addresses; custom = nothing. Hosts are full.
 *      A tenant that is not isolated also reaches and is reached by the shared scope.
 *      Before the levels, traffic to an internet-only peer's addresses is dropped:
 *      only policy rules reach it (its hub still sends to it: wgf filters what
 *      comes out of a tunnel, not a host's own output).
 *   3. Default drop.
 *
 * Per host: port forwards (DNAT from a public address, masquerade toward the
 * tunnel so replies come back), masquerade toward a router's LANs when asked,
 * and masquerade toward the internet on an exit.
 *
 * The nft table is rendered with sets and verdict maps: its number of rules
 * depends on policy rules, tenants and distinct lan-only choices, never on the
 * number of peers. The source maps (address -> class chain) hold each class's
 * addresses aggregated into the fewest prefixes that cover exactly them (never an
 * address of nobody, of a custom principal or of another class), so their size
 * depends on the address layout and the number of classes, not on the peers.
 *
 * The readable items (hs_firewall.items, shown in plans) name the tenants, the
 * policy rules, the host's forwards and masquerade, and access:
 *   - on a network of at most 256 principals (hosts and active peers): one
 *     "access/host|peer/NAME" item per principal, on every host;
 *   - on a larger one: such an item for the host itself, each host it peers with
 *     directly and each peer attached to it (the principals whose traffic it sees
 *     first-hand), and one "access/class/SCOPE/LEVEL" item per class (custom: one
 *     per scope) with its number of hosts and peers and its first prefixes.
 * So a change of one peer's access level shows by name on its hubs, and as a
 * change of the class items (counts, prefixes) on every other host, which
 * enforces it too; a branch router of a fleet has a handful of items, not one
 * per peer.
 */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "model/diag.h"
#include "model/hoststate.h"
#include "model/model.h"

struct fw_network;   /* one network's compiled policy (opaque) */

#define FW_DNS_PORT 53       /* internet-only peers may ask DNS servers on their exits (tcp, udp) */

/* Compiles network `network` of m. Peers disabled or expired at `now` are left
 * out (as they are of WireGuard). Returns 0 and *out, or a negative errno. */
int fw_compile(const struct model *m, size_t network, int64_t now, struct fw_network **out);
void fw_network_free(struct fw_network *fw);

/* Compiled networks for rendering many hosts of one or more models (plan --all):
 * compiled on first use, kept by (model, network, now). Zero-initialize; the
 * models must stay unchanged and alive until fw_cache_clear. */
struct fw_cache_entry;
struct fw_cache {
	struct fw_cache_entry *v;
	size_t n;
};
/* *out is owned by the cache. */
int fw_cache_get(struct fw_cache *c, const struct model *m, size_t network, int64_t now,
		 const struct fw_network **out);
void fw_cache_clear(struct fw_cache *c);

/* Fills *out (present = true, body, items) for host h of the compiled network:
 * the table body to put inside `table inet wgf { … }` and the readable summary.
 * out must be zeroed or cleared; on failure it is left cleared. */
int fw_render_host(const struct fw_network *fw, const struct model_host *h, struct hs_firewall *out);

/* One connection attempt. src and dst are host prefixes of one family. */
struct fw_query {
	struct wgf_prefix src, dst;
	unsigned proto;                /* one FW_PROTO_* bit */
	uint16_t port;                 /* destination port for tcp/udp */
};

struct fw_decision {
	bool accept;
	char *why;                     /* "policy staff-nas rule 2", "access level vpn-only of peer bob (tunnel addresses of tenant acme)",
	                                  "forward minecraft on host vps", "default drop: …" (owned) */
	struct wgf_loc loc;            /* where the deciding rule was written; line 0 when implicit */
	const char *host;              /* the host that decides (borrowed from the model), or NULL */
	/* internet traffic it accepts: the exit host it leaves through (borrowed
	 * from the model; NULL: not known offline, a latency group's choice), and
	 * the exit group it goes through (NULL: none) */
	const char *exit_host;
	const char *exit_group;
	bool forwarded;                /* a port forward applied: target is where it went */
	struct wgf_prefix target;
	uint16_t target_port;
};

/* Decides q the way the rendered tables do on the data plane. Returns 0 and *out
 * (clear it with fw_decision_clear), -EINVAL with a reason in out->why when the
 * path crosses no wgf tunnel (e.g. a host talking to the internet), or -ENOMEM. */
int fw_evaluate(const struct fw_network *fw, const struct fw_query *q, struct fw_decision *out);
void fw_decision_clear(struct fw_decision *d);

/* What the access of Peer `peer` (model index) lets it reach, before any drop
 * rule: its level's destinations in its scope plus every prefix a policy rule
 * accepts from it (any port). The AllowedIPs its device routes into the tunnel. */
struct fw_reach {
	struct wgf_prefix *p;          /* aggregated (prefix_aggregate) */
	size_t n;
	bool internet;                 /* the level or a rule reaches beyond the network */
};
/* Returns 0 and *out (free out->p), -ENOENT when the peer is not active, -ENOMEM. */
int fw_peer_reach(const struct fw_network *fw, size_t peer, struct fw_reach *out);
