/* rtnl_check: drives reconcile/kernel/rtnl.h for tests/lab/test_rtnl.sh.
 *
 *   rtnl_check link-get NAME                 ifindex=N name=NAME kind=K mtu=M up=0|1
 *   rtnl_check link-add-wg NAME
 *   rtnl_check link-del NAME
 *   rtnl_check link-set NAME MTU UP          (UP: 0 or 1)
 *   rtnl_check addr-list NAME                one prefix a line
 *   rtnl_check addr-add NAME|#IFINDEX PREFIX
 *   rtnl_check addr-del NAME|#IFINDEX PREFIX
 *   rtnl_check route-list                    "DST dev IFNAME table T metric M", sorted
 *   rtnl_check route-replace NAME DST TABLE METRIC
 *   rtnl_check route-del NAME DST TABLE METRIC
 *   rtnl_check route-set TYPE NAME|- DST TABLE METRIC SRC|-    (TYPE: unicast, blackhole, throw)
 *   rtnl_check route-unset TYPE NAME|- DST TABLE METRIC SRC|-
 *   rtnl_check route-kinds                   "DST TYPE dev IFNAME|- table T metric M src ADDR|-", sorted
 *   rtnl_check rule-list                     one rule a line (hs_rule_format), in the kernel's order
 *   rtnl_check rule-add FAMILY PRIO FROM TO IIF FWMARK FWMASK NOT TABLE SUPPRESS
 *   rtnl_check rule-del FAMILY PRIO FROM TO IIF FWMARK FWMASK NOT TABLE SUPPRESS
 *              (FAMILY 4|6, FROM/TO a prefix or "all", IIF/FWMARK/FWMASK/SUPPRESS "-" for none, NOT 0|1)
 *   rtnl_check switched-drift TABLE DST IFNAME...
 *              the plan's route changes when the desired state has a switched route to DST in
 *              TABLE out of the first IFNAME (devices IFNAME...) and the kernel has wgf's routes now
 *              (the changes in TABLE; wgf's other routes are not desired, so deleted)
 *   rtnl_check sysctl-read KEY
 *   rtnl_check sysctl-write KEY VALUE
 *
 * On failure prints "error=ENAME msg=KERNEL_TEXT" on stdout and exits 2;
 * exits 1 on bad usage. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/kernel/rtnl.h"
#include "reconcile/plan/plan.h"
#include "reconcile/kernel/sysctl.h"

static int usage(void)
{
	fprintf(stderr, "usage: rtnl_check COMMAND ARGS... (see tests/lab/rtnl_check.c)\n");
	return 1;
}

static bool parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || !*s || *end || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* NAME or "#IFINDEX" (to reach an index that does not exist). */
static int resolve(struct rtnl *r, const char *arg, int *ifindex, struct wgf_error *err)
{
	struct rtnl_link_info li;
	uint32_t idx;
	int ret;

	if (arg[0] == '#') {
		if (!parse_u32(arg + 1, &idx) || idx > INT32_MAX)
			return -EINVAL;
		*ifindex = (int)idx;
		return 0;
	}
	ret = rtnl_link_get(r, arg, &li, err);
	if (ret == 0)
		*ifindex = li.ifindex;
	return ret;
}

static int route_arg(int argc, char **argv, struct hs_route *rt)
{
	memset(rt, 0, sizeof(*rt));
	if (argc != 6 || strlen(argv[2]) >= sizeof(rt->ifname) ||
	    !prefix_parse(argv[3], true, &rt->dst) || !parse_u32(argv[4], &rt->table) ||
	    !parse_u32(argv[5], &rt->metric))
		return -EINVAL;
	snprintf(rt->ifname, sizeof(rt->ifname), "%s", argv[2]);
	return 0;
}

