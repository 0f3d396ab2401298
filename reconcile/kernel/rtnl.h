/* rtnetlink through libmnl: links, addresses, wgf's own routes and policy rules.
 * All functions return 0 or a negative errno, also stored in err (may be NULL)
 * with, as its msg, the kernel's extended-ack text when it sent one. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>

#include "model/error.h"
#include "model/hoststate.h"
#include "model/prefix.h"

/* wgf's routing protocol number (rtm_protocol, FRA_PROTOCOL): wgf lists and deletes
 * only routes and rules carrying it (rules also only in HS_RULE_PRIO_MIN..MAX). Listed in /etc/iproute2/rt_protos.d/wgf.conf by `make install`. */
#define RTPROT_WGF 157

struct rtnl;

struct rtnl_link_info {
	int ifindex;
	char ifname[IFNAMSIZ];
	char kind[32];         /* IFLA_INFO_KIND: "wireguard", "tun", "" … */
	uint32_t mtu;
	bool up;               /* IFF_UP */
};

int rtnl_open(struct rtnl **out);
void rtnl_free(struct rtnl *r);

/* -ENODEV if absent. */
int rtnl_link_get(struct rtnl *r, const char *ifname, struct rtnl_link_info *out, struct wgf_error *err);
int rtnl_link_add_wireguard(struct rtnl *r, const char *ifname, struct wgf_error *err);
int rtnl_link_del(struct rtnl *r, int ifindex, struct wgf_error *err);
/* mtu 0 = leave; up: set IFF_UP when true (never takes a link down). */
int rtnl_link_set(struct rtnl *r, int ifindex, uint32_t mtu, bool up, struct wgf_error *err);

/* Global (scope universe) addresses on ifindex; IPv6 link-local is skipped. */
int rtnl_addr_list(struct rtnl *r, int ifindex, struct wgf_prefix **out, size_t *n,
		   struct wgf_error *err);
int rtnl_addr_add(struct rtnl *r, int ifindex, const struct wgf_prefix *p, struct wgf_error *err);
int rtnl_addr_del(struct rtnl *r, int ifindex, const struct wgf_prefix *p, struct wgf_error *err);

/* Routes with rtm_protocol == RTPROT_WGF, all tables, both families, of type
 * unicast (ifname filled from the output interface), blackhole or throw (ifname
 * ""); prefsrc when the route has one. */
int rtnl_route_list(struct rtnl *r, struct hs_route **out, size_t *n, struct wgf_error *err);
/* Add or replace (NLM_F_REPLACE) a route with protocol RTPROT_WGF; ifindex is
 * ignored for a blackhole or throw route. have/n_have are
 * wgf's routes as the caller last listed them (apply knows them from observing), so
 * that a metric change can remove the old route; have NULL lists them here. */
int rtnl_route_replace(struct rtnl *r, int ifindex, const struct hs_route *rt,
		       const struct hs_route *have, size_t n_have, struct wgf_error *err);
int rtnl_route_del(struct rtnl *r, int ifindex, const struct hs_route *rt, struct wgf_error *err);

/* wgf's policy rules, both families: FRA_PROTOCOL RTPROT_WGF, a priority in
 * [HS_RULE_PRIO_MIN, HS_RULE_PRIO_MAX], a lookup, and nothing struct hs_rule
 * cannot say (a rule with, say, an oif or a uid range is not wgf's). Canonical
 * as hoststate_normalize leaves them, in the kernel's order. */
int rtnl_rule_list(struct rtnl *r, struct hs_rule **out, size_t *n, struct wgf_error *err);
/* Adds the rule with FRA_PROTOCOL RTPROT_WGF; -EINVAL for a priority outside
 * wgf's range, -EEXIST when the kernel has it. */
int rtnl_rule_add(struct rtnl *r, const struct hs_rule *rule, struct wgf_error *err);
/* Deletes exactly that rule of wgf's (every attribute matches); -ENOENT when it
 * is not there. */
int rtnl_rule_del(struct rtnl *r, const struct hs_rule *rule, struct wgf_error *err);

/* The route the kernel would take to dst (ip route get): its output link and
 * MTUs; route_mtu is the route's mtu metric (0: none), link_mtu the output
 * link's. -ENETUNREACH, -EHOSTUNREACH, … when there is none. */
struct rtnl_route_info {
	int oif;
	char ifname[IFNAMSIZ];
	uint8_t type;          /* RTN_UNICAST, RTN_LOCAL, … */
	uint32_t route_mtu, link_mtu;
};
int rtnl_route_get(struct rtnl *r, const struct wgf_endpoint *dst, struct rtnl_route_info *out,
		   struct wgf_error *err);
