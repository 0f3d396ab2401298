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

struct render_exits;

/* An exit's entries for the hosts that send through it (render_exit_side.c). */
int render_exit_side(struct render_ctx *c);
/* A host using exit groups: fills *ex (render_exits), makes a tunnel device
 * per member and moves what the main device routed to a member onto it
 * (render_exit_host.c). Before render_routes. */
int render_exit_host(struct render_ctx *c, struct render_exits *ex);
/* The groups' tables (switched default routes) and the policy rules. */
int render_exit_rules(struct render_ctx *c, const struct render_exits *ex);
/* The fwmark of h's tunnels: the network's, else EXIT_FWMARK_DEFAULT when h sends
 * its own traffic through an exit group. */
uint32_t render_exit_fwmark(const struct model *m, const struct model_host *h);

/* The device's peers: the hosts it peers with directly, the peers attached to
 * it, and everything else of its network on the entry that reaches it. */
int render_peers(struct render_ctx *c);

/* hp's preshared key with this host, when p declares one (render_psk.c). */
int render_peer_psk(const struct render_ctx *c, const struct model_peer *p, struct hs_peer *hp);

/* The Host's own `dns` on its interface (render_dns.c); nothing when it has none. */
int render_dns(const struct model_host *h, struct host_state *hs);
