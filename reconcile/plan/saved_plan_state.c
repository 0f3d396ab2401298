#include "reconcile/plan/saved_plan_state.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "model/diag.h"
#include "model/seal.h"
#include "reconcile/plan/hs_json.h"
#include "reconcile/plan/json_put.h"
#include "reconcile/plan/plan_json.h"

/* ---- writing ---- */

static struct json_object *prefixes_json(const struct wgf_prefix *v, size_t n)
{
	struct json_object *arr = json_object_new_array_ext((int)n);
	char buf[PREFIX_STRLEN];

	for (size_t i = 0; arr && i < n; i++)
		if (json_push(arr, json_object_new_string(prefix_format(&v[i], buf))) < 0) {
			json_object_put(arr);
			return NULL;
		}
	return arr;
}

static struct json_object *peer_json(const struct hs_peer *p)
{
	struct json_object *o = json_object_new_object();
	char b64[WG_KEY_B64_LEN], ep[ENDPOINT_STRLEN], idb64[SEAL_ID_B64_LEN];
	uint8_t id[HS_PSK_ID_LEN];
	bool has_id = hs_peer_psk_id(p, id);

	if (o && (json_put_str(o, "name", p->name) < 0 ||
		  json_put_str(o, "public_key", key_to_base64(p->public_key, b64)) < 0 ||
		  json_put_str(o, "preshared_key", p->has_psk ? "(sensitive)" : NULL) < 0 ||
		  json_put_str(o, "preshared_key_id", has_id ? seal_id_to_base64(id, idb64) : NULL) < 0 ||
		  json_put_str(o, "preshared_key_sealed", p->has_psk ? p->psk_sealed : NULL) < 0 ||
		  json_put_str(o, "endpoint", p->endpoint.family ? endpoint_format(&p->endpoint, ep) : NULL) < 0 ||
		  json_put(o, "keepalive", json_object_new_int(p->keepalive)) < 0 ||
		  json_put(o, "allowed_ips", prefixes_json(p->allowed_ips, p->n_allowed_ips)) < 0)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static int device_json(const struct hs_device *d, struct json_object **out, struct wgf_error *err)
{
	struct json_object *o = json_object_new_object(), *peers = NULL;
	uint8_t pub[WG_KEY_LEN], id[HS_PSK_ID_LEN];
	char b64[WG_KEY_B64_LEN];
	const char *public_key = NULL;

	*out = o;
	if (d->has_private_key && d->private_key_withheld)
		public_key = key_to_base64(d->public_key, b64);
	else if (d->has_private_key && key_public_from_private(pub, d->private_key) == 0)
		public_key = key_to_base64(pub, b64);
	if (!o || json_put_str(o, "interface", d->ifname) < 0 || json_put_str(o, "backend", hs_backend_name(d->backend)) < 0 ||
	    json_put(o, "up", json_object_new_boolean(d->up)) < 0 || json_put(o, "mtu", json_object_new_int64(d->mtu)) < 0 ||
	    json_put_str(o, "public_key", public_key) < 0 ||
	    json_put(o, "listen_port", json_object_new_int(d->listen_port)) < 0 ||
	    json_put(o, "fwmark", json_object_new_int64(d->fwmark)) < 0 ||
	    json_put(o, "addresses", prefixes_json(d->addresses, d->n_addresses)) < 0 ||
	    json_put(o, "peers", peers = json_object_new_array_ext((int)d->n_peers)) < 0)
		return wgf_error_set(err, -ENOMEM, NULL);
	for (size_t i = 0; i < d->n_peers; i++) {
		if (d->peers[i].has_psk && (!d->peers[i].psk_sealed || !hs_peer_psk_id(&d->peers[i], id)))
			return wgf_error_set(err, -EINVAL, "peer %s on %s: a preshared key is saved in a plan only as "
					     "its id and its copy sealed to the host",
					     key_to_base64(d->peers[i].public_key, b64), d->ifname);
		if (json_push(peers, peer_json(&d->peers[i])) < 0)
			return wgf_error_set(err, -ENOMEM, NULL);
	}
	return 0;
}

static struct json_object *routes_json(const struct host_state *hs)
{
	struct json_object *arr = json_object_new_array(), *o;
	char buf[PREFIX_STRLEN];

	for (size_t i = 0; arr && i < hs->n_routes; i++) {
		const struct hs_route *rt = &hs->routes[i];
		if (json_push(arr, o = json_object_new_object()) < 0 || json_put_str(o, "interface", rt->ifname[0] ? rt->ifname : NULL) < 0 ||
		    json_put_str(o, "destination", prefix_format(&rt->dst, buf)) < 0 ||
		    json_put(o, "table", json_object_new_int64(rt->table)) < 0 ||
		    json_put(o, "metric", json_object_new_int64(rt->metric)) < 0 || hs_route_kind_to_json(o, rt) < 0 ||
		    json_put(o, "switched", json_object_new_boolean(rt->switched)) < 0) {
			json_object_put(arr);
			return NULL;
		}
	}
	return arr;
}

static struct json_object *rules_json(const struct host_state *hs)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; arr && i < hs->n_rules; i++)
		if (json_push(arr, hs_rule_to_json(&hs->rules[i])) < 0) {
			json_object_put(arr);
			return NULL;
		}
	return arr;
}

