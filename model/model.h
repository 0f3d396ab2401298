/* The typed, validated desired-state model (format wgf/v1).
 *
 * Loaded from every *.yaml / *.yml under a directory, or from a git tree
 * (no checkout) through libgit2. Each file holds one or more documents of
 * the form { apiVersion: wgf/v1, kind: K, metadata: {name, labels}, spec: {...} }.
 * The README's "Desired-state format" section is the user-facing spec.
 *
 * After a successful load the model is immutable and fully validated:
 * every index below is in range, every name is unique per kind and safe as an
 * interface or nft identifier, every address is inside its network's pools
 * and overlaps no other object's.
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>

#include "model/diag.h"
#include "model/key.h"
#include "model/prefix.h"

#define MODEL_API_VERSION "wgf/v1"
#define MODEL_NAME_MAX 63

enum host_role {
	HOST_ROLE_MEMBER = 0,  /* runs wgf, meshes with other hosts, routes nothing */
	HOST_ROLE_HUB,         /* peers connect to it; forwards between them */
	HOST_ROLE_ROUTER,      /* site router: announces LAN prefixes behind it */
	HOST_ROLE_EXIT,        /* a hub that also routes its peers to the internet (masquerade) */
};

#define MODEL_NONE ((size_t)-1)   /* "no index" for optional references */

/* What a peer may reach by itself (policies may add or take away, first match wins). */
enum access_level {
	ACCESS_FULL = 0,       /* its scope's tunnel addresses and LANs, the internet via an exit */
	ACCESS_VPN_ONLY,       /* its scope's tunnel addresses only */
	ACCESS_LAN_ONLY,       /* only the LAN prefixes in access_lans */
	ACCESS_CUSTOM,         /* only what policies allow */
	ACCESS_INTERNET_ONLY,  /* the internet through an exit (and DNS on it), nothing else;
				  nobody reaches it either: only policies open either way */
};

#define FW_PROTO_TCP  0x1
#define FW_PROTO_UDP  0x2
#define FW_PROTO_ICMP 0x4      /* ICMP for IPv4, ICMPv6 for IPv6 */
#define FW_PROTO_ANY  0x7

struct model_port_range {
	uint16_t lo, hi;               /* inclusive; lo <= hi */
};

struct model_label {
	char *key, *value;
};

struct model_meta {
	char *name;
	struct wgf_loc loc;            /* where the document's "kind:" is */
	struct model_label *labels;
	size_t n_labels;
};

/* DNS a device is given (client configs; host-side DNS uses it later): the most
 * specific setting wins whole (Peer, then Tenant, then Network). */
struct model_dns {
	bool set;
	struct wgf_loc loc;
	struct wgf_prefix *servers;    /* single addresses */
	size_t n_servers;
	char **search;                 /* search domains, lower-case, no trailing dot */
	size_t n_search;
	/* Hosts (systemd-resolved): routing-only domains ("~corp.example" in
	 * resolvectl's words), lower-case, no "~", no trailing dot: queries for
	 * names under them go to these servers. Split DNS when any is given. */
	char **routing;
	size_t n_routing;
	/* Hosts: is the link the default DNS route (resolved's DefaultRoute)?
	 * AUTO: resolved decides (yes unless routing domains are given). */
	enum { DNS_DEFAULT_ROUTE_AUTO = 0, DNS_DEFAULT_ROUTE_YES, DNS_DEFAULT_ROUTE_NO } default_route;
};

/* How old a key may get (Peer or Host, then Tenant, then Network). */
struct model_rotation {
	bool set;
	struct wgf_loc loc;
	uint32_t max_age;              /* seconds */
};

/* Where the internet traffic of a Peer, Tenant or Host leaves (README "Exit
 * groups"): "exit: GROUP", "exit: direct" or {group, only | except}. */
struct model_exit_use {
	bool set;
	struct wgf_loc loc;
	size_t group;                  /* index into model.exit_groups; MODEL_NONE: direct */
	struct wgf_prefix *only;       /* only these destinations through the group, the rest directly */
	size_t n_only;
	struct wgf_prefix *except;     /* everything through the group but these */
	size_t n_except;
};

