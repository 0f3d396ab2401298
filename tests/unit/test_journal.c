/* The journal (reconcile/host/journal.h): entries appended under a temporary
 * state directory read back as written, the chain verifies, and every kind of
 * tampering (an edited, removed, reordered or inserted entry, a cut tail, a
 * damaged line, a head that disagrees) is found at its line and said how. A
 * journal of an older wgf (no hashes) is shown, and the chain starts after it;
 * what a crash leaves is mended by the next append. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reconcile/host/journal.h"
#include "tests/unit/tmpdir.h"
#include "tests/unit/unit.h"

#define T0 1796106600   /* 2026-12-01T06:30:00Z */
#define REV "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"

static char dir[UNIT_TMPDIR_LEN];

static void dir_make(void)
{
	unit_tmpdir_make(dir, "journal");
}

static void dir_remove(void)
{
	unit_tmpdir_remove(dir);
}

static char *slurp(const char *name, size_t *len)
{
	char p[256];
	FILE *f;
	char *buf = NULL;
	size_t n = 0, cap = 0, got;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	*len = 0;
	if (!(f = fopen(p, "rb")))
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			cap = (n + 4096 + 1) * 2;
			if (!(buf = realloc(buf, cap)))
				abort();
		}
		got = fread(buf + n, 1, 4096, f);
		n += got;
	} while (got > 0);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static void spit(const char *name, const char *text, size_t len)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (!(f = fopen(p, "wb")) || fwrite(text, 1, len, f) != len || fclose(f) != 0)
		abort();
}

static int append(int64_t t, const char *result, const char *reason)
{
	struct journal_entry e = {
		.time = t, .host = "hub", .source = "commit 1a2b3c4d (main)", .revision = REV,
		.signer_principal = "alice@example.org",
		.signer_fingerprint = "SHA256:Q2xhcmEgaXMgbm90IGEga2V5IGZpbmdlcnByaW50IDop",
		.result = result, .n_create = 2, .n_update = 0, .n_delete = 1, .reason = reason,
	};
	return journal_append(dir, &e);
}

/* A journal of n entries in a fresh directory; its text and head in *j, *h. */
static void journal_of(int n, char **j, size_t *jl, char **h, size_t *hl)
{
	dir_make();
	for (int i = 0; i < n; i++)
		CHECK_INT(append(T0 + 60 * i, i % 2 ? JOURNAL_ROLLED_BACK : JOURNAL_APPLIED,
				 i % 2 ? "peer \"alice\" on wg0: No such device" : NULL), 0);
	*j = slurp(JOURNAL_FILE, jl);
	*h = slurp(JOURNAL_HEAD_FILE, hl);
	CHECK(*j && *h);
}

/* The lines of text, to be cut and put together again. */
struct lines {
	char *v[64];
	size_t n;
};

static void split(const char *text, struct lines *l)
{
	const char *p = text, *nl;

	l->n = 0;
	while (*p && l->n < 64) {
		nl = strchr(p, '\n');
		l->v[l->n++] = strndup(p, nl ? (size_t)(nl - p + 1) : strlen(p));
		p = nl ? nl + 1 : p + strlen(p);
	}
}

static char *join(const struct lines *l)
{
	size_t len = 0;
	char *out;

	for (size_t i = 0; i < l->n; i++)
		len += strlen(l->v[i]);
	if (!(out = malloc(len + 1)))
		abort();
	out[0] = '\0';
	for (size_t i = 0; i < l->n; i++)
		strcat(out, l->v[i]);
	return out;
}

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	l->n = 0;
}

static void del(struct lines *l, size_t i)   /* 0-based */
{
	free(l->v[i]);
	memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(l->v[0]));
	l->n--;
}

static void ins(struct lines *l, size_t i, const char *s)
{
	memmove(&l->v[i + 1], &l->v[i], (l->n - i) * sizeof(l->v[0]));
	l->v[i] = strdup(s);
	l->n++;
}

static void swap(struct lines *l, size_t i, size_t k)
{
	char *t = l->v[i];
	l->v[i] = l->v[k];
	l->v[k] = t;
}

/* Replaces the first `from` in line i by `to` (same length or not). */
static void edit(struct lines *l, size_t i, const char *from, const char *to)
{
	char *at = strstr(l->v[i], from), *n;

	if (!at)
		abort();
	if (!(n = malloc(strlen(l->v[i]) - strlen(from) + strlen(to) + 1)))
		abort();
	memcpy(n, l->v[i], (size_t)(at - l->v[i]));
	strcpy(n + (at - l->v[i]), to);
	strcat(n, at + strlen(from));
	free(l->v[i]);
	l->v[i] = n;
}

static void hash_hex(const char *s, size_t n, char out[JOURNAL_HASH_HEX_LEN])
{
	uint8_t h[JOURNAL_HASH_LEN];

	crypto_generichash(h, sizeof(h), (const unsigned char *)s, n, NULL, 0);
	sodium_bin2hex(out, JOURNAL_HASH_HEX_LEN, h, sizeof(h));
}

