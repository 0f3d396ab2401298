/* The hash-chained journal (journal.h): writing an entry, reading the entries,
 * and checking the chain. The file may be damaged or edited by anyone who can
 * write the state directory: every line is bounded, parsed strictly, and never
 * trusted for more than what it says about itself. */
#include "reconcile/host/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "model/str.h"
#include "reconcile/host/fileio.h"
#include "reconcile/plan/json_put.h"

/* What journal_append writes at most, in bytes after display escaping. Even if
 * JSON escaping doubled every byte, a line stays under JOURNAL_LINE_MAX. */
#define MAX_HOST 255
#define MAX_SOURCE 1024
#define MAX_PRINCIPAL 255
#define MAX_FINGERPRINT 127
#define MAX_REASON 4096
#define MAX_RESULT 32
#define REVISION_LEN 40
/* An entry is an object holding one object (the signer). */
#define JSON_DEPTH 4
/* What is read: an entry is about 350 bytes, so 256 MiB is some 750,000 of
 * them; the head is one short line (a longer one is read, and is damaged). */
#define JOURNAL_READ_MAX (256u << 20)
#define HEAD_READ_MAX 4096

/* ---- hashes and times ---- */

static void hash_bytes(const void *p, size_t n, uint8_t out[JOURNAL_HASH_LEN])
{
	crypto_generichash(out, JOURNAL_HASH_LEN, p, n, NULL, 0);
}

static void hash_hex(const uint8_t h[JOURNAL_HASH_LEN], char out[JOURNAL_HASH_HEX_LEN])
{
	sodium_bin2hex(out, JOURNAL_HASH_HEX_LEN, h, JOURNAL_HASH_LEN);
}

static bool is_lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Exactly 64 lower-case hex digits. */
static bool hash_from_hex(const char *s, size_t n, uint8_t out[JOURNAL_HASH_LEN])
{
	if (n != 2 * JOURNAL_HASH_LEN || !is_lower_hex(s, n))
		return false;
	return sodium_hex2bin(out, JOURNAL_HASH_LEN, s, n, NULL, NULL, NULL) == 0;
}

const char *journal_time_format(int64_t t, char *buf)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t < 0 || t > JOURNAL_TIME_MAX || !gmtime_r(&tt, &tm) ||
	    !strftime(buf, JOURNAL_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, JOURNAL_TIME_LEN, "(time %lld)", (long long)t);
	return buf;
}

/* "YYYY-MM-DDTHH:MM:SSZ", UTC, years 1970 to 9999, nothing else. */
static bool time_parse(const char *s, size_t n, int64_t *out)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	struct tm tm = {0};
	int y, mo, d, h, mi, sec;

	if (n != sizeof(shape) - 1)
		return false;
	for (size_t i = 0; i < n; i++)
		if (shape[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != shape[i])
			return false;
	y = atoi(s);
	mo = atoi(s + 5);
	d = atoi(s + 8);
	h = atoi(s + 11);
	mi = atoi(s + 14);
	sec = atoi(s + 17);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 59)
		return false;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return false;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out = (int64_t)timegm(&tm);
	return true;
}

/* ---- one line ---- */

enum line_kind { LINE_DAMAGED, LINE_UNCHAINED, LINE_CHAINED };

struct line_info {
	enum line_kind kind;
	uint64_t seq;                          /* chained */
	uint8_t prev[JOURNAL_HASH_LEN];        /* chained */
	char why[128];                         /* damaged: why, in words */
};

