/* The in-memory kernel of kernel_fake.h. It answers like the real one where
 * apply and observe can tell: -ENODEV for a missing link, -EEXIST for an
 * address or link that is there, -EADDRNOTAVAIL / -ESRCH for one that is not,
 * IPv6 route metric 0 stored as 1024, routes gone with their link (a blackhole
 * or throw route has none), -EEXIST / -ENOENT for a rule that is / is not there. */
#include "tests/unit/kernel_fake.h"
#include "tests/unit/kernel_fake_impl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "model/str.h"

#define FAKE_IP6_DEFAULT_METRIC 1024

static const char *const op_names[KF_OP_MAX] = {
	[KF_LINK_GET] = "link_get", [KF_LINK_ADD_WIREGUARD] = "link_add_wireguard",
	[KF_LINK_DEL] = "link_del", [KF_LINK_SET] = "link_set",
	[KF_ADDR_LIST] = "addr_list", [KF_ADDR_ADD] = "addr_add", [KF_ADDR_DEL] = "addr_del",
	[KF_ROUTE_LIST] = "route_list", [KF_ROUTE_REPLACE] = "route_replace", [KF_ROUTE_DEL] = "route_del",
	[KF_RULE_LIST] = "rule_list", [KF_RULE_ADD] = "rule_add", [KF_RULE_DEL] = "rule_del",
	[KF_WG_BACKEND_DETECT] = "wg_backend_detect", [KF_WG_KERNEL_AVAILABLE] = "wg_kernel_available",
	[KF_WG_GET_DEVICE] = "wg_get_device", [KF_WG_SET_DEVICE] = "wg_set_device",
	[KF_WG_USERSPACE_START] = "wg_userspace_start",
	[KF_SYSCTL_READ] = "sysctl_read", [KF_SYSCTL_WRITE] = "sysctl_write",
	[KF_NFT_GET] = "nft_table_get", [KF_NFT_REPLACE] = "nft_table_replace",
	[KF_NFT_CHECK] = "nft_table_check", [KF_NFT_PATCH] = "nft_table_patch",
	[KF_NFT_PATCH_CHECK] = "nft_table_patch_check", [KF_NFT_DELETE] = "nft_table_delete",
	[KF_NFT_STAMP] = "nft_ruleset_stamp", [KF_PING] = "ping", [KF_PING_MANY] = "ping_many",
	[KF_DNS_MANAGER] = "dns_manager", [KF_DNS_GET] = "dns_get", [KF_DNS_SET] = "dns_set",
	[KF_DNS_DELETE] = "dns_delete",
};

const char *kernel_fake_op_name(enum kernel_fake_op op)
{
	return op < KF_OP_MAX ? op_names[op] : "?";
}

bool kernel_fake_op_writes(enum kernel_fake_op op)
{
	switch (op) {
	case KF_LINK_ADD_WIREGUARD: case KF_LINK_DEL: case KF_LINK_SET:
	case KF_ADDR_ADD: case KF_ADDR_DEL: case KF_ROUTE_REPLACE: case KF_ROUTE_DEL:
	case KF_RULE_ADD: case KF_RULE_DEL:
	case KF_WG_SET_DEVICE: case KF_WG_USERSPACE_START: case KF_SYSCTL_WRITE:
	case KF_NFT_REPLACE: case KF_NFT_PATCH: case KF_NFT_DELETE: case KF_DNS_SET: case KF_DNS_DELETE:
		return true;
	default:
		return false;
	}
}

size_t kernel_fake_writes(const struct kernel_fake *f)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n_calls; i++)
		n += kernel_fake_op_writes(f->calls[i].op);
	return n;
}

struct kernel_fake *fake_of(struct kernel *k)
{
	return (struct kernel_fake *)k;
}

