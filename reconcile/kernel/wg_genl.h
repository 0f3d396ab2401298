/* WireGuard's generic netlink family (the kernel module). The message builder
 * and the dump parsers are exposed for the unit tests and fuzzers. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <libmnl/libmnl.h>

#include "reconcile/kernel/wg_device.h"

#ifndef MNL_SOCKET_DUMP_SIZE
#define MNL_SOCKET_DUMP_SIZE 32768
#endif

int wg_genl_get_device(const char *ifname, struct hs_device *out);
int wg_genl_set_device(const char *ifname, const struct wg_device_set *s);

/* Generic netlink: one WG_CMD_SET_DEVICE message is ready in buf; nlmsg_seq is
 * for the callee to fill. Returns 0 or a negative errno (which stops the build). */
typedef int (*wg_genl_emit_fn)(struct nlmsghdr *nlh, void *ctx);
/* Splits s into as many messages of at most buf_len bytes as needed, each
 * carrying WGDEVICE_A_IFNAME; device attributes only in the first message;
 * a peer continued in a later message carries only its public key (and
 * WGPEER_F_UPDATE_ONLY if it was asked for) plus the remaining allowed IPs.
 * buf is zeroed after every message (it held keys). */
int wg_genl_build_set(const char *ifname, uint16_t family_id, const struct wg_device_set *s,
		      void *buf, size_t buf_len, wg_genl_emit_fn emit, void *ctx);
/* Merges one WG_CMD_GET_DEVICE dump message into dev (a peer whose public key
 * equals the last peer's continues it). Returns 0 or a negative errno. */
int wg_genl_parse_device_msg(const struct nlmsghdr *nlh, struct hs_device *dev);
/* Runs one received buffer of a WG_CMD_GET_DEVICE dump through the callbacks the
 * live receive path uses (libmnl's framing checks, NLM_F_DUMP_INTR, the error in
 * NLMSG_ERROR or NLMSG_DONE), merging device messages into dev. seq and portid
 * as for mnl_cb_run2 (0 accepts any). Returns 1 when more buffers follow, 0
 * when the dump is complete, or a negative errno (-EINTR: retry the dump). */
int wg_genl_parse_dump(const void *buf, size_t len, uint32_t seq, uint32_t portid, struct hs_device *dev);
/* 0 and the family id, -ENOENT without the module, or another negative errno. */
int wg_genl_resolve_family(uint16_t *family_id);
