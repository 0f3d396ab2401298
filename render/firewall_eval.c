/* One connection attempt, decided the way the rendered tables decide it: where the
 * packet first enters a wgf host from a tunnel, that host's from_tunnel chain rules. */
#include "render/firewall_int.h"
#include "model/str.h"
#include "render/exits.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

__attribute__((format(printf, 3, 4)))
static int decide(struct fw_decision *out, bool accept, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = str_vprintf(fmt, ap);
	va_end(ap);
	if (!s)
		return -ENOMEM;
	free(out->why);
	out->why = s;
	out->accept = accept;
	return 0;
}

/* For a decision that crosses no tunnel: the reason, and -EINVAL. */
static int no_tunnel(int r)
{
	return r < 0 ? r : -EINVAL;
}

static void service(char *buf, size_t len, unsigned proto, uint16_t port)
{
	if (proto == FW_PROTO_ICMP)
		snprintf(buf, len, "icmp");
	else
		snprintf(buf, len, "%s/%u", proto == FW_PROTO_TCP ? "tcp" : "udp", port);
}

static bool peer_lists(const struct model_peer *p, size_t host)
{
	for (size_t i = 0; i < p->n_hubs; i++)
		if (p->hubs[i] == host)
			return true;
	return false;
}

/* The host whose tunnel a packet for principal p arrives through: p itself when a
 * host, else the peer's primary hub. */
static size_t arrival_host(const struct fw_network *fw, size_t p)
{
	const struct fw_principal *pr = &fw->pr[p];
	const struct model_peer *pe;

	if (pr->is_host)
		return pr->index;
	pe = &fw->m->peers[pr->index];
	return pe->n_hubs ? pe->hubs[0] : FW_NONE;
}

static const char *kind(const struct fw_principal *p)
{
	return p->is_host ? "host" : "peer";
}

static bool rule_matches(const struct fw_rule *r, const struct wgf_prefix *src, const struct wgf_prefix *dst,
			 unsigned proto, uint16_t port)
{
	if (!(r->protos & proto))
		return false;
	if (r->n_ports) {
		size_t i;

		if (!(proto & (FW_PROTO_TCP | FW_PROTO_UDP)))
			return false;
		for (i = 0; i < r->n_ports; i++)
			if (port >= r->ports[i].lo && port <= r->ports[i].hi)
				break;
		if (i == r->n_ports)
			return false;
	}
	return (r->from_any || fw_pset_contains(&r->from, src)) && (r->to_any || fw_pset_contains(&r->to, dst));
}

/* The class chain c<j> of render/firewall_nft.c. */
static bool class_allows(const struct fw_network *fw, const struct fw_class *c, const struct wgf_prefix *dst,
			 unsigned proto, uint16_t port, bool exit, bool internet)
{
	if (internet)
		return (c->level == ACCESS_FULL || c->level == ACCESS_INTERNET_ONLY) && exit &&
		       fw_family_internal(fw, dst->family);
	if (c->level == ACCESS_INTERNET_ONLY)
		return (proto & (FW_PROTO_TCP | FW_PROTO_UDP)) && port == FW_DNS_PORT && fw_pset_contains(&c->dns, dst);
	if (c->own_lans)
		return fw_pset_contains(&c->lans, dst);
	for (size_t s = 0; s < fw->n_scopes; s++) {
		if (!fw_scope_reaches(fw, c->scope, s))
			continue;
		if (c->level != ACCESS_LAN_ONLY && fw_pset_contains(&fw->scopes[s].tun, dst))
			return true;
		if (c->level != ACCESS_VPN_ONLY && fw_pset_contains(&fw->scopes[s].lan, dst))
			return true;
	}
	return false;
}

/* Where internet traffic of principal p that enters host at leaves (README
 * "Exit groups"): through the exit group at routes p's source into, or at
 * itself when it is an exit (through its own group when it has one:
 * multi-hop); routed false: nothing sends it to the internet. */
struct exit_path {
	bool routed;
	const struct model_exit_group *group;
	size_t host;                   /* MODEL_NONE: decided by measurement (latency) */
};

