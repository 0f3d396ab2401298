/* The review report as one JSON object (kind "wgf-report"): data for machines. */
#include "reconcile/plan/report.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>


#define REPORT_JSON_FORMAT 1

static json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static json_object *end_json(const struct reach_end *e)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "kind", json_object_new_string(reach_kind_names[e->kind]));
	json_object_object_add(o, "label", json_object_new_string(e->label));
	json_object_object_add(o, "address", json_object_new_string(e->addr));
	json_object_object_add(o, "members", json_object_new_int64((int64_t)e->n_members));
	json_object_object_add(o, "tenant", str_or_null(e->tenant));
	return o;
}

static json_object *flow_json(const struct reach_diff *d, const struct reach_flow *fl)
{
	json_object *o = json_object_new_object();
	char at[4200];

	json_object_object_add(o, "from", end_json(&d->ends[fl->src]));
	json_object_object_add(o, "to", end_json(&d->ends[fl->dst]));
	json_object_object_add(o, "family", json_object_new_string(fl->both_families ? "ipv4+ipv6" :
				d->ends[fl->src].family == AF_INET6 ? "ipv6" : "ipv4"));
	json_object_object_add(o, "services", json_object_new_string(fl->services));
	json_object_object_add(o, "before", json_object_new_string(fl->before ? "accept" : "drop"));
	json_object_object_add(o, "after", json_object_new_string(fl->after ? "accept" : "drop"));
	json_object_object_add(o, "decided_before", json_object_new_string(fl->why_before));
	json_object_object_add(o, "decided_after", json_object_new_string(fl->why_after));
	if (fl->loc.line) {
		snprintf(at, sizeof(at), "%s:%u:%u", fl->loc.file, fl->loc.line, fl->loc.col);
		json_object_object_add(o, "decided_at", json_object_new_string(at));
		json_object_object_add(o, "decided_at_base", json_object_new_boolean(fl->loc_at_base));
	} else {
		json_object_object_add(o, "decided_at", NULL);
	}
	json_object_object_add(o, "host", str_or_null(fl->host));
	json_object_object_add(o, "opened", json_object_new_boolean(fl->flags & REACH_OPENED));
	json_object_object_add(o, "cross_tenant", json_object_new_boolean(fl->flags & REACH_CROSS_TENANT));
	json_object_object_add(o, "internet", json_object_new_boolean(fl->flags & REACH_INTERNET_PATH));
	return o;
}

static json_object *reach_json(const struct reach_diff *d)
{
	json_object *o = json_object_new_object(), *flows = json_object_new_array();

	json_object_object_add(o, "endpoints", json_object_new_int64((int64_t)d->n_endpoints));
	json_object_object_add(o, "groups", json_object_new_int64((int64_t)d->n_ends));
	json_object_object_add(o, "services", json_object_new_int64((int64_t)d->n_services));
	json_object_object_add(o, "evaluations", json_object_new_int64((int64_t)d->n_evaluations));
	json_object_object_add(o, "opened", json_object_new_int64((int64_t)d->n_opened));
	json_object_object_add(o, "closed", json_object_new_int64((int64_t)d->n_closed));
	json_object_object_add(o, "flagged", json_object_new_int64((int64_t)d->n_flagged));
	for (size_t i = 0; i < d->n_flows; i++)
		json_object_array_add(flows, flow_json(d, &d->flows[i]));
	json_object_object_add(o, "flows", flows);
	return o;
}

static json_object *changes_json(const struct report *r)
{
	json_object *a = json_object_new_array();
	struct report_change *c = NULL;
	size_t n = 0;

	if (report_changes(r->base, r->head, &c, &n) < 0)
		return a;
	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "kind", json_object_new_string(c[i].kind));
		json_object_object_add(o, "name", json_object_new_string(c[i].name));
		json_object_object_add(o, "change", json_object_new_string(c[i].what));
		json_object_object_add(o, "before", c[i].before[0] ? json_object_new_string(c[i].before) : NULL);
		json_object_object_add(o, "after", c[i].after[0] ? json_object_new_string(c[i].after) : NULL);
		json_object_array_add(a, o);
	}
	free(c);
	return a;
}

void report_print_json(const struct report *r, FILE *f)
{
	json_object *o = json_object_new_object(), *hosts = json_object_new_array();

	json_object_object_add(o, "format_version", json_object_new_int(REPORT_JSON_FORMAT));
	json_object_object_add(o, "kind", json_object_new_string("wgf-report"));
	json_object_object_add(o, "head", json_object_new_string(r->head->source));
	json_object_object_add(o, "base", r->base ? json_object_new_string(r->base->source) : NULL);
	for (size_t i = 0; i < r->n_hosts; i++) {
		json_object *h = json_object_new_object();

		json_object_object_add(h, "host", json_object_new_string(r->hosts[i].name));
		json_object_object_add(h, "status", json_object_new_string(r->hosts[i].status));
		json_object_object_add(h, "observed", json_object_new_boolean(r->hosts[i].observed));
		json_object_object_add(h, "plan", plan_to_json(r->hosts[i].plan));
		json_object_array_add(hosts, h);
	}
	json_object_object_add(o, "hosts", hosts);
	json_object_object_add(o, "changes", changes_json(r));
	json_object_object_add(o, "reachability", reach_json(r->reach));
	fprintf(f, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}
