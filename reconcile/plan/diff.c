/* Observed HostState + desired HostState -> ordered Plan. Pure: no I/O.
 * Both inputs are normalized, so every comparison is a merge walk. */
#include "reconcile/plan/plan.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/plan/nft_delta.h"
#include "reconcile/plan/nft_listing.h"
#include "reconcile/plan/fw_record.h"
#include "reconcile/plan/plan_fields.h"


/* Apply order (see plan.h): removals first, innermost objects first, then the rest. */
enum diff_bucket {
	B_DEL_DNS, B_DEL_FIREWALL, B_DEL_RULE, B_DEL_ROUTE, B_DEL_ADDRESS, B_DEL_PEER, B_DEL_LINK,
	B_LINK, B_DEVICE, B_PEER, B_ADDRESS, B_ROUTE, B_RULE, B_SYSCTL, B_FIREWALL, B_DNS,
	B_MAX
};

struct action_list {
	struct plan_action *v;
	size_t n, cap;
};

struct diff_ctx {
	const struct diff_opts *opts;
	const struct host_state *desired, *observed;
	struct action_list b[B_MAX];
};

static void plan_action_clear(struct plan_action *a)
{
	free(a->name);
	if (a->obj != PLAN_OBJ_FIREWALL)
		return;
	for (size_t i = 0; i < a->u.firewall.n_changes; i++) {
		free(a->u.firewall.changes[i].field);
		free(a->u.firewall.changes[i].old);
		free(a->u.firewall.changes[i].new);
	}
	free(a->u.firewall.changes);
	free(a->u.firewall.patch);
}

static int fw_change(struct plan_action *a, enum plan_change_kind kind, const char *field,
		     const char *old, const char *new)
{
	struct plan_change *c, **v = &a->u.firewall.changes;
	size_t *n = &a->u.firewall.n_changes;

	/* grows at powers of two: a new table lists one item per peer */
	if (!(*n & (*n - 1))) {
		c = reallocarray(*v, *n ? *n * 2 : 1, sizeof(*c));
		if (!c)
			return -ENOMEM;
		*v = c;
	}
	c = &(*v)[*n];
	*c = (struct plan_change){ .kind = kind };
	c->field = strdup(field);
	c->old = old ? strdup(old) : NULL;
	c->new = new ? strdup(new) : NULL;
	(*n)++;
	if (!c->field || (old && !c->old) || (new && !c->new))
		return -ENOMEM;
	return 0;
}

static void action_init(struct plan_action *a, enum plan_obj obj, enum plan_op op, const char *ifname)
{
	*a = (struct plan_action){ .obj = obj, .op = op };
	if (ifname)
		snprintf(a->ifname, sizeof(a->ifname), "%s", ifname);
}