int enter(struct kernel_fake *f, enum kernel_fake_op op, struct wgf_error *err, const char *fmt, ...)
{
	struct kernel_fake_fault *hit = NULL, fault;
	struct kernel_fake_call *c;
	va_list ap;

	if (f->n_calls == f->cap_calls) {
		size_t cap = f->cap_calls ? f->cap_calls * 2 : 64;
		struct kernel_fake_call *v = realloc(f->calls, cap * sizeof(*v));

		if (!v)
			abort();
		f->calls = v;
		f->cap_calls = cap;
	}
	c = &f->calls[f->n_calls++];
	memset(c, 0, sizeof(*c));
	c->op = op;
	va_start(ap, fmt);
	vsnprintf(c->what, sizeof(c->what), fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < f->n_faults; i++)
		if (f->faults[i].op == op && --f->faults[i].countdown == 0 && !hit)
			hit = &f->faults[i];
	if (!hit)
		return 0;
	fault = *hit;
	*hit = f->faults[--f->n_faults];
	c->result = fault.error;
	if (fault.text[0])
		return wgf_error_set(err, fault.error, "%s", fault.text);
	return wgf_error_set(err, fault.error, NULL);
}

int leave(struct kernel_fake *f, int r, struct wgf_error *err)
{
	f->calls[f->n_calls - 1].result = r;
	return r < 0 ? wgf_error_set(err, r, NULL) : r;
}

static struct hs_device *dev_by_ifindex(struct kernel_fake *f, int ifindex)
{
	for (size_t i = 0; i < f->hs->n_devices; i++)
		if (f->hs->devices[i].ifindex == ifindex)
			return &f->hs->devices[i];
	return NULL;
}

static const char *ifname_of(struct kernel_fake *f, int ifindex)
{
	struct hs_device *d = dev_by_ifindex(f, ifindex);

	return d ? d->ifname : "?";
}

/* A copy with room as hoststate.c's arrays have (a power of two), so that its
 * append helpers may grow it. */
static void *array_dup(const void *v, size_t n, size_t elem)
{
	size_t cap = 1;
	void *p;

	while (cap < n)
		cap *= 2;
	p = calloc(cap, elem);
	if (p && n)
		memcpy(p, v, n * elem);
	return p;
}

static void fake_free(struct kernel *k)
{
	struct kernel_fake *f = fake_of(k);

	hoststate_free(f->hs);
	free(f->calls);
	free(f);
}

void kernel_fake_free(struct kernel_fake *f)
{
	if (f)
		fake_free(&f->k);
}

static int fake_link_get(struct kernel *k, const char *ifname, struct rtnl_link_info *out, struct wgf_error *err)
{
	struct kernel_fake *f = fake_of(k);
	struct hs_device *d;
	int r = enter(f, KF_LINK_GET, err, "%s", ifname);

	memset(out, 0, sizeof(*out));
	if (r < 0)
		return r;
	d = hoststate_find_device(f->hs, ifname);
	if (!d)
		return leave(f, -ENODEV, err);
	out->ifindex = d->ifindex;
	snprintf(out->ifname, sizeof(out->ifname), "%s", d->ifname);
	snprintf(out->kind, sizeof(out->kind), "%s", d->backend == HS_BACKEND_KERNEL ? "wireguard" : "tun");
	out->mtu = d->mtu;
	out->up = d->up;
	return leave(f, 0, err);
}

static int link_add(struct kernel_fake *f, const char *ifname, enum hs_backend backend, struct wgf_error *err)
{
	struct hs_device *d;

	if (hoststate_find_device(f->hs, ifname))
		return leave(f, -EEXIST, err);
	d = hoststate_add_device(f->hs, ifname);
	if (!d)
		return leave(f, -ENOMEM, err);
	d->exists = true;
	d->backend = backend;
	d->ifindex = f->next_ifindex++;
	d->mtu = 1420;
	hoststate_normalize(f->hs);
	return leave(f, 0, err);
}

static int fake_link_add_wireguard(struct kernel *k, const char *ifname, struct wgf_error *err)
{
	struct kernel_fake *f = fake_of(k);
	int r = enter(f, KF_LINK_ADD_WIREGUARD, err, "%s", ifname);

	return r < 0 ? r : link_add(f, ifname, HS_BACKEND_KERNEL, err);
}

static int fake_wg_userspace_start(struct kernel *k, const char *ifname, const char *wireguard_go,
				   struct wgf_error *err)
{
	struct kernel_fake *f = fake_of(k);
	int r = enter(f, KF_WG_USERSPACE_START, err, "%s", ifname);

