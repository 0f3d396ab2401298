/* Key ages: how old each Host's and Peer's publicKey is, when it is due for
 * rotation (the effective `rotation: {maxAge}`) and whether it is overdue.
 * Pure: when a key was made (from git history, or `keyCreated`) and the time
 * are passed in. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "model/diag.h"
#include "model/model.h"

#define KEY_AGE_DAY 86400

enum key_age_status {
	KEY_AGE_OVERDUE,               /* older than maxAge */
	KEY_AGE_DUE_SOON,              /* due within the horizon */
	KEY_AGE_OK,
	KEY_AGE_UNKNOWN,               /* a policy, but no known creation time */
	KEY_AGE_NO_POLICY,             /* no maxAge applies */
};
#define KEY_AGE_N_STATUS 5

enum key_age_origin {
	KEY_ORIGIN_UNKNOWN,
	KEY_ORIGIN_COMMIT,             /* the commit that introduced the key (git history) */
	KEY_ORIGIN_KEY_CREATED,        /* the object's keyCreated */
};

#define KEY_AGE_COMMIT_LEN 41

/* When a key was made, as git history tells (origin COMMIT) or not (UNKNOWN). */
struct key_created {
	enum key_age_origin origin;
	int64_t time;                  /* unix seconds (committer time) */
	char commit[KEY_AGE_COMMIT_LEN];   /* full hex id */
};

struct key_age {
	bool is_host;
	size_t index;                  /* into model.hosts or model.peers */
	const char *name;              /* borrowed from the model */
	struct wgf_loc loc;            /* the object's document (borrowed) */
	char fingerprint[WG_KEY_FP_LEN];
	struct key_created created;    /* origin UNKNOWN: time and commit unset */
	uint32_t max_age;              /* seconds; 0: no policy */
	int64_t age;                   /* seconds, when the creation time is known */
	int64_t due;                   /* created + max_age, when both are known */
	enum key_age_status status;
};

struct key_ages {
	struct key_age *items;         /* hosts first, then peers, each in model order */
	size_t n;
	size_t counts[KEY_AGE_N_STATUS];
};

struct key_age_opts {
	int64_t now;                   /* unix seconds */
	uint32_t due_within;           /* seconds: DUE_SOON when due - now <= this */
	/* per Host / Peer (model order) from git history; NULL: none (a directory) */
	const struct key_created *hosts, *peers;
	/* only these (model order); NULL: every one */
	const bool *want_hosts, *want_peers;
};

/* The status of one key: known says whether created is; fills *age and *due
 * when they are known (else 0). */
enum key_age_status key_age_eval(bool known, int64_t created, uint32_t max_age, int64_t now,
				 uint32_t due_within, int64_t *age, int64_t *due);
/* Sets *out (what it held is not freed). 0, or -ENOMEM and an empty *out. */
int key_ages_collect(const struct model *m, const struct key_age_opts *o, struct key_ages *out);
void key_ages_clear(struct key_ages *a);

/* "overdue", "due soon", "ok", "unknown", "no policy" */
const char *key_age_status_name(enum key_age_status s);
/* "commit", "keyCreated", "unknown" */
const char *key_age_origin_name(enum key_age_origin o);
/* "90 days", "36 hours", "1 day" */
const char *key_age_duration(int64_t seconds, char *buf, size_t len);

/* One diagnostic per overdue key, at its document: "key of Peer \"x\" is 120
 * days old, rotation maxAge is 90 days: rotate it (wgf peer rotate x)"; an
 * error when as_error, else a warning. Returns how many. */
size_t key_ages_report(const struct key_ages *a, bool as_error, struct diag *d);