/* Verifies l against head (NULL: none) and wants message (NULL: intact). */
static void expect(const struct lines *l, const char *head, const char *message)
{
	struct wgf_error err = {0};
	struct journal_status st;
	char *text = join(l);
	int r = journal_verify_text(text, strlen(text), head, head ? strlen(head) : 0, &st, &err);

	if (message) {
		CHECK_INT(r, -EBADMSG);
		CHECK_STR(wgf_error_message(&err), message);
	} else {
		CHECK_INT(r, 0);
		if (r)
			fprintf(stderr, "#    %s\n", wgf_error_message(&err));
	}
	wgf_error_clear(&err);
	free(text);
}

static void test_genesis(void)
{
	char hex[JOURNAL_HASH_HEX_LEN];

	hash_hex("", 0, hex);
	CHECK_STR(hex, JOURNAL_GENESIS);
}

static void test_append_read_verify(void)
{
	struct journal_entry e = { .time = T0 + 600, .result = JOURNAL_FAILED, .n_create = 1 };
	struct wgf_error err = {0};
	struct journal_status st;
	struct journal j;
	struct lines l;
	char *text, *head, hex[JOURNAL_HASH_HEX_LEN], want[256];
	size_t len, hlen;
	struct stat sb;
	char p[256];

	journal_of(3, &text, &len, &head, &hlen);
	/* and one with no host, source, revision, signer: all null */
	CHECK_INT(journal_append(dir, &e), 0);
	free(text);
	free(head);
	text = slurp(JOURNAL_FILE, &len);
	head = slurp(JOURNAL_HEAD_FILE, &hlen);
	split(text, &l);
	CHECK_INT(l.n, 4);
	CHECK_STR(l.v[0], "{\"seq\":1,\"time\":\"2026-12-01T06:30:00Z\",\"host\":\"hub\",\"source\":\"commit 1a2b3c4d (main)\","
			  "\"revision\":\"" REV "\",\"signer\":{\"principal\":\"alice@example.org\",\"fingerprint\":"
			  "\"SHA256:Q2xhcmEgaXMgbm90IGEga2V5IGZpbmdlcnByaW50IDop\"},\"result\":\"applied\",\"create\":2,"
			  "\"update\":0,\"delete\":1,\"reason\":null,\"prev\":\"" JOURNAL_GENESIS "\"}\n");
	/* each line holds the hash of the one before */
	for (size_t i = 1; i < l.n; i++) {
		hash_hex(l.v[i - 1], strlen(l.v[i - 1]), hex);
		snprintf(want, sizeof(want), "\"prev\":\"%s\"}\n", hex);
		CHECK(strstr(l.v[i], want) != NULL);
	}
	CHECK(strstr(l.v[3], "{\"seq\":4,\"time\":\"2026-12-01T06:40:00Z\",\"host\":null,\"source\":null,"
			     "\"revision\":null,\"signer\":null,\"result\":\"failed\",\"create\":1,\"update\":0,"
			     "\"delete\":0,\"reason\":null,") == l.v[3]);
	/* the head: 4 lines, the last one's hash, the size */
	hash_hex(l.v[3], strlen(l.v[3]), hex);
	snprintf(want, sizeof(want), "{\"entries\":4,\"hash\":\"%s\",\"size\":%zu}\n", hex, len);
	CHECK_STR(head, want);
	snprintf(p, sizeof(p), "%s/%s", dir, JOURNAL_FILE);
	CHECK(stat(p, &sb) == 0 && (sb.st_mode & 0777) == 0600);
	snprintf(p, sizeof(p), "%s/%s", dir, JOURNAL_HEAD_FILE);
	CHECK(stat(p, &sb) == 0 && (sb.st_mode & 0777) == 0600);

	CHECK_INT(journal_verify(dir, &st, &err), 0);
	CHECK_INT(st.n_entries, 4);
	CHECK_INT(st.n_unchained, 0);
	CHECK(st.has_head && !st.head_behind);
	CHECK_STR(st.head, hex);

	CHECK_INT(journal_read(dir, 0, &j, &err), 0);
	CHECK_INT(j.n, 4);
	CHECK_INT(j.n_damaged, 0);
	if (j.n == 4) {
		CHECK_INT(j.entries[0].time, T0);
		CHECK_INT(j.entries[0].seq, 1);
		CHECK_INT(j.entries[0].line, 1);
		CHECK_STR(j.entries[0].host, "hub");
		CHECK_STR(j.entries[0].revision, REV);
		CHECK_STR(j.entries[0].signer_principal, "alice@example.org");
		CHECK_STR(j.entries[0].result, "applied");
		CHECK(j.entries[0].reason == NULL);
		CHECK_INT(j.entries[0].n_create, 2);
		CHECK_INT(j.entries[0].n_delete, 1);
		CHECK_STR(j.entries[1].result, "rolled-back");
		CHECK_STR(j.entries[1].reason, "peer \"alice\" on wg0: No such device");
		CHECK(j.entries[3].host == NULL && j.entries[3].revision == NULL && j.entries[3].signer_principal == NULL);
		sodium_bin2hex(hex, sizeof(hex), j.entries[3].hash, JOURNAL_HASH_LEN);
		CHECK_STR(hex, st.head);
		sodium_bin2hex(hex, sizeof(hex), j.entries[0].prev, JOURNAL_HASH_LEN);
		CHECK_STR(hex, JOURNAL_GENESIS);
	}
	journal_clear(&j);
	/* the last two, in order */
	CHECK_INT(journal_read(dir, 2, &j, &err), 0);
	CHECK_INT(j.n, 2);
	if (j.n == 2)
		CHECK(j.entries[0].seq == 3 && j.entries[1].seq == 4);
	journal_clear(&j);
	CHECK_INT(journal_read(dir, 100, &j, &err), 0);
	CHECK_INT(j.n, 4);
	journal_clear(&j);
	lines_free(&l);
	free(text);
	free(head);
	dir_remove();
}