	return r < 0 ? r : link_add(f, ifname, HS_BACKEND_USERSPACE, err);
}

static int fake_link_del(struct kernel *k, int ifindex, struct wgf_error *err)
{
	struct kernel_fake *f = fake_of(k);
	struct host_state *hs = f->hs;
	struct hs_device *d;
	size_t j = 0;
	int r = enter(f, KF_LINK_DEL, err, "%s", ifname_of(f, ifindex));

	if (r < 0)
		return r;
	d = dev_by_ifindex(f, ifindex);
	if (!d)
		return leave(f, -ENODEV, err);
	for (size_t i = 0; i < hs->n_routes; i++)
		if (strcmp(hs->routes[i].ifname, d->ifname))
			hs->routes[j++] = hs->routes[i];
	hs->n_routes = j;
	fake_dns_link_gone(f, d->ifname);
	hs_device_clear(d);
	memmove(d, d + 1, (size_t)(hs->devices + hs->n_devices - (d + 1)) * sizeof(*d));
	hs->n_devices--;
	return leave(f, 0, err);
}

static int fake_link_set(struct kernel *k, int ifindex, uint32_t mtu, bool up, struct wgf_error *err)
{
	struct kernel_fake *f = fake_of(k);
	struct hs_device *d;
	int r = enter(f, KF_LINK_SET, err, "%s", ifname_of(f, ifindex));

	if (r < 0)
		return r;
	d = dev_by_ifindex(f, ifindex);
	if (!d)
		return leave(f, -ENODEV, err);
	if (mtu)
		d->mtu = mtu;
	if (up)
		d->up = true;
	return leave(f, 0, err);
}

static int fake_addr_list(struct kernel *k, int ifindex, struct wgf_prefix **out, size_t *n, struct wgf_error *err)
{
	struct kernel_fake *f = fake_of(k);
	struct hs_device *d;
	int r = enter(f, KF_ADDR_LIST, err, "%s", ifname_of(f, ifindex));

	*out = NULL;
	*n = 0;
	if (r < 0)
		return r;
	d = dev_by_ifindex(f, ifindex);
	if (!d)
		return leave(f, -ENODEV, err);
	if (d->n_addresses) {
		*out = array_dup(d->addresses, d->n_addresses, sizeof(**out));
		if (!*out)
			return leave(f, -ENOMEM, err);
		*n = d->n_addresses;
	}
	return leave(f, 0, err);
}

static struct wgf_prefix *addr_find(struct hs_device *d, const struct wgf_prefix *p)
{
	for (size_t i = 0; i < d->n_addresses; i++)
		if (prefix_equal(&d->addresses[i], p))
			return &d->addresses[i];
	return NULL;
}

static int fake_addr_change(struct kernel *k, enum kernel_fake_op op, int ifindex, const struct wgf_prefix *p,
			    struct wgf_error *err)
{
	struct kernel_fake *f = fake_of(k);
	char buf[PREFIX_STRLEN];
	struct hs_device *d;
	struct wgf_prefix *have;
	int r = enter(f, op, err, "%s", prefix_format(p, buf));

	if (r < 0)
		return r;
	d = dev_by_ifindex(f, ifindex);
	if (!d)
		return leave(f, -ENODEV, err);
	have = addr_find(d, p);
	if (op == KF_ADDR_ADD) {
		if (have)
			return leave(f, -EEXIST, err);
		r = hs_device_add_address(d, p);
	} else if (!have) {
		r = -EADDRNOTAVAIL;
	} else {
		memmove(have, have + 1, (size_t)(d->addresses + d->n_addresses - (have + 1)) * sizeof(*have));
		d->n_addresses--;
	}
	hoststate_normalize(f->hs);
	return leave(f, r, err);
}

static int fake_addr_add(struct kernel *k, int ifindex, const struct wgf_prefix *p, struct wgf_error *err)
{
	return fake_addr_change(k, KF_ADDR_ADD, ifindex, p, err);
}

static int fake_addr_del(struct kernel *k, int ifindex, const struct wgf_prefix *p, struct wgf_error *err)
{
	return fake_addr_change(k, KF_ADDR_DEL, ifindex, p, err);
}

