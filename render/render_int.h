/* Private to render/render_*.c: one host's rendering in progress. */
#pragma once
#include "render/render.h"

/* What a host behind NAT sends its hubs and links to keep its mapping open,
 * when the Network sets no keepalive. */
#define RENDER_NAT_KEEPALIVE 25

struct render_ctx {
	const struct model *m;
	const struct model_host *h;
	size_t host_index;
	const struct render_opts *o;
	struct host_state *hs;
	struct hs_device *dev;
	size_t serving;                /* attached: the hub that carries the network; else MODEL_NONE */
	size_t *entry;                 /* per model host: its index in dev->peers, or MODEL_NONE */
};

/* The device's peers: the hosts it peers with directly, the peers attached to
 * it, and everything else of its network on the entry that reaches it. */
int render_peers(struct render_ctx *c);

/* hp's preshared key with this host, when p declares one (render_psk.c). */
int render_peer_psk(const struct render_ctx *c, const struct model_peer *p, struct hs_peer *hp);

/* The Host's own `dns` on its interface (render_dns.c); nothing when it has none. */
int render_dns(const struct model_host *h, struct host_state *hs);