static void test_empty_and_missing(void)
{
	struct wgf_error err = {0};
	struct journal_status st;
	struct journal j;

	dir_make();
	CHECK_INT(journal_verify(dir, &st, &err), 0);
	CHECK_INT(st.n_entries, 0);
	CHECK_STR(st.head, JOURNAL_GENESIS);
	CHECK_INT(journal_read(dir, 0, &j, &err), 0);
	CHECK_INT(j.n, 0);
	journal_clear(&j);
	dir_remove();
	/* a state directory that does not exist: nothing journaled yet */
	CHECK_INT(journal_verify("/nonexistent/wgf-state", &st, &err), 0);
	CHECK(!wgf_error_is_set(&err));
}

static void test_append_refuses_bad_entries(void)
{
	struct journal_entry e = { .time = T0, .result = "maybe" };
	size_t len;
	char *text;

	dir_make();
	CHECK_INT(journal_append(dir, &e), -EINVAL);
	e.result = NULL;
	CHECK_INT(journal_append(dir, &e), -EINVAL);
	e.result = JOURNAL_REFUSED;
	e.revision = "1A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D";   /* upper case */
	CHECK_INT(journal_append(dir, &e), -EINVAL);
	e.revision = "1a2b3c";
	CHECK_INT(journal_append(dir, &e), -EINVAL);
	e.revision = NULL;
	e.time = -1;   /* a time no line could be read back with */
	CHECK_INT(journal_append(dir, &e), -EINVAL);
	e.time = JOURNAL_TIME_MAX + 1;
	CHECK_INT(journal_append(dir, &e), -EINVAL);
	e.time = T0;
	e.n_update = 1ULL << 53;
	CHECK_INT(journal_append(dir, &e), -EINVAL);
	e.n_update = 0;
	text = slurp(JOURNAL_FILE, &len);
	CHECK(text == NULL);   /* nothing written, not even an empty file */
	free(text);
	e.revision = REV;
	e.reason = "not signed";
	CHECK_INT(journal_append(dir, &e), 0);
	dir_remove();
}

