#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reconcile/host/fileio.h"
#include "reconcile/host/loopstate.h"
#include "reconcile/plan/json_put.h"

static const char *const outcome_names[] = {
	[LOOP_NONE] = "none",
	[LOOP_APPLIED] = "applied",
	[LOOP_NO_CHANGES] = "no-changes",
	[LOOP_REFUSED] = "refused",
	[LOOP_FAILED] = "failed",
	[LOOP_FETCH_FAILED] = "fetch-failed",
};
#define N_OUTCOMES (sizeof(outcome_names) / sizeof(outcome_names[0]))

const char *loop_outcome_name(enum loop_outcome o)
{
	return (unsigned)o < N_OUTCOMES ? outcome_names[o] : "?";
}

bool loop_outcome_failed(enum loop_outcome o)
{
	return o == LOOP_REFUSED || o == LOOP_FAILED || o == LOOP_FETCH_FAILED;
}

void loop_run_clear(struct loop_run *r)
{
	free(r->revision);
	free(r->reason);
	free(r->principal);
	free(r->fingerprint);
	memset(r, 0, sizeof(*r));
}

static void drift_free(struct loop_drift *d, size_t n);

void loopstate_clear(struct loopstate *ls)
{
	free(ls->remote);
	free(ls->ref);
	free(ls->verify);
	loop_run_clear(&ls->last_attempt);
	loop_run_clear(&ls->last_applied);
	free(ls->suspended_by);
	free(ls->suspended_reason);
	drift_free(ls->drift, ls->n_drift);
	memset(ls, 0, sizeof(*ls));
}

static void drift_free(struct loop_drift *d, size_t n)
{
	for (size_t i = 0; d && i < n; i++)
		free(d[i].kind);
	free(d);
}

int loopstate_set_drift(struct loopstate *ls, const struct loop_drift *d, size_t n)
{
	struct loop_drift *c = calloc(n + 1, sizeof(*c));

	for (size_t i = 0; c && i < n; i++)
		if (!(c[i].kind = strdup(d[i].kind))) {
			drift_free(c, i);
			c = NULL;
		} else {
			c[i].n = d[i].n;
		}
	if (!c)
		return -ENOMEM;
	drift_free(ls->drift, ls->n_drift);
	ls->drift = c;
	ls->n_drift = n;
	return 0;
}

int64_t loopstate_backoff(unsigned n, unsigned interval, unsigned cap)
{
	int64_t d = interval;

	if (n == 0)
		return 0;
	for (unsigned i = 1; i < n && d < cap; i++)
		d *= 2;
	return d < cap ? d : cap;
}

const char *loopstate_time(int64_t t, char *buf)
{
	time_t tt = (time_t)t;
	struct tm tm;

	buf[0] = '\0';
	if (t > 0 && gmtime_r(&tt, &tm))
		strftime(buf, LOOPSTATE_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

static bool parse_time(const char *s, int64_t *out)
{
	struct tm tm = {0};
	char z = 0;
	int n = 0;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
		   &tm.tm_min, &tm.tm_sec, &z, &n) != 7 || z != 'Z' || s[n] || tm.tm_year < 1970 ||
	    tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 60)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = (int64_t)timegm(&tm);
	return true;
}

static int put_time(struct json_object *o, const char *key, int64_t t)
{
	char buf[LOOPSTATE_TIME_LEN];

	return json_put_str(o, key, t ? loopstate_time(t, buf) : NULL);
}

static struct json_object *run_to_json(const struct loop_run *r)
{
	struct json_object *o = json_object_new_object(), *s = NULL;
	int e = 0;

