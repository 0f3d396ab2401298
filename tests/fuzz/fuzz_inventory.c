/* libFuzzer harness for the fleet inventory (reconcile/host/inventory.c), the
 * file `wgf fleet --inventory` reads: NAME user@address[:port] a line.
 *
 * Invariants: it parses, or says "f:LINE:COL: …" with -EBADMSG and leaves the
 * inventory empty; a parsed one has unique names, each found by inventory_find,
 * users, names and addresses of the allowed characters (none starting with '-',
 * which the far side would take for an option) and ports from 1 to 65535; written
 * back as lines it parses to the same hosts.
 *
 *   make fuzz O=build-fz
 *   mkdir -p /tmp/c && cp tests/fuzz/corpus/fuzz_inventory/?* /tmp/c/
 *   build-fz/fuzz/fuzz_inventory -max_total_time=600 -rss_limit_mb=2048 /tmp/c
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/host/inventory.h"

static void check_word(const char *s, const char *extra)
{
	if (!*s || *s == '-')
		abort();
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      strchr(extra, *s)))
			abort();
}

static void round_trip(const struct inventory *inv)
{
	struct inventory back;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return;
	for (size_t i = 0; i < inv->n; i++) {
		const struct inventory_host *h = &inv->hosts[i];
		bool v6 = strchr(h->address, ':') != NULL;

		fprintf(f, "%s %s@%s%s%s:%u\n", h->name, h->user, v6 ? "[" : "", h->address, v6 ? "]" : "", h->port);
	}
	fclose(f);
	if (inventory_parse(text, len, "f", &back, NULL) < 0 || back.n != inv->n)
		abort();
	for (size_t i = 0; i < inv->n; i++)
		if (strcmp(back.hosts[i].name, inv->hosts[i].name) || strcmp(back.hosts[i].user, inv->hosts[i].user) ||
		    strcmp(back.hosts[i].address, inv->hosts[i].address) || back.hosts[i].port != inv->hosts[i].port)
			abort();
	inventory_clear(&back);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wgf_error err = {0};
	struct inventory inv;
	int r = inventory_parse((const char *)data, size, "f", &inv, &err);

	if (r < 0) {
		if (r != -EBADMSG || !err.msg || strncmp(err.msg, "f:", 2) || inv.n || inv.hosts)
			abort();
		wgf_error_clear(&err);
		return 0;
	}
	for (size_t i = 0; i < inv.n; i++) {
		const struct inventory_host *h = &inv.hosts[i];

		check_word(h->name, "._-");
		check_word(h->user, "._-");
		check_word(h->address, "._-:");
		if (h->port < 1 || h->port > 65535 || inventory_find(&inv, h->name) != h)
			abort();
	}
	round_trip(&inv);
	inventory_clear(&inv);
	return 0;
}