/* Every kind of tampering with a journal of five entries, at its line. */
static void test_tampering(void)
{
	char *text, *head, hex[JOURNAL_HASH_HEX_LEN], forged[1024], old_head[256];
	size_t len, hlen;
	struct lines l;

	journal_of(5, &text, &len, &head, &hlen);
	split(text, &l);
	CHECK_INT(l.n, 5);
	expect(&l, head, NULL);

	/* an edited entry: the next one holds the hash of what it was */
	edit(&l, 1, "\"host\":\"hub\"", "\"host\":\"hux\"");
	expect(&l, head, "journal:2: entry 2 was changed after it was written (the entry after it holds the hash of what it was)");
	lines_free(&l);
	split(text, &l);
	edit(&l, 0, "\"create\":2", "\"create\":0");
	expect(&l, head, "journal:1: entry 1 was changed after it was written (the entry after it holds the hash of what it was)");
	lines_free(&l);
	/* the last one: the head holds its hash */
	split(text, &l);
	edit(&l, 4, "applied", "refused");
	expect(&l, head, "journal:5: entry 5, the last, was changed after it was written (the head holds another hash)");
	lines_free(&l);
	/* its hash of the line before */
	split(text, &l);
	{
		char *p = strstr(l.v[2], "\"prev\":\"") + 8;
		*p = *p == '0' ? '1' : '0';
	}
	expect(&l, head, "journal:3: entry 3 was changed after it was written (it does not hold the hash of line 2)");
	lines_free(&l);
	/* its number */
	split(text, &l);
	edit(&l, 2, "\"seq\":3", "\"seq\":7");
	expect(&l, head, "journal:3: entry 3 is numbered 7: it was changed after it was written");
	lines_free(&l);

	/* removed entries */
	split(text, &l);
	del(&l, 2);
	expect(&l, head, "journal:3: entry 3 is missing (removed): line 3 holds entry 4");
	lines_free(&l);
	split(text, &l);
	del(&l, 1);
	del(&l, 1);
	expect(&l, head, "journal:2: entries 2 to 3 are missing (removed): line 2 holds entry 4");
	lines_free(&l);
	split(text, &l);
	del(&l, 0);
	expect(&l, head, "journal:1: the journal begins at entry 2: entry 1 was removed");
	del(&l, 0);
	expect(&l, head, "journal:1: the journal begins at entry 3: entries 1 to 2 were removed");
	lines_free(&l);
	split(text, &l);
	del(&l, 4);
	expect(&l, head, "journal:5: entry 5 is missing: removed from the end (the head records 5 entries)");
	del(&l, 3);
	expect(&l, head, "journal:4: entries 4 to 5 are missing: removed from the end (the head records 5 entries)");
	lines_free(&l);
	expect(&l, head, "journal:1: the journal is empty, but its head records 5 entries: they were removed");

	/* reordered */
	split(text, &l);
	swap(&l, 1, 2);
	expect(&l, head, "journal:2: entries out of order: entry 3 is here, before entry 2 (line 3), which it follows");
	lines_free(&l);
	split(text, &l);
	swap(&l, 0, 1);
	expect(&l, head, "journal:1: entries out of order: entry 2 is here, before entry 1 (line 2), which it follows");
	lines_free(&l);
	split(text, &l);
	swap(&l, 3, 4);
	expect(&l, head, "journal:4: entries out of order: entry 5 is here, before entry 4 (line 5), which it follows");
	lines_free(&l);

	/* inserted: a copy, a line chained properly to the one before, one that is not */
	split(text, &l);
	ins(&l, 4, l.v[1]);
	expect(&l, head, "journal:5: a copy of line 2 (entry 2) was inserted here");
	lines_free(&l);
	split(text, &l);
	hash_hex(l.v[1], strlen(l.v[1]), hex);
	snprintf(forged, sizeof(forged), "{\"seq\":3,\"time\":\"2026-12-01T06:31:00Z\",\"host\":\"hub\",\"source\":null,"
		 "\"revision\":null,\"signer\":null,\"result\":\"applied\",\"create\":9,\"update\":0,\"delete\":0,"
		 "\"reason\":null,\"prev\":\"%s\"}\n", hex);
	ins(&l, 2, forged);
	expect(&l, head, "journal:3: line 3 was inserted: line 4 follows line 2 directly");
	lines_free(&l);
	split(text, &l);
	forged[strlen(forged) - 5] ^= 1;   /* now it holds no line's hash */
	ins(&l, 2, forged);
	expect(&l, head, "journal:3: line 3 was inserted: line 4 follows line 2 directly");
	lines_free(&l);
	split(text, &l);
	hash_hex("", 0, hex);
	snprintf(forged, sizeof(forged), "{\"seq\":1,\"time\":\"2026-11-01T06:31:00Z\",\"host\":\"hub\",\"source\":null,"
		 "\"revision\":null,\"signer\":null,\"result\":\"applied\",\"create\":9,\"update\":0,\"delete\":0,"
		 "\"reason\":null,\"prev\":\"%s\"}\n", hex);
	ins(&l, 0, forged);
	expect(&l, head, "journal:1: line 1 was inserted before the first entry");
	lines_free(&l);
	/* an unchained entry inside the chain */
	split(text, &l);
	ins(&l, 3, "{\"time\":\"2026-12-01T06:31:00Z\",\"host\":\"hub\",\"source\":\"directory /srv\",\"result\":\"applied\","
		   "\"create\":1,\"update\":0,\"delete\":0}\n");
	expect(&l, head, "journal:4: an entry without a hash inside the chain (added by hand, or by a wgf older than the chain)");
	lines_free(&l);

	/* damaged lines */
	split(text, &l);
	ins(&l, 2, "garbage\n");
	expect(&l, head, "journal:3: damaged entry: not JSON");
	lines_free(&l);
	split(text, &l);
	ins(&l, 2, "\n");
	expect(&l, head, "journal:3: damaged entry: an empty line");
	lines_free(&l);
	split(text, &l);
	ins(&l, 2, "[1,2]\n");
	expect(&l, head, "journal:3: damaged entry: not a JSON object");
	lines_free(&l);
	split(text, &l);
	edit(&l, 3, "\"seq\":4", "\"seq\":-4");
	expect(&l, head, "journal:4: damaged entry: \"seq\" is not a positive integer");
	lines_free(&l);
	split(text, &l);
	edit(&l, 3, "06:33:00Z", "06:33:00");
	expect(&l, head, "journal:4: damaged entry: \"time\" is not a time (YYYY-MM-DDTHH:MM:SSZ)");
	lines_free(&l);
	split(text, &l);
	edit(&l, 3, "\"hub\"", "\"h\\u0000ub\"");
	expect(&l, head, "journal:4: damaged entry: \"host\" holds a NUL character");
	lines_free(&l);
	split(text, &l);
	edit(&l, 3, "}\n", "} x\n");
	expect(&l, head, "journal:4: damaged entry: not JSON");
	lines_free(&l);
	split(text, &l);
	{
		char *big = malloc(JOURNAL_LINE_MAX + 2);
		memset(big, ' ', JOURNAL_LINE_MAX);
		memcpy(big + JOURNAL_LINE_MAX, "\n", 2);
		ins(&l, 1, big);
		free(big);
	}
	expect(&l, head, "journal:2: damaged entry: longer than 16384 bytes");
	lines_free(&l);
	{
		/* a NUL byte in a line (join() cannot carry it) */
		char *t = strdup(text);
		struct wgf_error err = {0};
		strchr(t, '\n')[-3] = '\0';
		CHECK_INT(journal_verify_text(t, len, head, hlen, NULL, &err), -EBADMSG);
		CHECK_STR(wgf_error_message(&err), "journal:1: damaged entry: a NUL byte");
		wgf_error_clear(&err);
		free(t);
	}

	/* a cut tail */
	split(text, &l);
	l.v[4][40] = '\0';
	expect(&l, head, "journal:5: the last line is cut off (no newline): a write that did not finish, or a truncated file");
	lines_free(&l);

	/* the head: missing, damaged, behind, ahead */
	split(text, &l);
	expect(&l, NULL, "journal:5: the head (journal.head) is missing: without it, entries removed from the end would go unnoticed");
	expect(&l, "{\"entries\":5}", "journal:5: the head (journal.head) is damaged: no \"size\"");
	expect(&l, "nonsense\n", "journal:5: the head (journal.head) is damaged: not a JSON object");
	expect(&l, "", "journal:5: the head (journal.head) is damaged: not one line of JSON");
	hash_hex(l.v[2], strlen(l.v[2]), hex);
	snprintf(old_head, sizeof(old_head), "{\"entries\":3,\"hash\":\"%s\",\"size\":%zu}\n", hex,
		 strlen(l.v[0]) + strlen(l.v[1]) + strlen(l.v[2]));
	expect(&l, old_head, "journal:4: lines 4 to 5 were added after the last entry wgf wrote (the head records 3), "
			     "or the head was replaced by an older one");
	{
		char h2[256], want[256];
		hash_hex(l.v[4], strlen(l.v[4]), hex);
		snprintf(h2, sizeof(h2), "{\"entries\":5,\"hash\":\"%s\",\"size\":%zu}\n", hex, len + 1);
		snprintf(want, sizeof(want), "journal:5: the head (journal.head) records a journal of %zu bytes; it has %zu",
			 len + 1, len);
		expect(&l, h2, want);
	}
	lines_free(&l);
	/* a head one entry behind is what a crash between the two writes leaves: intact */
	split(text, &l);
	hash_hex(l.v[3], strlen(l.v[3]), hex);
	snprintf(old_head, sizeof(old_head), "{\"entries\":4,\"hash\":\"%s\",\"size\":%zu}\n", hex,
		 len - strlen(l.v[4]));
	expect(&l, old_head, NULL);
	{
		struct journal_status st;
		struct wgf_error err = {0};
		char *t = join(&l);
		CHECK_INT(journal_verify_text(t, strlen(t), old_head, strlen(old_head), &st, &err), 0);
		CHECK(st.head_behind);
		free(t);
	}
	/* but not an edited last entry behind such a head */
	edit(&l, 4, "\"seq\":5", "\"seq\":6");
	expect(&l, old_head, "journal:5: entry 5 is numbered 6: it was changed after it was written");
	lines_free(&l);

	free(text);
	free(head);
	dir_remove();
}

