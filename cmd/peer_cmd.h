/* wgf peer's own parts (cmd/peer.c, cmd/peer_new.c). */
#pragma once
#include "cmd/peer.h"
#include "cmd/wgf.h"

#define PEER_MAX_HUBS 16

enum {
	PEER_OPT_PRIVATE_KEY = 0x300, PEER_OPT_IDENTITY, PEER_OPT_HUB, PEER_OPT_TENANT, PEER_OPT_ACCESS,
	PEER_OPT_NETWORK, PEER_OPT_PSK, PEER_OPT_FILE, PEER_OPT_QR, PEER_OPT_FORMAT,
};

struct peer_args {
	struct cmd_ctx c;
	const char *sub, *name;
	const char *private_key_file, *identity, *tenant, *access, *network, *file;
	const char *hubs[PEER_MAX_HUBS];
	size_t n_hubs;
	bool psk;
	struct peer_output out;
};

/* The Peer by name, or NULL after saying so. */
const struct model_peer *peer_find(const struct model *m, const char *name);
/* Renders p's config (private_key may be NULL) and writes it as a->out says;
 * its preshared keys are known_psks (parallel to p->hubs), or NULL: opened with
 * the identity. -1 after saying why. */
int peer_print_config(const struct peer_args *a, const struct model *m, const struct model_peer *p,
		      const uint8_t *private_key, const uint8_t *const *known_psks);
int peer_new(struct peer_args *a);
int peer_rotate(struct peer_args *a);