__attribute__((format(printf, 2, 3)))
static int damaged(struct line_info *li, const char *fmt, ...)
{
	va_list ap;

	li->kind = LINE_DAMAGED;
	va_start(ap, fmt);
	vsnprintf(li->why, sizeof(li->why), fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

/* The member key of o: a string (without NULs) into *s, or with nullable a
 * null into NULL. Missing, or of another type: damaged. */
static int member_str(struct json_object *o, const char *key, bool nullable, const char **s, size_t *n,
		      struct line_info *li)
{
	struct json_object *v;

	*s = NULL;
	*n = 0;
	if (!json_object_object_get_ex(o, key, &v))
		return damaged(li, "no \"%s\"", key);
	if (!v && nullable)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return damaged(li, "\"%s\" is not a string%s", key, nullable ? " or null" : "");
	*s = json_object_get_string(v);
	*n = (size_t)json_object_get_string_len(v);
	if (strlen(*s) != *n)
		return damaged(li, "\"%s\" holds a NUL character", key);
	return 0;
}

/* Counts and line numbers stay below 2^53 (exact in any JSON reader), so the
 * next one never overflows. */
#define COUNT_MAX (1ULL << 53)

static int member_uint(struct json_object *o, const char *key, uint64_t min, uint64_t *out, struct line_info *li)
{
	struct json_object *v;
	int64_t x;

	if (!json_object_object_get_ex(o, key, &v))
		return damaged(li, "no \"%s\"", key);
	if (!json_object_is_type(v, json_type_int) || (x = json_object_get_int64(v)) < 0 || (uint64_t)x < min ||
	    (uint64_t)x >= COUNT_MAX)
		return damaged(li, "\"%s\" is not a %s", key, min ? "positive integer" : "count");
	*out = (uint64_t)x;
	return 0;
}

/* A display-safe copy into *dst (when e is being filled), or NULL for NULL. */
static int keep(const char *s, const char **dst)
{
	char *c;

	*dst = NULL;
	if (!s)
		return 0;
	if (!(c = str_display_dup(s)))
		return -ENOMEM;
	*dst = c;
	return 0;
}

static void entry_strings_free(struct journal_entry *e)
{
	free((char *)e->host);
	free((char *)e->source);
	free((char *)e->revision);
	free((char *)e->signer_principal);
	free((char *)e->signer_fingerprint);
	free((char *)e->result);
	free((char *)e->reason);
	free((char *)e->exit_group);
	free((char *)e->exit_from);
	free((char *)e->exit_to);
	e->host = e->source = e->revision = e->signer_principal = e->signer_fingerprint = e->result =
		e->reason = e->exit_group = e->exit_from = e->exit_to = NULL;
}

/* An exit-switched line's "exit": {"group", "from", "to"} (strings), or none. */
static int line_exit(struct json_object *o, const char *v[3], struct line_info *li)
{
	static const char *const keys[3] = { "group", "from", "to" };
	struct json_object *x;
	size_t n;
	int r;

	if (!json_object_object_get_ex(o, "exit", &x))
		return 0;
	if (!json_object_is_type(x, json_type_object))
		return damaged(li, "\"exit\" is not an object");
	for (size_t i = 0; i < 3; i++)
		if ((r = member_str(x, keys[i], false, &v[i], &n, li)) < 0)
			return r;
	return 0;
}

/* What the members of one parsed line say; e (may be NULL) receives copies. */
static int line_members(struct json_object *o, struct line_info *li, struct journal_entry *e)
{
	const char *time_s, *host, *source, *result, *reason = NULL, *revision = NULL, *principal = NULL,
		*fingerprint = NULL, *prev, *exit_v[3] = { NULL, NULL, NULL };
	size_t time_n, host_n, source_n, result_n, n;
	struct json_object *v, *signer;
	uint64_t counts[3];
	int64_t t;
	bool chained = json_object_object_get_ex(o, "prev", NULL) || json_object_object_get_ex(o, "seq", NULL);
	int r;

	if ((r = member_str(o, "time", false, &time_s, &time_n, li)) < 0 ||
	    (r = member_str(o, "host", true, &host, &host_n, li)) < 0 ||
	    (r = member_str(o, "source", true, &source, &source_n, li)) < 0 ||
	    (r = member_str(o, "result", false, &result, &result_n, li)) < 0 ||
	    (r = member_uint(o, "create", 0, &counts[0], li)) < 0 ||
	    (r = member_uint(o, "update", 0, &counts[1], li)) < 0 ||
	    (r = member_uint(o, "delete", 0, &counts[2], li)) < 0)
		return r;
	if (!time_parse(time_s, time_n, &t))
		return damaged(li, "\"time\" is not a time (YYYY-MM-DDTHH:MM:SSZ)");
	if (result_n == 0 || result_n > MAX_RESULT || strspn(result, "abcdefghijklmnopqrstuvwxyz-") != result_n)
		return damaged(li, "\"result\" is not a word");
	if (!chained) {
		li->kind = LINE_UNCHAINED;
		/* earlier versions wrote the error, when there was one, as "error" */
		if (json_object_object_get_ex(o, "error", &v) &&
		    (r = member_str(o, "error", true, &reason, &n, li)) < 0)
			return r;
	} else {
		li->kind = LINE_CHAINED;
		if ((r = member_uint(o, "seq", 1, &li->seq, li)) < 0 ||
		    (r = member_str(o, "prev", false, &prev, &n, li)) < 0)
			return r;
		if (!hash_from_hex(prev, n, li->prev))
			return damaged(li, "\"prev\" is not a hash (64 hex digits)");
		if ((r = member_str(o, "revision", true, &revision, &n, li)) < 0)
			return r;
		if (revision && (n != REVISION_LEN || !is_lower_hex(revision, n)))
			return damaged(li, "\"revision\" is not a commit id (40 hex digits)");
		if ((r = member_str(o, "reason", true, &reason, &n, li)) < 0)
			return r;
		if (!json_object_object_get_ex(o, "signer", &signer))
			return damaged(li, "no \"%s\"", "signer");
		if (signer && !json_object_is_type(signer, json_type_object))
			return damaged(li, "\"signer\" is neither an object nor null");
		if (signer && ((r = member_str(signer, "principal", true, &principal, &n, li)) < 0 ||
			       (r = member_str(signer, "fingerprint", true, &fingerprint, &n, li)) < 0))
			return r;
		if ((r = line_exit(o, exit_v, li)) < 0)
			return r;
	}
	if (!e)
		return 0;
	e->time = t;
	e->n_create = counts[0];
	e->n_update = counts[1];
	e->n_delete = counts[2];
	e->seq = li->kind == LINE_CHAINED ? li->seq : 0;
	memcpy(e->prev, li->prev, JOURNAL_HASH_LEN);
	if (keep(host, &e->host) < 0 || keep(source, &e->source) < 0 || keep(revision, &e->revision) < 0 ||
	    keep(principal, &e->signer_principal) < 0 || keep(fingerprint, &e->signer_fingerprint) < 0 ||
	    keep(result, &e->result) < 0 || keep(reason, &e->reason) < 0 || keep(exit_v[0], &e->exit_group) < 0 ||
	    keep(exit_v[1], &e->exit_from) < 0 || keep(exit_v[2], &e->exit_to) < 0) {
		entry_strings_free(e);
		return -ENOMEM;
	}
	return 0;
}

/* Reads one line s[0..n) (without its '\n'). 0 (li->kind says which), -EBADMSG
 * (damaged, li->why says why) or -ENOMEM. e (may be NULL) receives the entry. */
static int line_parse(const char *s, size_t n, struct line_info *li, struct journal_entry *e)
{
	struct json_tokener *tok;
	struct json_object *o;
	int r;

	memset(li, 0, sizeof(*li));
	if (n == 0)
		return damaged(li, "an empty line");
	if (n >= JOURNAL_LINE_MAX)
		return damaged(li, "longer than %d bytes", JOURNAL_LINE_MAX);
	if (memchr(s, '\0', n))
		return damaged(li, "a NUL byte");
	tok = json_tokener_new_ex(JSON_DEPTH);
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, s, (int)n);
	if (!o || json_tokener_get_error(tok) != json_tokener_success || json_tokener_get_parse_end(tok) != n)
		r = damaged(li, "not JSON");
	else if (!json_object_is_type(o, json_type_object))
		r = damaged(li, "not a JSON object");
	else
		r = line_members(o, li, e);
	json_object_put(o);
	json_tokener_free(tok);
	return r;
}

/* ---- lines of a file ---- */

struct line_iter {
	const char *text;
	size_t len, off;
	size_t no;                             /* the line last returned, 1-based */
};

/* The next line: s[0..n) without its '\n'; complete: it had one. False at the end. */
static bool next_line(struct line_iter *it, const char **s, size_t *n, bool *complete)
{
	const char *nl;

	if (it->off >= it->len)
		return false;
	*s = it->text + it->off;
	nl = memchr(*s, '\n', it->len - it->off);
	*n = nl ? (size_t)(nl - *s) : it->len - it->off;
	*complete = nl != NULL;
	it->off += *n + (nl != NULL);
	it->no++;
	return true;
}

/* Line no of text (1-based); false past the end. */
static bool line_get(const char *text, size_t len, size_t no, const char **s, size_t *n, bool *complete)
{
	struct line_iter it = { text, len, 0, 0 };

	while (next_line(&it, s, n, complete))
		if (it.no == no)
			return true;
	return false;
}

/* ---- reading ---- */

static void entries_free(struct journal_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		entry_strings_free(&v[i]);
	free(v);
}

void journal_clear(struct journal *j)
{
	entries_free(j->entries, j->n);
	wgf_error_clear(&j->damage);
	memset(j, 0, sizeof(*j));
}

/* Keeps e in j: all of them (last == 0), or the last `last` in a ring that
 * starts at *start. */
static int keep_entry(struct journal *j, size_t last, size_t *cap, size_t *start, struct journal_entry *e)
{
	struct journal_entry *v;

	if (last && j->n == last) {
		entry_strings_free(&j->entries[*start]);
		j->entries[*start] = *e;
		*start = (*start + 1) % last;
		return 0;
	}
	if (j->n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		if (last && c > last)
			c = last;
		if (!(v = realloc(j->entries, c * sizeof(*v))))
			return -ENOMEM;
		j->entries = v;
		*cap = c;
	}
	j->entries[j->n++] = *e;
	return 0;
}

int journal_parse(const char *text, size_t len, size_t last, struct journal *out)
{
	struct line_iter it = { text, len, 0, 0 };
	size_t cap = 0, start = 0, n;
	const char *s;
	bool complete;
	int r = 0;

	memset(out, 0, sizeof(*out));
	while (next_line(&it, &s, &n, &complete)) {
		struct journal_entry e = {0};
		struct line_info li;

		r = line_parse(s, n, &li, &e);
		if (r == -ENOMEM)
			goto out;
		if (r == 0 && !complete) {
			entry_strings_free(&e);
			r = damaged(&li, "the last line is cut off (no newline)");
		}
		if (r < 0) {
			if (!out->n_damaged++)
				wgf_error_set(&out->damage, -EBADMSG, "journal:%zu: %s%s", it.no,
					      complete ? "damaged entry: " : "", li.why);
			r = 0;
			continue;
		}
		e.line = it.no;
		hash_bytes(s, n + 1, e.hash);
		r = keep_entry(out, last, &cap, &start, &e);
		if (r < 0) {
			entry_strings_free(&e);
			goto out;
		}
	}
	out->n_lines = it.no;
	if (start) {
		/* the ring, in order */
		struct journal_entry *v = malloc(out->n * sizeof(*v));
		if (!v) {
			r = -ENOMEM;
			goto out;
		}
		memcpy(v, out->entries + start, (out->n - start) * sizeof(*v));
		memcpy(v + out->n - start, out->entries, start * sizeof(*v));
		free(out->entries);
		out->entries = v;
	}
out:
	if (r < 0)
		journal_clear(out);
	return r;
}

static int state_path(const char *state_dir, const char *name, char *buf, size_t len)
{
	if ((size_t)snprintf(buf, len, "%s/%s", state_dir, name) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* A file of the state directory; missing: *out NULL and 0. */
static int read_state_file(const char *state_dir, const char *name, size_t max, char **out, size_t *len,
			   struct wgf_error *err)
{
	char path[PATH_MAX];
	int r = state_path(state_dir, name, path, sizeof(path));

	*out = NULL;
	*len = 0;
	if (r == 0)
		r = fileio_read_regular(path, max, out, len);
	if (r == -ENOENT)
		return 0;
	if (r == -EINVAL)
		return wgf_error_set(err, r, "reading %s/%s: not a regular file", state_dir, name);
	if (r < 0)
		return wgf_error_set(err, r, "reading %s/%s: %s", state_dir, name, strerror(-r));
	return 0;
}

int journal_read(const char *state_dir, size_t last, struct journal *out, struct wgf_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	memset(out, 0, sizeof(*out));
	r = read_state_file(state_dir, JOURNAL_FILE, JOURNAL_READ_MAX, &text, &len, err);
	if (r == 0 && (r = journal_parse(text ? text : "", len, last, out)) < 0)
		wgf_error_set(err, r, NULL);
	free(text);
	return r;
}

/* ---- the head ---- */

struct head {
	bool present, valid;
	char why[128];                         /* present, not valid: why */
	uint64_t entries, size;
	uint8_t hash[JOURNAL_HASH_LEN];
};

#define HEAD_MAX 1024

static void head_parse(const char *text, size_t len, struct head *h)
{
	struct json_tokener *tok = NULL;
	struct json_object *o = NULL;
	struct line_info li;
	const char *hex;
	size_t n;

	memset(h, 0, sizeof(*h));
	if (!text)
		return;
	h->present = true;
	/* one line: strip its newline */
	if (len && text[len - 1] == '\n')
		len--;
	if (len == 0 || len > HEAD_MAX || memchr(text, '\0', len) || memchr(text, '\n', len)) {
		snprintf(h->why, sizeof(h->why), "not one line of JSON");
		return;
	}
	tok = json_tokener_new_ex(JSON_DEPTH);
	if (!tok) {
		snprintf(h->why, sizeof(h->why), "out of memory");
		return;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, text, (int)len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success || json_tokener_get_parse_end(tok) != len ||
	    !json_object_is_type(o, json_type_object)) {
		snprintf(h->why, sizeof(h->why), "not a JSON object");
		goto out;
	}
	if (member_uint(o, "entries", 0, &h->entries, &li) < 0 || member_uint(o, "size", 0, &h->size, &li) < 0 ||
	    member_str(o, "hash", false, &hex, &n, &li) < 0) {
		snprintf(h->why, sizeof(h->why), "%s", li.why);
		goto out;
	}
	if (!hash_from_hex(hex, n, h->hash)) {
		snprintf(h->why, sizeof(h->why), "\"hash\" is not a hash (64 hex digits)");
		goto out;
	}
	h->valid = true;
out:
	json_object_put(o);
	json_tokener_free(tok);
}

int journal_format_head(uint64_t entries, const uint8_t hash[JOURNAL_HASH_LEN], uint64_t size,
			char **out, size_t *out_len)
{
	char hex[JOURNAL_HASH_HEX_LEN];

	hash_hex(hash, hex);
	*out = str_printf("{\"entries\":%llu,\"hash\":\"%s\",\"size\":%llu}\n", (unsigned long long)entries, hex,
			  (unsigned long long)size);
	*out_len = *out ? strlen(*out) : 0;
	return *out ? 0 : -ENOMEM;
}

/* ---- checking the chain ---- */

struct verify {
	const char *text;
	size_t len;
	const struct head *head;
};

/* "entry 5" or "entries 5 to 7" (a..b, a <= b). */
static const char *span(char *buf, size_t len, const char *one, const char *many, uint64_t a, uint64_t b)
{
	if (a == b)
		snprintf(buf, len, "%s %llu", one, (unsigned long long)a);
	else
		snprintf(buf, len, "%s %llu to %llu", many, (unsigned long long)a, (unsigned long long)b);
	return buf;
}

/* The hash and what line no says of itself (seq: its seq if chained, else no). */
struct line_look {
	bool there, complete, chained;
	uint64_t seq;
	uint8_t prev[JOURNAL_HASH_LEN], hash[JOURNAL_HASH_LEN];
};

static int look(const struct verify *v, size_t no, struct line_look *l)
{
	struct line_info li;
	const char *s;
	size_t n;
	int r;

	memset(l, 0, sizeof(*l));
	if (!line_get(v->text, v->len, no, &s, &n, &l->complete))
		return 0;
	l->there = true;
	hash_bytes(s, n + l->complete, l->hash);
	r = line_parse(s, n, &li, NULL);
	if (r == -ENOMEM)
		return r;
	l->chained = r == 0 && li.kind == LINE_CHAINED;
	l->seq = l->chained ? li.seq : no;
	memcpy(l->prev, li.prev, JOURNAL_HASH_LEN);
	return 0;
}

/* Lines other than skip whose hash is h: the last one before `before`, the
 * first one after `after` (0: none). */
static void find_hash(const struct verify *v, const uint8_t h[JOURNAL_HASH_LEN], size_t before, size_t after,
		      size_t *found_before, size_t *found_after)
{
	struct line_iter it = { v->text, v->len, 0, 0 };
	uint8_t lh[JOURNAL_HASH_LEN];
	const char *s;
	size_t n;
	bool complete;

	*found_before = *found_after = 0;
	while (next_line(&it, &s, &n, &complete)) {
		if (it.no >= before && it.no <= after)
			continue;
		hash_bytes(s, n + complete, lh);
		if (memcmp(lh, h, JOURNAL_HASH_LEN))
			continue;
		if (it.no < before) {
			*found_before = it.no;
		} else {
			*found_after = it.no;
			break;
		}
	}
}

/* Does what follows line no (the next line, or the head) hold its hash h? */
static bool confirmed(const struct verify *v, size_t no, const uint8_t h[JOURNAL_HASH_LEN])
{
	struct line_look next;

	if (look(v, no + 1, &next) < 0)
		return false;
	if (next.there)
		return next.chained && !memcmp(next.prev, h, JOURNAL_HASH_LEN);
	return v->head->valid && v->head->entries == no && !memcmp(v->head->hash, h, JOURNAL_HASH_LEN);
}

/* Line L (chained: seq s, prev p) does not follow what is before it: it should
 * have been entry E with prev P. first: no chained line came before it;
 * prev_seq: what line L - 1 says it is. Says where and how in err. */
static int chain_break(const struct verify *v, size_t L, const struct line_info *li, const uint8_t hL[JOURNAL_HASH_LEN],
		       uint64_t E, const uint8_t P[JOURNAL_HASH_LEN], bool first, uint64_t prev_seq,
		       struct wgf_error *err)
{
	uint64_t s = li->seq;
	uint8_t genesis[JOURNAL_HASH_LEN];
	size_t copy, unused, before, after;
	struct line_look other;
	char a[64];
	int r;

	hash_bytes("", 0, genesis);
	find_hash(v, hL, L, SIZE_MAX, &copy, &unused);
	if (copy) {
		if ((r = look(v, copy, &other)) < 0)
			return r;
		return wgf_error_set(err, -EBADMSG, "journal:%zu: a copy of line %zu (entry %llu) was inserted here", L,
				     copy, (unsigned long long)other.seq);
	}
	if (!memcmp(li->prev, P, JOURNAL_HASH_LEN))
		return wgf_error_set(err, -EBADMSG, "journal:%zu: entry %llu is numbered %llu: it was changed after it "
				     "was written", L, (unsigned long long)E, (unsigned long long)s);
	find_hash(v, li->prev, L - 1, L, &before, &after);
	if (after) {
		if ((r = look(v, after, &other)) < 0)
			return r;
		return wgf_error_set(err, -EBADMSG, "journal:%zu: entries out of order: entry %llu is here, before "
				     "entry %llu (line %zu), which it follows", L, (unsigned long long)s,
				     (unsigned long long)other.seq, after);
	}
	if (before) {
		if ((r = look(v, before, &other)) < 0)
			return r;
		if (s == other.seq + 1)
			return wgf_error_set(err, -EBADMSG, "journal:%zu: %s %s inserted: line %zu follows line "
					     "%zu directly", before + 1,
					     span(a, sizeof(a), "line", "lines", before + 1, L - 1),
					     before + 1 == L - 1 ? "was" : "were", L, before);
	}
	if (L > 1 && !memcmp(li->prev, genesis, JOURNAL_HASH_LEN))
		return wgf_error_set(err, -EBADMSG, "journal:1: %s %s inserted before the first entry",
				     span(a, sizeof(a), "line", "lines", 1, L - 1), L == 2 ? "was" : "were");
	if (first && L == 1) {
		if (s > 1)
			return wgf_error_set(err, -EBADMSG, "journal:1: the journal begins at entry %llu: %s %s "
					     "removed", (unsigned long long)s,
					     span(a, sizeof(a), "entry", "entries", 1, s - 1), s == 2 ? "was" : "were");
		return wgf_error_set(err, -EBADMSG, "journal:1: entry 1 was changed after it was written (it does "
				     "not begin with the genesis hash)");
	}
	if (s > E)
		return wgf_error_set(err, -EBADMSG, "journal:%zu: %s %s missing (removed): line %zu holds "
				     "entry %llu", L, span(a, sizeof(a), "entry", "entries", E, s - 1),
				     E == s - 1 ? "is" : "are", L, (unsigned long long)s);
	if (first)
		/* the entries of an older wgf before it hold no hash: where they changed is not known */
		return wgf_error_set(err, -EBADMSG, "journal:%zu: the unchained %s before line %zu (written by an "
				     "older wgf) %s changed after the chain began%s", L, L - 1 > 1 ? "entries" : "entry",
				     L, L - 1 > 1 ? "were" : "was", s < E ? " (lines were added to them)" : "");
	if (s == E) {
		/* a line inserted before this one, or this one or the one before it changed */
		if ((r = look(v, L + 1, &other)) < 0)
			return r;
		if (other.chained && !memcmp(other.prev, P, JOURNAL_HASH_LEN))
			return wgf_error_set(err, -EBADMSG, "journal:%zu: line %zu was inserted: line %zu follows line "
					     "%zu directly", L, L, L + 1, L - 1);
		if (confirmed(v, L, hL))
			return wgf_error_set(err, -EBADMSG, "journal:%zu: entry %zu was changed after it was written "
					     "(the entry after it holds the hash of what it was)", L - 1, L - 1);
		return wgf_error_set(err, -EBADMSG, "journal:%zu: entry %zu was changed after it was written (it "
				     "does not hold the hash of line %zu)", L, L, L - 1);
	}
	if (s == prev_seq)
		return wgf_error_set(err, -EBADMSG, "journal:%zu: entry %llu appears twice (lines %zu and %zu): one "
				     "of them was inserted", L, (unsigned long long)s, L - 1, L);
	return wgf_error_set(err, -EBADMSG, "journal:%zu: the chain breaks here: entry %llu does not follow line "
			     "%zu (entry %llu)", L, (unsigned long long)s, L - 1, (unsigned long long)prev_seq);
}

/* After the last line: does the head agree? n lines, the last with hash h
 * (chained: whether it is a chained entry), the one before it with hash h_before
 * starting at byte off_last. */
static int head_check(const struct verify *v, size_t n, bool any_chained, const uint8_t h[JOURNAL_HASH_LEN],
		      bool last_chained, const uint8_t h_before[JOURNAL_HASH_LEN], size_t off_last,
		      struct journal_status *st, struct wgf_error *err)
{
	const struct head *hd = v->head;
	size_t at = n ? n : 1;
	char a[64];

	if (!hd->present) {
		if (!any_chained)
			return 0;
		return wgf_error_set(err, -EBADMSG, "journal:%zu: the head (%s) is missing: without it, entries "
				     "removed from the end would go unnoticed", at, JOURNAL_HEAD_FILE);
	}
	if (!hd->valid)
		return wgf_error_set(err, -EBADMSG, "journal:%zu: the head (%s) is damaged: %s", at,
				     JOURNAL_HEAD_FILE, hd->why);
	/* wgf writes the head only after a chained entry */
	if (!any_chained && n >= hd->entries)
		return wgf_error_set(err, -EBADMSG, "journal:%zu: the head (%s) is there, but no entry is chained: "
				     "wgf did not write it", at, JOURNAL_HEAD_FILE);
	if (hd->entries == n && !memcmp(hd->hash, h, JOURNAL_HASH_LEN)) {
		if (hd->size != v->len)
			return wgf_error_set(err, -EBADMSG, "journal:%zu: the head (%s) records a journal of %llu "
					     "bytes; it has %zu", at, JOURNAL_HEAD_FILE,
					     (unsigned long long)hd->size, v->len);
		return 0;
	}
	/* wgf stopped between writing the entry and the head: the head lags by one */
	if (n >= 2 && hd->entries == n - 1 && last_chained && !memcmp(hd->hash, h_before, JOURNAL_HASH_LEN) &&
	    hd->size == off_last) {
		if (st)
			st->head_behind = true;
		return 0;
	}
	if (hd->entries > n) {
		if (n == 0)
			return wgf_error_set(err, -EBADMSG, "journal:1: the journal is empty, but its head records %llu "
					     "entries: they were removed", (unsigned long long)hd->entries);
		return wgf_error_set(err, -EBADMSG, "journal:%zu: %s %s missing: removed from the end (the "
				     "head records %llu entries)", n + 1,
				     span(a, sizeof(a), "entry", "entries", n + 1, hd->entries),
				     n + 1 == hd->entries ? "is" : "are", (unsigned long long)hd->entries);
	}
	if (hd->entries == n)
		return wgf_error_set(err, -EBADMSG, "journal:%zu: entry %zu, the last, was changed after it was "
				     "written (the head holds another hash)", n, n);
	return wgf_error_set(err, -EBADMSG, "journal:%llu: %s %s added after the last entry wgf wrote "
			     "(the head records %llu), or the head was replaced by an older one",
			     (unsigned long long)hd->entries + 1,
			     span(a, sizeof(a), "line", "lines", hd->entries + 1, n),
			     hd->entries + 1 == n ? "was" : "were", (unsigned long long)hd->entries);
}

int journal_verify_text(const char *text, size_t len, const char *head_text, size_t head_len,
			struct journal_status *st, struct wgf_error *err)
{
	struct line_iter it = { text, len, 0, 0 };
	struct head head;
	struct verify v = { text, len, &head };
	crypto_generichash_state prefix;
	uint8_t h[JOURNAL_HASH_LEN], last[JOURNAL_HASH_LEN], before_last[JOURNAL_HASH_LEN], P[JOURNAL_HASH_LEN];
	uint64_t last_seq = 0;
	size_t n_unchained = 0, n, off_last = 0;
	bool chain = false, complete, last_chained = false;
	const char *s;
	int r = 0;

	head_parse(head_text, head_len, &head);
	crypto_generichash_init(&prefix, NULL, 0, JOURNAL_HASH_LEN);
	hash_bytes("", 0, last);
	memcpy(before_last, last, JOURNAL_HASH_LEN);
	if (st) {
		memset(st, 0, sizeof(*st));
		st->has_head = head.present;
	}
	while (next_line(&it, &s, &n, &complete)) {
		struct line_info li;
		size_t L = it.no;

		off_last = (size_t)(s - text);
		hash_bytes(s, n + complete, h);
		if (!complete) {
			r = wgf_error_set(err, -EBADMSG, "journal:%zu: the last line is cut off (no newline): a write "
					  "that did not finish, or a truncated file", L);
			goto out;
		}
		r = line_parse(s, n, &li, NULL);
		if (r == -ENOMEM) {
			wgf_error_set(err, r, NULL);
			goto out;
		}
		if (r < 0) {
			r = wgf_error_set(err, r, "journal:%zu: damaged entry: %s", L, li.why);
			goto out;
		}
		if (li.kind == LINE_UNCHAINED) {
			if (chain) {
				r = wgf_error_set(err, -EBADMSG, "journal:%zu: an entry without a hash inside the chain "
						  "(added by hand, or by a wgf older than the chain)", L);
				goto out;
			}
			n_unchained++;
			crypto_generichash_update(&prefix, (const unsigned char *)s, n + 1);
			last_seq = L;
		} else {
			if (chain) {
				memcpy(P, last, JOURNAL_HASH_LEN);
			} else {
				crypto_generichash_state copy = prefix;
				crypto_generichash_final(&copy, P, JOURNAL_HASH_LEN);
			}
			if (li.seq != last_seq + 1 || memcmp(li.prev, P, JOURNAL_HASH_LEN)) {
				r = chain_break(&v, L, &li, h, last_seq + 1, P, !chain, last_seq, err);
				goto out;
			}
			chain = true;
			last_seq = li.seq;
		}
		last_chained = li.kind == LINE_CHAINED;
		memcpy(before_last, last, JOURNAL_HASH_LEN);
		memcpy(last, h, JOURNAL_HASH_LEN);
	}
	r = head_check(&v, it.no, chain, last, last_chained, before_last, off_last, st, err);
out:
	while (next_line(&it, &s, &n, &complete))
		;   /* counted to the end */
	if (st) {
		st->n_entries = it.no;
		st->n_unchained = n_unchained;
		hash_hex(last, st->head);
	}
	return r;
}

int journal_verify(const char *state_dir, struct journal_status *st, struct wgf_error *err)
{
	char *text = NULL, *head = NULL;
	size_t len = 0, head_len = 0;
	int r;

	if (st)
		memset(st, 0, sizeof(*st));
	/* the head first: an append between the two reads leaves the head behind
	 * by one entry, which is not a break */
	r = read_state_file(state_dir, JOURNAL_HEAD_FILE, HEAD_READ_MAX, &head, &head_len, err);
	if (r == 0)
		r = read_state_file(state_dir, JOURNAL_FILE, JOURNAL_READ_MAX, &text, &len, err);
	if (r == 0)
		r = journal_verify_text(text ? text : "", len, head, head_len, st, err);
	free(text);
	free(head);
	return r;
}

int journal_read_verified(const char *state_dir, struct journal *out, struct journal_status *st, int *verified,
			  struct wgf_error *verr, struct wgf_error *err)
{
	char *text = NULL, *head = NULL;
	size_t len = 0, head_len = 0;
	int r;

	memset(out, 0, sizeof(*out));
	memset(st, 0, sizeof(*st));
	*verified = 0;
	/* the head first, as journal_verify */
	r = read_state_file(state_dir, JOURNAL_HEAD_FILE, HEAD_READ_MAX, &head, &head_len, err);
	if (r == 0)
		r = read_state_file(state_dir, JOURNAL_FILE, JOURNAL_READ_MAX, &text, &len, err);
	if (r < 0)
		goto out;
	*verified = journal_verify_text(text ? text : "", len, head, head_len, st, verr);
	if (*verified < 0 && *verified != -EBADMSG) {
		r = wgf_error_set(err, *verified, NULL);
		goto out;
	}
	r = journal_parse(text ? text : "", len, 0, out);
	if (r < 0)
		wgf_error_set(err, r, NULL);
out:
	free(text);
	free(head);
	return r;
}

int journal_find(const char *state_dir, const char *hex, size_t *line, struct wgf_error *err)
{
	uint8_t want[JOURNAL_HASH_LEN], h[JOURNAL_HASH_LEN];
	struct line_iter it = { NULL, 0, 0, 0 };
	char *text = NULL;
	const char *s;
	size_t len = 0, n;
	bool complete;
	int r;

	*line = 0;
	if (!hash_from_hex(hex, strlen(hex), want))
		return wgf_error_set(err, -EINVAL, "\"%s\" is not a hash (64 lower-case hex digits)", hex);
	r = read_state_file(state_dir, JOURNAL_FILE, JOURNAL_READ_MAX, &text, &len, err);
	if (r < 0)
		return r;
	it.text = text;
	it.len = len;
	while (next_line(&it, &s, &n, &complete)) {
		hash_bytes(s, n + complete, h);
		if (!memcmp(h, want, JOURNAL_HASH_LEN)) {
			*line = it.no;
			break;
		}
	}
	free(text);
	if (!*line)
		return wgf_error_set(err, -ENOENT, "journal: no line has the hash %s: the journal was rewritten "
				     "up to that point, or the hash is of another journal", hex);
	return 0;
}

/* ---- writing ---- */

static bool result_valid(const char *r)
{
	return r && (!strcmp(r, JOURNAL_APPLIED) || !strcmp(r, JOURNAL_ROLLED_BACK) || !strcmp(r, JOURNAL_FAILED) ||
		     !strcmp(r, JOURNAL_REFUSED) || !strcmp(r, JOURNAL_KEY_ROTATED) ||
		     !strcmp(r, JOURNAL_EXIT_SWITCHED));
}

/* A display-safe copy of s cut to at most max bytes (on a character boundary,
 * ending in "…" when cut); NULL stays NULL. */
static int bounded(const char *s, size_t max, char **out)
{
	size_t n;

	*out = NULL;
	if (!s)
		return 0;
	if (!(*out = str_display_dup(s)))
		return -ENOMEM;
	n = strlen(*out);
	if (n > max) {
		n = max - 3;
		while (n > 0 && ((unsigned char)(*out)[n] & 0xc0) == 0x80)
			n--;
		memcpy(*out + n, "\xe2\x80\xa6", 4);   /* … */
	}
	return 0;
}

int journal_format_line(const struct journal_entry *e, uint64_t seq, const uint8_t prev[JOURNAL_HASH_LEN],
			char **out, size_t *out_len)
{
	char *host = NULL, *source = NULL, *principal = NULL, *fingerprint = NULL, *reason = NULL,
		*ex[3] = { NULL, NULL, NULL };
	char ts[JOURNAL_TIME_LEN], hex[JOURNAL_HASH_HEX_LEN];
	struct json_object *o = NULL, *signer = NULL, *exit_o = NULL;
	const char *text;
	int r;

	*out = NULL;
	*out_len = 0;
	if (!result_valid(e->result) || seq == 0 || seq >= COUNT_MAX || e->time < 0 || e->time > JOURNAL_TIME_MAX ||
	    e->n_create >= COUNT_MAX || e->n_update >= COUNT_MAX || e->n_delete >= COUNT_MAX ||
	    (e->revision && (strlen(e->revision) != REVISION_LEN || !is_lower_hex(e->revision, REVISION_LEN))))
		return -EINVAL;
	if ((r = bounded(e->host, MAX_HOST, &host)) < 0 || (r = bounded(e->source, MAX_SOURCE, &source)) < 0 ||
	    (r = bounded(e->signer_principal, MAX_PRINCIPAL, &principal)) < 0 ||
	    (r = bounded(e->signer_fingerprint, MAX_FINGERPRINT, &fingerprint)) < 0 ||
	    (r = bounded(e->reason, MAX_REASON, &reason)) < 0)
		goto out;
	/* only a switch carries its group, from and to, and then all three */
	if (!strcmp(e->result, JOURNAL_EXIT_SWITCHED) && e->exit_group && e->exit_from && e->exit_to &&
	    ((r = bounded(e->exit_group, MAX_HOST, &ex[0])) < 0 || (r = bounded(e->exit_from, MAX_HOST, &ex[1])) < 0 ||
	     (r = bounded(e->exit_to, MAX_HOST, &ex[2])) < 0))
		goto out;
	r = -ENOMEM;
	if (!(o = json_object_new_object()))
		goto out;
	if (principal || fingerprint) {
		if (!(signer = json_object_new_object()) || json_put_str(signer, "principal", principal) < 0 ||
		    json_put_str(signer, "fingerprint", fingerprint) < 0)
			goto out;
	}
	hash_hex(prev, hex);
	if (json_put(o, "seq", json_object_new_int64((int64_t)seq)) < 0 ||
	    json_put_str(o, "time", journal_time_format(e->time, ts)) < 0 || json_put_str(o, "host", host) < 0 ||
	    json_put_str(o, "source", source) < 0 || json_put_str(o, "revision", e->revision) < 0)
		goto out;
	if (signer) {
		r = json_put(o, "signer", signer);
		signer = NULL;
		if (r < 0)
			goto out;
		r = -ENOMEM;
	} else if (json_put_null(o, "signer") < 0) {
		goto out;
	}
	if (json_put_str(o, "result", e->result) < 0 ||
	    json_put(o, "create", json_object_new_int64((int64_t)e->n_create)) < 0 ||
	    json_put(o, "update", json_object_new_int64((int64_t)e->n_update)) < 0 ||
	    json_put(o, "delete", json_object_new_int64((int64_t)e->n_delete)) < 0 ||
	    json_put_str(o, "reason", reason) < 0)
		goto out;
	if (ex[0]) {
		if (!(exit_o = json_object_new_object()) || json_put_str(exit_o, "group", ex[0]) < 0 ||
		    json_put_str(exit_o, "from", ex[1]) < 0 || json_put_str(exit_o, "to", ex[2]) < 0)
			goto out;
		r = json_put(o, "exit", exit_o);
		exit_o = NULL;
		if (r < 0)
			goto out;
		r = -ENOMEM;
	}
	if (json_put_str(o, "prev", hex) < 0)
		goto out;
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text || !(*out = str_printf("%s\n", text)))
		goto out;
	*out_len = strlen(*out);
	r = 0;
	if (*out_len > JOURNAL_LINE_MAX) {   /* cannot happen: the strings are bounded */
		free(*out);
		*out = NULL;
		*out_len = 0;
		r = -EOVERFLOW;
	}
out:
	json_object_put(signer);
	json_object_put(exit_o);
	json_object_put(o);
	for (size_t i = 0; i < 3; i++)
		free(ex[i]);
	free(host);
	free(source);
	free(principal);
	free(fingerprint);
	free(reason);
	return r;
}

/* Where the next entry goes: after entry seq with hash, and whether a '\n'
 * must come first (the file ends inside a line that stays). */
struct base {
	uint64_t seq;
	uint8_t hash[JOURNAL_HASH_LEN];
	bool newline;
};

static int pread_all(int fd, void *buf, size_t len, off_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = pread(fd, (char *)buf + got, len - got, off + (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;   /* shorter than fstat said */
		got += (size_t)n;
	}
	return 0;
}

static int ends_in_newline(int fd, off_t size, bool *yes)
{
	char c = '\n';
	int r = size > 0 ? pread_all(fd, &c, 1, size - 1) : 0;

	*yes = c == '\n';
	return r;
}

/* No head: the chain goes on from the file itself. Its last line, if it is a
 * chained entry; else (a journal of an older wgf, or empty) everything in it
 * is what the first chained entry holds the hash of. Streams the file. */
static int base_from_file(int fd, off_t size, struct base *b)
{
	crypto_generichash_state all;
	char *cur = NULL, *last = NULL, *chunk = NULL;
	size_t cur_n = 0, last_n = 0, lines = 0;
	bool cur_long = false, last_long = false;
	struct line_info li;
	off_t off = 0;
	int r = -ENOMEM;

	crypto_generichash_init(&all, NULL, 0, JOURNAL_HASH_LEN);
	cur = malloc(JOURNAL_LINE_MAX + 1);
	last = malloc(JOURNAL_LINE_MAX + 1);
	chunk = malloc(65536);
	if (!cur || !last || !chunk)
		goto out;
	while (off < size) {
		size_t n = (size_t)(size - off) < 65536 ? (size_t)(size - off) : 65536;
		r = pread_all(fd, chunk, n, off);
		if (r < 0)
			goto out;
		crypto_generichash_update(&all, (unsigned char *)chunk, n);
		for (size_t i = 0; i < n; i++) {
			if (cur_n < JOURNAL_LINE_MAX + 1)
				cur[cur_n++] = chunk[i];
			else
				cur_long = true;
			if (chunk[i] == '\n') {
				char *t = last;
				last = cur;
				last_n = cur_n;
				last_long = cur_long;
				cur = t;
				cur_n = 0;
				cur_long = false;
				lines++;
			}
		}
		off += (off_t)n;
	}
	if (cur_n) {
		/* a last line without its '\n': it gets one, and stays a line */
		b->newline = true;
		crypto_generichash_update(&all, (const unsigned char *)"\n", 1);
		lines++;
		last_n = 0;
	}
	if (last_n && !last_long && line_parse(last, last_n - 1, &li, NULL) == 0 && li.kind == LINE_CHAINED) {
		b->seq = li.seq;
		hash_bytes(last, last_n, b->hash);
	} else {
		b->seq = lines;
		crypto_generichash_final(&all, b->hash, JOURNAL_HASH_LEN);
	}
	r = 0;
out:
	free(cur);
	free(last);
	free(chunk);
	return r;
}

/* With a head: the chain goes on from the entry wgf last wrote, whatever
 * happened to the file since (verify finds it). Two things a crash leaves are
 * mended: an entry written whose head was not (it is taken into the chain) and
 * a line cut off while being written (it is removed). */
static int base_from_head(int fd, off_t *size, const struct head *h, struct base *b)
{
	uint64_t tail = (uint64_t)*size > h->size ? (uint64_t)*size - h->size : 0;
	struct line_info li;
	char *buf = NULL;
	bool clean;
	int r;

	b->seq = h->entries;
	memcpy(b->hash, h->hash, JOURNAL_HASH_LEN);
	if (tail > 0 && tail <= JOURNAL_LINE_MAX) {
		if (!(buf = malloc(tail)))
			return -ENOMEM;
		r = pread_all(fd, buf, tail, (off_t)h->size);
		if (r < 0)
			goto out;
		r = ends_in_newline(fd, (off_t)h->size, &clean);
		if (r < 0)
			goto out;
		if (clean && !memchr(buf, '\n', tail)) {
			if (ftruncate(fd, (off_t)h->size) < 0) {
				r = -errno;
				goto out;
			}
			*size = (off_t)h->size;
		} else if (clean && memchr(buf, '\n', tail) == buf + tail - 1 &&
			   line_parse(buf, tail - 1, &li, NULL) == 0 && li.kind == LINE_CHAINED &&
			   li.seq == h->entries + 1 && !memcmp(li.prev, h->hash, JOURNAL_HASH_LEN)) {
			b->seq = li.seq;
			hash_bytes(buf, tail, b->hash);
		}
	}
	r = ends_in_newline(fd, *size, &clean);
	b->newline = !clean;
out:
	free(buf);
	return r;
}

static void fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int journal_append(const char *state_dir, const struct journal_entry *entry)
{
	char path[PATH_MAX], head_path[PATH_MAX], *head_text = NULL, *line = NULL, *buf = NULL;
	size_t head_len = 0, line_len = 0;
	struct journal_entry e = *entry;
	uint8_t hash[JOURNAL_HASH_LEN];
	struct base b = {0};
	struct head h;
	struct stat sb;
	off_t size;
	int fd = -1, r;

	if (!e.time)
		e.time = (int64_t)time(NULL);
	if ((r = state_path(state_dir, JOURNAL_FILE, path, sizeof(path))) < 0 ||
	    (r = state_path(state_dir, JOURNAL_HEAD_FILE, head_path, sizeof(head_path))) < 0)
		return r;
	/* the line is made first: a bad entry writes nothing */
	r = journal_format_line(&e, 1, b.hash, &line, &line_len);
	if (r < 0)
		return r;
	free(line);
	line = NULL;
	r = fileio_mkdir(state_dir);
	if (r < 0)
		return r;
	fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		r = -EINVAL;
		goto out;
	}
	size = sb.st_size;
	/* a head that cannot be read is none: the chain goes on from the file */
	r = fileio_read_regular(head_path, HEAD_READ_MAX, &head_text, &head_len);
	head_parse(r == 0 ? head_text : NULL, head_len, &h);
	r = h.valid ? base_from_head(fd, &size, &h, &b) : base_from_file(fd, size, &b);
	if (r < 0)
		goto out;
	r = journal_format_line(&e, b.seq + 1, b.hash, &line, &line_len);
	if (r < 0)
		goto out;
	if (!(buf = str_printf("%s%s", b.newline ? "\n" : "", line))) {
		r = -ENOMEM;
		goto out;
	}
	r = fileio_write_fd(fd, buf, strlen(buf));
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r < 0) {
		/* no half line is left behind */
		if (ftruncate(fd, size) == 0)
			fsync(fd);
		goto out;
	}
	free(head_text);
	hash_bytes(line, line_len, hash);
	r = journal_format_head(b.seq + 1, hash, (uint64_t)size + strlen(buf), &head_text, &head_len);
	if (r == 0)
		r = fileio_write(head_path, head_text, head_len, 0600);
	fsync_dir(state_dir);
out:
	if (fd >= 0)
		close(fd);
	free(head_text);
	free(line);
	free(buf);
	return r;
}
