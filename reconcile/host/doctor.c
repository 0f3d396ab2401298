/* wgf doctor: what the checks share (reconcile/host/doctor.h). */
#include <errno.h>
#include <stdlib.h>

#include "reconcile/host/doctor.h"
#include "reconcile/host/observe.h"
#include "render/render.h"

const struct hs_device *doctor_desired_device(const struct doctor_ctx *c)
{
	return c->desired ? hoststate_find_device(c->desired, c->host->ifname) : NULL;
}

const struct hs_device *doctor_observed_device(const struct doctor_ctx *c)
{
	const struct hs_device *d = c->observed ? hoststate_find_device(c->observed, c->host->ifname) : NULL;

	return d && d->exists ? d : NULL;
}

int doctor_prepare(struct doctor_ctx *c, struct wgf_error *err)
{
	struct render_opts ro = { .now = c->now, .err = err };
	const char *ifnames[1] = { c->host->ifname };
	struct observe_opts oo = { .ifnames = ifnames, .n_ifnames = 1 };
	int r;

	r = kernel_open(&c->k, err);
	if (r >= 0)
		r = render_host(c->m, c->host, &ro, &c->desired);
	if (r >= 0)
		r = observe_host(c->k, &oo, &c->observed, err);
	return r < 0 ? wgf_error_set(err, r, NULL) : 0;
}

void doctor_ctx_clear(struct doctor_ctx *c)
{
	kernel_free(c->k);
	hoststate_free(c->desired);
	hoststate_free(c->observed);
	c->k = NULL;
	c->desired = c->observed = NULL;
}
