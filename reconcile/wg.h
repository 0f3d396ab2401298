/* WireGuard device get/set, through the kernel's generic netlink family or a
 * userspace implementation's UAPI socket (/var/run/wireguard/<ifname>.sock).
 * Selection follows wg(8): if the UAPI socket exists the interface is userspace,
 * otherwise kernel. All functions return 0 or a negative errno. */
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

/* Which backend serves ifname now: USERSPACE if its UAPI socket exists, else KERNEL. */
enum hs_backend wg_backend_detect(const char *ifname);
/* True if the kernel has the "wireguard" generic netlink family (module loaded or loadable). */
bool wg_kernel_available(void);

/* Fills private key, listen port, fwmark and peers (with handshake/counter status).
 * Does not touch out->ifname, addresses, mtu or up. -ENODEV if the device is absent. */
int wg_get_device(const char *ifname, enum hs_backend backend, struct hs_device *out);
/* Sends the changes in as few messages as possible, never with replace-peers. */
int wg_set_device(const char *ifname, enum hs_backend backend, const struct wg_device_set *s);

/* Backends (wg_uapi.c, wg_genl.c). */
int wg_uapi_get_device(const char *ifname, struct hs_device *out);
int wg_uapi_set_device(const char *ifname, const struct wg_device_set *s);
int wg_genl_get_device(const char *ifname, struct hs_device *out);
int wg_genl_set_device(const char *ifname, const struct wg_device_set *s);

/* Starts `wireguard_go IFNAME` (it daemonizes) and waits until its UAPI socket
 * answers. wireguard_go NULL means "wireguard-go" from PATH, or $WGF_WIREGUARD_GO. */
int wg_userspace_start(const char *ifname, const char *wireguard_go);
