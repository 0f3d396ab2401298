/* One interface's DNS setting as JSON and back (plan_json.h): plans, saved
 * plans and snapshots carry it the same way. */
#include "reconcile/plan/plan_json.h"

#include <ctype.h>
#include <string.h>

#include <json-c/json.h>

#include "model/dns_name.h"
#include "reconcile/plan/json_put.h"

static struct json_object *strings_json(char *const *v, size_t n)
{
	struct json_object *arr = json_object_new_array_ext((int)n);

	for (size_t i = 0; arr && i < n; i++)
		if (json_push(arr, json_object_new_string(v[i])) < 0) {
			json_object_put(arr);
			return NULL;
		}
	return arr;
}

/* {"servers", "search", "routing", "default_route"}: the whole setting, so a
 * plan read back has it (plan_json_read.c). */
struct json_object *plan_dns_json(const struct hs_dns *d)
{
	struct json_object *o = json_object_new_object(), *servers = json_object_new_array_ext((int)d->n_servers);
	char buf[PREFIX_STRLEN];

	if (!o || json_put(o, "servers", servers) < 0)
		goto fail;
	for (size_t i = 0; i < d->n_servers; i++)
		if (json_push(servers, json_object_new_string(prefix_format_addr(&d->servers[i], buf))) < 0)
			goto fail;
	if (json_put(o, "search", strings_json(d->search, d->n_search)) < 0 ||
	    json_put(o, "routing", strings_json(d->routing, d->n_routing)) < 0 ||
	    json_put_str(o, "default_route", hs_dns_route_name(d->default_route)) < 0)
		goto fail;
	return o;
fail:
	json_object_put(o);
	return NULL;
}

/* What the loader keeps: a DNS name, lower-case. Nothing else may reach
 * resolvconf's input or resolved. */
static bool domain_ok(const char *s)
{
	for (const char *c = s; *c; c++)
		if (isupper((unsigned char)*c))
			return false;
	return dns_name_ok(s, strlen(s));
}

static bool read_names(struct json_object *o, const char *key, struct hs_dns *out, bool routing, const char **why)
{
	struct json_object *arr = NULL;

	if (!json_object_object_get_ex(o, key, &arr) || !json_object_is_type(arr, json_type_array)) {
		*why = routing ? "routing: expected a list of domains" : "search: expected a list of domains";
		return false;
	}
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);
		const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;

		/* "." routes every name (resolvectl's "~."), set by hand and observed */
		if (!s || !(domain_ok(s) || (routing && !strcmp(s, ".")))) {
			*why = routing ? "routing: not a DNS name" : "search: not a DNS name";
			return false;
		}
		if ((routing ? hs_dns_add_routing(out, s) : hs_dns_add_search(out, s)) < 0) {
			*why = "out of memory";
			return false;
		}
	}
	return true;
}

bool plan_dns_from_json(struct json_object *o, struct hs_dns *out, const char **why)
{
	struct json_object *servers = NULL, *route = NULL;
	int dr;

	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "servers", &servers) || !json_object_is_type(servers, json_type_array)) {
		*why = "servers: expected a list of addresses";
		return false;
	}
	for (size_t i = 0; i < json_object_array_length(servers); i++) {
		struct json_object *v = json_object_array_get_idx(servers, i);
		struct wgf_prefix p;

		if (!json_object_is_type(v, json_type_string) || !prefix_parse(json_object_get_string(v), true, &p) ||
		    p.len != prefix_max_len(p.family)) {
			*why = "servers: not an IP address";
			return false;
		}
		if (hs_dns_add_server(out, &p) < 0) {
			*why = "out of memory";
			return false;
		}
	}
	if (!read_names(o, "search", out, false, why) || !read_names(o, "routing", out, true, why))
		return false;
	json_object_object_get_ex(o, "default_route", &route);
	dr = route && json_object_is_type(route, json_type_string) ?
	     hs_dns_route_from_name(json_object_get_string(route)) : -1;
	if (dr < 0) {
		*why = "default_route: expected \"auto\", \"yes\" or \"no\"";
		return false;
	}
	out->default_route = (enum hs_dns_route)dr;
	return true;
}
