/* After an import: what wgf would change on each Host's peers, said where its
 * file declares them, so that adopting a host holds no surprise. */
#include "render/import.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "model/model.h"
#include "model/seal.h"
#include "render/render.h"

/* "10.40.0.1/32, 10.40.0.10/32, … (5)" */
static const char *list_text(const struct wgf_prefix *v, size_t n, char *buf, size_t len)
{
	char pf[PREFIX_STRLEN];
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && i < 4 && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", prefix_format(&v[i], pf));
	if (n > 4 && used < len)
		snprintf(buf + used, len - used, ", … (%zu)", n);
	if (!n)
		snprintf(buf, len, "none");
	return buf;
}

static int compare_peer(const struct wgquick_peer *e, const struct hs_peer *want, const char *host, struct diag *d)
{
	struct wgf_prefix *have = calloc(e->n_allowed_ips ? e->n_allowed_ips : 1, sizeof(*have));
	uint16_t keepalive = e->has_keepalive ? e->keepalive : 0;
	size_t n;
	char buf[256];

	if (!have)
		return -ENOMEM;
	memcpy(have, e->allowed_ips, e->n_allowed_ips * sizeof(*have));
	n = prefix_sort_unique(have, e->n_allowed_ips);
	if (n != want->n_allowed_ips || memcmp(have, want->allowed_ips, n * sizeof(*have)))
		diag_warn(d, &e->allowed_ips_loc, "on host %s, wgf gives this peer AllowedIPs %s (what reaches it "
			  "through this entry): its plan changes them", host,
			  list_text(want->allowed_ips, want->n_allowed_ips, buf, sizeof(buf)));
	if (e->has_psk != want->has_psk)
		diag_warn(d, e->has_psk ? &e->psk_loc : &e->loc, "on host %s, wgf gives this peer %s preshared key: "
			  "its plan changes it", host, want->has_psk ? "a" : "no");
	else if (e->has_psk && want->has_psk_id) {
		uint8_t id[SEAL_ID_LEN];

		seal_psk_id(e->psk, id);
		if (sodium_memcmp(id, want->psk_id, SEAL_ID_LEN))
			diag_warn(d, &e->psk_loc, "on host %s, wgf gives this peer another preshared key: its plan "
				  "changes it", host);
	}
	if (keepalive != want->keepalive)
		diag_warn(d, e->has_keepalive ? &e->keepalive_loc : &e->loc, "on host %s, wgf gives this peer "
			  "PersistentKeepalive %u: its plan changes it", host, want->keepalive);
	free(have);
	return 0;
}

static int check_host(const struct model *m, const struct model_host *h, const struct wgquick_conf *c,
		      struct diag *d)
{
	struct render_opts o = {0};
	struct host_state *hs = NULL;
	const struct hs_device *dev;
	char b64[WG_KEY_B64_LEN];
	int r = render_host(m, h, &o, &hs);

	if (r < 0)
		return r;
	dev = hoststate_find_device(hs, h->ifname);
	for (size_t i = 0; dev && i < c->n_peers && r == 0; i++) {
		const struct hs_peer *want = hs_device_find_peer(dev, c->peers[i].public_key);

		if (!want)
			diag_warn(d, &c->peers[i].loc, "wgf has no such peer on host %s: its plan removes it", h->meta.name);
		else
			r = compare_peer(&c->peers[i], want, h->meta.name, d);
	}
	for (size_t i = 0; dev && i < dev->n_peers; i++)
		if (!wgquick_find_peer(c, dev->peers[i].public_key))
			diag_warn(d, &c->interface_loc, "on host %s, wgf adds peer %s (%s)", h->meta.name,
				  dev->peers[i].name ? dev->peers[i].name : "?", key_to_base64(dev->peers[i].public_key, b64));
	hoststate_free(hs);
	return r;
}

int import_check_adoption(const struct model *m, struct wgquick_conf *const *confs, size_t n, struct diag *d)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t pub[WG_KEY_LEN];
		const struct model_host *h;
		int r;

		if (!confs[i]->has_private_key || key_public_from_private(pub, confs[i]->private_key) < 0 ||
		    !(h = model_find_host_by_key(m, pub)))
			continue;
		if ((r = check_host(m, h, confs[i], d)) < 0)
			return r;
	}
	return 0;
}