static struct json_object *firewall_json(const struct hs_firewall *fw)
{
	struct json_object *o = json_object_new_object(), *items = NULL, *e;

	if (!o || json_put(o, "present", json_object_new_boolean(fw->present)) < 0 ||
	    json_put_str(o, "body", fw->present ? fw->body : NULL) < 0 ||
	    json_put(o, "items", items = json_object_new_array()) < 0)
		goto fail;
	for (size_t i = 0; i < fw->n_items; i++)
		if (json_push(items, e = json_object_new_object()) < 0 || json_put_str(e, "key", fw->items[i].key) < 0 ||
		    json_put_str(e, "value", fw->items[i].value) < 0)
			goto fail;
	return o;
fail:
	json_object_put(o);
	return NULL;
}

int saved_state_to_json(const struct host_state *desired, struct json_object **out, struct wgf_error *err)
{
	struct json_object *o = json_object_new_object(), *devs = NULL, *sysctls = NULL, *d = NULL;
	int r = -ENOMEM;

	*out = NULL;
	if (!o || json_put(o, "interfaces", devs = json_object_new_array()) < 0)
		goto fail;
	for (size_t i = 0; i < desired->n_devices; i++) {
		r = device_json(&desired->devices[i], &d, err);
		if (json_push(devs, d) < 0 && r == 0)
			r = -ENOMEM;
		if (r < 0)
			goto fail;
	}
	r = -ENOMEM;
	if (json_put(o, "routes", routes_json(desired)) < 0 || json_put(o, "rules", rules_json(desired)) < 0 || json_put(o, "sysctls", sysctls = json_object_new_object()) < 0)
		goto fail;
	for (size_t i = 0; i < desired->n_sysctls; i++)
		if (json_put_str(sysctls, desired->sysctls[i].key, desired->sysctls[i].value) < 0)
			goto fail;
	if (json_put(o, "firewall", firewall_json(&desired->firewall)) < 0 || json_put(o, "dns", d = json_object_new_object()) < 0)
		goto fail;
	for (size_t i = 0; i < desired->n_dns; i++)
		if (json_put(d, desired->dns[i].ifname, plan_dns_json(&desired->dns[i])) < 0)
			goto fail;
	*out = o;
	return 0;
fail:
	json_object_put(o);
	return r == -ENOMEM ? wgf_error_set(err, r, NULL) : r;
}

/* ---- reading ---- */

/* The sysctls render/ sets, and their values: a saved plan is outside input,
 * and no other kernel setting is ever written from one. */
static const char *const managed_sysctls[] = { "net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding" };

static bool sysctl_managed(const char *key, const char *value)
{
	for (size_t i = 0; i < sizeof(managed_sysctls) / sizeof(managed_sysctls[0]); i++)
		if (!strcmp(key, managed_sysctls[i]))
			return !strcmp(value, "0") || !strcmp(value, "1");
	return false;
}

struct reader {
	struct wgf_error *err;
	char path[512];
};

