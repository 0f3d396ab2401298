/* A plan read back from its JSON (plan_to_json): the same actions with the same
 * data, and desired/observed host states holding just the objects they are
 * about. Secrets are not in the JSON: a device key comes back as its public
 * key (private_key_withheld), a PSK as "there is one" with its id when the
 * plan knew it. Pure. */
#include "reconcile/plan/plan_json.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "model/seal.h"
#include "reconcile/plan/hs_json.h"
#include "reconcile/plan/plan_fields.h"

struct reader {
	struct plan *p;
	struct wgf_error *err;
	size_t index;                  /* the change being read */
};

static int bad(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct reader *r, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return wgf_error_set(r->err, -EBADMSG, "changes[%zu]: %s", r->index, what);
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v = get(o, key);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static bool uint_of(struct json_object *v, uint64_t max, uint64_t *out)
{
	int64_t n;

	if (!v || !json_object_is_type(v, json_type_int))
		return false;
	n = json_object_get_int64(v);
	if (n < 0 || (uint64_t)n > max)
		return false;
	*out = (uint64_t)n;
	return true;
}

static char *dup_or_null(const char *s, bool *oom)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*oom = true;
	return d;
}

/* The field named name of a change: {before, after}; NULL when absent. */
static struct json_object *field(struct json_object *c, const char *name)
{
	struct json_object *fields = get(c, "fields");

	for (size_t i = 0; fields && json_object_is_type(fields, json_type_array) &&
			   i < json_object_array_length(fields); i++) {
		struct json_object *f = json_object_array_get_idx(fields, i);
		const char *n = str(f, "name");
		if (n && !strcmp(n, name) && !get(f, "kind"))
			return f;
	}
	return NULL;
}

static struct hs_device *device_in(struct reader *r, struct host_state *hs, const char *ifname)
{
	struct hs_device *d = hoststate_find_device(hs, ifname);

	if (!d) {
		if (!hoststate_add_device(hs, ifname)) {
			wgf_error_set(r->err, -ENOMEM, NULL);
			return NULL;
		}
		hoststate_normalize(hs);
		d = hoststate_find_device(hs, ifname);
	}
	return d;
}

static int read_prefixes(struct reader *r, struct json_object *v, struct hs_peer *p)
{
	struct wgf_prefix pfx;

	if (!v || !json_object_is_type(v, json_type_array))
		return bad(r, "allowed_ips: expected a list");
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(v, i));
		if (!s || !prefix_parse(s, false, &pfx))
			return bad(r, "allowed_ips[%zu]: not an IP prefix", i);
		if (hs_peer_add_allowed_ip(p, &pfx) < 0)
			return wgf_error_set(r->err, -ENOMEM, NULL);
	}
	return 0;
}

/* One side (before or after) of a peer's fields into p. */
static int read_peer_side(struct reader *r, struct json_object *c, const char *side, struct hs_peer *p,
			  struct hs_peer_fields *seen)
{
	struct json_object *f;
	const char *s;
	uint64_t k = 0;
	int ret;

	if ((f = field(c, "allowed_ips"))) {
		seen->replace_allowed_ips = true;
		if (get(f, side) && (ret = read_prefixes(r, get(f, side), p)) < 0)
			return ret;
	}
	if ((f = field(c, "endpoint"))) {
		seen->set_endpoint = true;
		if ((s = str(f, side)) && !endpoint_parse(s, &p->endpoint))
			return bad(r, "endpoint: not an endpoint");
	}
	if ((f = field(c, "keepalive"))) {
		seen->set_keepalive = true;
		if (get(f, side) && !uint_of(get(f, side), UINT16_MAX, &k))
			return bad(r, "keepalive: not a number of seconds");
		p->keepalive = get(f, side) ? (uint16_t)k : 0;
	}
	if ((f = field(c, "preshared_key"))) {
		seen->set_psk = true;
		p->has_psk = p->psk_withheld = str(f, side) != NULL;
		s = str(f, !strcmp(side, "after") ? "after_id" : "before_id");
		if (s && (!p->has_psk || !seal_id_from_base64(s, p->psk_id)))
			return bad(r, "preshared_key: %s_id: not a preshared key's id", side);
		p->has_psk_id = s != NULL;
	}
	return 0;
}

