/* Health verdicts for `wgf status` (render/health.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/health.h"
#include "render/render.h"

static const char *const verdict_names[] = {
	[HEALTH_ONLINE] = "online", [HEALTH_STALE] = "stale", [HEALTH_NEVER] = "never",
	[HEALTH_DISABLED] = "disabled", [HEALTH_EXPIRED] = "expired", [HEALTH_UNKNOWN] = "unknown",
};

static const struct {
	const char *name, *text;
} reasons[] = {
	[HEALTH_REASON_NONE] = { NULL, NULL },
	[HEALTH_REASON_INTERFACE_DOWN] = { "interface-down", "the interface is down" },
	[HEALTH_REASON_HOST_KEY] = { "host-key-mismatch",
		"the interface's public key is not this Host's publicKey in the repository" },
	[HEALTH_REASON_PEER_KEY] = { "peer-key-mismatch",
		"this key is not the one the repository has for the peer these allowed IPs belong to" },
	[HEALTH_REASON_NO_ENDPOINT] = { "no-endpoint",
		"neither side has an endpoint (both behind NAT?): nobody can start a handshake" },
	[HEALTH_REASON_PORT_BLOCKED] = { "port-blocked",
		"another nftables table drops UDP to the listen port (wgf doctor names it)" },
};

static const char *const level_names[] = {
	[HEALTH_HEALTHY] = "healthy", [HEALTH_DEGRADED] = "degraded", [HEALTH_UNHEALTHY] = "unhealthy",
};

const char *health_verdict_name(enum health_verdict v) { return verdict_names[v]; }
const char *health_reason_name(enum health_reason r) { return reasons[r].name; }
const char *health_reason_text(enum health_reason r) { return reasons[r].text; }
const char *health_level_name(enum health_level l) { return level_names[l]; }

struct health_who health_who_find(const struct model *m, const uint8_t pub[WG_KEY_LEN])
{
	struct health_who w = { m ? model_find_host_by_key(m, pub) : NULL, NULL };

	for (size_t i = 0; m && !w.host && i < m->n_peers; i++)
		if (!memcmp(m->peers[i].public_key, pub, WG_KEY_LEN))
			w.peer = &m->peers[i];
	return w;
}

static int health_key_cmp(const void *a, const void *b)
{
	const struct health_key *x = a, *y = b;
	int c = memcmp(x->key, y->key, WG_KEY_LEN);

	return c ? c : (y->who.host != NULL) - (x->who.host != NULL);
}

int health_index_build(const struct model *m, struct health_index *out)
{
	out->keys = NULL;
	out->n = 0;
	if (!m)
		return 0;
	if (!(out->keys = calloc(m->n_hosts + m->n_peers + 1, sizeof(*out->keys))))
		return -ENOMEM;
	for (size_t i = 0; i < m->n_hosts; i++)
		out->keys[out->n++] = (struct health_key){ m->hosts[i].public_key, { &m->hosts[i], NULL } };
	for (size_t i = 0; i < m->n_peers; i++)
		out->keys[out->n++] = (struct health_key){ m->peers[i].public_key, { NULL, &m->peers[i] } };
	qsort(out->keys, out->n, sizeof(*out->keys), health_key_cmp);
	return 0;
}

struct health_who health_index_find(const struct health_index *ix, const uint8_t pub[WG_KEY_LEN])
{
	size_t lo = 0, hi = ix->n;

	/* the first entry not below pub: a Host sorts before a Peer of the same key */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (memcmp(ix->keys[mid].key, pub, WG_KEY_LEN) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ix->n && !memcmp(ix->keys[lo].key, pub, WG_KEY_LEN))
		return ix->keys[lo].who;
	return (struct health_who){ NULL, NULL };
}

const char *health_index_name(const struct health_index *ix, const uint8_t pub[WG_KEY_LEN])
{
	struct health_who w = health_index_find(ix, pub);

	return w.host ? w.host->meta.name : w.peer ? w.peer->meta.name : NULL;
}

void health_index_clear(struct health_index *ix)
{
	free(ix->keys);
	ix->keys = NULL;
	ix->n = 0;
}