static int bad(struct reader *r, const char *field, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(struct reader *r, const char *field, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return wgf_error_set(r->err, -EBADMSG, "%s%s%s: %s", r->path, field ? "." : "", field ? field : "", what);
}

static size_t push(struct reader *r, const char *key, size_t i)
{
	size_t len = strlen(r->path);

	snprintf(r->path + len, sizeof(r->path) - len, ".%s[%zu]", key, i);
	return len;
}

/* The member of type type (json_type_null: a string or null). */
static int member(struct reader *r, struct json_object *o, const char *key, json_type type, struct json_object **out)
{
	bool nullable = type == json_type_null;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, out))
		return bad(r, key, "missing");
	if (nullable ? *out && !json_object_is_type(*out, json_type_string) : !json_object_is_type(*out, type))
		return bad(r, key, "expected %s", nullable ? "a string or null" : json_type_to_name(type));
	return 0;
}

static int get_uint(struct reader *r, struct json_object *o, const char *key, uint64_t max, uint64_t *out)
{
	struct json_object *v;
	int ret = member(r, o, key, json_type_int, &v);
	int64_t n = ret == 0 ? json_object_get_int64(v) : 0;

	if (ret < 0)
		return ret;
	if (n < 0 || (uint64_t)n > max)
		return bad(r, key, "%lld is out of range (0 to %llu)", (long long)n, (unsigned long long)max);
	*out = (uint64_t)n;
	return 0;
}

static int get_str(struct reader *r, struct json_object *o, const char *key, bool nullable, const char **out)
{
	struct json_object *v;
	int ret = member(r, o, key, nullable ? json_type_null : json_type_string, &v);

	*out = v ? json_object_get_string(v) : NULL;
	return ret;
}

static int get_ifname(struct reader *r, struct json_object *o, const char **out)
{
	int ret = get_str(r, o, "interface", false, out);

	if (ret == 0 && (!**out || strlen(*out) >= IFNAMSIZ || strchr(*out, '/')))
		return bad(r, "interface", "%s is not an interface name", diag_quote(*out));
	return ret;
}

static int get_prefixes(struct reader *r, struct json_object *o, const char *key, void *ctx,
			int (*add)(void *ctx, const struct wgf_prefix *p))
{
	struct json_object *arr;
	struct wgf_prefix p;
	int ret = member(r, o, key, json_type_array, &arr);

	for (size_t i = 0; ret == 0 && i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		const char *s = json_object_is_type(e, json_type_string) ? json_object_get_string(e) : NULL;
		if (!s || !prefix_parse(s, true, &p))
			return bad(r, key, "[%zu] is not an IP prefix", i);
		if (add(ctx, &p) < 0)
			return wgf_error_set(r->err, -ENOMEM, NULL);
	}
	return ret;
}

static int add_allowed_ip(void *ctx, const struct wgf_prefix *p) { return hs_peer_add_allowed_ip(ctx, p); }
static int add_address(void *ctx, const struct wgf_prefix *p) { return hs_device_add_address(ctx, p); }

/* A string member that older plans may lack: absent is null. */
static int get_opt_str(struct reader *r, struct json_object *o, const char *key, const char **out)
{
	*out = NULL;
	if (!json_object_object_get_ex(o, key, NULL))
		return 0;
	return get_str(r, o, key, true, out);
}

/* A desired PSK: its id and its copy sealed to the host, never the key. */
static int read_psk(struct reader *r, struct json_object *o, struct hs_peer *p)
{
	const char *psk, *id, *sealed;
	uint8_t fp[SEAL_FP_LEN];
	int ret;

	if ((ret = get_opt_str(r, o, "preshared_key", &psk)) < 0 || (ret = get_opt_str(r, o, "preshared_key_id", &id)) < 0 ||
	    (ret = get_opt_str(r, o, "preshared_key_sealed", &sealed)) < 0)
		return ret;
	if (!psk) {
		if (id || sealed)
			return bad(r, id ? "preshared_key_id" : "preshared_key_sealed", "without a preshared_key");
		return 0;
	}
	if (strcmp(psk, "(sensitive)"))
		return bad(r, "preshared_key", "a saved plan never holds a key: expected \"(sensitive)\" or null");
	if (!id || !seal_id_from_base64(id, p->psk_id))
		return bad(r, "preshared_key_id", "%s is not a preshared key's id", id ? diag_quote(id) : "null");
	if (!sealed || !seal_parse(sealed, fp))
		return bad(r, "preshared_key_sealed", "%s is not a sealed value", sealed ? diag_quote(sealed) : "null");
	if (!(p->psk_sealed = strdup(sealed)))
		return wgf_error_set(r->err, -ENOMEM, NULL);
	p->has_psk = p->psk_withheld = p->has_psk_id = true;
	return 0;
}