static int fake_route_list(struct kernel *k, struct hs_route **out, size_t *n, struct wgf_error *err)
{
	struct kernel_fake *f = fake_of(k);
	int r = enter(f, KF_ROUTE_LIST, err, "all");

	*out = NULL;
	*n = 0;
	if (r < 0)
		return r;
	if (f->hs->n_routes) {
		*out = array_dup(f->hs->routes, f->hs->n_routes, sizeof(**out));
		if (!*out)
			return leave(f, -ENOMEM, err);
		*n = f->hs->n_routes;
	}
	return leave(f, 0, err);
}

/* As the kernel stores it: table 0 is main, IPv6 metric 0 is 1024, host bits clear. */
static struct hs_route route_norm(const struct hs_route *rt)
{
	struct hs_route n = *rt;

	prefix_mask(&n.dst);
	if (!n.table)
		n.table = HS_ROUTE_TABLE_MAIN;
	if (n.dst.family == AF_INET6 && !n.metric)
		n.metric = FAKE_IP6_DEFAULT_METRIC;
	return n;
}

static bool route_same_dst(const struct hs_route *a, const struct hs_route *b)
{
	return a->table == b->table && prefix_equal(&a->dst, &b->dst);
}

static void route_remove(struct host_state *hs, size_t i)
{
	memmove(&hs->routes[i], &hs->routes[i + 1], (hs->n_routes - i - 1) * sizeof(*hs->routes));
	hs->n_routes--;
}

static int fake_route_replace(struct kernel *k, int ifindex, const struct hs_route *rt,
			      const struct hs_route *have, size_t n_have, struct wgf_error *err)
{
	struct kernel_fake *f = fake_of(k);
	struct hs_route want = route_norm(rt);
	char buf[PREFIX_STRLEN];
	struct hs_device *d;
	bool done = false;
	int r = enter(f, KF_ROUTE_REPLACE, err, "%s", prefix_format(&want.dst, buf));

	if (r < 0)
		return r;
	d = want.type == HS_ROUTE_UNICAST ? dev_by_ifindex(f, ifindex) : NULL;
	if (!d && want.type == HS_ROUTE_UNICAST)
		return leave(f, -ENODEV, err);
	snprintf(want.ifname, sizeof(want.ifname), "%s", d ? d->ifname : "");
	for (size_t i = 0; i < f->hs->n_routes;) {
		struct hs_route *o = &f->hs->routes[i];

		if (!route_same_dst(o, &want)) {
			i++;
		} else if (o->metric == want.metric && !done) {
			*o = want;
			done = true;
			i++;
		} else {
			route_remove(f->hs, i);
		}
	}
	if (!done)
		r = hoststate_add_route(f->hs, &want);
	hoststate_normalize(f->hs);
	return leave(f, r, err);
}

static int fake_route_del(struct kernel *k, int ifindex, const struct hs_route *rt, struct wgf_error *err)
{
	struct kernel_fake *f = fake_of(k);
	struct hs_route want = route_norm(rt);
	const char *ifname = ifindex > 0 ? ifname_of(f, ifindex) : NULL;
	char buf[PREFIX_STRLEN];
	size_t best = SIZE_MAX;
	int r = enter(f, KF_ROUTE_DEL, err, "%s", prefix_format(&want.dst, buf));

	if (r < 0)
		return r;
	/* IPv4 metric 0 matches any metric: the lowest goes */
	for (size_t i = 0; i < f->hs->n_routes; i++) {
		const struct hs_route *o = &f->hs->routes[i];

		if (!route_same_dst(o, &want) || (ifname && strcmp(o->ifname, ifname)) || o->type != want.type)
			continue;
		if (o->metric != want.metric && (want.dst.family != AF_INET || want.metric))
			continue;
		if (best == SIZE_MAX || o->metric < f->hs->routes[best].metric)
			best = i;
	}
	if (best == SIZE_MAX)
		return leave(f, -ESRCH, err);
	route_remove(f->hs, best);
	return leave(f, 0, err);
}

static enum hs_backend fake_wg_backend_detect(struct kernel *k, const char *ifname)
{
	struct kernel_fake *f = fake_of(k);
	struct hs_device *d;

