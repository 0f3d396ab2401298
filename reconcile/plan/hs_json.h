/* The JSON of the HostState parts that plans, saved plans and snapshots
 * share: a policy rule, and a route's kind (type, source address). Pure. */
#pragma once
#include <json-c/json.h>

#include "model/hoststate.h"

/* {"family": 4|6, "priority", "from", "to" (null: all), "iif" (null: any),
 *  "fwmark", "fwmask" (null: no mark; mask 0: all ones), "not", "table",
 *  "suppress_prefixlength" (null: none)}. NULL when out of memory. */
struct json_object *hs_rule_to_json(const struct hs_rule *rule);
/* The rule hs_rule_to_json wrote, checked as outside input (a priority in
 * wgf's range, prefixes of the rule's family…): 0, or -EBADMSG with *why
 * saying what is wrong (a static string). */
int hs_rule_from_json(struct json_object *o, struct hs_rule *out, const char **why);

/* Puts "type" ("unicast", "blackhole", "throw") and "prefsrc" (an address or null). */
int hs_route_kind_to_json(struct json_object *o, const struct hs_route *rt);
/* Reads them into rt (whose dst and ifname are set): an absent "type" is
 * unicast and an absent "prefsrc" none (older files). 0 or -EBADMSG with *why. */
int hs_route_kind_from_json(struct json_object *o, struct hs_route *rt, const char **why);
/* An address without its length ("10.0.0.1"), NULL when out of memory. */
struct json_object *hs_address_to_json(const struct wgf_prefix *p);