struct model_network {
	struct model_meta meta;
	struct model_dns dns;
	struct model_rotation rotation;
	char ifname[IFNAMSIZ];         /* default "wg0" */
	uint16_t listen_port;          /* default 51820 */
	uint32_t mtu;                  /* default 1420 */
	uint16_t keepalive;            /* host-to-host persistent keepalive, default 0 */
	uint32_t stale_after;          /* health.staleAfter: seconds; 0 = status's default */
	uint32_t fwmark;               /* default 0 */
	bool has_pool4, has_pool6;
	struct wgf_prefix pool4, pool6;    /* network prefixes */
};

/* A port forward on a host: traffic to public:port is sent to target (DNAT), with
 * the host's tunnel address as source (masquerade) so replies come back through it. */
struct model_forward {
	struct wgf_loc loc;            /* the list item */
	struct wgf_loc addr_loc, to_loc, port_loc;   /* where those were written (or the item) */
	char *name;                    /* optional, NULL when not given */
	char *to;                      /* as written: a Peer name or an address */
	bool has_addr;                 /* "address" was given */
	struct wgf_prefix public_addr; /* a host public address, /32 or /128 */
	unsigned protos;               /* FW_PROTO_TCP | FW_PROTO_UDP */
	struct model_port_range ports;
	size_t peer;                   /* target peer, or MODEL_NONE for an address behind a router */
	struct wgf_prefix target;      /* resolved target address (/32, /128), same family as public_addr */
	uint16_t to_port;              /* 0 = the same port; else the port for ports.lo (ranges shift) */
};

/* A group of peers and hosts with its own address pools. Members reach only their
 * own tenant (and, when not isolated, the untenanted part of the network). */
struct model_tenant {
	struct model_meta meta;
	size_t network;
	bool has_pool4, has_pool6;
	struct wgf_prefix pool4, pool6;    /* network prefixes inside the network's pools */
	bool isolated;                 /* default true */
	struct model_dns dns;
	struct model_rotation rotation;
	struct model_exit_use exit;
};

enum model_selector_kind {
	SEL_PEER,                      /* a peer's addresses and lans */
	SEL_HOST,                      /* a host's tunnel addresses and lans */
	SEL_TENANT,                    /* a tenant's pools and its members' lans */
	SEL_LABELS,                    /* peers and hosts carrying every label given */
	SEL_CIDR,                      /* any prefix, e.g. 0.0.0.0/0 */
};

struct model_selector {
	struct wgf_loc loc;
	enum model_selector_kind kind;
	char *name;                    /* SEL_PEER/HOST/TENANT: as written */
	size_t index;                  /* SEL_PEER/HOST/TENANT: index into the model arrays */
	struct model_label *labels;    /* SEL_LABELS */
	size_t n_labels;
	struct wgf_prefix cidr;        /* SEL_CIDR (network prefix) */
};

struct model_rule {
	struct wgf_loc loc;            /* the list item */
	struct model_selector *from;   /* any one matches; none = any source */
	size_t n_from;
	struct model_selector *to;     /* any one matches; none = any destination */
	size_t n_to;
	unsigned protos;               /* FW_PROTO_* bits; FW_PROTO_ANY by default */
	struct model_port_range *ports;    /* only with tcp/udp; none = every port */
	size_t n_ports;
	bool accept;                   /* action: accept or drop */
};

/* A `tests:` entry: the expected verdict for one connection attempt. */
struct model_test {
	struct wgf_loc loc;
	struct wgf_loc from_loc, to_loc;
	char *from, *to;               /* as written: a peer/host name or an address */
	size_t from_peer, from_host;   /* what a name resolved to, else MODEL_NONE */
	size_t to_peer, to_host;
	struct wgf_prefix src, dst;    /* resolved addresses (/32 or /128), same family */
	unsigned proto;                /* exactly one FW_PROTO_* bit */
	uint16_t port;                 /* tcp/udp; 0 for icmp */
	bool expect_accept;
	uint8_t family;                /* "family": the names' addresses of it; 0: IPv4 when both have one */
	char *exit;                    /* "exit": the exit host the flow must leave through, or NULL */
	struct wgf_loc exit_loc;
	size_t exit_host;              /* resolved, or MODEL_NONE */
};

