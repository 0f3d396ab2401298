/* Notification events (README "Notifications"): the event types, declared
 * once with the detail fields each may carry, and an event's JSON payload:
 *   {"event":TYPE,"id":ID,"time":"2026-12-01T06:30:00Z","host":H,
 *    "revision":40-hex|null,"summary":ONE-LINE,"details":{…}}
 * A detail whose name the table does not list for the type is refused, so a
 * payload carries only what was declared: names, public keys, fingerprints,
 * counts, reasons; never a private key, PSK or token. Pure: the time is passed in. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "render/health.h"

enum notify_event_type {
	NOTIFY_APPLY_COMPLETED,
	NOTIFY_APPLY_FAILED,
	NOTIFY_DRIFT_DETECTED,
	NOTIFY_DRIFT_REPAIRED,
	NOTIFY_COMMIT_REFUSED,
	NOTIFY_EXIT_FAILOVER,
	NOTIFY_PEER_OFFLINE,
	NOTIFY_PEER_ONLINE,
	NOTIFY_KEY_DUE,
	NOTIFY_RECONCILE_BACKOFF,
	NOTIFY_N_EVENTS,
};

#define NOTIFY_DETAILS_MAX 10
#define NOTIFY_ID_LEN 33               /* 32 hex digits */

enum notify_detail_kind { NOTIFY_DETAIL_STRING, NOTIFY_DETAIL_INT, NOTIFY_DETAIL_BOOL };

struct notify_detail {
	const char *name;
	enum notify_detail_kind kind;
	const char *s;                 /* STRING (NULL: null), borrowed */
	int64_t i;                     /* INT, BOOL */
};

/* Strings are borrowed: they must outlive the event's use. */
struct notify_event {
	enum notify_event_type type;
	char id[NOTIFY_ID_LEN];        /* unique: the caller fills it (notify_event_set_id) */
	int64_t time;                  /* unix seconds */
	const char *host, *revision;   /* NULL: null */
	char summary[512];
	struct notify_detail details[NOTIFY_DETAILS_MAX];
	size_t n_details;
};

/* "apply-completed", …; NULL out of range. */
const char *notify_event_name(enum notify_event_type t);
/* -1 for a name there is none of. */
int notify_event_from_name(const char *name);
/* Whether the table lets type t carry a detail called name. */
bool notify_event_allows(enum notify_event_type t, const char *name);

void notify_event_init(struct notify_event *e, enum notify_event_type t, int64_t time, const char *host,
		       const char *revision);
/* 32 hex digits from 16 bytes (the caller's randomness). */
void notify_event_set_id(struct notify_event *e, const uint8_t bytes[16]);
__attribute__((format(printf, 2, 3)))
void notify_event_summary(struct notify_event *e, const char *fmt, ...);
/* -E2BIG when full, -EINVAL for a name the type does not declare. */
int notify_event_add_string(struct notify_event *e, const char *name, const char *value);
int notify_event_add_int(struct notify_event *e, const char *name, int64_t value);
int notify_event_add_bool(struct notify_event *e, const char *name, bool value);

/* The payload (one line, no newline; the caller frees *out). 0, -EINVAL (an
 * undeclared detail, a time out of range) or -ENOMEM. */
int notify_event_json(const struct notify_event *e, char **out);
/* Whether a peer expected up went offline or came back: prev is the verdict
 * name the last run stored ("online", "stale", "never"), cur this run's.
 * online -> stale/never: NOTIFY_PEER_OFFLINE; stale/never -> online:
 * NOTIFY_PEER_ONLINE; anything else: 0 (no event; NOTIFY_PEER_* are never 0). */
int notify_peer_transition(const char *prev, enum health_verdict cur);

/* "2026-12-01T06:30:00Z" (buf: at least NOTIFY_TIME_LEN bytes). */
#define NOTIFY_TIME_LEN 128
const char *notify_time_format(int64_t t, char *buf);
