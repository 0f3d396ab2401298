/* wgf journal export (journal_export.h): the window, the verdict, and the
 * export as JSON or JSON lines. */
#include "reconcile/host/journal_export.h"

#include <errno.h>
#include <json-c/json.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/plan/json_put.h"

#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

bool journal_export_format_parse(const char *s, enum journal_export_format *out)
{
	if (!strcmp(s, "json"))
		*out = JOURNAL_EXPORT_JSON;
	else if (!strcmp(s, "jsonl"))
		*out = JOURNAL_EXPORT_JSONL;
	else
		return false;
	return true;
}

bool journal_window_holds(const struct journal_window *w, int64_t t)
{
	return (!w->has_since || t >= w->since) && (!w->has_until || t < w->until);
}

void journal_verdict_set(struct journal_verdict *v, int verified, const struct journal_status *st,
			 const struct wgf_error *verr, const struct journal *j)
{
	const char *msg = wgf_error_message(verr);
	size_t line = 0, n = strlen("journal:");

	memset(v, 0, sizeof(*v));
	v->intact = verified == 0;
	v->entries = st->n_entries;
	v->unchained = st->n_unchained;
	v->damaged = j->n_damaged;
	v->head_behind = st->head_behind;
	if (v->intact) {
		memcpy(v->head, st->head, sizeof(v->head));
		return;
	}
	/* "journal:LINE: what" (journal_verify) */
	v->why = msg;
	if (strncmp(msg, "journal:", n) || msg[n] < '1' || msg[n] > '9')
		return;
	/* it names a line of the journal, or the one after its last */
	for (; msg[n] >= '0' && msg[n] <= '9' && line <= v->entries + 1; n++)
		line = line * 10 + (size_t)(msg[n] - '0');
	if (msg[n] != ':' || msg[n + 1] != ' ' || line > v->entries + 1)
		return;
	v->broken_at = line;
	v->why = msg + n + 2;
}

static int put_hash(struct json_object *o, const char *key, const uint8_t h[JOURNAL_HASH_LEN])
{
	char hex[JOURNAL_HASH_HEX_LEN];

	sodium_bin2hex(hex, sizeof(hex), h, JOURNAL_HASH_LEN);
	return json_put_str(o, key, hex);
}

static struct json_object *signer_json(const struct journal_entry *e)
{
	struct json_object *o = json_object_new_object();

	if (o && json_put_str(o, "principal", e->signer_principal) == 0 &&
	    json_put_str(o, "fingerprint", e->signer_fingerprint) == 0)
		return o;
	json_object_put(o);
	return NULL;
}

static struct json_object *exit_json(const struct journal_entry *e)
{
	struct json_object *o = json_object_new_object();

	if (o && json_put_str(o, "group", e->exit_group) == 0 &&
	    json_put_str(o, "from", e->exit_from ? e->exit_from : "") == 0 &&
	    json_put_str(o, "to", e->exit_to ? e->exit_to : "") == 0)
		return o;
	json_object_put(o);
	return NULL;
}

static int put_count(struct json_object *o, const char *key, uint64_t n)
{
	return json_put(o, key, json_object_new_int64((int64_t)n));
}

static int put_seq(struct json_object *o, const struct journal_entry *e)
{
	return e->seq ? put_count(o, "seq", e->seq) : json_put_null(o, "seq");
}

struct json_object *journal_entry_json(const struct journal_entry *e)
{
	struct json_object *o = json_object_new_object();
	char ts[JOURNAL_TIME_LEN];
	bool signed_by = e->signer_principal || e->signer_fingerprint;

