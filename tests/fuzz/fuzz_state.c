/* libFuzzer harness for wgf's records in its state directory, read back on every
 * plan: owned-interfaces (statedir_owned_parse), declared-endpoints
 * (statedir_endpoints_parse) and the firewall record (statedir_firewall_parse, JSON).
 * Each input is given to all three, as the whole file's content. (The journal
 * has its own harness, fuzz_journal.)
 *
 * Invariants: owned names are 1..15 bytes without newline or NUL, and writing
 * them back reads back the same; the endpoints file, written by the project's
 * own formatter and read again, is a fixed point; a firewall record written by
 * statedir_firewall_format reads back as the same record.
 *
 * `make fuzz O=build-fz` builds it as build-fz/fuzz/fuzz_state; tests/run runs it
 * briefly from tests/fuzz/corpus/fuzz_state/. By hand (new inputs go to the
 * first directory, so keep it out of the git tree):
 *   mkdir -p /tmp/c && cp tests/fuzz/corpus/fuzz_state/?* /tmp/c/
 *   build-fz/fuzz/fuzz_state -max_total_time=600 -rss_limit_mb=2048 /tmp/c
 *   build-fz/fuzz/fuzz_state tests/fuzz/regressions/fuzz_state/?*   # replay
 */
#include <errno.h>
#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/host/statedir.h"

static void check_owned(const char *buf, size_t size)
{
	struct statedir_owned o, back;
	char *text = NULL;
	size_t len = 0;
	FILE *m;

	if (statedir_owned_parse(buf, size, &o) < 0)
		return;
	m = open_memstream(&text, &len);
	if (!m)
		abort();
	for (size_t i = 0; i < o.n; i++) {
		size_t n = strlen(o.ifnames[i]);
		if (n == 0 || n >= IFNAMSIZ || strchr(o.ifnames[i], '\n'))
			abort();
		fprintf(m, "%s\n", o.ifnames[i]);   /* as owned_save writes it */
	}
	fclose(m);
	if (statedir_owned_parse(text, len, &back) == 0) {
		if (back.n != o.n)
			abort();
		for (size_t i = 0; i < o.n; i++)
			if (strcmp(o.ifnames[i], back.ifnames[i]))
				abort();
		statedir_owned_clear(&back);
	}
	free(text);
	statedir_owned_clear(&o);
}

static void check_endpoints(const char *buf, size_t size)
{
	struct host_state *a = NULL, *b = NULL;
	char *t1 = NULL, *t2 = NULL;
	size_t l1 = 0, l2 = 0;

	if (statedir_endpoints_parse(buf, size, &a) < 0)
		return;
	if (statedir_endpoints_format(a, &t1, &l1) == 0 && statedir_endpoints_parse(t1, l1, &b) == 0 &&
	    statedir_endpoints_format(b, &t2, &l2) == 0) {
		size_t n_a = 0, n_b = 0;

		for (size_t i = 0; i < a->n_devices; i++)
			n_a += a->devices[i].n_peers;
		for (size_t i = 0; i < b->n_devices; i++)
			n_b += b->devices[i].n_peers;
		/* every recorded peer has an endpoint, so every one is written back */
		if (n_a != n_b || l1 != l2 || memcmp(t1, t2, l1))
			abort();
	}
	free(t1);
	free(t2);
	hoststate_free(a);
	hoststate_free(b);
}

static void check_firewall(const char *buf, size_t size)
{
	struct fw_record *r = NULL, *back = NULL;
	char *text;
	int ret = statedir_firewall_parse(buf, size, &r);

	if (ret < 0) {
		if (ret != -EBADMSG && ret != -ENOMEM)
			abort();
		return;
	}
	text = statedir_firewall_format(r);
	if (text) {
		if (statedir_firewall_parse(text, strlen(text), &back) != 0)
			abort();
		if (strcmp(r->body, back->body) || strcmp(r->listing, back->listing) ||
		    r->n_items != back->n_items || r->has_stamp != back->has_stamp ||
		    (r->has_stamp && (r->stamp.genid != back->stamp.genid || r->stamp.netns != back->stamp.netns ||
				      strcmp(r->stamp.boot_id, back->stamp.boot_id))))
			abort();
		for (size_t i = 0; i < r->n_items; i++)
			if (strcmp(r->items[i].key, back->items[i].key) ||
			    strcmp(r->items[i].value, back->items[i].value))
				abort();
	}
	free(text);
	fw_record_free(r);
	fw_record_free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the file reader hands the parsers a NUL-terminated buffer */
	char *buf = malloc(size + 1);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	check_owned(buf, size);
	check_endpoints(buf, size);
	check_firewall(buf, size);
	free(buf);
	return 0;
}