static bool allows_any(const struct hs_peer *p, const struct wgf_prefix *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct wgf_prefix h = prefix_host(&a[i]);
		for (size_t j = 0; j < p->n_allowed_ips; j++)
			if (prefix_contains(&p->allowed_ips[j], &h))
				return true;
	}
	return false;
}

/* The repository's Host or Peer whose tunnel address p's allowed IPs carry. */
static const char *owner_by_address(const struct model *m, const struct model_host *self, const struct hs_peer *p)
{
	for (size_t i = 0; i < m->n_hosts; i++)
		if (&m->hosts[i] != self && allows_any(p, m->hosts[i].addresses, m->hosts[i].n_addresses))
			return m->hosts[i].meta.name;
	for (size_t i = 0; i < m->n_peers; i++)
		if (allows_any(p, m->peers[i].addresses, m->peers[i].n_addresses))
			return m->peers[i].meta.name;
	return NULL;
}

/* Whether the other side keeps the tunnel alive toward self (render_peers.c's rule). */
static bool host_keeps_alive(const struct model *m, const struct model_host *self, const struct model_host *x)
{
	if (m->networks[x->network].keepalive)
		return true;
	return self && (self->n_hubs || x->n_hubs) && (!self->endpoint.family) != (!x->endpoint.family);
}

bool health_device_key(const struct hs_device *d, uint8_t pub[WG_KEY_LEN])
{
	if (!d->has_private_key)
		return false;
	if (d->private_key_withheld) {
		memcpy(pub, d->public_key, WG_KEY_LEN);
		return true;
	}
	return key_public_from_private(pub, d->private_key) == 0;
}

const struct model_host *health_device_host(const struct model *m, const struct hs_device *d, const char *host)
{
	const struct model_host *h = NULL;
	uint8_t pub[WG_KEY_LEN];

	if (!m)
		return NULL;
	if (health_device_key(d, pub))
		h = model_find_host_by_key(m, pub);
	if (!h && host && (h = model_find_host(m, host)) && strcmp(h->ifname, d->ifname))
		h = NULL;
	return h;
}

uint32_t health_stale_after(const struct model *m, const struct model_host *self, uint32_t override)
{
	if (override)
		return override;
	if (m && self && m->networks[self->network].stale_after)
		return m->networks[self->network].stale_after;
	return HEALTH_STALE_AFTER_DEFAULT;
}

static enum health_reason never_reason(const struct model_host *self, const struct hs_device *d,
				       const struct hs_peer *p, bool other_has_endpoint)
{
	uint8_t pub[WG_KEY_LEN];

	if (!d->up)
		return HEALTH_REASON_INTERFACE_DOWN;
	if (self && health_device_key(d, pub) && memcmp(self->public_key, pub, WG_KEY_LEN))
		return HEALTH_REASON_HOST_KEY;
	if (d->port_blocked)
		return HEALTH_REASON_PORT_BLOCKED;
	if (self && !p->endpoint.family && !other_has_endpoint && !self->endpoint.family)
		return HEALTH_REASON_NO_ENDPOINT;
	return HEALTH_REASON_NONE;
}

void health_peer_eval(const struct model *m, const struct model_host *self, struct health_who who,
		      const struct hs_device *d, const struct hs_peer *p, int64_t now, uint32_t stale_after,
		      struct health_peer *out)
{
	const struct model_host *xh = m ? who.host : NULL;
	const struct model_peer *xp = m && !xh ? who.peer : NULL;
	bool other_ep = false;

