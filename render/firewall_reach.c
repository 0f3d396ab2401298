/* Where a peer's access reaches (render/firewall.h: fw_peer_reach). */
#include <errno.h>
#include <stdlib.h>

#include "render/firewall_int.h"

static int add_scopes(const struct fw_network *fw, size_t scope, bool tun, bool lan, struct fw_pset *out)
{
	int r = 0;

	for (size_t s = 0; s < fw->n_scopes && r == 0; s++) {
		if (!fw_scope_reaches(fw, scope, s))
			continue;
		if (tun)
			r = fw_pset_add_set(out, &fw->scopes[s].tun);
		if (r == 0 && lan)
			r = fw_pset_add_set(out, &fw->scopes[s].lan);
	}
	return r;
}

static bool rule_from_principal(const struct fw_rule *ru, const struct fw_principal *p)
{
	if (ru->from_any)
		return true;
	for (size_t i = 0; i < p->addrs.n; i++)
		if (fw_pset_contains(&ru->from, &p->addrs.p[i]))
			return true;
	return false;
}

static int add_level(const struct fw_network *fw, const struct fw_principal *p, struct fw_pset *set, bool *internet)
{
	switch (p->level) {
	case ACCESS_FULL:
		*internet = true;
		return add_scopes(fw, p->scope, true, true, set);
	case ACCESS_VPN_ONLY:
		return add_scopes(fw, p->scope, true, false, set);
	case ACCESS_LAN_ONLY:
		if (p->cls != FW_NONE && fw->cls[p->cls].own_lans)
			return fw_pset_add_set(set, &fw->cls[p->cls].lans);
		return add_scopes(fw, p->scope, false, true, set);
	case ACCESS_INTERNET_ONLY:
		*internet = true;
		return p->cls != FW_NONE ? fw_pset_add_set(set, &fw->cls[p->cls].dns) : 0;
	case ACCESS_CUSTOM:
	default:
		return 0;
	}
}

int fw_peer_reach(const struct fw_network *fw, size_t peer, struct fw_reach *out)
{
	struct fw_pset set = { 0 };
	const struct fw_principal *p;
	size_t pi = peer < fw->m->n_peers ? fw->peer_pr[peer] : FW_NONE;
	int r;

	*out = (struct fw_reach){ 0 };
	if (pi == FW_NONE)
		return -ENOENT;
	p = &fw->pr[pi];
	r = add_level(fw, p, &set, &out->internet);
	for (size_t i = 0; i < fw->n_rules && r == 0; i++) {
		const struct fw_rule *ru = &fw->rules[i];

		if (!ru->rule->accept || !rule_from_principal(ru, p))
			continue;
		if (ru->to_any) {
			out->internet = true;
			r = fw_pset_add_set(&set, &fw->internal);
		} else {
			r = fw_pset_add_set(&set, &ru->to);
			for (size_t j = 0; j < ru->to.n && !out->internet; j++)
				out->internet = !fw_pset_contains(&fw->internal, &ru->to.p[j]);
		}
	}
	if (r < 0) {
		fw_pset_free(&set);
		return r;
	}
	out->n = prefix_aggregate(set.p, set.n);
	out->p = set.p;
	return 0;
}