static int read_peer(struct reader *r, struct json_object *c, struct plan_action *a, struct host_state *want,
		     struct host_state *have)
{
	uint8_t key[WG_KEY_LEN];
	const char *b64 = str(c, "public_key");
	struct hs_peer *p, *created = NULL;
	struct hs_device *d;
	int ret;

	if (!b64 || !key_from_base64(b64, key))
		return bad(r, "public_key: not a WireGuard key");
	if (a->op != PLAN_DELETE) {
		if (!(d = device_in(r, want, a->ifname)) || !(p = hs_device_add_peer(d)))
			return wgf_error_set(r->err, -ENOMEM, NULL);
		memcpy(p->public_key, key, WG_KEY_LEN);
		if (a->name && !(p->name = strdup(a->name)))
			return wgf_error_set(r->err, -ENOMEM, NULL);
		if ((ret = read_peer_side(r, c, "after", p, &a->u.peer)) < 0)
			return ret;
		created = p;
	}
	if (a->op != PLAN_CREATE) {
		struct hs_peer_fields ignored = {0};
		if (!(d = device_in(r, have, a->ifname)) || !(p = hs_device_add_peer(d)))
			return wgf_error_set(r->err, -ENOMEM, NULL);
		memcpy(p->public_key, key, WG_KEY_LEN);
		if (a->op == PLAN_DELETE && a->name && !(p->name = strdup(a->name)))
			return wgf_error_set(r->err, -ENOMEM, NULL);
		if ((ret = read_peer_side(r, c, "before", p, &ignored)) < 0)
			return ret;
	}
	/* a new peer sends what it has, as diff decides: the data says which */
	if (a->op == PLAN_CREATE) {
		p = created;
		a->u.peer = (struct hs_peer_fields){
			.set_psk = p->has_psk, .set_endpoint = p->endpoint.family != 0,
			.set_keepalive = p->keepalive != 0, .replace_allowed_ips = true,
		};
	}
	return 0;
}

static int read_uint_field(struct reader *r, struct json_object *c, const char *name, const char *side,
			   uint64_t max, bool *seen, uint64_t *out)
{
	struct json_object *f = field(c, name);

	*seen = f != NULL;
	if (!f || !get(f, side))
		return 0;
	if (!uint_of(get(f, side), max, out))
		return bad(r, "%s: expected a number", name);
	return 0;
}

static int read_key_field(struct reader *r, struct json_object *c, const char *side, bool *has, uint8_t key[WG_KEY_LEN])
{
	struct json_object *f = field(c, "public_key");
	const char *s = f ? str(f, side) : NULL;

	*has = s != NULL;
	if (s && !key_from_base64(s, key))
		return bad(r, "public_key: not a WireGuard key");
	return 0;
}

static int read_link_device(struct reader *r, struct json_object *c, struct plan_action *a,
			    struct host_state *want, struct host_state *have)
{
	struct hs_device *d = NULL, *o = NULL;
	uint64_t v = 0;
	bool seen;
	int ret, backend;

