/* Health verdicts for `wgf status`: per peer (from the observed peer, the
 * device and the repository) and per host (from counts the caller gathers).
 * Pure: the time is passed in. README "wgf status" documents the rules. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/hoststate.h"
#include "model/model.h"

#define HEALTH_STALE_AFTER_DEFAULT 180  /* seconds: WireGuard re-handshakes every 120 s under traffic */

enum health_verdict {
	HEALTH_ONLINE = 0,             /* a handshake within stale_after */
	HEALTH_STALE,                  /* a handshake, longer ago */
	HEALTH_NEVER,                  /* no handshake since the interface came up */
	HEALTH_DISABLED,               /* the repository's Peer has enabled: false */
	HEALTH_EXPIRED,                /* the repository's Peer expired */
	HEALTH_UNKNOWN,                /* a key the repository does not name */
};

enum health_reason {
	HEALTH_REASON_NONE = 0,
	HEALTH_REASON_INTERFACE_DOWN,  /* the interface is down */
	HEALTH_REASON_HOST_KEY,        /* the interface's key is not the Host's publicKey */
	HEALTH_REASON_PEER_KEY,        /* the peer's allowed IPs are a repository peer's, its key is not */
	HEALTH_REASON_NO_ENDPOINT,     /* neither side has an endpoint: nobody can start a handshake */
	HEALTH_REASON_PORT_BLOCKED,    /* another nftables table drops UDP to the listen port */
};

struct health_peer {
	enum health_verdict verdict;
	enum health_reason reason;
	const char *name;              /* the repository's name for it, or NULL */
	bool expected_up;              /* a keepalive on either side: stale and never are unhealthy */
	bool unhealthy;
};

/* What the repository says a public key is: one of its Hosts, one of its Peers, or neither. */
struct health_who {
	const struct model_host *host;
	const struct model_peer *peer;
};

/* The public half of d's key (the snapshot's when the key is withheld); false: none. */
bool health_device_key(const struct hs_device *d, uint8_t pub[WG_KEY_LEN]);
/* The repository's Host that device d is: by its key, else Host host (NULL: none)
 * when its interface is d's. NULL when m is. */
const struct model_host *health_device_host(const struct model *m, const struct hs_device *d, const char *host);
/* The stale threshold: override (0: none), else self's Network's
 * health.staleAfter, else HEALTH_STALE_AFTER_DEFAULT. */
uint32_t health_stale_after(const struct model *m, const struct model_host *self, uint32_t override);

/* A linear search of m (NULL: neither); for many keys, health_index. */
struct health_who health_who_find(const struct model *m, const uint8_t pub[WG_KEY_LEN]);

/* The repository's keys sorted once, so that the peers of a hub with thousands
 * are each found in O(log n). A Host wins over a Peer with the same key, as in
 * health_who_find. */
struct health_key {
	const uint8_t *key;
	struct health_who who;
};
struct health_index {
	struct health_key *keys;
	size_t n;
};
/* m NULL: an empty index. 0 or -ENOMEM. */
int health_index_build(const struct model *m, struct health_index *out);
struct health_who health_index_find(const struct health_index *ix, const uint8_t pub[WG_KEY_LEN]);
/* The Host's or Peer's name for pub, or NULL. */
const char *health_index_name(const struct health_index *ix, const uint8_t pub[WG_KEY_LEN]);
void health_index_clear(struct health_index *ix);

/* The verdict for observed peer p of observed device d; who is what the
 * repository says p's key is. m and self (the repository's Host that d is) may
 * be NULL: then disabled, expired, unknown and the reasons that need the
 * repository are not given. */
void health_peer_eval(const struct model *m, const struct model_host *self, struct health_who who,
		      const struct hs_device *d, const struct hs_peer *p, int64_t now, uint32_t stale_after,
		      struct health_peer *out);

enum health_level {
	HEALTH_HEALTHY = 0,
	HEALTH_DEGRADED,
	HEALTH_UNHEALTHY,
};

/* What the caller counted on one host. */
struct health_host_facts {
	size_t ifaces_missing;         /* repository interfaces that are not there */
	size_t ifaces_down;
	size_t stale_expected, never_expected;   /* peers expected up */
	size_t wrong_key_expected;               /* a peer's key is not the repository's, expected up */
	size_t stale_idle, never_idle;           /* road warriors: reported, not unhealthy */
	size_t unknown, disabled, expired;       /* on the interface, should not be */
	bool loop_backoff;             /* consecutive reconcile failures */
	bool loop_suspended;
	bool loop_refused;             /* the last attempt was refused by verification */
	bool watch_stale;              /* exit groups, but wgf watch has not written for 3 intervals */
	size_t groups_all_down;        /* exit groups with every member down */
	size_t members_down;           /* exit members down in groups with one up */
};

/* Counts one peer's verdict into f (what health_host_eval weighs). */
void health_host_count(struct health_host_facts *f, const struct health_peer *h);

/* The level and, into buf, why ("2 peers stale (expected up), reconcile backing off";
 * "" when healthy). Unhealthy: an interface missing or down, a peer expected up
 * stale, never or with a wrong key, an exit group with every member down. Degraded: anything else counted. */
enum health_level health_host_eval(const struct health_host_facts *f, char *buf, size_t len);

const char *health_verdict_name(enum health_verdict v);   /* "online", … */
const char *health_reason_name(enum health_reason r);     /* NULL for none; "interface-down", … */
const char *health_reason_text(enum health_reason r);     /* a sentence for people; NULL for none */
const char *health_level_name(enum health_level l);       /* "healthy", "degraded", "unhealthy" */
