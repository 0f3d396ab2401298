#include "reconcile/plan/plan_fields.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t plan_route_metric(const struct hs_route *rt)
{
	return rt->dst.family == AF_INET6 && rt->metric == 0 ? 1024 : rt->metric;
}

static struct plan_value v_none(void) { return (struct plan_value){ .type = PLAN_VALUE_NONE }; }
static struct plan_value v_uint(unsigned long u) { return (struct plan_value){ .type = PLAN_VALUE_UINT, .u = u }; }
static struct plan_value v_bool(bool b) { return (struct plan_value){ .type = PLAN_VALUE_BOOL, .b = b }; }
static struct plan_value v_text(const char *s) { return (struct plan_value){ .type = PLAN_VALUE_TEXT, .s = s }; }
static struct plan_value v_secret(bool present) { return (struct plan_value){ .type = PLAN_VALUE_SECRET, .secret = present }; }
static struct plan_value v_psk(const struct hs_peer *p)
{
	return (struct plan_value){ .type = PLAN_VALUE_SECRET, .secret = p->has_psk,
				    .secret_id = p->has_psk && p->has_psk_id ? p->psk_id : NULL };
}
static struct plan_value v_keepalive(uint16_t k) { return (struct plan_value){ .type = PLAN_VALUE_KEEPALIVE, .u = k }; }

static struct plan_value v_prefixes(const struct wgf_prefix *v, size_t n)
{
	return (struct plan_value){ .type = PLAN_VALUE_PREFIXES, .prefixes = { v, n } };
}

static struct plan_value v_endpoint(const struct wgf_endpoint *e)
{
	return (struct plan_value){ .type = PLAN_VALUE_ENDPOINT, .endpoint = e };
}

static struct plan_value v_key(bool has, const uint8_t *key)
{
	return (struct plan_value){ .type = PLAN_VALUE_PUBLIC_KEY, .key = has ? key : NULL };
}

static struct plan_value v_address(bool has, const struct wgf_prefix *p)
{
	return (struct plan_value){ .type = PLAN_VALUE_ADDRESS, .address = has ? p : NULL };
}

static struct plan_value v_addresses(const struct wgf_prefix *v, size_t n)
{
	return (struct plan_value){ .type = PLAN_VALUE_ADDRESSES, .prefixes = { v, n } };
}

static struct plan_value v_names(char *const *v, size_t n)
{
	return (struct plan_value){ .type = PLAN_VALUE_NAMES, .names = { v, n } };
}

struct fields {
	struct plan_field *v;
	size_t n;
};

static void add(struct fields *f, const char *name, struct plan_value old, struct plan_value new)
{
	if (f->n < PLAN_FIELDS_MAX)
		f->v[f->n++] = (struct plan_field){ .name = name, .old = old, .new = new };
}

static bool prefixes_same(const struct wgf_prefix *a, size_t na, const struct wgf_prefix *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (prefix_cmp(&a[i], &b[i]))
			return false;
	return true;
}

static void link_fields(const struct plan_action *a, struct fields *f)
{
	const struct hs_device *d = a->dev_desired, *o = a->dev_observed;

	if (a->op == PLAN_CREATE) {
		if (d->mtu)
			add(f, "mtu", v_none(), v_uint(d->mtu));
		if (d->up)
			add(f, "up", v_none(), v_bool(true));
	} else if (a->op == PLAN_UPDATE) {
		if (a->u.link.set_mtu)
			add(f, "mtu", v_uint(o->mtu), v_uint(d->mtu));
		if (a->u.link.set_up)
			add(f, "up", v_bool(false), v_bool(true));
	}
}

static void device_fields(const struct plan_action *a, struct fields *f)
{
	const struct hs_device *d = a->dev_desired, *o = a->dev_observed;
	bool create = a->op == PLAN_CREATE;

	if (!d)
		return;
	if (a->u.device.set_listen_port)
		add(f, "listen_port", create ? v_none() : v_uint(o->listen_port), v_uint(d->listen_port));
	if (a->u.device.set_fwmark)
		add(f, "fwmark", create ? v_none() : v_uint(o->fwmark), v_uint(d->fwmark));
	if (a->u.device.set_private_key) {
		add(f, "private_key", create ? v_none() : v_secret(o->has_private_key), v_secret(true));
		add(f, "public_key", create ? v_none() : v_key(a->has_public_key_old, a->public_key_old),
		    v_key(a->has_public_key_new, a->public_key_new));
	}
}

