/* Building JSON with json-c. Each helper takes ownership of val, which may be
 * NULL when making it ran out of memory, and returns 0 or -ENOMEM. */
#pragma once
#include <errno.h>
#include <json-c/json.h>

static inline int json_put(struct json_object *obj, const char *key, struct json_object *val)
{
	if (!val)
		return -ENOMEM;
	if (json_object_object_add(obj, key, val) < 0) {
		json_object_put(val);
		return -ENOMEM;
	}
	return 0;
}

/* A null member (json-c represents null as a NULL object). */
static inline int json_put_null(struct json_object *obj, const char *key)
{
	return json_object_object_add(obj, key, NULL) < 0 ? -ENOMEM : 0;
}

/* A string, or null for NULL. */
static inline int json_put_str(struct json_object *obj, const char *key, const char *s)
{
	return s ? json_put(obj, key, json_object_new_string(s)) : json_put_null(obj, key);
}

static inline int json_push(struct json_object *arr, struct json_object *val)
{
	if (!val)
		return -ENOMEM;
	if (json_object_array_add(arr, val) < 0) {
		json_object_put(val);
		return -ENOMEM;
	}
	return 0;
}
