/* One flow of the reachability diff decided in one model (by fw_evaluate, as `wgf
 * test` decides it), and the words for endpoints and services. */
#include "render/reach_int.h"
#include "model/str.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *rd_tenant(const struct model *m, size_t t)
{
	return t == MODEL_NONE ? NULL : m->tenants[t].meta.name;
}

void rd_verdict_clear(struct rd_verdict *v)
{
	free(v->why);
	memset(v, 0, sizeof(*v));
}

void rd_service_name(const struct rd_svc *sv, char *buf, size_t len)
{
	if (sv->proto == FW_PROTO_ICMP)
		snprintf(buf, len, "icmp");
	else
		snprintf(buf, len, "%s/%u%s", sv->proto == FW_PROTO_TCP ? "tcp" : "udp", sv->port,
			 sv->other ? " (other ports)" : "");
}

static const char *kind_word(const struct rd_ep *e)
{
	return e->is_host ? "host" : "peer";
}

char *rd_ep_describe(const struct rd_ctx *c, const struct rd_ep *e)
{
	char a[PREFIX_STRLEN], l[PREFIX_STRLEN];
	const struct wgf_prefix *p = &e->addr[e->present[RD_HEAD] ? RD_HEAD : RD_BASE];

	switch (e->kind) {
	case REACH_TUNNEL:
		return str_printf("%s %s", kind_word(e), e->owner);
	case REACH_LAN:
		return str_printf("%s (LAN %s of %s %s)", prefix_format_addr(p, a), prefix_format(&e->lan, l),
				  kind_word(e), e->owner);
	case REACH_INTERNET:
		return str_printf("the internet (%s)", prefix_format_addr(p, a));
	case REACH_FORWARD:
	default:
		return str_printf("forward %s%son host %s (%s %s/%u)", e->fwd_name ? e->fwd_name : "",
				  e->fwd_name ? " " : "", e->owner, prefix_format_addr(p, a),
				  e->proto == FW_PROTO_TCP ? "tcp" : "udp", e->port);
	}
}

/* "3 peers (tenant acme, vpn-only): a, b, c", "990 LAN addresses like 10.1.0.1, behind hosts: r1, r2 and 988 more" */
char *rd_group_describe(const struct rd_ctx *c, const struct rd_ep *e, size_t n, const char *names, size_t more)
{
	int mi = e->present[RD_HEAD] ? RD_HEAD : RD_BASE;
	const struct model *m = c->md[mi].m;
	char a[PREFIX_STRLEN], attr[160] = "", tail[48] = "";

	if (more)
		snprintf(tail, sizeof(tail), " and %zu more", more);
	if (e->kind == REACH_LAN)
		return str_printf("%zu LAN addresses like %s, behind %ss: %s%s", n,
				  prefix_format_addr(&e->addr[mi], a), kind_word(e), names, tail);
	for (size_t i = 0; m && !e->is_host && i < m->n_peers; i++)
		if (!strcmp(m->peers[i].meta.name, e->owner)) {
			const struct model_peer *p = &m->peers[i];

			const char *hub = p->n_hubs ? m->hosts[p->hubs[0]].meta.name : "none";

			if (p->tenant != MODEL_NONE)
				snprintf(attr, sizeof(attr), " (tenant %s, %s, hub %s)", m->tenants[p->tenant].meta.name,
					 access_level_name(p->access), hub);
			else
				snprintf(attr, sizeof(attr), " (%s, hub %s)", access_level_name(p->access), hub);
			break;
		}
	for (size_t i = 0; m && e->is_host && i < m->n_hosts; i++)
		if (!strcmp(m->hosts[i].meta.name, e->owner)) {
			snprintf(attr, sizeof(attr), " (%s%s%s)", host_role_name(m->hosts[i].role),
				 m->hosts[i].tenant == MODEL_NONE ? "" : ", tenant ",
				 m->hosts[i].tenant == MODEL_NONE ? "" : m->tenants[m->hosts[i].tenant].meta.name);
			break;
		}
	return str_printf("%zu %ss%s: %s%s", n, kind_word(e), attr, names, tail);
}

static int absent(struct rd_verdict *v, int mi, const struct rd_ep *e)
{
	const char *at = mi == RD_HEAD ? "head" : "base";

	if (e->kind == REACH_LAN)
		v->why = str_printf("no path: the address is in no LAN of %s %s at %s", kind_word(e), e->owner, at);
	else if (e->kind == REACH_TUNNEL)
		v->why = str_printf("no path: %s %s is not at %s (or not active)", kind_word(e), e->owner, at);
	else
		v->why = str_printf("no path: no %s to compare with", at);
	return v->why ? 0 : -ENOMEM;
}

static size_t flow_network(const struct rd_ep *s, const struct rd_ep *d, int mi)
{
	if (s->kind == REACH_INTERNET)
		return d->net[mi];
	if (d->kind == REACH_INTERNET || d->net[mi] == s->net[mi])
		return s->net[mi];
	return MODEL_NONE;
}

int rd_evaluate(struct rd_ctx *c, int mi, const struct rd_ep *s, const struct rd_ep *d,
		const struct rd_svc *sv, struct rd_verdict *v)
{
	struct rd_model *md = &c->md[mi];
	struct fw_decision dec = { 0 };
	struct fw_query q;
	size_t net;
	int r;

	memset(v, 0, sizeof(*v));
	if (!md->m || !s->present[mi])
		return absent(v, mi, s);
	if (!d->present[mi])
		return absent(v, mi, d);
	net = flow_network(s, d, mi);
	if (net == MODEL_NONE)
		return (v->why = str_printf("no path: not in one network at %s", mi == RD_HEAD ? "head" : "base"))
			? 0 : -ENOMEM;
	if (!md->fw[net] && (r = fw_compile(md->m, net, c->now, &md->fw[net])) < 0)
		return r;
	q = (struct fw_query){ s->addr[mi], d->addr[mi], sv->proto, sv->port };
	r = fw_evaluate(md->fw[net], &q, &dec);
	c->n_evaluations++;
	if (r == -ENOMEM) {
		fw_decision_clear(&dec);
		return r;
	}
	v->accept = r == 0 && dec.accept;
	v->why = dec.why;
	v->loc = dec.loc;
	v->host = dec.host;
	dec.why = NULL;
	fw_decision_clear(&dec);
	if (!v->why)
		return -ENOMEM;
	return 0;
}