static int cmd_route_list(struct rtnl *r, struct wgf_error *err)
{
	struct hs_route *v = NULL;
	char buf[PREFIX_STRLEN];
	size_t n = 0;
	int ret;

	ret = rtnl_route_list(r, &v, &n, err);
	if (ret < 0)
		return ret;
	if (n > 1)
		qsort(v, n, sizeof(*v), hs_route_cmp);
	for (size_t i = 0; i < n; i++)
		printf("%s dev %s table %u metric %u\n", prefix_format(&v[i].dst, buf),
		       v[i].ifname[0] ? v[i].ifname : "-", v[i].table, v[i].metric);
	free(v);
	return 0;
}

/* TYPE NAME|- DST TABLE METRIC SRC|- from argv[2]. */
static int route_kind_arg(struct rtnl *r, int argc, char **argv, struct hs_route *rt, int *ifindex,
			  struct wgf_error *err)
{
	int t = argc == 8 ? hs_route_type_from_name(argv[2]) : -1;

	memset(rt, 0, sizeof(*rt));
	*ifindex = 0;
	if (t < 0 || !prefix_parse(argv[4], true, &rt->dst) || !parse_u32(argv[5], &rt->table) ||
	    !parse_u32(argv[6], &rt->metric))
		return -EINVAL;
	rt->type = (enum hs_route_type)t;
	if (strcmp(argv[7], "-")) {
		if (!prefix_parse(argv[7], true, &rt->prefsrc))
			return -EINVAL;
		rt->has_prefsrc = true;
	}
	if (!strcmp(argv[3], "-"))
		return 0;
	snprintf(rt->ifname, sizeof(rt->ifname), "%s", argv[3]);
	return resolve(r, argv[3], ifindex, err);
}

static int cmd_route_kinds(struct rtnl *r, struct wgf_error *err)
{
	struct hs_route *v = NULL;
	char buf[PREFIX_STRLEN], src[PREFIX_STRLEN];
	size_t n = 0;
	int ret = rtnl_route_list(r, &v, &n, err);

	if (ret < 0)
		return ret;
	if (n > 1)
		qsort(v, n, sizeof(*v), hs_route_cmp);
	for (size_t i = 0; i < n; i++)
		printf("%s %s dev %s table %u metric %u src %s\n", prefix_format(&v[i].dst, buf),
		       hs_route_type_name(v[i].type), v[i].ifname[0] ? v[i].ifname : "-", v[i].table, v[i].metric,
		       v[i].has_prefsrc ? prefix_format(&v[i].prefsrc, src) : "-");
	free(v);
	return 0;
}

static bool rule_prefix_arg(const char *s, int family, struct wgf_prefix *out)
{
	memset(out, 0, sizeof(*out));
	out->family = (uint8_t)family;
	return !strcmp(s, "all") || (prefix_parse(s, false, out) && out->family == family);
}

static int rule_arg(int argc, char **argv, struct hs_rule *rule)
{
	uint32_t fam, v, inv;

	memset(rule, 0, sizeof(*rule));
	if (argc != 12 || !parse_u32(argv[2], &fam) || (fam != 4 && fam != 6) || !parse_u32(argv[3], &rule->priority) ||
	    !parse_u32(argv[9], &inv) || inv > 1 || !parse_u32(argv[10], &rule->table) || strlen(argv[6]) >= IFNAMSIZ)
		return -EINVAL;
	rule->family = fam == 4 ? AF_INET : AF_INET6;
	if (!rule_prefix_arg(argv[4], rule->family, &rule->src) || !rule_prefix_arg(argv[5], rule->family, &rule->dst))
		return -EINVAL;
	if (strcmp(argv[6], "-"))
		snprintf(rule->iifname, sizeof(rule->iifname), "%s", argv[6]);
	rule->has_fwmark = strcmp(argv[7], "-") != 0;
	if (rule->has_fwmark && (!parse_u32(argv[7], &rule->fwmark) ||
				 (strcmp(argv[8], "-") && !parse_u32(argv[8], &rule->fwmask))))
		return -EINVAL;
	rule->invert = inv;
	rule->suppress_prefixlen = -1;
	if (strcmp(argv[11], "-")) {
		if (!parse_u32(argv[11], &v) || v > 128)
			return -EINVAL;
		rule->suppress_prefixlen = (int)v;
	}
	return 0;
}

