#include "reconcile/host/snapshot.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <sodium.h>

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

static struct json_object *peer_json(const struct hs_peer *p, bool stats)
{
	struct json_object *o = json_object_new_object();
	char b64[WG_KEY_B64_LEN], ep[ENDPOINT_STRLEN], idb64[SEAL_ID_B64_LEN];
	uint8_t id[HS_PSK_ID_LEN];
	bool has_id = hs_peer_psk_id(p, id);

	if (!o)
		return NULL;
	if (json_put_str(o, "public_key", key_to_base64(p->public_key, b64)) < 0 ||
	    json_put_str(o, "preshared_key", p->has_psk ? "(sensitive)" : NULL) < 0 ||
	    json_put_str(o, "preshared_key_id", has_id ? seal_id_to_base64(id, idb64) : NULL) < 0 ||
	    json_put_str(o, "endpoint", p->endpoint.family ? endpoint_format(&p->endpoint, ep) : NULL) < 0 ||
	    json_put(o, "keepalive", json_object_new_int(p->keepalive)) < 0 ||
	    json_put(o, "allowed_ips", prefixes_json(p->allowed_ips, p->n_allowed_ips)) < 0)
		goto fail;
	if (!stats)
		return o;
	if (json_put(o, "latest_handshake", json_object_new_int64(p->last_handshake_sec)) < 0 ||
	    json_put(o, "rx_bytes", json_object_new_int64((int64_t)p->rx_bytes)) < 0 ||
	    json_put(o, "tx_bytes", json_object_new_int64((int64_t)p->tx_bytes)) < 0)
		goto fail;
	return o;
fail:
	json_object_put(o);
	return NULL;
}

static struct json_object *device_json(const struct hs_device *d, bool stats)
{
	struct json_object *o = json_object_new_object(), *peers = NULL;
	uint8_t pub[WG_KEY_LEN];
	char b64[WG_KEY_B64_LEN];
	const char *public_key = NULL;

	if (!o)
		return NULL;
	if (d->has_private_key && d->private_key_withheld)
		public_key = key_to_base64(d->public_key, b64);
	else if (d->has_private_key && key_public_from_private(pub, d->private_key) == 0)
		public_key = key_to_base64(pub, b64);
	if (json_put_str(o, "interface", d->ifname) < 0 ||
	    json_put_str(o, "backend", d->backend == HS_BACKEND_KERNEL ? "kernel" : "userspace") < 0 ||
	    json_put(o, "up", json_object_new_boolean(d->up)) < 0 ||
	    json_put(o, "mtu", json_object_new_int64(d->mtu)) < 0 ||
	    json_put_str(o, "public_key", public_key) < 0 ||
	    json_put(o, "listen_port", json_object_new_int(d->listen_port)) < 0 ||
	    json_put(o, "fwmark", json_object_new_int64(d->fwmark)) < 0 ||
	    json_put(o, "addresses", prefixes_json(d->addresses, d->n_addresses)) < 0 ||
	    json_put(o, "peers", peers = json_object_new_array_ext((int)d->n_peers)) < 0)
		goto fail;
	for (size_t i = 0; i < d->n_peers; i++)
		if (json_push(peers, peer_json(&d->peers[i], stats)) < 0)
			goto fail;
	return o;
fail:
	json_object_put(o);
	return NULL;
}

static struct json_object *routes_json(const struct host_state *hs)
{
	struct json_object *arr = json_object_new_array(), *o;
	char buf[PREFIX_STRLEN];

