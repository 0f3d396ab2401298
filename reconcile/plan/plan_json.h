/* A plan and its JSON (plan_to_json in plan.h), both ways, and what makes two
 * plans the same. The foundation of saved plans and fleet plans. Pure. */
#pragma once
#include <stdbool.h>

#include "model/error.h"
#include "reconcile/plan/plan.h"

struct json_object;

/* The plan plan_to_json wrote: the same actions with the same data (see
 * plan_equal), over desired and observed states that hold just the objects the
 * actions are about. Secrets never travel: a device key comes back as its
 * public key, a PSK as "there is one". 0, or -EBADMSG (said in err, with the
 * change's index) or -ENOMEM. */
int plan_from_json(struct json_object *root, struct plan **out, struct wgf_error *err);

/* Whether two plans say the same: host, source, counts, and action by action
 * the object, operation, interface, name, what is sent (the flags, addresses,
 * routes, sysctls, the table's body, patch and changes) and every field's
 * values before and after (plan_fields.h), and the peer notices. Secret bytes
 * are not compared, only whether there is one. On a difference, *why says
 * where (a static string). */
bool plan_equal(const struct plan *a, const struct plan *b, const char **why);

/* One interface's DNS as JSON: {"servers": ["10.0.0.53"], "search": [...],
 * "routing": [...], "default_route": "auto"|"yes"|"no"}; NULL when out of
 * memory. plan_dns_from_json reads it back into out (zeroed; ifname is the
 * caller's), checking every value (it is outside input: servers are
 * addresses, domains DNS names); false with *why on a bad one, or on ENOMEM
 * (*why "out of memory"). */
struct json_object *plan_dns_json(const struct hs_dns *d);
bool plan_dns_from_json(struct json_object *o, struct hs_dns *out, const char **why);
