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