/* Takes ownership of *a whatever it returns. */
static int push(struct diff_ctx *c, enum diff_bucket b, struct plan_action *a, int r)
{
	struct action_list *l = &c->b[b];

	if (r < 0)
		goto fail;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct plan_action *v = reallocarray(l->v, cap, sizeof(*v));
		if (!v) {
			r = -ENOMEM;
			goto fail;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *a;
	return 0;
fail:
	plan_action_clear(a);
	return r;
}

static bool prefixes_equal(const struct wgf_prefix *a, size_t na, const struct wgf_prefix *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (!prefix_equal(&a[i], &b[i]))
			return false;
	return true;
}

static bool is_owned(const struct diff_opts *o, const char *ifname)
{
	for (size_t i = 0; o && i < o->n_owned; i++)
		if (o->owned_ifnames[i] && !strcmp(o->owned_ifnames[i], ifname))
			return true;
	return false;
}

static bool link_deleted(const struct diff_ctx *c, const char *ifname)
{
	const struct hs_device *o = hoststate_find_device(c->observed, ifname);

	return o && o->exists && !hoststate_find_device(c->desired, ifname) && is_owned(c->opts, ifname);
}

static int peer_name_dup(struct plan_action *a, const struct hs_peer *p)
{
	if (!p->name)
		return 0;
	a->name = strdup(p->name);
	return a->name ? 0 : -ENOMEM;
}

static int diff_peer_create(struct diff_ctx *c, const struct hs_device *d, const struct hs_peer *p)
{
	struct plan_action a;

	action_init(&a, PLAN_OBJ_PEER, PLAN_CREATE, d->ifname);
	a.dev_desired = d;
	a.peer_desired = p;
	a.u.peer.set_psk = p->has_psk;
	a.u.peer.set_endpoint = p->endpoint.family != 0;
	a.u.peer.set_keepalive = p->keepalive != 0;
	a.u.peer.replace_allowed_ips = true;
	return push(c, B_PEER, &a, peer_name_dup(&a, p));
}

static int diff_peer_delete(struct diff_ctx *c, const struct hs_device *o, const struct hs_peer *p)
{
	struct plan_action a;

	action_init(&a, PLAN_OBJ_PEER, PLAN_DELETE, o->ifname);
	a.dev_observed = o;
	a.peer_observed = p;
	return push(c, B_DEL_PEER, &a, peer_name_dup(&a, p));
}

/* PSKs compare by value when both are known, else by their public ids when
 * both are (a snapshot, an offline plan); otherwise it is sent again. */
static bool psk_changed(const struct hs_peer *want, const struct hs_peer *have)
{
	if (!want->has_psk || !have->has_psk)
		return want->has_psk != have->has_psk;
	if (!want->psk_withheld && !have->psk_withheld)
		return sodium_memcmp(want->psk, have->psk, WG_KEY_LEN) != 0;
	if (want->has_psk_id && have->has_psk_id)
		return sodium_memcmp(want->psk_id, have->psk_id, HS_PSK_ID_LEN) != 0;
	return true;
}

static int diff_peer_update(struct diff_ctx *c, const struct hs_device *d, const struct hs_device *o,
			    const struct hs_peer *want, const struct hs_peer *have)
{
	struct plan_action a;

	action_init(&a, PLAN_OBJ_PEER, PLAN_UPDATE, d->ifname);
	a.dev_desired = d;
	a.dev_observed = o;
	a.peer_desired = want;
	a.peer_observed = have;
	a.u.peer.set_keepalive = want->keepalive != have->keepalive;
	a.u.peer.set_psk = psk_changed(want, have);
	a.u.peer.replace_allowed_ips = !prefixes_equal(want->allowed_ips, want->n_allowed_ips,
						       have->allowed_ips, have->n_allowed_ips);
	/* An observed endpoint that differs from the declared one is taken as roamed
	 * (overwriting it would cut the tunnel), unless the declaration changed since
	 * wgf last applied it. A missing endpoint is drift. */
	if (want->endpoint.family && have->endpoint.family && !endpoint_equal(&want->endpoint, &have->endpoint)) {
		const struct hs_device *dd = c->opts && c->opts->declared ?
			hoststate_find_device(c->opts->declared, d->ifname) : NULL;
		const struct hs_peer *prev = dd ? hs_device_find_peer(dd, want->public_key) : NULL;
		a.u.peer.set_endpoint = prev && !endpoint_equal(&prev->endpoint, &want->endpoint);
	} else {
		a.u.peer.set_endpoint = want->endpoint.family && !have->endpoint.family;
	}
	if (!a.u.peer.set_keepalive && !a.u.peer.set_psk && !a.u.peer.replace_allowed_ips &&
	    !a.u.peer.set_endpoint)
		return 0;

	return push(c, B_PEER, &a, peer_name_dup(&a, want));
}

static int diff_peers(struct diff_ctx *c, const struct hs_device *d, const struct hs_device *o)
{
	size_t i = 0, j = 0, no = o ? o->n_peers : 0;
	int r = 0;

	while (r >= 0 && (i < d->n_peers || j < no)) {
		int cmp = i == d->n_peers ? 1 : j == no ? -1 : hs_peer_cmp(&d->peers[i], &o->peers[j]);

		if (cmp < 0)
			r = diff_peer_create(c, d, &d->peers[i++]);
		else if (cmp > 0)
			r = diff_peer_delete(c, o, &o->peers[j++]);
		else
			r = diff_peer_update(c, d, o, &d->peers[i++], &o->peers[j++]);
	}
	return r;
}

static int diff_address(struct diff_ctx *c, const struct hs_device *d, const struct hs_device *o,
			const struct wgf_prefix *p, enum plan_op op)
{
	struct plan_action a;
	char buf[PREFIX_STRLEN];

	action_init(&a, PLAN_OBJ_ADDRESS, op, d ? d->ifname : o->ifname);
	a.dev_desired = d;
	a.dev_observed = o;
	a.u.address = *p;
	a.name = strdup(prefix_format(p, buf));
	return push(c, op == PLAN_DELETE ? B_DEL_ADDRESS : B_ADDRESS, &a, a.name ? 0 : -ENOMEM);
}

static int diff_addresses(struct diff_ctx *c, const struct hs_device *d, const struct hs_device *o)
{
	size_t i = 0, j = 0, no = o ? o->n_addresses : 0;
	int r = 0;

	while (r >= 0 && (i < d->n_addresses || j < no)) {
		int cmp = i == d->n_addresses ? 1 : j == no ? -1 :
			  prefix_cmp(&d->addresses[i], &o->addresses[j]);

		if (cmp < 0)
			r = diff_address(c, d, o, &d->addresses[i++], PLAN_CREATE);
		else if (cmp > 0)
			r = diff_address(c, NULL, o, &o->addresses[j++], PLAN_DELETE);
		else
			i++, j++;
	}
	return r;
}

/* An observed key known only by its public half (a snapshot) is compared by it. */
static bool device_key_same(const struct hs_device *d, const struct hs_device *o)
{
	uint8_t pub[WG_KEY_LEN];
	bool same;

	if (!o->private_key_withheld)
		return key_private_equal(d->private_key, o->private_key);
	same = key_public_from_private(pub, d->private_key) == 0 && !sodium_memcmp(pub, o->public_key, WG_KEY_LEN);
	sodium_memzero(pub, sizeof(pub));
	return same;
}

/* The public keys a key change goes from and to: shown, where private keys never are. */
static int device_public_keys(struct plan_action *a, const struct hs_device *d, const struct hs_device *o)
{
	if (o && o->has_private_key && o->private_key_withheld) {
		memcpy(a->public_key_old, o->public_key, WG_KEY_LEN);
		a->has_public_key_old = true;
	} else if (o && o->has_private_key) {
		if (key_public_from_private(a->public_key_old, o->private_key) < 0)
			return -EINVAL;
		a->has_public_key_old = true;
	}
	if (key_public_from_private(a->public_key_new, d->private_key) < 0)
		return -EINVAL;
	a->has_public_key_new = true;
	return 0;
}

static int diff_link_create(struct diff_ctx *c, const struct hs_device *d)
{
	struct plan_action a;
	int r = 0;

	action_init(&a, PLAN_OBJ_LINK, PLAN_CREATE, d->ifname);
	a.dev_desired = d;
	a.u.link.backend = HS_BACKEND_AUTO;
	a.u.link.set_mtu = d->mtu != 0;
	a.u.link.set_up = d->up;
	a.name = strdup(d->ifname);
	if (!a.name)
		r = -ENOMEM;
	r = push(c, B_LINK, &a, r);
	if (r < 0)
		return r;

	/* The device action of a new link shows (and sends) what it is set up with. */
	action_init(&a, PLAN_OBJ_DEVICE, PLAN_CREATE, d->ifname);
	a.dev_desired = d;
	a.u.device.set_private_key = d->has_private_key;
	a.u.device.set_listen_port = d->listen_port != 0;
	a.u.device.set_fwmark = d->fwmark != 0;
	a.name = strdup(d->ifname);
	if (!a.name)
		r = -ENOMEM;
	if (r >= 0 && d->has_private_key)
		r = device_public_keys(&a, d, NULL);
	r = push(c, B_DEVICE, &a, r);
	if (r < 0)
		return r;

	r = diff_peers(c, d, NULL);
	if (r < 0)
		return r;
	return diff_addresses(c, d, NULL);
}

static int diff_link_update(struct diff_ctx *c, const struct hs_device *d, const struct hs_device *o)
{
	struct plan_action a;
	int r = 0;

	action_init(&a, PLAN_OBJ_LINK, PLAN_UPDATE, d->ifname);
	a.dev_desired = d;
	a.dev_observed = o;
	a.u.link.backend = o->backend;
	a.u.link.set_mtu = d->mtu && d->mtu != o->mtu;
	a.u.link.set_up = d->up && !o->up;
	if (a.u.link.set_mtu || a.u.link.set_up) {
		a.name = strdup(d->ifname);
		if (!a.name)
			r = -ENOMEM;
		r = push(c, B_LINK, &a, r);
		if (r < 0)
			return r;
	}

	action_init(&a, PLAN_OBJ_DEVICE, PLAN_UPDATE, d->ifname);
	a.dev_desired = d;
	a.dev_observed = o;
	a.u.device.set_private_key = d->has_private_key && (!o->has_private_key || !device_key_same(d, o));
	a.u.device.set_listen_port = d->listen_port && d->listen_port != o->listen_port;
	a.u.device.set_fwmark = d->fwmark != o->fwmark;
	if (a.u.device.set_private_key || a.u.device.set_listen_port || a.u.device.set_fwmark) {
		a.name = strdup(d->ifname);
		if (!a.name)
			r = -ENOMEM;
		if (r >= 0 && a.u.device.set_private_key)
			r = device_public_keys(&a, d, o);
		r = push(c, B_DEVICE, &a, r);
		if (r < 0)
			return r;
	}

	r = diff_peers(c, d, o);
	if (r < 0)
		return r;
	return diff_addresses(c, d, o);
}

static int diff_link_delete(struct diff_ctx *c, const struct hs_device *o)
{
	struct plan_action a;

	action_init(&a, PLAN_OBJ_LINK, PLAN_DELETE, o->ifname);
	a.dev_observed = o;
	a.u.link.backend = o->backend;
	a.name = strdup(o->ifname);
	return push(c, B_DEL_LINK, &a, a.name ? 0 : -ENOMEM);
}

static int diff_devices(struct diff_ctx *c)
{
	const struct host_state *want = c->desired, *have = c->observed;
	size_t i = 0, j = 0;
	int r = 0;

	while (r >= 0 && (i < want->n_devices || j < have->n_devices)) {
		const struct hs_device *d = i < want->n_devices ? &want->devices[i] : NULL;
		const struct hs_device *o = j < have->n_devices ? &have->devices[j] : NULL;
		int cmp = !d ? 1 : !o ? -1 : strcmp(d->ifname, o->ifname);

		if (cmp < 0) {
			r = diff_link_create(c, d);
			i++;
		} else if (cmp > 0) {
			if (o->exists && is_owned(c->opts, o->ifname))
				r = diff_link_delete(c, o);
			j++;
		} else {
			r = o->exists ? diff_link_update(c, d, o) : diff_link_create(c, d);
			i++, j++;
		}
	}
	return r;
}

static bool route_same(const struct hs_route *a, const struct hs_route *b)
{
	return plan_route_metric(a) == plan_route_metric(b) && a->type == b->type && a->has_prefsrc == b->has_prefsrc &&
	       (!a->has_prefsrc || prefix_equal(&a->prefsrc, &b->prefsrc));
}

static int diff_route(struct diff_ctx *c, const struct hs_route *want, const struct hs_route *have)
{
	const struct hs_route *rt = want ? want : have;
	enum plan_op op = !want ? PLAN_DELETE : !have ? PLAN_CREATE : PLAN_UPDATE;
	struct plan_action a;
	char buf[PREFIX_STRLEN];

	if (op == PLAN_UPDATE && route_same(want, have))
		return 0;
	if (op == PLAN_DELETE && have->ifname[0] && link_deleted(c, have->ifname))
		return 0;
	action_init(&a, PLAN_OBJ_ROUTE, op, rt->ifname);
	a.route_desired = want;
	a.route_observed = have;
	a.u.route = *rt;
	a.name = strdup(prefix_format(&rt->dst, buf));
	return push(c, op == PLAN_DELETE ? B_DEL_ROUTE : B_ROUTE, &a, a.name ? 0 : -ENOMEM);
}

/* A switched route (hoststate.h) that an observed route stands for is no
 * change, and the routes standing for it stay: sets satisfied[i] for such a
 * desired route and claimed[j] for every such observed one. */
static void routes_switched(const struct host_state *want, const struct host_state *have, bool *satisfied,
			    bool *claimed)
{
	for (size_t i = 0; i < want->n_routes; i++) {
		if (!want->routes[i].switched)
			continue;
		for (size_t j = 0; j < have->n_routes; j++)
			if (hs_route_satisfies(&want->routes[i], &have->routes[j], want))
				satisfied[i] = claimed[j] = true;
	}
}

static int diff_routes(struct diff_ctx *c)
{
	const struct host_state *want = c->desired, *have = c->observed;
	bool *satisfied = calloc(want->n_routes + have->n_routes + 1, sizeof(bool)), *claimed;
	size_t i = 0, j = 0;
	int r = 0;

	if (!satisfied)
		return -ENOMEM;
	claimed = satisfied + want->n_routes;
	routes_switched(want, have, satisfied, claimed);
	while (r >= 0 && (i < want->n_routes || j < have->n_routes)) {
		int cmp = i == want->n_routes ? 1 : j == have->n_routes ? -1 :
			  hs_route_cmp(&want->routes[i], &have->routes[j]);

		if (cmp <= 0 && satisfied[i]) {
			i++;
		} else if (cmp >= 0 && claimed[j]) {
			j++;
		} else if (cmp < 0) {
			r = diff_route(c, &want->routes[i++], NULL);
		} else if (cmp > 0) {
			r = diff_route(c, NULL, &have->routes[j++]);
		} else {
			r = diff_route(c, &want->routes[i++], &have->routes[j++]);
		}
	}
	free(satisfied);
	return r;
}

static int diff_rule(struct diff_ctx *c, const struct hs_rule *want, const struct hs_rule *have)
{
	const struct hs_rule *rule = want ? want : have;
	struct plan_action a;
	char buf[HS_RULE_STRLEN];

	action_init(&a, PLAN_OBJ_RULE, want ? PLAN_CREATE : PLAN_DELETE, NULL);
	a.rule_desired = want;
	a.rule_observed = have;
	a.u.rule = *rule;
	a.name = strdup(hs_rule_format(rule, buf));
	return push(c, want ? B_RULE : B_DEL_RULE, &a, a.name ? 0 : -ENOMEM);
}

/* A rule is all its fields: one that differs is another rule. */
static int diff_rules(struct diff_ctx *c)
{
	const struct host_state *want = c->desired, *have = c->observed;
	size_t i = 0, j = 0;
	int r = 0;

	while (r >= 0 && (i < want->n_rules || j < have->n_rules)) {
		int cmp = i == want->n_rules ? 1 : j == have->n_rules ? -1 :
			  hs_rule_cmp(&want->rules[i], &have->rules[j]);

		if (cmp < 0)
			r = diff_rule(c, &want->rules[i++], NULL);
		else if (cmp > 0)
			r = diff_rule(c, NULL, &have->rules[j++]);
		else
			i++, j++;
	}
	return r;
}

static int diff_sysctl(struct diff_ctx *c, const struct hs_sysctl *want, const struct hs_sysctl *have)
{
	struct plan_action a;

	if (have && !strcmp(want->value, have->value))
		return 0;
	action_init(&a, PLAN_OBJ_SYSCTL, PLAN_UPDATE, NULL);
	a.sysctl_desired = want;
	a.sysctl_observed = have;
	a.u.sysctl.key = want->key;
	a.u.sysctl.value = want->value;
	a.name = strdup(want->key);
	return push(c, B_SYSCTL, &a, a.name ? 0 : -ENOMEM);
}

/* Only sysctls wgf wants are compared; others observed are not its business. */
static int diff_sysctls(struct diff_ctx *c)
{
	const struct host_state *want = c->desired, *have = c->observed;
	size_t i = 0, j = 0;
	int r = 0;

	while (r >= 0 && i < want->n_sysctls) {
		int cmp = j == have->n_sysctls ? -1 : strcmp(want->sysctls[i].key, have->sysctls[j].key);

		if (cmp < 0)
			r = diff_sysctl(c, &want->sysctls[i++], NULL);
		else if (cmp > 0)
			j++;
		else
			r = diff_sysctl(c, &want->sysctls[i++], &have->sysctls[j++]);
	}
	return r;
}

/* Item changes from the items applied (old) to the desired ones; both sorted by key. */
static int fw_item_changes(struct plan_action *a, const struct hs_fw_item *old, size_t no,
			   const struct hs_fw_item *new, size_t nn, size_t *n_changed)
{
	size_t i = 0, j = 0, n0 = a->u.firewall.n_changes;
	int r = 0;

	while (r >= 0 && (i < no || j < nn)) {
		int cmp = i == no ? 1 : j == nn ? -1 : strcmp(old[i].key, new[j].key);

		if (cmp < 0)
			r = fw_change(a, PLAN_CHANGE_ITEM, old[i].key, old[i].value, NULL);
		else if (cmp > 0)
			r = fw_change(a, PLAN_CHANGE_ITEM, new[j].key, NULL, new[j].value);
		else if (strcmp(old[i].value, new[j].value))
			r = fw_change(a, PLAN_CHANGE_ITEM, new[j].key, old[i].value, new[j].value);
		i += cmp <= 0;
		j += cmp >= 0;
	}
	*n_changed = a->u.firewall.n_changes - n0;
	return r;
}

/* What differs between two texts of the table (listings, or rendered bodies). */
static int fw_text_changes(struct plan_action *a, enum plan_change_kind kind, const char *field,
			   const char *old, const char *new)
{
	char **lines = NULL;
	size_t n = 0;
	int r;

	r = nft_listing_diff(old, new, SIZE_MAX, &lines, &n);
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = fw_change(a, kind, field, NULL, lines[i]);
	nft_listing_lines_free(lines, n);
	return r;
}

static int fw_action_init(struct plan_action *a, enum plan_op op, const struct hs_firewall *want)
{
	action_init(a, PLAN_OBJ_FIREWALL, op, NULL);
	a->u.firewall.body = op == PLAN_DELETE ? NULL : want->body ? want->body : "";
	a->name = strdup(HS_FW_FAMILY " " HS_FW_TABLE);
	return a->name ? 0 : -ENOMEM;
}

/* wgf replaces its table when what it wants differs from what it applied last, or
 * when the kernel's table differs from what it listed right after that apply. */
static int diff_firewall(struct diff_ctx *c)
{
	const struct hs_firewall *want = &c->desired->firewall, *have = &c->observed->firewall;
	const struct fw_record *rec = c->opts ? c->opts->fw_applied : NULL;
	struct plan_action a;
	bool body_changed, drift;
	size_t n_items = 0;
	int r;

	if (!want->present) {
		if (!have->present || !rec)
			return 0;
		return push(c, B_DEL_FIREWALL, &a, fw_action_init(&a, PLAN_DELETE, want));
	}
	if (!have->present) {
		r = fw_action_init(&a, PLAN_CREATE, want);
		a.u.firewall.drift = rec != NULL;
		if (r >= 0 && rec)
			r = fw_change(&a, PLAN_CHANGE_DRIFT, "changed outside wgf", NULL, "table deleted");
		if (r >= 0)
			r = fw_item_changes(&a, NULL, 0, want->items, want->n_items, &n_items);
		return push(c, B_FIREWALL, &a, r);
	}
	body_changed = !rec || strcmp(rec->body ? rec->body : "", want->body ? want->body : "");
	drift = fw_record_drift(have, rec) == FW_DRIFT_CHANGED;
	if (!body_changed && !drift)
		return 0;
	r = fw_action_init(&a, PLAN_UPDATE, want);
	a.u.firewall.drift = drift;
	if (r >= 0 && !rec)
		r = fw_change(&a, PLAN_CHANGE_NOTE, "no record of what wgf applied: replaced as a whole",
				       NULL, NULL);
	if (r >= 0 && rec)
		r = fw_item_changes(&a, rec->items, rec->n_items, want->items, want->n_items, &n_items);
	/* addresses and LANs are set elements, not items; a new wgf may lay it out anew */
	if (r >= 0 && body_changed && rec && !n_items)
		r = fw_text_changes(&a, PLAN_CHANGE_RULESET, "ruleset", rec->body, want->body);
	if (r >= 0 && drift)
		r = fw_text_changes(&a, PLAN_CHANGE_DRIFT, "changed outside wgf", rec->listing, have->body);
	/* the kernel holds exactly what wgf applied: when only set elements differ,
	 * changing those leaves every other element (and the table) alone */
	if (r >= 0 && rec && rec->body && !drift)
		r = nft_delta_patch(HS_FW_FAMILY, HS_FW_TABLE, rec->body, want->body ? want->body : "",
				    &a.u.firewall.patch);
	return push(c, B_FIREWALL, &a, r);
}

/* Is have what want asks? Only systemd-resolved reports defaultRoute, as what
 * is in effect: "auto" is satisfied by what resolved makes of it, so an
 * explicit value left behind (the YAML went back to auto) is a change. */
static bool dns_satisfied(const struct hs_dns *want, const struct hs_dns *have, enum hs_dns_manager m)
{
	struct hs_dns w = *want;

	w.default_route = m == HS_DNS_MANAGER_RESOLVED ? hs_dns_route_effective(want) : have->default_route;
	return hs_dns_equal(&w, have);
}

static int diff_one_dns(struct diff_ctx *c, const struct hs_dns *want, const struct hs_dns *have)
{
	struct plan_action a;

	if (want && have && dns_satisfied(want, have, c->observed->dns_manager))
		return 0;
	if (!want && !is_owned(c->opts, have->ifname) && !hoststate_find_device(c->desired, have->ifname))
		return 0;
	action_init(&a, PLAN_OBJ_DNS, !have ? PLAN_CREATE : !want ? PLAN_DELETE : PLAN_UPDATE,
		    want ? want->ifname : have->ifname);
	a.dns_desired = want;
	a.dns_observed = have;
	a.name = strdup("dns");
	return push(c, want ? B_DNS : B_DEL_DNS, &a, a.name ? 0 : -ENOMEM);
}

/* The DNS of wgf's interfaces: observe reads no other link's. */
static int diff_dns(struct diff_ctx *c)
{
	const struct host_state *want = c->desired, *have = c->observed;
	size_t i = 0, j = 0;
	int r = 0;

	while (r >= 0 && (i < want->n_dns || j < have->n_dns)) {
		int cmp = i == want->n_dns ? 1 : j == have->n_dns ? -1 : strcmp(want->dns[i].ifname, have->dns[j].ifname);

		if (cmp < 0)
			r = diff_one_dns(c, &want->dns[i++], NULL);
		else if (cmp > 0)
			r = diff_one_dns(c, NULL, &have->dns[j++]);
		else
			r = diff_one_dns(c, &want->dns[i++], &have->dns[j++]);
	}
	return r;
}

int plan_dns_check(const struct host_state *desired, const struct host_state *observed, struct wgf_error *err)
{
	enum hs_dns_manager m = observed->dns_manager;

	for (size_t i = 0; i < desired->n_dns && m != HS_DNS_MANAGER_UNKNOWN; i++) {
		const struct hs_dns *d = &desired->dns[i];
		const char *at = d->origin ? d->origin : d->ifname;

		if (m == HS_DNS_MANAGER_NONE)
			return wgf_error_set(err, -EOPNOTSUPP, "%s: the dns of interface %s needs systemd-resolved or "
					     "resolvconf, and this host has neither", at, d->ifname);
		if (m == HS_DNS_MANAGER_RESOLVCONF && (d->n_routing || d->default_route != HS_DNS_ROUTE_AUTO))
			return wgf_error_set(err, -EOPNOTSUPP, "%s: %s of interface %s need systemd-resolved, which this "
					     "host does not run (resolvconf takes servers and search domains only): "
					     "nothing was changed", at, d->n_routing ? "routing domains (split DNS)" :
					     "defaultRoute", d->ifname);
	}
	return 0;
}

static int plan_assemble(struct plan *p, struct diff_ctx *c)
{
	size_t n = 0;

	for (int b = 0; b < B_MAX; b++)
		n += c->b[b].n;
	if (n) {
		p->actions = calloc(n, sizeof(*p->actions));
		if (!p->actions)
			return -ENOMEM;
	}
	for (int b = 0; b < B_MAX; b++) {
		for (size_t i = 0; i < c->b[b].n; i++) {
			struct plan_action *a = &c->b[b].v[i];

			p->actions[p->n_actions++] = *a;
		}
		free(c->b[b].v);
		c->b[b] = (struct action_list){ 0 };
	}
	plan_count(p);
	return 0;
}

void plan_count(struct plan *p)
{
	p->n_create = p->n_update = p->n_delete = 0;
	for (size_t i = 0; i < p->n_actions; i++) {
		const struct plan_action *a = &p->actions[i];

		/* The device settings of a new link are part of creating it. */
		if (a->obj == PLAN_OBJ_DEVICE && a->op == PLAN_CREATE)
			continue;
		if (a->op == PLAN_CREATE)
			p->n_create++;
		else if (a->op == PLAN_UPDATE)
			p->n_update++;
		else
			p->n_delete++;
	}
}

int diff_host_states(struct host_state *desired, struct host_state *observed,
		     const struct diff_opts *opts, struct plan **out)
{
	struct diff_ctx c = { .opts = opts, .desired = desired, .observed = observed };
	struct plan *p;
	int r = -ENOMEM;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p) {
		hoststate_free(desired);
		hoststate_free(observed);
		return -ENOMEM;
	}
	p->desired = desired;
	p->observed = observed;
	if (!desired || !observed) {
		r = -EINVAL;
		goto out;
	}
	if (desired->host_name) {
		p->host_name = strdup(desired->host_name);
		if (!p->host_name)
			goto out;
	}
	/* a known PSK's id, for the plan to carry and compare with a withheld one */
	hoststate_fill_psk_ids(desired);
	hoststate_fill_psk_ids(observed);
	r = diff_devices(&c);
	if (r >= 0)
		r = diff_routes(&c);
	if (r >= 0)
		r = diff_rules(&c);
	if (r >= 0)
		r = diff_sysctls(&c);
	if (r >= 0)
		r = diff_firewall(&c);
	if (r >= 0)
		r = diff_dns(&c);
	if (r >= 0)
		r = plan_assemble(p, &c);
	if (r < 0)
		goto out;
	*out = p;
	p = NULL;
	r = 0;
out:
	for (int b = 0; b < B_MAX; b++) {
		for (size_t i = 0; i < c.b[b].n; i++)
			plan_action_clear(&c.b[b].v[i]);
		free(c.b[b].v);
	}
	plan_free(p);
	return r;
}

