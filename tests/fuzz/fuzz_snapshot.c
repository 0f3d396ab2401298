/* libFuzzer harness for snapshots (reconcile/host/snapshot.c): the JSON that
 * `wgf observe --json` writes on a host and `wgf plan --observed FILE` reads
 * anywhere, often from a CI artifact, so from outside.
 *
 * Invariants: a snapshot that reads is normalized with one entry per key, its
 * names fit IFNAMSIZ; written back with snapshot_to_json it reads again, and
 * that second text is the same as the first written one (a fixed point); a
 * refused snapshot says why.
 *
 *   make fuzz O=build-fz
 *   mkdir -p /tmp/c && cp tests/fuzz/corpus/fuzz_snapshot/?* /tmp/c/
 *   build-fz/fuzz/fuzz_snapshot -max_total_time=600 -rss_limit_mb=2048 /tmp/c
 */
#include <errno.h>
#include <stdio.h>
#include <net/if.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "reconcile/host/snapshot.h"

static char *written(const struct snapshot *s)
{
	struct json_object *o = snapshot_to_json(s->host, s->observed, &s->rec);
	char *text;

	if (!o)
		abort();
	text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	if (!text)
		abort();
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snapshot s, back;
	struct wgf_error err = {0};
	char *buf = malloc(size + 1), *t1, *t2;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	if (snapshot_parse(buf, size, &s, &err) < 0) {
		if (err.code != -ENOMEM && (err.code != -EBADMSG || !err.msg))
			abort();
		wgf_error_clear(&err);
		free(buf);
		return 0;
	}
	for (size_t i = 0; i < s.observed->n_devices; i++) {
		const struct hs_device *d = &s.observed->devices[i];
		if (!d->ifname[0] || strlen(d->ifname) >= IFNAMSIZ || (i && strcmp(s.observed->devices[i - 1].ifname, d->ifname) >= 0))
			abort();
		for (size_t j = 1; j < d->n_peers; j++)
			if (hs_peer_cmp(&d->peers[j - 1], &d->peers[j]) >= 0)
				abort();
	}
	t1 = written(&s);
	if (snapshot_parse(t1, strlen(t1), &back, &err) < 0) {
		fprintf(stderr, "written back, the snapshot does not read: %s\n%s\n", wgf_error_message(&err), t1);
		abort();
	}
	t2 = written(&back);
	if (strcmp(t1, t2))
		abort();
	free(t1);
	free(t2);
	snapshot_clear(&back);
	snapshot_clear(&s);
	free(buf);
	return 0;
}
