/* The journal of applies and refusals in the state directory: one JSON line an
 * entry (<state_dir>/journal), each carrying the BLAKE2b hash of the line
 * before it, and the chain's head (<state_dir>/journal.head: the number of
 * lines, the hash of the last one, the file's size) rewritten atomically after
 * every append, so that an edited, removed, reordered or inserted entry, and
 * removed last entries, are found by journal_verify.
 *
 * A line (written in this key order, on one line, '\n'-terminated):
 *   {"seq":N,"time":"2026-12-01T06:30:00Z","host":H,"source":S,
 *    "revision":40-hex|null,"signer":{"principal":P,"fingerprint":F}|null,
 *    "result":R,"create":N,"update":N,"delete":N,"reason":T|null,
 *    ["exit":{"group":G,"from":F,"to":T},]"prev":64-hex}
 * seq is the line's number in the file (1-based). prev is BLAKE2b-256 (no key)
 * of the exact bytes of the line before, '\n' included — `sed -n Kp journal |
 * b2sum -l 256` — and for the first chained line, of all the bytes before it:
 * for a new journal, of nothing (JOURNAL_GENESIS). Lines of earlier versions
 * carry no seq and no prev ("unchained"); they are shown, and protected as a
 * whole by the first chained line that follows them. Strings are display-safe
 * (str_display_dup) and bounded, so a line is at most JOURNAL_LINE_MAX bytes.
 *
 * Only this module reads or writes the two files. Callers of journal_append
 * hold the state lock (statedir_lock). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/error.h"

#define JOURNAL_FILE "journal"
#define JOURNAL_HEAD_FILE "journal.head"
#define JOURNAL_HASH_LEN 32                    /* BLAKE2b-256 */
#define JOURNAL_HASH_HEX_LEN (2 * JOURNAL_HASH_LEN + 1)
/* BLAKE2b-256 of nothing: what the first line of a new journal carries as prev. */
#define JOURNAL_GENESIS "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"
/* A longer line is damaged; what journal_append writes always fits. */
#define JOURNAL_LINE_MAX 16384

/* What is journaled (result): every apply that changed something, or tried to
 * and failed, and every commit reconcile refused. A run with nothing to do is
 * not journaled. */
#define JOURNAL_APPLIED "applied"              /* the plan was carried out */
#define JOURNAL_ROLLED_BACK "rolled-back"      /* it failed, and what it did was undone */
#define JOURNAL_FAILED "failed"                /* it failed and could not be undone (or before it began) */
#define JOURNAL_REFUSED "refused"              /* reconcile refused the commit: nothing changed */
/* After an apply, the host's key file became the prepared next key (wgf host
 * rotate): reason names the old and new public keys' fingerprints. */
#define JOURNAL_KEY_ROTATED "key-rotated"
/* `wgf watch` pointed an exit group's table at another member (or a
 * blackhole/throw): reason says the group, the table, from, to and why. */
#define JOURNAL_EXIT_SWITCHED "exit-switched"

/* One entry, for writing and as read. When read, the strings are owned by the
 * struct journal they are in, display-safe (valid UTF-8, no control
 * characters), and at most the lengths journal_append writes. */
struct journal_entry {
	int64_t time;                          /* unix seconds, 1970 to 9999; append: 0 = now */
	const char *host;                      /* the Host applied; NULL: unknown */
	const char *source;                    /* "commit 1a2b3c4d (main)", "directory /srv/net" */
	const char *revision;                  /* the full commit id (40 hex), or NULL */
	const char *signer_principal;          /* who signed the revision ("alice@example.org"), or NULL */
	const char *signer_fingerprint;        /* their key ("SHA256:…"), or NULL */
	const char *result;                    /* JOURNAL_APPLIED, …; read: any word */
	uint64_t n_create, n_update, n_delete; /* the plan's changes (refused: 0) */
	const char *reason;                    /* the error, or why it was refused; NULL: none */
	/* exit-switched (written only there, as "exit":{"group","from","to"}):
	 * the exit group, and what its table used before and uses now (a
	 * member's name, "blackhole" or "throw"); NULL otherwise */
	const char *exit_group, *exit_from, *exit_to;
	/* Read only (append ignores them): */
	size_t line;                           /* 1-based line in the file */
	uint64_t seq;                          /* its number in the chain; 0: unchained (older wgf) */
	uint8_t prev[JOURNAL_HASH_LEN];        /* chained: the hash it carries of what came before */
	uint8_t hash[JOURNAL_HASH_LEN];        /* the hash of this line */
};

