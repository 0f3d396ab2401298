/* The WireGuard devices of the fake kernel: peers added, updated and removed one
 * by one as a set request says, read back as wg_get_device gives them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/kernel_fake_impl.h"

static int peer_copy(struct hs_peer *to, const struct hs_peer *from)
{
	memcpy(to->public_key, from->public_key, WG_KEY_LEN);
	to->has_psk = from->has_psk;
	memcpy(to->psk, from->psk, WG_KEY_LEN);
	to->endpoint = from->endpoint;
	to->keepalive = from->keepalive;
	to->last_handshake_sec = from->last_handshake_sec;   /* observed only: what a real kernel reports */
	for (size_t i = 0; i < from->n_allowed_ips; i++)
		if (hs_peer_add_allowed_ip(to, &from->allowed_ips[i]) < 0)
			return -ENOMEM;
	return 0;
}

static void peers_clear(struct hs_device *d)
{
	for (size_t i = 0; i < d->n_peers; i++)
		hs_peer_clear(&d->peers[i]);
	free(d->peers);
	d->peers = NULL;
	d->n_peers = 0;
}

int fake_wg_get_device(struct kernel *k, const char *ifname, enum hs_backend backend,
		       struct hs_device *out, struct wgf_error *err)
{
	struct kernel_fake *f = fake_of(k);
	struct hs_device *d;
	int r = enter(f, KF_WG_GET_DEVICE, err, "%s", ifname);

	if (r < 0)
		return r;
	d = hoststate_find_device(f->hs, ifname);
	if (!d)
		return leave(f, -ENODEV, err);
	peers_clear(out);
	out->has_private_key = d->has_private_key;
	memcpy(out->private_key, d->private_key, WG_KEY_LEN);
	out->listen_port = d->listen_port;
	out->fwmark = d->fwmark;
	out->backend = d->backend;
	for (size_t i = 0; i < d->n_peers && r == 0; i++) {
		struct hs_peer *p = hs_device_add_peer(out);

		r = p ? peer_copy(p, &d->peers[i]) : -ENOMEM;
	}
	return leave(f, r, err);
}

static struct hs_peer *peer_find(struct hs_device *d, const uint8_t pub[WG_KEY_LEN])
{
	for (size_t i = 0; i < d->n_peers; i++)
		if (!memcmp(d->peers[i].public_key, pub, WG_KEY_LEN))
			return &d->peers[i];
	return NULL;
}

static bool all_zero(const uint8_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i])
			return false;
	return true;
}

/* One peer of a set request, as WireGuard takes it. */
static int peer_set(struct hs_device *d, const struct wg_peer_set *ps)
{
	const struct hs_peer *want = ps->peer;
	struct hs_peer *p = peer_find(d, want->public_key);

	if (ps->remove) {
		if (p) {
			hs_peer_clear(p);
			memmove(p, p + 1, (size_t)(d->peers + d->n_peers - (p + 1)) * sizeof(*p));
			d->n_peers--;
		}
		return 0;
	}
	if (!p && ps->update_only)
		return 0;
	if (!p) {
		p = hs_device_add_peer(d);
		if (!p)
			return -ENOMEM;
		memcpy(p->public_key, want->public_key, WG_KEY_LEN);
	}
	if (ps->send.set_psk) {
		p->has_psk = want->has_psk && !all_zero(want->psk, WG_KEY_LEN);
		memcpy(p->psk, p->has_psk ? want->psk : (const uint8_t[WG_KEY_LEN]){0}, WG_KEY_LEN);
	}
	if (ps->send.set_endpoint && want->endpoint.family)
		p->endpoint = want->endpoint;
	if (ps->send.set_keepalive)
		p->keepalive = want->keepalive;
	if (ps->send.replace_allowed_ips) {
		free(p->allowed_ips);
		p->allowed_ips = NULL;
		p->n_allowed_ips = 0;
		for (size_t i = 0; i < want->n_allowed_ips; i++)
			if (hs_peer_add_allowed_ip(p, &want->allowed_ips[i]) < 0)
				return -ENOMEM;
	}
	return 0;
}

int fake_wg_set_device(struct kernel *k, const char *ifname, enum hs_backend backend,
		       const struct wg_device_set *s, struct wgf_error *err)
{
	struct kernel_fake *f = fake_of(k);
	struct kernel_fake_call *c;
	struct hs_device *d;
	int r = enter(f, KF_WG_SET_DEVICE, err, "%s", ifname);

	c = &f->calls[f->n_calls - 1];
	c->n_peers = s->n_peers;
	c->device = s->send.set_private_key || s->send.set_listen_port || s->send.set_fwmark;
	for (size_t i = 0; i < s->n_peers; i++)
		c->n_removed += s->peers[i].remove;
	if (r < 0)
		return r;
	d = hoststate_find_device(f->hs, ifname);
	if (!d)
		return leave(f, -ENODEV, err);
	if (s->send.set_private_key) {
		memcpy(d->private_key, s->private_key, WG_KEY_LEN);
		d->has_private_key = !all_zero(s->private_key, WG_KEY_LEN);
	}
	if (s->send.set_listen_port)
		d->listen_port = s->listen_port;
	if (s->send.set_fwmark)
		d->fwmark = s->fwmark;
	for (size_t i = 0; i < s->n_peers && r == 0; i++)
		r = peer_set(d, &s->peers[i]);
	hoststate_normalize(f->hs);
	return leave(f, r, err);
}
