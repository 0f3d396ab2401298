/* libFuzzer harness for the journal (reconcile/host/journal.c): the file in the
 * state directory that anyone who can write there may damage or edit, read by
 * `wgf journal` (journal_parse), checked by `wgf journal verify`
 * (journal_verify_text) and appended to by every apply (journal_append).
 *
 * The first byte picks how the rest is read:
 *  - even: as it is: one byte, the head's length (255: no head), the head's
 *    bytes, then the journal's. Reading and verifying never fail but with -EBADMSG (a message
 *    "journal:LINE: …" naming a line of the file, or the one after it) or
 *    -ENOMEM; read entries are in line order, display-safe, and the last N
 *    read are the last N of all. Appended to (in a temporary directory): an
 *    intact journal stays intact with one more entry, and a broken one stays
 *    broken unless what broke was what a crash leaves (a cut-off line) or the
 *    head alone (missing, damaged, a size that disagrees), which appending
 *    rewrites.
 *  - odd: a recipe: entries made from the input by journal_format_line (hostile
 *    strings, long reasons, optional lines of an older wgf first), which
 *    verify intact; then one tampering taken from the input (a line removed,
 *    two swapped, a byte changed, a copy inserted, the text cut, the head
 *    removed), which verify must find at the line where it is.
 *
 *   make fuzz O=build-fz
 *   mkdir -p /tmp/c && cp tests/fuzz/corpus/fuzz_journal/?* /tmp/c/
 *   build-fz/fuzz/fuzz_journal -max_total_time=600 -rss_limit_mb=2048 /tmp/c
 */
#include <errno.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/str.h"
#include "reconcile/host/journal.h"

static char dir[64];

static void dir_remove(void)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/%s", dir, JOURNAL_FILE);
	unlink(p);
	snprintf(p, sizeof(p), "%s/%s", dir, JOURNAL_HEAD_FILE);
	unlink(p);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (sodium_init() < 0)
		abort();
	/* tmpfs when there is one: every append syncs */
	snprintf(dir, sizeof(dir), "%s/wgf-fuzz-journal.XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(dir))
		abort();
	atexit(dir_remove);
	return 0;
}

/* ---- invariants of reading and verifying any bytes ---- */

/* The line a verify message names; aborts when it does not name one. */
static size_t named_line(const struct wgf_error *err)
{
	const char *m = wgf_error_message(err);
	char *end;
	unsigned long long l;

	if (strncmp(m, "journal:", 8) || m[8] < '0' || m[8] > '9')
		abort();
	l = strtoull(m + 8, &end, 10);
	if (end[0] != ':' || end[1] != ' ' || l == 0)
		abort();
	return (size_t)l;
}

static size_t count_lines(const char *text, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += text[i] == '\n';
	return n + (len && text[len - 1] != '\n');
}

static void check_read(const char *text, size_t len)
{
	struct journal all, last;
	int r = journal_parse(text, len, 0, &all);

	if (r == -ENOMEM)
		return;
	if (r != 0 || all.n + all.n_damaged != all.n_lines || all.n_lines != count_lines(text, len) ||
	    !!all.n_damaged != wgf_error_is_set(&all.damage))
		abort();
	for (size_t i = 0; i < all.n; i++) {
		const struct journal_entry *e = &all.entries[i];
		const char *s[] = { e->host, e->source, e->revision, e->signer_principal, e->signer_fingerprint,
				    e->result, e->reason };
		if (!e->line || e->line > all.n_lines || (i && e->line <= all.entries[i - 1].line) || !e->result)
			abort();
		for (size_t k = 0; k < sizeof(s) / sizeof(s[0]); k++)
			if (s[k] && !str_is_display_safe(s[k]))
				abort();
	}
	if (journal_parse(text, len, 3, &last) == 0) {
		size_t skip = all.n > 3 ? all.n - 3 : 0;
		if (last.n != all.n - skip)
			abort();
		for (size_t i = 0; i < last.n; i++)
			if (last.entries[i].line != all.entries[skip + i].line ||
			    memcmp(last.entries[i].hash, all.entries[skip + i].hash, JOURNAL_HASH_LEN))
				abort();
		journal_clear(&last);
	}
	journal_clear(&all);
}

/* 0 or -EBADMSG (with its line in *line); -ENOMEM: nothing to check. */
static int check_verify(const char *text, size_t len, const char *head, size_t head_len, struct journal_status *st,
			size_t *line, char **msg)
{
	struct wgf_error err = {0};
	int r = journal_verify_text(text, len, head, head_len, st, &err);

	*line = 0;
	if (r == -EBADMSG) {
		*line = named_line(&err);
		if (*line > count_lines(text, len) + 1)
			abort();
		if (msg)
			*msg = strdup(wgf_error_message(&err));
	} else if (r == 0) {
		if (wgf_error_is_set(&err) || st->n_entries != count_lines(text, len) || st->n_unchained > st->n_entries)
			abort();
	} else if (r != -ENOMEM) {
		abort();
	}
	wgf_error_clear(&err);
	return r;
}