/* As statedir_journal wrote it before the chain (wgf 0.1). */
static const char legacy[] =
	"{\"time\":\"2026-11-01T06:30:00Z\",\"host\":\"hub\",\"source\":\"directory /srv/net\",\"result\":\"applied\","
	"\"create\":3,\"update\":0,\"delete\":0}\n"
	"{\"time\":\"2026-11-02T06:30:00Z\",\"host\":\"hub\",\"source\":\"directory /srv/net\",\"result\":\"rolled-back\","
	"\"create\":0,\"update\":1,\"delete\":0,\"error\":\"peer \\\"bob\\\" on wg0: Invalid argument\"}\n"
	"{\"time\":\"2026-11-03T06:30:00Z\",\"host\":\"\",\"source\":\"\",\"result\":\"failed\","
	"\"create\":0,\"update\":0,\"delete\":1}\n";

static void test_old_journal(void)
{
	struct wgf_error err = {0};
	struct journal_status st;
	struct journal j;
	struct lines l;
	char *text, *head, hex[JOURNAL_HASH_HEX_LEN], want[128];
	size_t len, hlen;

	dir_make();
	spit(JOURNAL_FILE, legacy, sizeof(legacy) - 1);
	/* shown; intact, as far as there is anything to check */
	CHECK_INT(journal_read(dir, 0, &j, &err), 0);
	CHECK_INT(j.n, 3);
	if (j.n == 3) {
		CHECK_INT(j.entries[1].seq, 0);
		CHECK_STR(j.entries[1].result, "rolled-back");
		CHECK_STR(j.entries[1].reason, "peer \"bob\" on wg0: Invalid argument");
		CHECK_INT(j.entries[1].n_update, 1);
		CHECK(j.entries[1].revision == NULL);
	}
	journal_clear(&j);
	CHECK_INT(journal_verify(dir, &st, &err), 0);
	CHECK_INT(st.n_entries, 3);
	CHECK_INT(st.n_unchained, 3);
	CHECK(!st.has_head);
	/* the first chained entry holds the hash of all of them */
	CHECK_INT(append(T0, JOURNAL_APPLIED, NULL), 0);
	CHECK_INT(append(T0 + 60, JOURNAL_APPLIED, NULL), 0);
	text = slurp(JOURNAL_FILE, &len);
	head = slurp(JOURNAL_HEAD_FILE, &hlen);
	split(text, &l);
	CHECK_INT(l.n, 5);
	hash_hex(legacy, sizeof(legacy) - 1, hex);
	snprintf(want, sizeof(want), "\"prev\":\"%s\"}\n", hex);
	CHECK(strstr(l.v[3], want) != NULL);
	CHECK(strncmp(l.v[3], "{\"seq\":4,", 9) == 0);
	CHECK_INT(journal_verify(dir, &st, &err), 0);
	CHECK_INT(st.n_entries, 5);
	CHECK_INT(st.n_unchained, 3);
	/* an old entry changed, or removed, is seen at the first chained one */
	edit(&l, 1, "\"update\":1", "\"update\":0");
	expect(&l, head, "journal:4: the unchained entries before line 4 (written by an older wgf) were changed after the chain began");
	lines_free(&l);
	split(text, &l);
	del(&l, 0);
	expect(&l, head, "journal:3: entry 3 is missing (removed): line 3 holds entry 4");
	lines_free(&l);
	split(text, &l);
	ins(&l, 1, l.v[0]);
	expect(&l, head, "journal:5: the unchained entries before line 5 (written by an older wgf) were changed after the "
			 "chain began (lines were added to them)");
	lines_free(&l);
	free(text);
	free(head);
	dir_remove();

	/* wgf writes a head only after a chained entry: one beside an old journal is not wgf's */
	{
		struct lines old;
		char h[256];
		split(legacy, &old);
		hash_hex(old.v[2], strlen(old.v[2]), hex);
		snprintf(h, sizeof(h), "{\"entries\":3,\"hash\":\"%s\",\"size\":%zu}\n", hex, sizeof(legacy) - 1);
		expect(&old, h, "journal:3: the head (journal.head) is there, but no entry is chained: wgf did not write it");
		lines_free(&old);
		split("", &old);
		expect(&old, "{\"entries\":0,\"hash\":\"" JOURNAL_GENESIS "\",\"size\":0}\n",
		       "journal:1: the head (journal.head) is there, but no entry is chained: wgf did not write it");
	}

	/* one old entry, without a newline at the end */
	dir_make();
	spit(JOURNAL_FILE, legacy, strchr(legacy, '\n') - legacy);
	CHECK_INT(journal_verify(dir, &st, &err), -EBADMSG);
	CHECK_STR(wgf_error_message(&err), "journal:1: the last line is cut off (no newline): a write that did not finish, or a truncated file");
	wgf_error_clear(&err);
	CHECK_INT(append(T0, JOURNAL_APPLIED, NULL), 0);
	CHECK_INT(journal_verify(dir, &st, &err), 0);
	CHECK_INT(st.n_entries, 2);
	CHECK_INT(st.n_unchained, 1);
	dir_remove();
}

