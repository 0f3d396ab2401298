/* What both WireGuard backends share: the change set they send, the interface
 * names they accept, and how a device read from either becomes observed state. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/hoststate.h"

#define WG_UAPI_DIR "/var/run/wireguard"

struct wg_peer_set {
	const struct hs_peer *peer;    /* public key and the values to send */
	bool remove;                   /* remove this peer (nothing else is sent) */
	bool update_only;              /* do not create the peer if it is absent */
	bool set_psk;                  /* send peer->psk, or zeros to clear when !has_psk */
	bool set_endpoint;             /* send peer->endpoint (only when family != 0) */
	bool set_keepalive;            /* send peer->keepalive (0 clears) */
	bool replace_allowed_ips;      /* replace the list with peer->allowed_ips */
};

struct wg_device_set {
	bool set_private_key;
	const uint8_t *private_key;    /* WG_KEY_LEN bytes */
	bool set_listen_port;
	uint16_t listen_port;
	bool set_fwmark;
	uint32_t fwmark;
	const struct wg_peer_set *peers;
	size_t n_peers;
};

/* Not empty, shorter than IFNAMSIZ, no '/', not "." or "..". */
bool wg_ifname_valid(const char *ifname);
/* Normalizes from (peers and allowed IPs sorted) and moves its key, port, fwmark
 * and peers into out, whose old peers are freed; sets out->backend. -EPROTO (and
 * out untouched) when two peers have the same public key. */
int wg_device_take(struct hs_device *out, struct hs_device *from, enum hs_backend backend);