	if (a->op != PLAN_DELETE && !(d = device_in(r, want, a->ifname)))
		return r->err ? r->err->code : -ENOMEM;
	if (a->op != PLAN_CREATE && !(o = device_in(r, have, a->ifname)))
		return r->err ? r->err->code : -ENOMEM;
	if (o)
		o->exists = true;
	if (a->obj == PLAN_OBJ_LINK) {
		backend = hs_backend_from_name(str(c, "backend"));
		if (backend < 0)
			return bad(r, "backend: expected auto, kernel or userspace");
		a->u.link.backend = (enum hs_backend)backend;
		if (o)
			o->backend = (enum hs_backend)backend;
		if ((ret = read_uint_field(r, c, "mtu", "after", UINT32_MAX, &a->u.link.set_mtu, &v)) < 0)
			return ret;
		if (d && a->u.link.set_mtu)
			d->mtu = (uint32_t)v;
		/* a "before" that is there must be a number too */
		if (o && a->u.link.set_mtu) {
			if ((ret = read_uint_field(r, c, "mtu", "before", UINT32_MAX, &seen, &v)) < 0)
				return ret;
			o->mtu = (uint32_t)v;
		}
		a->u.link.set_up = field(c, "up") != NULL;
		if (d)
			d->up = a->u.link.set_up;
		if (a->op == PLAN_CREATE)
			a->u.link.set_mtu = d->mtu != 0;
		return 0;
	}
	if ((ret = read_uint_field(r, c, "listen_port", "after", UINT16_MAX, &a->u.device.set_listen_port, &v)) < 0)
		return ret;
	if (d && a->u.device.set_listen_port)
		d->listen_port = (uint16_t)v;
	if (o && a->u.device.set_listen_port) {
		if ((ret = read_uint_field(r, c, "listen_port", "before", UINT16_MAX, &seen, &v)) < 0)
			return ret;
		o->listen_port = (uint16_t)v;
	}
	if ((ret = read_uint_field(r, c, "fwmark", "after", UINT32_MAX, &a->u.device.set_fwmark, &v)) < 0)
		return ret;
	if (d && a->u.device.set_fwmark)
		d->fwmark = (uint32_t)v;
	if (o && a->u.device.set_fwmark) {
		if ((ret = read_uint_field(r, c, "fwmark", "before", UINT32_MAX, &seen, &v)) < 0)
			return ret;
		o->fwmark = (uint32_t)v;
	}
	if (a->op == PLAN_CREATE) {
		a->u.device.set_listen_port = d->listen_port != 0;
		a->u.device.set_fwmark = d->fwmark != 0;
	}
	a->u.device.set_private_key = field(c, "private_key") != NULL;
	if (!a->u.device.set_private_key)
		return 0;
	if ((ret = read_key_field(r, c, "after", &a->has_public_key_new, a->public_key_new)) < 0 ||
	    (ret = read_key_field(r, c, "before", &a->has_public_key_old, a->public_key_old)) < 0)
		return ret;
	if (d) {
		d->has_private_key = d->private_key_withheld = a->has_public_key_new;
		memcpy(d->public_key, a->public_key_new, WG_KEY_LEN);
	}
	if (o) {
		o->has_private_key = str(field(c, "private_key"), "before") != NULL;
		o->private_key_withheld = o->has_private_key;
		memcpy(o->public_key, a->public_key_old, WG_KEY_LEN);
	}
	return 0;
}

/* A route's kind and source address from o ("route", or a field's "before" side). */
static int read_route_kind(struct reader *r, struct json_object *o, struct hs_route *rt)
{
	const char *why;

	if (hs_route_kind_from_json(o, rt, &why) < 0)
		return bad(r, "route: %s", why);
	return 0;
}

/* An update's route as it was: the type and prefsrc fields' "before" sides
 * where they changed. */
static int read_route_before(struct reader *r, struct json_object *c, struct hs_route *rt)
{
	struct json_object *o = json_object_new_object(), *f;
	const char *why = NULL;
	int ret = -ENOMEM;

	if (!o)
		return wgf_error_set(r->err, -ENOMEM, NULL);
	if (json_object_object_add(o, "type", json_object_new_string(hs_route_type_name(rt->type))) < 0 ||
	    (rt->has_prefsrc && json_object_object_add(o, "prefsrc", hs_address_to_json(&rt->prefsrc)) < 0))
		goto out;
	if ((f = field(c, "type")) && json_object_object_add(o, "type", json_object_get(get(f, "before"))) < 0)
		goto out;
	if ((f = field(c, "prefsrc")) && json_object_object_add(o, "prefsrc", json_object_get(get(f, "before"))) < 0)
		goto out;
	ret = hs_route_kind_from_json(o, rt, &why);
out:
	json_object_put(o);
	if (ret == -ENOMEM)
		return wgf_error_set(r->err, ret, NULL);
	return ret < 0 ? bad(r, "route: before: %s", why) : 0;
}

static int read_route(struct reader *r, struct json_object *c, struct plan_action *a, struct host_state *want,
		      struct host_state *have)
{
	struct json_object *rt = get(c, "route");
	struct hs_route route = { 0 };
	uint64_t table, metric, old = 0;
	bool seen;
	int ret;

