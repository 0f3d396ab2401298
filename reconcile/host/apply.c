#include "reconcile/host/apply.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "model/str.h"
#include "reconcile/host/keyfile.h"
#include "reconcile/host/observe.h"
#include "reconcile/host/statedir.h"
#include "reconcile/plan/nft_text.h"

struct apply_ctx {
	struct kernel *k;
	const struct plan *plan;
	const struct apply_opts *o;
	struct apply_result *res;
	char **created;        /* links this apply created (for rollback) */
	size_t n_created;
	struct ifindex_entry {
		char ifname[IFNAMSIZ];
		int ifindex;
	} *ifindexes;          /* looked up once per interface, not once per address or route */
	size_t n_ifindexes;
	const struct plan_action *fw_done;   /* the nftables change this apply made */
	bool fw_refused;                     /* the nftables transaction failed: it changed nothing */
};

static void apply_ctx_clear(struct apply_ctx *c)
{
	for (size_t i = 0; i < c->n_created; i++)
		free(c->created[i]);
	free(c->created);
	free(c->ifindexes);
}

static void logf_(const struct apply_ctx *c, const char *sign, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void logf_(const struct apply_ctx *c, const char *sign, const char *fmt, ...)
{
	const char *col = "", *reset = "";
	va_list ap;

	if (!c->o->log)
		return;
	if (c->o->color && sign) {
		col = sign[0] == '+' ? "\033[32m" : sign[0] == '-' ? "\033[31m" : "\033[33m";
		reset = "\033[0m";
	}
	if (sign)
		fprintf(c->o->log, "%s%s%s ", col, sign, reset);
	va_start(ap, fmt);
	vfprintf(c->o->log, fmt, ap);
	va_end(ap);
	fputc('\n', c->o->log);
	fflush(c->o->log);
}

static const char *op_sign(enum plan_op op)
{
	return op == PLAN_CREATE ? "+" : op == PLAN_DELETE ? "-" : "~";
}

static int link_index(struct apply_ctx *c, const char *ifname, struct wgf_error *err)
{
	struct rtnl_link_info li;
	struct ifindex_entry *n;
	int r;

	for (size_t i = 0; i < c->n_ifindexes; i++)
		if (!strcmp(c->ifindexes[i].ifname, ifname))
			return c->ifindexes[i].ifindex;
	r = kernel_link_get(c->k, ifname, &li, err);
	if (r < 0)
		return r;
	n = realloc(c->ifindexes, (c->n_ifindexes + 1) * sizeof(*n));
	if (n) {
		c->ifindexes = n;
		snprintf(n[c->n_ifindexes].ifname, IFNAMSIZ, "%s", ifname);
		n[c->n_ifindexes++].ifindex = li.ifindex;
	}
	return li.ifindex;
}

static void link_index_forget(struct apply_ctx *c, const char *ifname)
{
	for (size_t i = 0; i < c->n_ifindexes; i++)
		if (!strcmp(c->ifindexes[i].ifname, ifname))
			c->ifindexes[i] = c->ifindexes[--c->n_ifindexes];
}

static int fail(struct apply_ctx *c, int r, struct wgf_error *kerr, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* "WHAT: <strerror> (<the kernel's words>)"; kerr (may be NULL) is cleared. */
static int fail(struct apply_ctx *c, int r, struct wgf_error *kerr, const char *fmt, ...)
{
	char *what;
	va_list ap;

	va_start(ap, fmt);
	what = str_vprintf(fmt, ap);
	va_end(ap);
	if (kerr && kerr->msg && kerr->msg[0])
		wgf_error_set(&c->res->error, r, "%s: %s (%s)", what ? what : "?", strerror(-r), kerr->msg);
	else
		wgf_error_set(&c->res->error, r, "%s: %s", what ? what : "?", strerror(-r));
	free(what);
	wgf_error_clear(kerr);
	return r;
}

/* "nftables table inet wgf: Invalid argument: wgf-nft-batch:7:3-9: Error: …", the
 * line libnftables quotes, and how many more errors it reported. */
static int fail_nft(struct apply_ctx *c, int r, const char *when, const char *nft_err)
{
	size_t more = 0;
	char *first = nft_err ? nft_error_first(nft_err, &more) : NULL;
	char n[48] = "";

	if (more)
		snprintf(n, sizeof(n), "\n(and %zu more error%s)", more, more == 1 ? "" : "s");
	wgf_error_set(&c->res->error, r, "nftables table %s %s%s: %s%s%s%s", HS_FW_FAMILY, HS_FW_TABLE, when,
		      strerror(-r), first && first[0] ? ": " : "", first ? first : "", n);
	free(first);
	return r;
}

static int apply_link(struct apply_ctx *c, const struct plan_action *a)
{
	const struct hs_device *d = a->dev_desired;
	enum hs_backend backend = c->o->backend;
	struct wgf_error kerr = {0};
	int ifindex, r;

	switch (a->op) {
	case PLAN_CREATE:
		if (backend == HS_BACKEND_AUTO)
			backend = kernel_wg_kernel_available(c->k) ? HS_BACKEND_KERNEL : HS_BACKEND_USERSPACE;
		if (backend == HS_BACKEND_KERNEL) {
			r = kernel_link_add_wireguard(c->k, a->ifname, &kerr);
			if (r < 0)
				return fail(c, r, &kerr, "creating interface %s (kernel WireGuard)", a->ifname);
		} else {
			r = kernel_wg_userspace_start(c->k, a->ifname, c->o->wireguard_go, &kerr);
			if (r < 0)
				return fail(c, r, &kerr, "creating interface %s (starting %s)", a->ifname,
					    c->o->wireguard_go ? c->o->wireguard_go : "wireguard-go");
		}
		{
			char **n = realloc(c->created, (c->n_created + 1) * sizeof(*n));
			if (!n)
				return -ENOMEM;
			c->created = n;
			c->created[c->n_created++] = strdup(a->ifname);
		}
		if (c->o->state_dir) {
			r = statedir_owned_add(c->o->state_dir, a->ifname);
			if (r < 0)
				return fail(c, r, NULL, "recording interface %s in %s", a->ifname, c->o->state_dir);
		}
		ifindex = link_index(c, a->ifname, &kerr);
		if (ifindex < 0)
			return fail(c, ifindex, &kerr, "interface %s after creating it", a->ifname);
		r = kernel_link_set(c->k, ifindex, d ? d->mtu : 0, d ? d->up : true, &kerr);
		if (r < 0)
			return fail(c, r, &kerr, "setting mtu/up on %s", a->ifname);
		logf_(c, "+", "interface %s (%s)", a->ifname,
		      backend == HS_BACKEND_KERNEL ? "kernel" : "userspace, wireguard-go");
		return 0;
	case PLAN_UPDATE:
		ifindex = link_index(c, a->ifname, &kerr);
		if (ifindex < 0)
			return fail(c, ifindex, &kerr, "interface %s", a->ifname);
		r = kernel_link_set(c->k, ifindex, a->u.link.set_mtu ? d->mtu : 0, a->u.link.set_up, &kerr);
		if (r < 0)
			return fail(c, r, &kerr, "setting mtu/up on %s", a->ifname);
		logf_(c, "~", "interface %s", a->ifname);
		return 0;
	case PLAN_DELETE:
		ifindex = link_index(c, a->ifname, &kerr);
		if (ifindex == -ENODEV)
			ifindex = 0;
		else if (ifindex < 0)
			return fail(c, ifindex, &kerr, "interface %s", a->ifname);
		wgf_error_clear(&kerr);
		if (ifindex) {
			r = kernel_link_del(c->k, ifindex, &kerr);
			if (r < 0)
				return fail(c, r, &kerr, "deleting interface %s", a->ifname);
		}
		link_index_forget(c, a->ifname);
		if (c->o->state_dir)
			statedir_owned_remove(c->o->state_dir, a->ifname);
		logf_(c, "-", "interface %s", a->ifname);
		return 0;
	}
	return -EINVAL;
}

static bool is_wg_action(const struct plan_action *a)
{
	return a->obj == PLAN_OBJ_DEVICE || a->obj == PLAN_OBJ_PEER;
}

/* Device settings and peer changes of one interface go out as one set request:
 * peer by peer (never replace-peers), but in one UAPI write or netlink batch. */
static int apply_wg_batch(struct apply_ctx *c, size_t first, size_t end)
{
	const struct plan_action *acts = c->plan->actions;
	struct wg_device_set s = {0};
	struct wg_peer_set *ps = NULL;
	size_t n_ps = 0, added = 0, updated = 0, removed = 0;
	const char *ifname = acts[first].ifname;
	const char *one_name = NULL;
	struct wgf_error kerr = {0};
	int r;

	ps = calloc(end - first, sizeof(*ps));
	if (!ps)
		return -ENOMEM;
	for (size_t i = first; i < end; i++) {
		const struct plan_action *a = &acts[i];
		if (a->obj == PLAN_OBJ_DEVICE) {
			const struct hs_device *d = a->dev_desired;
			if (!d)
				continue;
			s.send = a->u.device;
			s.private_key = d->private_key;
			s.listen_port = d->listen_port;
			s.fwmark = d->fwmark;
			continue;
		}
		struct wg_peer_set *p = &ps[n_ps++];
		one_name = a->name;
		switch (a->op) {
		case PLAN_DELETE:
			p->peer = a->peer_observed;
			p->remove = true;
			removed++;
			break;
		case PLAN_CREATE:
			p->peer = a->peer_desired;
			p->send = a->u.peer;
			added++;
			break;
		case PLAN_UPDATE:
			p->peer = a->peer_desired;
			p->update_only = true;
			p->send = a->u.peer;
			updated++;
			break;
		}
	}
	s.peers = ps;
	s.n_peers = n_ps;
	if (c->o->progress && n_ps > 1000)
		fprintf(stderr, "%s: sending %zu peer changes…\n", ifname, n_ps);
	r = kernel_wg_set_device(c->k, ifname, HS_BACKEND_AUTO, &s, &kerr);
	free(ps);
	if (r < 0) {
		if (n_ps == 1)
			return fail(c, r, &kerr, "peer %s on %s", one_name ? one_name : "(unknown)", ifname);
		return fail(c, r, &kerr, "WireGuard settings of %s (%zu peer changes)", ifname, n_ps);
	}
	for (size_t i = first; i < end; i++) {
		const struct plan_action *a = &acts[i];
		char fp[WG_KEY_FP_LEN];
		if (a->obj == PLAN_OBJ_DEVICE) {
			logf_(c, op_sign(a->op), "device %s", ifname);
			continue;
		}
		if (n_ps > 20)
			break;
		key_fingerprint(a->peer_desired ? a->peer_desired->public_key : a->peer_observed->public_key, fp);
		logf_(c, op_sign(a->op), "peer %s%s%s (%s) on %s", a->name ? "\"" : "",
		      a->name ? a->name : "(unknown)", a->name ? "\"" : "", fp, ifname);
	}
	if (n_ps > 20)
		logf_(c, "~", "%s: %zu peers added, %zu updated, %zu removed", ifname, added, updated, removed);
	return 0;
}

/* The whole table in one transaction: when libnftables or the kernel refuses it,
 * the table stays as it was. */
static int apply_firewall(struct apply_ctx *c, const struct plan_action *a)
{
	struct wgf_error err = {0};
	int r;

	if (a->op == PLAN_DELETE) {
		r = kernel_nft_table_delete(c->k, HS_FW_FAMILY, HS_FW_TABLE, &err);
		if (r == -ENOENT)
			r = 0;
	} else if (a->u.firewall.patch) {
		r = kernel_nft_table_patch(c->k, HS_FW_FAMILY, HS_FW_TABLE, a->u.firewall.patch, &err);
	} else {
		r = kernel_nft_table_replace(c->k, HS_FW_FAMILY, HS_FW_TABLE, a->u.firewall.body, &err);
	}
	if (r < 0) {
		fail_nft(c, r, "", err.msg);
		c->fw_refused = true;
	}
	wgf_error_clear(&err);
	if (r < 0)
		return r;
	c->fw_done = a;
	logf_(c, op_sign(a->op), "nftables table %s %s", HS_FW_FAMILY, HS_FW_TABLE);
	return 0;
}

/* wgf's routes as observed, never NULL (NULL would make rtnl list them again per route). */
static const struct hs_route *observed_routes(const struct apply_ctx *c)
{
	static const struct hs_route none;

	return c->plan->observed->routes ? c->plan->observed->routes : &none;
}

/* "0.0.0.0/0 via wgx-us-east", "0.0.0.0/0 (blackhole)" into buf. */
static const char *route_text(const struct hs_route *rt, char *buf, size_t len)
{
	char dst[PREFIX_STRLEN];

	if (rt->type == HS_ROUTE_UNICAST)
		snprintf(buf, len, "%s via %s", prefix_format(&rt->dst, dst), rt->ifname);
	else
		snprintf(buf, len, "%s (%s)", prefix_format(&rt->dst, dst), hs_route_type_name(rt->type));
	return buf;
}

static int apply_route(struct apply_ctx *c, const struct plan_action *a)
{
	struct wgf_error kerr = {0};
	char what[PREFIX_STRLEN + IFNAMSIZ + 16];
	int ifindex = 0, r;

	route_text(&a->u.route, what, sizeof(what));
	if (a->u.route.type == HS_ROUTE_UNICAST)
		ifindex = link_index(c, a->u.route.ifname, &kerr);
	if (ifindex < 0) {
		/* a route whose interface is gone went with it */
		if (a->op == PLAN_DELETE && ifindex == -ENODEV) {
			wgf_error_clear(&kerr);
			return 0;
		}
		return fail(c, ifindex, &kerr, "route %s", what);
	}
	if (a->op == PLAN_DELETE)
		r = kernel_route_del(c->k, ifindex, &a->u.route, &kerr);
	else
		r = kernel_route_replace(c->k, ifindex, &a->u.route, observed_routes(c),
				       c->plan->observed->n_routes, &kerr);
	if (r == -EEXIST)
		return fail(c, r, &kerr, "route %s: a route to it that wgf did not create is in the way", what);
	if (r < 0)
		return fail(c, r, &kerr, "route %s", what);
	logf_(c, op_sign(a->op), "route %s", what);
	return 0;
}

/* A rule that is already gone when it is to go is fine (a re-run converges). */
static int apply_rule(struct apply_ctx *c, const struct plan_action *a)
{
	struct wgf_error kerr = {0};
	char what[HS_RULE_STRLEN];
	int r;

	hs_rule_format(&a->u.rule, what);
	if (a->op == PLAN_DELETE) {
		r = kernel_rule_del(c->k, &a->u.rule, &kerr);
		if (r == -ENOENT) {
			wgf_error_clear(&kerr);
			r = 0;
		}
	} else {
		r = kernel_rule_add(c->k, &a->u.rule, &kerr);
	}
	if (r < 0)
		return fail(c, r, &kerr, "rule %s", what);
	logf_(c, op_sign(a->op), "rule %s", what);
	return 0;
}

/* The DNS of a link wgf made or keeps: set as a whole, or reverted. */
static int apply_dns(struct apply_ctx *c, const struct plan_action *a)
{
	struct wgf_error kerr = {0};
	int ifindex, r;

	ifindex = link_index(c, a->ifname, &kerr);
	if (ifindex == -ENODEV && a->op == PLAN_DELETE) {
		ifindex = -1;
		wgf_error_clear(&kerr);
	} else if (ifindex < 0) {
		return fail(c, ifindex, &kerr, "dns of %s", a->ifname);
	}
	if (a->op == PLAN_DELETE)
		r = kernel_dns_delete(c->k, a->ifname, ifindex, &kerr);
	else if (a->dns_desired)
		r = kernel_dns_set(c->k, a->dns_desired, ifindex, &kerr);
	else
		r = -EINVAL;
	if (r < 0)
		return fail(c, r, &kerr, "dns of %s", a->ifname);
	logf_(c, op_sign(a->op), "dns of %s", a->ifname);
	return 0;
}

static int apply_one(struct apply_ctx *c, const struct plan_action *a)
{
	struct wgf_error kerr = {0};
	char buf[PREFIX_STRLEN];
	int ifindex, r;

	switch (a->obj) {
	case PLAN_OBJ_LINK:
		return apply_link(c, a);
	case PLAN_OBJ_ADDRESS:
		ifindex = link_index(c, a->ifname, &kerr);
		if (ifindex < 0)
			return fail(c, ifindex, &kerr, "address %s on %s", prefix_format(&a->u.address, buf), a->ifname);
		if (a->op == PLAN_DELETE)
			r = kernel_addr_del(c->k, ifindex, &a->u.address, &kerr);
		else
			r = kernel_addr_add(c->k, ifindex, &a->u.address, &kerr);
		if (r < 0)
			return fail(c, r, &kerr, "address %s on %s", prefix_format(&a->u.address, buf), a->ifname);
		logf_(c, op_sign(a->op), "address %s on %s", prefix_format(&a->u.address, buf), a->ifname);
		return 0;
	case PLAN_OBJ_ROUTE:
		return apply_route(c, a);
	case PLAN_OBJ_RULE:
		return apply_rule(c, a);
	case PLAN_OBJ_SYSCTL:
		r = kernel_sysctl_write(c->k, a->u.sysctl.key, a->u.sysctl.value, &kerr);
		if (r < 0)
			return fail(c, r, &kerr, "sysctl %s=%s", a->u.sysctl.key, a->u.sysctl.value);
		logf_(c, "~", "sysctl %s = %s", a->u.sysctl.key, a->u.sysctl.value);
		return 0;
	case PLAN_OBJ_FIREWALL:
		return apply_firewall(c, a);
	case PLAN_OBJ_DNS:
		return apply_dns(c, a);
	case PLAN_OBJ_DEVICE:
	case PLAN_OBJ_PEER:
		break;
	}
	return -EINVAL;
}

static int apply_actions(struct apply_ctx *c)
{
	const struct plan *p = c->plan;
	int r;

	for (size_t i = 0; i < p->n_actions;) {
		const struct plan_action *a = &p->actions[i];
		if (is_wg_action(a)) {
			size_t end = i + 1;
			bool removal = a->op == PLAN_DELETE;
			while (end < p->n_actions && is_wg_action(&p->actions[end]) &&
			       !strcmp(p->actions[end].ifname, a->ifname) &&
			       (p->actions[end].op == PLAN_DELETE) == removal)
				end++;
			r = apply_wg_batch(c, i, end);
			if (r < 0)
				return r;
			c->res->done += end - i;
			i = end;
			continue;
		}
		r = apply_one(c, a);
		if (r < 0)
			return r;
		c->res->done++;
		i++;
	}
	return 0;
}

/* The table inside a listing: "table inet wgf {\n BODY }\n" -> BODY. */
static char *listing_body(const char *listing)
{
	const char *open = strchr(listing, '{'), *close = strrchr(listing, '}');

	if (!open || !close || close < open)
		return NULL;
	return strndup(open + 1, (size_t)(close - open - 1));
}

/* Puts back the table observed before this apply (from its listing), or deletes
 * the one this apply created. */
static int firewall_restore(struct apply_ctx *c, struct wgf_error *error)
{
	const struct hs_firewall *before = &c->plan->observed->firewall;
	struct wgf_error err = {0};
	char *body = NULL;
	int r;

	if (!c->fw_done)
		return 0;
	if (before->present) {
		body = before->body ? listing_body(before->body) : NULL;
		r = body ? kernel_nft_table_replace(c->k, HS_FW_FAMILY, HS_FW_TABLE, body, &err) : -EINVAL;
	} else {
		r = kernel_nft_table_delete(c->k, HS_FW_FAMILY, HS_FW_TABLE, &err);
		if (r == -ENOENT)
			r = 0;
	}
	if (r < 0)
		wgf_error_set(error, r, "nftables table %s %s: %s%s%s", HS_FW_FAMILY, HS_FW_TABLE,
			      strerror(-r), err.msg ? ": " : "", err.msg ? err.msg : "");
	free(body);
	wgf_error_clear(&err);
	return r;
}

/* Undo: the state observed before this apply becomes the desired one, and the
 * interfaces this apply created count as owned, so the diff removes them. */
static int rollback(struct apply_ctx *c)
{
	const struct plan *p = c->plan;
	struct host_state *want = NULL, *now = NULL;
	struct observe_opts oo = {0};
	struct wgf_error oerr = {0}, fw_error = {0};
	struct diff_opts dopts = {0};
	struct apply_opts ro = *c->o;
	struct apply_result rres = {0};
	struct plan *undo = NULL;
	const char **names = NULL, **keys = NULL;
	size_t n_names = 0;
	int r, fr;

	fr = firewall_restore(c, &fw_error);
	want = hoststate_dup(p->observed);
	if (want)
		hs_firewall_clear(&want->firewall);   /* firewall_restore() put it back */
	names = calloc(p->desired->n_devices + p->observed->n_devices + 1, sizeof(*names));
	keys = calloc(p->observed->n_sysctls + 1, sizeof(*keys));
	if (!want || !names || !keys) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < p->desired->n_devices; i++)
		names[n_names++] = p->desired->devices[i].ifname;
	for (size_t i = 0; i < p->observed->n_devices; i++)
		names[n_names++] = p->observed->devices[i].ifname;
	for (size_t i = 0; i < p->observed->n_sysctls; i++)
		keys[i] = p->observed->sysctls[i].key;
	oo.ifnames = names;
	oo.n_ifnames = n_names;
	oo.sysctl_keys = keys;
	oo.n_sysctl_keys = p->observed->n_sysctls;
	r = observe_host(c->k, &oo, &now, &oerr);
	if (r < 0) {
		wgf_error_set(&oerr, r, NULL);
		if (!oerr.msg)
			wgf_error_prefix(&oerr, "observing");
		wgf_error_move(&c->res->rollback_error, &oerr);
		goto out;
	}
	dopts.owned_ifnames = (const char *const *)c->created;
	dopts.n_owned = c->n_created;
	r = diff_host_states(want, now, &dopts, &undo);
	want = now = NULL;
	if (r < 0)
		goto out;
	ro.log = NULL;
	ro.progress = false;
	{
		struct apply_ctx rc = { .k = c->k, .plan = undo, .o = &ro, .res = &rres };
		r = apply_actions(&rc);
		apply_ctx_clear(&rc);
	}
	if (r < 0) {
		wgf_error_move(&c->res->rollback_error, &rres.error);
	} else if (fr < 0) {
		wgf_error_move(&c->res->rollback_error, &fw_error);
		r = fr;
	} else {
		c->res->rolled_back = true;
	}
out:
	wgf_error_clear(&fw_error);
	wgf_error_clear(&oerr);
	apply_result_clear(&rres);
	plan_free(undo);
	hoststate_free(want);
	hoststate_free(now);
	free(names);
	free(keys);
	return r;
}

/* A body the kernel refuses fails the apply before anything else changed: checked
 * (dry run) when other changes come before the firewall's own transaction. */
static int firewall_check(struct apply_ctx *c)
{
	const struct plan *p = c->plan;
	struct wgf_error err = {0};
	int r;

	for (size_t i = 1; i < p->n_actions; i++) {
		const struct plan_action *a = &p->actions[i];

		if (a->obj != PLAN_OBJ_FIREWALL || a->op == PLAN_DELETE)
			continue;
		if (a->u.firewall.patch)
			r = kernel_nft_table_patch_check(c->k, HS_FW_FAMILY, HS_FW_TABLE, a->u.firewall.patch, &err);
		else
			r = kernel_nft_table_check(c->k, HS_FW_FAMILY, HS_FW_TABLE, a->u.firewall.body, &err);
		if (r < 0)
			fail_nft(c, r, " (checked before any change; nothing was changed)", err.msg);
		wgf_error_clear(&err);
		return r;
	}
	return 0;
}

/* What wgf applied, for the next diff: the desired items and body and the
 * kernel's listing of the table now. */
static int firewall_record(struct apply_ctx *c)
{
	const struct hs_firewall *fw = &c->plan->desired->firewall;
	struct fw_record *rec = NULL;
	struct hs_fw_stamp stamp;
	bool have_stamp;
	struct wgf_error err = {0};
	char *listing = NULL;
	int r;

	if (!c->fw_done || !c->o->state_dir)
		return 0;
	if (c->fw_done->op == PLAN_DELETE) {
		r = statedir_firewall_remove(c->o->state_dir);
		goto out;
	}
	/* stamp first: a change after it but before the listing makes the next
	 * plan compare listings instead of trusting the stamp */
	have_stamp = kernel_nft_ruleset_stamp(c->k, &stamp) == 0;
	r = kernel_nft_table_get(c->k, HS_FW_FAMILY, HS_FW_TABLE, &listing, &err);
	if (r >= 0)
		r = fw_record_new(fw, listing, &rec);
	if (r >= 0) {
		rec->has_stamp = have_stamp;
		rec->stamp = stamp;
		r = statedir_firewall_save(c->o->state_dir, rec);
	}
out:
	if (r < 0)
		c->res->warning = str_printf("recording the nftables table %s %s in %s: %s%s%s; "
					     "the next plan replaces it again", HS_FW_FAMILY, HS_FW_TABLE,
					     c->o->state_dir, strerror(-r), err.msg ? ": " : "", err.msg ? err.msg : "");
	fw_record_free(rec);
	free(listing);
	wgf_error_clear(&err);
	return r;
}

/* A PSK known only by its id (this host could not open it) cannot be set:
 * refused before anything changes. */
static int psk_check(const struct plan *p, const struct apply_opts *o, struct apply_result *res)
{
	char fp[WG_KEY_FP_LEN], path[4096] = "";

	for (size_t i = 0; i < p->n_actions; i++) {
		const struct plan_action *a = &p->actions[i];
		const struct hs_peer *hp = a->peer_desired;

		if (a->obj != PLAN_OBJ_PEER || !hp || !a->u.peer.set_psk || !hp->has_psk || !hp->psk_withheld)
			continue;
		if (!o->key_file || keyfile_beside(o->key_file, KEYFILE_SEALING_NAME, path, sizeof(path)) < 0)
			keyfile_beside(WGF_DEFAULT_KEY_FILE, KEYFILE_SEALING_NAME, path, sizeof(path));
		return wgf_error_set(&res->error, -ENOKEY, "peer %s%s%s (%s) on %s: cannot set its preshared key: this "
				     "host has no sealing key at %s to open it; run `wgf host init` and commit the "
				     "sealingKey it prints on the Host; nothing was changed", hp->name ? "\"" : "",
				     hp->name ? hp->name : "(unknown)", hp->name ? "\"" : "",
				     key_fingerprint(hp->public_key, fp), a->ifname, path);
	}
	return 0;
}

int apply_plan(struct kernel *k, const struct plan *p, const struct apply_opts *o,
	       struct apply_result *res)
{
	struct apply_ctx c = { .k = k, .plan = p, .o = o, .res = res };
	int r;

	memset(res, 0, sizeof(*res));
	r = psk_check(p, o, res);
	if (r < 0)
		return r;
	r = firewall_check(&c);
	if (r < 0)
		goto out;
	r = apply_actions(&c);
	if (r < 0) {
		wgf_error_set(&res->error, r, NULL);
		/* even with nothing done: a UAPI set that failed half-way was partly applied */
		if (!(c.fw_refused && res->done == 0))
			rollback(&c);
		goto out;
	}
	/* the kernel has it all: a record that cannot be written is only a warning */
	firewall_record(&c);
out:
	apply_ctx_clear(&c);
	return r;
}

void apply_result_clear(struct apply_result *res)
{
	wgf_error_clear(&res->error);
	wgf_error_clear(&res->rollback_error);
	free(res->warning);
	memset(res, 0, sizeof(*res));
}
