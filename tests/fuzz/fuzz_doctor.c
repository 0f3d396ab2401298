/* libFuzzer harness for what wgf doctor reads of the host: `nft -j list
 * ruleset` (doctor_nft_analyse, every table of the host, anyone's) and
 * /proc/net/udp{,6} (doctor_udp_parse).
 *
 * Input: one byte (even: a ruleset, odd: a UDP table), two bytes of port
 * (big-endian), then the text.
 *
 * Invariants: the analysis returns -EBADMSG, -ENOMEM or 0..max findings, each
 * of a known kind in a named, NUL-terminated family, table and chain, never
 * wgf's own inet wgf, and the same result a second time; the UDP table
 * returns -EBADMSG or a count whose stored sockets are all on the port asked.
 *
 * `make fuzz O=build-fz` builds it as build-fz/fuzz/fuzz_doctor. By hand:
 *   mkdir -p /tmp/c && cp tests/fuzz/corpus/fuzz_doctor/?* /tmp/c/
 *   build-fz/fuzz/fuzz_doctor -max_total_time=600 /tmp/c
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "render/doctor.h"

#define MAX 4

static void finding_check(const struct doctor_nft_finding *f)
{
	if (f->kind > DOCTOR_NFT_INPUT_RULE || !memchr(f->family, 0, sizeof(f->family)) ||
	    !memchr(f->table, 0, sizeof(f->table)) || !memchr(f->chain, 0, sizeof(f->chain)) ||
	    !*f->family || (!strcmp(f->family, "inet") && !strcmp(f->table, "wgf")))
		abort();
}

static void fuzz_nft(const char *text, size_t len, uint16_t port)
{
	struct doctor_nft_finding a[MAX], b[MAX];
	int n = doctor_nft_analyse(text, len, "wg0", port, a, MAX), m;

	if (n < 0) {
		if (n != -EBADMSG && n != -ENOMEM)
			abort();
		return;
	}
	if (n > MAX)
		abort();
	for (int i = 0; i < n; i++)
		finding_check(&a[i]);
	m = doctor_nft_analyse(text, len, "wg0", port, b, MAX);
	if (m != n)
		abort();
	for (int i = 0; i < n; i++)
		if (a[i].kind != b[i].kind || a[i].handle != b[i].handle || strcmp(a[i].table, b[i].table) ||
		    strcmp(a[i].chain, b[i].chain))
			abort();
}

static void fuzz_udp(const char *text, size_t len, uint16_t port)
{
	struct doctor_udp_socket s[MAX];
	int n = doctor_udp_parse(text, len, port, s, MAX);

	if (n < 0) {
		if (n != -EBADMSG)
			abort();
		return;
	}
	for (int i = 0; i < n && i < MAX; i++)
		if (s[i].port != port)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;
	uint16_t port;

	if (size < 3)
		return 0;
	port = (uint16_t)(data[1] << 8 | data[2]);
	text = malloc(size - 3 + 1);
	if (!text)
		return 0;
	memcpy(text, data + 3, size - 3);
	text[size - 3] = '\0';
	if (data[0] & 1)
		fuzz_udp(text, size - 3, port);
	else
		fuzz_nft(text, size - 3, port);
	free(text);
	return 0;
}
