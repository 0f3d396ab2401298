/* wgf doctor: forwarding and reverse-path filtering, from the sysctls. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconcile/host/doctor.h"

static bool is_forwarding(const char *key)
{
	return !strcmp(key, "net.ipv4.ip_forward") || !strcmp(key, "net.ipv6.conf.all.forwarding");
}

void doctor_check_forwarding(const struct doctor_ctx *c, struct doctor_result *r)
{
	size_t needed = 0;

	doctor_say(r, DOCTOR_OK, "%s", "");
	for (size_t i = 0; i < c->desired->n_sysctls; i++) {
		const struct hs_sysctl *s = &c->desired->sysctls[i];
		char v[32] = "";
		if (!is_forwarding(s->key))
			continue;
		needed++;
		if (kernel_sysctl_read(c->k, s->key, v, sizeof(v), NULL) < 0)
			snprintf(v, sizeof(v), "unreadable");
		v[strcspn(v, "\n")] = '\0';
		doctor_append(r, "%s = %s", s->key, v);
		if (strcmp(v, s->value)) {
			doctor_raise(r, DOCTOR_PROBLEM);
			doctor_hint(r, "a %s forwards: wgf apply sets %s = %s (when it did, something turned it off since), or sysctl -w %s=%s",
				    host_role_name(c->host->role), s->key, s->value, s->key, s->value);
		}
	}
	if (!needed)
		doctor_say(r, DOCTOR_OK, "not needed: a %s routes nothing", host_role_name(c->host->role));
	else if (r->status == DOCTOR_OK)
		doctor_append(r, "as a %s needs", host_role_name(c->host->role));
}

static int sysctl_int(struct kernel *k, const char *key, int *out)
{
	char v[32];
	char *end;
	long n;

	if (kernel_sysctl_read(k, key, v, sizeof(v), NULL) < 0)
		return -1;
	n = strtol(v, &end, 10);
	if (end == v)
		return -1;
	*out = (int)n;
	return 0;
}

void doctor_check_rp_filter(const struct doctor_ctx *c, struct doctor_result *r)
{
	const struct hs_device *d = doctor_observed_device(c);
	bool routes = doctor_role_routes(c->host->role);
	bool asymmetric = c->desired->n_rules > 0 || c->host->n_lans > 0;
	const char *which = d ? c->host->ifname : "default";
	char key[96];
	int all = 0, iface = 0, eff;

	snprintf(key, sizeof(key), "net.ipv4.conf.%s.rp_filter", which);
	if (sysctl_int(c->k, "net.ipv4.conf.all.rp_filter", &all) < 0 || sysctl_int(c->k, key, &iface) < 0) {
		doctor_say(r, DOCTOR_WARNING, "net.ipv4.conf.all.rp_filter or %s cannot be read", key);
		doctor_hint(r, "run as root on the host");
		return;
	}
	eff = doctor_rp_filter_effective(all, iface);
	doctor_say(r, doctor_rp_filter_status(eff, routes, asymmetric), "rp_filter %d (%s) on %s (all %d, %s %d)", eff,
		   eff == 1 ? "strict" : eff == 2 ? "loose" : "off", which, all, which, iface);
	if (r->status == DOCTOR_OK && !routes)
		doctor_append(r, "a %s routes no tunnel traffic", host_role_name(c->host->role));
	if (r->status != DOCTOR_OK)
		doctor_hint(r, "a %s routes tunnel traffic%s; strict reverse-path filtering drops packets whose way back "
			    "is another interface: sysctl -w net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.%s.rp_filter=2 (loose)",
			    host_role_name(c->host->role), asymmetric ? " on asymmetric paths (policy routing, LANs)" : "", which);
}