	if (!a->name || !prefix_parse(a->name, false, &route.dst))
		return bad(r, "name: not an IP prefix");
	if (!uint_of(get(rt, "table"), UINT32_MAX, &table) || !uint_of(get(rt, "metric"), UINT32_MAX, &metric))
		return bad(r, "route: expected its table and metric");
	snprintf(route.ifname, sizeof(route.ifname), "%s", a->ifname);
	route.table = (uint32_t)table;
	route.metric = (uint32_t)metric;
	if ((ret = read_route_kind(r, rt, &route)) < 0)
		return ret;
	a->u.route = route;
	if (a->op != PLAN_DELETE && hoststate_add_route(want, &route) < 0)
		return wgf_error_set(r->err, -ENOMEM, NULL);
	if (a->op == PLAN_UPDATE) {
		if ((ret = read_uint_field(r, c, "metric", "before", UINT32_MAX, &seen, &old)) < 0)
			return ret;
		if (seen)
			route.metric = (uint32_t)old;
		if ((ret = read_route_before(r, c, &route)) < 0)
			return ret;
	}
	if (a->op != PLAN_CREATE && hoststate_add_route(have, &route) < 0)
		return wgf_error_set(r->err, -ENOMEM, NULL);
	return 0;
}

static int read_rule(struct reader *r, struct json_object *c, struct plan_action *a, struct host_state *want,
		     struct host_state *have)
{
	const char *why;

	if (hs_rule_from_json(get(c, "rule"), &a->u.rule, &why) < 0)
		return bad(r, "rule: %s", why);
	if (hoststate_add_rule(a->op == PLAN_CREATE ? want : have, &a->u.rule) < 0)
		return wgf_error_set(r->err, -ENOMEM, NULL);
	return 0;
}

static int read_sysctl(struct reader *r, struct json_object *c, struct plan_action *a, struct host_state *want,
		       struct host_state *have)
{
	struct json_object *f = field(c, "value");
	const char *after = str(f, "after"), *before = str(f, "before");

	if (!a->name || !after)
		return bad(r, "a sysctl change needs its key and value");
	if (hoststate_add_sysctl(want, a->name, after) < 0 || (before && hoststate_add_sysctl(have, a->name, before) < 0))
		return wgf_error_set(r->err, -ENOMEM, NULL);
	return 0;
}

static int read_firewall(struct reader *r, struct json_object *c, struct plan_action *a, struct host_state *want)
{
	struct json_object *fields = get(c, "fields"), *drifted = get(c, "drifted");
	bool oom = false;
	size_t n = 0;

	if (!drifted || !json_object_is_type(drifted, json_type_boolean))
		return bad(r, "drifted: expected true or false");
	if (fields && !json_object_is_type(fields, json_type_array))
		return bad(r, "fields: expected a list");
	a->u.firewall.drift = json_object_get_boolean(drifted);
	a->u.firewall.patch = dup_or_null(str(c, "patch"), &oom);
	if (a->op != PLAN_DELETE) {
		if (want->firewall.present)
			return bad(r, "a second change of the same nftables table");
		want->firewall.present = true;
		want->firewall.body = dup_or_null(str(c, "body") ? str(c, "body") : "", &oom);
		a->u.firewall.body = want->firewall.body;
	}
	for (size_t i = 0; fields && i < json_object_array_length(fields); i++)
		n += get(json_object_array_get_idx(fields, i), "kind") != NULL;
	if (n && !(a->u.firewall.changes = calloc(n, sizeof(*a->u.firewall.changes))))
		oom = true;
	for (size_t i = 0; !oom && fields && i < json_object_array_length(fields); i++) {
		struct json_object *f = json_object_array_get_idx(fields, i);
		struct plan_change *ch;
		int kind;

		if (!get(f, "kind"))
			continue;
		kind = plan_change_kind_from_name(str(f, "kind"));
		if (kind < 0 || !str(f, "name"))
			return bad(r, "fields[%zu]: not a firewall change", i);
		ch = &a->u.firewall.changes[a->u.firewall.n_changes++];
		ch->kind = (enum plan_change_kind)kind;
		ch->field = dup_or_null(str(f, "name"), &oom);
		ch->old = dup_or_null(str(f, "before"), &oom);
		ch->new = dup_or_null(str(f, "after"), &oom);
	}
	return oom ? wgf_error_set(r->err, -ENOMEM, NULL) : 0;
}

