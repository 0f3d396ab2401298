/* HostState: everything wgf manages on one host, as plain data.
 *
 * render/ produces the desired HostState from the Model; reconcile/observe
 * produces the observed one from the kernel; reconcile/diff compares them.
 * It lives in model/ because render/ (which may only use model/) builds it.
 *
 * Invariants after hoststate_normalize():
 *  - devices sorted by ifname; each device's peers sorted by public key;
 *    each peer's allowed_ips and each device's addresses sorted (prefix_cmp)
 *    and free of duplicates; routes sorted by (ifname, table, dst); rules
 *    canonical (prefixes masked to the rule's family, an all-ones fwmask as 0,
 *    no mark without has_fwmark), sorted by hs_rule_cmp, without duplicates;
 *    sysctls by key.
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>

#include "model/key.h"
#include "model/prefix.h"

enum hs_backend {
	HS_BACKEND_AUTO = 0,   /* desired: choose at apply time */
	HS_BACKEND_KERNEL,     /* link kind "wireguard", generic netlink */
	HS_BACKEND_USERSPACE,  /* wireguard-go, UAPI socket */
};

#define HS_PSK_ID_LEN 16

struct hs_peer {
	char *name;                    /* model name; NULL when observed and unknown */
	uint8_t public_key[WG_KEY_LEN];
	bool has_psk;                  /* an all-zero PSK means none: has_psk false */
	uint8_t psk[WG_KEY_LEN];
	bool psk_withheld;             /* has_psk, but from a snapshot or a plan: psk is not known */
	/* The PSK's public id (model/seal.h seal_psk_id): render sets it from the
	 * Model, snapshots and plans carry it; hoststate_fill_psk_ids computes it
	 * from a known PSK. Lets a plan see a change without the key. */
	bool has_psk_id;
	uint8_t psk_id[HS_PSK_ID_LEN];
	/* desired: this host's sealed copy of the PSK (public, as in git), so a
	 * saved plan applied on the host can open it; NULL: none */
	char *psk_sealed;
	struct wgf_endpoint endpoint;  /* family 0 = none */
	uint16_t keepalive;            /* seconds, 0 = off */
	struct wgf_prefix *allowed_ips;
	size_t n_allowed_ips;
	/* observed-only status, never drift */
	int64_t last_handshake_sec;
	uint64_t rx_bytes, tx_bytes;
};

struct hs_device {
	char ifname[IFNAMSIZ];
	enum hs_backend backend;       /* observed: which one answered */
	bool exists;                   /* observed: the link is there */
	bool up;
	uint32_t mtu;                  /* 0 = don't care */
	bool has_private_key;
	uint8_t private_key[WG_KEY_LEN];   /* secret: never printed, zeroed on free */
	/* Observed from a snapshot, which never holds a private key: has_private_key
	 * with private_key all zero, and public_key says which key it is. */
	bool private_key_withheld;
	uint8_t public_key[WG_KEY_LEN];
	uint16_t listen_port;          /* 0 = random (desired: let the kernel pick) */
	uint32_t fwmark;
	struct hs_peer *peers;
	size_t n_peers;
	struct wgf_prefix *addresses;  /* interface addresses with their prefix length */
	size_t n_addresses;
	int ifindex;                   /* observed */
	/* observed by pipeline_status when a peer never handshook: another
	 * nftables table drops UDP to listen_port (render/doctor's analysis) */
	bool port_blocked;
};

/* Which settings of a WireGuard device a change sends: diff decides, apply and
 * the backends send exactly these. */
struct hs_device_fields {
	bool set_private_key;
	bool set_listen_port;
	bool set_fwmark;
};

/* Which settings of a peer a change sends (its public key always goes). */
struct hs_peer_fields {
	bool set_psk;                  /* the PSK, or zeros to clear it when !has_psk */
	bool set_endpoint;             /* the endpoint (only when it has one) */
	bool set_keepalive;            /* the keepalive (0 clears it) */
	bool replace_allowed_ips;      /* the whole list of allowed IPs */
};

/* The kernel's main routing table (RT_TABLE_MAIN). */
#define HS_ROUTE_TABLE_MAIN 254

enum hs_route_type {
	HS_ROUTE_UNICAST = 0,          /* out of ifname */
	HS_ROUTE_BLACKHOLE,            /* dropped (ifname empty): an exit group with every member down */
	HS_ROUTE_THROW,                /* the lookup goes on with the next rule (ifname empty):
					  an exit group with every member down and whenAllDown: direct */
};

struct hs_route {
	char ifname[IFNAMSIZ];         /* "" for a blackhole */
	struct wgf_prefix dst;         /* network prefix (host bits zero) */
	uint32_t table;                /* HS_ROUTE_TABLE_MAIN = main */
	uint32_t metric;
	enum hs_route_type type;
	bool has_prefsrc;              /* the source address the host's own packets take */
	struct wgf_prefix prefsrc;     /* a single address, same family as dst */
	/* Desired only: the default route of an exit group's table, which `wgf
	 * watch` switches between the members' interfaces (and a blackhole). It
	 * is satisfied by any wgf route of the same (table, dst) out of one of
	 * the desired state's devices, a blackhole or a throw: the member in use is
	 * observed state, not drift. This route (the first choice) is made only
	 * when there is none. */
	bool switched;
};

