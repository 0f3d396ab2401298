#include "reconcile/plan/hs_json.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "reconcile/plan/json_put.h"

struct json_object *hs_address_to_json(const struct wgf_prefix *p)
{
	char buf[PREFIX_STRLEN];

	prefix_format(p, buf);
	if (strchr(buf, '/'))
		*strchr(buf, '/') = '\0';
	return json_object_new_string(buf);
}

static int put_prefix(struct json_object *o, const char *key, const struct wgf_prefix *p)
{
	char buf[PREFIX_STRLEN];

	return p->len ? json_put_str(o, key, prefix_format(p, buf)) : json_put_null(o, key);
}

static int put_u32_or_null(struct json_object *o, const char *key, bool has, int64_t v)
{
	return has ? json_put(o, key, json_object_new_int64(v)) : json_put_null(o, key);
}

struct json_object *hs_rule_to_json(const struct hs_rule *rule)
{
	struct json_object *r = json_object_new_object();

	if (!r)
		return NULL;
	if (json_put(r, "family", json_object_new_int(rule->family == AF_INET6 ? 6 : 4)) < 0 ||
	    json_put(r, "priority", json_object_new_int64(rule->priority)) < 0 ||
	    put_prefix(r, "from", &rule->src) < 0 || put_prefix(r, "to", &rule->dst) < 0 ||
	    json_put_str(r, "iif", rule->iifname[0] ? rule->iifname : NULL) < 0 ||
	    put_u32_or_null(r, "fwmark", rule->has_fwmark, rule->fwmark) < 0 ||
	    put_u32_or_null(r, "fwmask", rule->has_fwmark, rule->fwmask) < 0 ||
	    json_put(r, "not", json_object_new_boolean(rule->invert)) < 0 ||
	    json_put(r, "table", json_object_new_int64(rule->table)) < 0 ||
	    put_u32_or_null(r, "suppress_prefixlength", rule->suppress_prefixlen >= 0, rule->suppress_prefixlen) < 0) {
		json_object_put(r);
		return NULL;
	}
	return r;
}

static struct json_object *get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
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

/* A string member, or null/absent (*out NULL); false for another type. */
static bool opt_str(struct json_object *o, const char *key, const char **out)
{
	struct json_object *v = get(o, key);

	*out = v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
	return !v || *out;
}

static bool rule_prefix(struct json_object *o, const char *key, int family, struct wgf_prefix *out)
{
	const char *s;

	memset(out, 0, sizeof(*out));
	out->family = (uint8_t)family;
	if (!opt_str(o, key, &s))
		return false;
	return !s || (prefix_parse(s, false, out) && out->family == family && out->len);
}

int hs_rule_from_json(struct json_object *o, struct hs_rule *out, const char **why)
{
	struct json_object *inv = get(o, "not"), *sp = get(o, "suppress_prefixlength");
	uint64_t fam, prio, table, mark = 0, mask = 0, spl = 0;
	const char *iif;

	memset(out, 0, sizeof(*out));
	if (!o || !json_object_is_type(o, json_type_object))
		return *why = "expected an object", -EBADMSG;
	if (!uint_of(get(o, "family"), 6, &fam) || (fam != 4 && fam != 6))
		return *why = "family: expected 4 or 6", -EBADMSG;
	out->family = fam == 4 ? AF_INET : AF_INET6;
	if (!uint_of(get(o, "priority"), HS_RULE_PRIO_MAX, &prio) || prio < HS_RULE_PRIO_MIN)
		return *why = "priority: expected 20000 to 20999 (wgf's range)", -EBADMSG;
	if (!uint_of(get(o, "table"), UINT32_MAX, &table) || !table)
		return *why = "table: expected a table number", -EBADMSG;
	if (!inv || !json_object_is_type(inv, json_type_boolean))
		return *why = "not: expected true or false", -EBADMSG;
	if (!rule_prefix(o, "from", out->family, &out->src) || !rule_prefix(o, "to", out->family, &out->dst))
		return *why = "from, to: expected a prefix of the rule's family, or null", -EBADMSG;
	if (!opt_str(o, "iif", &iif) || (iif && (!*iif || strlen(iif) >= IFNAMSIZ || strchr(iif, '/'))))
		return *why = "iif: expected an interface name or null", -EBADMSG;
	out->has_fwmark = get(o, "fwmark") != NULL;
	if (out->has_fwmark && (!uint_of(get(o, "fwmark"), UINT32_MAX, &mark) ||
				!uint_of(get(o, "fwmask"), UINT32_MAX, &mask)))
		return *why = "fwmark, fwmask: expected numbers", -EBADMSG;
	if (!out->has_fwmark && get(o, "fwmask"))
		return *why = "fwmask: without a fwmark", -EBADMSG;
	if (sp && !uint_of(sp, prefix_max_len((uint8_t)out->family), &spl))
		return *why = "suppress_prefixlength: expected a prefix length or null", -EBADMSG;
	out->priority = (uint32_t)prio;
	out->table = (uint32_t)table;
	out->invert = json_object_get_boolean(inv);
	snprintf(out->iifname, sizeof(out->iifname), "%s", iif ? iif : "");
	out->fwmark = (uint32_t)mark;
	out->fwmask = (uint32_t)mask;
	out->suppress_prefixlen = sp ? (int)spl : -1;
	return 0;
}

int hs_route_kind_to_json(struct json_object *o, const struct hs_route *rt)
{
	if (json_put_str(o, "type", hs_route_type_name(rt->type)) < 0)
		return -ENOMEM;
	return rt->has_prefsrc ? json_put(o, "prefsrc", hs_address_to_json(&rt->prefsrc)) : json_put_null(o, "prefsrc");
}

int hs_route_kind_from_json(struct json_object *o, struct hs_route *rt, const char **why)
{
	const char *type, *src;
	int t = HS_ROUTE_UNICAST;

	if (!opt_str(o, "type", &type) || (type && (t = hs_route_type_from_name(type)) < 0))
		return *why = "type: expected unicast, blackhole or throw", -EBADMSG;
	rt->type = (enum hs_route_type)t;
	memset(&rt->prefsrc, 0, sizeof(rt->prefsrc));
	if (!opt_str(o, "prefsrc", &src))
		return *why = "prefsrc: expected an address or null", -EBADMSG;
	rt->has_prefsrc = src != NULL;
	if (src && (!prefix_parse(src, true, &rt->prefsrc) || rt->prefsrc.family != rt->dst.family ||
		    rt->prefsrc.len != prefix_max_len(rt->prefsrc.family)))
		return *why = "prefsrc: expected an address of the route's family", -EBADMSG;
	if ((rt->type == HS_ROUTE_UNICAST) != (rt->ifname[0] != '\0'))
		return *why = "interface: a route out of a device has one, a blackhole or throw none", -EBADMSG;
	return 0;
}
