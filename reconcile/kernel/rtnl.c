/* rtnetlink through libmnl: links, addresses, wgf's own routes and policy rules. */
#include "reconcile/kernel/rtnl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#ifndef MNL_SOCKET_DUMP_SIZE
#define MNL_SOCKET_DUMP_SIZE 32768
#endif
#define RTNL_REQ_SIZE 1024
#define RTNL_ERR_LEN 256
#define RTNL_DUMP_TRIES 5
/* The kernel stores an IPv6 route added with metric 0 as IP6_RT_PRIO_USER. */
#define RTNL_IP6_DEFAULT_METRIC 1024

struct rtnl {
	struct mnl_socket *nl;
	unsigned int portid;
	uint32_t seq;
	char req[RTNL_REQ_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	char buf[MNL_SOCKET_DUMP_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
};

/* Returns 0 or a negative errno; called for each reply message of the request. */
typedef int (*rtnl_data_fn)(const struct nlmsghdr *nlh, void *data);

struct rtnl_ctx {
	struct rtnl *r;
	uint32_t seq;
	rtnl_data_fn fn;
	void *data;
	int err;
	bool done;       /* the ack, error or NLMSG_DONE of this request was read */
	char ext_ack[RTNL_ERR_LEN];   /* the kernel's words about err */
};

struct attr_table {
	const struct nlattr **tb;
	unsigned int max;
};

static int rtnl_socket_open(struct rtnl *r)
{
	int one = 1, ret;

	r->nl = mnl_socket_open(NETLINK_ROUTE);
	if (!r->nl)
		return -errno;
	if (mnl_socket_bind(r->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		mnl_socket_close(r->nl);
		r->nl = NULL;
		return ret;
	}
	/* Best effort: kernels before 4.12 have no extended acks, errors still work. */
	mnl_socket_setsockopt(r->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	r->portid = mnl_socket_get_portid(r->nl);
	return 0;
}

static void rtnl_socket_close(struct rtnl *r)
{
	if (r->nl)
		mnl_socket_close(r->nl);
	r->nl = NULL;
}

int rtnl_open(struct rtnl **out)
{
	struct rtnl *r;
	int ret;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	ret = rtnl_socket_open(r);
	if (ret < 0) {
		free(r);
		return ret;
	}
	r->seq = (uint32_t)time(NULL);
	*out = r;
	return 0;
}

void rtnl_free(struct rtnl *r)
{
	if (!r)
		return;
	rtnl_socket_close(r);
	free(r);
}

static int attr_table_cb(const struct nlattr *attr, void *data)
{
	struct attr_table *t = data;
	unsigned int type = mnl_attr_get_type(attr);

	if (type <= t->max)
		t->tb[type] = attr;
	return MNL_CB_OK;
}

static void parse_attrs(const struct nlmsghdr *nlh, size_t hdrlen,
			const struct nlattr **tb, unsigned int max)
{
	struct attr_table t = { .tb = tb, .max = max };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	mnl_attr_parse(nlh, (unsigned int)hdrlen, attr_table_cb, &t);
}

static bool attr_u32(const struct nlattr *attr, uint32_t *out)
{
	if (!attr || mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
		return false;
	*out = mnl_attr_get_u32(attr);
	return true;
}

static bool attr_addr(const struct nlattr *attr, uint8_t family, uint8_t out[16])
{
	size_t alen = prefix_addr_len(family);

	if (!attr || mnl_attr_get_payload_len(attr) != alen)
		return false;
	memset(out, 0, 16);
	memcpy(out, mnl_attr_get_payload(attr), alen);
	return true;
}

static int ext_ack_cb(const struct nlattr *attr, void *data)
{
	struct rtnl_ctx *c = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
		snprintf(c->ext_ack, sizeof(c->ext_ack), "%s", mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

/* The extended-ack TLVs start at offset off of nlh's payload. */
static void read_ext_ack(struct rtnl_ctx *c, const struct nlmsghdr *nlh, size_t off)
{
	size_t len = mnl_nlmsg_get_payload_len(nlh);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || off >= len)
		return;
	mnl_attr_parse_payload((const char *)mnl_nlmsg_get_payload(nlh) + off,
			       len - off, ext_ack_cb, c);
}

static int cb_data(const struct nlmsghdr *nlh, void *data)
{
	struct rtnl_ctx *c = data;
	int ret;

	if (nlh->nlmsg_seq != c->seq || !c->fn)
		return MNL_CB_OK;
	ret = c->fn(nlh, c->data);
	if (ret < 0) {
		c->err = ret;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static int cb_error(const struct nlmsghdr *nlh, void *data)
{
	struct rtnl_ctx *c = data;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off;

	if (nlh->nlmsg_seq != c->seq)
		return MNL_CB_OK;
	c->done = true;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
		c->err = -EBADMSG;
		return MNL_CB_ERROR;
	}
	if (e->error == 0)
		return MNL_CB_STOP;
	c->err = e->error < 0 ? e->error : -e->error;
	/* The error echoes our request: only its header when capped, else all of it. */
	if (nlh->nlmsg_flags & NLM_F_CAPPED)
		off = sizeof(*e);
	else
		off = MNL_ALIGN(sizeof(e->error) + e->msg.nlmsg_len);
	read_ext_ack(c, nlh, off);
	return MNL_CB_ERROR;
}

static int cb_done(const struct nlmsghdr *nlh, void *data)
{
	struct rtnl_ctx *c = data;
	int err;

	if (nlh->nlmsg_seq != c->seq)
		return MNL_CB_OK;
	c->done = true;
	/* A dump's NLMSG_DONE carries its status, and the ext-ack TLVs after it. */
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(err)) {
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
		if (err < 0) {
			c->err = err;
			read_ext_ack(c, nlh, MNL_ALIGN(sizeof(err)));
			return MNL_CB_ERROR;
		}
	}
	return MNL_CB_STOP;
}

static const mnl_cb_t cb_ctl[NLMSG_MIN_TYPE] = {
	[NLMSG_ERROR] = cb_error,
	[NLMSG_DONE] = cb_done,
};

static struct nlmsghdr *rtnl_msg(struct rtnl *r, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(r->req);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	return nlh;
}

/* Sends the request in r->req and reads replies until its ack, error or
 * NLMSG_DONE. A failure goes into err with the kernel's extended-ack text. */
static int rtnl_talk(struct rtnl *r, struct nlmsghdr *nlh, rtnl_data_fn fn, void *data,
		     struct wgf_error *err)
{
	struct rtnl_ctx c = { .r = r, .fn = fn, .data = data };
	ssize_t n;
	int ret;

	if (!r->nl) {
		ret = rtnl_socket_open(r);
		if (ret < 0)
			return ret;
	}
	if (++r->seq == 0)
		r->seq = 1;
	c.seq = nlh->nlmsg_seq = r->seq;
	if (mnl_socket_sendto(r->nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	while (!c.done) {
		n = mnl_socket_recvfrom(r->nl, r->buf, sizeof(r->buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto out;
		}
		ret = mnl_cb_run2(r->buf, (size_t)n, 0, r->portid, cb_data, &c,
				  (mnl_cb_t *)cb_ctl, NLMSG_MIN_TYPE);
		if (ret == MNL_CB_ERROR) {
			/* Without our own error: libmnl's, e.g. EINTR for NLM_F_DUMP_INTR. */
			ret = c.err ? c.err : (errno ? -errno : -EIO);
			goto out;
		}
	}
	ret = c.err;
out:
	if (!c.done) {
		/* Replies to this request may still be queued (an interrupted or failed
		 * dump): a fresh socket is the only clean way to drop them. */
		rtnl_socket_close(r);
		rtnl_socket_open(r);
	}
	if (ret < 0 && c.ext_ack[0])
		return wgf_error_set(err, ret, "%s", c.ext_ack);
	return ret < 0 ? wgf_error_set(err, ret, NULL) : ret;
}

/* A dump of every address family, retried while the kernel interrupts it
 * (-EINTR: the table changed under it); *count, the callback's tally, starts
 * at 0 on each try. ifaddrmsg, rtmsg and fib_rule_hdr all begin with their
 * family byte, so one extra header of hdr_len serves them all. */
static int rtnl_dump(struct rtnl *r, uint16_t type, size_t hdr_len, rtnl_data_fn fn, void *data, size_t *count,
		     struct wgf_error *err)
{
	struct wgf_error e = {0};
	int ret, tries = RTNL_DUMP_TRIES;

	do {
		struct nlmsghdr *nlh;
		uint8_t *family;

		wgf_error_clear(&e);
		*count = 0;
		nlh = rtnl_msg(r, type, NLM_F_DUMP);
		family = mnl_nlmsg_put_extra_header(nlh, hdr_len);
		*family = AF_UNSPEC;
		ret = rtnl_talk(r, nlh, fn, data, &e);
	} while (ret == -EINTR && --tries);
	if (ret < 0) {
		wgf_error_move(err, &e);
		return wgf_error_set(err, ret, NULL);
	}
	return 0;
}

static bool ifname_valid(const char *ifname)
{
	return ifname && ifname[0] && strlen(ifname) < IFNAMSIZ;
}

static int link_get_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rtnl_link_info *out = data;
	const struct nlattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1];
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct attr_table t = { .tb = info, .max = IFLA_INFO_MAX };

	if (nlh->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return 0;
	parse_attrs(nlh, sizeof(*ifi), tb, IFLA_MAX);
	out->ifindex = ifi->ifi_index;
	out->up = ifi->ifi_flags & IFF_UP;
	if (tb[IFLA_IFNAME] && mnl_attr_validate(tb[IFLA_IFNAME], MNL_TYPE_NUL_STRING) >= 0)
		snprintf(out->ifname, sizeof(out->ifname), "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	attr_u32(tb[IFLA_MTU], &out->mtu);
	if (tb[IFLA_LINKINFO] && mnl_attr_validate(tb[IFLA_LINKINFO], MNL_TYPE_NESTED) >= 0) {
		memset(info, 0, sizeof(info));
		mnl_attr_parse_nested(tb[IFLA_LINKINFO], attr_table_cb, &t);
		if (info[IFLA_INFO_KIND] && mnl_attr_validate(info[IFLA_INFO_KIND], MNL_TYPE_NUL_STRING) >= 0)
			snprintf(out->kind, sizeof(out->kind), "%s", mnl_attr_get_str(info[IFLA_INFO_KIND]));
	}
	return 0;
}

int rtnl_link_get(struct rtnl *r, const char *ifname, struct rtnl_link_info *out, struct wgf_error *err)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!ifname_valid(ifname))
		return wgf_error_set(err, -EINVAL, NULL);
	nlh = rtnl_msg(r, RTM_GETLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	ret = rtnl_talk(r, nlh, link_get_cb, out, err);
	if (ret == 0 && out->ifindex <= 0)
		ret = wgf_error_set(err, -ENODEV, NULL);
	if (ret < 0)
		memset(out, 0, sizeof(*out));
	return ret;
}

int rtnl_link_add_wireguard(struct rtnl *r, const char *ifname, struct wgf_error *err)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct nlattr *linkinfo;

	if (!ifname_valid(ifname))
		return wgf_error_set(err, -EINVAL, NULL);
	nlh = rtnl_msg(r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "wireguard");
	mnl_attr_nest_end(nlh, linkinfo);
	return rtnl_talk(r, nlh, NULL, NULL, err);
}

int rtnl_link_del(struct rtnl *r, int ifindex, struct wgf_error *err)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	if (ifindex <= 0)
		return wgf_error_set(err, -EINVAL, NULL);
	nlh = rtnl_msg(r, RTM_DELLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return rtnl_talk(r, nlh, NULL, NULL, err);
}

int rtnl_link_set(struct rtnl *r, int ifindex, uint32_t mtu, bool up, struct wgf_error *err)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	if (ifindex <= 0)
		return wgf_error_set(err, -EINVAL, NULL);
	if (!mtu && !up)
		return 0;
	nlh = rtnl_msg(r, RTM_NEWLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (up) {
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
	}
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return rtnl_talk(r, nlh, NULL, NULL, err);
}

struct addr_list {
	int ifindex;
	struct wgf_prefix *v;
	size_t n, cap;
};

static int addr_list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_list *l = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1];
	struct wgf_prefix p = { 0 };

	if (nlh->nlmsg_type != RTM_NEWADDR || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		return 0;
	if ((int)ifa->ifa_index != l->ifindex || ifa->ifa_scope != RT_SCOPE_UNIVERSE ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
		return 0;
	parse_attrs(nlh, sizeof(*ifa), tb, IFA_MAX);
	p.family = ifa->ifa_family;
	p.len = ifa->ifa_prefixlen;
	/* IFA_LOCAL is the local address whenever a peer is set (IFA_ADDRESS is then
	 * the peer); a plain IPv6 address comes as IFA_ADDRESS alone. */
	if (!attr_addr(tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS], p.family, p.addr))
		return 0;
	if (p.family == AF_INET6 && p.addr[0] == 0xfe && (p.addr[1] & 0xc0) == 0x80)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct wgf_prefix *v = reallocarray(l->v, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = p;
	return 0;
}

int rtnl_addr_list(struct rtnl *r, int ifindex, struct wgf_prefix **out, size_t *n,
		   struct wgf_error *err)
{
	struct addr_list l = { .ifindex = ifindex };
	int ret;

	*out = NULL;
	*n = 0;
	ret = rtnl_dump(r, RTM_GETADDR, sizeof(struct ifaddrmsg), addr_list_cb, &l, &l.n, err);
	if (ret < 0) {
		free(l.v);
		return ret;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}

static int addr_msg(struct rtnl *r, uint16_t type, uint16_t flags, int ifindex,
		    const struct wgf_prefix *p, struct wgf_error *err)
{
	size_t alen;
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	if (ifindex <= 0 || (p->family != AF_INET && p->family != AF_INET6) ||
	    p->len > prefix_max_len(p->family))
		return wgf_error_set(err, -EINVAL, NULL);
	alen = prefix_addr_len(p->family);
	nlh = rtnl_msg(r, type, flags);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = p->family;
	ifa->ifa_prefixlen = p->len;
	ifa->ifa_index = (uint32_t)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, alen, p->addr);
	/* IPv4: IFA_ADDRESS is the peer on point-to-point links; the same value
	 * means no peer. */
	if (p->family == AF_INET)
		mnl_attr_put(nlh, IFA_ADDRESS, alen, p->addr);
	else if (type == RTM_NEWADDR)
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	return rtnl_talk(r, nlh, NULL, NULL, err);
}

int rtnl_addr_add(struct rtnl *r, int ifindex, const struct wgf_prefix *p, struct wgf_error *err)
{
	return addr_msg(r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex, p, err);
}

int rtnl_addr_del(struct rtnl *r, int ifindex, const struct wgf_prefix *p, struct wgf_error *err)
{
	return addr_msg(r, RTM_DELADDR, 0, ifindex, p, err);
}

struct route_list {
	struct hs_route *v;
	size_t n, cap;
	/* the last interface name looked up: if_indextoname() costs three
	 * syscalls, and wgf's routes nearly all leave by the same device */
	uint32_t oif;
	char oif_name[IF_NAMESIZE];
};

static int route_list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_list *l = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1];
	struct hs_route rt = { 0 };
	uint32_t oif;

	if (nlh->nlmsg_type != RTM_NEWROUTE || mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm))
		return 0;
	if ((rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) ||
	    rtm->rtm_protocol != RTPROT_WGF || (rtm->rtm_flags & RTM_F_CLONED) ||
	    rtm->rtm_dst_len > prefix_max_len(rtm->rtm_family))
		return 0;
	if (rtm->rtm_type == RTN_BLACKHOLE)
		rt.type = HS_ROUTE_BLACKHOLE;
	else if (rtm->rtm_type == RTN_THROW)
		rt.type = HS_ROUTE_THROW;
	else if (rtm->rtm_type != RTN_UNICAST)
		return 0;
	parse_attrs(nlh, sizeof(*rtm), tb, RTA_MAX);
	rt.dst.family = rtm->rtm_family;
	rt.dst.len = rtm->rtm_dst_len;
	if (tb[RTA_DST] && !attr_addr(tb[RTA_DST], rt.dst.family, rt.dst.addr))
		return 0;
	if (!attr_u32(tb[RTA_TABLE], &rt.table))
		rt.table = rtm->rtm_table;
	attr_u32(tb[RTA_PRIORITY], &rt.metric);
	if (attr_addr(tb[RTA_PREFSRC], rt.dst.family, rt.prefsrc.addr)) {
		rt.has_prefsrc = true;
		rt.prefsrc.family = rt.dst.family;
		rt.prefsrc.len = (uint8_t)prefix_max_len(rt.dst.family);
	}
	/* A multipath route has no RTA_OIF; its ifname stays "". IPv6 reports
	 * blackhole and throw routes out of lo: they have no interface. */
	if (rt.type == HS_ROUTE_UNICAST && attr_u32(tb[RTA_OIF], &oif)) {
		char name[IF_NAMESIZE];

		if (oif != l->oif && if_indextoname(oif, name)) {
			memcpy(l->oif_name, name, sizeof(name));
			l->oif = oif;
		}
		if (oif == l->oif)
			memcpy(rt.ifname, l->oif_name, sizeof(rt.ifname));
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct hs_route *v = reallocarray(l->v, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = rt;
	return 0;
}

int rtnl_route_list(struct rtnl *r, struct hs_route **out, size_t *n, struct wgf_error *err)
{
	struct route_list l = { 0 };
	int ret;

	*out = NULL;
	*n = 0;
	ret = rtnl_dump(r, RTM_GETROUTE, sizeof(struct rtmsg), route_list_cb, &l, &l.n, err);
	if (ret < 0) {
		free(l.v);
		return ret;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}

static uint32_t route_table(const struct hs_route *rt)
{
	return rt->table ? rt->table : RT_TABLE_MAIN;
}

static uint32_t route_metric(const struct hs_route *rt)
{
	if (rt->dst.family == AF_INET6 && rt->metric == 0)
		return RTNL_IP6_DEFAULT_METRIC;
	return rt->metric;
}

static bool route_same_dst(const struct hs_route *a, const struct hs_route *b)
{
	struct wgf_prefix da = a->dst, db = b->dst;

	prefix_mask(&da);
	prefix_mask(&db);
	return route_table(a) == route_table(b) && prefix_equal(&da, &db);
}

static int route_msg(struct rtnl *r, uint16_t type, uint16_t flags, int ifindex,
		     const struct hs_route *rt, uint32_t metric, struct wgf_error *err)
{
	struct wgf_prefix dst = rt->dst;
	uint32_t table = route_table(rt);
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	if ((dst.family != AF_INET && dst.family != AF_INET6) ||
	    dst.len > prefix_max_len(dst.family) || (unsigned)rt->type > HS_ROUTE_THROW ||
	    (rt->has_prefsrc && rt->prefsrc.family != dst.family))
		return wgf_error_set(err, -EINVAL, NULL);
	prefix_mask(&dst);
	nlh = rtnl_msg(r, type, flags);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = dst.family;
	rtm->rtm_dst_len = dst.len;
	rtm->rtm_protocol = RTPROT_WGF;
	rtm->rtm_type = rt->type == HS_ROUTE_BLACKHOLE ? RTN_BLACKHOLE :
			rt->type == HS_ROUTE_THROW ? RTN_THROW : RTN_UNICAST;
	if (type != RTM_NEWROUTE)
		rtm->rtm_scope = RT_SCOPE_NOWHERE;
	else
		rtm->rtm_scope = rt->type == HS_ROUTE_UNICAST ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
	rtm->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	if (table >= 256)
		mnl_attr_put_u32(nlh, RTA_TABLE, table);
	if (dst.len)
		mnl_attr_put(nlh, RTA_DST, prefix_addr_len(dst.family), dst.addr);
	if (ifindex > 0 && rt->type == HS_ROUTE_UNICAST)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
	if (rt->has_prefsrc)
		mnl_attr_put(nlh, RTA_PREFSRC, prefix_addr_len(dst.family), rt->prefsrc.addr);
	if (metric)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, metric);
	return rtnl_talk(r, nlh, NULL, NULL, err);
}

/*
 * NLM_F_REPLACE replaces the route with the same key (whatever its type: a
 * blackhole becomes a route out of a device and back), and the metric is part of
 * the key (IPv4: table, dst, tos, priority; IPv6: table, dst, metric). A new
 * metric therefore adds a second route next to the old one instead of changing
 * it. So: add or replace the route with the wanted metric first (no gap in
 * forwarding), then delete wgf's routes to the same table and dst that carry
 * another metric.
 *
 * Only an existing wgf route is replaced: when none has the key, the add is
 * exclusive, so a route someone else owns with the same key is left alone
 * and the caller gets -EEXIST.
 */
int rtnl_route_replace(struct rtnl *r, int ifindex, const struct hs_route *rt,
		       const struct hs_route *known, size_t n_known, struct wgf_error *err)
{
	struct wgf_error e = {0};
	struct hs_route *listed = NULL;
	const struct hs_route *have = known;
	uint32_t metric = route_metric(rt);
	bool exists = false;
	size_t n = n_known, i;
	int ret;

	if (ifindex <= 0 && rt->type == HS_ROUTE_UNICAST)
		return wgf_error_set(err, -EINVAL, NULL);
	if (!known) {
		ret = rtnl_route_list(r, &listed, &n, err);
		if (ret < 0)
			return ret;
		have = listed;
	}
	for (i = 0; i < n; i++)
		if (route_same_dst(&have[i], rt) && route_metric(&have[i]) == metric)
			exists = true;
	ret = route_msg(r, RTM_NEWROUTE, NLM_F_CREATE | (exists ? NLM_F_REPLACE : NLM_F_EXCL),
			ifindex, rt, rt->metric, err);
	if (ret < 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (!route_same_dst(&have[i], rt) || route_metric(&have[i]) == metric)
			continue;
		/* IPv4 metric 0 matches any metric on delete, but the kernel keeps
		 * aliases sorted by metric, so the first match is the metric-0 one. */
		ret = route_msg(r, RTM_DELROUTE, 0, 0, &have[i], have[i].metric, &e);
		if (ret == -ESRCH)
			ret = 0;
		wgf_error_move(ret < 0 ? err : NULL, &e);
		if (ret < 0)
			goto out;
	}
out:
	free(listed);
	return ret;
}

/*
 * The kernel deletes the first route matching the keys given; rtm_protocol
 * limits that to wgf's routes. Metric 0 is a wildcard for IPv4 (the lowest
 * metric, so the metric-0 route when there is one); for IPv6 metric 0 is
 * sent as the kernel's default 1024, which is what an IPv6 route added with
 * metric 0 carries.
 */
int rtnl_route_del(struct rtnl *r, int ifindex, const struct hs_route *rt, struct wgf_error *err)
{
	return route_msg(r, RTM_DELROUTE, 0, ifindex, rt, route_metric(rt), err);
}

/* ---- policy rules ---- */

struct rule_list {
	struct hs_rule *v;
	size_t n, cap;
};

/* Attributes of a rule that struct hs_rule cannot say: a rule carrying any
 * of them is not one wgf made, whatever its protocol says. */
static const unsigned rule_foreign_attrs[] = {
	FRA_GOTO, FRA_FLOW, FRA_TUN_ID, FRA_SUPPRESS_IFGROUP, FRA_OIFNAME, FRA_L3MDEV,
	FRA_UID_RANGE, FRA_IP_PROTO, FRA_SPORT_RANGE, FRA_DPORT_RANGE,
};

static bool rule_attr_prefix(const struct nlattr *attr, int family, uint8_t len, struct wgf_prefix *out)
{
	out->family = (uint8_t)family;
	out->len = len;
	if (!len)
		return true;
	return attr_addr(attr, (uint8_t)family, out->addr);
}

/* wgf's rule in r from a dump message: false when it is not one. */
static bool rule_parse(const struct nlmsghdr *nlh, struct hs_rule *r)
{
	const struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[FRA_MAX + 1];
	uint32_t v;

	memset(r, 0, sizeof(*r));
	if (nlh->nlmsg_type != RTM_NEWRULE || mnl_nlmsg_get_payload_len(nlh) < sizeof(*frh) ||
	    (frh->family != AF_INET && frh->family != AF_INET6) || frh->action != FR_ACT_TO_TBL || frh->tos ||
	    frh->src_len > prefix_max_len(frh->family) || frh->dst_len > prefix_max_len(frh->family))
		return false;
	parse_attrs(nlh, sizeof(*frh), tb, FRA_MAX);
	if (!tb[FRA_PROTOCOL] || mnl_attr_validate(tb[FRA_PROTOCOL], MNL_TYPE_U8) < 0 ||
	    mnl_attr_get_u8(tb[FRA_PROTOCOL]) != RTPROT_WGF || !attr_u32(tb[FRA_PRIORITY], &r->priority) ||
	    r->priority < HS_RULE_PRIO_MIN || r->priority > HS_RULE_PRIO_MAX)
		return false;
	for (size_t i = 0; i < sizeof(rule_foreign_attrs) / sizeof(rule_foreign_attrs[0]); i++)
		if (tb[rule_foreign_attrs[i]])
			return false;
	r->family = frh->family;
	if (!rule_attr_prefix(tb[FRA_SRC], r->family, frh->src_len, &r->src) ||
	    !rule_attr_prefix(tb[FRA_DST], r->family, frh->dst_len, &r->dst))
		return false;
	if (tb[FRA_IIFNAME]) {
		if (mnl_attr_validate(tb[FRA_IIFNAME], MNL_TYPE_NUL_STRING) < 0 ||
		    strlen(mnl_attr_get_str(tb[FRA_IIFNAME])) >= IFNAMSIZ)
			return false;
		snprintf(r->iifname, sizeof(r->iifname), "%s", mnl_attr_get_str(tb[FRA_IIFNAME]));
	}
	r->has_fwmark = attr_u32(tb[FRA_FWMARK], &r->fwmark) | attr_u32(tb[FRA_FWMASK], &r->fwmask);
	if (r->fwmask == UINT32_MAX)
		r->fwmask = 0;
	r->invert = frh->flags & FIB_RULE_INVERT;
	if (!attr_u32(tb[FRA_TABLE], &r->table))
		r->table = frh->table;
	r->suppress_prefixlen = attr_u32(tb[FRA_SUPPRESS_PREFIXLEN], &v) && v <= 128 ? (int)v : -1;
	return true;
}

static int rule_list_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rule_list *l = data;
	struct hs_rule rule;

	if (!rule_parse(nlh, &rule))
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct hs_rule *v = reallocarray(l->v, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = rule;
	return 0;
}

int rtnl_rule_list(struct rtnl *r, struct hs_rule **out, size_t *n, struct wgf_error *err)
{
	struct rule_list l = { 0 };
	int ret;

	*out = NULL;
	*n = 0;
	ret = rtnl_dump(r, RTM_GETRULE, sizeof(struct fib_rule_hdr), rule_list_cb, &l, &l.n, err);
	if (ret < 0) {
		free(l.v);
		return ret;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}

static bool rule_valid(const struct hs_rule *rule)
{
	int f = rule->family;

	return (f == AF_INET || f == AF_INET6) && rule->priority >= HS_RULE_PRIO_MIN &&
	       rule->priority <= HS_RULE_PRIO_MAX && rule->table && rule->src.len <= prefix_max_len(f) &&
	       rule->dst.len <= prefix_max_len(f) && (!rule->src.len || rule->src.family == f) &&
	       (!rule->dst.len || rule->dst.family == f) && rule->suppress_prefixlen <= (int)prefix_max_len(f) &&
	       strnlen(rule->iifname, IFNAMSIZ) < IFNAMSIZ;
}

/* Every attribute of the rule, so that the kernel matches it and no other
 * where it can tell them apart. */
static int rule_msg(struct rtnl *r, uint16_t type, uint16_t flags, const struct hs_rule *rule,
		    struct wgf_error *err)
{
	struct wgf_prefix src = rule->src, dst = rule->dst;
	struct nlmsghdr *nlh;
	struct fib_rule_hdr *frh;

	if (!rule_valid(rule))
		return wgf_error_set(err, -EINVAL, NULL);
	prefix_mask(&src);
	prefix_mask(&dst);
	nlh = rtnl_msg(r, type, flags);
	frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
	frh->family = (uint8_t)rule->family;
	frh->src_len = src.len;
	frh->dst_len = dst.len;
	frh->table = rule->table < 256 ? (uint8_t)rule->table : RT_TABLE_UNSPEC;
	frh->action = FR_ACT_TO_TBL;
	frh->flags = rule->invert ? FIB_RULE_INVERT : 0;
	mnl_attr_put_u32(nlh, FRA_PRIORITY, rule->priority);
	mnl_attr_put_u8(nlh, FRA_PROTOCOL, RTPROT_WGF);
	mnl_attr_put_u32(nlh, FRA_TABLE, rule->table);
	if (src.len)
		mnl_attr_put(nlh, FRA_SRC, prefix_addr_len(src.family), src.addr);
	if (dst.len)
		mnl_attr_put(nlh, FRA_DST, prefix_addr_len(dst.family), dst.addr);
	if (rule->iifname[0])
		mnl_attr_put_strz(nlh, FRA_IIFNAME, rule->iifname);
	if (rule->has_fwmark) {
		mnl_attr_put_u32(nlh, FRA_FWMARK, rule->fwmark);
		mnl_attr_put_u32(nlh, FRA_FWMASK, rule->fwmask ? rule->fwmask : UINT32_MAX);
	}
	if (rule->suppress_prefixlen >= 0)
		mnl_attr_put_u32(nlh, FRA_SUPPRESS_PREFIXLEN, (uint32_t)rule->suppress_prefixlen);
	return rtnl_talk(r, nlh, NULL, NULL, err);
}

/* The rule, canonical as a listing gives it. */
static struct hs_rule rule_canon(const struct hs_rule *rule)
{
	struct hs_rule c = *rule;

	hs_rule_normalize(&c);
	return c;
}

/* Where the rule is in l, of those with its family and priority: *same counts
 * them. SIZE_MAX: not there. */
static size_t rule_find(const struct rule_list *l, const struct hs_rule *want, size_t *same)
{
	size_t at = SIZE_MAX;

	*same = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].family != want->family || l->v[i].priority != want->priority)
			continue;
		(*same)++;
		if (at == SIZE_MAX && !hs_rule_cmp(&l->v[i], want))
			at = i;
	}
	return at;
}

/* Deletes one rule as the kernel picks it, then lists: the rule that went goes
 * into gone (if it was not want, it is to be put back). */
static int rule_del_once(struct rtnl *r, const struct hs_rule *want, struct rule_list *l,
			 struct rule_list *gone, bool *done, struct wgf_error *err)
{
	struct rule_list now = { 0 };
	size_t same;
	int ret = rule_msg(r, RTM_DELRULE, 0, want, err);

	if (ret < 0)
		return ret;
	ret = rtnl_rule_list(r, &now.v, &now.n, err);
	if (ret < 0)
		return ret;
	*done = rule_find(&now, want, &same) == SIZE_MAX;
	for (size_t i = 0; !*done && i < l->n; i++) {
		if (rule_find(&now, &l->v[i], &same) != SIZE_MAX)
			continue;
		if (gone->n == gone->cap) {
			size_t cap = gone->cap ? gone->cap * 2 : 4;
			struct hs_rule *v = reallocarray(gone->v, cap, sizeof(*v));

			if (!v) {
				ret = wgf_error_set(err, -ENOMEM, NULL);
				break;
			}
			gone->v = v;
			gone->cap = cap;
		}
		gone->v[gone->n++] = l->v[i];
	}
	free(l->v);
	*l = now;
	return ret;
}

/* NLM_F_EXCL would refuse "from all lookup T" next to "from 10.8.0.0/24 lookup
 * T" of the same priority (and "not fwmark M" next to "fwmark M"): the kernel
 * compares only the fields the request sets, and never the flags. So whether
 * the rule is there is read from a listing, and the add is not exclusive. */
int rtnl_rule_add(struct rtnl *r, const struct hs_rule *rule, struct wgf_error *err)
{
	struct hs_rule want = rule_canon(rule);
	struct rule_list l = { 0 };
	size_t same;
	int ret;

	if (!rule_valid(rule))
		return wgf_error_set(err, -EINVAL, NULL);
	ret = rtnl_rule_list(r, &l.v, &l.n, err);
	if (ret == 0 && rule_find(&l, &want, &same) != SIZE_MAX)
		ret = wgf_error_set(err, -EEXIST, NULL);
	if (ret == 0)
		ret = rule_msg(r, RTM_NEWRULE, NLM_F_CREATE, &want, err);
	free(l.v);
	return ret;
}

/*
 * The kernel deletes the first rule that matches what the request sets, and a
 * field it does not set (any source, no fwmark) or FIB_RULE_INVERT does not
 * narrow the match: "from all lookup T" can take "from 10.8.0.0/24 lookup T" of
 * the same priority. So when wgf has other rules of that family and priority,
 * each delete is checked against a listing, and another rule it took is put
 * back. A rule that is not there is -ENOENT, and nothing is sent.
 */
int rtnl_rule_del(struct rtnl *r, const struct hs_rule *rule, struct wgf_error *err)
{
	struct hs_rule want = rule_canon(rule);
	struct rule_list l = { 0 }, gone = { 0 };
	bool done = false;
	size_t same, tries;
	int ret;

	if (!rule_valid(rule))
		return wgf_error_set(err, -EINVAL, NULL);
	ret = rtnl_rule_list(r, &l.v, &l.n, err);
	if (ret < 0)
		return ret;
	if (rule_find(&l, &want, &same) == SIZE_MAX) {
		ret = wgf_error_set(err, -ENOENT, NULL);
		goto out;
	}
	if (same == 1) {
		ret = rule_msg(r, RTM_DELRULE, 0, &want, err);
		goto out;
	}
	for (tries = same; ret >= 0 && !done && tries; tries--)
		ret = rule_del_once(r, &want, &l, &gone, &done, err);
	if (ret >= 0 && !done)
		ret = wgf_error_set(err, -EIO, "the kernel did not delete the rule");
	for (size_t i = 0; i < gone.n; i++) {
		struct wgf_error e = {0};
		int back = rule_msg(r, RTM_NEWRULE, NLM_F_CREATE, &gone.v[i], &e);

		if (back < 0 && ret >= 0) {
			wgf_error_move(err, &e);
			ret = back;
		}
		wgf_error_clear(&e);
	}
out:
	free(l.v);
	free(gone.v);
	return ret;
}

struct route_get_data {
	struct rtnl_route_info *out;
	bool found;
};

static int route_get_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_get_data *d = data;
	const struct nlattr *tb[RTA_MAX + 1], *mx[RTAX_MAX + 1];
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct attr_table t = { .tb = mx, .max = RTAX_MAX };
	uint32_t oif = 0;

	if (nlh->nlmsg_type != RTM_NEWROUTE || mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm))
		return 0;
	parse_attrs(nlh, sizeof(*rtm), tb, RTA_MAX);
	d->found = true;
	d->out->type = rtm->rtm_type;
	if (attr_u32(tb[RTA_OIF], &oif))
		d->out->oif = (int)oif;
	if (tb[RTA_METRICS] && mnl_attr_validate(tb[RTA_METRICS], MNL_TYPE_NESTED) >= 0) {
		memset(mx, 0, sizeof(mx));
		mnl_attr_parse_nested(tb[RTA_METRICS], attr_table_cb, &t);
		attr_u32(mx[RTAX_MTU], &d->out->route_mtu);
	}
	return 0;
}

static int link_by_index(struct rtnl *r, int ifindex, struct rtnl_link_info *out, struct wgf_error *err)
{
	struct nlmsghdr *nlh = rtnl_msg(r, RTM_GETLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	return rtnl_talk(r, nlh, link_get_cb, out, err);
}

int rtnl_route_get(struct rtnl *r, const struct wgf_endpoint *dst, struct rtnl_route_info *out,
		   struct wgf_error *err)
{
	struct route_get_data d = { .out = out };
	struct rtnl_link_info link = {0};
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	size_t alen;
	int ret;

	memset(out, 0, sizeof(*out));
	if (dst->family != AF_INET && dst->family != AF_INET6)
		return wgf_error_set(err, -EAFNOSUPPORT, NULL);
	alen = prefix_addr_len(dst->family);
	nlh = rtnl_msg(r, RTM_GETROUTE, 0);
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = dst->family;
	rtm->rtm_dst_len = (unsigned char)(alen * 8);
	mnl_attr_put(nlh, RTA_DST, alen, dst->addr);
	ret = rtnl_talk(r, nlh, route_get_cb, &d, err);
	if (ret == 0 && !d.found)
		ret = wgf_error_set(err, -ENETUNREACH, NULL);
	if (ret == 0 && out->oif > 0 && link_by_index(r, out->oif, &link, NULL) == 0) {
		snprintf(out->ifname, sizeof(out->ifname), "%s", link.ifname);
		out->link_mtu = link.mtu;
	}
	if (ret < 0)
		memset(out, 0, sizeof(*out));
	return ret;
}