static void spit(const char *name, const char *data, size_t len)
{
	char p[128];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (!data) {
		unlink(p);
		return;
	}
	if (!(f = fopen(p, "wb")) || (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0)
		abort();
}

/* Appending keeps an intact journal intact, one entry longer, and leaves a
 * break in it visible (but for what appending mends). */
static void check_append(const char *text, size_t len, const char *head, size_t head_len, int verified,
			 const char *msg)
{
	struct journal_entry e = { .time = 1796106600, .host = "hub", .source = "directory /srv/net",
				   .result = JOURNAL_APPLIED, .n_create = 1 };
	struct wgf_error err = {0};
	struct journal_status before, after;
	int r;

	spit(JOURNAL_FILE, text, len);
	spit(JOURNAL_HEAD_FILE, head, head_len);
	if (journal_verify(dir, &before, &err) != verified)
		abort();   /* the files hold what was verified in memory */
	wgf_error_clear(&err);
	r = journal_append(dir, &e);
	if (r == -ENOMEM)
		return;
	if (r != 0)
		abort();
	r = journal_verify(dir, &after, &err);
	if (verified == 0 && (r != 0 || after.n_entries != before.n_entries + 1))
		abort();
	/* what appending mends: a line a crash cut off, and the head */
	if (verified == -EBADMSG && r == 0 && !strstr(msg, "is cut off") && !strstr(msg, "the head (journal.head)"))
		abort();
	wgf_error_clear(&err);
}

static void raw(const uint8_t *data, size_t size)
{
	size_t head_len = size ? data[0] : 255, len;
	struct journal_status st;
	char *text, *head = NULL, *msg = NULL;
	size_t line;
	int r;

	if (!size)
		return;
	data++;
	size--;
	if (head_len == 255) {
		head_len = 0;
	} else {
		if (head_len > size)
			head_len = size;
		if (!(head = malloc(head_len + 1)))
			return;
		memcpy(head, data, head_len);
		head[head_len] = '\0';
		data += head_len;
		size -= head_len;
	}
	len = size;
	/* as the file reader hands it over: NUL-terminated (NULs inside kept) */
	if (!(text = malloc(len + 1))) {
		free(head);
		return;
	}
	memcpy(text, data, len);
	text[len] = '\0';
	check_read(text, len);
	r = check_verify(text, len, head, head_len, &st, &line, &msg);
	if (r == 0 || r == -EBADMSG)
		check_append(text, len, head, head_len, r, msg);
	free(msg);
	free(text);
	free(head);
}

/* ---- recipes: made intact, then tampered with ---- */

struct input {
	const uint8_t *p;
	size_t n;
};

static unsigned take(struct input *in, unsigned max)   /* 0..max */
{
	unsigned v;

	if (!in->n)
		return 0;
	v = *in->p++;
	in->n--;
	return max ? v % (max + 1) : 0;
}

/* A string of up to max bytes from the input (NUL ends it); NULL sometimes. */
static char *take_str(struct input *in, size_t max)
{
	size_t n = take(in, 255), k = 0;
	char *s;

	if (n == 255)
		return NULL;
	if (n > max)
		n = max;
	if (!(s = malloc(n + 1)))
		abort();
	while (k < n && in->n && *in->p) {
		s[k++] = (char)*in->p++;
		in->n--;
	}
	s[k] = '\0';
	return s;
}

struct doc {
	char *text;
	size_t len, n_lines;
	size_t off[16];                 /* where each line starts, and off[n_lines] = len */
};

static void doc_add(struct doc *d, const char *line, size_t n)
{
	if (!(d->text = realloc(d->text, d->len + n + 1)))
		abort();
	d->off[d->n_lines++] = d->len;
	memcpy(d->text + d->len, line, n);
	d->len += n;
	d->text[d->len] = '\0';
	d->off[d->n_lines] = d->len;
}

static const char legacy_line[] = "{\"time\":\"2026-11-01T06:30:00Z\",\"host\":\"hub\",\"source\":\"directory /srv\","
				  "\"result\":\"applied\",\"create\":%u,\"update\":0,\"delete\":0}\n";

static void recipe(const uint8_t *data, size_t size)
{
	static const char *results[] = { JOURNAL_APPLIED, JOURNAL_ROLLED_BACK, JOURNAL_FAILED, JOURNAL_REFUSED };
	struct input in = { data, size };
	struct doc d = {0};
	uint8_t prev[JOURNAL_HASH_LEN];
	char *head = NULL, *t = NULL, *msg = NULL;
	size_t head_len = 0, n_legacy = take(&in, 2), n_chained = 1 + take(&in, 7), line, want = 0, tl;
	struct journal_status st;
	crypto_generichash_state all;
	unsigned op, a, b;
	bool old = false;              /* the tampering is among the lines of an older wgf */
	int r;

	crypto_generichash_init(&all, NULL, 0, JOURNAL_HASH_LEN);
	for (size_t i = 0; i < n_legacy; i++) {
		char l[256];
		int n = snprintf(l, sizeof(l), legacy_line, (unsigned)i);
		doc_add(&d, l, (size_t)n);
		crypto_generichash_update(&all, (const unsigned char *)l, (size_t)n);
	}
	crypto_generichash_final(&all, prev, JOURNAL_HASH_LEN);
	for (size_t i = 0; i < n_chained; i++) {
		char *host = take_str(&in, 300), *source = take_str(&in, 1100), *principal = take_str(&in, 300),
		     *reason = take_str(&in, 250);
		char *big = NULL, *line_text;
		size_t line_len;
		struct journal_entry e = {
			.time = (int64_t)take(&in, 255) * 86400 * 97, .host = host, .source = source,
			.revision = take(&in, 1) ? "0123456789abcdef0123456789abcdef01234567" : NULL,
			.signer_principal = principal, .signer_fingerprint = take(&in, 1) ? "SHA256:x" : NULL,
			.result = results[take(&in, 3)], .n_create = take(&in, 255), .n_update = take(&in, 255),
			.n_delete = take(&in, 255), .reason = reason,
		};
		if (take(&in, 7) == 7) {
			/* a reason longer than what is kept: cut, and the line stays in bounds */
			if (!(big = malloc(9000)))
				abort();
			memset(big, '\\', 8999);
			big[8999] = '\0';
			e.reason = big;
		}
		r = journal_format_line(&e, n_legacy + i + 1, prev, &line_text, &line_len);
		if (r == -ENOMEM)
			goto out;
		if (r != 0 || line_len > JOURNAL_LINE_MAX || line_text[line_len - 1] != '\n' ||
		    memchr(line_text, '\n', line_len - 1))
			abort();
		crypto_generichash(prev, JOURNAL_HASH_LEN, (const unsigned char *)line_text, line_len, NULL, 0);
		doc_add(&d, line_text, line_len);
		free(line_text);
		free(host);
		free(source);
		free(principal);
		free(reason);
		free(big);
	}
	if (journal_format_head(d.n_lines, prev, d.len, &head, &head_len) < 0)
		goto out;
	check_read(d.text, d.len);
	r = check_verify(d.text, d.len, head, head_len, &st, &line, NULL);
	if (r == -ENOMEM)
		goto out;
	if (r != 0 || st.n_entries != d.n_lines || st.n_unchained != n_legacy)
		abort();

	/* one tampering, and where verify must find it */
	op = take(&in, 5);
	a = take(&in, 255) % d.n_lines;
	b = take(&in, 255) % d.n_lines;
	if (!(t = malloc(d.len + JOURNAL_LINE_MAX + 2)))
		abort();
	tl = 0;
#define PUT(i) (memcpy(t + tl, d.text + d.off[i], d.off[(i) + 1] - d.off[i]), tl += d.off[(i) + 1] - d.off[i])
	switch (op) {
	case 0:   /* line a removed */
		for (size_t i = 0; i < d.n_lines; i++)
			if (i != a)
				PUT(i);
		want = a + 1;
		old = a < n_legacy;
		break;
	case 1:   /* lines a and b swapped */
		if (a == b)
			goto out;
		for (size_t i = 0; i < d.n_lines; i++)
			PUT(i == a ? b : i == b ? a : i);
		want = (a < b ? a : b) + 1;
		old = want <= n_legacy;
		break;
	case 2: { /* one byte of line a changed */
		size_t at = d.off[a] + take(&in, 255) % (d.off[a + 1] - d.off[a]);
		uint8_t x = (uint8_t)(1 + take(&in, 254));
		memcpy(t, d.text, d.len);
		tl = d.len;
		t[at] = (char)(t[at] ^ x);
		want = a + 1;
		old = a < n_legacy;
		break;
	}
	case 3:   /* a copy of line a inserted before line b */
		for (size_t i = 0; i < d.n_lines; i++) {
			if (i == b)
				PUT(a);
			PUT(i);
		}
		want = a == b ? b + 2 : b + 1;
		old = b < n_legacy || (a < n_legacy && b == n_legacy);
		break;
	case 4: { /* the text cut somewhere inside it */
		size_t at = (size_t)take(&in, 255) * 256 + take(&in, 255);
		at %= d.len;
		memcpy(t, d.text, at);
		tl = at;
		want = count_lines(t, tl) + (at && t[at - 1] == '\n');
		if (!at)
			want = 1;
		break;
	}
	default:  /* the head removed */
		memcpy(t, d.text, d.len);
		tl = d.len;
		free(head);
		head = NULL;
		head_len = 0;
		want = d.n_lines;
		break;
	}
#undef PUT
	r = check_verify(t, tl, head, head_len, &st, &line, &msg);
	if (r == -ENOMEM)
		goto out;
	if (r != -EBADMSG)
		abort();
	/* an older wgf's lines are checked as a whole, at the first chained line
	 * (one further down when a line was inserted before it) */
	if (old ? line > n_legacy + 2 : line != want) {
		fprintf(stderr, "op %u a %u b %u: want line %zu, verify says: %s\n", op, a, b, want, msg);
		abort();
	}
	check_append(t, tl, head, head_len, r, msg);
out:
	free(msg);
	free(t);
	free(head);
	free(d.text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (data[0] & 1)
		recipe(data + 1, size - 1);
	else
		raw(data + 1, size - 1);
	return 0;
}
