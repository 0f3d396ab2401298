/* The real kernel behind struct kernel_ops: each operation is the function of
 * rtnl.h, wg.h, sysctl.h or nft.h it is named after. */
#include "reconcile/kernel/kernel.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/ioctl.h>

#include "reconcile/kernel/dns.h"
#include "reconcile/kernel/nft.h"
#include "reconcile/kernel/ping.h"
#include "reconcile/kernel/sysctl.h"
#include "reconcile/kernel/wg.h"

struct kernel_real {
	struct kernel k;
	struct rtnl *rt;
	struct dns *dns;               /* opened on first use */
};

static struct rtnl *rt_of(struct kernel *k)
{
	return ((struct kernel_real *)k)->rt;
}

/* For the calls that have no words of the kernel's to report. */
static int errno_only(int r, struct wgf_error *err)
{
	return r < 0 ? wgf_error_set(err, r, NULL) : r;
}

static void real_free(struct kernel *k)
{
	dns_free(((struct kernel_real *)k)->dns);
	rtnl_free(rt_of(k));
	free(k);
}

static int real_link_get(struct kernel *k, const char *ifname, struct rtnl_link_info *out, struct wgf_error *err)
{
	return rtnl_link_get(rt_of(k), ifname, out, err);
}

static int real_link_add_wireguard(struct kernel *k, const char *ifname, struct wgf_error *err)
{
	return rtnl_link_add_wireguard(rt_of(k), ifname, err);
}

static int real_link_del(struct kernel *k, int ifindex, struct wgf_error *err)
{
	return rtnl_link_del(rt_of(k), ifindex, err);
}

static int real_link_set(struct kernel *k, int ifindex, uint32_t mtu, bool up, struct wgf_error *err)
{
	return rtnl_link_set(rt_of(k), ifindex, mtu, up, err);
}

static int real_addr_list(struct kernel *k, int ifindex, struct wgf_prefix **out, size_t *n,
			  struct wgf_error *err)
{
	return rtnl_addr_list(rt_of(k), ifindex, out, n, err);
}

static int real_addr_add(struct kernel *k, int ifindex, const struct wgf_prefix *p, struct wgf_error *err)
{
	return rtnl_addr_add(rt_of(k), ifindex, p, err);
}

static int real_addr_del(struct kernel *k, int ifindex, const struct wgf_prefix *p, struct wgf_error *err)
{
	return rtnl_addr_del(rt_of(k), ifindex, p, err);
}

static int real_route_list(struct kernel *k, struct hs_route **out, size_t *n, struct wgf_error *err)
{
	return rtnl_route_list(rt_of(k), out, n, err);
}

static int real_route_replace(struct kernel *k, int ifindex, const struct hs_route *rt,
			      const struct hs_route *have, size_t n_have, struct wgf_error *err)
{
	return rtnl_route_replace(rt_of(k), ifindex, rt, have, n_have, err);
}

static int real_route_del(struct kernel *k, int ifindex, const struct hs_route *rt, struct wgf_error *err)
{
	return rtnl_route_del(rt_of(k), ifindex, rt, err);
}

static int real_rule_list(struct kernel *k, struct hs_rule **out, size_t *n, struct wgf_error *err)
{
	return rtnl_rule_list(rt_of(k), out, n, err);
}

static int real_rule_add(struct kernel *k, const struct hs_rule *rule, struct wgf_error *err)
{
	return rtnl_rule_add(rt_of(k), rule, err);
}

static int real_rule_del(struct kernel *k, const struct hs_rule *rule, struct wgf_error *err)
{
	return rtnl_rule_del(rt_of(k), rule, err);
}

static enum hs_backend real_wg_backend_detect(struct kernel *k, const char *ifname)
{
	return wg_backend_detect(ifname);
}

static bool real_wg_kernel_available(struct kernel *k)
{
	return wg_kernel_available();
}

static int real_wg_get_device(struct kernel *k, const char *ifname, enum hs_backend backend,
			      struct hs_device *out, struct wgf_error *err)
{
	return errno_only(wg_get_device(ifname, backend, out), err);
}

static int real_wg_set_device(struct kernel *k, const char *ifname, enum hs_backend backend,
			      const struct wg_device_set *s, struct wgf_error *err)
{
	return errno_only(wg_set_device(ifname, backend, s), err);
}

static int real_wg_userspace_start(struct kernel *k, const char *ifname, const char *wireguard_go,
				   struct wgf_error *err)
{
	return errno_only(wg_userspace_start(ifname, wireguard_go), err);
}

static int real_sysctl_read(struct kernel *k, const char *key, char *buf, size_t len, struct wgf_error *err)
{
	return errno_only(sysctl_read(key, buf, len), err);
}

static int real_sysctl_write(struct kernel *k, const char *key, const char *value, struct wgf_error *err)
{
	return errno_only(sysctl_write(key, value), err);
}

static int real_nft_table_get(struct kernel *k, const char *family, const char *name, char **text,
			      struct wgf_error *err)
{
	return nft_table_get(family, name, text, err);
}

static int real_nft_table_replace(struct kernel *k, const char *family, const char *name, const char *body,
				  struct wgf_error *err)
{
	return nft_table_replace(family, name, body, err);
}

static int real_nft_table_check(struct kernel *k, const char *family, const char *name, const char *body,
				struct wgf_error *err)
{
	return nft_table_check(family, name, body, err);
}