static int read_peer(struct reader *r, struct json_object *o, struct hs_device *d)
{
	struct hs_peer *p = hs_device_add_peer(d);
	const char *name, *key, *ep;
	uint64_t keepalive;
	int ret;

	if (!p)
		return wgf_error_set(r->err, -ENOMEM, NULL);
	if (!json_object_is_type(o, json_type_object))
		return bad(r, NULL, "expected an object");
	if ((ret = get_str(r, o, "name", true, &name)) < 0 || (ret = get_str(r, o, "public_key", false, &key)) < 0 ||
	    (ret = get_str(r, o, "endpoint", true, &ep)) < 0 ||
	    (ret = get_uint(r, o, "keepalive", UINT16_MAX, &keepalive)) < 0)
		return ret;
	if (!key_from_base64(key, p->public_key))
		return bad(r, "public_key", "%s is not a WireGuard key", diag_quote(key));
	if (ep && !endpoint_parse(ep, &p->endpoint))
		return bad(r, "endpoint", "%s is not an endpoint", diag_quote(ep));
	if (name && !(p->name = strdup(name)))
		return wgf_error_set(r->err, -ENOMEM, NULL);
	p->keepalive = (uint16_t)keepalive;
	if ((ret = read_psk(r, o, p)) < 0)
		return ret;
	return get_prefixes(r, o, "allowed_ips", p, add_allowed_ip);
}

