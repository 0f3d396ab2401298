/* The fields a plan action changes, as typed values: what the printers show
 * (text cut short for people, JSON complete) and what plans compare. Read from
 * the action's data; no display text is kept in a plan. Pure. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "reconcile/plan/plan.h"

enum plan_value_type {
	PLAN_VALUE_NONE,       /* absent: a create's old value, a field that was unset */
	PLAN_VALUE_UINT,
	PLAN_VALUE_BOOL,
	PLAN_VALUE_TEXT,
	PLAN_VALUE_PREFIXES,   /* allowed IPs: a list */
	PLAN_VALUE_ENDPOINT,   /* "(none)" when its family is 0 */
	PLAN_VALUE_KEEPALIVE,  /* seconds, 0 = off */
	PLAN_VALUE_SECRET,     /* a private key or PSK: only whether there is one (and a PSK's id) */
	PLAN_VALUE_PUBLIC_KEY, /* shown as a fingerprint; key NULL: none */
	PLAN_VALUE_ADDRESS,    /* one address (a route's prefsrc), without its length; NULL: none */
	PLAN_VALUE_ADDRESSES,  /* DNS servers: a list in its order (prefixes), shown whole */
	PLAN_VALUE_NAMES,      /* domains: a list of strings in its order, shown whole */
};

struct plan_value {
	enum plan_value_type type;
	union {
		unsigned long u;
		bool b;
		const char *s;
		struct {
			const struct wgf_prefix *v;
			size_t n;
		} prefixes;
		const struct wgf_endpoint *endpoint;
		struct {
			bool secret;           /* there is one */
			const uint8_t *secret_id;   /* a PSK's public id (HS_PSK_ID_LEN), or NULL */
		};
		const uint8_t *key;
		const struct wgf_prefix *address;
		struct {
			char *const *v;
			size_t n;
		} names;
	};
};

struct plan_field {
	const char *name;              /* "allowed_ips", "mtu", "preshared_key", … */
	struct plan_value old, new;
};

#define PLAN_FIELDS_MAX 6

/* The fields a's change sets, in display order; the firewall's changes are
 * not fields (u.firewall.changes). Returns how many. */
size_t plan_action_fields(const struct plan_action *a, struct plan_field out[PLAN_FIELDS_MAX]);

/* The value as the text plan shows it: lists cut at PLAN_DISPLAY_LIST_MAX
 * entries ("… (+N more)"); NULL for PLAN_VALUE_NONE. An update of a list shows
 * what it gains and loses ("+a −b") as its new value and no old one. The
 * caller frees the result; *oom is set when memory ran out. */
#define PLAN_DISPLAY_LIST_MAX 8
char *plan_field_text(const struct plan_field *f, bool old, bool *oom);

/* The route metric as the kernel keeps it: an IPv6 route added with 0 has 1024. */
uint32_t plan_route_metric(const struct hs_route *rt);