/* Policy rules wgf owns: priorities in [HS_RULE_PRIO_MIN, HS_RULE_PRIO_MAX],
 * FRA_PROTOCOL RTPROT_WGF. A rule is its whole selector and action: a change
 * is a delete and an add. */
#define HS_RULE_PRIO_MIN 20000
#define HS_RULE_PRIO_MAX 20999

struct hs_rule {
	int family;                    /* AF_INET or AF_INET6 */
	uint32_t priority;
	struct wgf_prefix src, dst;    /* len 0 (family still set): any */
	char iifname[IFNAMSIZ];        /* "": any */
	bool has_fwmark;
	bool invert;                   /* "not fwmark M" (FIB_RULE_INVERT) */
	uint32_t fwmark, fwmask;       /* fwmask 0: all ones */
	uint32_t table;
	int suppress_prefixlen;        /* -1: none; 0: "suppress_prefixlength 0" */
};

struct hs_sysctl {
	char *key;                     /* "net.ipv4.ip_forward" */
	char *value;                   /* "1" */
};

/* One line of the firewall's readable summary, for plans: the key is a stable
 * identity ("access/peer/alice", "forward/198.51.100.1/tcp/25565", …), the value
 * says what it does ("vpn-only: tunnel addresses of tenant acme"). */
struct hs_fw_item {
	char *key;
	char *value;
};

/* The nftables table wgf owns on the host (HS_FW_FAMILY HS_FW_TABLE). */
#define HS_FW_FAMILY "inet"
#define HS_FW_TABLE  "wgf"

struct hs_firewall {
	bool present;                  /* desired: wgf wants its table; observed: it exists */
	char *body;                    /* desired: rendered body (inside `table inet wgf { }`);
	                                  observed: the kernel's stateless listing (`nft -s list table`) */
	struct hs_fw_item *items;      /* desired: the readable summary, sorted by key */
	size_t n_items;
};

/* Identifies the loaded nftables ruleset: equal stamps mean no nftables
 * transaction was committed in this network namespace in between (the kernel's
 * generation id, the namespace and the boot). */
struct hs_fw_stamp {
	uint32_t genid;
	uint64_t netns;                /* inode of /proc/self/ns/net */
	char boot_id[40];
};

/* DNS of one of wgf's own interfaces (README "DNS on hosts"). */
enum hs_dns_route {
	HS_DNS_ROUTE_AUTO = 0,         /* desired: the manager decides; observed: not known (resolvconf) */
	HS_DNS_ROUTE_YES,              /* the link is the default DNS route (resolved's DefaultRoute) */
	HS_DNS_ROUTE_NO,
};

/* Which DNS manager answered (observed). */
enum hs_dns_manager {
	HS_DNS_MANAGER_UNKNOWN = 0,    /* desired, or a snapshot from before DNS */
	HS_DNS_MANAGER_NONE,           /* neither systemd-resolved nor resolvconf */
	HS_DNS_MANAGER_RESOLVED,       /* org.freedesktop.resolve1 on the system bus */
	HS_DNS_MANAGER_RESOLVCONF,     /* the resolvconf program */
};

struct hs_dns {
	char ifname[IFNAMSIZ];
	struct wgf_prefix *servers;    /* single addresses, in order */
	size_t n_servers;
	char **search;                 /* search domains, in order */
	size_t n_search;
	char **routing;                /* routing-only domains ("~corp.test" without "~"), sorted */
	size_t n_routing;
	enum hs_dns_route default_route;
	/* desired: where the Host declares it ("hosts/gw.yaml:7:5"), for plan errors; else NULL */
	char *origin;
};

struct host_state {
	char *host_name;               /* model name of the host */
	struct hs_device *devices;
	size_t n_devices;
	struct hs_route *routes;
	size_t n_routes;
	struct hs_rule *rules;         /* sorted by hs_rule_cmp */
	size_t n_rules;
	struct hs_sysctl *sysctls;
	size_t n_sysctls;
	struct hs_firewall firewall;
	struct hs_dns *dns;            /* sorted by ifname; an interface without DNS has none */
	size_t n_dns;
	enum hs_dns_manager dns_manager;   /* observed */
};

/* "auto", "kernel", "userspace"; hs_backend_from_name gives -1 for another name. */
const char *hs_backend_name(enum hs_backend b);
int hs_backend_from_name(const char *s);

