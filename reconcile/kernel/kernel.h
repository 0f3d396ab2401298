/* The kernel as observe and apply see it: one table of operations behind a
 * handle. kernel_open() gives the real one (rtnetlink, WireGuard genetlink or
 * UAPI, sysctls, libnftables); the unit tests put an in-memory one behind the
 * same table (tests/unit/kernel_fake.h). reconcile/host/ calls the kernel only
 * through these (tests/check-layers checks it).
 *
 * Every operation that can fail returns 0 or a negative errno, also stored in
 * err (last, may be NULL) with, as its msg, the kernel's own words when it gave
 * any (an extended ack, libnftables' error text); the caller says what failed. */
#pragma once
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/error.h"
#include "model/hoststate.h"
#include "model/prefix.h"
#include "reconcile/kernel/ping.h"
#include "reconcile/kernel/rtnl.h"
#include "reconcile/kernel/systemd_unit.h"
#include "reconcile/kernel/wg_device.h"

struct kernel;

/* The semantics of each are those of the function it is named after (rtnl.h,
 * wg.h, sysctl.h, nft.h). */
struct kernel_ops {
	void (*free)(struct kernel *k);

	int (*link_get)(struct kernel *k, const char *ifname, struct rtnl_link_info *out, struct wgf_error *err);
	int (*link_add_wireguard)(struct kernel *k, const char *ifname, struct wgf_error *err);
	int (*link_del)(struct kernel *k, int ifindex, struct wgf_error *err);
	int (*link_set)(struct kernel *k, int ifindex, uint32_t mtu, bool up, struct wgf_error *err);
	int (*addr_list)(struct kernel *k, int ifindex, struct wgf_prefix **out, size_t *n, struct wgf_error *err);
	int (*addr_add)(struct kernel *k, int ifindex, const struct wgf_prefix *p, struct wgf_error *err);
	int (*addr_del)(struct kernel *k, int ifindex, const struct wgf_prefix *p, struct wgf_error *err);
	int (*route_list)(struct kernel *k, struct hs_route **out, size_t *n, struct wgf_error *err);
	int (*route_replace)(struct kernel *k, int ifindex, const struct hs_route *rt,
			     const struct hs_route *have, size_t n_have, struct wgf_error *err);
	int (*route_del)(struct kernel *k, int ifindex, const struct hs_route *rt, struct wgf_error *err);
	int (*rule_list)(struct kernel *k, struct hs_rule **out, size_t *n, struct wgf_error *err);
	int (*rule_add)(struct kernel *k, const struct hs_rule *rule, struct wgf_error *err);
	int (*rule_del)(struct kernel *k, const struct hs_rule *rule, struct wgf_error *err);

	enum hs_backend (*wg_backend_detect)(struct kernel *k, const char *ifname);
	bool (*wg_kernel_available)(struct kernel *k);
	int (*wg_get_device)(struct kernel *k, const char *ifname, enum hs_backend backend,
			     struct hs_device *out, struct wgf_error *err);
	int (*wg_set_device)(struct kernel *k, const char *ifname, enum hs_backend backend,
			     const struct wg_device_set *s, struct wgf_error *err);
	int (*wg_userspace_start)(struct kernel *k, const char *ifname, const char *wireguard_go,
				  struct wgf_error *err);

	int (*sysctl_read)(struct kernel *k, const char *key, char *buf, size_t len, struct wgf_error *err);
	int (*sysctl_write)(struct kernel *k, const char *key, const char *value, struct wgf_error *err);

	int (*nft_table_get)(struct kernel *k, const char *family, const char *name, char **text,
			     struct wgf_error *err);
	int (*nft_table_replace)(struct kernel *k, const char *family, const char *name, const char *body,
				 struct wgf_error *err);
	int (*nft_table_check)(struct kernel *k, const char *family, const char *name, const char *body,
			       struct wgf_error *err);
	int (*nft_table_patch)(struct kernel *k, const char *family, const char *name, const char *cmds,
			       struct wgf_error *err);
	int (*nft_table_patch_check)(struct kernel *k, const char *family, const char *name, const char *cmds,
				     struct wgf_error *err);
	int (*nft_table_delete)(struct kernel *k, const char *family, const char *name, struct wgf_error *err);
	int (*nft_ruleset_stamp)(struct kernel *k, struct hs_fw_stamp *out);

	/* DNS of wgf's own interfaces (dns.h): the manager in use, and one link's
	 * DNS; ifindex -1 when the link does not exist */
	int (*dns_manager)(struct kernel *k, enum hs_dns_manager *out, struct wgf_error *err);
	int (*dns_get)(struct kernel *k, const char *ifname, int ifindex, struct hs_dns *out, bool *found,
		       struct wgf_error *err);
	int (*dns_set)(struct kernel *k, const struct hs_dns *d, int ifindex, struct wgf_error *err);
	int (*dns_delete)(struct kernel *k, const char *ifname, int ifindex, struct wgf_error *err);