static int read_dns(struct reader *r, struct json_object *c, struct plan_action *a, struct host_state *want,
		    struct host_state *have)
{
	const char *why = NULL;
	struct hs_dns *d;

	if (hoststate_find_dns(want, a->ifname) || hoststate_find_dns(have, a->ifname))
		return bad(r, "a second change of the dns of %s", a->ifname);
	if (a->op != PLAN_DELETE) {
		if (!(d = hoststate_add_dns(want, a->ifname)))
			return wgf_error_set(r->err, -ENOMEM, NULL);
		if (!plan_dns_from_json(get(c, "dns"), d, &why))
			return bad(r, "dns: %s", why);
	}
	if (a->op != PLAN_CREATE) {
		if (!(d = hoststate_add_dns(have, a->ifname)))
			return wgf_error_set(r->err, -ENOMEM, NULL);
		if (!plan_dns_from_json(get(c, "dns_before"), d, &why))
			return bad(r, "dns_before: %s", why);
	}
	hoststate_normalize_dns(want);
	hoststate_normalize_dns(have);
	return 0;
}

/* What diff makes of each object. */
#define OPS(c, u, d) ((c) << PLAN_CREATE | (u) << PLAN_UPDATE | (d) << PLAN_DELETE)
static const unsigned op_allowed[] = {
	[PLAN_OBJ_LINK] = OPS(1u, 1u, 1u), [PLAN_OBJ_DEVICE] = OPS(1u, 1u, 0u), [PLAN_OBJ_PEER] = OPS(1u, 1u, 1u),
	[PLAN_OBJ_ADDRESS] = OPS(1u, 0u, 1u), [PLAN_OBJ_ROUTE] = OPS(1u, 1u, 1u), [PLAN_OBJ_RULE] = OPS(1u, 0u, 1u),
	[PLAN_OBJ_SYSCTL] = OPS(0u, 1u, 0u),
	[PLAN_OBJ_FIREWALL] = OPS(1u, 1u, 1u), [PLAN_OBJ_DNS] = OPS(1u, 1u, 1u),
};

/* The objects an action is about are created in want/have; its pointers into
 * them are set once every action is read (appending moves them). */
static int read_action(struct reader *r, struct json_object *c, struct plan_action *a, struct host_state *want,
		       struct host_state *have)
{
	const char *ifname = str(c, "interface"), *name = str(c, "name");
	int obj = plan_obj_from_name(str(c, "object")), op = plan_op_from_name(str(c, "action"));
	bool oom = false;

