/* A Plan as one JSON object (format_version 2): every list complete, values
 * typed (numbers, booleans, lists of prefixes). Never carries secrets: a private
 * key or PSK is "(sensitive)" when there is one, null when not; a PSK's public
 * id is beside it ("before_id", "after_id") when known. */
#include "reconcile/plan/plan.h"

#include <errno.h>
#include <json-c/json.h>

#include "model/seal.h"
#include "reconcile/plan/hs_json.h"
#include "reconcile/plan/json_put.h"
#include "reconcile/plan/plan_fields.h"
#include "reconcile/plan/plan_json.h"

static struct json_object *value_json(const struct plan_value *v)
{
	char buf[ENDPOINT_STRLEN > WG_KEY_B64_LEN ? ENDPOINT_STRLEN : WG_KEY_B64_LEN];
	struct json_object *arr;

	switch (v->type) {
	case PLAN_VALUE_NONE:
		return NULL;
	case PLAN_VALUE_UINT:
	case PLAN_VALUE_KEEPALIVE:
		return json_object_new_int64((int64_t)v->u);
	case PLAN_VALUE_BOOL:
		return json_object_new_boolean(v->b);
	case PLAN_VALUE_TEXT:
		return json_object_new_string(v->s ? v->s : "");
	case PLAN_VALUE_NAMES:
		arr = json_object_new_array_ext((int)v->names.n);
		for (size_t i = 0; arr && i < v->names.n; i++) {
			if (json_push(arr, json_object_new_string(v->names.v[i])) < 0) {
				json_object_put(arr);
				return NULL;
			}
		}
		return arr;
	case PLAN_VALUE_PREFIXES:
	case PLAN_VALUE_ADDRESSES:
		arr = json_object_new_array_ext((int)v->prefixes.n);
		for (size_t i = 0; arr && i < v->prefixes.n; i++) {
			if (json_push(arr, json_object_new_string(v->type == PLAN_VALUE_ADDRESSES ?
								   prefix_format_addr(&v->prefixes.v[i], buf) :
								   prefix_format(&v->prefixes.v[i], buf))) < 0) {
				json_object_put(arr);
				return NULL;
			}
		}
		return arr;
	case PLAN_VALUE_ENDPOINT:
		return v->endpoint && v->endpoint->family ? json_object_new_string(endpoint_format(v->endpoint, buf))
							  : NULL;
	case PLAN_VALUE_SECRET:
		return v->secret ? json_object_new_string("(sensitive)") : NULL;
	case PLAN_VALUE_PUBLIC_KEY:
		return v->key ? json_object_new_string(key_to_base64(v->key, buf)) : NULL;
	case PLAN_VALUE_ADDRESS:
		return v->address ? hs_address_to_json(v->address) : NULL;
	}
	return NULL;
}

/* A value that is null in JSON only because it is absent or none. */
static bool value_is_null(const struct plan_value *v)
{
	return v->type == PLAN_VALUE_NONE || (v->type == PLAN_VALUE_ENDPOINT && (!v->endpoint || !v->endpoint->family)) ||
	       (v->type == PLAN_VALUE_SECRET && !v->secret) || (v->type == PLAN_VALUE_PUBLIC_KEY && !v->key) ||
	       (v->type == PLAN_VALUE_ADDRESS && !v->address);
}

static int add_value(struct json_object *o, const char *key, const struct plan_value *v)
{
	if (value_is_null(v))
		return json_put_null(o, key);
	return json_put(o, key, value_json(v));
}

/* A PSK's public id beside "(sensitive)": a plan shows that it changed. */
static int add_secret_id(struct json_object *o, const char *key, const struct plan_value *v)
{
	char b64[SEAL_ID_B64_LEN];

	if (v->type != PLAN_VALUE_SECRET || !v->secret || !v->secret_id)
		return 0;
	return json_put_str(o, key, seal_id_to_base64(v->secret_id, b64));
}