/* What a crash leaves, and what the next append makes of it. */
static void test_crash(void)
{
	struct wgf_error err = {0};
	struct journal_status st;
	char *text, *head, *text2, *old_head;
	size_t len, hlen, len2, olen;

	/* cut off while the line was written: the head does not count it */
	journal_of(2, &text, &len, &head, &hlen);
	text2 = malloc(len + 30);
	memcpy(text2, text, len);
	memcpy(text2 + len, "{\"seq\":3,\"time\":\"2026-12", 25);
	spit(JOURNAL_FILE, text2, len + 25);
	CHECK_INT(journal_verify(dir, &st, &err), -EBADMSG);
	CHECK_STR(wgf_error_message(&err), "journal:3: the last line is cut off (no newline): a write that did not finish, or a truncated file");
	wgf_error_clear(&err);
	CHECK_INT(append(T0 + 600, JOURNAL_APPLIED, NULL), 0);
	CHECK_INT(journal_verify(dir, &st, &err), 0);
	CHECK_INT(st.n_entries, 3);
	free(text2);
	text2 = slurp(JOURNAL_FILE, &len2);
	CHECK(len2 > len && !memcmp(text2, text, len) && !strncmp(text2 + len, "{\"seq\":3,\"time\":\"2026-12-01T06:40:00Z\"", 38));
	free(text2);
	free(text);
	free(head);
	dir_remove();

	/* the entry written, the head not: verify accepts it, the next append goes on after it */
	journal_of(2, &text, &len, &old_head, &olen);
	CHECK_INT(append(T0 + 600, JOURNAL_FAILED, "boom"), 0);
	spit(JOURNAL_HEAD_FILE, old_head, olen);
	CHECK_INT(journal_verify(dir, &st, &err), 0);
	CHECK(st.head_behind);
	CHECK_INT(st.n_entries, 3);
	CHECK_INT(append(T0 + 660, JOURNAL_APPLIED, NULL), 0);
	CHECK_INT(journal_verify(dir, &st, &err), 0);
	CHECK(!st.head_behind);
	CHECK_INT(st.n_entries, 4);
	free(text);
	free(old_head);
	dir_remove();
}

