/* `wgf status`: the notifications' last delivery and last failure per
 * target, from <state-dir>/notify.json (reconcile/host/notify.h). */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "cmd/wgf.h"
#include "reconcile/host/notify.h"

json_object *cmd_status_notify_json(const char *state_dir)
{
	json_object *j = notify_status_load(state_dir), *t;

	if (j && json_object_object_get_ex(j, "targets", &t)) {
		json_object_get(t);
		json_object_put(j);
		return t;
	}
	json_object_put(j);
	return NULL;
}

static const char *field(json_object *o, const char *key)
{
	json_object *v;

	return o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ?
	       json_object_get_string(v) : "?";
}

void cmd_status_notify_print(const char *state_dir)
{
	json_object *t = cmd_status_notify_json(state_dir), *ok, *bad;

	if (!t || !json_object_is_type(t, json_type_object) || !json_object_object_length(t)) {
		json_object_put(t);
		return;
	}
	printf("\nnotifications:\n");
	json_object_object_foreach(t, name, o) {
		if (!json_object_is_type(o, json_type_object))
			continue;
		json_object_object_get_ex(o, "last_delivery", &ok);
		json_object_object_get_ex(o, "last_failure", &bad);
		printf("  %s\n", name);
		if (ok)
			printf("    last delivered: %s (%s)\n", field(ok, "time"), field(ok, "event"));
		if (bad)
			printf("    last failure:   %s (%s): %s\n", field(bad, "time"), field(bad, "event"),
			       field(bad, "error"));
	}
	json_object_put(t);
}
