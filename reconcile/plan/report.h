/* The review report of a change (wgf report): every host's plan, the Peers and
 * Hosts that came, went or changed keys and access, and the reachability diff;
 * printed as Markdown (a pull-request comment), one self-contained HTML page with
 * a topology picture, or JSON. Pure: the caller plans and computes, these print. */
#pragma once
#include <stdbool.h>
#include <stdio.h>

#include "model/model.h"
#include "reconcile/plan/plan.h"
#include "render/reach_diff.h"

struct report_host {
	const char *name;
	const char *status;            /* "unchanged", "changed", "added", "removed" */
	bool observed;                 /* planned on a snapshot from the host */
	const struct plan *plan;
};

struct report {
	const struct model *base;      /* NULL: no base */
	const struct model *head;
	const struct report_host *hosts;   /* sorted by name */
	size_t n_hosts;
	const struct reach_diff *reach;
};

/* One Peer or Host that came, went, or changed its key or access level. */
struct report_change {
	const char *kind;              /* "peer", "host" */
	const char *name;
	const char *what;              /* "added", "removed", "key", "access" */
	char before[32], after[32];    /* key fingerprints or access levels; "" when none */
};

/* The changes between base and head, in the order the report lists them. */
int report_changes(const struct model *base, const struct model *head, struct report_change **out, size_t *n);

/* A comment on GitHub holds 65,536 characters: the plans stop short of that. */
#define REPORT_PLANS_MAX 40000
/* The Markdown host table: at most this many rows; unchanged hosts without
 * notices get rows only when there are at most REPORT_UNCHANGED_ROWS of them. */
#define REPORT_HOST_ROWS 100
#define REPORT_UNCHANGED_ROWS 20
#define REPORT_FLOWS_BYTES 15000       /* the reachability table in Markdown */

void report_print_markdown(const struct report *r, FILE *f);
void report_print_html(const struct report *r, FILE *f);
void report_print_json(const struct report *r, FILE *f);

/* m's Peers sorted by name (NULL on ENOMEM; m NULL: none), and the one called name. */
const struct model_peer **report_peers_sorted(const struct model *m);
const struct model_peer *report_peer_find(const struct model_peer **v, const struct model *m, const char *name);

/* Helpers shared by the printers (reconcile/plan/report*.c). */
void report_html_escape(FILE *f, const char *s);
void report_md_escape(FILE *f, const char *s);
void report_print_topology(const struct report *r, FILE *f);   /* inline SVG */