static void peer_fields(const struct plan_action *a, struct fields *f)
{
	const struct hs_peer *p = a->peer_desired, *o = a->peer_observed;

	if (a->op == PLAN_CREATE) {
		add(f, "allowed_ips", v_none(), v_prefixes(p->allowed_ips, p->n_allowed_ips));
		if (p->endpoint.family)
			add(f, "endpoint", v_none(), v_endpoint(&p->endpoint));
		if (p->keepalive)
			add(f, "keepalive", v_none(), v_keepalive(p->keepalive));
		if (p->has_psk)
			add(f, "preshared_key", v_none(), v_psk(p));
	} else if (a->op == PLAN_UPDATE) {
		if (a->u.peer.replace_allowed_ips)
			add(f, "allowed_ips", v_prefixes(o->allowed_ips, o->n_allowed_ips),
			    v_prefixes(p->allowed_ips, p->n_allowed_ips));
		if (a->u.peer.set_endpoint)
			add(f, "endpoint", v_endpoint(&o->endpoint), v_endpoint(&p->endpoint));
		if (a->u.peer.set_keepalive)
			add(f, "keepalive", v_keepalive(o->keepalive), v_keepalive(p->keepalive));
		if (a->u.peer.set_psk)
			add(f, "preshared_key", v_psk(o), v_psk(p));
	}
}

/* A route's kind and source address: said when they are not the plain ones,
 * and on an update when they change. */
static void route_fields(const struct plan_action *a, struct fields *f)
{
	const struct hs_route *d = a->route_desired, *o = a->route_observed;

	if (a->op == PLAN_CREATE && d) {
		if (d->type != HS_ROUTE_UNICAST)
			add(f, "type", v_none(), v_text(hs_route_type_name(d->type)));
		if (d->has_prefsrc)
			add(f, "prefsrc", v_none(), v_address(true, &d->prefsrc));
	}
	if (a->op != PLAN_UPDATE || !d || !o)
		return;
	if (plan_route_metric(o) != plan_route_metric(d))
		add(f, "metric", v_uint(plan_route_metric(o)), v_uint(plan_route_metric(d)));
	if (o->type != d->type)
		add(f, "type", v_text(hs_route_type_name(o->type)), v_text(hs_route_type_name(d->type)));
	if (o->has_prefsrc != d->has_prefsrc || (d->has_prefsrc && !prefix_equal(&o->prefsrc, &d->prefsrc)))
		add(f, "prefsrc", v_address(o->has_prefsrc, &o->prefsrc), v_address(d->has_prefsrc, &d->prefsrc));
}

static bool names_equal(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]))
			return false;
	return true;
}

/* A new interface's DNS lists what it sets; a change, what differs. */
static void dns_fields(const struct plan_action *a, struct fields *f)
{
	const struct hs_dns *d = a->dns_desired, *o = a->dns_observed;
	bool create = !o;

	if (!d)
		return;
	if (create ? d->n_servers > 0 : !prefixes_same(d->servers, d->n_servers, o->servers, o->n_servers))
		add(f, "servers", create ? v_none() : v_addresses(o->servers, o->n_servers),
		    v_addresses(d->servers, d->n_servers));
	if (create ? d->n_search > 0 : !names_equal(d->search, d->n_search, o->search, o->n_search))
		add(f, "search", create ? v_none() : v_names(o->search, o->n_search), v_names(d->search, d->n_search));
	if (create ? d->n_routing > 0 : !names_equal(d->routing, d->n_routing, o->routing, o->n_routing))
		add(f, "routing", create ? v_none() : v_names(o->routing, o->n_routing),
		    v_names(d->routing, d->n_routing));
	if (d->default_route != HS_DNS_ROUTE_AUTO ? create || d->default_route != o->default_route :
	    !create && o->default_route != HS_DNS_ROUTE_AUTO && o->default_route != hs_dns_route_effective(d))
		add(f, "default_route", create ? v_none() : v_text(hs_dns_route_name(o->default_route)),
		    v_text(hs_dns_route_name(d->default_route)));
}

size_t plan_action_fields(const struct plan_action *a, struct plan_field out[PLAN_FIELDS_MAX])
{
	struct fields f = { .v = out };

	switch (a->obj) {
	case PLAN_OBJ_LINK:
		link_fields(a, &f);
		break;
	case PLAN_OBJ_DEVICE:
		device_fields(a, &f);
		break;
	case PLAN_OBJ_PEER:
		peer_fields(a, &f);
		break;
	case PLAN_OBJ_ROUTE:
		route_fields(a, &f);
		break;
	case PLAN_OBJ_SYSCTL:
		if (a->sysctl_desired)
			add(&f, "value", a->sysctl_observed ? v_text(a->sysctl_observed->value) : v_none(),
			    v_text(a->sysctl_desired->value));
		break;
	case PLAN_OBJ_DNS:
		dns_fields(a, &f);
		break;
	case PLAN_OBJ_ADDRESS:
	case PLAN_OBJ_RULE:
	case PLAN_OBJ_FIREWALL:
		break;
	}
	return f.n;
}

struct sbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