/* Appending to a journal changed since its head was written leaves the change
 * visible; appending without a head goes on from the file. */
static void test_append_after_tampering(void)
{
	struct wgf_error err = {0};
	struct journal_status st;
	char *text, *head, p[256];
	size_t len, hlen;
	struct lines l;

	journal_of(5, &text, &len, &head, &hlen);
	split(text, &l);
	del(&l, 4);
	del(&l, 3);
	free(text);
	text = join(&l);
	spit(JOURNAL_FILE, text, strlen(text));
	CHECK_INT(append(T0 + 600, JOURNAL_APPLIED, NULL), 0);
	CHECK_INT(journal_verify(dir, &st, &err), -EBADMSG);
	CHECK_STR(wgf_error_message(&err), "journal:4: entries 4 to 5 are missing (removed): line 4 holds entry 6");
	wgf_error_clear(&err);
	lines_free(&l);
	free(text);
	free(head);
	dir_remove();

	/* the head removed: verify says so; the next append chains on from the last line */
	journal_of(3, &text, &len, &head, &hlen);
	snprintf(p, sizeof(p), "%s/%s", dir, JOURNAL_HEAD_FILE);
	unlink(p);
	CHECK_INT(journal_verify(dir, &st, &err), -EBADMSG);
	CHECK_STR(wgf_error_message(&err), "journal:3: the head (journal.head) is missing: without it, entries removed from the end would go unnoticed");
	wgf_error_clear(&err);
	CHECK_INT(append(T0 + 600, JOURNAL_APPLIED, NULL), 0);
	CHECK_INT(journal_verify(dir, &st, &err), 0);
	CHECK_INT(st.n_entries, 4);
	free(text);
	free(head);
	dir_remove();

	/* a head whose count is out of range is damaged, so appending goes on */
	journal_of(2, &text, &len, &head, &hlen);
	{
		char h2[256];
		snprintf(h2, sizeof(h2), "{\"entries\":9007199254740992,%s", strchr(head, ',') + 1);
		spit(JOURNAL_HEAD_FILE, h2, strlen(h2));
	}
	CHECK_INT(journal_verify(dir, &st, &err), -EBADMSG);
	CHECK_STR(wgf_error_message(&err), "journal:2: the head (journal.head) is damaged: \"entries\" is not a count");
	wgf_error_clear(&err);
	CHECK_INT(append(T0 + 600, JOURNAL_APPLIED, NULL), 0);
	CHECK_INT(journal_verify(dir, &st, &err), 0);
	CHECK_INT(st.n_entries, 3);
	free(text);
	free(head);
	dir_remove();

	/* a damaged head is no head */
	journal_of(2, &text, &len, &head, &hlen);
	spit(JOURNAL_HEAD_FILE, "{\"entries\":", 11);
	CHECK_INT(append(T0 + 600, JOURNAL_APPLIED, NULL), 0);
	CHECK_INT(journal_verify(dir, &st, &err), 0);
	CHECK_INT(st.n_entries, 3);
	free(text);
	free(head);
	dir_remove();
}

/* What goes in is bounded and safe to print; what comes out is, whatever the file holds. */
static void test_hostile_strings(void)
{
	struct journal_entry e = { .time = T0, .result = JOURNAL_FAILED };
	struct wgf_error err = {0};
	struct journal j;
	char *reason = malloc(20000), *text;
	size_t len;

	dir_make();
	memset(reason, 'x', 19999);
	reason[19999] = '\0';
	memcpy(reason + 4090, "\xc3\xa9\xc3\xa9", 4);   /* é é across the cut */
	e.reason = reason;
	e.host = "h\033[31mub\n";
	e.source = "directory /srv/\xff\xfe";
	e.signer_principal = "\xe2\x80\xae" "evil";   /* a direction override */
	CHECK_INT(journal_append(dir, &e), 0);
	text = slurp(JOURNAL_FILE, &len);
	CHECK(len < JOURNAL_LINE_MAX);
	CHECK(strchr(text, '\033') == NULL && strchr(text, '\n') == text + len - 1);
	free(text);
	CHECK_INT(journal_read(dir, 0, &j, &err), 0);
	CHECK_INT(j.n, 1);
	if (j.n == 1) {
		CHECK_STR(j.entries[0].host, "h\\x1b[31mub\\x0a");
		CHECK_STR(j.entries[0].source, "directory /srv/\\xff\\xfe");
		CHECK_STR(j.entries[0].signer_principal, "\\u{202e}evil");
		CHECK(j.entries[0].signer_fingerprint == NULL);
		/* cut before the é that does not fit whole */
		CHECK_INT(strlen(j.entries[0].reason), 4095);
		CHECK(!strcmp(j.entries[0].reason + 4090, "\xc3\xa9\xe2\x80\xa6"));
	}
	journal_clear(&j);
	CHECK_INT(journal_verify(dir, NULL, &err), 0);
	dir_remove();
	free(reason);

	/* written by someone else: control characters in the file come out escaped */
	CHECK_INT(journal_parse("{\"time\":\"2026-11-01T06:30:00Z\",\"host\":\"\\u001b[2J\",\"source\":null,"
				"\"result\":\"applied\",\"create\":0,\"update\":0,\"delete\":0}\n", 117, 0, &j), 0);
	CHECK_INT(j.n, 1);
	if (j.n == 1)
		CHECK_STR(j.entries[0].host, "\\x1b[2J");
	journal_clear(&j);
}

