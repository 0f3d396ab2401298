/* Key ages and rotation due dates. Pure: the time is passed in. */
#include "render/key_age.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const status_names[KEY_AGE_N_STATUS] = {
	[KEY_AGE_OVERDUE] = "overdue",
	[KEY_AGE_DUE_SOON] = "due soon",
	[KEY_AGE_OK] = "ok",
	[KEY_AGE_UNKNOWN] = "unknown",
	[KEY_AGE_NO_POLICY] = "no policy",
};

static const char *const origin_names[] = {
	[KEY_ORIGIN_UNKNOWN] = "unknown",
	[KEY_ORIGIN_COMMIT] = "commit",
	[KEY_ORIGIN_KEY_CREATED] = "keyCreated",
};

const char *key_age_status_name(enum key_age_status s)
{
	return (unsigned)s < KEY_AGE_N_STATUS ? status_names[s] : "?";
}

const char *key_age_origin_name(enum key_age_origin o)
{
	return (unsigned)o < sizeof(origin_names) / sizeof(origin_names[0]) ? origin_names[o] : "?";
}

const char *key_age_duration(int64_t seconds, char *buf, size_t len)
{
	int64_t v = seconds / KEY_AGE_DAY;
	const char *unit = "day";

	if (seconds % KEY_AGE_DAY && seconds < 7 * KEY_AGE_DAY) {
		v = seconds / 3600;
		unit = "hour";
	}
	snprintf(buf, len, "%" PRId64 " %s%s", v, unit, v == 1 ? "" : "s");
	return buf;
}

enum key_age_status key_age_eval(bool known, int64_t created, uint32_t max_age, int64_t now,
				 uint32_t due_within, int64_t *age, int64_t *due)
{
	*age = 0;
	*due = 0;
	if (known)
		*age = created <= now ? now - created : 0;   /* a key from the future is new */
	if (!max_age)
		return KEY_AGE_NO_POLICY;
	if (!known)
		return KEY_AGE_UNKNOWN;
	*due = created + (int64_t)max_age;
	if (*age > (int64_t)max_age)
		return KEY_AGE_OVERDUE;
	if (*due - now <= (int64_t)due_within)
		return KEY_AGE_DUE_SOON;
	return KEY_AGE_OK;
}

/* Git history first; keyCreated where history says nothing. */
static void created_of(const struct key_created *git, bool has_kc, int64_t kc, struct key_created *out)
{
	memset(out, 0, sizeof(*out));
	if (git && git->origin == KEY_ORIGIN_COMMIT)
		*out = *git;
	else if (has_kc)
		*out = (struct key_created){ .origin = KEY_ORIGIN_KEY_CREATED, .time = kc };
}

static void age_fill(struct key_age *a, const struct key_age_opts *o, const struct model_meta *meta,
		     const uint8_t pub[WG_KEY_LEN], struct model_rotation rot)
{
	a->name = meta->name;
	a->loc = meta->loc;
	key_fingerprint(pub, a->fingerprint);
	a->max_age = rot.set ? rot.max_age : 0;
	a->status = key_age_eval(a->created.origin != KEY_ORIGIN_UNKNOWN, a->created.time, a->max_age,
				 o->now, o->due_within, &a->age, &a->due);
}

int key_ages_collect(const struct model *m, const struct key_age_opts *o, struct key_ages *out)
{
	memset(out, 0, sizeof(*out));
	out->items = calloc(m->n_hosts + m->n_peers + 1, sizeof(*out->items));
	if (!out->items)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_hosts; i++) {
		const struct model_host *h = &m->hosts[i];
		struct key_age *a = &out->items[out->n];

		if (o->want_hosts && !o->want_hosts[i])
			continue;
		a->is_host = true;
		a->index = i;
		created_of(o->hosts ? &o->hosts[i] : NULL, h->has_key_created, h->key_created, &a->created);
		age_fill(a, o, &h->meta, h->public_key, model_host_rotation(m, h));
		out->counts[a->status]++;
		out->n++;
	}
	for (size_t i = 0; i < m->n_peers; i++) {
		const struct model_peer *p = &m->peers[i];
		struct key_age *a = &out->items[out->n];

		if (o->want_peers && !o->want_peers[i])
			continue;
		a->index = i;
		created_of(o->peers ? &o->peers[i] : NULL, p->has_key_created, p->key_created, &a->created);
		age_fill(a, o, &p->meta, p->public_key, model_peer_rotation(m, p));
		out->counts[a->status]++;
		out->n++;
	}
	return 0;
}

void key_ages_clear(struct key_ages *a)
{
	free(a->items);
	memset(a, 0, sizeof(*a));
}

size_t key_ages_report(const struct key_ages *a, bool as_error, struct diag *d)
{
	size_t n = 0;

	for (size_t i = 0; i < a->n; i++) {
		const struct key_age *k = &a->items[i];
		char age[32], max[32];

		if (k->status != KEY_AGE_OVERDUE)
			continue;
		key_age_duration(k->age, age, sizeof(age));
		key_age_duration(k->max_age, max, sizeof(max));
		(as_error ? diag_add : diag_warn)(d, &k->loc,
			"key of %s \"%s\" is %s old, rotation maxAge is %s: rotate it (%s %s%s)",
			k->is_host ? "Host" : "Peer", k->name, age, max,
			k->is_host ? "wgf host rotate, on" : "wgf peer rotate", k->name,
			k->is_host ? ", then commit its next key" : "");
		n++;
	}
	return n;
}
