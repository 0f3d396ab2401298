/* A Peer's "presharedKeys": per hub, the key's public id and its sealed copies. */
#include "model/model_load_psk.h"

#include <stdlib.h>
#include <string.h>

#include "model/model_load_value.h"
#include "model/seal.h"

static bool load_sealed(struct loader *l, const struct ynode *map, struct model_psk *k)
{
	if (map->type == YNODE_SCALAR) {
		if (seal_looks_plaintext_key(map->value))
			load_err(l, map, "a preshared key in the clear: everyone who can read the repository has it. "
				 "Seal a new one with `wgf secret psk PEER` (and treat this one as leaked)");
		else
			load_err(l, map, "\"sealed\" must map recipients (\"host/NAME\", \"operator/NAME\") to sealed "
				 "values, as `wgf secret psk` writes it");
		return false;
	}
	if (!want_type(l, map, "sealed", YNODE_MAPPING))
		return false;
	k->sealed = load_calloc(l, map->n ? map->n : 1, sizeof(*k->sealed));
	if (!k->sealed)
		return false;
	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *key = map->pairs[i].key, *v = map->pairs[i].value;
		struct model_sealed *s = &k->sealed[k->n_sealed];
		uint8_t fp[SEAL_FP_LEN];
		const char *text;

		if (!want_string(l, key, "sealed", &text))
			continue;
		if (strncmp(text, "host/", 5) && strncmp(text, "operator/", 9)) {
			load_err(l, key, "recipient %s must be \"host/NAME\" or \"operator/NAME\"", diag_quote(text));
			continue;
		}
		s->recipient = load_strdup(l, text);
		s->loc = load_loc(l, v);
		s->host = s->oper = MODEL_NONE;
		if (!want_string(l, v, "sealed", &text)) {
			free(s->recipient);
			s->recipient = NULL;
			continue;
		}
		if (seal_looks_plaintext_key(text)) {
			load_err(l, v, "a preshared key in the clear where a sealed value belongs: everyone who can "
				 "read the repository has it. Seal a new one with `wgf secret psk PEER`");
		} else if (!seal_parse(text, fp)) {
			load_err(l, v, "not a sealed value (%zu characters; `wgf secret psk` writes %d of base64)",
				 strlen(text), SEAL_TEXT_LEN - 1);
		} else {
			s->text = load_strdup(l, text);
			k->n_sealed++;
			continue;
		}
		free(s->recipient);
		s->recipient = NULL;
	}
	return true;
}

static void load_one(struct loader *l, const struct ynode *n, struct model_psk *k)
{
	static const char *const fields[] = { "hub", "id", "sealed" };
	const struct ynode *hub = ynode_get(n, "hub"), *id = ynode_get(n, "id"), *sealed = ynode_get(n, "sealed");
	const char *s;

	k->loc = load_loc(l, n);
	k->hub = MODEL_NONE;
	if (n->type == YNODE_SCALAR && seal_looks_plaintext_key(n->value)) {
		load_err(l, n, "a preshared key in the clear: everyone who can read the repository has it. Seal a "
			 "new one with `wgf secret psk PEER` (and treat this one as leaked)");
		return;
	}
	if (!want_type(l, n, "presharedKeys", YNODE_MAPPING))
		return;
	check_fields(l, n, &NAME_LIST(fields), "presharedKeys");
	if (hub && want_string(l, hub, "hub", &s)) {
		k->hub_name = load_strdup(l, s);
		k->hub_loc = load_loc(l, hub);
	}
	if (!id)
		load_missing(l, n, "id", "presharedKeys");
	else if (want_string(l, id, "id", &s) && !seal_id_from_base64(s, k->id))
		load_err(l, id, "\"id\" %s is not a preshared key's id (24 characters of base64, as `wgf secret psk` "
			 "writes it)", diag_quote(s));
	if (!sealed)
		load_missing(l, n, "sealed", "presharedKeys");
	else
		load_sealed(l, sealed, k);
}

SPEC_LOADER(spec_load_psks)
{
	struct model_peer *p = obj;

	(void)f;
	(void)x;
	if (n->type == YNODE_SCALAR && seal_looks_plaintext_key(n->value)) {
		load_err(l, n, "a preshared key in the clear: everyone who can read the repository has it. Seal a "
			 "new one with `wgf secret psk PEER` (and treat this one as leaked)");
		return false;
	}
	if (!want_type(l, n, "presharedKeys", YNODE_SEQUENCE))
		return false;
	p->psks = load_calloc(l, n->n ? n->n : 1, sizeof(*p->psks));
	if (!p->psks)
		return false;
	for (size_t i = 0; i < n->n; i++)
		load_one(l, n->items[i], &p->psks[p->n_psks++]);
	return true;
}

/* "presharedKey" (singular) is what wg-quick calls it: a plaintext key there is refused loudly. */
SPEC_LOADER(spec_load_psk_singular)
{
	(void)f;
	(void)obj;
	(void)x;
	if (n->type == YNODE_SCALAR && seal_looks_plaintext_key(n->value))
		load_err(l, n, "a preshared key in the clear: everyone who can read the repository has it. Seal a "
			 "new one with `wgf secret psk PEER` (and treat this one as leaked)");
	else
		load_err(l, n, "preshared keys go in \"presharedKeys\", sealed: `wgf secret psk PEER` writes them");
	return false;
}

void model_psks_free(struct model_psk *k, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(k[i].hub_name);
		for (size_t j = 0; j < k[i].n_sealed; j++) {
			free(k[i].sealed[j].recipient);
			free(k[i].sealed[j].text);
		}
		free(k[i].sealed);
	}
	free(k);
}