static int real_nft_table_patch(struct kernel *k, const char *family, const char *name, const char *cmds,
				struct wgf_error *err)
{
	return nft_table_patch(family, name, cmds, err);
}

static int real_nft_table_patch_check(struct kernel *k, const char *family, const char *name,
				      const char *cmds, struct wgf_error *err)
{
	return nft_table_patch_check(family, name, cmds, err);
}

static int real_nft_table_delete(struct kernel *k, const char *family, const char *name, struct wgf_error *err)
{
	return nft_table_delete(family, name, err);
}

static int real_nft_ruleset_stamp(struct kernel *k, struct hs_fw_stamp *out)
{
	return nft_ruleset_stamp(out);
}

static int real_route_get(struct kernel *k, const struct wgf_endpoint *dst, struct rtnl_route_info *out,
			  struct wgf_error *err)
{
	return rtnl_route_get(((struct kernel_real *)k)->rt, dst, out, err);
}

static int real_unit_get(struct kernel *k, const char *unit, struct systemd_unit_state *out,
			 struct wgf_error *err)
{
	return systemd_unit_get(unit, out, err);
}

static int real_nft_ruleset_json(struct kernel *k, char **json, struct wgf_error *err)
{
	return nft_ruleset_get_json(json, err);
}

static int dns_of(struct kernel *k, struct dns **out, struct wgf_error *err)
{
	struct kernel_real *kr = (struct kernel_real *)k;
	int r = kr->dns ? 0 : dns_open(&kr->dns);

	*out = kr->dns;
	return errno_only(r, err);
}

static int real_dns_manager(struct kernel *k, enum hs_dns_manager *out, struct wgf_error *err)
{
	struct dns *d;
	int r = dns_of(k, &d, err);

	if (r >= 0)
		*out = dns_manager(d);
	return r;
}

static int real_dns_get(struct kernel *k, const char *ifname, int ifindex, struct hs_dns *out, bool *found,
			struct wgf_error *err)
{
	struct dns *d;
	int r = dns_of(k, &d, err);

	return r < 0 ? r : dns_get(d, ifname, ifindex, out, found, err);
}

static int real_dns_set(struct kernel *k, const struct hs_dns *want, int ifindex, struct wgf_error *err)
{
	struct dns *d;
	int r = dns_of(k, &d, err);

	return r < 0 ? r : dns_set(d, want, ifindex, err);
}

static int real_dns_delete(struct kernel *k, const char *ifname, int ifindex, struct wgf_error *err)
{
	struct dns *d;
	int r = dns_of(k, &d, err);

	return r < 0 ? r : dns_delete(d, ifname, ifindex, err);
}

static int real_ping(struct kernel *k, const char *ifname, const struct wgf_prefix *addr, unsigned tries,
		     unsigned timeout_ms, bool *alive)
{
	return ping_probe(ifname, addr, tries, timeout_ms, alive);
}

static int real_ping_many(struct kernel *k, struct ping_target *t, size_t n, unsigned timeout_ms)
{
	return ping_probe_many(t, n, timeout_ms);
}

static const struct kernel_ops real_ops = {
	.free = real_free,
	.link_get = real_link_get,
	.link_add_wireguard = real_link_add_wireguard,
	.link_del = real_link_del,
	.link_set = real_link_set,
	.addr_list = real_addr_list,
	.addr_add = real_addr_add,
	.addr_del = real_addr_del,
	.route_list = real_route_list,
	.route_replace = real_route_replace,
	.route_del = real_route_del,
	.rule_list = real_rule_list,
	.rule_add = real_rule_add,
	.rule_del = real_rule_del,
	.wg_backend_detect = real_wg_backend_detect,
	.wg_kernel_available = real_wg_kernel_available,
	.wg_get_device = real_wg_get_device,
	.wg_set_device = real_wg_set_device,
	.wg_userspace_start = real_wg_userspace_start,
	.sysctl_read = real_sysctl_read,
	.sysctl_write = real_sysctl_write,
	.nft_table_get = real_nft_table_get,
	.nft_table_replace = real_nft_table_replace,
	.nft_table_check = real_nft_table_check,
	.nft_table_patch = real_nft_table_patch,
	.nft_table_patch_check = real_nft_table_patch_check,
	.nft_table_delete = real_nft_table_delete,
	.nft_ruleset_stamp = real_nft_ruleset_stamp,
	.dns_manager = real_dns_manager,
	.dns_get = real_dns_get,
	.dns_set = real_dns_set,
	.dns_delete = real_dns_delete,
	.ping = real_ping,
	.ping_many = real_ping_many,
	.route_get = real_route_get,
	.nft_ruleset_json = real_nft_ruleset_json,
	.unit_get = real_unit_get,
};

int kernel_open(struct kernel **out, struct wgf_error *err)
{
	struct kernel_real *kr;
	int r;

	*out = NULL;
	kr = calloc(1, sizeof(*kr));
	if (!kr)
		return wgf_error_set(err, -ENOMEM, NULL);
	r = rtnl_open(&kr->rt);
	if (r < 0) {
		free(kr);
		return wgf_error_set(err, r, NULL);
	}
	kr->k.ops = &real_ops;
	*out = &kr->k;
	return 0;
}

void kernel_free(struct kernel *k)
{
	if (k)
		k->ops->free(k);
}

int kernel_terminal_columns(int fd)
{
	struct winsize ws;

	return ioctl(fd, TIOCGWINSZ, &ws) == 0 ? ws.ws_col : 0;
}
