/* The nftables table wgf last applied: the rendered body it sent, the summary
 * items, and the kernel's stateless listing read right after. Two listings of an
 * unchanged table are byte-identical, but a listing is never the rendered body:
 * drift is the kernel's listing differing from this one. Kept in the state
 * directory (reconcile/host/statedir.h); diff compares against it. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "model/hoststate.h"

struct fw_record {
	char *body;
	struct hs_fw_item *items;              /* sorted by key */
	size_t n_items;
	char *listing;
	bool has_stamp;                        /* the ruleset's stamp, read just before listing */
	struct hs_fw_stamp stamp;
};

/* A record of fw (a desired firewall: body and items) read back as listing. */
int fw_record_new(const struct hs_firewall *fw, const char *listing, struct fw_record **out);
void fw_record_free(struct fw_record *r);
/* Appends a copy of key and value to r->items, which has room for it. 0 or -ENOMEM. */
int fw_record_add_item(struct fw_record *r, const char *key, const char *value);
void fw_record_sort_items(struct fw_record *r);
/* Two ruleset stamps (model/hoststate.h) of the same ruleset: nothing was
 * committed between them. */
bool fw_record_stamp_equal(const struct hs_fw_stamp *a, const struct hs_fw_stamp *b);

/* The table the kernel has, against wgf's record of it. */
enum fw_drift {
	FW_DRIFT_ABSENT,               /* neither there nor recorded */
	FW_DRIFT_NOT_APPLIED,          /* there, but wgf has no record of applying it */
	FW_DRIFT_AS_APPLIED,
	FW_DRIFT_CHANGED,              /* the kernel's listing differs from the recorded one */
	FW_DRIFT_DELETED,              /* recorded, but not there */
};
enum fw_drift fw_record_drift(const struct hs_firewall *observed, const struct fw_record *rec);
/* "absent", "not-applied-by-wgf", "as-applied", "changed-outside-wgf", "deleted-outside-wgf" */
const char *fw_drift_name(enum fw_drift d);