	/* ICMP echo out of a device (ping.h); NULL: cannot probe (-EOPNOTSUPP) */
	int (*ping)(struct kernel *k, const char *ifname, const struct wgf_prefix *addr, unsigned tries,
		    unsigned timeout_ms, bool *alive);
	/* Echoes to many at once (ping_probe_many); NULL: cannot probe (-EOPNOTSUPP) */
	int (*ping_many)(struct kernel *k, struct ping_target *t, size_t n, unsigned timeout_ms);

	/* wgf doctor: the route to dst (rtnl_route_get), and the whole ruleset as
	 * `nft -j list ruleset` prints it (nft_ruleset_get_json). NULL: -EOPNOTSUPP */
	int (*route_get)(struct kernel *k, const struct wgf_endpoint *dst, struct rtnl_route_info *out,
			 struct wgf_error *err);
	int (*nft_ruleset_json)(struct kernel *k, char **json, struct wgf_error *err);
	/* wgf doctor: a systemd unit's state (systemd_unit_get). NULL: -ENOENT, no systemd */
	int (*unit_get)(struct kernel *k, const char *unit, struct systemd_unit_state *out, struct wgf_error *err);
};

/* An implementation embeds this first in its own state. Not for concurrent use:
 * a thread opens its own. */
struct kernel {
	const struct kernel_ops *ops;
};

/* The real kernel of this network namespace. */
int kernel_open(struct kernel **out, struct wgf_error *err);
/* Accepts NULL. */
void kernel_free(struct kernel *k);
/* The width in columns of the terminal on fd (TIOCGWINSZ), 0 when fd is none. */
int kernel_terminal_columns(int fd);

static inline int kernel_link_get(struct kernel *k, const char *ifname, struct rtnl_link_info *out,
				  struct wgf_error *err)
{
	return k->ops->link_get(k, ifname, out, err);
}

static inline int kernel_link_add_wireguard(struct kernel *k, const char *ifname, struct wgf_error *err)
{
	return k->ops->link_add_wireguard(k, ifname, err);
}

static inline int kernel_link_del(struct kernel *k, int ifindex, struct wgf_error *err)
{
	return k->ops->link_del(k, ifindex, err);
}

static inline int kernel_link_set(struct kernel *k, int ifindex, uint32_t mtu, bool up, struct wgf_error *err)
{
	return k->ops->link_set(k, ifindex, mtu, up, err);
}

static inline int kernel_addr_list(struct kernel *k, int ifindex, struct wgf_prefix **out, size_t *n,
				   struct wgf_error *err)
{
	return k->ops->addr_list(k, ifindex, out, n, err);
}

static inline int kernel_addr_add(struct kernel *k, int ifindex, const struct wgf_prefix *p,
				  struct wgf_error *err)
{
	return k->ops->addr_add(k, ifindex, p, err);
}

static inline int kernel_addr_del(struct kernel *k, int ifindex, const struct wgf_prefix *p,
				  struct wgf_error *err)
{
	return k->ops->addr_del(k, ifindex, p, err);
}

static inline int kernel_route_list(struct kernel *k, struct hs_route **out, size_t *n, struct wgf_error *err)
{
	return k->ops->route_list(k, out, n, err);
}

static inline int kernel_route_replace(struct kernel *k, int ifindex, const struct hs_route *rt,
				       const struct hs_route *have, size_t n_have, struct wgf_error *err)
{
	return k->ops->route_replace(k, ifindex, rt, have, n_have, err);
}

static inline int kernel_route_del(struct kernel *k, int ifindex, const struct hs_route *rt,
				   struct wgf_error *err)
{
	return k->ops->route_del(k, ifindex, rt, err);
}

static inline int kernel_rule_list(struct kernel *k, struct hs_rule **out, size_t *n, struct wgf_error *err)
{
	return k->ops->rule_list(k, out, n, err);
}

static inline int kernel_rule_add(struct kernel *k, const struct hs_rule *rule, struct wgf_error *err)
{
	return k->ops->rule_add(k, rule, err);
}

static inline int kernel_rule_del(struct kernel *k, const struct hs_rule *rule, struct wgf_error *err)
{
	return k->ops->rule_del(k, rule, err);
}

static inline enum hs_backend kernel_wg_backend_detect(struct kernel *k, const char *ifname)
{
	return k->ops->wg_backend_detect(k, ifname);
}

static inline bool kernel_wg_kernel_available(struct kernel *k)
{
	return k->ops->wg_kernel_available(k);
}

