/* wgf doctor: peers that never handshake (or went stale), and why (render/health.h). */
#include <string.h>

#include "reconcile/host/doctor.h"
#include "render/health.h"

void doctor_check_peers(const struct doctor_ctx *c, struct doctor_result *r)
{
	const struct hs_device *d = doctor_observed_device(c);
	uint32_t stale = health_stale_after(c->m, c->host, c->stale_after);
	struct health_index ix;
	size_t online = 0;

	if (!d) {
		doctor_say(r, DOCTOR_PROBLEM, "%s is not there: no peer can handshake", c->host->ifname);
		doctor_hint(r, "wgf apply");
		return;
	}
	if (health_index_build(c->m, &ix) < 0) {
		doctor_say(r, DOCTOR_WARNING, "out of memory");
		return;
	}
	doctor_say(r, DOCTOR_OK, "%s", "");
	for (size_t i = 0; i < d->n_peers; i++) {
		struct health_peer h;
		char fp[WG_KEY_FP_LEN];
		health_peer_eval(c->m, c->host, health_index_find(&ix, d->peers[i].public_key), d, &d->peers[i], c->now,
				 stale, &h);
		if (h.verdict == HEALTH_ONLINE) {
			online++;
			continue;
		}
		if (h.verdict != HEALTH_NEVER && h.verdict != HEALTH_STALE && !h.unhealthy)
			continue;
		doctor_raise(r, h.unhealthy ? DOCTOR_PROBLEM : DOCTOR_WARNING);
		doctor_append(r, "%s %s%s%s", h.name ? h.name : key_fingerprint(d->peers[i].public_key, fp),
			      health_verdict_name(h.verdict), h.reason ? ": " : h.expected_up ? " (expected up)" : " (no keepalive: may be asleep)",
			      h.reason ? health_reason_text(h.reason) : "");
	}
	health_index_clear(&ix);
	if (r->status != DOCTOR_OK) {
		doctor_hint(r, "wgf status shows each peer; check the other side's endpoint, key and firewall (wgf doctor there)");
		return;
	}
	doctor_say(r, DOCTOR_OK, "%zu of %zu peer%s online, none expected up without a handshake", online, d->n_peers,
		   d->n_peers == 1 ? "" : "s");
}
