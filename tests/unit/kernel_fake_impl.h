/* What the parts of the fake kernel (kernel_fake.c, wg_fake.c) share. */
#pragma once
#include "tests/unit/kernel_fake.h"

struct kernel_fake *fake_of(struct kernel *k);
/* Logs a call of op on the object fmt names; returns 0, or the failure
 * injected for this call (set in err). */
int enter(struct kernel_fake *f, enum kernel_fake_op op, struct wgf_error *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Records r as the result of the call enter() logged last; r also goes into err. */
int leave(struct kernel_fake *f, int r, struct wgf_error *err);

int fake_wg_get_device(struct kernel *k, const char *ifname, enum hs_backend backend,
		       struct hs_device *out, struct wgf_error *err);
int fake_wg_set_device(struct kernel *k, const char *ifname, enum hs_backend backend,
		       const struct wg_device_set *s, struct wgf_error *err);

/* dns_fake.c */
int fake_dns_manager(struct kernel *k, enum hs_dns_manager *out, struct wgf_error *err);
int fake_dns_get(struct kernel *k, const char *ifname, int ifindex, struct hs_dns *out, bool *found,
		 struct wgf_error *err);
int fake_dns_set(struct kernel *k, const struct hs_dns *d, int ifindex, struct wgf_error *err);
int fake_dns_delete(struct kernel *k, const char *ifname, int ifindex, struct wgf_error *err);
/* The link is gone: resolved forgets its DNS. */
void fake_dns_link_gone(struct kernel_fake *f, const char *ifname);
