/* <state-dir>/notify.json: each target's last delivery and last failure,
 * written by the delivery processes under <state-dir>/notify.lock:
 *   {"targets":{NAME:{"last_delivery":{"time","event","id"}|null,
 *                     "last_failure":{"time","event","id","error"}|null}}} */
#include "reconcile/host/notify.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "reconcile/host/fileio.h"

#define NOTIFY_FILE_MAX (1 << 20)

static json_object *load(const char *path)
{
	char *text = NULL;
	size_t len = 0;
	json_object *j = NULL;

	if (fileio_read_regular(path, NOTIFY_FILE_MAX, &text, &len) == 0) {
		j = json_tokener_parse(text);
		free(text);
	}
	if (j && !json_object_is_type(j, json_type_object)) {
		json_object_put(j);
		j = NULL;
	}
	return j;
}

json_object *notify_status_load(const char *state_dir)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", state_dir, NOTIFY_FILE);
	return load(path);
}

static json_object *outcome_json(const struct notify_event *e, const char *error, int64_t now)
{
	json_object *o = json_object_new_object();
	char t[NOTIFY_TIME_LEN];

	json_object_object_add(o, "time", json_object_new_string(notify_time_format(now, t)));
	json_object_object_add(o, "event", json_object_new_string(notify_event_name(e->type)));
	json_object_object_add(o, "id", json_object_new_string(e->id));
	if (error)
		json_object_object_add(o, "error", json_object_new_string(error));
	return o;
}

int notify_record(const char *state_dir, const char *target, const struct notify_event *e, const char *error,
		  int64_t now)
{
	char path[4096], lpath[4096];
	json_object *j, *targets, *t;
	const char *text;
	int lock, r;

	snprintf(path, sizeof(path), "%s/%s", state_dir, NOTIFY_FILE);
	snprintf(lpath, sizeof(lpath), "%s/%s", state_dir, NOTIFY_LOCK_FILE);
	lock = open(lpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock < 0)
		return -errno;
	if (flock(lock, LOCK_EX) < 0) {
		r = -errno;
		close(lock);
		return r;
	}
	j = load(path);
	if (!j)
		j = json_object_new_object();
	if (!json_object_object_get_ex(j, "targets", &targets) || !json_object_is_type(targets, json_type_object)) {
		targets = json_object_new_object();
		json_object_object_add(j, "targets", targets);
	}
	if (!json_object_object_get_ex(targets, target, &t) || !json_object_is_type(t, json_type_object)) {
		t = json_object_new_object();
		json_object_object_add(t, "last_delivery", NULL);
		json_object_object_add(t, "last_failure", NULL);
		json_object_object_add(targets, target, t);
	}
	json_object_object_add(t, error ? "last_failure" : "last_delivery", outcome_json(e, error, now));
	text = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	r = text ? fileio_write(path, text, strlen(text), 0600) : -ENOMEM;
	json_object_put(j);
	close(lock);
	return r;
}
