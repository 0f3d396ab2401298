/* Sealed secrets: a Peer's preshared key with a hub must be sealed to that hub
 * (an error otherwise: the hub could not apply it) and should be sealed to every
 * Operator of the network (a warning: they could not write client configs). */
#include "model/model_validate_secrets.h"

#include <string.h>

#include "model/seal.h"

void validate_operators(struct loader *l, const struct name_index *nets)
{
	struct model *m = l->m;

	for (size_t i = 0; i < m->n_operators; i++)
		validate_network_ref(l, nets, "Operator", &m->operators[i].meta, &l->op_x[i], &m->operators[i].network);
}

static bool sealed_fp(const struct model_sealed *s, uint8_t fp[SEAL_FP_LEN])
{
	return seal_parse(s->text, fp);
}

/* Resolves s's recipient; warns about one that does not need the key. */
static void resolve_recipient(struct loader *l, const struct kind_indexes *k, const struct name_index *ops,
			      const struct model_peer *p, const struct model_psk *psk, struct model_sealed *s)
{
	const struct model *m = l->m;
	bool host = !strncmp(s->recipient, "host/", 5);
	const char *name = s->recipient + (host ? 5 : 9);
	long i = name_index_find(host ? k->hosts : ops, name);
	const uint8_t *want;
	uint8_t fp[SEAL_FP_LEN], have[SEAL_FP_LEN];

	if (i < 0) {
		diag_warn(l->d, &s->loc, "sealed to %s, which is not in the repository: if it ever was, it can "
			  "read this key (rotate it with `wgf secret psk %s`)", s->recipient, display_name(&p->meta));
		return;
	}
	if (host) {
		s->host = (size_t)i;
		if ((size_t)i != psk->hub)
			diag_warn(l->d, &s->loc, "sealed to %s, which does not apply this key: it can read it",
				  s->recipient);
		if (!m->hosts[i].has_sealing_key)
			return;
		want = m->hosts[i].sealing_key;
	} else {
		s->oper = (size_t)i;
		if (!l->op_x[i].network_ok || !model_operator_reads(&m->operators[i], p->network))
			diag_warn(l->d, &s->loc, "sealed to %s, an operator of another network: they can read it",
				  s->recipient);
		want = m->operators[i].sealing_key;
	}
	seal_fingerprint(want, fp);
	if (!sealed_fp(s, have) || memcmp(fp, have, SEAL_FP_LEN) == 0)
		return;
	if (host && (size_t)i == psk->hub)
		validate_err(l, &s->loc, "sealed to another sealing key than %s's sealingKey: the hub cannot open "
			     "it. Run `wgf secret reseal` (an operator who can read it) or seal a new one", s->recipient);
	else
		diag_warn(l->d, &s->loc, "sealed to another sealing key than %s's: they cannot open it "
			  "(`wgf secret reseal`)", s->recipient);
}

static void check_required(struct loader *l, const struct model_peer *p, const struct model_psk *psk)
{
	const struct model *m = l->m;
	const struct model_host *hub = &m->hosts[psk->hub];

	if (!hub->has_sealing_key)
		validate_err(l, &psk->hub_loc, "Host %s has no \"sealingKey\" to seal this preshared key to: run "
			     "`wgf host init` on it and commit the sealingKey it prints", display_name(&hub->meta));
	else if (!model_psk_sealed_to_host(psk, psk->hub))
		validate_err(l, &psk->loc, "the preshared key of %s with hub %s is not sealed to host/%s, which "
			     "applies it: run `wgf secret reseal`", display_name(&p->meta), display_name(&hub->meta),
			     hub->meta.name);
	for (size_t o = 0; o < m->n_operators; o++)
		if (l->op_x[o].network_ok && model_operator_reads(&m->operators[o], p->network) &&
		    !model_psk_sealed_to_operator(psk, o))
			diag_warn(l->d, &psk->loc, "the preshared key of %s with hub %s is not sealed to operator/%s, "
				  "who cannot write its client config: run `wgf secret reseal`", display_name(&p->meta),
				  display_name(&hub->meta), m->operators[o].meta.name);
}

/* Which of p's hubs psk pairs with: "hub", or the only one. */
static bool resolve_hub(struct loader *l, const struct kind_indexes *k, const struct model_peer *p,
			struct model_psk *psk)
{
	long i;

	if (!psk->hub_name) {
		if (p->n_hubs == 1) {
			psk->hub = p->hubs[0];
			psk->hub_loc = psk->loc;
			return true;
		}
		validate_err(l, &psk->loc, "this preshared key needs \"hub\": %s has %zu hubs", display_name(&p->meta),
			     p->n_hubs);
		return false;
	}
	i = name_index_find(k->hosts, psk->hub_name);
	for (size_t h = 0; i >= 0 && h < p->n_hubs; h++) {
		if (p->hubs[h] == (size_t)i) {
			psk->hub = (size_t)i;
			return true;
		}
	}
	validate_err(l, &psk->hub_loc, "\"hub\" %s is not one of %s's hubs", diag_quote(psk->hub_name),
		     display_name(&p->meta));
	return false;
}

void validate_secrets(struct loader *l, const struct kind_indexes *k, const struct name_index *ops)
{
	struct model *m = l->m;

	for (size_t i = 0; i < m->n_peers; i++) {
		struct model_peer *p = &m->peers[i];

		if (l->peer_x[i].failed)
			continue;
		for (size_t j = 0; j < p->n_psks; j++) {
			struct model_psk *psk = &p->psks[j];

			if (!resolve_hub(l, k, p, psk))
				continue;
			for (size_t q = 0; q < j; q++)
				if (p->psks[q].hub == psk->hub)
					validate_err(l, &psk->loc, "a second preshared key with hub %s",
						     display_name(&m->hosts[psk->hub].meta));
			for (size_t s = 0; s < psk->n_sealed; s++)
				resolve_recipient(l, k, ops, p, psk, &psk->sealed[s]);
			check_required(l, p, psk);
		}
	}
}