struct host_state *hoststate_new(void);
void hoststate_free(struct host_state *hs);
void hs_device_clear(struct hs_device *d);   /* frees contents, zeroes secrets */
void hs_peer_clear(struct hs_peer *p);
void hs_firewall_clear(struct hs_firewall *fw);
/* Appends an item (copies key and value); hoststate_normalize sorts them. */
int hs_firewall_add_item(struct hs_firewall *fw, const char *key, const char *value);

/* Append helpers (arrays grow by doubling at powers of two: never append to an array
 * that was allocated elsewhere with another capacity): return a pointer to the new zeroed element, NULL on ENOMEM. */
struct hs_device *hoststate_add_device(struct host_state *hs, const char *ifname);
struct hs_peer *hs_device_add_peer(struct hs_device *d);
int hs_device_add_address(struct hs_device *d, const struct wgf_prefix *p);
int hs_peer_add_allowed_ip(struct hs_peer *p, const struct wgf_prefix *ip);
int hoststate_add_route(struct host_state *hs, const struct hs_route *r);
int hoststate_add_sysctl(struct host_state *hs, const char *key, const char *value);
/* Copies r; returns 0 or -ENOMEM. */
int hoststate_add_rule(struct host_state *hs, const struct hs_rule *r);

void hoststate_normalize(struct host_state *hs);

/* Lookups on a normalized state (binary search). */
struct hs_device *hoststate_find_device(const struct host_state *hs, const char *ifname);
struct hs_peer *hs_device_find_peer(const struct hs_device *d, const uint8_t pub[WG_KEY_LEN]);

int hs_peer_cmp(const void *a, const void *b);   /* by public key */

/* The public id of p's PSK into id: has_psk_id's, else computed from a known
 * PSK. false when p has no PSK or its id is not known. */
bool hs_peer_psk_id(const struct hs_peer *p, uint8_t id[HS_PSK_ID_LEN]);
/* Sets has_psk_id on every peer whose PSK is known. */
void hoststate_fill_psk_ids(struct host_state *hs);
int hs_route_cmp(const void *a, const void *b);  /* by ifname, table, dst */
/* by family, priority, then every other field */
int hs_rule_cmp(const void *a, const void *b);
/* The one spelling of r that hoststate_normalize gives every rule: prefixes of
 * the rule's family with host bits clear, no mark without has_fwmark, an
 * all-ones fwmask as 0, any negative suppress_prefixlen as -1. */
void hs_rule_normalize(struct hs_rule *r);

/* Whether the observed route have stands for the desired switched route want:
 * same (table, dst), and a blackhole, a throw or out of one of desired's devices. */
bool hs_route_satisfies(const struct hs_route *want, const struct hs_route *have,
			const struct host_state *desired);
/* "unicast", "blackhole", "throw"; hs_route_type_from_name gives -1 for another name. */
const char *hs_route_type_name(enum hs_route_type t);
int hs_route_type_from_name(const char *s);

/* The rule in `ip rule` words: "20100: from 10.8.0.0/24 lookup 52001",
 * "20900: not from all fwmark 0xca6c lookup 52000 (IPv4)" (the family is said
 * when no prefix says it). */
#define HS_RULE_STRLEN 256
char *hs_rule_format(const struct hs_rule *r, char buf[HS_RULE_STRLEN]);

/* DNS (model/hoststate_dns.c). Append helpers copy what they are given. */
struct hs_dns *hoststate_add_dns(struct host_state *hs, const char *ifname);
int hs_dns_add_server(struct hs_dns *d, const struct wgf_prefix *server);
int hs_dns_add_search(struct hs_dns *d, const char *domain);
int hs_dns_add_routing(struct hs_dns *d, const char *domain);
void hs_dns_clear(struct hs_dns *d);
/* dst (zeroed) becomes a deep copy of src; 0 or -ENOMEM (dst cleared). */
int hs_dns_copy(struct hs_dns *dst, const struct hs_dns *src);
struct hs_dns *hoststate_find_dns(const struct host_state *hs, const char *ifname);
/* The same settings (origin aside); default_route is compared as given. */
bool hs_dns_equal(const struct hs_dns *a, const struct hs_dns *b);
/* What systemd-resolved makes of default_route: as given, or for auto, yes
 * when the link has servers and no routing-only domains but the root ("~."). */
enum hs_dns_route hs_dns_route_effective(const struct hs_dns *d);
/* Sorts the list by ifname and each routing list (no duplicates). */
void hoststate_normalize_dns(struct host_state *hs);
void hoststate_dns_free(struct host_state *hs);
/* "auto", "yes", "no" and "unknown", "none", "systemd-resolved", "resolvconf";
 * the from_name functions give -1 for another name. */
const char *hs_dns_route_name(enum hs_dns_route r);
int hs_dns_route_from_name(const char *s);
const char *hs_dns_manager_name(enum hs_dns_manager m);
int hs_dns_manager_from_name(const char *s);

/* Deep copy (for rollback: the observed state becomes the desired one). NULL on ENOMEM. */
struct host_state *hoststate_dup(const struct host_state *hs);