struct model_policy {
	struct model_meta meta;
	size_t network;
	int32_t priority;              /* lower first; default 100; ties by name */
	struct model_rule *rules;
	size_t n_rules;
	struct model_test *tests;
	size_t n_tests;
};

struct model_host {
	struct model_meta meta;
	size_t network;                /* index into model.networks */
	size_t tenant;                 /* index into model.tenants, or MODEL_NONE */
	enum host_role role;
	uint8_t public_key[WG_KEY_LEN];
	struct wgf_endpoint endpoint;  /* family 0 = none */
	struct wgf_prefix *addresses;  /* tunnel addresses, with on-link prefix length */
	size_t n_addresses;
	struct wgf_prefix *lans;       /* network prefixes routed by this host */
	size_t n_lans;
	char ifname[IFNAMSIZ];         /* resolved: override or the network's */
	uint16_t listen_port;          /* resolved */
	uint32_t mtu;                  /* resolved */
	struct wgf_prefix *public_addrs;   /* /32 or /128; default: the endpoint's address */
	size_t n_public_addrs;
	bool masquerade;               /* router: masquerade tunnel traffic toward its LANs */
	struct model_forward *forwards;
	size_t n_forwards;
	/* Topology: no hubs, the host is in its network's mesh (it peers with every
	 * other mesh host); with hubs it is attached to those (Hosts with role hub or
	 * exit, first is primary) and peers only with them and its links. */
	size_t *hubs;
	size_t n_hubs;
	size_t *links;                 /* Hosts it also peers with directly; both sides' declarations */
	size_t n_links;
	bool has_sealing_key;          /* "sealingKey": X25519, for secrets sealed to this host */
	uint8_t sealing_key[WG_KEY_LEN];
	uint32_t max_peers;            /* hubs: at most this many peers; 0 = no limit */
	struct model_rotation rotation;
	bool has_key_created;
	int64_t key_created;           /* unix seconds: when publicKey was made (without git history) */
	struct model_dns dns;          /* the DNS of its own interfaces; hosts inherit none */
	/* The host's own traffic (and its LANs') to the internet: full tunnel
	 * through an exit group; for a hub or exit also its peers' that say nothing. */
	struct model_exit_use exit;
	/* Exits: the interface hubs and hosts using this exit through a group give
	 * their tunnel to it. Default "wgx-" and the first 11 characters of the name. */
	char exit_ifname[IFNAMSIZ];
};

/* A person who generates client configs: secrets of the network are sealed to them too. */
struct model_operator {
	struct model_meta meta;
	size_t network;
	uint8_t sealing_key[WG_KEY_LEN];
};

/* One sealed copy of a secret (model/seal.h), for one recipient. */
struct model_sealed {
	struct wgf_loc loc;
	char *recipient;               /* "host/NAME" or "operator/NAME", as written */
	char *text;                    /* the sealed value */
	size_t host, oper;             /* the recipient's index (one is MODEL_NONE) */
};

/* A preshared key between a Peer and one of its hubs, sealed. */
struct model_psk {
	struct wgf_loc loc;
	struct wgf_loc hub_loc;
	char *hub_name;                /* as written */
	size_t hub;                    /* index into model.hosts */
	uint8_t id[16];                /* the key's public id (SEAL_ID_LEN) */
	struct model_sealed *sealed;
	size_t n_sealed;
};

struct model_peer {
	struct model_meta meta;
	size_t network;
	size_t tenant;                 /* index into model.tenants, or MODEL_NONE */
	enum access_level access;      /* default full */
	struct wgf_prefix *access_lans;    /* lan-only: LAN prefixes it may reach (resolved) */
	size_t n_access_lans;
	uint8_t public_key[WG_KEY_LEN];
	struct wgf_prefix *addresses;  /* as written; a bare address is /32 or /128 */
	size_t n_addresses;
	struct wgf_prefix *lans;       /* extra prefixes behind this peer */
	size_t n_lans;
	size_t *hubs;                  /* indices into model.hosts, role hub; first is primary */
	size_t n_hubs;
	uint16_t keepalive;            /* on the hub's entry for this peer; 0 = off */
	struct wgf_endpoint endpoint;  /* optional fixed endpoint */
	bool enabled;                  /* default true */
	bool has_expires;
	int64_t expires;               /* unix seconds, UTC */
	struct model_dns dns;
	struct model_rotation rotation;
	bool has_key_created;
	int64_t key_created;
	struct model_psk *psks;        /* at most one per hub */
	size_t n_psks;
	struct model_exit_use exit;
};