	if (!o)
		return NULL;
	e |= json_put_str(o, "revision", r->revision);
	e |= put_time(o, "time", r->time);
	e |= json_put_str(o, "outcome", loop_outcome_name(r->outcome));
	e |= json_put_str(o, "reason", r->reason);
	if (r->principal || r->fingerprint) {
		s = json_object_new_object();
		if (s) {
			e |= json_put_str(s, "principal", r->principal);
			e |= json_put_str(s, "fingerprint", r->fingerprint);
		}
		e |= json_put(o, "signer", s);
	} else {
		e |= json_put_null(o, "signer");
	}
	if (e) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *drift_to_json(const struct loopstate *ls)
{
	struct json_object *o;

	if (!(o = json_object_new_object()))
		return NULL;
	for (size_t i = 0; i < ls->n_drift; i++)
		if (json_put(o, ls->drift[i].kind, json_object_new_int64(ls->drift[i].n))) {
			json_object_put(o);
			return NULL;
		}
	return o;
}

struct json_object *loopstate_to_json(const struct loopstate *ls)
{
	struct json_object *o = json_object_new_object(), *s = NULL;
	int e = 0;

	if (!o)
		return NULL;
	e |= json_put_str(o, "remote", ls->remote);
	e |= json_put_str(o, "ref", ls->ref);
	e |= json_put_str(o, "verify", ls->verify);
	e |= json_put(o, "last_attempt", run_to_json(&ls->last_attempt));
	e |= json_put(o, "last_applied", run_to_json(&ls->last_applied));
	e |= json_put(o, "consecutive_failures", json_object_new_int64(ls->consecutive_failures));
	e |= put_time(o, "last_success", ls->last_success);
	e |= ls->drift ? json_put(o, "drift", drift_to_json(ls)) : json_put_null(o, "drift");
	e |= put_time(o, "next_attempt", ls->next_attempt);
	if (ls->suspended) {
		if ((s = json_object_new_object())) {
			e |= json_put_str(s, "by", ls->suspended_by);
			e |= put_time(s, "at", ls->suspended_at);
			e |= json_put_str(s, "reason", ls->suspended_reason);
		}
		e |= json_put(o, "suspended", s);
	} else {
		e |= json_put_null(o, "suspended");
	}
	if (e) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* Reading: a member of the wrong type is an error; a missing one is unset. */
static int get_str(struct json_object *o, const char *key, char **out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -EBADMSG;
	return (*out = strdup(json_object_get_string(v))) ? 0 : -ENOMEM;
}

static int get_time(struct json_object *o, const char *key, int64_t *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_string) || !parse_time(json_object_get_string(v), out))
		return -EBADMSG;
	return 0;
}

static int run_from_json(struct json_object *o, struct loop_run *r)
{
	struct json_object *v, *s;
	char *outcome = NULL;
	int e;

	if (!o)
		return 0;
	if (!json_object_is_type(o, json_type_object))
		return -EBADMSG;
	if ((e = get_str(o, "revision", &r->revision)) || (e = get_time(o, "time", &r->time)) ||
	    (e = get_str(o, "reason", &r->reason)) || (e = get_str(o, "outcome", &outcome)))
		goto out;
	e = outcome ? -EBADMSG : 0;
	for (unsigned i = 0; outcome && i < N_OUTCOMES; i++)
		if (!strcmp(outcome, outcome_names[i])) {
			r->outcome = (enum loop_outcome)i;
			e = 0;
		}
	if (e)
		goto out;
	if (json_object_object_get_ex(o, "signer", &s) && s) {
		if (!json_object_is_type(s, json_type_object)) {
			e = -EBADMSG;
			goto out;
		}
		if ((e = get_str(s, "principal", &r->principal)) || (e = get_str(s, "fingerprint", &r->fingerprint)))
			goto out;
	}
	(void)v;
out:
	free(outcome);
	return e;
}

/* {"peer": 1, "route": 0, …}: at most LOOPSTATE_MAX_DRIFT_KINDS counts. */
static int drift_from_json(struct json_object *o, struct loopstate *ls)
{
	size_t n = 0;

	if (!json_object_is_type(o, json_type_object) || json_object_object_length(o) > LOOPSTATE_MAX_DRIFT_KINDS)
		return -EBADMSG;
	if (!(ls->drift = calloc((size_t)json_object_object_length(o) + 1, sizeof(*ls->drift))))
		return -ENOMEM;
	json_object_object_foreach(o, k, v) {
		int64_t x = json_object_get_int64(v);

		if (!*k || !json_object_is_type(v, json_type_int) || x < 0 || x > INT_MAX)
			return -EBADMSG;
		if (!(ls->drift[n].kind = strdup(k)))
			return -ENOMEM;
		ls->drift[n++].n = (unsigned)x;
		ls->n_drift = n;
	}
	return 0;
}