void plan_free(struct plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_actions; i++)
		plan_action_clear(&p->actions[i]);
	free(p->actions);
	hoststate_free(p->desired);
	hoststate_free(p->observed);
	free(p->host_name);
	free(p->source);
	free(p->commit);
	free(p->tree);
	peer_notices_clear(&p->notices);
	plan_exit_groups_clear(&p->exit_groups);
	free(p);
}

/* Each enum's names, once: printing and reading plans both use them. */
static const char *const obj_names[] = {
	[PLAN_OBJ_LINK] = "interface", [PLAN_OBJ_DEVICE] = "device", [PLAN_OBJ_PEER] = "peer",
	[PLAN_OBJ_ADDRESS] = "address", [PLAN_OBJ_ROUTE] = "route", [PLAN_OBJ_RULE] = "rule",
	[PLAN_OBJ_SYSCTL] = "sysctl",
	[PLAN_OBJ_FIREWALL] = "nftables table", [PLAN_OBJ_DNS] = "dns",
};
static const char *const op_names[] = {
	[PLAN_CREATE] = "create", [PLAN_UPDATE] = "update", [PLAN_DELETE] = "delete",
};
static const char *const change_kind_names[] = {
	[PLAN_CHANGE_ITEM] = "item", [PLAN_CHANGE_DRIFT] = "drift", [PLAN_CHANGE_RULESET] = "ruleset",
	[PLAN_CHANGE_NOTE] = "note",
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *name_of(const char *const *names, size_t n, unsigned v)
{
	return v < n && names[v] ? names[v] : "unknown";
}

static int value_of(const char *const *names, size_t n, const char *s)
{
	for (size_t i = 0; s && i < n; i++)
		if (names[i] && !strcmp(names[i], s))
			return (int)i;
	return -1;
}

const char *plan_obj_name(enum plan_obj o) { return name_of(obj_names, ARRAY_SIZE(obj_names), o); }
const char *plan_op_name(enum plan_op o) { return name_of(op_names, ARRAY_SIZE(op_names), o); }
const char *plan_change_kind_name(enum plan_change_kind k)
{
	return name_of(change_kind_names, ARRAY_SIZE(change_kind_names), k);
}
int plan_obj_from_name(const char *s) { return value_of(obj_names, ARRAY_SIZE(obj_names), s); }
int plan_op_from_name(const char *s) { return value_of(op_names, ARRAY_SIZE(op_names), s); }
int plan_change_kind_from_name(const char *s)
{
	return value_of(change_kind_names, ARRAY_SIZE(change_kind_names), s);
}