enum exit_strategy {
	EXIT_STRATEGY_PRIORITY = 0,    /* the best healthy member (lowest priority, then name) */
	EXIT_STRATEGY_ROUND_ROBIN,     /* peers spread over healthy members, each sticky to its own */
	EXIT_STRATEGY_LATENCY,         /* the healthy member with the lowest round-trip time */
};

enum exit_all_down {
	EXIT_ALL_DOWN_BLACKHOLE = 0,   /* nothing leaves (never leak onto the local internet) */
	EXIT_ALL_DOWN_DIRECT,          /* the host's own internet */
};

struct model_exit_member {
	struct wgf_loc loc;
	size_t host;                   /* index into model.hosts, role exit */
	int32_t priority;              /* lower first; default 100; ties by name */
};

struct model_exit_health {
	uint32_t interval_ms;          /* probe every; default 1000 */
	uint32_t timeout_ms;           /* a probe's answer within; default 1000 */
	uint32_t failures;             /* consecutive failed probes before down; default 3 */
	uint32_t successes;            /* consecutive answers before up again; default 3 */
	uint32_t hold_ms;              /* a recovered member is preferred again after; default 60000 */
	uint32_t handshake_max;        /* seconds: an older handshake is unhealthy; default 180 */
	bool has_target;               /* also probe this address beyond the exit */
	struct wgf_loc target_loc;
	struct wgf_prefix target;      /* a single address */
	uint32_t latency_margin_ms;    /* latency: switch only to one better by this; default 10 */
};

/* A set of exits with failover (README "Exit groups"). */
struct model_exit_group {
	struct model_meta meta;
	size_t network;
	enum exit_strategy strategy;
	struct model_exit_member *members;   /* sorted by (priority, host name) */
	size_t n_members;
	struct model_exit_health health;
	enum exit_all_down all_down;
	struct model_selector *use;    /* peers selected here use the group (peer, tenant, labels) */
	size_t n_use;
	/* what model_peer_exit gives for a peer "use" selects: set, this group, no
	 * prefixes (the loader fills it) */
	struct model_exit_use use_exit;
};

/* A Peer's "expires": "YYYY-MM-DD" (its 00:00 UTC) or "YYYY-MM-DDThh:mm:ssZ" -> unix seconds. */
bool model_expires_parse(const char *s, int64_t *out);

struct model {
	struct model_network *networks;
	size_t n_networks;
	struct model_host *hosts;
	size_t n_hosts;
	struct model_peer *peers;
	size_t n_peers;
	struct model_tenant *tenants;
	size_t n_tenants;
	struct model_policy *policies;     /* sorted by (network, priority, name) */
	size_t n_policies;
	struct model_operator *operators;
	size_t n_operators;
	struct model_exit_group *exit_groups;   /* sorted by name */
	size_t n_exit_groups;
	char **files;                  /* owned file names; wgf_loc.file points into these */
	size_t n_files;
	char *source;                  /* "directory /path" or "commit 1a2b3c4d (main)" */
	char *commit;                  /* full hex commit id for git sources, else NULL */
	char *tree;                    /* its tree's full hex id, else NULL */
	size_t n_documents;            /* YAML documents loaded; 0: the source is empty */
};

/* Limits applied while loading (untrusted input). */
#define MODEL_MAX_FILE_SIZE   (64u << 20)  /* bytes per file */
#define MODEL_MAX_TOTAL_SIZE  (256u << 20) /* bytes for the whole source */
#define MODEL_MAX_DEPTH       32           /* YAML nesting */
#define MODEL_MAX_FILES       100000
#define MODEL_MAX_NODES       2000000      /* YAML values of the whole source (see ybudget) */
#define MODEL_MAX_DIR_DEPTH   32           /* directories below the root */

/* Load and validate. On success returns 0 and *out; on failure returns a negative
 * errno (-EINVAL for invalid input, with every problem found in d) and *out = NULL. */
