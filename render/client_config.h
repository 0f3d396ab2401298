/* A Peer's wg-quick configuration (what `wgf peer config` prints). Pure. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "model/model.h"

struct client_config_opts {
	int64_t now;                   /* unix seconds: a disabled or expired peer has no config */
	const uint8_t *private_key;    /* WG_KEY_LEN, or NULL: a placeholder line */
	/* Per hub of the peer (parallel to p->hubs): its opened preshared key, or
	 * NULL where none is declared. A declared one left NULL is an error. */
	const uint8_t *const *psks;
};

/* The placeholder's text, so callers can tell a config still waits for its key. */
#define CLIENT_CONFIG_KEY_PLACEHOLDER "(this device's own private key)"

/* Returns 0 and *out (a NUL-terminated text; the caller zeroes it before free
 * when a key is in it); -ENOENT when no hub configures the peer (disabled,
 * expired); -ENOKEY when a declared preshared key was not given; -ENOMEM. */
int client_config_render(const struct model *m, const struct model_peer *p, const struct client_config_opts *o,
			 char **out, size_t *len);