/* Appends e to <state_dir>/journal (made 0600 with the directory if missing),
 * chained to the head, fsynced, then rewrites the head atomically. Strings are
 * made display-safe and cut to their bounds; e->result must be one of the
 * six above, e->revision NULL or 40 lower-case hex digits, e->time within
 * the years 1970 to 9999 and the counts below 2^53 (else -EINVAL). A journal
 * damaged since the head was written is appended to all the same (the damage
 * stays visible to journal_verify); a line left unfinished by a crash, which
 * the head does not count, is cut off first. 0 or a negative errno. */
int journal_append(const char *state_dir, const struct journal_entry *e);

/* A journal as read. Lines that are not entries are skipped, counted, and the
 * first of them described (damage, "journal:LINE: why"). */
struct journal {
	struct journal_entry *entries;
	size_t n;
	size_t n_lines;                        /* lines in the file (a last one without '\n' counts) */
	size_t n_damaged;
	struct wgf_error damage;
};

/* Reads <state_dir>/journal (missing: no entries), keeping the last `last`
 * entries (0: all). 0, or a negative errno with err set when the file cannot
 * be read (damaged lines are not an error). */
int journal_read(const char *state_dir, size_t last, struct journal *out, struct wgf_error *err);
/* The same from the file's bytes (NULs and all). 0 or -ENOMEM. */
int journal_parse(const char *text, size_t len, size_t last, struct journal *out);
void journal_clear(struct journal *j);

/* What journal_verify found. */
struct journal_status {
	size_t n_entries;                      /* lines in the journal (all of them, even when it breaks) */
	size_t n_unchained;                    /* of them, written before the chain began */
	bool has_head;                         /* the head file was there */
	bool head_behind;                      /* the head misses the last entry (a crash between the two writes) */
	char head[JOURNAL_HASH_HEX_LEN];       /* intact: the hash of the last line (JOURNAL_GENESIS: none) */
};

/* Checks the chain and the head: 0 when intact, -EBADMSG with err "journal:LINE:
 * what" at the first place it breaks, another negative errno (err set) when a
 * file cannot be read. st (may be NULL) is filled either way. */
int journal_verify(const char *state_dir, struct journal_status *st, struct wgf_error *err);
/* The same from the two files' bytes; head NULL: no head file. */
int journal_verify_text(const char *text, size_t len, const char *head, size_t head_len,
			struct journal_status *st, struct wgf_error *err);

/* journal_read (every entry) and journal_verify of the same bytes, read once,
 * so that the entries and the verdict agree while wgf appends. 0 with
 * *verified 0 (intact) or -EBADMSG (where and how in verr); or a negative
 * errno with err set when a file cannot be read. */
int journal_read_verified(const char *state_dir, struct journal *out, struct journal_status *st, int *verified,
			  struct wgf_error *verr, struct wgf_error *err);

/* The line of <state_dir>/journal whose hash is hex (a head recorded earlier,
 * elsewhere): with an intact chain, everything up to it is as it was then.
 * 0 and *line, -ENOENT (no such line: rewritten, or another journal), -EINVAL
 * (not 64 hex digits), or another negative errno; err says which. */
int journal_find(const char *state_dir, const char *hex, size_t *line, struct wgf_error *err);

/* The pure parts of journal_append: the line that follows a chain whose last
 * line is number seq - 1 with hash prev (the caller frees *out), and the head
 * file's text after it. 0, -EINVAL (see journal_append) or -ENOMEM. */
int journal_format_line(const struct journal_entry *e, uint64_t seq, const uint8_t prev[JOURNAL_HASH_LEN],
			char **out, size_t *out_len);
int journal_format_head(uint64_t entries, const uint8_t hash[JOURNAL_HASH_LEN], uint64_t size,
			char **out, size_t *out_len);

/* "2026-12-01T06:30:00Z" (buf: at least JOURNAL_TIME_LEN bytes); a time
 * before 1970 or after 9999 (which no entry holds) as "(time N)". */
#define JOURNAL_TIME_LEN 32
#define JOURNAL_TIME_MAX 253402300799LL        /* 9999-12-31T23:59:59Z */
const char *journal_time_format(int64_t t, char *buf);