int model_load_dir(const char *path, struct model **out, struct diag *d);
int model_load_git(const char *repo_path, const char *ref, struct model **out, struct diag *d);
/* Load from in-memory files (tests, fuzzers): names[i] is reported as the file name. */
int model_load_buffers(const char *const *names, const char *const *bufs, const size_t *lens,
		       size_t n, struct model **out, struct diag *d);
void model_free(struct model *m);

const struct model_host *model_find_host(const struct model *m, const char *name);
const struct model_peer *model_find_peer(const struct model *m, const char *name);
/* Is the single address a one of h's tunnel addresses? */
bool model_host_has_address(const struct model_host *h, const struct wgf_prefix *a);
/* h's index in m (h may be of another load of the same source: then by name), or MODEL_NONE. */
size_t model_host_index(const struct model *m, const struct model_host *h);
const struct model_host *model_find_host_by_key(const struct model *m, const uint8_t pub[WG_KEY_LEN]);
const char *host_role_name(enum host_role r);
const char *access_level_name(enum access_level a);
/* Do Hosts a and b (indices, same network) have a peer entry for each other? */
bool model_hosts_direct(const struct model *m, size_t a, size_t b);
/* Is hub among h's hubs? */
bool model_host_attached_to(const struct model_host *h, size_t hub);
/* The settings that apply to an object: its own, else its tenant's, else its network's.
 * An unset struct (set false) when none says. */
const struct model_dns *model_peer_dns(const struct model *m, const struct model_peer *p);
struct model_rotation model_peer_rotation(const struct model *m, const struct model_peer *p);
struct model_rotation model_host_rotation(const struct model *m, const struct model_host *h);
/* Where a Peer's internet traffic leaves: its own "exit", else the one ExitGroup
 * whose "use" selects it, else its Tenant's "exit"; NULL when none says (the
 * peer's primary hub decides, as before exit groups). A use with group
 * MODEL_NONE is "direct". */
const struct model_exit_use *model_peer_exit(const struct model *m, const struct model_peer *p);
const struct model_exit_group *model_find_exit_group(const struct model *m, const char *name);
/* Does hub p->hubs[j] answer the DNS of p when p has access internet-only: an
 * exit among its hubs, or its first hub when its exit is a group (it enters the
 * network there; README "Access levels"). */
bool model_internet_only_dns_hub(const struct model *m, const struct model_peer *p, size_t j);
const char *exit_strategy_name(enum exit_strategy s);   /* "priority", "round-robin", "latency" */
const char *exit_all_down_name(enum exit_all_down a);   /* "blackhole", "direct" */

/* The Peer's preshared key with that hub (index into model.hosts), or NULL. */
const struct model_psk *model_peer_psk(const struct model_peer *p, size_t hub);
/* The copy of psk sealed to that recipient, or NULL. */
const struct model_sealed *model_psk_sealed_to_host(const struct model_psk *psk, size_t host);
const struct model_sealed *model_psk_sealed_to_operator(const struct model_psk *psk, size_t oper);
/* Does the operator read the network's secrets (its network)? */
static inline bool model_operator_reads(const struct model_operator *o, size_t network) { return o->network == network; }
/* "90d", "12w", "36h" into seconds; false for anything else (0, overflow, other units). */
bool model_duration_parse(const char *s, uint32_t *out);
/* "500ms", "1s", "2m", "1h" into milliseconds; false for anything else. */
bool model_duration_ms_parse(const char *s, uint32_t *out);
/* A Network's health.staleAfter (and status --stale-after): whole seconds, 1 s to 7 days. */
#define MODEL_STALE_AFTER_MAX (7 * 86400)
static inline bool model_stale_after_ok(uint32_t ms)
{
	return ms % 1000 == 0 && ms >= 1000 && ms / 1000 <= MODEL_STALE_AFTER_MAX;
}

/* A hub's load: the enabled Peers that list model host `hub` among their hubs
 * (failover can put them all on it); *primary (may be NULL): those listing it first. */
size_t model_hub_peers(const struct model *m, size_t hub, size_t *primary);

/* Hubs and exits both take peers. */
static inline bool host_role_takes_peers(enum host_role r) { return r == HOST_ROLE_HUB || r == HOST_ROLE_EXIT; }
