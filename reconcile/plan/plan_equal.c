#include "reconcile/plan/plan_json.h"

#include <string.h>

#include "reconcile/plan/plan_fields.h"

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool value_eq(const struct plan_value *a, const struct plan_value *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case PLAN_VALUE_NONE:
		return true;
	case PLAN_VALUE_UINT:
	case PLAN_VALUE_KEEPALIVE:
		return a->u == b->u;
	case PLAN_VALUE_BOOL:
		return a->b == b->b;
	case PLAN_VALUE_TEXT:
		return str_eq(a->s, b->s);
	case PLAN_VALUE_NAMES:
		if (a->names.n != b->names.n)
			return false;
		for (size_t i = 0; i < a->names.n; i++)
			if (strcmp(a->names.v[i], b->names.v[i]))
				return false;
		return true;
	case PLAN_VALUE_PREFIXES:
	case PLAN_VALUE_ADDRESSES:
		if (a->prefixes.n != b->prefixes.n)
			return false;
		for (size_t i = 0; i < a->prefixes.n; i++)
			if (!prefix_equal(&a->prefixes.v[i], &b->prefixes.v[i]))
				return false;
		return true;
	case PLAN_VALUE_ENDPOINT: {
		bool ha = a->endpoint && a->endpoint->family, hb = b->endpoint && b->endpoint->family;
		return ha == hb && (!ha || endpoint_equal(a->endpoint, b->endpoint));
	}
	case PLAN_VALUE_SECRET:
		return a->secret == b->secret && (!a->secret_id) == (!b->secret_id) &&
		       (!a->secret_id || !memcmp(a->secret_id, b->secret_id, HS_PSK_ID_LEN));
	case PLAN_VALUE_PUBLIC_KEY:
		return (!a->key && !b->key) || (a->key && b->key && !memcmp(a->key, b->key, WG_KEY_LEN));
	case PLAN_VALUE_ADDRESS:
		return (!a->address && !b->address) || (a->address && b->address && prefix_equal(a->address, b->address));
	}
	return false;
}

static const uint8_t *peer_key(const struct plan_action *a)
{
	const struct hs_peer *p = a->peer_desired ? a->peer_desired : a->peer_observed;

	return p ? p->public_key : NULL;
}

static bool firewall_eq(const struct plan_action *a, const struct plan_action *b)
{
	if (!str_eq(a->u.firewall.body, b->u.firewall.body) || !str_eq(a->u.firewall.patch, b->u.firewall.patch) ||
	    a->u.firewall.drift != b->u.firewall.drift || a->u.firewall.n_changes != b->u.firewall.n_changes)
		return false;
	for (size_t i = 0; i < a->u.firewall.n_changes; i++) {
		const struct plan_change *x = &a->u.firewall.changes[i], *y = &b->u.firewall.changes[i];
		if (x->kind != y->kind || !str_eq(x->field, y->field) || !str_eq(x->old, y->old) || !str_eq(x->new, y->new))
			return false;
	}
	return true;
}

/* What a sends, by kind of object. */
static bool sends_eq(const struct plan_action *a, const struct plan_action *b)
{
	const uint8_t *ka, *kb;

	switch (a->obj) {
	case PLAN_OBJ_LINK:
		return a->u.link.set_mtu == b->u.link.set_mtu && a->u.link.set_up == b->u.link.set_up &&
		       a->u.link.backend == b->u.link.backend;
	case PLAN_OBJ_DEVICE:
		return !memcmp(&a->u.device, &b->u.device, sizeof(a->u.device));
	case PLAN_OBJ_PEER:
		ka = peer_key(a);
		kb = peer_key(b);
		return !memcmp(&a->u.peer, &b->u.peer, sizeof(a->u.peer)) && ka && kb && !memcmp(ka, kb, WG_KEY_LEN);
	case PLAN_OBJ_ADDRESS:
		return prefix_equal(&a->u.address, &b->u.address);
	case PLAN_OBJ_ROUTE:
		return !hs_route_cmp(&a->u.route, &b->u.route) && a->u.route.metric == b->u.route.metric &&
		       a->u.route.type == b->u.route.type && a->u.route.has_prefsrc == b->u.route.has_prefsrc &&
		       (!a->u.route.has_prefsrc || prefix_equal(&a->u.route.prefsrc, &b->u.route.prefsrc));
	case PLAN_OBJ_RULE:
		return !hs_rule_cmp(&a->u.rule, &b->u.rule);
	case PLAN_OBJ_SYSCTL:
		return str_eq(a->u.sysctl.key, b->u.sysctl.key) && str_eq(a->u.sysctl.value, b->u.sysctl.value);
	case PLAN_OBJ_FIREWALL:
		return firewall_eq(a, b);
	case PLAN_OBJ_DNS:
		return (!a->dns_desired && !b->dns_desired) ||
		       (a->dns_desired && b->dns_desired && hs_dns_equal(a->dns_desired, b->dns_desired));
	}
	return false;
}

static bool action_eq(const struct plan_action *a, const struct plan_action *b, const char **why)
{
	struct plan_field fa[PLAN_FIELDS_MAX], fb[PLAN_FIELDS_MAX];
	size_t na, nb;

	if (a->obj != b->obj || a->op != b->op || strcmp(a->ifname, b->ifname) || !str_eq(a->name, b->name)) {
		*why = "an action's object, operation, interface or name";
		return false;
	}
	if (!sends_eq(a, b)) {
		*why = "what an action sends";
		return false;
	}
	na = plan_action_fields(a, fa);
	nb = plan_action_fields(b, fb);
	if (na != nb) {
		*why = "the fields an action changes";
		return false;
	}
	for (size_t i = 0; i < na; i++) {
		if (strcmp(fa[i].name, fb[i].name) || !value_eq(&fa[i].old, &fb[i].old) || !value_eq(&fa[i].new, &fb[i].new)) {
			*why = "a field's value before or after";
			return false;
		}
	}
	return true;
}

static bool notice_eq(const struct peer_notice *a, const struct peer_notice *b)
{
	return str_eq(a->peer, b->peer) && !memcmp(a->public_key, b->public_key, WG_KEY_LEN) &&
	       str_eq(a->file, b->file) && a->line == b->line && a->col == b->col && a->state == b->state &&
	       a->has_expires == b->has_expires && a->expires == b->expires && a->days_left == b->days_left;
}

bool plan_equal(const struct plan *a, const struct plan *b, const char **why)
{
	const char *dummy;

	if (!why)
		why = &dummy;
	*why = NULL;
	if (!str_eq(a->host_name, b->host_name) || !str_eq(a->source, b->source)) {
		*why = "the host or the source";
		return false;
	}
	if (a->n_actions != b->n_actions || a->n_create != b->n_create || a->n_update != b->n_update ||
	    a->n_delete != b->n_delete) {
		*why = "the number of changes";
		return false;
	}
	for (size_t i = 0; i < a->n_actions; i++)
		if (!action_eq(&a->actions[i], &b->actions[i], why))
			return false;
	if (a->notices.n != b->notices.n) {
		*why = "the number of peer notices";
		return false;
	}
	for (size_t i = 0; i < a->notices.n; i++)
		if (!notice_eq(&a->notices.items[i], &b->notices.items[i])) {
			*why = "a peer notice";
			return false;
		}
	return true;
}