	if (!json_object_is_type(c, json_type_object) || obj < 0 || op < 0)
		return bad(r, "expected an object with an action and an object");
	a->obj = (enum plan_obj)obj;
	a->op = (enum plan_op)op;
	if (!(op_allowed[obj] & (1u << op)))
		return bad(r, "a %s is never %sd by a plan", plan_obj_name(a->obj), plan_op_name(a->op));
	/* a removal sends nothing but which object goes */
	if (op == PLAN_DELETE && get(c, "fields") &&
	    (!json_object_is_type(get(c, "fields"), json_type_array) || json_object_array_length(get(c, "fields"))))
		return bad(r, "fields: a %s that is deleted has none", plan_obj_name(a->obj));
	if (obj == PLAN_OBJ_SYSCTL || obj == PLAN_OBJ_FIREWALL || obj == PLAN_OBJ_RULE) {
		if (get(c, "interface"))
			return bad(r, "interface: a %s belongs to no interface", plan_obj_name(a->obj));
	} else if (obj == PLAN_OBJ_ROUTE && !get(c, "interface")) {
		/* a blackhole or throw route: read_route checks it is one */
	} else if (!ifname || !*ifname || strlen(ifname) >= IFNAMSIZ || strchr(ifname, '/')) {
		return bad(r, "interface: not an interface name");
	}
	snprintf(a->ifname, sizeof(a->ifname), "%s", ifname ? ifname : "");
	a->name = dup_or_null(name, &oom);
	if (oom)
		return wgf_error_set(r->err, -ENOMEM, NULL);
	switch (a->obj) {
	case PLAN_OBJ_LINK:
	case PLAN_OBJ_DEVICE:
		return read_link_device(r, c, a, want, have);
	case PLAN_OBJ_PEER:
		return read_peer(r, c, a, want, have);
	case PLAN_OBJ_ADDRESS:
		if (!name || !prefix_parse(name, false, &a->u.address))
			return bad(r, "name: not an address with its prefix length");
		if (a->op != PLAN_DELETE && hs_device_add_address(device_in(r, want, a->ifname), &a->u.address) < 0)
			return wgf_error_set(r->err, -ENOMEM, NULL);
		if (a->op != PLAN_CREATE && hs_device_add_address(device_in(r, have, a->ifname), &a->u.address) < 0)
			return wgf_error_set(r->err, -ENOMEM, NULL);
		return 0;
	case PLAN_OBJ_ROUTE:
		return read_route(r, c, a, want, have);
	case PLAN_OBJ_RULE:
		return read_rule(r, c, a, want, have);
	case PLAN_OBJ_SYSCTL:
		return read_sysctl(r, c, a, want, have);
	case PLAN_OBJ_FIREWALL:
		return read_firewall(r, c, a, want);
	case PLAN_OBJ_DNS:
		return read_dns(r, c, a, want, have);
	}
	return bad(r, "unknown object");
}

/* The borrowed pointers of a, into the normalized host states, as diff sets
 * them. key: a peer's public key. */
static void link_action(struct plan_action *a, const uint8_t key[WG_KEY_LEN], const struct host_state *want,
			const struct host_state *have)
{
	const struct hs_device *d = hoststate_find_device(want, a->ifname), *o = hoststate_find_device(have, a->ifname);

	switch (a->obj) {
	case PLAN_OBJ_LINK:
	case PLAN_OBJ_DEVICE:
	case PLAN_OBJ_PEER:
		a->dev_desired = a->op != PLAN_DELETE ? d : NULL;
		a->dev_observed = a->op != PLAN_CREATE ? o : NULL;
		if (a->obj == PLAN_OBJ_PEER) {
			a->peer_desired = a->dev_desired ? hs_device_find_peer(a->dev_desired, key) : NULL;
			a->peer_observed = a->dev_observed ? hs_device_find_peer(a->dev_observed, key) : NULL;
		}
		break;
	case PLAN_OBJ_ADDRESS:
		a->dev_desired = a->op != PLAN_DELETE ? d : NULL;
		a->dev_observed = o;
		break;
	case PLAN_OBJ_ROUTE:
		for (size_t i = 0; i < want->n_routes && a->op != PLAN_DELETE; i++)
			if (!hs_route_cmp(&want->routes[i], &a->u.route))
				a->route_desired = &want->routes[i];
		for (size_t i = 0; i < have->n_routes && a->op != PLAN_CREATE; i++)
			if (!hs_route_cmp(&have->routes[i], &a->u.route))
				a->route_observed = &have->routes[i];
		break;
	case PLAN_OBJ_RULE:
		for (size_t i = 0; i < want->n_rules && a->op == PLAN_CREATE; i++)
			if (!hs_rule_cmp(&want->rules[i], &a->u.rule))
				a->rule_desired = &want->rules[i];
		for (size_t i = 0; i < have->n_rules && a->op == PLAN_DELETE; i++)
			if (!hs_rule_cmp(&have->rules[i], &a->u.rule))
				a->rule_observed = &have->rules[i];
		break;
	case PLAN_OBJ_SYSCTL:
		for (size_t i = 0; i < want->n_sysctls; i++)
			if (!strcmp(want->sysctls[i].key, a->name))
				a->sysctl_desired = &want->sysctls[i];
		for (size_t i = 0; i < have->n_sysctls; i++)
			if (!strcmp(have->sysctls[i].key, a->name))
				a->sysctl_observed = &have->sysctls[i];
		if (a->sysctl_desired) {
			a->u.sysctl.key = a->sysctl_desired->key;
			a->u.sysctl.value = a->sysctl_desired->value;
		}
		break;
	case PLAN_OBJ_DNS:
		a->dns_desired = a->op != PLAN_DELETE ? hoststate_find_dns(want, a->ifname) : NULL;
		a->dns_observed = a->op != PLAN_CREATE ? hoststate_find_dns(have, a->ifname) : NULL;
		break;
	case PLAN_OBJ_FIREWALL:
		break;
	}
}

