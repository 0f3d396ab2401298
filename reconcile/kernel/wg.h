/* WireGuard device get/set, through the kernel's generic netlink family or a
 * userspace implementation's UAPI socket (/var/run/wireguard/<ifname>.sock).
 * Selection follows wg(8): if the UAPI socket exists the interface is userspace,
 * otherwise kernel. All functions return 0 or a negative errno. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reconcile/kernel/wg_device.h"

/* Which backend serves ifname now: USERSPACE if its UAPI socket exists, else KERNEL. */
enum hs_backend wg_backend_detect(const char *ifname);
/* True if the kernel has the "wireguard" generic netlink family (module loaded or loadable). */
bool wg_kernel_available(void);

/* Fills private key, listen port, fwmark and peers (with handshake/counter status).
 * Does not touch out->ifname, addresses, mtu or up. -ENODEV if the device is absent. */
int wg_get_device(const char *ifname, enum hs_backend backend, struct hs_device *out);
/* Sends the changes in as few messages as possible, never with replace-peers. */
int wg_set_device(const char *ifname, enum hs_backend backend, const struct wg_device_set *s);

/* Starts `wireguard_go IFNAME` (it daemonizes) and waits until its UAPI socket
 * answers. wireguard_go NULL means "wireguard-go" from PATH, or $WGF_WIREGUARD_GO. */
int wg_userspace_start(const char *ifname, const char *wireguard_go);
