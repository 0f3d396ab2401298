/* Invariants of a parsed WireGuard device, shared by fuzz_uapi and fuzz_genl:
 * what wg_device_take promises (peers sorted with unique keys, allowed IPs
 * sorted, unique, within their family's bounds), and that sending the device
 * back out through either backend's "set" builder and parsing that again
 * gives the same device. A violation calls abort(). */
#pragma once
#include <errno.h>
#include <linux/genetlink.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "reconcile/kernel/wg_genl.h"
#include "reconcile/kernel/wg_uapi.h"

#define CHECK_ERRNO_RANGE(r) do { if ((r) > 0 || (r) < -4095) abort(); } while (0)

static void wg_check_device(const struct hs_device *d)
{
	static const uint8_t zero[16];

	if (d->has_private_key == key_is_zero(d->private_key))
		abort();
	for (size_t i = 0; i < d->n_peers; i++) {
		const struct hs_peer *p = &d->peers[i];

		if (i && hs_peer_cmp(&d->peers[i - 1], p) >= 0)
			abort();   /* unsorted, or a public key twice */
		if (p->has_psk == key_is_zero(p->psk))
			abort();
		if (p->endpoint.family && p->endpoint.family != AF_INET && p->endpoint.family != AF_INET6)
			abort();
		for (size_t j = 0; j < p->n_allowed_ips; j++) {
			const struct wgf_prefix *a = &p->allowed_ips[j];

			if ((a->family != AF_INET && a->family != AF_INET6) || a->len > prefix_max_len(a->family) ||
			    (a->family == AF_INET && memcmp(a->addr + 4, zero, 12)))
				abort();
			if (j && prefix_cmp(&p->allowed_ips[j - 1], a) >= 0)
				abort();
		}
	}
}

/* The configuration (not the status counters) of a and b is the same. */
static bool wg_device_config_equal(const struct hs_device *a, const struct hs_device *b)
{
	if (a->has_private_key != b->has_private_key || memcmp(a->private_key, b->private_key, WG_KEY_LEN) ||
	    a->listen_port != b->listen_port || a->fwmark != b->fwmark || a->n_peers != b->n_peers)
		return false;
	for (size_t i = 0; i < a->n_peers; i++) {
		const struct hs_peer *p = &a->peers[i], *q = &b->peers[i];

		if (memcmp(p->public_key, q->public_key, WG_KEY_LEN) || p->has_psk != q->has_psk ||
		    memcmp(p->psk, q->psk, WG_KEY_LEN) || !endpoint_equal(&p->endpoint, &q->endpoint) ||
		    p->keepalive != q->keepalive || p->n_allowed_ips != q->n_allowed_ips)
			return false;
		for (size_t j = 0; j < p->n_allowed_ips; j++)
			if (!prefix_equal(&p->allowed_ips[j], &q->allowed_ips[j]))
				return false;
	}
	return true;
}

/* Everything of d, as a full "set": key, port, fwmark, every peer field. */
static struct wg_peer_set *wg_full_set(const struct hs_device *d, struct wg_device_set *s)
{
	struct wg_peer_set *ps = calloc(d->n_peers + 1, sizeof(*ps));

	if (!ps)
		abort();
	for (size_t i = 0; i < d->n_peers; i++)
		ps[i] = (struct wg_peer_set){ .peer = &d->peers[i], .send.set_psk = true, .send.set_endpoint = true,
					      .send.set_keepalive = true, .send.replace_allowed_ips = true };
	*s = (struct wg_device_set){
		.send.set_private_key = d->has_private_key, .private_key = d->private_key,
		.send.set_listen_port = true, .listen_port = d->listen_port,
		.send.set_fwmark = true, .fwmark = d->fwmark,
		.peers = ps, .n_peers = d->n_peers,
	};
	return ps;
}

/* d as a UAPI "set" request, answered as if it were a "get" reply, parses back to d. */
static void wg_check_uapi_roundtrip(const struct hs_device *d)
{
	struct hs_device back = { 0 };
	struct wg_device_set s;
	struct wg_peer_set *ps = wg_full_set(d, &s);
	char *req = NULL, *reply;
	size_t len = 0;

	if (wg_uapi_build_set(&s, &req, &len) < 0 || len < 2 || req[len - 1] != '\n')
		abort();
	/* "set=1" and "replace_allowed_ips=true" are keys a get reply ignores */
	reply = malloc(len + sizeof("errno=0\n\n"));
	if (!reply)
		abort();
	memcpy(reply, req, len - 1);
	memcpy(reply + len - 1, "errno=0\n\n", sizeof("errno=0\n\n"));
	if (wg_uapi_parse_get(reply, len - 1 + sizeof("errno=0\n\n") - 1, &back) != 0 ||
	    !wg_device_config_equal(d, &back))
		abort();
	hs_device_clear(&back);
	free(reply);
	free(req);
	free(ps);
}

static int wg_check_emit(struct nlmsghdr *nlh, void *ctx)
{
	if (!mnl_nlmsg_ok(nlh, (int)nlh->nlmsg_len))
		abort();
	return wg_genl_parse_device_msg(nlh, ctx);
}

/* d as generic netlink "set" messages of at most buf_len bytes (peers split
 * across them) parses back to d: the set and dump layouts are the same. */
static void wg_check_genl_roundtrip(const struct hs_device *d, size_t buf_len)
{
	struct hs_device merged = { 0 }, back = { 0 };
	struct wg_device_set s;
	struct wg_peer_set *ps = wg_full_set(d, &s);
	void *buf = malloc(buf_len);
	int r;

	if (!buf)
		abort();
	r = wg_genl_build_set("fz0", 0x20, &s, buf, buf_len, wg_check_emit, &merged);
	if (r == -EMSGSIZE && buf_len < 8192)
		goto out;   /* one peer's first fragment does not fit a small message */
	if (r != 0 || wg_device_take(&back, &merged, HS_BACKEND_KERNEL) != 0 || !wg_device_config_equal(d, &back))
		abort();
out:
	hs_device_clear(&merged);
	hs_device_clear(&back);
	free(buf);
	free(ps);
}
