/* wgf journal export: the journal for an audit, as one JSON document or as
 * JSON lines, with the whole chain's verification in it. The dates of the
 * window are parsed here (journal_date.c); the window, the verdict and the
 * printing (journal_export.c) are pure but for the stream they write to.
 *
 * An entry is exported as `wgf journal --json` shows it (journal_entry_json),
 * with its line, its hash and the hash it holds of what came before. The
 * journal holds no secrets (journal.h: names, commit ids, fingerprints,
 * counts, reasons), and nothing else is added. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model/error.h"
#include "reconcile/host/journal.h"

struct json_object;

#define JOURNAL_EXPORT_KIND "wgf-journal-export"

enum journal_export_format { JOURNAL_EXPORT_JSON, JOURNAL_EXPORT_JSONL };

/* "json" or "jsonl"; false for anything else. */
bool journal_export_format_parse(const char *s, enum journal_export_format *out);

/* A date of --since or --until into unix seconds: "YYYY-MM-DD" (00:00 UTC),
 * RFC 3339 "YYYY-MM-DDThh:mm:ssZ" (or with an offset, +hh:mm or -hh:mm, and a
 * fraction of a second, which rounds up: entries are whole seconds), or a
 * time ago from now, "24h", "7d", "2w". Within the years 1970 to 9999. 0, or
 * -EINVAL with err saying why. */
int journal_date_parse(const char *s, int64_t now, int64_t *out, struct wgf_error *err);

/* The entries exported: from since (included) to until (not included), so
 * that consecutive windows ([a, b), [b, c)) hold each entry once. Without
 * has_since or has_until that side is open. */
struct journal_window {
	bool has_since, has_until;
	int64_t since, until;
};
bool journal_window_holds(const struct journal_window *w, int64_t t);

/* What verification found, as exported. */
struct journal_verdict {
	bool intact;
	size_t entries;                        /* lines in the journal, all of them */
	size_t unchained;                      /* of them, written before the chain began */
	size_t damaged;                        /* lines that are not entries (not exported) */
	bool head_behind;                      /* see journal_status */
	char head[JOURNAL_HASH_HEX_LEN];       /* intact: the hash of the last line */
	size_t broken_at;                      /* not intact: the line where it breaks (0: not said) */
	const char *why;                       /* not intact: how (points into the error given) */
};

/* The verdict from journal_read_verified's: verified (0 or -EBADMSG), the
 * status, its error ("journal:LINE: what", split into broken_at and why; v
 * points into it) and the journal read (its damaged lines). */
void journal_verdict_set(struct journal_verdict *v, int verified, const struct journal_status *st,
			 const struct wgf_error *verr, const struct journal *j);

struct journal_export {
	const char *host;                      /* the machine the journal is from; NULL: unknown */
	int64_t exported_at;                   /* unix seconds */
	struct journal_window window;
	const struct journal *journal;
	const struct journal_verdict *verdict;
};

/* Writes the export to f. json: one object {"kind", "host", "exported_at",
 * "since", "until", "verification", "entries": [...]}, each entry on a line of
 * its own. jsonl: one entry a line, then the same object without "entries" as
 * the last line. Keys always in this order. 0, -ENOMEM, or -EIO when a write
 * failed. */
int journal_export_write(FILE *f, const struct journal_export *x, enum journal_export_format fmt);

/* One entry as `wgf journal --json` shows it: line, seq, time, host, source,
 * revision, signer, result, create, update, delete, reason, [exit,] prev,
 * hash. NULL when out of memory. */
struct json_object *journal_entry_json(const struct journal_entry *e);