static int read_device(struct reader *r, struct json_object *o, struct host_state *hs)
{
	struct json_object *peers, *up;
	const char *ifname, *backend, *key;
	uint64_t mtu, port, fwmark;
	struct hs_device *d;
	int ret, b;

	if (!json_object_is_type(o, json_type_object))
		return bad(r, NULL, "expected an object");
	if ((ret = get_ifname(r, o, &ifname)) < 0 || (ret = get_str(r, o, "backend", false, &backend)) < 0 ||
	    (ret = member(r, o, "up", json_type_boolean, &up)) < 0 ||
	    (ret = get_uint(r, o, "mtu", UINT32_MAX, &mtu)) < 0 || (ret = get_str(r, o, "public_key", true, &key)) < 0 ||
	    (ret = get_uint(r, o, "listen_port", UINT16_MAX, &port)) < 0 ||
	    (ret = get_uint(r, o, "fwmark", UINT32_MAX, &fwmark)) < 0 ||
	    (ret = member(r, o, "peers", json_type_array, &peers)) < 0)
		return ret;
	if ((b = hs_backend_from_name(backend)) < 0)
		return bad(r, "backend", "expected auto, kernel or userspace");
	for (size_t i = 0; i < hs->n_devices; i++)
		if (!strcmp(hs->devices[i].ifname, ifname))
			return bad(r, "interface", "\"%s\" is listed twice", ifname);
	if (!(d = hoststate_add_device(hs, ifname)))
		return wgf_error_set(r->err, -ENOMEM, NULL);
	d->backend = (enum hs_backend)b;
	d->up = json_object_get_boolean(up);
	d->mtu = (uint32_t)mtu;
	d->listen_port = (uint16_t)port;
	d->fwmark = (uint32_t)fwmark;
	d->has_private_key = d->private_key_withheld = key != NULL;
	if (key && !key_from_base64(key, d->public_key))
		return bad(r, "public_key", "%s is not a WireGuard key", diag_quote(key));
	if ((ret = get_prefixes(r, o, "addresses", d, add_address)) < 0)
		return ret;
	for (size_t i = 0; i < json_object_array_length(peers); i++) {
		size_t len = push(r, "peers", i);
		ret = read_peer(r, json_object_array_get_idx(peers, i), d);
		r->path[len] = '\0';
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int read_route(struct reader *r, struct json_object *o, struct host_state *hs)
{
	struct hs_route rt = { 0 };
	struct json_object *sw = NULL;
	const char *ifname, *dst, *why;
	uint64_t table, metric;
	int ret;

	if (!json_object_is_type(o, json_type_object))
		return bad(r, NULL, "expected an object");
	if ((ret = get_opt_str(r, o, "interface", &ifname)) < 0 || (ret = get_str(r, o, "destination", false, &dst)) < 0 ||
	    (ret = get_uint(r, o, "table", UINT32_MAX, &table)) < 0 ||
	    (ret = get_uint(r, o, "metric", UINT32_MAX, &metric)) < 0)
		return ret;
	if (ifname && (ret = get_ifname(r, o, &ifname)) < 0)
		return ret;
	if (!prefix_parse(dst, true, &rt.dst))
		return bad(r, "destination", "%s is not an IP prefix", diag_quote(dst));
	snprintf(rt.ifname, sizeof(rt.ifname), "%s", ifname ? ifname : "");
	rt.table = (uint32_t)table;
	rt.metric = (uint32_t)metric;
	if (hs_route_kind_from_json(o, &rt, &why) < 0)
		return bad(r, NULL, "%s", why);
	/* plans before switched routes have none */
	if (json_object_object_get_ex(o, "switched", &sw) && !json_object_is_type(sw, json_type_boolean))
		return bad(r, "switched", "expected true or false");
	rt.switched = sw && json_object_get_boolean(sw);
	return hoststate_add_route(hs, &rt) < 0 ? wgf_error_set(r->err, -ENOMEM, NULL) : 0;
}

static int read_rule(struct reader *r, struct json_object *o, struct host_state *hs)
{
	struct hs_rule rule;
	const char *why;

	if (hs_rule_from_json(o, &rule, &why) < 0)
		return bad(r, NULL, "%s", why);
	return hoststate_add_rule(hs, &rule) < 0 ? wgf_error_set(r->err, -ENOMEM, NULL) : 0;
}

static int read_item(struct reader *r, struct json_object *o, struct host_state *hs)
{
	const char *key, *value;
	int ret;

	if (!json_object_is_type(o, json_type_object))
		return bad(r, NULL, "expected an object");
	if ((ret = get_str(r, o, "key", false, &key)) < 0 || (ret = get_str(r, o, "value", false, &value)) < 0)
		return ret;
	return hs_firewall_add_item(&hs->firewall, key, value) < 0 ? wgf_error_set(r->err, -ENOMEM, NULL) : 0;
}

/* Each element of the array key of o through fn, with its index in the path. */
static int each(struct reader *r, struct json_object *o, const char *key, struct host_state *hs,
		int (*fn)(struct reader *r, struct json_object *e, struct host_state *hs))
{
	struct json_object *arr;
	int ret = member(r, o, key, json_type_array, &arr);

	for (size_t i = 0; ret == 0 && i < json_object_array_length(arr); i++) {
		size_t len = push(r, key, i);
		ret = fn(r, json_object_array_get_idx(arr, i), hs);
		r->path[len] = '\0';
	}
	return ret;
}

static int read_firewall(struct reader *r, struct json_object *root, struct host_state *hs)
{
	struct json_object *fw, *present;
	const char *body;
	size_t len = strlen(r->path);
	int ret;

	if ((ret = member(r, root, "firewall", json_type_object, &fw)) < 0)
		return ret;
	snprintf(r->path + len, sizeof(r->path) - len, ".firewall");
	if ((ret = member(r, fw, "present", json_type_boolean, &present)) < 0 ||
	    (ret = get_str(r, fw, "body", true, &body)) < 0 || (ret = each(r, fw, "items", hs, read_item)) < 0)
		return ret;
	hs->firewall.present = json_object_get_boolean(present);
	if (hs->firewall.present != (body != NULL))
		return bad(r, "body", "a table that is wanted has a body, and only then");
	if (body && !(hs->firewall.body = strdup(body)))
		return wgf_error_set(r->err, -ENOMEM, NULL);
	r->path[len] = '\0';
	return 0;
}

/* "dns": {IFNAME: {servers, …}}, each on an interface the state has (a saved
 * plan sets no other link's DNS). Absent in plans saved before DNS. */
static int read_dns(struct reader *r, struct json_object *o, struct host_state *hs)
{
	struct json_object *dns = NULL;
	const char *why = NULL;

	if (!json_object_object_get_ex(o, "dns", &dns) || !dns)
		return 0;
	if (!json_object_is_type(dns, json_type_object))
		return bad(r, "dns", "expected an object");
	json_object_object_foreach(dns, ifname, val) {
		struct hs_dns *d;

		if (!hoststate_find_device(hs, ifname))
			return bad(r, "dns", "%s is not one of the plan's interfaces", diag_quote(ifname));
		if (hoststate_find_dns(hs, ifname))
			return bad(r, "dns", "%s is listed twice", diag_quote(ifname));
		if (!(d = hoststate_add_dns(hs, ifname)))
			return wgf_error_set(r->err, -ENOMEM, NULL);
		if (!plan_dns_from_json(val, d, &why))
			return bad(r, "dns", "%s: %s", diag_quote(ifname), why);
		hoststate_normalize_dns(hs);
	}
	return 0;
}

static int read_state(struct reader *r, struct json_object *o, struct host_state *hs)
{
	struct json_object *sysctls;
	size_t rules_before;
	int ret;

	if (!json_object_is_type(o, json_type_object))
		return bad(r, NULL, "expected an object");
	if ((ret = each(r, o, "interfaces", hs, read_device)) < 0 || (ret = each(r, o, "routes", hs, read_route)) < 0 ||
	    /* saved plans before policy rules have none */
	    (json_object_object_get_ex(o, "rules", NULL) && (ret = each(r, o, "rules", hs, read_rule)) < 0) ||
	    (ret = member(r, o, "sysctls", json_type_object, &sysctls)) < 0)
		return ret;
	json_object_object_foreach(sysctls, key, val) {
		if (!*key || !json_object_is_type(val, json_type_string))
			return bad(r, "sysctls", "%s: expected a string", diag_quote(key));
		if (!sysctl_managed(key, json_object_get_string(val)))
			return bad(r, "sysctls", "%s = %s is not a setting wgf makes", diag_quote(key),
				   diag_quote(json_object_get_string(val)));
		if (hoststate_add_sysctl(hs, key, json_object_get_string(val)) < 0)
			return wgf_error_set(r->err, -ENOMEM, NULL);
	}
	if ((ret = read_firewall(r, o, hs)) < 0)
		return ret;
	rules_before = hs->n_rules;
	hoststate_normalize(hs);
	if ((ret = read_dns(r, o, hs)) < 0)
		return ret;
	/* the diff's merge walks need one entry per key */
	for (size_t i = 0; i < hs->n_devices; i++)
		for (size_t j = 1; j < hs->devices[i].n_peers; j++)
			if (!hs_peer_cmp(&hs->devices[i].peers[j - 1], &hs->devices[i].peers[j]))
				return bad(r, "interfaces", "%s lists a peer twice", hs->devices[i].ifname);
	for (size_t i = 1; i < hs->n_routes; i++)
		if (!hs_route_cmp(&hs->routes[i - 1], &hs->routes[i]))
			return bad(r, "routes", "a route is listed twice");
	if (hs->n_rules && rules_before != hs->n_rules)
		return bad(r, "rules", "a rule is listed twice");
	for (size_t i = 1; i < hs->firewall.n_items; i++)
		if (!strcmp(hs->firewall.items[i - 1].key, hs->firewall.items[i].key))
			return bad(r, "firewall.items", "%s is listed twice", diag_quote(hs->firewall.items[i].key));
	return 0;
}

int saved_state_from_json(struct json_object *o, const char *path, struct host_state **out, struct wgf_error *err)
{
	struct reader r = { .err = err };
	int ret;

	snprintf(r.path, sizeof(r.path), "%s", path);
	*out = hoststate_new();
	if (!*out)
		return wgf_error_set(err, -ENOMEM, NULL);
	ret = read_state(&r, o, *out);
	if (ret < 0) {
		hoststate_free(*out);
		*out = NULL;
	}
	return ret;
}