static struct exit_path exit_path(const struct fw_network *fw, const struct fw_principal *p, size_t at)
{
	const struct model *m = fw->m;
	const struct model_host *h = at < m->n_hosts ? &m->hosts[at] : NULL;
	const char *name = p->name;
	struct exit_path x = { .host = MODEL_NONE };
	const struct model_exit_use *e = NULL;

	if (!h)
		return x;
	if (!p->is_host) {
		const struct model_peer *pe = &m->peers[p->index];

		if (pe->n_hubs && pe->hubs[0] == at)
			e = model_peer_exit(m, pe);
	}
	if (!e && h->role == HOST_ROLE_EXIT && h->exit.set)
		e = &h->exit;
	if (e && e->group != MODEL_NONE) {
		x.routed = true;
		x.group = &m->exit_groups[e->group];
		x.host = exit_group_choice(m, x.group, name);
	} else if (h->role == HOST_ROLE_EXIT) {
		x.routed = true;
		x.host = at;
	}
	return x;
}

/* " (leaving through exit exa of group eu)" when a group decides. */
static int note_exit(const struct fw_network *fw, const struct exit_path *x, struct fw_decision *out)
{
	char *s;

	out->exit_host = x->host != MODEL_NONE ? fw->m->hosts[x->host].meta.name : NULL;
	out->exit_group = x->group ? x->group->meta.name : NULL;
	if (!x->group)
		return 0;
	s = out->exit_host ? str_printf("%s, leaving through exit %s of group %s", out->why, out->exit_host,
					 out->exit_group)
			   : str_printf("%s, leaving through the exit of group %s with the lowest latency",
					out->why, out->exit_group);
	if (!s)
		return -ENOMEM;
	free(out->why);
	out->why = s;
	return 0;
}

/* The from_tunnel chain of host `at` (FW_NONE: unknown) for a packet of principal sp. */
static int eval_filter(const struct fw_network *fw, size_t sp, const struct wgf_prefix *src,
		       const struct wgf_prefix *dst, size_t at, unsigned proto, uint16_t port,
		       struct fw_decision *out)
{
	const struct model *m = fw->m;
	const struct fw_principal *p = &fw->pr[sp];
	const struct model_host *h = at < m->n_hosts ? &m->hosts[at] : NULL;
	const char *hname = h ? h->meta.name : "?";
	struct exit_path xp = exit_path(fw, p, at);
	bool exit = xp.routed;
	bool internet = !fw_pset_contains(&fw->internal, dst);
	char d[PREFIX_STRLEN], *desc, *what;
	int r;

	out->host = h ? h->meta.name : NULL;
	prefix_format_addr(dst, d);
	for (size_t i = 0; i < fw->n_rules; i++) {
		const struct fw_rule *ru = &fw->rules[i];

		if (!rule_matches(ru, src, dst, proto, port))
			continue;
		out->loc = ru->rule->loc;
		if (ru->rule->accept && internet && !exit)
			return decide(out, false, "hub %s is not an exit: nothing routes it to the internet "
				      "(policy %s rule %zu accepts it)", hname, ru->policy->meta.name, ru->pos);
		r = decide(out, ru->rule->accept, "policy %s rule %zu", ru->policy->meta.name, ru->pos);
		return r < 0 || !ru->rule->accept || !internet ? r : note_exit(fw, &xp, out);
	}
	if (fw_pset_contains(&fw->internet_only, dst)) {
		size_t dp = fw_principal_of(fw, dst);

		if (dp != FW_NONE)
			out->loc = fw->pr[dp].meta->loc;
		return decide(out, false, "default drop: no policy rule matches and %s is peer %s's, whose access "
			      "level internet-only lets only policies reach it", d,
			      dp != FW_NONE ? fw->pr[dp].name : "?");
	}