/* Damaged lines are skipped when reading, counted, and the first one named. */
static void test_read_damaged(void)
{
	static const char text[] =
		"{\"time\":\"2026-11-01T06:30:00Z\",\"host\":\"a\",\"source\":null,\"result\":\"applied\",\"create\":0,\"update\":0,\"delete\":0}\n"
		"not json\n"
		"{\"time\":\"2026-11-01T06:30:00Z\",\"host\":\"b\",\"source\":null,\"result\":\"APPLIED\",\"create\":0,\"update\":0,\"delete\":0}\n"
		"{\"time\":\"2026-11-01T06:30:00Z\",\"host\":\"c\",\"source\":null,\"result\":\"applied\",\"create\":0,\"update\":0,\"delete\":0}\n"
		"{\"time\":\"2026-11-01T06:30:00Z\",\"host\":\"d\",\"source\":null,\"result\":\"applied\",\"create\":0,\"update\":0,\"delete\":0}";
	struct journal j;

	CHECK_INT(journal_parse(text, sizeof(text) - 1, 0, &j), 0);
	CHECK_INT(j.n, 2);
	CHECK_INT(j.n_lines, 5);
	CHECK_INT(j.n_damaged, 3);
	CHECK_STR(wgf_error_message(&j.damage), "journal:2: damaged entry: not JSON");
	if (j.n == 2) {
		CHECK_STR(j.entries[0].host, "a");
		CHECK_INT(j.entries[1].line, 4);
	}
	journal_clear(&j);
	CHECK_INT(journal_parse("", 0, 0, &j), 0);
	CHECK_INT(j.n + j.n_lines + j.n_damaged, 0);
	journal_clear(&j);
}

/* wgf watch's switches: the group, from and to as their own members, only there */
static void test_exit_switched(void)
{
	struct journal_entry sw = { .time = T0, .host = "hub", .source = "wgf watch", .result = JOURNAL_EXIT_SWITCHED,
				    .reason = "exit group us, table 52000: a -> blackhole: every member is down",
				    .exit_group = "us", .exit_from = "a", .exit_to = "blackhole" };
	struct journal_entry ap = { .time = T0 + 1, .result = JOURNAL_APPLIED, .exit_group = "us",
				    .exit_from = "a", .exit_to = "b" };
	char *line = NULL;
	size_t len;
	uint8_t prev[JOURNAL_HASH_LEN] = {0};
	struct journal j;
	static const char bad[] =
		"{\"seq\":1,\"time\":\"2026-12-01T06:30:00Z\",\"host\":null,\"source\":null,\"revision\":null,"
		"\"signer\":null,\"result\":\"exit-switched\",\"create\":0,\"update\":0,\"delete\":0,\"reason\":null,"
		"\"exit\":{\"group\":\"us\",\"from\":\"a\"},\"prev\":\"" JOURNAL_GENESIS "\"}\n";

	CHECK_INT(journal_format_line(&sw, 1, prev, &line, &len), 0);
	CHECK(line && strstr(line, ",\"exit\":{\"group\":\"us\",\"from\":\"a\",\"to\":\"blackhole\"},\"prev\":"));
	free(line);
	CHECK_INT(journal_format_line(&ap, 1, prev, &line, &len), 0);
	CHECK(line && !strstr(line, "\"exit\""));     /* not a switch: not written */
	free(line);
	dir_make();
	CHECK_INT(journal_append(dir, &sw), 0);
	CHECK_INT(journal_read(dir, 0, &j, NULL), 0);
	CHECK_INT(j.n, 1);
	if (j.n == 1) {
		CHECK_STR(j.entries[0].result, "exit-switched");
		CHECK_STR(j.entries[0].exit_group, "us");
		CHECK_STR(j.entries[0].exit_from, "a");
		CHECK_STR(j.entries[0].exit_to, "blackhole");
	}
	journal_clear(&j);
	CHECK_INT(journal_verify(dir, NULL, NULL), 0);
	dir_remove();
	/* an "exit" without "to" is damage */
	CHECK_INT(journal_parse(bad, sizeof(bad) - 1, 0, &j), 0);
	CHECK_INT(j.n, 0);
	CHECK_INT(j.n_damaged, 1);
	CHECK_STR(wgf_error_message(&j.damage), "journal:1: damaged entry: no \"to\"");
	journal_clear(&j);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	RUN(test_genesis);
	RUN(test_append_read_verify);
	RUN(test_empty_and_missing);
	RUN(test_append_refuses_bad_entries);
	RUN(test_tampering);
	RUN(test_old_journal);
	RUN(test_crash);
	RUN(test_append_after_tampering);
	RUN(test_hostile_strings);
	RUN(test_read_damaged);
	RUN(test_exit_switched);
	UNIT_DONE();
}
