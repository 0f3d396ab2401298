/* WireGuard's userspace API (wireguard-go): WG_UAPI_DIR/<ifname>.sock. The
 * parsers and the request builder are exposed for the unit tests and fuzzers. */
#pragma once
#include <stddef.h>

#include "reconcile/kernel/wg_device.h"

int wg_uapi_get_device(const char *ifname, struct hs_device *out);
int wg_uapi_set_device(const char *ifname, const struct wg_device_set *s);

/* UAPI: parses a complete "get" reply (it ends with "errno=N\n\n") into out,
 * replacing out's key, port, fwmark and peers. buf is modified in place.
 * A non-zero errno in the reply is returned as -abs(N). */
int wg_uapi_parse_get(char *buf, size_t len, struct hs_device *out);
/* UAPI: the reply to a "set" request ("errno=N\n\n"): 0, -abs(N), or -EPROTO. */
int wg_uapi_parse_set_reply(const char *buf, size_t len);
/* UAPI: the whole "set=1\n…\n" request. The caller zeroes and frees *out. */
int wg_uapi_build_set(const struct wg_device_set *s, char **out, size_t *out_len);