static int cmd_rule_list(struct rtnl *r, struct wgf_error *err)
{
	struct hs_rule *v = NULL;
	char buf[HS_RULE_STRLEN];
	size_t n = 0;
	int ret = rtnl_rule_list(r, &v, &n, err);

	if (ret < 0)
		return ret;
	for (size_t i = 0; i < n; i++)
		printf("%s\n", hs_rule_format(&v[i], buf));
	free(v);
	return 0;
}

/* What a plan makes of wgf's routes now against one switched route. */
static int cmd_switched_drift(struct rtnl *r, int argc, char **argv, struct wgf_error *err)
{
	struct host_state *want = hoststate_new(), *have = hoststate_new();
	struct hs_route rt = { .switched = true };
	struct plan *p = NULL;
	size_t n = 0;
	int ret = -EINVAL;

	if (!want || !have || argc < 5 || !parse_u32(argv[2], &rt.table) || !prefix_parse(argv[3], true, &rt.dst) ||
	    strlen(argv[4]) >= IFNAMSIZ)
		goto out;
	snprintf(rt.ifname, sizeof(rt.ifname), "%s", argv[4]);
	for (int i = 4; i < argc; i++)
		if (!hoststate_add_device(want, argv[i]) || !hoststate_add_device(have, argv[i]))
			goto out;
	ret = hoststate_add_route(want, &rt);
	if (ret == 0)
		ret = rtnl_route_list(r, &have->routes, &have->n_routes, err);
	if (ret < 0)
		goto out;
	hoststate_normalize(want);
	hoststate_normalize(have);
	ret = diff_host_states(want, have, NULL, &p);
	want = have = NULL;
	for (size_t i = 0; ret == 0 && i < p->n_actions; i++)
		if (p->actions[i].obj == PLAN_OBJ_ROUTE && p->actions[i].u.route.table == rt.table) {
			printf("%s route %s %s\n", plan_op_name(p->actions[i].op), p->actions[i].name,
			       p->actions[i].ifname[0] ? p->actions[i].ifname : "-");
			n++;
		}
	if (ret == 0)
		printf("%zu route changes\n", n);
out:
	plan_free(p);
	hoststate_free(want);
	hoststate_free(have);
	return ret;
}

static int prefix_qsort_cmp(const void *a, const void *b)
{
	return prefix_cmp(a, b);
}

static int cmd_addr_list(struct rtnl *r, const char *name, struct wgf_error *err)
{
	struct wgf_prefix *v = NULL;
	char buf[PREFIX_STRLEN];
	size_t n = 0;
	int ret, ifindex;

	ret = resolve(r, name, &ifindex, err);
	if (ret < 0)
		return ret;
	ret = rtnl_addr_list(r, ifindex, &v, &n, err);
	if (ret < 0)
		return ret;
	if (n > 1)
		qsort(v, n, sizeof(*v), prefix_qsort_cmp);
	for (size_t i = 0; i < n; i++)
		printf("%s\n", prefix_format(&v[i], buf));
	free(v);
	return 0;
}