/* The date peer_notice_date wrote: a Peer's "expires" form, or "@N" for a time
 * it cannot write as a date. */
static bool expires_parse(const char *s, int64_t *out)
{
	char *end = NULL;

	if (s[0] != '@')
		return model_expires_parse(s, out);
	errno = 0;
	*out = strtoll(s + 1, &end, 10);
	return !errno && end != s + 1 && !*end;
}

static int read_notice(struct json_object *o, struct peer_notice *n)
{
	const char *peer = str(o, "peer"), *key = str(o, "public_key"), *file = str(o, "file");
	const char *states[] = { [PEER_NOTICE_DISABLED] = "disabled", [PEER_NOTICE_EXPIRED] = "expired",
				 [PEER_NOTICE_EXPIRING] = "expiring" };
	const char *expires = str(o, "expires");
	uint64_t line, col, days;
	bool found = false;

	if (!peer || !key || !key_from_base64(key, n->public_key) || !uint_of(get(o, "line"), UINT_MAX, &line) ||
	    !uint_of(get(o, "column"), UINT_MAX, &col))
		return -EBADMSG;
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (states[i] && str(o, "state") && !strcmp(str(o, "state"), states[i])) {
			n->state = (enum peer_notice_state)i;
			found = true;
		}
	if (!found)
		return -EBADMSG;
	n->line = (unsigned)line;
	n->col = (unsigned)col;
	n->has_expires = expires != NULL;
	if (expires && !expires_parse(expires, &n->expires))
		return -EBADMSG;
	if (n->state == PEER_NOTICE_EXPIRING) {
		if (!uint_of(get(o, "days_left"), UINT_MAX, &days))
			return -EBADMSG;
		n->days_left = (unsigned)days;
	}
	n->peer = strdup(peer);
	n->file = file ? strdup(file) : NULL;
	return !n->peer || (file && !n->file) ? -ENOMEM : 0;
}

static int read_notices(struct reader *r, struct json_object *root)
{
	struct json_object *arr = get(root, "peer_notices");
	struct peer_notices *ns = &r->p->notices;
	size_t n;
	int ret;

	if (!arr || !json_object_is_type(arr, json_type_array))
		return wgf_error_set(r->err, -EBADMSG, "peer_notices: expected a list");
	n = json_object_array_length(arr);
	if (n && !(ns->items = calloc(n, sizeof(*ns->items))))
		return wgf_error_set(r->err, -ENOMEM, NULL);
	for (size_t i = 0; i < n; i++) {
		ret = read_notice(json_object_array_get_idx(arr, i), &ns->items[ns->n++]);
		if (ret < 0)
			return wgf_error_set(r->err, ret, ret == -EBADMSG ? "peer_notices[%zu]: not a notice" : NULL, i);
	}
	return 0;
}

/* Which object an action is about: two actions about one object are not a plan. */
struct ident {
	unsigned obj;
	char ifname[IFNAMSIZ];
	char id[HS_RULE_STRLEN];
	size_t index;
};

static int ident_cmp(const void *x, const void *y)
{
	const struct ident *a = x, *b = y;
	int c = (int)a->obj - (int)b->obj;

	if (!c)
		c = strcmp(a->ifname, b->ifname);
	return c ? c : strcmp(a->id, b->id);
}

