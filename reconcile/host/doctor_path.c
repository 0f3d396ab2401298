/* wgf doctor: the underlay towards each peer's endpoint: a route to it
 * (endpoints) and its MTU against the interface's (mtu). */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "reconcile/host/doctor.h"

/* The interface's MTU: as it runs, else as it will (wgf's default 1420). */
static uint32_t wg_mtu(const struct doctor_ctx *c)
{
	const struct hs_device *d = doctor_observed_device(c);

	return d && d->mtu ? d->mtu : c->host->mtu ? c->host->mtu : 1420;
}

void doctor_check_mtu(const struct doctor_ctx *c, struct doctor_result *r)
{
	const struct hs_device *d = doctor_desired_device(c);
	uint32_t mtu = wg_mtu(c), worst = 0;
	size_t n = 0;
	char ep[ENDPOINT_STRLEN];

	doctor_say(r, DOCTOR_OK, "%s", "");
	for (size_t i = 0; d && i < d->n_peers; i++) {
		const struct hs_peer *p = &d->peers[i];
		struct rtnl_route_info ri;
		uint32_t path, need;
		if (!p->endpoint.family || kernel_route_get(c->k, &p->endpoint, &ri, NULL) < 0)
			continue;
		path = ri.route_mtu ? ri.route_mtu : ri.link_mtu;
		if (!path)
			continue;
		n++;
		worst = !worst || path < worst ? path : worst;
		if (doctor_mtu_status(mtu, path, p->endpoint.family, &need) != DOCTOR_OK) {
			doctor_raise(r, DOCTOR_PROBLEM);
			doctor_append(r, "%s via %s: path MTU %u < %u (MTU %u + %u)", endpoint_format(&p->endpoint, ep),
				      ri.ifname, path, need, mtu, doctor_wg_overhead(p->endpoint.family));
		}
	}
	if (r->status != DOCTOR_OK) {
		doctor_hint(r, "lower the Host's mtu to at most %u (path MTU - 80 covers IPv6 too), or raise the underlay's",
			    worst > 80 ? worst - 80 : 0);
		return;
	}
	if (!n)
		doctor_say(r, DOCTOR_OK, "MTU %u; no endpoint with a route to compare with", mtu);
	else
		doctor_say(r, DOCTOR_OK, "MTU %u fits every underlay path (smallest %u) with WireGuard's 60/80 bytes", mtu, worst);
}

void doctor_check_endpoints(const struct doctor_ctx *c, struct doctor_result *r)
{
	const struct hs_device *d = doctor_desired_device(c);
	size_t n = 0, bad = 0;
	char ep[ENDPOINT_STRLEN];

	doctor_say(r, DOCTOR_OK, "%s", "");
	for (size_t i = 0; d && i < d->n_peers; i++) {
		const struct hs_peer *p = &d->peers[i];
		struct rtnl_route_info ri;
		struct wgf_error err = {0};
		if (!p->endpoint.family)
			continue;
		n++;
		if (kernel_route_get(c->k, &p->endpoint, &ri, &err) < 0) {
			bad++;
			doctor_raise(r, DOCTOR_PROBLEM);
			doctor_append(r, "%s: no route (%s)", endpoint_format(&p->endpoint, ep), wgf_error_message(&err));
		} else if (!strcmp(ri.ifname, c->host->ifname)) {
			bad++;
			doctor_raise(r, DOCTOR_PROBLEM);
			doctor_append(r, "%s: routed into %s itself", endpoint_format(&p->endpoint, ep), ri.ifname);
		}
		wgf_error_clear(&err);
	}
	if (bad) {
		doctor_hint(r, "add a route to the underlay for these endpoints (or fix the endpoints in the repository)");
		return;
	}
	if (!n)
		doctor_say(r, DOCTOR_OK, "no peer endpoint to reach: its peers connect to it");
	else
		doctor_say(r, DOCTOR_OK, "%zu endpoint%s, each with a route (the repository's endpoints are addresses: "
			   "nothing to resolve)", n, n == 1 ? "" : "s");
}
