#include "render/notify_event.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Each type, its name and the details it may carry (NULL-terminated). */
static const struct notify_type {
	const char *name;
	const char *details[NOTIFY_DETAILS_MAX + 1];
} notify_types[NOTIFY_N_EVENTS] = {
	[NOTIFY_APPLY_COMPLETED]   = { "apply-completed", { "source", "signer", "create", "update", "delete", "by" } },
	[NOTIFY_APPLY_FAILED]      = { "apply-failed", { "source", "outcome", "reason", "consecutive_failures", "by" } },
	[NOTIFY_DRIFT_DETECTED]    = { "drift-detected", { "create", "update", "delete", "items" } },
	[NOTIFY_DRIFT_REPAIRED]    = { "drift-repaired", { "create", "update", "delete" } },
	[NOTIFY_COMMIT_REFUSED]    = { "commit-refused", { "ref", "reason", "signer", "fingerprint" } },
	[NOTIFY_EXIT_FAILOVER]     = { "exit-failover", { "group", "table", "from", "to", "why" } },
	[NOTIFY_PEER_OFFLINE]      = { "peer-offline", { "peer", "interface", "public_key", "verdict", "previous",
							"last_handshake" } },
	[NOTIFY_PEER_ONLINE]       = { "peer-online", { "peer", "interface", "public_key", "verdict", "previous",
							"last_handshake" } },
	[NOTIFY_KEY_DUE]           = { "key-due", { "kind", "name", "fingerprint", "status", "due", "max_age_days",
							"age_days" } },
	[NOTIFY_RECONCILE_BACKOFF] = { "reconcile-backoff", { "consecutive_failures", "next_attempt", "outcome",
							      "reason" } },
};

const char *notify_event_name(enum notify_event_type t)
{
	return (unsigned)t < NOTIFY_N_EVENTS ? notify_types[t].name : NULL;
}

int notify_event_from_name(const char *name)
{
	for (int i = 0; i < NOTIFY_N_EVENTS; i++)
		if (!strcmp(notify_types[i].name, name))
			return i;
	return -1;
}

bool notify_event_allows(enum notify_event_type t, const char *name)
{
	if ((unsigned)t >= NOTIFY_N_EVENTS)
		return false;
	for (const char *const *d = notify_types[t].details; *d; d++)
		if (!strcmp(*d, name))
			return true;
	return false;
}

void notify_event_init(struct notify_event *e, enum notify_event_type t, int64_t time, const char *host,
		       const char *revision)
{
	memset(e, 0, sizeof(*e));
	e->type = t;
	e->time = time;
	e->host = host;
	e->revision = revision;
}

void notify_event_set_id(struct notify_event *e, const uint8_t bytes[16])
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < 16; i++) {
		e->id[2 * i] = hex[bytes[i] >> 4];
		e->id[2 * i + 1] = hex[bytes[i] & 15];
	}
	e->id[32] = '\0';
}

void notify_event_summary(struct notify_event *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->summary, sizeof(e->summary), fmt, ap);
	va_end(ap);
	/* one line: a reason may carry newlines */
	for (char *p = e->summary; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
}

static int add(struct notify_event *e, const struct notify_detail *d)
{
	if (!notify_event_allows(e->type, d->name))
		return -EINVAL;
	if (e->n_details == NOTIFY_DETAILS_MAX)
		return -E2BIG;
	e->details[e->n_details++] = *d;
	return 0;
}

int notify_event_add_string(struct notify_event *e, const char *name, const char *value)
{
	return add(e, &(struct notify_detail){ .name = name, .kind = NOTIFY_DETAIL_STRING, .s = value });
}

int notify_event_add_int(struct notify_event *e, const char *name, int64_t value)
{
	return add(e, &(struct notify_detail){ .name = name, .kind = NOTIFY_DETAIL_INT, .i = value });
}

int notify_event_add_bool(struct notify_event *e, const char *name, bool value)
{
	return add(e, &(struct notify_detail){ .name = name, .kind = NOTIFY_DETAIL_BOOL, .i = value });
}

#define NOTIFY_TIME_MAX 253402300799LL /* 9999-12-31T23:59:59Z */

/* Civil date from days since 1970-01-01 (Howard Hinnant's algorithm). */
const char *notify_time_format(int64_t t, char *buf)
{
	int64_t days, secs, z, era, doe, yoe, y, doy, mp, d, m;

	if (t < 0 || t > NOTIFY_TIME_MAX) {
		snprintf(buf, NOTIFY_TIME_LEN, "(time %lld)", (long long)t);
		return buf;
	}
	days = t / 86400;
	secs = t % 86400;
	z = days + 719468;
	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	snprintf(buf, NOTIFY_TIME_LEN, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", (long long)y, (long long)m,
		 (long long)d, (long long)(secs / 3600), (long long)(secs / 60 % 60), (long long)(secs % 60));
	return buf;
}

static json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static json_object *details_json(const struct notify_event *e)
{
	json_object *d = json_object_new_object();

	for (size_t i = 0; i < e->n_details; i++) {
		const struct notify_detail *x = &e->details[i];
		json_object *v = x->kind == NOTIFY_DETAIL_STRING ? str_or_null(x->s) :
				 x->kind == NOTIFY_DETAIL_INT ? json_object_new_int64(x->i) :
				 json_object_new_boolean(x->i != 0);

		json_object_object_add(d, x->name, v);
	}
	return d;
}

int notify_event_json(const struct notify_event *e, char **out)
{
	char t[NOTIFY_TIME_LEN];
	json_object *j;
	int r = 0;

	*out = NULL;
	if ((unsigned)e->type >= NOTIFY_N_EVENTS || e->time < 0 || e->time > NOTIFY_TIME_MAX)
		return -EINVAL;
	for (size_t i = 0; i < e->n_details; i++)
		if (!notify_event_allows(e->type, e->details[i].name))
			return -EINVAL;
	j = json_object_new_object();
	if (!j)
		return -ENOMEM;
	json_object_object_add(j, "event", json_object_new_string(notify_types[e->type].name));
	json_object_object_add(j, "id", json_object_new_string(e->id));
	json_object_object_add(j, "time", json_object_new_string(notify_time_format(e->time, t)));
	json_object_object_add(j, "host", str_or_null(e->host));
	json_object_object_add(j, "revision", str_or_null(e->revision));
	json_object_object_add(j, "summary", json_object_new_string(e->summary));
	json_object_object_add(j, "details", details_json(e));
	*out = strdup(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	if (!*out)
		r = -ENOMEM;
	json_object_put(j);
	return r;
}

int notify_peer_transition(const char *prev, enum health_verdict cur)
{
	bool was_online, was_down;

	if (!prev)
		return 0;
	was_online = !strcmp(prev, "online");
	was_down = !strcmp(prev, "stale") || !strcmp(prev, "never");
	if (was_online && (cur == HEALTH_STALE || cur == HEALTH_NEVER))
		return NOTIFY_PEER_OFFLINE;
	if (was_down && cur == HEALTH_ONLINE)
		return NOTIFY_PEER_ONLINE;
	return 0;
}