static int check_unique(struct reader *r, const uint8_t (*keys)[WG_KEY_LEN])
{
	const struct plan *p = r->p;
	struct ident *v = calloc(p->n_actions + 1, sizeof(*v));
	char b64[WG_KEY_B64_LEN];
	int ret = 0;

	if (!v)
		return wgf_error_set(r->err, -ENOMEM, NULL);
	for (size_t i = 0; i < p->n_actions; i++) {
		const struct plan_action *a = &p->actions[i];
		v[i].obj = a->obj;
		v[i].index = i;
		snprintf(v[i].ifname, sizeof(v[i].ifname), "%s", a->ifname);
		if (a->obj == PLAN_OBJ_PEER)
			snprintf(v[i].id, sizeof(v[i].id), "%s", key_to_base64(keys[i], b64));
		else if (a->obj == PLAN_OBJ_ROUTE)
			snprintf(v[i].id, sizeof(v[i].id), "%s %u", a->name, a->u.route.table);
		else if (a->obj == PLAN_OBJ_RULE)
			hs_rule_format(&a->u.rule, v[i].id);
		else if (a->obj == PLAN_OBJ_ADDRESS || a->obj == PLAN_OBJ_SYSCTL)
			snprintf(v[i].id, sizeof(v[i].id), "%s", a->name ? a->name : "");
	}
	qsort(v, p->n_actions, sizeof(*v), ident_cmp);
	for (size_t i = 1; i < p->n_actions && !ret; i++)
		if (!ident_cmp(&v[i - 1], &v[i])) {
			r->index = v[i].index > v[i - 1].index ? v[i].index : v[i - 1].index;
			ret = bad(r, "a second change of the same %s", plan_obj_name(p->actions[v[i].index].obj));
		}
	free(v);
	return ret;
}

static int read_changes(struct reader *r, struct json_object *changes, uint8_t (*keys)[WG_KEY_LEN])
{
	struct plan *p = r->p;
	int ret;

	for (size_t i = 0; i < p->n_actions; i++) {
		struct json_object *c = json_object_array_get_idx(changes, i);
		r->index = i;
		ret = read_action(r, c, &p->actions[i], p->desired, p->observed);
		if (ret < 0)
			return ret;
		if (p->actions[i].obj == PLAN_OBJ_PEER)
			key_from_base64(str(c, "public_key"), keys[i]);
	}
	ret = check_unique(r, (const uint8_t (*)[WG_KEY_LEN])keys);
	if (ret < 0)
		return ret;
	hoststate_normalize(p->desired);
	hoststate_normalize(p->observed);
	for (size_t i = 0; i < p->n_actions; i++)
		link_action(&p->actions[i], keys[i], p->desired, p->observed);
	return 0;
}

int plan_from_json(struct json_object *root, struct plan **out, struct wgf_error *err)
{
	struct plan *p = calloc(1, sizeof(*p));
	struct reader r = { .p = p, .err = err };
	struct json_object *changes = get(root, "changes"), *version = get(root, "format_version");
	uint8_t (*keys)[WG_KEY_LEN] = NULL;
	uint64_t v;
	int ret = -ENOMEM;

	*out = NULL;
	if (!p || !(p->desired = hoststate_new()) || !(p->observed = hoststate_new()))
		goto fail;
	if (!uint_of(version, UINT32_MAX, &v) || v != PLAN_JSON_FORMAT) {
		ret = wgf_error_set(err, -EBADMSG, "format_version: this wgf reads plans of format %d", PLAN_JSON_FORMAT);
		goto fail;
	}
	if (!changes || !json_object_is_type(changes, json_type_array)) {
		ret = wgf_error_set(err, -EBADMSG, "changes: expected a list");
		goto fail;
	}
	p->host_name = str(root, "host") ? strdup(str(root, "host")) : NULL;
	p->source = str(root, "source") ? strdup(str(root, "source")) : NULL;
	if ((str(root, "host") && !p->host_name) || (str(root, "source") && !p->source))
		goto fail;
	p->n_actions = json_object_array_length(changes);
	if (p->n_actions && (!(p->actions = calloc(p->n_actions, sizeof(*p->actions))) ||
			     !(keys = calloc(p->n_actions, sizeof(*keys)))))
		goto fail;
	ret = read_changes(&r, changes, keys);
	if (ret == 0)
		ret = read_notices(&r, root);
	if (ret < 0)
		goto fail;
	plan_count(p);
	free(keys);
	*out = p;
	return 0;
fail:
	if (ret == -ENOMEM)
		wgf_error_set(err, ret, NULL);
	free(keys);
	plan_free(p);
	return ret;
}