	desc = fw_class_describe(fw, p->cls, exit);
	if (!desc)
		return -ENOMEM;
	what = strstr(desc, ": ");
	what = what ? what + 2 : desc;
	if (p->cls != FW_NONE && class_allows(fw, &fw->cls[p->cls], dst, proto, port, exit, internet)) {
		out->loc = p->is_host ? (struct wgf_loc){ 0 } : p->meta->loc;
		r = decide(out, true, "access level %s of %s %s (%s)", access_level_name(p->level), kind(p),
			   p->name, what);
		if (r >= 0 && internet)
			r = note_exit(fw, &xp, out);
	} else if (p->cls != FW_NONE && internet && !exit &&
		   (p->level == ACCESS_FULL || p->level == ACCESS_INTERNET_ONLY)) {
		r = decide(out, false, "default drop: hub %s is not an exit: nothing routes it to the internet", hname);
	} else if (p->cls == FW_NONE) {
		r = decide(out, false, "default drop: no policy rule matches and %s %s has access level custom",
			   kind(p), p->name);
	} else {
		r = decide(out, false, "default drop: no policy rule matches and access level %s of %s %s (%s) "
			   "does not cover %s", access_level_name(p->level), kind(p), p->name, what, d);
	}
	free(desc);
	return r;
}

static const struct wgf_prefix *first_address(const struct model_host *h, int family)
{
	for (size_t i = 0; i < h->n_addresses; i++)
		if (h->addresses[i].family == family)
			return &h->addresses[i];
	return NULL;
}

/* A forward matched on host hi: DNAT, then the masqueraded packet (source: hi's tunnel
 * address) goes straight to the target, or enters the host that routes to it. */
static int eval_forward(const struct fw_network *fw, size_t hi, const struct model_forward *f,
			const struct fw_query *q, struct fw_decision *out)
{
	const struct model *m = fw->m;
	const struct model_host *x = &m->hosts[hi];
	struct fw_decision sub = { 0 };
	const struct wgf_prefix *xa;
	struct wgf_prefix xs;
	char name[PREFIX_STRLEN + 32], tgt[PREFIX_STRLEN + 8], fwd[3 * PREFIX_STRLEN + 2 * MODEL_NAME_MAX];
	size_t tp, xp = fw->host_pr[hi], next;
	int r;

	out->host = x->meta.name;
	out->loc = f->loc;
	out->forwarded = true;
	out->target = prefix_host(&f->target);
	out->target_port = f->to_port ? (uint16_t)(f->to_port + (q->port - f->ports.lo)) : q->port;
	if (f->name) {
		snprintf(name, sizeof(name), "%s", f->name);
	} else {
		char pub[PREFIX_STRLEN], svc[16];

		service(svc, sizeof(svc), q->proto, q->port);
		snprintf(name, sizeof(name), "%s %s", prefix_format_addr(&f->public_addr, pub), svc);
	}
	prefix_format_addr(&out->target, tgt);
	snprintf(fwd, sizeof(fwd), out->target.family == AF_INET6 ? "forward %s on host %s → [%s]:%u" :
		 "forward %s on host %s → %s:%u", name, x->meta.name, tgt, out->target_port);

	tp = fw_principal_of(fw, &out->target);
	if (tp == FW_NONE)
		return decide(out, false, "%s, but %s belongs to no enabled peer or host", fwd, tgt);
	if (tp == xp || (!fw->pr[tp].is_host && peer_lists(&m->peers[fw->pr[tp].index], hi)))
		return decide(out, true, "%s", fwd);
	xa = first_address(x, out->target.family);
	if (!xa)
		return decide(out, false, "%s, but host %s has no tunnel address of that family to masquerade with",
			      fwd, x->meta.name);
	xs = prefix_host(xa);
	next = arrival_host(fw, tp);
	r = eval_filter(fw, xp, &xs, &out->target, next, q->proto, out->target_port, &sub);
	if (r < 0)
		goto out;
	if (sub.accept) {
		r = decide(out, true, "%s", fwd);
	} else {
		r = decide(out, false, "%s, but host %s drops it: %s", fwd, sub.host ? sub.host : "?", sub.why);
		out->host = sub.host;
		if (sub.loc.line)
			out->loc = sub.loc;
	}
out:
	fw_decision_clear(&sub);
	return r;
}

static bool same_address(const struct wgf_prefix *a, const struct wgf_prefix *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, prefix_addr_len(a->family));
}

/* From outside every tunnel (the internet): only forwards let it in. */
static int eval_outside(const struct fw_network *fw, const struct fw_query *q, const struct wgf_prefix *d,
			struct fw_decision *out)
{
	const struct model *m = fw->m;
	char dst[PREFIX_STRLEN], svc[16];

