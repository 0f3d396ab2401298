/* Plan: the ordered list of changes that turns an observed HostState into the
 * desired one. Built by diff_host_states() (reconcile/diff.c), printed by
 * plan_print_text()/plan_print_json(), carried out by apply_plan().
 *
 * Order (apply walks actions front to back):
 *   1. removals, in reverse dependency order: DNS, the nftables table, policy
 *      rules, routes, addresses, peers, links (a link that goes away is one
 *      action: its peers/addresses/routes go with it)
 *   2. creations and updates: links (create, mtu/up), device (key/port/fwmark),
 *      peers, addresses, routes, policy rules, sysctls, the nftables table, DNS
 *      (last: it needs the link, and systemd-resolved forgets a link's DNS when
 *      the link is made anew)
 * A rule is never updated: a changed rule is a removal and a creation.
 * Within one object class, actions are sorted by interface then by name/key, so
 * plans are deterministic.
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <net/if.h>

#include "model/error.h"
#include "model/hoststate.h"
#include "reconcile/plan/plan_exits.h"
#include "render/render.h"

struct fw_record;   /* reconcile/plan/fw_record.h */

#define PLAN_FINGERPRINT_LEN 32   /* BLAKE2b-256 */

enum plan_op {
	PLAN_CREATE,   /* "+" */
	PLAN_UPDATE,   /* "~" */
	PLAN_DELETE,   /* "-" */
};

enum plan_obj {
	PLAN_OBJ_LINK,     /* the interface itself (create/delete/mtu/up) */
	PLAN_OBJ_DEVICE,   /* WireGuard device settings: private key, listen port, fwmark */
	PLAN_OBJ_PEER,
	PLAN_OBJ_ADDRESS,
	PLAN_OBJ_ROUTE,
	PLAN_OBJ_RULE,     /* a policy rule (create/delete) */
	PLAN_OBJ_SYSCTL,
	PLAN_OBJ_FIREWALL, /* the nftables table wgf owns (HS_FW_FAMILY HS_FW_TABLE), replaced as a whole */
	PLAN_OBJ_DNS,      /* the DNS of one of wgf's interfaces (systemd-resolved or resolvconf), set as a whole */
};

/* What the firewall action says beyond "replace the table" (u.firewall.changes). */
enum plan_change_kind {
	PLAN_CHANGE_ITEM = 1,  /* a summary item: field = its key; old NULL = added, new NULL = removed */
	PLAN_CHANGE_DRIFT,     /* made outside wgf: new = "+ chain x: tcp dport 22 accept", "- set y: element z" */
	PLAN_CHANGE_RULESET,   /* the rendered ruleset, when no item changed: new = "+ set x: element 10.0.0.5" */
	PLAN_CHANGE_NOTE,      /* why, in words: field = "no record of what wgf applied: …" */
};

/* One line of a firewall change: data (item keys and values, listing lines),
 * complete; printers decide how much to show. */
struct plan_change {
	enum plan_change_kind kind;
	char *field;
	char *old;
	char *new;
};

struct plan_action {
	enum plan_obj obj;
	enum plan_op op;
	char ifname[IFNAMSIZ];
	char *name;            /* the object's name: peer name (NULL if unknown), "10.0.0.1/24", sysctl key,
	                          a rule in `ip rule` words (hs_rule_format)… */

	/* The objects the change is about: borrowed from plan->desired and
	 * plan->observed; NULL where absent. What changed in them is said by u. */
	const struct hs_device *dev_desired, *dev_observed;
	const struct hs_peer *peer_desired, *peer_observed;
	const struct hs_route *route_desired, *route_observed;
	const struct hs_rule *rule_desired, *rule_observed;
	const struct hs_sysctl *sysctl_desired, *sysctl_observed;
	const struct hs_dns *dns_desired, *dns_observed;
	/* PLAN_OBJ_DEVICE with u.device.set_private_key: the public keys before and
	 * after (never the private ones). */
	bool has_public_key_old, has_public_key_new;
	uint8_t public_key_old[WG_KEY_LEN], public_key_new[WG_KEY_LEN];

	/* What exactly to send. */
	union {
		struct {       /* PLAN_OBJ_LINK */
			bool set_mtu, set_up;
			enum hs_backend backend;   /* create: AUTO lets apply choose */
		} link;
		struct hs_device_fields device;   /* PLAN_OBJ_DEVICE: create and update */
		struct hs_peer_fields peer;       /* PLAN_OBJ_PEER: create and update */
		struct wgf_prefix address;     /* PLAN_OBJ_ADDRESS */
		struct hs_route route;         /* PLAN_OBJ_ROUTE; update = replace */
		struct hs_rule rule;           /* PLAN_OBJ_RULE */
		struct {                       /* PLAN_OBJ_SYSCTL */
			const char *key, *value;   /* borrowed from plan->desired */
		} sysctl;
		struct {                       /* PLAN_OBJ_FIREWALL */
			const char *body;          /* create/update: borrowed from plan->desired */
			bool drift;                /* the kernel's table is not what wgf applied */
			char *patch;               /* update: element changes that suffice instead of
			                              replacing (owned; NULL: replace) */
			struct plan_change *changes;   /* owned */
			size_t n_changes;
		} firewall;
	} u;
};

