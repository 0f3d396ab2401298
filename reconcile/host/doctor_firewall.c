/* wgf doctor: other nftables tables (iptables-nft's too) that drop the tunnel's traffic. */
#include <stdlib.h>
#include <string.h>

#include "reconcile/host/doctor.h"

void doctor_check_firewall(const struct doctor_ctx *c, struct doctor_result *r)
{
	struct doctor_nft_finding f[DOCTOR_NFT_MAX_FINDINGS];
	struct wgf_error err = {0};
	char *json = NULL, buf[256];
	int n;

	if (kernel_nft_ruleset_json(c->k, &json, &err) < 0) {
		doctor_say(r, DOCTOR_WARNING, "the ruleset cannot be listed: %s", wgf_error_message(&err));
		doctor_hint(r, "run as root on the host");
		goto out;
	}
	n = doctor_nft_analyse(json, strlen(json), c->host->ifname, c->host->listen_port, f, DOCTOR_NFT_MAX_FINDINGS);
	if (n < 0) {
		doctor_say(r, DOCTOR_WARNING, "nft's ruleset listing could not be read");
		goto out;
	}
	if (!n) {
		doctor_say(r, DOCTOR_OK, "no other table drops %s's forwarded traffic or UDP port %u", c->host->ifname,
			   c->host->listen_port);
		goto out;
	}
	doctor_say(r, DOCTOR_PROBLEM, "%s", "");
	for (int i = 0; i < n; i++)
		doctor_append(r, "%s", doctor_nft_finding_text(&f[i], buf, sizeof(buf)));
	doctor_hint(r, "wgf manages only table %s %s, and another table's drop is final: accept iifname/oifname \"%s\" "
		    "(and udp dport %u) in those chains, or remove them", HS_FW_FAMILY, HS_FW_TABLE, c->host->ifname,
		    c->host->listen_port);
out:
	free(json);
	wgf_error_clear(&err);
}