	if (!o)
		return NULL;
	if (put_count(o, "line", e->line) < 0 || put_seq(o, e) < 0 ||
	    json_put_str(o, "time", journal_time_format(e->time, ts)) < 0 || json_put_str(o, "host", e->host) < 0 ||
	    json_put_str(o, "source", e->source) < 0 || json_put_str(o, "revision", e->revision) < 0 ||
	    (signed_by ? json_put(o, "signer", signer_json(e)) : json_put_null(o, "signer")) < 0 ||
	    json_put_str(o, "result", e->result) < 0 || put_count(o, "create", e->n_create) < 0 ||
	    put_count(o, "update", e->n_update) < 0 || put_count(o, "delete", e->n_delete) < 0 ||
	    json_put_str(o, "reason", e->reason) < 0 ||
	    /* only exit-switched entries have it */
	    (e->exit_group && json_put(o, "exit", exit_json(e)) < 0) ||
	    (e->seq ? put_hash(o, "prev", e->prev) : json_put_null(o, "prev")) < 0 ||
	    put_hash(o, "hash", e->hash) < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *verdict_json(const struct journal_verdict *v)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	if (json_put(o, "intact", json_object_new_boolean(v->intact)) < 0 ||
	    json_put_str(o, "head", v->intact ? v->head : NULL) < 0 || put_count(o, "entries", v->entries) < 0 ||
	    (v->broken_at ? put_count(o, "broken_at", v->broken_at) : json_put_null(o, "broken_at")) < 0 ||
	    json_put_str(o, "why", v->intact ? NULL : v->why) < 0 || put_count(o, "unchained", v->unchained) < 0 ||
	    json_put(o, "head_behind", json_object_new_boolean(v->head_behind)) < 0 ||
	    put_count(o, "damaged_lines", v->damaged) < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static int put_time(struct json_object *o, const char *key, bool has, int64_t t)
{
	char ts[JOURNAL_TIME_LEN];

	return json_put_str(o, key, has ? journal_time_format(t, ts) : NULL);
}

/* Everything of the export but its entries, in the order it is written. */
static struct json_object *summary_json(const struct journal_export *x)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	if (json_put_str(o, "kind", JOURNAL_EXPORT_KIND) < 0 || json_put_str(o, "host", x->host) < 0 ||
	    put_time(o, "exported_at", true, x->exported_at) < 0 ||
	    put_time(o, "since", x->window.has_since, x->window.since) < 0 ||
	    put_time(o, "until", x->window.has_until, x->window.until) < 0 ||
	    json_put(o, "verification", verdict_json(x->verdict)) < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* pre, then o as one line of JSON (NULL: null), then post. */
static int write_value(FILE *f, const char *pre, struct json_object *o, const char *post)
{
	const char *text = o ? json_object_to_json_string_ext(o, JSON_FLAGS) : "null";

	if (!text)
		return -ENOMEM;
	fprintf(f, "%s%s%s", pre, text, post);
	return 0;
}

/* The entries of the window, each as one line of JSON between pre and post. */
static int write_entries(FILE *f, const struct journal_export *x, const char *first, const char *pre,
			 const char *post)
{
	bool any = false;
	int r = 0;

	for (size_t i = 0; i < x->journal->n && r == 0; i++) {
		const struct journal_entry *e = &x->journal->entries[i];
		struct json_object *o;

		if (!journal_window_holds(&x->window, e->time))
			continue;
		if (!(o = journal_entry_json(e)))
			return -ENOMEM;
		r = write_value(f, any ? pre : first, o, post);
		json_object_put(o);
		any = true;
	}
	return r < 0 ? r : any;
}

/* json: the summary's members, one a line (the keys are this file's own
 * words: nothing to escape), then the entries, one a line. */
static int write_json(FILE *f, const struct journal_export *x, struct json_object *summary)
{
	const char *sep = "{\n  ";
	char pre[64];
	int r = 0;

	json_object_object_foreach(summary, key, val) {
		snprintf(pre, sizeof(pre), "%s\"%s\": ", sep, key);
		if ((r = write_value(f, pre, val, "")) < 0)
			return r;
		sep = ",\n  ";
	}
	fputs(",\n  \"entries\": [", f);
	r = write_entries(f, x, "\n    ", ",\n    ", "");
	if (r < 0)
		return r;
	fputs(r ? "\n  ]\n}\n" : "]\n}\n", f);
	return 0;
}

/* jsonl: an entry a line, the summary last. */
static int write_jsonl(FILE *f, const struct journal_export *x, struct json_object *summary)
{
	int r = write_entries(f, x, "", "", "\n");

	return r < 0 ? r : write_value(f, "", summary, "\n");
}

int journal_export_write(FILE *f, const struct journal_export *x, enum journal_export_format fmt)
{
	struct json_object *summary = summary_json(x);
	int r;

	if (!summary)
		return -ENOMEM;
	r = fmt == JOURNAL_EXPORT_JSON ? write_json(f, x, summary) : write_jsonl(f, x, summary);
	json_object_put(summary);
	if (r == 0 && (fflush(f) == EOF || ferror(f)))
		r = -EIO;
	return r;
}