static inline int kernel_wg_get_device(struct kernel *k, const char *ifname, enum hs_backend backend,
				       struct hs_device *out, struct wgf_error *err)
{
	return k->ops->wg_get_device(k, ifname, backend, out, err);
}

static inline int kernel_wg_set_device(struct kernel *k, const char *ifname, enum hs_backend backend,
				       const struct wg_device_set *s, struct wgf_error *err)
{
	return k->ops->wg_set_device(k, ifname, backend, s, err);
}

static inline int kernel_wg_userspace_start(struct kernel *k, const char *ifname, const char *wireguard_go,
					    struct wgf_error *err)
{
	return k->ops->wg_userspace_start(k, ifname, wireguard_go, err);
}

static inline int kernel_dns_manager(struct kernel *k, enum hs_dns_manager *out, struct wgf_error *err)
{
	return k->ops->dns_manager(k, out, err);
}

static inline int kernel_dns_get(struct kernel *k, const char *ifname, int ifindex, struct hs_dns *out,
				 bool *found, struct wgf_error *err)
{
	return k->ops->dns_get(k, ifname, ifindex, out, found, err);
}

static inline int kernel_dns_set(struct kernel *k, const struct hs_dns *d, int ifindex, struct wgf_error *err)
{
	return k->ops->dns_set(k, d, ifindex, err);
}

static inline int kernel_dns_delete(struct kernel *k, const char *ifname, int ifindex, struct wgf_error *err)
{
	return k->ops->dns_delete(k, ifname, ifindex, err);
}

static inline int kernel_sysctl_read(struct kernel *k, const char *key, char *buf, size_t len,
				     struct wgf_error *err)
{
	return k->ops->sysctl_read(k, key, buf, len, err);
}

static inline int kernel_sysctl_write(struct kernel *k, const char *key, const char *value,
				      struct wgf_error *err)
{
	return k->ops->sysctl_write(k, key, value, err);
}

static inline int kernel_nft_table_get(struct kernel *k, const char *family, const char *name, char **text,
				       struct wgf_error *err)
{
	return k->ops->nft_table_get(k, family, name, text, err);
}

static inline int kernel_nft_table_replace(struct kernel *k, const char *family, const char *name,
					   const char *body, struct wgf_error *err)
{
	return k->ops->nft_table_replace(k, family, name, body, err);
}

static inline int kernel_nft_table_check(struct kernel *k, const char *family, const char *name,
					 const char *body, struct wgf_error *err)
{
	return k->ops->nft_table_check(k, family, name, body, err);
}

static inline int kernel_nft_table_patch(struct kernel *k, const char *family, const char *name,
					 const char *cmds, struct wgf_error *err)
{
	return k->ops->nft_table_patch(k, family, name, cmds, err);
}

static inline int kernel_nft_table_patch_check(struct kernel *k, const char *family, const char *name,
					       const char *cmds, struct wgf_error *err)
{
	return k->ops->nft_table_patch_check(k, family, name, cmds, err);
}

static inline int kernel_nft_table_delete(struct kernel *k, const char *family, const char *name,
					  struct wgf_error *err)
{
	return k->ops->nft_table_delete(k, family, name, err);
}

static inline int kernel_route_get(struct kernel *k, const struct wgf_endpoint *dst, struct rtnl_route_info *out,
				   struct wgf_error *err)
{
	if (!k->ops->route_get)
		return wgf_error_set(err, -EOPNOTSUPP, NULL);
	return k->ops->route_get(k, dst, out, err);
}

static inline int kernel_nft_ruleset_json(struct kernel *k, char **json, struct wgf_error *err)
{
	*json = NULL;
	if (!k->ops->nft_ruleset_json)
		return wgf_error_set(err, -EOPNOTSUPP, NULL);
	return k->ops->nft_ruleset_json(k, json, err);
}

static inline int kernel_unit_get(struct kernel *k, const char *unit, struct systemd_unit_state *out,
				  struct wgf_error *err)
{
	if (!k->ops->unit_get)
		return -ENOENT;
	return k->ops->unit_get(k, unit, out, err);
}

static inline int kernel_nft_ruleset_stamp(struct kernel *k, struct hs_fw_stamp *out)
{
	return k->ops->nft_ruleset_stamp(k, out);
}

static inline int kernel_ping(struct kernel *k, const char *ifname, const struct wgf_prefix *addr, unsigned tries,
			      unsigned timeout_ms, bool *alive)
{
	*alive = false;
	return k->ops->ping ? k->ops->ping(k, ifname, addr, tries, timeout_ms, alive) : -EOPNOTSUPP;
}

static inline int kernel_ping_many(struct kernel *k, struct ping_target *t, size_t n, unsigned timeout_ms)
{
	return k->ops->ping_many ? k->ops->ping_many(k, t, n, timeout_ms) : -EOPNOTSUPP;
}