	enter(f, KF_WG_BACKEND_DETECT, NULL, "%s", ifname);
	d = hoststate_find_device(f->hs, ifname);
	return d && d->backend == HS_BACKEND_USERSPACE ? HS_BACKEND_USERSPACE : HS_BACKEND_KERNEL;
}

static bool fake_wg_kernel_available(struct kernel *k)
{
	struct kernel_fake *f = fake_of(k);

	enter(f, KF_WG_KERNEL_AVAILABLE, NULL, "-");
	return f->wg_kernel;
}

static struct hs_sysctl *sysctl_find(struct kernel_fake *f, const char *key)
{
	for (size_t i = 0; i < f->hs->n_sysctls; i++)
		if (!strcmp(f->hs->sysctls[i].key, key))
			return &f->hs->sysctls[i];
	return NULL;
}

static int fake_sysctl_read(struct kernel *k, const char *key, char *buf, size_t len, struct wgf_error *err)
{
	struct kernel_fake *f = fake_of(k);
	struct hs_sysctl *s;
	int r = enter(f, KF_SYSCTL_READ, err, "%s", key);

	if (r < 0)
		return r;
	s = sysctl_find(f, key);
	if (!s)
		return leave(f, -ENOENT, err);
	if (strlen(s->value) >= len)
		return leave(f, -ERANGE, err);
	strcpy(buf, s->value);
	return leave(f, 0, err);
}

static int fake_sysctl_write(struct kernel *k, const char *key, const char *value, struct wgf_error *err)
{
	struct kernel_fake *f = fake_of(k);
	struct hs_sysctl *s;
	char *v;
	int r = enter(f, KF_SYSCTL_WRITE, err, "%s", key);

	if (r < 0)
		return r;
	s = sysctl_find(f, key);
	if (!s)
		return leave(f, -ENOENT, err);
	v = strdup(value);
	if (!v)
		return leave(f, -ENOMEM, err);
	free(s->value);
	s->value = v;
	return leave(f, 0, err);
}

static bool is_wgf_table(const char *family, const char *name)
{
	return !strcmp(family, HS_FW_FAMILY) && !strcmp(name, HS_FW_TABLE);
}

/* The body without the blank lines and spaces around it: what a listing shows. */
static char *body_trim(const char *body)
{
	const char *a = body, *b = body + strlen(body);

	while (*a == ' ' || *a == '\t' || *a == '\n')
		a++;
	while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\n'))
		b--;
	return strndup(a, (size_t)(b - a));
}

static int fake_nft_table_get(struct kernel *k, const char *family, const char *name, char **text,
			      struct wgf_error *err)
{
	struct kernel_fake *f = fake_of(k);
	int r = enter(f, KF_NFT_GET, err, "%s %s", family, name);

	*text = NULL;
	if (r < 0)
		return r;
	if (!is_wgf_table(family, name) || !f->hs->firewall.present)
		return leave(f, -ENOENT, err);
	*text = str_printf("table %s %s {\n%s\n}\n", family, name, f->hs->firewall.body);
	return leave(f, *text ? 0 : -ENOMEM, err);
}

/* replace, patch and their dry runs: a dry run changes nothing. */
static int nft_load(struct kernel *k, enum kernel_fake_op op, const char *family, const char *name,
		    const char *text, struct wgf_error *err)
{
	struct kernel_fake *f = fake_of(k);
	struct hs_firewall *fw = &f->hs->firewall;
	char *body = NULL;
	int r = enter(f, op, err, "%s %s", family, name);

	if (r < 0)
		return r;
	if (!is_wgf_table(family, name))
		return leave(f, -EINVAL, err);
	if ((op == KF_NFT_PATCH || op == KF_NFT_PATCH_CHECK) && !fw->present)
		return leave(f, -ENOENT, err);
	if (op == KF_NFT_CHECK || op == KF_NFT_PATCH_CHECK || (op == KF_NFT_PATCH && !*text))
		return leave(f, 0, err);
	if (op == KF_NFT_REPLACE)
		body = body_trim(text);
	else
		body = str_printf("%s\n%s", fw->body, text);
	if (!body)
		return leave(f, -ENOMEM, err);
	free(fw->body);
	fw->body = body;
	fw->present = true;
	f->nft_genid++;
	return leave(f, 0, err);
}

