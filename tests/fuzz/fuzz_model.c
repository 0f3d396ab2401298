/* libFuzzer harness for the YAML loader and validator (one file per input); a
 * model that loads is also rendered for every host (WireGuard state and the nft
 * table body, which must stay inside its table) and its tests are evaluated.
 *
 * `make fuzz O=build-fz` builds it as build-fz/fuzz/fuzz_model; tests/run runs it
 * briefly, seeded from the model fixtures and the examples. By hand (new inputs
 * go to the first directory, so keep it out of the git tree):
 *   mkdir -p /tmp/c && cp tests/unit/fixtures/model/valid/hosts/?* tests/unit/fixtures/model/valid/peers/?* /tmp/c/
 *   build-fz/fuzz/fuzz_model -max_total_time=600 -max_len=65536 -rss_limit_mb=2048 /tmp/c
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "model/model.h"
#include "reconcile/kernel/nft.h"
#include "render/firewall.h"
#include "render/render.h"

static void exercise(const struct model *m)
{
	struct render_opts o = { .now = 1700000000 };
	bool *down = calloc(m->n_hosts ? m->n_hosts : 1, sizeof(*down));

	for (size_t i = 0; i < m->n_hosts; i++) {
		struct host_state *hs = NULL;

		if (render_host(m, &m->hosts[i], &o, &hs) == 0 && hs->firewall.body &&
		    !nft_body_valid(hs->firewall.body))
			abort();   /* a hostile model escaped its table */
		hoststate_free(hs);
		/* an attached host with its primary hub down (failover) */
		if (down && m->hosts[i].n_hubs > 1) {
			struct render_opts od = o;

			down[m->hosts[i].hubs[0]] = true;
			od.hub_down = down;
			hs = NULL;
			render_host(m, &m->hosts[i], &od, &hs);
			hoststate_free(hs);
			down[m->hosts[i].hubs[0]] = false;
		}
	}
	free(down);
	for (size_t i = 0; i < m->n_policies; i++) {
		struct fw_network *fw = NULL;

		if (!m->policies[i].n_tests || fw_compile(m, m->policies[i].network, o.now, &fw) < 0)
			continue;
		for (size_t j = 0; j < m->policies[i].n_tests; j++) {
			const struct model_test *t = &m->policies[i].tests[j];
			struct fw_query q = { t->src, t->dst, t->proto, t->port };
			struct fw_decision dec;

			fw_evaluate(fw, &q, &dec);
			fw_decision_clear(&dec);
		}
		fw_network_free(fw);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *name = "fuzz.yaml";
	const char *buf = (const char *)data;
	struct model *m = NULL;
	struct diag d;

	diag_init(&d);
	if (model_load_buffers(&name, &buf, &size, 1, &m, &d) == 0)
		exercise(m);
	model_free(m);
	diag_free(&d);
	return 0;
}
