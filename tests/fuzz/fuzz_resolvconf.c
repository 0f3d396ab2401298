/* libFuzzer harness for the resolvconf record parser (resolvconf_parse): what
 * observe reads from /run/resolvconf/interface/IFNAME, which anyone with root
 * may have written. A parsed record holds only full-length addresses and
 * lower-case DNS names without a trailing dot (what resolvconf_set could write
 * back as one line each), and writing it as resolvconf's input and parsing
 * that again gives the same record (a fixed point).
 *
 * `make fuzz O=build-fz` builds it as build-fz/fuzz/fuzz_resolvconf; by hand:
 *   mkdir -p /tmp/c && cp tests/fuzz/corpus/fuzz_resolvconf/?* /tmp/c/
 *   build-fz/fuzz/fuzz_resolvconf -max_total_time=600 /tmp/c
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/kernel/dns_resolvconf.h"

static void check_name(const char *s)
{
	size_t len = strlen(s);

	if (!len || len > 253 || s[len - 1] == '.')
		abort();
	for (size_t i = 0; i < len; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-' || s[i] == '_' ||
		      s[i] == '.'))
			abort();
}

static char *as_input(const struct hs_dns *d, size_t *len)
{
	char buf[PREFIX_STRLEN], *text = NULL;
	FILE *f = open_memstream(&text, len);

	if (!f)
		abort();
	for (size_t i = 0; i < d->n_servers; i++)
		fprintf(f, "nameserver %s\n", prefix_format_addr(&d->servers[i], buf));
	for (size_t i = 0; i < d->n_search; i++)
		fprintf(f, "%s %s", i ? "" : "search", d->search[i]);
	if (d->n_search)
		fputc('\n', f);
	fclose(f);
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hs_dns d = {0}, again = {0};
	size_t len = 0;
	char *text;

	if (resolvconf_parse((const char *)data, size, &d) < 0)
		goto out;
	for (size_t i = 0; i < d.n_servers; i++)
		if (d.servers[i].len != prefix_max_len(d.servers[i].family))
			abort();
	for (size_t i = 0; i < d.n_search; i++)
		check_name(d.search[i]);
	if (d.n_routing || d.default_route != HS_DNS_ROUTE_AUTO)
		abort();
	text = as_input(&d, &len);
	if (resolvconf_parse(text, len, &again) < 0 || !hs_dns_equal(&d, &again))
		abort();
	free(text);
out:
	hs_dns_clear(&d);
	hs_dns_clear(&again);
	return 0;
}