	for (size_t hi = 0; hi < m->n_hosts; hi++) {
		const struct model_host *h = &m->hosts[hi];

		if (h->network != fw->network)
			continue;
		for (size_t i = 0; i < h->n_public_addrs; i++)
			if (same_address(&h->public_addrs[i], d))
				out->host = h->meta.name;
		for (size_t i = 0; i < h->n_addresses; i++)
			if (same_address(&h->addresses[i], d))
				out->host = h->meta.name;
		for (size_t i = 0; i < h->n_forwards; i++) {
			const struct model_forward *f = &h->forwards[i];

			if (same_address(&f->public_addr, d) && (f->protos & q->proto) &&
			    (q->proto & (FW_PROTO_TCP | FW_PROTO_UDP)) &&
			    q->port >= f->ports.lo && q->port <= f->ports.hi)
				return eval_forward(fw, hi, f, q, out);
		}
	}
	service(svc, sizeof(svc), q->proto, q->port);
	/* The host's own services are its own firewall's business, not wgf's. */
	if (out->host)
		return no_tunnel(decide(out, false, "not decided by wgf: %s is host %s's own address and no "
					"forward matches %s; wgf does not filter what reaches a host itself from outside",
					prefix_format_addr(d, dst), out->host, svc));
	return decide(out, false, "nothing is forwarded from outside to %s %s, and only forwards enter the "
		      "tunnel from outside", prefix_format_addr(d, dst), svc);
}

int fw_evaluate(const struct fw_network *fw, const struct fw_query *q, struct fw_decision *out)
{
	const struct model *m = fw->m;
	struct wgf_prefix s, d;
	char sb[PREFIX_STRLEN], db[PREFIX_STRLEN];
	size_t sp, dp, at;

	memset(out, 0, sizeof(*out));
	if ((q->src.family != AF_INET && q->src.family != AF_INET6) || q->dst.family != q->src.family)
		return no_tunnel(decide(out, false, "source and destination must be addresses of one family"));
	if (q->proto != FW_PROTO_TCP && q->proto != FW_PROTO_UDP && q->proto != FW_PROTO_ICMP)
		return no_tunnel(decide(out, false, "the protocol must be one of tcp, udp, icmp"));
	s = prefix_host(&q->src);
	d = prefix_host(&q->dst);
	prefix_format_addr(&s, sb);
	prefix_format_addr(&d, db);
	sp = fw_principal_of(fw, &s);
	dp = fw_principal_of(fw, &d);
	if (sp == FW_NONE) {
		if (fw_pset_contains(&fw->internal, &s))
			return decide(out, false, "%s belongs to no enabled peer or host: no tunnel accepts it", sb);
		return eval_outside(fw, q, &d, out);
	}
	if (sp == dp)
		return no_tunnel(decide(out, false, "traffic from %s %s to %s does not cross a wgf tunnel",
					kind(&fw->pr[sp]), fw->pr[sp].name, db));
	if (fw->pr[sp].is_host) {
		const struct model_host *h = &m->hosts[fw->pr[sp].index];

		out->host = h->meta.name;
		if (dp != FW_NONE && !fw->pr[dp].is_host && peer_lists(&m->peers[fw->pr[dp].index], fw->pr[sp].index))
			return decide(out, true, "not filtered: %s sends it straight into the tunnel", h->meta.name);
		if (dp == FW_NONE && fw_pset_contains(&fw->internal, &d))
			return no_tunnel(decide(out, false, "%s belongs to no enabled peer or host", db));
		if (dp == FW_NONE)
			return no_tunnel(decide(out, false, "traffic from host %s to %s does not cross a wgf tunnel",
						h->meta.name, db));
		at = arrival_host(fw, dp);
	} else {
		const struct model_peer *pe = &m->peers[fw->pr[sp].index];

		at = pe->n_hubs ? pe->hubs[0] : FW_NONE;
		if (dp != FW_NONE && fw->pr[dp].is_host && peer_lists(pe, fw->pr[dp].index))
			at = fw->pr[dp].index;
	}
	return eval_filter(fw, sp, &s, &d, at, q->proto, q->port, out);
}

void fw_decision_clear(struct fw_decision *d)
{
	if (!d)
		return;
	free(d->why);
	memset(d, 0, sizeof(*d));
}