static int fake_nft_table_replace(struct kernel *k, const char *family, const char *name, const char *body,
				  struct wgf_error *err)
{
	return nft_load(k, KF_NFT_REPLACE, family, name, body, err);
}

static int fake_nft_table_check(struct kernel *k, const char *family, const char *name, const char *body,
				struct wgf_error *err)
{
	return nft_load(k, KF_NFT_CHECK, family, name, body, err);
}

static int fake_nft_table_patch(struct kernel *k, const char *family, const char *name, const char *cmds,
				struct wgf_error *err)
{
	return nft_load(k, KF_NFT_PATCH, family, name, cmds, err);
}

static int fake_nft_table_patch_check(struct kernel *k, const char *family, const char *name,
				      const char *cmds, struct wgf_error *err)
{
	return nft_load(k, KF_NFT_PATCH_CHECK, family, name, cmds, err);
}

static int fake_nft_table_delete(struct kernel *k, const char *family, const char *name, struct wgf_error *err)
{
	struct kernel_fake *f = fake_of(k);
	int r = enter(f, KF_NFT_DELETE, err, "%s %s", family, name);

	if (r < 0)
		return r;
	if (!is_wgf_table(family, name) || !f->hs->firewall.present)
		return leave(f, -ENOENT, err);
	free(f->hs->firewall.body);
	f->hs->firewall.body = NULL;
	f->hs->firewall.present = false;
	f->nft_genid++;
	return leave(f, 0, err);
}

static int fake_nft_ruleset_stamp(struct kernel *k, struct hs_fw_stamp *out)
{
	struct kernel_fake *f = fake_of(k);
	int r = enter(f, KF_NFT_STAMP, NULL, "-");

	memset(out, 0, sizeof(*out));
	if (r < 0)
		return r;
	out->genid = f->nft_genid;
	out->netns = 1;
	snprintf(out->boot_id, sizeof(out->boot_id), "fake-boot");
	return leave(f, 0, NULL);
}

static int fake_rule_list(struct kernel *k, struct hs_rule **out, size_t *n, struct wgf_error *err)
{
	struct kernel_fake *f = fake_of(k);
	int r = enter(f, KF_RULE_LIST, err, "all");

	*out = NULL;
	*n = 0;
	if (r < 0)
		return r;
	if (f->hs->n_rules) {
		*out = array_dup(f->hs->rules, f->hs->n_rules, sizeof(**out));
		if (!*out)
			return leave(f, -ENOMEM, err);
		*n = f->hs->n_rules;
	}
	return leave(f, 0, err);
}

static int fake_rule_change(struct kernel *k, enum kernel_fake_op op, const struct hs_rule *rule,
			    struct wgf_error *err)
{
	struct kernel_fake *f = fake_of(k);
	char buf[HS_RULE_STRLEN];
	struct hs_rule want = *rule, *have;
	int r;

	hs_rule_normalize(&want);
	r = enter(f, op, err, "%.63s", hs_rule_format(&want, buf));
	if (r < 0)
		return r;
	if (want.priority < HS_RULE_PRIO_MIN || want.priority > HS_RULE_PRIO_MAX)
		return leave(f, -EINVAL, err);
	have = f->hs->n_rules ? bsearch(&want, f->hs->rules, f->hs->n_rules, sizeof(want), hs_rule_cmp) : NULL;
	if (op == KF_RULE_ADD) {
		if (have)
			return leave(f, -EEXIST, err);
		r = hoststate_add_rule(f->hs, &want);
	} else if (!have) {
		return leave(f, -ENOENT, err);
	} else {
		memmove(have, have + 1, (size_t)(f->hs->rules + f->hs->n_rules - (have + 1)) * sizeof(*have));
		f->hs->n_rules--;
	}
	hoststate_normalize(f->hs);
	return leave(f, r, err);
}

static int fake_rule_add(struct kernel *k, const struct hs_rule *rule, struct wgf_error *err)
{
	return fake_rule_change(k, KF_RULE_ADD, rule, err);
}

