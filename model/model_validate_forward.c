/* Cross-object checks of hosts' public addresses and port forwards. */
#include "model/model_validate_forward.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Is a inside some host's lans or some peer's addresses/lans of network net? */
static bool reachable_address(const struct model *m, size_t net, const struct wgf_prefix *a)
{
	if (lan_host(m, net, a) != MODEL_NONE)
		return true;
	for (size_t i = 0; i < m->n_hosts; i++)
		for (size_t j = 0; m->hosts[i].network == net && j < m->hosts[i].n_addresses; j++) {
			struct wgf_prefix h = prefix_host(&m->hosts[i].addresses[j]);
			if (prefix_equal(&h, a))
				return true;
		}
	for (size_t i = 0; i < m->n_peers; i++) {
		const struct model_peer *p = &m->peers[i];
		if (p->network != net)
			continue;
		for (size_t j = 0; j < p->n_addresses; j++)
			if (prefix_contains(&p->addresses[j], a))
				return true;
		for (size_t j = 0; j < p->n_lans; j++)
			if (prefix_contains(&p->lans[j], a))
				return true;
	}
	return false;
}

static void check_forward_ports(struct loader *l, const struct model_forward *f)
{
	if (f->to_port && (unsigned)f->to_port + (f->ports.hi - f->ports.lo) > 65535)
		validate_err(l, &f->port_loc, "toPort %u shifts the range %u-%u beyond 65535", f->to_port,
			     f->ports.lo, f->ports.hi);
	if (f->to_port && f->to_port != f->ports.lo && f->ports.hi - f->ports.lo >= 4096)
		validate_err(l, &f->port_loc, "a range with another toPort may span at most 4096 ports");
}

/* The public address: one of the host's, or its only one when none is written. */
static bool forward_address(struct loader *l, const struct model_host *h, struct model_forward *f)
{
	char a[PREFIX_STRLEN];
	bool found = false;

	if (!f->has_addr) {
		/* addr_loc moves off the item only when "address" was written (and reported bad) */
		if (f->addr_loc.line != f->loc.line || f->addr_loc.col != f->loc.col)
			return false;
		if (h->n_public_addrs != 1) {
			validate_err(l, &f->loc, "forward needs \"address\": Host %s has %zu public addresses",
				     display_name(&h->meta), h->n_public_addrs);
			return false;
		}
		f->public_addr = h->public_addrs[0];
		f->has_addr = true;
		return true;
	}
	for (size_t j = 0; j < h->n_public_addrs && !found; j++)
		found = prefix_equal(&h->public_addrs[j], &f->public_addr);
	if (!found) {
		validate_err(l, &f->addr_loc, "forward address %s is not one of Host %s's publicAddresses",
			     prefix_format_addr(&f->public_addr, a), display_name(&h->meta));
		f->has_addr = false;
	}
	return found;
}

static void forward_to_address(struct loader *l, const struct model_host *h, struct model_forward *f,
			       const struct wgf_prefix *t)
{
	uint8_t fam = f->public_addr.family;
	char a[PREFIX_STRLEN];

	if (t->len != prefix_max_len(t->family))
		validate_err(l, &f->to_loc, "forward target %s must be a single address", diag_quote(f->to));
	else if (t->family != fam)
		validate_err(l, &f->to_loc, "forward target %s is %s but the public address %s is %s",
			     diag_quote(f->to), family_name(t->family), prefix_format_addr(&f->public_addr, a),
			     family_name(fam));
	else if (!reachable_address(l->m, h->network, t))
		validate_err(l, &f->to_loc, "forward target %s is neither a peer's address nor inside a host's lans",
			     diag_quote(f->to));
	else
		f->target = *t;
}

