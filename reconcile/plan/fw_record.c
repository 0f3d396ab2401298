/* What wgf applied to its nftables table, as data. */
#include "reconcile/plan/fw_record.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void fw_record_free(struct fw_record *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_items; i++) {
		free(r->items[i].key);
		free(r->items[i].value);
	}
	free(r->items);
	free(r->body);
	free(r->listing);
	free(r);
}

static int item_cmp(const void *a, const void *b)
{
	return strcmp(((const struct hs_fw_item *)a)->key, ((const struct hs_fw_item *)b)->key);
}

void fw_record_sort_items(struct fw_record *r)
{
	if (r->n_items > 1)
		qsort(r->items, r->n_items, sizeof(*r->items), item_cmp);
}

int fw_record_add_item(struct fw_record *r, const char *key, const char *value)
{
	struct hs_fw_item *it = &r->items[r->n_items];

	it->key = strdup(key);
	it->value = strdup(value);
	r->n_items++;
	return it->key && it->value ? 0 : -ENOMEM;
}

int fw_record_new(const struct hs_firewall *fw, const char *listing, struct fw_record **out)
{
	struct fw_record *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->body = strdup(fw->body ? fw->body : "");
	r->listing = strdup(listing ? listing : "");
	if (!r->body || !r->listing)
		goto fail;
	if (fw->n_items && !(r->items = calloc(fw->n_items, sizeof(*r->items))))
		goto fail;
	for (size_t i = 0; i < fw->n_items; i++)
		if (fw_record_add_item(r, fw->items[i].key, fw->items[i].value) < 0)
			goto fail;
	fw_record_sort_items(r);
	*out = r;
	return 0;
fail:
	fw_record_free(r);
	return -ENOMEM;
}

enum fw_drift fw_record_drift(const struct hs_firewall *observed, const struct fw_record *rec)
{
	if (!observed->present)
		return rec ? FW_DRIFT_DELETED : FW_DRIFT_ABSENT;
	if (!rec)
		return FW_DRIFT_NOT_APPLIED;
	return strcmp(observed->body ? observed->body : "", rec->listing ? rec->listing : "") ?
	       FW_DRIFT_CHANGED : FW_DRIFT_AS_APPLIED;
}

const char *fw_drift_name(enum fw_drift d)
{
	static const char *const names[] = {
		[FW_DRIFT_ABSENT] = "absent",
		[FW_DRIFT_NOT_APPLIED] = "not-applied-by-wgf",
		[FW_DRIFT_AS_APPLIED] = "as-applied",
		[FW_DRIFT_CHANGED] = "changed-outside-wgf",
		[FW_DRIFT_DELETED] = "deleted-outside-wgf",
	};
	return (unsigned)d < sizeof(names) / sizeof(names[0]) ? names[d] : "unknown";
}

bool fw_record_stamp_equal(const struct hs_fw_stamp *a, const struct hs_fw_stamp *b)
{
	return a->genid == b->genid && a->netns == b->netns && a->boot_id[0] &&
	       !strcmp(a->boot_id, b->boot_id);
}