static struct json_object *field_json(const struct plan_field *f)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	if (json_put_str(o, "name", f->name) < 0 || add_value(o, "before", &f->old) < 0 ||
	    add_value(o, "after", &f->new) < 0 || add_secret_id(o, "before_id", &f->old) < 0 ||
	    add_secret_id(o, "after_id", &f->new) < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* The firewall's changes are its fields too, as strings: a reader that knows
 * only "fields" still sees every one. */
static struct json_object *fw_field_json(const struct plan_change *c)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	if (json_put_str(o, "name", c->field) < 0 || json_put_str(o, "before", c->old) < 0 ||
	    json_put_str(o, "after", c->new) < 0 || json_put_str(o, "kind", plan_change_kind_name(c->kind)) < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *item_json(const struct plan_change *c)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	if (json_put_str(o, "key", c->field) < 0 ||
	    (c->old && c->new && (json_put_str(o, "before", c->old) < 0 || json_put_str(o, "after", c->new) < 0)) ||
	    (!(c->old && c->new) && json_put_str(o, "value", c->new ? c->new : c->old) < 0)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* "items": {"added": [{key, value}], "removed": [{key, value}], "changed": [{key,
 * before, after}]}, "ruleset": ["+ set s0_tun4: element 10.0.0.0/24"], "drift":
 * ["+ chain from_tunnel: tcp dport 22 accept"], "notes": ["no record of …"]. */
static int add_firewall(struct json_object *o, const struct plan_action *a)
{
	static const char *const names[] = { "added", "removed", "changed" };
	struct json_object *items = json_object_new_object(), *lists[3] = { 0 };
	struct json_object *ruleset = NULL, *drift = NULL, *notes = NULL;
	int r = -ENOMEM;

	if (!items)
		return -ENOMEM;
	for (int k = 0; k < 3; k++) {
		lists[k] = json_object_new_array();
		if (json_put(items, names[k], lists[k]) < 0)
			goto out;
	}
	if (json_put(o, "items", items) < 0) {
		items = NULL;
		goto out;
	}
	items = NULL;
	if (json_put_str(o, "body", a->u.firewall.body) < 0 || json_put_str(o, "patch", a->u.firewall.patch) < 0 ||
	    json_put(o, "drifted", json_object_new_boolean(a->u.firewall.drift)) < 0 ||
	    json_put(o, "ruleset", ruleset = json_object_new_array()) < 0 ||
	    json_put(o, "drift", drift = json_object_new_array()) < 0 ||
	    json_put(o, "notes", notes = json_object_new_array()) < 0)
		goto out;
	for (size_t i = 0; i < a->u.firewall.n_changes; i++) {
		const struct plan_change *c = &a->u.firewall.changes[i];

		switch (c->kind) {
		case PLAN_CHANGE_ITEM:
			if (json_push(lists[!c->old ? 0 : !c->new ? 1 : 2], item_json(c)) < 0)
				goto out;
			break;
		case PLAN_CHANGE_RULESET:
		case PLAN_CHANGE_DRIFT:
			if (json_push(c->kind == PLAN_CHANGE_DRIFT ? drift : ruleset,
				   json_object_new_string(c->new ? c->new : "")) < 0)
				goto out;
			break;
		case PLAN_CHANGE_NOTE:
			if (json_push(notes, json_object_new_string(c->field)) < 0)
				goto out;
			break;
		}
	}
	r = 0;
out:
	json_object_put(items);
	return r;
}

static int add_route(struct json_object *o, const struct hs_route *rt)
{
	struct json_object *r = json_object_new_object();

	if (json_put(o, "route", r) < 0 || json_put(r, "table", json_object_new_int64(rt->table)) < 0 ||
	    json_put(r, "metric", json_object_new_int64(rt->metric)) < 0 ||
	    hs_route_kind_to_json(r, rt) < 0)
		return -ENOMEM;
	return 0;
}

static int add_dns(struct json_object *o, const struct plan_action *a)
{
	if (a->dns_desired && json_put(o, "dns", plan_dns_json(a->dns_desired)) < 0)
		return -ENOMEM;
	if (a->dns_observed && json_put(o, "dns_before", plan_dns_json(a->dns_observed)) < 0)
		return -ENOMEM;
	return 0;
}

static struct json_object *action_json(const struct plan_action *a)
{
	const struct hs_peer *peer = a->peer_desired ? a->peer_desired : a->peer_observed;
	struct json_object *o = json_object_new_object(), *fields = NULL;
	struct plan_field f[PLAN_FIELDS_MAX];
	size_t n_fields = plan_action_fields(a, f);
	char b64[WG_KEY_B64_LEN];

	if (!o)
		return NULL;
	if (json_put_str(o, "action", plan_op_name(a->op)) < 0 ||
	    json_put_str(o, "object", plan_obj_name(a->obj)) < 0 ||
	    json_put_str(o, "interface", a->obj == PLAN_OBJ_SYSCTL || a->obj == PLAN_OBJ_FIREWALL ||
				     a->obj == PLAN_OBJ_RULE || !a->ifname[0] ? NULL : a->ifname) < 0 ||
	    json_put_str(o, "name", a->name) < 0)
		goto fail;
	if (a->obj == PLAN_OBJ_PEER && peer &&
	    json_put_str(o, "public_key", key_to_base64(peer->public_key, b64)) < 0)
		goto fail;
	if (a->obj == PLAN_OBJ_FIREWALL && add_firewall(o, a) < 0)
		goto fail;
	if (a->obj == PLAN_OBJ_LINK && json_put_str(o, "backend", hs_backend_name(a->u.link.backend)) < 0)
		goto fail;
	if (a->obj == PLAN_OBJ_ROUTE && add_route(o, &a->u.route) < 0)
		goto fail;
	if (a->obj == PLAN_OBJ_RULE && json_put(o, "rule", hs_rule_to_json(&a->u.rule)) < 0)
		goto fail;
	if (a->obj == PLAN_OBJ_DNS && add_dns(o, a) < 0)
		goto fail;
	fields = json_object_new_array();
	if (!fields)
		goto fail;
	for (size_t i = 0; i < n_fields; i++)
		if (json_push(fields, field_json(&f[i])) < 0)
			goto fail;
	for (size_t i = 0; a->obj == PLAN_OBJ_FIREWALL && i < a->u.firewall.n_changes; i++)
		if (json_push(fields, fw_field_json(&a->u.firewall.changes[i])) < 0)
			goto fail;
	if (json_put(o, "fields", fields) < 0) {
		fields = NULL;
		goto fail;
	}
	return o;
fail:
	json_object_put(fields);
	json_object_put(o);
	return NULL;
}

static struct json_object *notice_json(const struct peer_notice *n)
{
	struct json_object *o = json_object_new_object();
	char date[PEER_NOTICE_DATE_LEN], msg[PEER_NOTICE_MSG_LEN], b64[WG_KEY_B64_LEN];

	if (!o)
		return NULL;
	if (json_put_str(o, "peer", n->peer) < 0 ||
	    json_put_str(o, "public_key", key_to_base64(n->public_key, b64)) < 0 ||
	    json_put_str(o, "state", peer_notice_state_name(n->state)) < 0 ||
	    json_put_str(o, "expires", n->has_expires ? peer_notice_date(n->expires, date) : NULL) < 0 ||
	    (n->state == PEER_NOTICE_EXPIRING ? json_put(o, "days_left", json_object_new_int64(n->days_left))
					      : json_put_str(o, "days_left", NULL)) < 0 ||
	    json_put_str(o, "severity", peer_notice_severity(n->state)) < 0 ||
	    json_put_str(o, "message", peer_notice_message(n, msg)) < 0 ||
	    json_put_str(o, "file", n->file) < 0 ||
	    json_put(o, "line", json_object_new_int64(n->line)) < 0 ||
	    json_put(o, "column", json_object_new_int64(n->col)) < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

struct json_object *peer_notices_json(const struct peer_notices *n)
{
	struct json_object *arr = json_object_new_array();

	if (!arr)
		return NULL;
	for (size_t i = 0; i < n->n; i++)
		if (json_push(arr, notice_json(&n->items[i])) < 0) {
			json_object_put(arr);
			return NULL;
		}
	return arr;
}

static struct json_object *exit_table_json(const struct plan_exit_group *g, const struct plan_exit_table *t)
{
	struct json_object *o = json_object_new_object();
	const char *member = plan_exit_table_member(g, t);
	const char *state = !t->observed ? "missing" : member ? "member" :
			    t->type == HS_ROUTE_BLACKHOLE ? "blackhole" : t->type == HS_ROUTE_THROW ? "direct" : "other";

	if (!o || json_put(o, "table", json_object_new_int64(t->table)) < 0 ||
	    json_put_str(o, "share_of", t->slot) < 0 ||
	    json_put_str(o, "state", state) < 0 ||
	    json_put_str(o, "in_use", member) < 0 ||
	    json_put_str(o, "interface", t->observed && t->in_use[0] ? t->in_use : NULL) < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *exit_group_json(const struct plan_exit_group *g)
{
	struct json_object *o = json_object_new_object(), *members = json_object_new_array(),
			   *tables = json_object_new_array();

	if (!o || !members || !tables)
		goto fail;
	for (size_t i = 0; i < g->n_members; i++) {
		struct json_object *m = json_object_new_object();

		if (json_push(members, m) < 0 || json_put_str(m, "host", g->members[i].host) < 0 ||
		    json_put_str(m, "interface", g->members[i].ifname) < 0 ||
		    json_put(m, "priority", json_object_new_int(g->members[i].priority)) < 0)
			goto fail;
	}
	for (size_t i = 0; i < g->n_tables; i++)
		if (json_push(tables, exit_table_json(g, &g->tables[i])) < 0)
			goto fail;
	if (json_put_str(o, "name", g->name) < 0 || json_put_str(o, "strategy", g->strategy) < 0 ||
	    json_put_str(o, "when_all_down", g->all_down) < 0)
		goto fail;
	if (json_put(o, "members", members) < 0) {
		members = NULL;
		goto fail;
	}
	members = NULL;
	if (json_put(o, "tables", tables) < 0) {
		tables = NULL;
		goto fail;
	}
	return o;
fail:
	json_object_put(members);
	json_object_put(tables);
	json_object_put(o);
	return NULL;
}

static struct json_object *exit_groups_json(const struct plan_exit_groups *gs)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; arr && i < gs->n; i++)
		if (json_push(arr, exit_group_json(&gs->v[i])) < 0) {
			json_object_put(arr);
			return NULL;
		}
	return arr;
}

struct json_object *plan_to_json(const struct plan *p)
{
	struct json_object *root = json_object_new_object(), *summary = NULL, *changes = NULL;

	if (!root)
		return NULL;
	if (json_put(root, "format_version", json_object_new_int(PLAN_JSON_FORMAT)) < 0 ||
	    json_put_str(root, "host", p->host_name) < 0 ||
	    json_put_str(root, "source", p->source) < 0)
		goto fail;
	summary = json_object_new_object();
	if (!summary || json_put(summary, "create", json_object_new_int64((int64_t)p->n_create)) < 0 ||
	    json_put(summary, "update", json_object_new_int64((int64_t)p->n_update)) < 0 ||
	    json_put(summary, "delete", json_object_new_int64((int64_t)p->n_delete)) < 0)
		goto fail;
	if (json_put(root, "summary", summary) < 0) {
		summary = NULL;
		goto fail;
	}
	summary = NULL;
	changes = json_object_new_array();
	if (!changes)
		goto fail;
	for (size_t i = 0; i < p->n_actions; i++)
		if (json_push(changes, action_json(&p->actions[i])) < 0)
			goto fail;
	if (json_put(root, "changes", changes) < 0) {
		changes = NULL;
		goto fail;
	}
	changes = NULL;
	if (json_put(root, "peer_notices", peer_notices_json(&p->notices)) < 0)
		goto fail;
	/* only when set: the plans of every other run read as before */
	if (p->next_key && json_put(root, "next_key", json_object_new_boolean(true)) < 0)
		goto fail;
	if (p->exit_groups.n && json_put(root, "exit_groups", exit_groups_json(&p->exit_groups)) < 0)
		goto fail;
	return root;
fail:
	json_object_put(summary);
	json_object_put(changes);
	json_object_put(root);
	return NULL;
}

int plan_print_json(const struct plan *p, FILE *f)
{
	struct json_object *root = plan_to_json(p);
	const char *s;
	int r = -ENOMEM;

	if (!root)
		return -ENOMEM;
	s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s)
		goto out;
	fputs(s, f);
	fputc('\n', f);
	r = 0;
out:
	json_object_put(root);
	return r;
}