static void forward_to_name(struct loader *l, const struct name_index *peers, const struct name_index *hosts,
			    const struct model_host *h, struct model_forward *f)
{
	const struct model *m = l->m;
	uint8_t fam = f->public_addr.family;
	long pi = name_index_find(peers, f->to), hi = name_index_find(hosts, f->to);
	char a[PREFIX_STRLEN];

	if (pi >= 0 && hi >= 0) {
		validate_err(l, &f->to_loc, "forward target %s names both a Peer and a Host: use an address",
			     diag_quote(f->to));
	} else if (pi >= 0) {
		const struct model_peer *p = &m->peers[pi];
		if (p->network != h->network)
			validate_err(l, &f->to_loc, "forward target Peer %s is in another Network", diag_quote(f->to));
		else if (!first_address(p->addresses, p->n_addresses, fam, &f->target))
			validate_err(l, &f->to_loc, "forward target Peer %s has no %s address for %s",
				     diag_quote(f->to), family_name(fam), prefix_format_addr(&f->public_addr, a));
		else
			f->peer = (size_t)pi;
	} else if (hi >= 0) {
		const struct model_host *o = &m->hosts[hi];
		if (o->network != h->network || !first_address(o->addresses, o->n_addresses, fam, &f->target))
			validate_err(l, &f->to_loc, "forward target Host %s has no %s address in this network",
				     diag_quote(f->to), family_name(fam));
	} else if (!l->incomplete) {
		validate_err(l, &f->to_loc, "forward target %s is neither a Peer, a Host nor an IP address",
			     diag_quote(f->to));
	}
}

static void resolve_forward(struct loader *l, const struct name_index *peers, const struct name_index *hosts,
			    struct model_host *h, struct model_forward *f)
{
	struct wgf_prefix t;

	check_forward_ports(l, f);
	if (!forward_address(l, h, f) || !f->to)
		return;
	if (prefix_parse(f->to, true, &t))
		forward_to_address(l, h, f, &t);
	else
		forward_to_name(l, peers, hosts, h, f);
}

/* Services of the host itself that a forward on its public address takes away
 * (DNAT happens before the host sees the packet): a warning, not an error. */
static const struct {
	uint16_t port;
	unsigned proto;
	const char *name;
} host_service_ports[] = {
	{ 22, FW_PROTO_TCP, "ssh" },
	{ 23, FW_PROTO_TCP, "telnet" },
	{ 161, FW_PROTO_UDP, "SNMP" },
	{ 830, FW_PROTO_TCP, "NETCONF" },
	{ 9090, FW_PROTO_TCP, "Cockpit" },
};

static const char *port_text(const struct model_port_range *r, char buf[16])
{
	if (r->lo == r->hi)
		snprintf(buf, 16, "%u", r->lo);
	else
		snprintf(buf, 16, "%u-%u", r->lo, r->hi);
	return buf;
}

/* A forward must not take the host's own WireGuard port (an error: the tunnel
 * breaks), and should not take every port or a management port (warnings). */
static void check_forward_takeover(struct loader *l, const struct model_host *h, const struct model_forward *f)
{
	char pbuf[16], abuf[PREFIX_STRLEN];

	if (!f->protos || !f->ports.lo)
		return;
	if ((f->protos & FW_PROTO_UDP) && f->ports.lo <= h->listen_port && h->listen_port <= f->ports.hi) {
		validate_err(l, &f->port_loc, "forward port %s (udp) takes Host %s's WireGuard listenPort %u: the "
			     "tunnel's own packets would be sent to the target", port_text(&f->ports, pbuf),
			     display_name(&h->meta), h->listen_port);
		return;
	}
	if (!f->has_addr)
		return;
	if (f->ports.lo == 1 && f->ports.hi == 65535) {
		diag_warn(l->d, &f->port_loc, "forward port 1-65535 takes every port of %s: nothing on Host %s "
			  "itself (ssh included) is reachable at that address", prefix_format_addr(&f->public_addr, abuf),
			  display_name(&h->meta));
		return;
	}
	for (size_t i = 0; i < sizeof(host_service_ports) / sizeof(host_service_ports[0]); i++) {
		uint16_t p = host_service_ports[i].port;
		if (!(f->protos & host_service_ports[i].proto) || p < f->ports.lo || p > f->ports.hi)
			continue;
		diag_warn(l->d, &f->port_loc, "forward port %s (%s) takes port %u (%s) of %s: Host %s's own %s is "
			  "not reachable at that address", port_text(&f->ports, pbuf),
			  host_service_ports[i].proto == FW_PROTO_TCP ? "tcp" : "udp", p, host_service_ports[i].name,
			  prefix_format_addr(&f->public_addr, abuf), display_name(&h->meta), host_service_ports[i].name);
		return;
	}
}

struct fwd_entry {
	const struct model_forward *f;
	const struct model_host *h;
	size_t host, fwd;              /* definition order, for ties */
	unsigned proto;
};

static int fwd_entry_cmp(const void *pa, const void *pb)
{
	const struct fwd_entry *a = pa, *b = pb;
	int r = prefix_cmp(&a->f->public_addr, &b->f->public_addr);

	if (r)
		return r;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->f->ports.lo != b->f->ports.lo)
		return a->f->ports.lo < b->f->ports.lo ? -1 : 1;
	if (a->host != b->host)
		return a->host < b->host ? -1 : 1;
	return a->fwd < b->fwd ? -1 : a->fwd > b->fwd;
}