__attribute__((format(printf, 2, 3)))
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if (b->s && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap ? b->cap : 64;
		while (cap <= b->len + (size_t)n)
			cap *= 2;
		char *s = realloc(b->s, cap);
		if (!s) {
			b->oom = true;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
}

/* addrs: single addresses, shown without their length */
static void prefix_list_text(struct sbuf *b, const struct wgf_prefix *v, size_t n, bool addrs)
{
	char buf[PREFIX_STRLEN];

	for (size_t i = 0; i < n && i < PLAN_DISPLAY_LIST_MAX; i++)
		sb_printf(b, "%s%s", i ? ", " : "", addrs ? prefix_format_addr(&v[i], buf) : prefix_format(&v[i], buf));
	if (n > PLAN_DISPLAY_LIST_MAX)
		sb_printf(b, ", … (+%zu more)", n - PLAN_DISPLAY_LIST_MAX);
	if (!n)
		sb_printf(b, "(none)");
}

/* "+added … −removed …" (both lists sorted), at most PLAN_DISPLAY_LIST_MAX entries. */
static void prefix_delta_text(struct sbuf *b, const struct wgf_prefix *want, size_t nw,
			      const struct wgf_prefix *have, size_t nh)
{
	char buf[PREFIX_STRLEN];
	size_t shown = 0, hidden = 0;

	for (int pass = 0; pass < 2; pass++) {
		size_t i = 0, j = 0;

		while (i < nw || j < nh) {
			int cmp = i == nw ? 1 : j == nh ? -1 : prefix_cmp(&want[i], &have[j]);
			const struct wgf_prefix *x = NULL;

			if (cmp == 0) {
				i++, j++;
				continue;
			}
			if (cmp < 0) {
				if (pass == 0)
					x = &want[i];
				i++;
			} else {
				if (pass == 1)
					x = &have[j];
				j++;
			}
			if (!x)
				continue;
			if (shown == PLAN_DISPLAY_LIST_MAX) {
				hidden++;
				continue;
			}
			sb_printf(b, "%s%s%s", shown ? " " : "", pass == 0 ? "+" : "−", prefix_format(x, buf));
			shown++;
		}
	}
	if (hidden)
		sb_printf(b, " … (+%zu more)", hidden);
}

static void address_text(struct sbuf *b, const struct wgf_prefix *p)
{
	char buf[PREFIX_STRLEN];

	if (!p) {
		sb_printf(b, "(none)");
		return;
	}
	prefix_format(p, buf);
	if (strchr(buf, '/'))
		*strchr(buf, '/') = '\0';
	sb_printf(b, "%s", buf);
}

static void names_text(struct sbuf *b, char *const *v, size_t n)
{
	for (size_t i = 0; i < n && i < PLAN_DISPLAY_LIST_MAX; i++)
		sb_printf(b, "%s%s", i ? ", " : "", v[i]);
	if (n > PLAN_DISPLAY_LIST_MAX)
		sb_printf(b, ", … (+%zu more)", n - PLAN_DISPLAY_LIST_MAX);
	if (!n)
		sb_printf(b, "(none)");
}

static void value_text(struct sbuf *b, const struct plan_value *v)
{
	char buf[ENDPOINT_STRLEN > WG_KEY_FP_LEN ? ENDPOINT_STRLEN : WG_KEY_FP_LEN];

	switch (v->type) {
	case PLAN_VALUE_NONE:
		break;
	case PLAN_VALUE_UINT:
		sb_printf(b, "%lu", v->u);
		break;
	case PLAN_VALUE_BOOL:
		sb_printf(b, "%s", v->b ? "true" : "false");
		break;
	case PLAN_VALUE_TEXT:
		sb_printf(b, "%s", v->s ? v->s : "");
		break;
	case PLAN_VALUE_PREFIXES:
	case PLAN_VALUE_ADDRESSES:
		prefix_list_text(b, v->prefixes.v, v->prefixes.n, v->type == PLAN_VALUE_ADDRESSES);
		break;
	case PLAN_VALUE_NAMES:
		names_text(b, v->names.v, v->names.n);
		break;
	case PLAN_VALUE_ENDPOINT:
		if (v->endpoint && v->endpoint->family)
			sb_printf(b, "%s", endpoint_format(v->endpoint, buf));
		else
			sb_printf(b, "(none)");
		break;
	case PLAN_VALUE_KEEPALIVE:
		if (v->u)
			sb_printf(b, "%lu", v->u);
		else
			sb_printf(b, "off");
		break;
	case PLAN_VALUE_SECRET:
		sb_printf(b, "%s", v->secret ? "(sensitive)" : "(none)");
		break;
	case PLAN_VALUE_PUBLIC_KEY:
		sb_printf(b, "%s", v->key ? key_fingerprint(v->key, buf) : "(none)");
		break;
	case PLAN_VALUE_ADDRESS:
		address_text(b, v->address);
		break;
	}
}

char *plan_field_text(const struct plan_field *f, bool old, bool *oom)
{
	const struct plan_value *v = old ? &f->old : &f->new;
	bool delta = f->old.type == PLAN_VALUE_PREFIXES && f->new.type == PLAN_VALUE_PREFIXES;
	struct sbuf b = { 0 };

	if (v->type == PLAN_VALUE_NONE || (delta && old))
		return NULL;
	if (delta)
		prefix_delta_text(&b, f->new.prefixes.v, f->new.prefixes.n, f->old.prefixes.v, f->old.prefixes.n);
	else
		value_text(&b, v);
	if (b.oom || (!b.s && !(b.s = strdup("")))) {
		free(b.s);
		*oom = true;
		return NULL;
	}
	return b.s;
}
