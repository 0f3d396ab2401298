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
	struct hs_peer_fields send;    /* which of peer's values go out */
};

struct wg_device_set {
	struct hs_device_fields send;  /* which of the values below go out */
	const uint8_t *private_key;    /* WG_KEY_LEN bytes */
	uint16_t listen_port;
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
