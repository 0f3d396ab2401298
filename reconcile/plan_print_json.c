/* A Plan as one JSON object (format_version 1). Never carries secrets: the
 * change strings are display strings that already say "(sensitive)". */
#include "reconcile/plan.h"

#include <errno.h>
#include <json-c/json.h>

static int add(struct json_object *obj, const char *key, struct json_object *val)
{
	if (!val)
		return -ENOMEM;
	if (json_object_object_add(obj, key, val) < 0) {
		json_object_put(val);
		return -ENOMEM;
	}
	return 0;
}

/* A JSON string, or null for NULL (json-c represents null as a NULL object). */
static int add_str(struct json_object *obj, const char *key, const char *s)
{
	if (!s)
		return json_object_object_add(obj, key, NULL) < 0 ? -ENOMEM : 0;
	return add(obj, key, json_object_new_string(s));
}

static int append(struct json_object *arr, struct json_object *val)
{
	if (!val)
		return -ENOMEM;
	if (json_object_array_add(arr, val) < 0) {
		json_object_put(val);
		return -ENOMEM;
	}
	return 0;
}

static struct json_object *change_json(const struct plan_change *c)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	if (add_str(o, "name", c->field) < 0 || add_str(o, "before", c->old) < 0 ||
	    add_str(o, "after", c->new) < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *action_json(const struct plan_action *a)
{
	const struct hs_peer *peer = a->peer_desired ? a->peer_desired : a->peer_observed;
	struct json_object *o = json_object_new_object(), *fields = NULL;
	char b64[WG_KEY_B64_LEN];

	if (!o)
		return NULL;
	if (add_str(o, "action", plan_op_name(a->op)) < 0 ||
	    add_str(o, "object", plan_obj_name(a->obj)) < 0 ||
	    add_str(o, "interface", a->obj == PLAN_OBJ_SYSCTL ? NULL : a->ifname) < 0 ||
	    add_str(o, "name", a->name) < 0)
		goto fail;
	if (a->obj == PLAN_OBJ_PEER && peer &&
	    add_str(o, "public_key", key_to_base64(peer->public_key, b64)) < 0)
		goto fail;
	fields = json_object_new_array();
	if (!fields)
		goto fail;
	for (size_t i = 0; i < a->n_changes; i++)
		if (append(fields, change_json(&a->changes[i])) < 0)
			goto fail;
	if (add(o, "fields", fields) < 0) {
		fields = NULL;
		goto fail;
	}
	return o;
fail:
	json_object_put(fields);
	json_object_put(o);
	return NULL;
}

static struct json_object *plan_json(const struct plan *p)
{
	struct json_object *root = json_object_new_object(), *summary = NULL, *changes = NULL;

	if (!root)
		return NULL;
	if (add(root, "format_version", json_object_new_int(1)) < 0 ||
	    add_str(root, "host", p->host_name) < 0 ||
	    add_str(root, "source", p->source) < 0)
		goto fail;
	summary = json_object_new_object();
	if (!summary || add(summary, "create", json_object_new_int64((int64_t)p->n_create)) < 0 ||
	    add(summary, "update", json_object_new_int64((int64_t)p->n_update)) < 0 ||
	    add(summary, "delete", json_object_new_int64((int64_t)p->n_delete)) < 0)
		goto fail;
	if (add(root, "summary", summary) < 0) {
		summary = NULL;
		goto fail;
	}
	summary = NULL;
	changes = json_object_new_array();
	if (!changes)
		goto fail;
	for (size_t i = 0; i < p->n_actions; i++)
		if (append(changes, action_json(&p->actions[i])) < 0)
			goto fail;
	if (add(root, "changes", changes) < 0) {
		changes = NULL;
		goto fail;
	}
	return root;
fail:
	json_object_put(summary);
	json_object_put(changes);
	json_object_put(root);
	return NULL;
}

int plan_print_json(const struct plan *p, FILE *f)
{
	struct json_object *root = plan_json(p);
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