/* Same public address, protocol and an overlapping port: reported at the later one. */
static void check_forward_conflicts(struct loader *l)
{
	const struct model *m = l->m;
	struct fwd_entry *e;
	size_t n = 0, total = 0;

	for (size_t i = 0; i < m->n_hosts; i++)
		total += 2 * m->hosts[i].n_forwards;
	e = calloc(total ? total : 1, sizeof(*e));
	if (!e) {
		l->oom = true;
		return;
	}
	for (size_t i = 0; i < m->n_hosts; i++)
		for (size_t j = 0; j < m->hosts[i].n_forwards; j++) {
			const struct model_forward *f = &m->hosts[i].forwards[j];
			if (!f->has_addr)
				continue;
			for (unsigned b = FW_PROTO_TCP; b <= FW_PROTO_UDP; b <<= 1)
				if (f->protos & b)
					e[n++] = (struct fwd_entry){ f, &m->hosts[i], i, j, b };
		}
	qsort(e, n, sizeof(*e), fwd_entry_cmp);
	for (size_t i = 1, open = 0; i < n; i++) {
		const struct fwd_entry *o = &e[open], *c = &e[i];
		char a[PREFIX_STRLEN];

		if (prefix_cmp(&o->f->public_addr, &c->f->public_addr) || o->proto != c->proto ||
		    c->f->ports.lo > o->f->ports.hi) {
			open = i;
			continue;
		}
		validate_err(l, &c->f->port_loc, "forward %s %s/%u conflicts with the forward of Host %s at %s:%u:%u "
			     "(same address, protocol and port)", prefix_format_addr(&c->f->public_addr, a),
			     c->proto == FW_PROTO_TCP ? "tcp" : "udp", c->f->ports.lo > o->f->ports.lo ?
			     c->f->ports.lo : o->f->ports.lo, display_name(&o->h->meta), o->f->port_loc.file,
			     o->f->port_loc.line, o->f->port_loc.col);
		if (c->f->ports.hi > o->f->ports.hi)
			open = i;
	}
	free(e);
}

void validate_host_access(struct loader *l, const struct name_index *peers, const struct name_index *hosts)
{
	struct model *m = l->m;
	char a[PREFIX_STRLEN];

	for (size_t i = 0; i < m->n_hosts && !l->oom; i++) {
		struct model_host *h = &m->hosts[i];
		struct obj_extra *x = &l->host_x[i];

		if (h->masquerade && h->role != HOST_ROLE_ROUTER)
			validate_err(l, &x->masquerade_loc, "\"masquerade\" applies to role router (Host %s has role %s)",
				     display_name(&h->meta), host_role_name(h->role));
		if (!x->has_public && h->endpoint.family) {
			h->public_addrs = calloc(1, sizeof(*h->public_addrs));
			if (!h->public_addrs) {
				l->oom = true;
				return;
			}
			h->public_addrs[0].family = h->endpoint.family;
			h->public_addrs[0].len = (uint8_t)prefix_max_len(h->endpoint.family);
			memcpy(h->public_addrs[0].addr, h->endpoint.addr, sizeof(h->endpoint.addr));
			h->n_public_addrs = 1;
		}
		for (size_t j = 0; x->has_public && j < h->n_public_addrs; j++)
			for (size_t k = 0; k < j; k++)
				if (prefix_equal(&h->public_addrs[j], &h->public_addrs[k]))
					validate_err(l, &x->public_locs[j], "public address %s is listed twice",
						     prefix_format_addr(&h->public_addrs[j], a));
		if (!x->network_ok)
			continue;
		for (size_t j = 0; j < h->n_forwards; j++) {
			const struct model_forward *f = &h->forwards[j];
			resolve_forward(l, peers, hosts, h, &h->forwards[j]);
			check_forward_takeover(l, h, f);
			for (size_t k = 0; f->name && k < j; k++)
				if (h->forwards[k].name && !strcmp(h->forwards[k].name, f->name))
					validate_err(l, &f->loc, "duplicate forward name %s on Host %s (first at %s:%u:%u)",
						     diag_quote(f->name), display_name(&h->meta), h->forwards[k].loc.file,
						     h->forwards[k].loc.line, h->forwards[k].loc.col);
		}
	}
	check_forward_conflicts(l);
}