struct plan {
	char *host_name;
	char *source;          /* "commit 1a2b3c4d (main)" / "directory ./net" */
	struct host_state *desired;    /* owned */
	struct host_state *observed;   /* owned */
	struct plan_action *actions;
	size_t n_actions;
	size_t n_create, n_update, n_delete;
	/* Peers of this host that the desired state leaves out (disabled, expired) or
	 * that expire soon: why, for the printers. Owned; filled by the caller of the diff. */
	struct peer_notices notices;
	/* What a saved plan (saved_plan.h) says beside the plan; filled by the
	 * caller of the diff. */
	char *commit, *tree;           /* full hex ids of the source; NULL: a directory */
	bool has_host_key;
	uint8_t host_key[WG_KEY_LEN];  /* the Host's publicKey: which host it is for */
	bool has_fingerprint;
	uint8_t fingerprint[PLAN_FINGERPRINT_LEN];   /* of the observed state it was made against */
	/* The device key is this host's prepared next key (wgf host rotate), which
	 * the Host's publicKey names; applying the plan makes it the key file. */
	bool next_key;
	/* The exit groups the host routes through (information, not changes);
	 * owned, filled by the caller of the diff. */
	struct plan_exit_groups exit_groups;
};

struct diff_opts {
	/* Interfaces wgf created earlier (from its state file) and may delete when no
	 * longer desired. Interfaces not desired and not listed here are never touched. */
	const char *const *owned_ifnames;
	size_t n_owned;
	/* The endpoints wgf declared when it last applied (state dir), or NULL. An
	 * observed endpoint that differs from the desired one is a roam, not drift,
	 * unless the declaration itself changed since then. */
	const struct host_state *declared;
	/* What wgf applied to its nftables table (state dir), or NULL when it has no
	 * record. Without one, a table that is not desired is never deleted. */
	const struct fw_record *fw_applied;
};

/* Plan errors of the DNS the desired state declares on a host whose observed
 * DNS manager cannot carry it: none at all, or resolvconf with routing domains
 * or defaultRoute (systemd-resolved only). The message names the Host's dns
 * (origin). An unknown manager (a snapshot from before DNS) is not checked.
 * Returns 0 or -EOPNOTSUPP with err set. */
int plan_dns_check(const struct host_state *desired, const struct host_state *observed, struct wgf_error *err);

/* Takes ownership of desired and observed (both normalized) whatever it returns.
 * Returns 0 and *out, or a negative errno. */
int diff_host_states(struct host_state *desired, struct host_state *observed,
		     const struct diff_opts *opts, struct plan **out);
void plan_free(struct plan *p);
/* Sets n_create, n_update and n_delete from the actions (a new link's device
 * settings count as part of creating it). */
void plan_count(struct plan *p);
static inline bool plan_is_empty(const struct plan *p) { return p->n_actions == 0; }

const char *plan_obj_name(enum plan_obj o);   /* "interface", "peer", … */
const char *plan_op_name(enum plan_op o);     /* "create", "update", "delete" */
const char *plan_change_kind_name(enum plan_change_kind k);   /* "item", "drift", "ruleset", "note" */
/* The value of a name above, or -1. */
int plan_obj_from_name(const char *s);
int plan_op_from_name(const char *s);
int plan_change_kind_from_name(const char *s);

struct plan_print_opts {
	bool color;            /* ANSI colours (caller decides: isatty && !NO_COLOR) */
};
void plan_print_text(const struct plan *p, const struct plan_print_opts *o, FILE *f);
/* The plan as JSON (json-c; the caller puts it), NULL when out of memory:
 * {"format_version": PLAN_JSON_FORMAT, "host", "source", "summary": {create,
 * update, delete}, "changes": [{"action", "object", "interface", "name",
 * "public_key" (peers), "fields": [{"name", "before", "after"}], firewall:
 * "items", "ruleset", "drift", "notes"; dns: "dns" and "dns_before", the whole
 * setting wanted and found (plan_dns_json)}], "peer_notices", "next_key": true when
 * planned with the prepared next key (else absent)}. Values are typed
 * and lists complete; secrets are "(sensitive)" or null. */
#define PLAN_JSON_FORMAT 2
struct json_object *plan_to_json(const struct plan *p);
/* plan_to_json as one line. Returns 0 or -ENOMEM. */
int plan_print_json(const struct plan *p, FILE *f);
/* The "peer_notices" array plan_print_json writes (validate --json writes it too):
 * [{"peer", "public_key", "state", "expires" (date or null), "days_left" (expiring, else null),
 *   "severity", "message", "file", "line", "column"}]. NULL when out of memory. */
struct json_object *peer_notices_json(const struct peer_notices *n);