static int fake_rule_del(struct kernel *k, const struct hs_rule *rule, struct wgf_error *err)
{
	return fake_rule_change(k, KF_RULE_DEL, rule, err);
}

/* -ENODEV without the device; else every address answers but the unreachable ones. */
static int fake_ping(struct kernel *k, const char *ifname, const struct wgf_prefix *addr, unsigned tries,
		     unsigned timeout_ms, bool *alive)
{
	struct kernel_fake *f = fake_of(k);
	char buf[PREFIX_STRLEN];
	int r = enter(f, KF_PING, NULL, "%s %s", ifname, prefix_format(addr, buf));

	if (r < 0)
		return r;
	if (!hoststate_find_device(f->hs, ifname))
		return leave(f, -ENODEV, NULL);
	*alive = true;
	for (size_t i = 0; i < f->n_unreachable; i++)
		if (prefix_equal(&f->unreachable[i], addr))
			*alive = false;
	return leave(f, 0, NULL);
}

/* As ping, each target out of its device. */
static int fake_ping_many(struct kernel *k, struct ping_target *t, size_t n, unsigned timeout_ms)
{
	struct kernel_fake *f = fake_of(k);
	int r = enter(f, KF_PING_MANY, NULL, "%zu targets", n);

	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		t[i].alive = false;
		t[i].rtt_us = 0;
		t[i].error = hoststate_find_device(f->hs, t[i].ifname) ? 0 : -ENODEV;
		if (t[i].error)
			continue;
		t[i].alive = true;
		t[i].rtt_us = f->rtt_us;
		for (size_t j = 0; j < f->n_unreachable; j++)
			if (prefix_equal(&f->unreachable[j], &t[i].addr))
				t[i].alive = false;
	}
	return leave(f, 0, NULL);
}

static const struct kernel_ops fake_ops = {
	.free = fake_free,
	.link_get = fake_link_get,
	.link_add_wireguard = fake_link_add_wireguard,
	.link_del = fake_link_del,
	.link_set = fake_link_set,
	.addr_list = fake_addr_list,
	.addr_add = fake_addr_add,
	.addr_del = fake_addr_del,
	.route_list = fake_route_list,
	.route_replace = fake_route_replace,
	.route_del = fake_route_del,
	.rule_list = fake_rule_list,
	.rule_add = fake_rule_add,
	.rule_del = fake_rule_del,
	.wg_backend_detect = fake_wg_backend_detect,
	.wg_kernel_available = fake_wg_kernel_available,
	.wg_get_device = fake_wg_get_device,
	.wg_set_device = fake_wg_set_device,
	.wg_userspace_start = fake_wg_userspace_start,
	.sysctl_read = fake_sysctl_read,
	.sysctl_write = fake_sysctl_write,
	.nft_table_get = fake_nft_table_get,
	.nft_table_replace = fake_nft_table_replace,
	.nft_table_check = fake_nft_table_check,
	.nft_table_patch = fake_nft_table_patch,
	.nft_table_patch_check = fake_nft_table_patch_check,
	.nft_table_delete = fake_nft_table_delete,
	.nft_ruleset_stamp = fake_nft_ruleset_stamp,
	.ping = fake_ping,
	.ping_many = fake_ping_many,
	.dns_manager = fake_dns_manager,
	.dns_get = fake_dns_get,
	.dns_set = fake_dns_set,
	.dns_delete = fake_dns_delete,
};

struct kernel_fake *kernel_fake_new(void)
{
	struct kernel_fake *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->hs = hoststate_new();
	if (!f->hs) {
		free(f);
		return NULL;
	}
	f->k.ops = &fake_ops;
	f->next_ifindex = 2;
	f->wg_kernel = true;
	f->nft_genid = 1;
	return f;
}

void kernel_fake_fail(struct kernel_fake *f, enum kernel_fake_op op, unsigned nth, int error, const char *text)
{
	struct kernel_fake_fault *fault;

	if (f->n_faults == sizeof(f->faults) / sizeof(f->faults[0]))
		abort();
	fault = &f->faults[f->n_faults++];
	fault->op = op;
	fault->countdown = nth ? nth : 1;
	fault->error = error;
	snprintf(fault->text, sizeof(fault->text), "%s", text ? text : "");
}