	for (size_t i = 0; arr && i < hs->n_routes; i++) {
		const struct hs_route *rt = &hs->routes[i];
		if (json_push(arr, o = json_object_new_object()) < 0 ||
		    json_put_str(o, "interface", rt->ifname[0] ? rt->ifname : NULL) < 0 ||
		    json_put_str(o, "destination", prefix_format(&rt->dst, buf)) < 0 ||
		    json_put(o, "table", json_object_new_int64(rt->table)) < 0 ||
		    json_put(o, "metric", json_object_new_int64(rt->metric)) < 0 || hs_route_kind_to_json(o, rt) < 0) {
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

static struct json_object *records_json(const struct statedir_records *rec)
{
	struct json_object *o = json_object_new_object(), *owned = NULL, *declared = NULL, *e;
	char b64[WG_KEY_B64_LEN], ep[ENDPOINT_STRLEN];

	if (!o || json_put(o, "owned_interfaces", owned = json_object_new_array()) < 0 ||
	    json_put(o, "declared_endpoints", declared = json_object_new_array()) < 0)
		goto fail;
	for (size_t i = 0; i < rec->owned.n; i++)
		if (json_push(owned, json_object_new_string(rec->owned.ifnames[i])) < 0)
			goto fail;
	for (size_t i = 0; rec->declared && i < rec->declared->n_devices; i++) {
		const struct hs_device *d = &rec->declared->devices[i];
		for (size_t j = 0; j < d->n_peers; j++) {
			if (json_push(declared, e = json_object_new_object()) < 0 ||
			    json_put_str(e, "interface", d->ifname) < 0 ||
			    json_put_str(e, "public_key", key_to_base64(d->peers[j].public_key, b64)) < 0 ||
			    json_put_str(e, "endpoint", endpoint_format(&d->peers[j].endpoint, ep)) < 0)
				goto fail;
		}
	}
	if (rec->fw_applied ? json_put(o, "firewall", statedir_firewall_json(rec->fw_applied)) < 0
			    : json_put_null(o, "firewall") < 0)
		goto fail;
	return o;
fail:
	json_object_put(o);
	return NULL;
}

/* "dns": {"manager": "systemd-resolved", "interfaces": {"wg0": {servers, …}}}. */
static struct json_object *dns_json(const struct host_state *observed)
{
	struct json_object *o = json_object_new_object(), *ifs = NULL;

	if (!o || json_put_str(o, "manager", hs_dns_manager_name(observed->dns_manager)) < 0 ||
	    json_put(o, "interfaces", ifs = json_object_new_object()) < 0)
		goto fail;
	for (size_t i = 0; i < observed->n_dns; i++)
		if (json_put(ifs, observed->dns[i].ifname, plan_dns_json(&observed->dns[i])) < 0)
			goto fail;
	return o;
fail:
	json_object_put(o);
	return NULL;
}

static struct json_object *snapshot_build(const char *host, const struct host_state *observed,
					  const struct statedir_records *rec, bool stats)
{
	struct json_object *root = json_object_new_object(), *devs = NULL, *sysctls = NULL, *fw = NULL;

	if (!root)
		return NULL;
	if (json_put(root, "format_version", json_object_new_int(SNAPSHOT_FORMAT)) < 0 ||
	    json_put_str(root, "kind", SNAPSHOT_KIND) < 0 ||
	    json_put_str(root, "host", host) < 0 ||
	    json_put(root, "interfaces", devs = json_object_new_array_ext((int)observed->n_devices)) < 0)
		goto fail;
	for (size_t i = 0; i < observed->n_devices; i++)
		if (json_push(devs, device_json(&observed->devices[i], stats)) < 0)
			goto fail;
	if (json_put(root, "routes", routes_json(observed)) < 0 || json_put(root, "rules", rules_json(observed)) < 0 ||
	    json_put(root, "sysctls", sysctls = json_object_new_object()) < 0)
		goto fail;
	for (size_t i = 0; i < observed->n_sysctls; i++)
		if (json_put_str(sysctls, observed->sysctls[i].key, observed->sysctls[i].value) < 0)
			goto fail;
	if (json_put(root, "firewall", fw = json_object_new_object()) < 0 ||
	    json_put(fw, "present", json_object_new_boolean(observed->firewall.present)) < 0 ||
	    json_put_str(fw, "listing", observed->firewall.present ? observed->firewall.body : NULL) < 0 ||
	    json_put(root, "dns", dns_json(observed)) < 0 ||
	    json_put(root, "records", records_json(rec)) < 0)
		goto fail;
	return root;
fail:
	json_object_put(root);
	return NULL;
}

struct json_object *snapshot_to_json(const char *host, const struct host_state *observed,
				     const struct statedir_records *rec)
{
	return snapshot_build(host, observed, rec, true);
}

/* The digest reads the HostState directly (not its JSON): at 10,000 peers,
 * building the JSON costs more than observing the device. Every field that a
 * plan reads is in it, tagged, so that no two states hash alike by shifting. */
static void h_bytes(crypto_generichash_state *st, const void *p, size_t n)
{
	crypto_generichash_update(st, p, n);
}

static void h_u64(crypto_generichash_state *st, uint64_t v)
{
	uint8_t b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	h_bytes(st, b, sizeof(b));
}

static void h_str(crypto_generichash_state *st, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	h_u64(st, s ? n : UINT64_MAX);
	h_bytes(st, s ? s : "", n);
}

static void h_endpoint(crypto_generichash_state *st, const struct wgf_endpoint *e)
{
	h_u64(st, e->family);
	h_u64(st, e->port);
	h_bytes(st, e->addr, sizeof(e->addr));
}

static void h_prefixes(crypto_generichash_state *st, const struct wgf_prefix *v, size_t n)
{
	h_u64(st, n);
	for (size_t i = 0; i < n; i++) {
		uint8_t b[2 + 16] = { v[i].family, v[i].len };

		memcpy(b + 2, v[i].addr, 16);
		h_bytes(st, b, sizeof(b));
	}
}

/* How a digest reads what it hashes: the converged record's digest takes
 * every value a plan could read (PSKs and observed endpoints included); a
 * saved plan's fingerprint takes what the plan made against desired reads and
 * what never is drift it leaves out. */
struct digest_ctx {
	crypto_generichash_state st;
	const struct host_state *desired;          /* set: a saved plan's fingerprint */
	const struct host_state *declared;         /* wgf's record of declared endpoints, or NULL */
};

/* Whether the plan reads the value of the observed endpoint of p on d: only
 * when the desired peer has an endpoint and the one wgf declared before is
 * not that one (else an endpoint that differs is a roam, never drift). */
static bool endpoint_read(const struct digest_ctx *c, const struct hs_device *d, const struct hs_peer *p)
{
	const struct hs_device *dd, *rd;
	const struct hs_peer *want, *prev;

	if (!c->desired)
		return true;
	dd = hoststate_find_device(c->desired, d->ifname);
	want = dd ? hs_device_find_peer(dd, p->public_key) : NULL;
	if (!want || !want->endpoint.family)
		return false;
	rd = c->declared ? hoststate_find_device(c->declared, d->ifname) : NULL;
	prev = rd ? hs_device_find_peer(rd, p->public_key) : NULL;
	return !prev || !endpoint_equal(&prev->endpoint, &want->endpoint);
}

static void h_peer(struct digest_ctx *c, const struct hs_device *d, const struct hs_peer *p)
{
	crypto_generichash_state *st = &c->st;

	h_bytes(st, p->public_key, WG_KEY_LEN);
	h_u64(st, p->has_psk);
	/* a plan compares PSKs by their ids when one side is withheld, and a
	 * snapshot holds only the id: the fingerprint takes the id */
	if (!c->desired) {
		h_u64(st, p->psk_withheld);
		if (p->has_psk)
			h_bytes(st, p->psk, WG_KEY_LEN);
	} else {
		uint8_t id[HS_PSK_ID_LEN];
		bool has_id = hs_peer_psk_id(p, id);

		h_u64(st, has_id);
		if (has_id)
			h_bytes(st, id, sizeof(id));
	}
	if (endpoint_read(c, d, p)) {
		h_endpoint(st, &p->endpoint);
	} else {
		h_u64(st, p->endpoint.family != 0);
	}
	h_u64(st, p->keepalive);
	h_prefixes(st, p->allowed_ips, p->n_allowed_ips);
}

static void h_device(struct digest_ctx *c, const struct hs_device *d)
{
	crypto_generichash_state *st = &c->st;
	uint8_t pub[WG_KEY_LEN] = {0};

	if (d->has_private_key && d->private_key_withheld)
		memcpy(pub, d->public_key, WG_KEY_LEN);
	else if (d->has_private_key && key_public_from_private(pub, d->private_key) < 0)
		memset(pub, 0xff, sizeof(pub));
	h_str(st, d->ifname);
	h_u64(st, d->backend);
	h_u64(st, d->exists);
	h_u64(st, d->up);
	h_u64(st, d->mtu);
	h_u64(st, d->has_private_key);
	h_bytes(st, pub, sizeof(pub));
	h_u64(st, d->listen_port);
	h_u64(st, d->fwmark);
	h_prefixes(st, d->addresses, d->n_addresses);
	h_u64(st, d->n_peers);
	for (size_t i = 0; i < d->n_peers; i++)
		h_peer(c, d, &d->peers[i]);
}

static void h_records(crypto_generichash_state *st, const struct statedir_records *rec)
{
	h_u64(st, rec->owned.n);
	for (size_t i = 0; i < rec->owned.n; i++)
		h_str(st, rec->owned.ifnames[i]);
	h_u64(st, rec->declared ? rec->declared->n_devices : 0);
	for (size_t i = 0; rec->declared && i < rec->declared->n_devices; i++) {
		const struct hs_device *d = &rec->declared->devices[i];

		h_str(st, d->ifname);
		h_u64(st, d->n_peers);
		for (size_t j = 0; j < d->n_peers; j++) {
			h_bytes(st, d->peers[j].public_key, WG_KEY_LEN);
			h_endpoint(st, &d->peers[j].endpoint);
		}
	}
}

/* The table as listed and wgf's record of it, but the record's stamp (which
 * only says when it was read). */
static void h_firewall(crypto_generichash_state *st, const struct hs_firewall *fw, const struct fw_record *rec)
{
	h_u64(st, fw->present);
	h_str(st, fw->present ? fw->body : NULL);
	h_u64(st, rec != NULL);
	if (!rec)
		return;
	h_str(st, rec->body);
	h_str(st, rec->listing);
	h_u64(st, rec->n_items);
	for (size_t i = 0; i < rec->n_items; i++) {
		h_str(st, rec->items[i].key);
		h_str(st, rec->items[i].value);
	}
}

/* A route that stands for a desired switched one is read by a plan only as
 * "there is one" (which member is in use is not drift). */
static void h_route(struct digest_ctx *c, const struct hs_route *rt)
{
	crypto_generichash_state *st = &c->st;

	for (size_t i = 0; c->desired && i < c->desired->n_routes; i++) {
		if (c->desired->routes[i].switched && hs_route_satisfies(&c->desired->routes[i], rt, c->desired)) {
			h_str(st, "switched");
			h_prefixes(st, &rt->dst, 1);
			h_u64(st, rt->table);
			return;
		}
	}
	h_str(st, rt->ifname);
	h_prefixes(st, &rt->dst, 1);
	h_u64(st, rt->table);
	h_u64(st, rt->metric);
	h_u64(st, rt->type);
	h_u64(st, rt->has_prefsrc);
	h_prefixes(st, &rt->prefsrc, 1);
}

static void h_rule(crypto_generichash_state *st, const struct hs_rule *r)
{
	h_u64(st, (uint64_t)r->family);
	h_u64(st, r->priority);
	h_prefixes(st, &r->src, 1);
	h_prefixes(st, &r->dst, 1);
	h_str(st, r->iifname);
	h_u64(st, r->has_fwmark);
	h_u64(st, r->invert);
	h_u64(st, r->fwmark);
	h_u64(st, r->fwmask);
	h_u64(st, r->table);
	h_u64(st, (uint64_t)(int64_t)r->suppress_prefixlen);
}

static void h_state(struct digest_ctx *c, const char *tag, const char *host, const struct host_state *observed,
		    const struct statedir_records *rec)
{
	crypto_generichash_state *st = &c->st;

	h_str(st, tag);
	h_str(st, host);
	h_u64(st, observed->n_devices);
	for (size_t i = 0; i < observed->n_devices; i++)
		h_device(c, &observed->devices[i]);
	h_u64(st, observed->n_routes);
	for (size_t i = 0; i < observed->n_routes; i++)
		h_route(c, &observed->routes[i]);
	h_u64(st, observed->n_rules);
	for (size_t i = 0; i < observed->n_rules; i++)
		h_rule(st, &observed->rules[i]);
	h_u64(st, observed->n_sysctls);
	for (size_t i = 0; i < observed->n_sysctls; i++) {
		h_str(st, observed->sysctls[i].key);
		h_str(st, observed->sysctls[i].value);
	}
	/* DNS only when there is some: fingerprints of hosts without stay as they were */
	if (observed->n_dns) {
		h_str(st, "dns");
		h_str(st, hs_dns_manager_name(observed->dns_manager));
		h_u64(st, observed->n_dns);
	}
	for (size_t i = 0; i < observed->n_dns; i++) {
		const struct hs_dns *d = &observed->dns[i];

		h_str(st, d->ifname);
		h_u64(st, d->n_servers);
		h_prefixes(st, d->servers, d->n_servers);
		h_u64(st, d->n_search);
		for (size_t j = 0; j < d->n_search; j++)
			h_str(st, d->search[j]);
		h_u64(st, d->n_routing);
		for (size_t j = 0; j < d->n_routing; j++)
			h_str(st, d->routing[j]);
		h_u64(st, d->default_route);
	}
	/* wgf's records: what it owns, the endpoints it declared */
	h_records(st, rec);
}

int snapshot_digest(const char *host, const struct host_state *observed, const struct statedir_records *rec,
		    uint8_t out[SNAPSHOT_DIGEST_LEN])
{
	struct digest_ctx c = { .declared = rec->declared };

	crypto_generichash_init(&c.st, NULL, 0, SNAPSHOT_DIGEST_LEN);
	h_state(&c, "wgf-converged-1", host, observed, rec);
	crypto_generichash_final(&c.st, out, SNAPSHOT_DIGEST_LEN);
	sodium_memzero(&c, sizeof(c));
	return 0;
}

void snapshot_fingerprint(const char *host, const struct host_state *observed, const struct statedir_records *rec,
			  const struct host_state *desired, uint8_t out[SNAPSHOT_DIGEST_LEN])
{
	struct digest_ctx c = { .desired = desired, .declared = rec->declared };

	crypto_generichash_init(&c.st, NULL, 0, SNAPSHOT_DIGEST_LEN);
	h_state(&c, "wgf-saved-plan-1", host, observed, rec);
	h_firewall(&c.st, &observed->firewall, rec->fw_applied);
	crypto_generichash_final(&c.st, out, SNAPSHOT_DIGEST_LEN);
	sodium_memzero(&c, sizeof(c));
}

/* ---- reading ---- */

struct reader {
	struct wgf_error *err;
	char path[256];                /* where in the document: "interfaces[0].peers[2]" */
};

static int bad(struct reader *r, const char *field, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(struct reader *r, const char *field, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return wgf_error_set(r->err, -EBADMSG, "%s%s%s: %s", r->path, *r->path && field ? "." : "",
			     field ? field : "", what);
}

/* The member, which must have the type (json_type_null: any); NULL when absent
 * or null and optional. */
static int member(struct reader *r, struct json_object *o, const char *key, json_type type, bool optional,
		  struct json_object **out)
{
	*out = NULL;
	if (!json_object_object_get_ex(o, key, out) || !*out) {
		*out = NULL;
		return optional ? 0 : bad(r, key, "missing");
	}
	if (type != json_type_null && !json_object_is_type(*out, type))
		return bad(r, key, "expected %s, got %s", json_type_to_name(type),
			   json_type_to_name(json_object_get_type(*out)));
	return 0;
}

static int get_str(struct reader *r, struct json_object *o, const char *key, bool optional, const char **out)
{
	struct json_object *v;
	int ret = member(r, o, key, json_type_string, optional, &v);

	*out = v ? json_object_get_string(v) : NULL;
	return ret;
}

static int get_uint(struct reader *r, struct json_object *o, const char *key, uint64_t max, uint64_t *out)
{
	struct json_object *v;
	int64_t n;
	int ret = member(r, o, key, json_type_int, false, &v);

	if (ret < 0)
		return ret;
	n = json_object_get_int64(v);
	if (n < 0 || (uint64_t)n > max)
		return bad(r, key, "%lld is out of range (0 to %llu)", (long long)n, (unsigned long long)max);
	*out = (uint64_t)n;
	return 0;
}

static int get_bool(struct reader *r, struct json_object *o, const char *key, bool *out)
{
	struct json_object *v;
	int ret = member(r, o, key, json_type_boolean, false, &v);

	if (ret == 0)
		*out = json_object_get_boolean(v);
	return ret;
}

static int get_key(struct reader *r, struct json_object *o, const char *key, bool optional, bool *has,
		   uint8_t out[WG_KEY_LEN])
{
	const char *s;
	int ret = get_str(r, o, key, optional, &s);

	if (has)
		*has = s != NULL;
	if (ret < 0 || !s)
		return ret;
	if (!key_from_base64(s, out))
		return bad(r, key, "%s is not a WireGuard key", diag_quote(s));
	return 0;
}

static int get_endpoint(struct reader *r, struct json_object *o, const char *key, bool optional,
			struct wgf_endpoint *out)
{
	const char *s;
	int ret = get_str(r, o, key, optional, &s);

	memset(out, 0, sizeof(*out));
	if (ret < 0 || !s)
		return ret;
	if (!endpoint_parse(s, out))
		return bad(r, key, "%s is not an endpoint", diag_quote(s));
	return 0;
}

static int get_prefixes(struct reader *r, struct json_object *o, const char *key, void *ctx,
			int (*add_one)(void *ctx, const struct wgf_prefix *p))
{
	struct json_object *arr;
	struct wgf_prefix p;
	int ret = member(r, o, key, json_type_array, false, &arr);

	for (size_t i = 0; ret == 0 && i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		const char *s = json_object_is_type(e, json_type_string) ? json_object_get_string(e) : NULL;
		if (!s || !prefix_parse(s, true, &p))
			return bad(r, key, "[%zu]: %s is not an IP prefix", i,
				   s ? diag_quote(s) : json_type_to_name(json_object_get_type(e)));
		if (add_one(ctx, &p) < 0)
			return wgf_error_set(r->err, -ENOMEM, NULL);
	}
	return ret;
}

static int add_allowed_ip(void *ctx, const struct wgf_prefix *p) { return hs_peer_add_allowed_ip(ctx, p); }
static int add_address(void *ctx, const struct wgf_prefix *p) { return hs_device_add_address(ctx, p); }

/* Appends "[i]" or ".key[i]" to r->path for the duration of a nested read. */
static size_t path_push(struct reader *r, const char *key, size_t i)
{
	size_t len = strlen(r->path);

	snprintf(r->path + len, sizeof(r->path) - len, "%s%s[%zu]", len && key ? "." : "", key ? key : "", i);
	return len;
}

static int read_peer(struct reader *r, struct json_object *o, struct hs_device *d)
{
	struct hs_peer *p = hs_device_add_peer(d);
	const char *psk = NULL, *psk_id = NULL;
	uint64_t keepalive, rx, tx, hs;
	int ret;

	if (!p)
		return wgf_error_set(r->err, -ENOMEM, NULL);
	if (!json_object_is_type(o, json_type_object))
		return bad(r, NULL, "expected an object");
	ret = get_key(r, o, "public_key", false, NULL, p->public_key);
	if (ret == 0)
		ret = get_str(r, o, "preshared_key", true, &psk);
	if (ret == 0)
		ret = get_str(r, o, "preshared_key_id", true, &psk_id);
	if (ret < 0)
		return ret;
	if (psk && strcmp(psk, "(sensitive)"))
		return bad(r, "preshared_key", "a snapshot never holds a key: expected \"(sensitive)\" or null");
	p->has_psk = p->psk_withheld = psk != NULL;
	if (psk_id && (!psk || !seal_id_from_base64(psk_id, p->psk_id)))
		return bad(r, "preshared_key_id", psk ? "%s is not a preshared key's id" : "%s without a preshared_key",
			   diag_quote(psk_id));
	p->has_psk_id = psk_id != NULL;
	if ((ret = get_endpoint(r, o, "endpoint", true, &p->endpoint)) < 0 ||
	    (ret = get_uint(r, o, "keepalive", UINT16_MAX, &keepalive)) < 0 ||
	    (ret = get_prefixes(r, o, "allowed_ips", p, add_allowed_ip)) < 0 ||
	    (ret = get_uint(r, o, "latest_handshake", INT64_MAX, &hs)) < 0 ||
	    (ret = get_uint(r, o, "rx_bytes", INT64_MAX, &rx)) < 0 ||
	    (ret = get_uint(r, o, "tx_bytes", INT64_MAX, &tx)) < 0)
		return ret;
	p->keepalive = (uint16_t)keepalive;
	p->last_handshake_sec = (int64_t)hs;
	p->rx_bytes = rx;
	p->tx_bytes = tx;
	return 0;
}

static int read_device(struct reader *r, struct json_object *o, struct host_state *hs)
{
	struct json_object *peers;
	struct hs_device *d;
	const char *ifname, *backend;
	uint64_t mtu, port, fwmark;
	int ret;

	if (!json_object_is_type(o, json_type_object))
		return bad(r, NULL, "expected an object");
	if ((ret = get_str(r, o, "interface", false, &ifname)) < 0 ||
	    (ret = get_str(r, o, "backend", false, &backend)) < 0)
		return ret;
	if (!*ifname || strlen(ifname) >= IFNAMSIZ || strchr(ifname, '/'))
		return bad(r, "interface", "%s is not an interface name", diag_quote(ifname));
	if (hoststate_find_device(hs, ifname))
		return bad(r, "interface", "\"%s\" is listed twice", ifname);
	if (strcmp(backend, "kernel") && strcmp(backend, "userspace"))
		return bad(r, "backend", "expected \"kernel\" or \"userspace\"");
	d = hoststate_add_device(hs, ifname);
	if (!d)
		return wgf_error_set(r->err, -ENOMEM, NULL);
	d->exists = true;
	d->backend = !strcmp(backend, "kernel") ? HS_BACKEND_KERNEL : HS_BACKEND_USERSPACE;
	if ((ret = get_bool(r, o, "up", &d->up)) < 0 ||
	    (ret = get_uint(r, o, "mtu", UINT32_MAX, &mtu)) < 0 ||
	    (ret = get_key(r, o, "public_key", true, &d->has_private_key, d->public_key)) < 0 ||
	    (ret = get_uint(r, o, "listen_port", UINT16_MAX, &port)) < 0 ||
	    (ret = get_uint(r, o, "fwmark", UINT32_MAX, &fwmark)) < 0 ||
	    (ret = get_prefixes(r, o, "addresses", d, add_address)) < 0 ||
	    (ret = member(r, o, "peers", json_type_array, false, &peers)) < 0)
		return ret;
	d->private_key_withheld = d->has_private_key;
	d->mtu = (uint32_t)mtu;
	d->listen_port = (uint16_t)port;
	d->fwmark = (uint32_t)fwmark;
	for (size_t i = 0; i < json_object_array_length(peers); i++) {
		size_t len = path_push(r, "peers", i);
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
	const char *ifname, *dst, *why;
	uint64_t table, metric;
	int ret;

	if (!json_object_is_type(o, json_type_object))
		return bad(r, NULL, "expected an object");
	if ((ret = get_str(r, o, "interface", true, &ifname)) < 0 ||
	    (ret = get_str(r, o, "destination", false, &dst)) < 0 ||
	    (ret = get_uint(r, o, "table", UINT32_MAX, &table)) < 0 ||
	    (ret = get_uint(r, o, "metric", UINT32_MAX, &metric)) < 0)
		return ret;
	if (ifname && (!*ifname || strlen(ifname) >= IFNAMSIZ))
		return bad(r, "interface", "%s is not an interface name", diag_quote(ifname));
	if (!prefix_parse(dst, true, &rt.dst))
		return bad(r, "destination", "%s is not an IP prefix", diag_quote(dst));
	snprintf(rt.ifname, sizeof(rt.ifname), "%s", ifname ? ifname : "");
	rt.table = (uint32_t)table;
	rt.metric = (uint32_t)metric;
	if (hs_route_kind_from_json(o, &rt, &why) < 0)
		return bad(r, NULL, "%s", why);
	return hoststate_add_route(hs, &rt) < 0 ? wgf_error_set(r->err, -ENOMEM, NULL) : 0;
}

/* Each element of the array key through fn, with its index in the path. */
static int each(struct reader *r, struct json_object *o, const char *key, void *ctx,
		int (*fn)(struct reader *r, struct json_object *e, void *ctx))
{
	struct json_object *arr;
	int ret = member(r, o, key, json_type_array, false, &arr);

	for (size_t i = 0; ret == 0 && i < json_object_array_length(arr); i++) {
		size_t len = path_push(r, key, i);
		ret = fn(r, json_object_array_get_idx(arr, i), ctx);
		r->path[len] = '\0';
	}
	return ret;
}

static int each_device(struct reader *r, struct json_object *e, void *hs) { return read_device(r, e, hs); }
static int each_route(struct reader *r, struct json_object *e, void *hs) { return read_route(r, e, hs); }

static int each_rule(struct reader *r, struct json_object *e, void *ctx)
{
	struct hs_rule rule;
	const char *why;

	if (hs_rule_from_json(e, &rule, &why) < 0)
		return bad(r, NULL, "%s", why);
	return hoststate_add_rule(ctx, &rule) < 0 ? wgf_error_set(r->err, -ENOMEM, NULL) : 0;
}

static int each_owned(struct reader *r, struct json_object *e, void *ctx)
{
	struct statedir_owned *owned = ctx;
	const char *s = json_object_is_type(e, json_type_string) ? json_object_get_string(e) : NULL;
	char **v;

	if (!s || !*s || strlen(s) >= IFNAMSIZ)
		return bad(r, NULL, "expected an interface name");
	v = realloc(owned->ifnames, (owned->n + 1) * sizeof(*v));
	if (!v)
		return wgf_error_set(r->err, -ENOMEM, NULL);
	owned->ifnames = v;
	if (!(v[owned->n] = strdup(s)))
		return wgf_error_set(r->err, -ENOMEM, NULL);
	owned->n++;
	return 0;
}

static int each_declared(struct reader *r, struct json_object *e, void *ctx)
{
	struct host_state *hs = ctx;
	struct hs_device *d;
	struct hs_peer *p;
	const char *ifname;
	uint8_t key[WG_KEY_LEN];
	struct wgf_endpoint ep;
	int ret;

	if (!json_object_is_type(e, json_type_object))
		return bad(r, NULL, "expected an object");
	if ((ret = get_str(r, e, "interface", false, &ifname)) < 0 ||
	    (ret = get_key(r, e, "public_key", false, NULL, key)) < 0 ||
	    (ret = get_endpoint(r, e, "endpoint", false, &ep)) < 0)
		return ret;
	if (!*ifname || strlen(ifname) >= IFNAMSIZ)
		return bad(r, "interface", "expected an interface name");
	d = hoststate_find_device(hs, ifname);
	if (!d) {
		d = hoststate_add_device(hs, ifname);
		hoststate_normalize(hs);
		d = d ? hoststate_find_device(hs, ifname) : NULL;
	}
	if (!d || !(p = hs_device_add_peer(d)))
		return wgf_error_set(r->err, -ENOMEM, NULL);
	memcpy(p->public_key, key, WG_KEY_LEN);
	p->endpoint = ep;
	return 0;
}

static int read_records(struct reader *r, struct json_object *root, struct statedir_records *rec)
{
	struct json_object *o, *fw;
	int ret = member(r, root, "records", json_type_object, false, &o);

	if (ret < 0)
		return ret;
	snprintf(r->path, sizeof(r->path), "records");
	rec->declared = hoststate_new();
	if (!rec->declared)
		return wgf_error_set(r->err, -ENOMEM, NULL);
	if ((ret = each(r, o, "owned_interfaces", &rec->owned, each_owned)) < 0 ||
	    (ret = each(r, o, "declared_endpoints", rec->declared, each_declared)) < 0 ||
	    (ret = member(r, o, "firewall", json_type_object, true, &fw)) < 0)
		return ret;
	hoststate_normalize(rec->declared);
	if (fw) {
		ret = statedir_firewall_from_json(fw, &rec->fw_applied);
		if (ret == -EBADMSG)
			return bad(r, "firewall", "not a firewall record");
		if (ret < 0)
			return wgf_error_set(r->err, ret, NULL);
	}
	r->path[0] = '\0';
	return 0;
}

/* Optional: a snapshot from before DNS has none (its manager stays unknown). */
static int read_dns(struct reader *r, struct json_object *root, struct host_state *hs)
{
	struct json_object *o, *ifs;
	const char *manager, *why = NULL;
	int m, ret;

	if ((ret = member(r, root, "dns", json_type_object, true, &o)) < 0 || !o)
		return ret;
	snprintf(r->path, sizeof(r->path), "dns");
	if ((ret = get_str(r, o, "manager", false, &manager)) < 0 ||
	    (ret = member(r, o, "interfaces", json_type_object, false, &ifs)) < 0)
		return ret;
	m = hs_dns_manager_from_name(manager);
	if (m < 0)
		return bad(r, "manager", "%s is not a DNS manager", diag_quote(manager));
	hs->dns_manager = (enum hs_dns_manager)m;
	json_object_object_foreach(ifs, ifname, val) {
		struct hs_dns *d;

		if (!*ifname || strlen(ifname) >= IFNAMSIZ || strchr(ifname, '/'))
			return bad(r, "interfaces", "%s is not an interface name", diag_quote(ifname));
		if (!(d = hoststate_add_dns(hs, ifname)))
			return wgf_error_set(r->err, -ENOMEM, NULL);
		if (!plan_dns_from_json(val, d, &why))
			return bad(r, "interfaces", "%s: %s", diag_quote(ifname), why);
	}
	r->path[0] = '\0';
	return 0;
}

static int read_observed(struct reader *r, struct json_object *root, struct host_state *hs)
{
	struct json_object *sysctls, *fw;
	const char *listing;
	bool present = false;
	int ret;

	if ((ret = each(r, root, "interfaces", hs, each_device)) < 0 ||
	    (ret = each(r, root, "routes", hs, each_route)) < 0 ||
	    /* snapshots before policy rules have none */
	    (json_object_object_get_ex(root, "rules", NULL) && (ret = each(r, root, "rules", hs, each_rule)) < 0) ||
	    (ret = member(r, root, "sysctls", json_type_object, false, &sysctls)) < 0)
		return ret;
	json_object_object_foreach(sysctls, key, val) {
		if (!json_object_is_type(val, json_type_string))
			return bad(r, "sysctls", "%s: expected a string", diag_quote(key));
		if (hoststate_add_sysctl(hs, key, json_object_get_string(val)) < 0)
			return wgf_error_set(r->err, -ENOMEM, NULL);
	}
	if ((ret = member(r, root, "firewall", json_type_object, false, &fw)) < 0)
		return ret;
	snprintf(r->path, sizeof(r->path), "firewall");
	if ((ret = get_bool(r, fw, "present", &present)) < 0 ||
	    (ret = get_str(r, fw, "listing", !present, &listing)) < 0)
		return ret;
	r->path[0] = '\0';
	hs->firewall.present = present;
	if (present && !(hs->firewall.body = strdup(listing)))
		return wgf_error_set(r->err, -ENOMEM, NULL);
	if ((ret = read_dns(r, root, hs)) < 0)
		return ret;
	hoststate_normalize(hs);
	/* the diff's merge walks need one entry per key */
	for (size_t i = 0; i < hs->n_devices; i++)
		for (size_t j = 1; j < hs->devices[i].n_peers; j++)
			if (!hs_peer_cmp(&hs->devices[i].peers[j - 1], &hs->devices[i].peers[j]))
				return bad(r, "interfaces", "%s lists a peer twice", hs->devices[i].ifname);
	return 0;
}

int snapshot_parse(const char *text, size_t len, struct snapshot *out, struct wgf_error *err)
{
	struct reader r = { .err = err };
	struct json_tokener *tok = json_tokener_new();
	struct json_object *root = NULL;
	const char *kind, *host;
	uint64_t format;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!tok)
		return wgf_error_set(err, -ENOMEM, NULL);
	root = json_tokener_parse_ex(tok, text, (int)strnlen(text, len > INT_MAX ? INT_MAX : len));
	if (!root || json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(root, json_type_object)) {
		ret = wgf_error_set(err, -EBADMSG, "not a JSON object: %s",
				    json_tokener_error_desc(json_tokener_get_error(tok)));
		goto out;
	}
	if ((ret = get_str(&r, root, "kind", false, &kind)) < 0)
		goto out;
	if (strcmp(kind, SNAPSHOT_KIND)) {
		ret = bad(&r, "kind", "%s is not a snapshot (expected \"%s\")", diag_quote(kind),
			  SNAPSHOT_KIND);
		goto out;
	}
	if ((ret = get_uint(&r, root, "format_version", UINT32_MAX, &format)) < 0)
		goto out;
	if (format != SNAPSHOT_FORMAT) {
		ret = bad(&r, "format_version", "%llu is not one this wgf reads (%d)", (unsigned long long)format,
			  SNAPSHOT_FORMAT);
		goto out;
	}
	if ((ret = get_str(&r, root, "host", false, &host)) < 0)
		goto out;
	out->host = strdup(host);
	out->observed = hoststate_new();
	if (!out->host || !out->observed) {
		ret = wgf_error_set(err, -ENOMEM, NULL);
		goto out;
	}
	ret = read_observed(&r, root, out->observed);
	if (ret == 0)
		ret = read_records(&r, root, &out->rec);
out:
	if (ret < 0)
		snapshot_clear(out);
	json_object_put(root);
	json_tokener_free(tok);
	return ret;
}

void snapshot_clear(struct snapshot *s)
{
	free(s->host);
	hoststate_free(s->observed);
	statedir_records_clear(&s->rec);
	memset(s, 0, sizeof(*s));
}
