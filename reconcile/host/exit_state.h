/* What `wgf watch` last saw of the exit groups, in <state-dir>/exits.json for
 * `wgf status`: per group its members' health (up or down since when, why,
 * latency, handshake age) and the member each table uses. Rewritten
 * atomically every probe round; no secrets (0644). A file older than
 * EXIT_STATE_STALE_ROUNDS rounds means watch is not running. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/error.h"
#include "reconcile/host/exit_select.h"

#define EXIT_STATE_FILE "exits.json"
#define EXIT_STATE_STALE_ROUNDS 3
#define EXIT_STATE_MAX_BYTES (4u << 20)
#define EXIT_STATE_MAX_LATENCY_MS 86400000.0 /* a day: above any health timeout */

struct exit_state_member {
	char *name, *ifname;
	bool up;
	int64_t since_ms;              /* unix ms; 0: from the start of watch */
	char *why;                     /* down: why; else NULL */
	bool has_latency;
	double latency_ms;             /* running average */
	int64_t handshake_age_s;       /* < 0: none */
};

struct exit_state_table {
	uint32_t table;
	char *slot;                    /* round-robin: the member whose share it carries; else NULL */
	enum exit_route_kind route;
	char *member;                  /* route MEMBER: its name */
	int64_t switched_ms;           /* unix ms of the last switch; 0: none since watch began */
};

struct exit_state_group {
	char *name, *strategy, *when_all_down;
	struct exit_state_member *members;
	size_t n_members;
	struct exit_state_table *tables;
	size_t n_tables;
};

struct exit_state {
	char *host;
	int64_t updated_ms;            /* unix ms of the round written */
	uint32_t interval_ms;          /* the shortest probe interval of the groups */
	struct exit_state_group *groups;
	size_t n_groups;
};

/* From watch's groups: times converted from the monotonic clock (mono_now)
 * to unix ms (wall_now). 0 or -ENOMEM. */
int exit_state_from_select(const char *host, const struct exit_group_state *g, size_t n, int64_t mono_now,
			   int64_t wall_now, struct exit_state *out);
void exit_state_clear(struct exit_state *s);

/* The file's JSON text (the caller frees it), and back: -EBADMSG (err says
 * what) on anything else. */
char *exit_state_format(const struct exit_state *s);
int exit_state_parse(const char *text, size_t len, struct exit_state *out, struct wgf_error *err);

int exit_state_save(const char *state_dir, const struct exit_state *s);
/* A missing file is -ENOENT. */
int exit_state_load(const char *state_dir, struct exit_state *out, struct wgf_error *err);
/* Whether watch has written within EXIT_STATE_STALE_ROUNDS rounds of now (unix ms). */
bool exit_state_fresh(const struct exit_state *s, int64_t now_ms);
