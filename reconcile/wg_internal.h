/* Internals of the WireGuard backends (wg.c, wg_uapi.c, wg_genl.c), exposed
 * for their unit tests and fuzzers. Not part of the reconcile/ API. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libmnl/libmnl.h>

#include "reconcile/wg.h"

#ifndef MNL_SOCKET_DUMP_SIZE
#define MNL_SOCKET_DUMP_SIZE 32768
#endif

/* Not empty, shorter than IFNAMSIZ, no '/', not "." or "..". */
bool wg_ifname_valid(const char *ifname);
/* Normalizes from (peers and allowed IPs sorted) and moves its key, port, fwmark
 * and peers into out, whose old peers are freed; sets out->backend. -EPROTO (and
 * out untouched) when two peers have the same public key. */
int wg_device_take(struct hs_device *out, struct hs_device *from, enum hs_backend backend);

/* UAPI: parses a complete "get" reply (it ends with "errno=N\n\n") into out,
 * replacing out's key, port, fwmark and peers. buf is modified in place.
 * A non-zero errno in the reply is returned as -abs(N). */
int wg_uapi_parse_get(char *buf, size_t len, struct hs_device *out);
/* UAPI: the reply to a "set" request ("errno=N\n\n"): 0, -abs(N), or -EPROTO. */
int wg_uapi_parse_set_reply(const char *buf, size_t len);
/* UAPI: the whole "set=1\n…\n" request. The caller zeroes and frees *out. */
int wg_uapi_build_set(const struct wg_device_set *s, char **out, size_t *out_len);

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
