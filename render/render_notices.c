/* Peer notices: which Peers no host configures and why (disabled, expired), and
 * which expire soon. Pure: the time is passed in. */
#include "render/render.h"
#include "model/str.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAY_SECONDS 86400

static bool peer_has_hub(const struct model_peer *p, size_t host)
{
	for (size_t i = 0; i < p->n_hubs; i++)
		if (p->hubs[i] == host)
			return true;
	return false;
}

/* Returns true and the state when p deserves a notice. */
static bool peer_notice_state_of(const struct model_peer *p, const struct peer_notice_opts *o,
				 enum peer_notice_state *state)
{
	if (!p->enabled) {
		*state = PEER_NOTICE_DISABLED;
		return true;
	}
	if (!p->has_expires)
		return false;
	if (!render_peer_active(p, o->now)) {
		*state = PEER_NOTICE_EXPIRED;
		return true;
	}
	/* p->expires > now here: the unsigned difference is exact, whatever now is */
	if (o->warn_days && (uint64_t)p->expires - (uint64_t)o->now <= (uint64_t)o->warn_days * DAY_SECONDS) {
		*state = PEER_NOTICE_EXPIRING;
		return true;
	}
	return false;
}

static int notice_fill(struct peer_notice *n, const struct model_peer *p, enum peer_notice_state state,
		       int64_t now)
{
	memset(n, 0, sizeof(*n));
	n->state = state;
	n->has_expires = p->has_expires;
	n->expires = p->has_expires ? p->expires : 0;
	if (state == PEER_NOTICE_EXPIRING)
		n->days_left = (unsigned)(((uint64_t)p->expires - (uint64_t)now + DAY_SECONDS - 1) / DAY_SECONDS);
	memcpy(n->public_key, p->public_key, WG_KEY_LEN);
	n->line = p->meta.loc.line;
	n->col = p->meta.loc.col;
	n->peer = strdup(p->meta.name ? p->meta.name : "");
	if (!n->peer)
		return -ENOMEM;
	if (p->meta.loc.file) {
		/* file names come from the repository: printed, they must not steer a terminal */
		n->file = str_display_dup(p->meta.loc.file);
		if (!n->file)
			return -ENOMEM;
	}
	return 0;
}

static int notice_cmp(const void *pa, const void *pb)
{
	const struct peer_notice *a = pa, *b = pb;
	int r = strcmp(a->file ? a->file : "", b->file ? b->file : "");

	if (r)
		return r;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return strcmp(a->peer, b->peer);
}

int peer_notices_collect(const struct model *m, const struct peer_notice_opts *o,
			 struct peer_notices *out)
{
	struct peer_notices ns = {0};
	size_t cap = 0, host = o->host ? model_host_index(m, o->host) : MODEL_NONE;
	int r = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < m->n_peers; i++) {
		const struct model_peer *p = &m->peers[i];
		enum peer_notice_state state;

		if (o->host && !peer_has_hub(p, host))
			continue;
		if (!peer_notice_state_of(p, o, &state))
			continue;
		if (ns.n == cap) {
			size_t ncap = cap ? 2 * cap : 8;
			struct peer_notice *v = reallocarray(ns.items, ncap, sizeof(*v));

			if (!v) {
				r = -ENOMEM;
				goto out;
			}
			ns.items = v;
			cap = ncap;
		}
		r = notice_fill(&ns.items[ns.n], p, state, o->now);
		ns.n++;
		if (r < 0)
			goto out;
	}
	if (ns.n > 1)
		qsort(ns.items, ns.n, sizeof(*ns.items), notice_cmp);
	*out = ns;
	ns = (struct peer_notices){0};
out:
	peer_notices_clear(&ns);
	return r;
}

void peer_notices_clear(struct peer_notices *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++) {
		free(n->items[i].peer);
		free(n->items[i].file);
	}
	free(n->items);
	n->items = NULL;
	n->n = 0;
}

const struct peer_notice *peer_notices_find_key(const struct peer_notices *n,
						const uint8_t pub[WG_KEY_LEN])
{
	for (size_t i = 0; n && i < n->n; i++)
		if (!memcmp(n->items[i].public_key, pub, WG_KEY_LEN))
			return &n->items[i];
	return NULL;
}

const char *peer_notice_state_name(enum peer_notice_state s)
{
	switch (s) {
	case PEER_NOTICE_DISABLED: return "disabled";
	case PEER_NOTICE_EXPIRED: return "expired";
	case PEER_NOTICE_EXPIRING: return "expiring";
	}
	return "?";
}

const char *peer_notice_severity(enum peer_notice_state s)
{
	return s == PEER_NOTICE_DISABLED ? "note" : "warning";
}

const char *peer_notice_date(int64_t t, char buf[PEER_NOTICE_DATE_LEN])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if ((int64_t)tt != t || !gmtime_r(&tt, &tm)) {
		snprintf(buf, PEER_NOTICE_DATE_LEN, "@%" PRId64, t);
		return buf;
	}
	if (t % DAY_SECONDS == 0)
		strftime(buf, PEER_NOTICE_DATE_LEN, "%Y-%m-%d", &tm);
	else
		strftime(buf, PEER_NOTICE_DATE_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

const char *peer_notice_reason(const struct peer_notice *n, char buf[PEER_NOTICE_MSG_LEN])
{
	char date[PEER_NOTICE_DATE_LEN];

	switch (n->state) {
	case PEER_NOTICE_DISABLED:
		snprintf(buf, PEER_NOTICE_MSG_LEN, "disabled");
		break;
	case PEER_NOTICE_EXPIRED:
		snprintf(buf, PEER_NOTICE_MSG_LEN, "expired on %s", peer_notice_date(n->expires, date));
		break;
	case PEER_NOTICE_EXPIRING:
		snprintf(buf, PEER_NOTICE_MSG_LEN, "expires on %s, in %u day%s",
			 peer_notice_date(n->expires, date), n->days_left, n->days_left == 1 ? "" : "s");
		break;
	}
	return buf;
}

const char *peer_notice_message(const struct peer_notice *n, char buf[PEER_NOTICE_MSG_LEN])
{
	char reason[PEER_NOTICE_MSG_LEN];

	peer_notice_reason(n, reason);
	switch (n->state) {
	case PEER_NOTICE_DISABLED:
		snprintf(buf, PEER_NOTICE_MSG_LEN, "peer \"%.63s\" is disabled (enabled: false) and is not configured",
			 n->peer);
		break;
	case PEER_NOTICE_EXPIRED:
		snprintf(buf, PEER_NOTICE_MSG_LEN, "peer \"%.63s\" %.100s and is not configured", n->peer, reason);
		break;
	case PEER_NOTICE_EXPIRING:
		snprintf(buf, PEER_NOTICE_MSG_LEN, "peer \"%.63s\" %.100s, and is then no longer configured",
			 n->peer, reason);
		break;
	}
	return buf;
}
