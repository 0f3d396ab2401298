/* Observe: read what the kernel has for the interfaces wgf cares about. */
#pragma once
#include <stddef.h>

#include "model/error.h"
#include "model/hoststate.h"
#include "reconcile/plan/fw_record.h"
#include "reconcile/kernel/kernel.h"

struct observe_opts {
	const char *const *ifnames;    /* desired and owned interfaces */
	size_t n_ifnames;
	const char *const *sysctl_keys;
	size_t n_sysctl_keys;
};

/* Returns 0 and a normalized *out. An interface that exists but is not a WireGuard
 * device (kernel kind "wireguard" or a userspace UAPI socket) is an error: wgf
 * will not take over a link it cannot manage. */
int observe_host(struct kernel *k, const struct observe_opts *o, struct host_state **out,
		 struct wgf_error *err);

/* The nftables table wgf owns (HS_FW_FAMILY HS_FW_TABLE) as the kernel lists it
 * (stateless): present and body set when it exists. When applied (wgf's record,
 * may be NULL) carries the ruleset stamp of its listing and the kernel's stamp is
 * still the same, the recorded listing is used without reading the table. Returns
 * 0 or a negative errno, said in err. */
int observe_firewall(struct kernel *k, struct hs_firewall *out, const struct fw_record *applied,
		     struct wgf_error *err);