static int run(struct rtnl *r, int argc, char **argv, struct wgf_error *err)
{
	const char *cmd = argv[1];
	struct rtnl_link_info li;
	struct wgf_prefix p;
	struct hs_route rt;
	struct hs_rule rule;
	char buf[256];
	uint32_t mtu, up;
	int ret, ifindex;

	if (!strcmp(cmd, "link-get") && argc == 3) {
		ret = rtnl_link_get(r, argv[2], &li, err);
		if (ret == 0)
			printf("ifindex=%d name=%s kind=%s mtu=%u up=%d\n", li.ifindex, li.ifname,
			       li.kind, li.mtu, li.up);
		return ret;
	}
	if (!strcmp(cmd, "link-add-wg") && argc == 3)
		return rtnl_link_add_wireguard(r, argv[2], err);
	if (!strcmp(cmd, "link-del") && argc == 3) {
		ret = resolve(r, argv[2], &ifindex, err);
		return ret < 0 ? ret : rtnl_link_del(r, ifindex, err);
	}
	if (!strcmp(cmd, "link-set") && argc == 5) {
		if (!parse_u32(argv[3], &mtu) || !parse_u32(argv[4], &up) || up > 1)
			return -EINVAL;
		ret = resolve(r, argv[2], &ifindex, err);
		return ret < 0 ? ret : rtnl_link_set(r, ifindex, mtu, up, err);
	}
	if (!strcmp(cmd, "addr-list") && argc == 3)
		return cmd_addr_list(r, argv[2], err);
	if ((!strcmp(cmd, "addr-add") || !strcmp(cmd, "addr-del")) && argc == 4) {
		if (!prefix_parse(argv[3], true, &p))
			return -EINVAL;
		ret = resolve(r, argv[2], &ifindex, err);
		if (ret < 0)
			return ret;
		return !strcmp(cmd, "addr-add") ? rtnl_addr_add(r, ifindex, &p, err)
						: rtnl_addr_del(r, ifindex, &p, err);
	}
	if (!strcmp(cmd, "route-list") && argc == 2)
		return cmd_route_list(r, err);
	if (!strcmp(cmd, "route-replace") || !strcmp(cmd, "route-del")) {
		ret = route_arg(argc, argv, &rt);
		if (ret < 0)
			return ret;
		ret = resolve(r, argv[2], &ifindex, err);
		if (ret < 0)
			return ret;
		return !strcmp(cmd, "route-replace") ? rtnl_route_replace(r, ifindex, &rt, NULL, 0, err)
						     : rtnl_route_del(r, ifindex, &rt, err);
	}
	if (!strcmp(cmd, "route-set") || !strcmp(cmd, "route-unset")) {
		ret = route_kind_arg(r, argc, argv, &rt, &ifindex, err);
		if (ret < 0)
			return ret;
		return !strcmp(cmd, "route-set") ? rtnl_route_replace(r, ifindex, &rt, NULL, 0, err)
						 : rtnl_route_del(r, ifindex, &rt, err);
	}
	if (!strcmp(cmd, "route-kinds") && argc == 2)
		return cmd_route_kinds(r, err);
	if (!strcmp(cmd, "rule-list") && argc == 2)
		return cmd_rule_list(r, err);
	if (!strcmp(cmd, "rule-add") || !strcmp(cmd, "rule-del")) {
		ret = rule_arg(argc, argv, &rule);
		if (ret < 0)
			return ret;
		return !strcmp(cmd, "rule-add") ? rtnl_rule_add(r, &rule, err) : rtnl_rule_del(r, &rule, err);
	}
	if (!strcmp(cmd, "switched-drift"))
		return cmd_switched_drift(r, argc, argv, err);
	if (!strcmp(cmd, "sysctl-read") && argc == 3) {
		ret = sysctl_read(argv[2], buf, sizeof(buf));
		if (ret == 0)
			printf("%s\n", buf);
		return ret;
	}
	if (!strcmp(cmd, "sysctl-write") && argc == 4)
		return sysctl_write(argv[2], argv[3]);
	return 1;
}

int main(int argc, char **argv)
{
	struct rtnl *r = NULL;
	struct wgf_error err = {0};
	int ret;

	if (argc < 2)
		return usage();
	ret = rtnl_open(&r);
	if (ret == 0)
		ret = run(r, argc, argv, &err);
	if (ret == 1) {
		rtnl_free(r);
		return usage();
	}
	if (ret < 0) {
		const char *name = strerrorname_np(-ret);

		printf("error=%s msg=%s\n", name ? name : "?", err.msg ? err.msg : "");
	}
	wgf_error_clear(&err);
	rtnl_free(r);
	return ret < 0 ? 2 : 0;
}