void kernel_fake_reset_log(struct kernel_fake *f)
{
	f->n_calls = 0;
	f->n_faults = 0;
}

int kernel_fake_add_sysctl(struct kernel_fake *f, const char *key, const char *value)
{
	int r = hoststate_add_sysctl(f->hs, key, value);

	hoststate_normalize(f->hs);
	return r;
}

static void dump_peer(FILE *m, const struct hs_peer *p)
{
	char fp[WG_KEY_FP_LEN], buf[PREFIX_STRLEN];

	fprintf(m, "  peer %s", key_fingerprint(p->public_key, fp));
	if (p->has_psk)
		fprintf(m, " psk=%s", key_fingerprint(p->psk, fp));
	if (p->endpoint.family)
		fprintf(m, " endpoint=%u/%u", p->endpoint.family, p->endpoint.port);
	fprintf(m, " keepalive=%u allowed=", p->keepalive);
	for (size_t i = 0; i < p->n_allowed_ips; i++)
		fprintf(m, "%s%s", i ? "," : "", prefix_format(&p->allowed_ips[i], buf));
	fputc('\n', m);
}

char *kernel_fake_dump(const struct kernel_fake *f)
{
	const struct host_state *hs = f->hs;
	char *out = NULL, fp[WG_KEY_FP_LEN], buf[PREFIX_STRLEN], rbuf[HS_RULE_STRLEN];
	size_t len = 0;
	FILE *m = open_memstream(&out, &len);

	if (!m)
		return NULL;
	for (size_t i = 0; i < hs->n_devices; i++) {
		const struct hs_device *d = &hs->devices[i];

		fprintf(m, "link %s %s mtu=%u up=%d key=%s port=%u fwmark=%u\n", d->ifname,
			d->backend == HS_BACKEND_KERNEL ? "kernel" : "userspace", d->mtu, d->up,
			d->has_private_key ? key_fingerprint(d->private_key, fp) : "-", d->listen_port, d->fwmark);
		for (size_t j = 0; j < d->n_peers; j++)
			dump_peer(m, &d->peers[j]);
		for (size_t j = 0; j < d->n_addresses; j++)
			fprintf(m, "  address %s\n", prefix_format(&d->addresses[j], buf));
	}
	for (size_t i = 0; i < hs->n_routes; i++) {
		const struct hs_route *rt = &hs->routes[i];

		fprintf(m, "route %s %s %s table %u metric %u", hs_route_type_name(rt->type), prefix_format(&rt->dst, buf),
			rt->ifname[0] ? rt->ifname : "-", rt->table, rt->metric);
		if (rt->has_prefsrc)
			fprintf(m, " src %s", prefix_format(&rt->prefsrc, buf));
		fputc('\n', m);
	}
	for (size_t i = 0; i < hs->n_rules; i++)
		fprintf(m, "rule %s\n", hs_rule_format(&hs->rules[i], rbuf));
	for (size_t i = 0; i < hs->n_sysctls; i++)
		fprintf(m, "sysctl %s=%s\n", hs->sysctls[i].key, hs->sysctls[i].value);
	if (hs->firewall.present)
		fprintf(m, "nft table %s %s {\n%s\n}\n", HS_FW_FAMILY, HS_FW_TABLE, hs->firewall.body);
	for (size_t i = 0; i < hs->n_dns; i++) {
		const struct hs_dns *d = &hs->dns[i];

		fprintf(m, "dns %s servers=", d->ifname);
		for (size_t j = 0; j < d->n_servers; j++)
			fprintf(m, "%s%s", j ? "," : "", prefix_format_addr(&d->servers[j], buf));
		fprintf(m, " search=");
		for (size_t j = 0; j < d->n_search; j++)
			fprintf(m, "%s%s", j ? "," : "", d->search[j]);
		fprintf(m, " routing=");
		for (size_t j = 0; j < d->n_routing; j++)
			fprintf(m, "%s%s", j ? "," : "", d->routing[j]);
		fprintf(m, " default_route=%s\n", hs_dns_route_name(d->default_route));
	}
	fclose(m);
	return out;
}