	*out = (struct health_peer){ .expected_up = p->keepalive > 0 };
	if (xh) {
		out->name = xh->meta.name;
		out->expected_up |= host_keeps_alive(m, self, xh);
		other_ep = xh->endpoint.family;
	} else if (xp) {
		out->name = xp->meta.name;
		out->expected_up |= xp->keepalive > 0;
		other_ep = xp->endpoint.family;
	} else if (m) {
		out->name = owner_by_address(m, self, p);
		out->verdict = HEALTH_UNKNOWN;
		out->reason = out->name ? HEALTH_REASON_PEER_KEY : HEALTH_REASON_NONE;
		out->unhealthy = out->name && out->expected_up;
		return;
	}
	if (xp && !xp->enabled)
		out->verdict = HEALTH_DISABLED;
	else if (xp && !render_peer_active(xp, now))
		out->verdict = HEALTH_EXPIRED;
	else if (p->last_handshake_sec <= 0)
		out->verdict = HEALTH_NEVER;
	else if (now - p->last_handshake_sec > (int64_t)stale_after)
		out->verdict = HEALTH_STALE;
	else
		out->verdict = HEALTH_ONLINE;
	if (out->verdict == HEALTH_NEVER)
		out->reason = never_reason(self, d, p, other_ep);
	out->unhealthy = out->expected_up && (out->verdict == HEALTH_NEVER || out->verdict == HEALTH_STALE);
}

static void say(char *buf, size_t len, size_t *at, size_t n, const char *one, const char *many)
{
	int w;

	if (!n || *at >= len)
		return;
	w = n == 1 ? snprintf(buf + *at, len - *at, "%s%s", *at ? ", " : "", one)
		   : snprintf(buf + *at, len - *at, "%s%zu %s", *at ? ", " : "", n, many);
	if (w > 0)
		*at += (size_t)w;
}

void health_host_count(struct health_host_facts *f, const struct health_peer *h)
{
	switch (h->verdict) {
	case HEALTH_STALE: *(h->expected_up ? &f->stale_expected : &f->stale_idle) += 1; break;
	case HEALTH_NEVER: *(h->expected_up ? &f->never_expected : &f->never_idle) += 1; break;
	case HEALTH_UNKNOWN: *(h->unhealthy ? &f->wrong_key_expected : &f->unknown) += 1; break;
	case HEALTH_DISABLED: f->disabled++; break;
	case HEALTH_EXPIRED: f->expired++; break;
	case HEALTH_ONLINE: break;
	}
}

enum health_level health_host_eval(const struct health_host_facts *f, char *buf, size_t len)
{
	size_t at = 0;
	enum health_level l = HEALTH_HEALTHY;

	if (len)
		buf[0] = '\0';
	say(buf, len, &at, f->ifaces_missing, "1 interface missing", "interfaces missing");
	say(buf, len, &at, f->ifaces_down, "1 interface down", "interfaces down");
	say(buf, len, &at, f->stale_expected, "1 peer stale (expected up)", "peers stale (expected up)");
	say(buf, len, &at, f->never_expected, "1 peer never connected (expected up)",
	    "peers never connected (expected up)");
	say(buf, len, &at, f->wrong_key_expected, "1 peer with a wrong key (expected up)",
	    "peers with a wrong key (expected up)");
	say(buf, len, &at, f->groups_all_down, "1 exit group with every member down",
	    "exit groups with every member down");
	if (at)
		l = HEALTH_UNHEALTHY;
	say(buf, len, &at, f->members_down, "1 exit member down", "exit members down");
	say(buf, len, &at, f->watch_stale, "wgf watch not running", "wgf watch not running");
	say(buf, len, &at, f->loop_backoff, "reconcile backing off", "reconcile backing off");
	say(buf, len, &at, f->loop_suspended, "reconcile suspended", "reconcile suspended");
	say(buf, len, &at, f->loop_refused, "last reconcile refused", "last reconcile refused");
	say(buf, len, &at, f->unknown, "1 unknown key", "unknown keys");
	say(buf, len, &at, f->disabled, "1 disabled peer still on the interface", "disabled peers still on the interface");
	say(buf, len, &at, f->expired, "1 expired peer still on the interface", "expired peers still on the interface");
	if (at && l == HEALTH_HEALTHY)
		l = HEALTH_DEGRADED;
	say(buf, len, &at, f->stale_idle, "1 idle peer stale (no keepalive: not unhealthy)",
	    "idle peers stale (no keepalive: not unhealthy)");
	say(buf, len, &at, f->never_idle, "1 idle peer never connected (no keepalive: not unhealthy)",
	    "idle peers never connected (no keepalive: not unhealthy)");
	return l;
}
