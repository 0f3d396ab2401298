/* An in-memory kernel behind struct kernel_ops (reconcile/kernel/kernel.h), for
 * unit tests of observe, apply and rollback without root: WireGuard links with
 * their devices and addresses, wgf's routes and policy rules, sysctls and the one nftables
 * table; a log of every call in order; and failures injected on demand (the
 * Nth call of an operation fails with an errno and the kernel's words). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "model/hoststate.h"
#include "reconcile/kernel/kernel.h"

enum kernel_fake_op {
	KF_LINK_GET, KF_LINK_ADD_WIREGUARD, KF_LINK_DEL, KF_LINK_SET,
	KF_ADDR_LIST, KF_ADDR_ADD, KF_ADDR_DEL,
	KF_ROUTE_LIST, KF_ROUTE_REPLACE, KF_ROUTE_DEL,
	KF_RULE_LIST, KF_RULE_ADD, KF_RULE_DEL,
	KF_WG_BACKEND_DETECT, KF_WG_KERNEL_AVAILABLE, KF_WG_GET_DEVICE, KF_WG_SET_DEVICE,
	KF_WG_USERSPACE_START,
	KF_SYSCTL_READ, KF_SYSCTL_WRITE,
	KF_NFT_GET, KF_NFT_REPLACE, KF_NFT_CHECK, KF_NFT_PATCH, KF_NFT_PATCH_CHECK, KF_NFT_DELETE,
	KF_NFT_STAMP, KF_PING, KF_PING_MANY,
	KF_DNS_MANAGER, KF_DNS_GET, KF_DNS_SET, KF_DNS_DELETE,
	KF_OP_MAX
};

struct kernel_fake_call {
	enum kernel_fake_op op;
	char what[64];             /* the object: "wg0", "10.0.0.1/24" (address, route), a sysctl key, "inet wgf" */
	size_t n_peers, n_removed; /* KF_WG_SET_DEVICE: peers sent, and how many of them were removals */
	bool device;               /* KF_WG_SET_DEVICE: device settings were sent */
	int result;
};

struct kernel_fake {
	struct kernel k;           /* first: &f->k is the struct kernel * to hand out */
	struct host_state *hs;     /* the state: devices are the links (ifindex, backend set) */
	int next_ifindex;
	bool wg_kernel;            /* what wg_kernel_available answers (default true) */
	uint32_t nft_genid;        /* bumped by every nftables commit */
	struct wgf_prefix unreachable[4];  /* ping: these addresses do not answer */
	uint32_t rtt_us;           /* ping_many: the round trip of every answer */
	size_t n_unreachable;
	/* DNS: f->hs->dns and f->hs->dns_manager (UNKNOWN answers as NONE). With
	 * systemd-resolved a link's DNS goes with the link; a resolvconf record
	 * outlives it. */
	struct kernel_fake_call *calls;
	size_t n_calls, cap_calls;
	struct kernel_fake_fault {
		enum kernel_fake_op op;
		unsigned countdown;    /* calls of op left until it fails (1: the next) */
		int error;             /* negative errno */
		char text[256];        /* the kernel's words ("" none) */
	} faults[8];
	size_t n_faults;
};

struct kernel_fake *kernel_fake_new(void);
/* Also reachable as kernel_free(&f->k). Accepts NULL. */
void kernel_fake_free(struct kernel_fake *f);

/* The nth call of op from now on (1: the next one) fails with error (negative)
 * and text as the kernel's words (NULL: none). */
void kernel_fake_fail(struct kernel_fake *f, enum kernel_fake_op op, unsigned nth, int error, const char *text);
/* Forgets the log (and pending faults). */
void kernel_fake_reset_log(struct kernel_fake *f);
/* A sysctl that exists (only those can be read and written). */
int kernel_fake_add_sysctl(struct kernel_fake *f, const char *key, const char *value);

const char *kernel_fake_op_name(enum kernel_fake_op op);
/* Changes the kernel (as opposed to reading it or a dry run). */
bool kernel_fake_op_writes(enum kernel_fake_op op);
size_t kernel_fake_writes(const struct kernel_fake *f);

/* The whole state as text, secrets as fingerprints, ifindexes left out (a link
 * that is recreated gets a new one): equal texts, equal kernels. Caller frees. */
char *kernel_fake_dump(const struct kernel_fake *f);