static int from_json(struct json_object *o, struct loopstate *ls)
{
	struct json_object *v;
	int e;

	if (!json_object_is_type(o, json_type_object))
		return -EBADMSG;
	if ((e = get_str(o, "remote", &ls->remote)) || (e = get_str(o, "ref", &ls->ref)) ||
	    (e = get_str(o, "verify", &ls->verify)) || (e = get_time(o, "next_attempt", &ls->next_attempt)) ||
	    (e = get_time(o, "last_success", &ls->last_success)))
		return e;
	if (json_object_object_get_ex(o, "drift", &v) && v && (e = drift_from_json(v, ls)))
		return e;
	if (json_object_object_get_ex(o, "last_attempt", &v) && (e = run_from_json(v, &ls->last_attempt)))
		return e;
	if (json_object_object_get_ex(o, "last_applied", &v) && (e = run_from_json(v, &ls->last_applied)))
		return e;
	if (json_object_object_get_ex(o, "consecutive_failures", &v) && v) {
		int64_t n = json_object_get_int64(v);

		if (!json_object_is_type(v, json_type_int) || n < 0 || n > INT_MAX)
			return -EBADMSG;
		ls->consecutive_failures = (unsigned)n;
	}
	if (json_object_object_get_ex(o, "suspended", &v) && v) {
		if (!json_object_is_type(v, json_type_object))
			return -EBADMSG;
		ls->suspended = true;
		if ((e = get_str(v, "by", &ls->suspended_by)) || (e = get_time(v, "at", &ls->suspended_at)) ||
		    (e = get_str(v, "reason", &ls->suspended_reason)))
			return e;
	}
	return 0;
}

int loopstate_parse(const char *text, size_t len, struct loopstate *out, struct wgf_error *err)
{
	struct json_tokener *tok;
	struct json_object *o;
	int r;

	memset(out, 0, sizeof(*out));
	if (len > INT_MAX || !(tok = json_tokener_new()))
		return wgf_error_set(err, -ENOMEM, NULL);
	o = json_tokener_parse_ex(tok, text, (int)len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len) {
		json_object_put(o);
		json_tokener_free(tok);
		return wgf_error_set(err, -EBADMSG, "not a JSON object");
	}
	json_tokener_free(tok);
	r = from_json(o, out);
	json_object_put(o);
	if (r < 0) {
		loopstate_clear(out);
		return wgf_error_set(err, r, r == -EBADMSG ? "a member of the wrong type or value" : NULL);
	}
	return 0;
}

int loopstate_load(const char *state_dir, struct loopstate *out, struct wgf_error *err)
{
	char path[PATH_MAX], *text = NULL;
	size_t len = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", state_dir, LOOPSTATE_FILE) >= sizeof(path))
		return wgf_error_set(err, -ENAMETOOLONG, NULL);
	r = fileio_read(path, &text, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return wgf_error_set(err, r, "reading %s: %s", path, strerror(-r));
	r = loopstate_parse(text, len, out, err);
	free(text);
	if (r < 0)
		wgf_error_prefix(err, "%s", path);
	return r;
}

int loopstate_save(const char *state_dir, const struct loopstate *ls)
{
	struct json_object *o = loopstate_to_json(ls);
	char path[PATH_MAX];
	const char *text;
	int r;

	if (!o)
		return -ENOMEM;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", state_dir, LOOPSTATE_FILE) >= sizeof(path)) {
		json_object_put(o);
		return -ENAMETOOLONG;
	}
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	r = text ? fileio_mkdir(state_dir) : -ENOMEM;
	if (r == 0) {
		size_t n = strlen(text);
		char *buf = malloc(n + 1);

		if (!buf) {
			r = -ENOMEM;
		} else {
			memcpy(buf, text, n);
			buf[n] = '\n';
			r = fileio_write(path, buf, n + 1, 0644);
			free(buf);
		}
	}
	json_object_put(o);
	return r;
}
