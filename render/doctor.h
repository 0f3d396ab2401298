/* wgf doctor's verdicts: what each check found (ok, warning, problem), one
 * line of it and, unless ok, one line of what to do; and the pure analyses
 * behind them (reverse-path filtering, forwarding, MTU against the underlay,
 * other nftables tables, the UDP sockets of /proc/net/udp). No I/O: the
 * checks in reconcile/host/doctor*.c read the host and call these. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"

#define DOCTOR_TEXT_LEN 512

enum doctor_status {
	DOCTOR_OK = 0,
	DOCTOR_WARNING,
	DOCTOR_PROBLEM,
};

struct doctor_result {
	enum doctor_status status;
	char message[DOCTOR_TEXT_LEN];   /* what was found */
	char hint[DOCTOR_TEXT_LEN];      /* what to do; "" when ok */
};

const char *doctor_status_name(enum doctor_status s);    /* "ok", "warning", "problem" */
/* Sets status and message; the hint is cleared. */
void doctor_say(struct doctor_result *r, enum doctor_status s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void doctor_hint(struct doctor_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends "; " and more to the message (truncated at DOCTOR_TEXT_LEN). */
void doctor_append(struct doctor_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Raises r's status to at least s. */
void doctor_raise(struct doctor_result *r, enum doctor_status s);

/* A host routes tunnel traffic (between peers, to its LANs, to the internet). */
bool doctor_role_routes(enum host_role role);

/* rp_filter: the kernel applies the larger of conf.all and conf.IFACE (0 off,
 * 1 strict, 2 loose). Strict where the host routes tunnel traffic: a problem
 * when its routes are asymmetric (policy routing, LANs behind it), else a
 * warning; anything else is ok. */
int doctor_rp_filter_effective(int all, int iface);
enum doctor_status doctor_rp_filter_status(int effective, bool routes, bool asymmetric);

/* WireGuard's overhead on the underlay: 60 bytes over IPv4 (20 IP + 8 UDP + 32
 * WireGuard), 80 over IPv6 (40 IP). *need: the path MTU the interface MTU needs. */
uint32_t doctor_wg_overhead(int family);
enum doctor_status doctor_mtu_status(uint32_t wg_mtu, uint32_t path_mtu, int family, uint32_t *need);

/* What another table of the ruleset does to tunnel traffic. */
enum doctor_nft_kind {
	DOCTOR_NFT_FORWARD_POLICY,     /* a forward hook's policy drop, nothing accepts the interface */
	DOCTOR_NFT_FORWARD_RULE,       /* a rule in a forward hook drops the interface's traffic */
	DOCTOR_NFT_INPUT_POLICY,       /* an input hook's policy drop, nothing accepts the listen port */
	DOCTOR_NFT_INPUT_RULE,         /* a rule in an input hook drops the listen port */
};

struct doctor_nft_finding {
	enum doctor_nft_kind kind;
	char family[8], table[64], chain[64];
	uint64_t handle;               /* the rule's (0 for a policy) */
};

#define DOCTOR_NFT_MAX_FINDINGS 8
/* Reads `nft -j list ruleset` (json, len bytes) and finds the base chains of
 * tables other than wgf's own (inet wgf) that drop the traffic of interface
 * ifname in the forward hook or UDP to port (0: none) in the input hook.
 * Rules are followed in order (jumps and gotos too, 16 deep); a rule decides
 * when everything it matches holds for all such traffic (the interface by
 * name, the port, counters and logging), a partial one (ct state, addresses)
 * is passed over. Returns the number of findings (at most max, into out), or
 * -EBADMSG when json is not nft's ruleset, -ENOMEM. */
int doctor_nft_analyse(const char *json, size_t len, const char *ifname, uint16_t port,
		       struct doctor_nft_finding *out, size_t max);
/* "table ip filter chain FORWARD: policy drop" into buf. */
const char *doctor_nft_finding_text(const struct doctor_nft_finding *f, char *buf, size_t len);

/* A UDP socket bound to a local port, from /proc/net/udp or udp6. */
struct doctor_udp_socket {
	uint16_t port;
	uint32_t uid;
	uint64_t inode;                /* 0: the kernel's own (kernel WireGuard) */
};
/* Reads the text of /proc/net/udp{,6} (len bytes) and stores the sockets bound
 * to port (at most max into out). Returns how many there are (may exceed max),
 * -EBADMSG when the text is not that table. */
int doctor_udp_parse(const char *text, size_t len, uint16_t port, struct doctor_udp_socket *out, size_t max);
