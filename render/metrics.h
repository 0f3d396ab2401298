/* Prometheus text exposition (format 0.0.4) of one host: its WireGuard
 * devices and peers under the names of the common WireGuard exporters
 * (mdlayher/wireguard_exporter), and wgf's own wgf_* series: peer health,
 * capacity, the reconcile loop, drift, the signature, exit groups, key ages.
 * Pure: what the host's records say and the time are passed in. README
 * "Metrics" lists every name. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model/hoststate.h"
#include "model/model.h"
#include "render/health.h"
#include "render/key_age.h"

struct metrics_count {
	const char *name;
	uint64_t n;
};

/* The reconcile loop as reconcile.json has it. */
struct metrics_loop {
	bool ran;                      /* false: no series of the loop */
	int64_t last_attempt, last_success, next_attempt;   /* unix seconds; 0: never */
	const char *outcome;           /* of the last attempt: "applied", "failed", … */
	unsigned consecutive_failures;
	bool suspended;
	const char *revision;          /* the applied revision; NULL: none */
	const char *verify;            /* "commit", "tag", "off"; NULL: unknown */
	bool verified;                 /* the last attempt's revision carried a trusted signature */
	const char *signer;            /* its principal, else its fingerprint; NULL: none */
	const struct metrics_count *drift;   /* items of the last plan by kind; NULL: not recorded */
	size_t n_drift;
};

struct metrics_exit_member {
	const char *group, *member;
	bool up;
};

/* The member one table of a group routes through; member NULL: none (blackhole, direct). */
struct metrics_exit_table {
	const char *group;
	uint32_t table;
	const char *member;
};

/* exits.json as `wgf watch` last wrote it. */
struct metrics_exits {
	bool present;
	int64_t updated;               /* unix seconds */
	bool fresh;                    /* watch wrote within its stale rounds */
	const struct metrics_exit_member *members;   /* grouped by group */
	size_t n_members;
	const struct metrics_exit_table *tables;
	size_t n_tables;
};

struct metrics_input {
	const struct host_state *hs;   /* observed */
	const struct model *m;         /* NULL: no names, capacity or repository verdicts */
	const char *host;              /* the repository's Host when the device's key does not say; NULL */
	int64_t now;                   /* unix seconds */
	uint32_t stale_after;          /* seconds; 0: the Network's health.staleAfter, else the default */
	const char *version;
	const struct metrics_loop *loop;     /* NULL: none */
	const struct metrics_exits *exits;   /* NULL: none */
	const struct key_ages *keys;         /* NULL: none */
	/* the loop's and exit groups' part of the host's health; the renderer
	 * adds the interfaces and peers it evaluates */
	struct health_host_facts facts;
};

/* Writes the exposition to f. 0, or -EIO when f failed. */
int metrics_render(const struct metrics_input *in, FILE *f);
/* The same into a new NUL-terminated buffer the caller frees: 0 or -ENOMEM. */
int metrics_render_text(const struct metrics_input *in, char **out, size_t *len);
/* A label value with \\, \" and \n escaped, as the text format wants it. */
void metrics_label_value(FILE *f, const char *v);
