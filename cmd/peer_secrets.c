/* The operator's identity, and Peers' preshared keys sealed in the repository. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/peer.h"
#include "cmd/wgf.h"
#include "model/seal.h"
#include "reconcile/host/fileio.h"
#include "reconcile/host/keyfile.h"

const char *peer_identity_path(const char *opt, char *buf, size_t len)
{
	const char *env = getenv(WGF_IDENTITY_ENV), *home = getenv("HOME");

	if (opt)
		return opt;
	if (env && *env)
		return env;
	snprintf(buf, len, "%s/.config/wgf/identity", home && *home ? home : "/root");
	return buf;
}

void peer_psks_clear(struct peer_psks *k)
{
	if (k->key)
		sodium_memzero(k->key, k->n * sizeof(*k->key));
	free(k->key);
	free(k->ptr);
	memset(k, 0, sizeof(*k));
}

static const struct model_operator *operator_by_key(const struct model *m, const uint8_t pub[32])
{
	for (size_t i = 0; i < m->n_operators; i++)
		if (!sodium_memcmp(m->operators[i].sealing_key, pub, 32))
			return &m->operators[i];
	return NULL;
}

static int open_one(const struct model *m, const struct model_peer *p, const struct model_psk *psk,
		    const struct model_operator *op, const uint8_t pub[32], const uint8_t priv[32], uint8_t out[32])
{
	const struct model_sealed *s = model_psk_sealed_to_operator(psk, (size_t)(op - m->operators));
	uint8_t id[SEAL_ID_LEN];
	int r;

	if (!s) {
		cmd_error("%s:%u:%u: the preshared key of %s with %s is not sealed to operator/%s: an operator who "
			  "can read it runs `wgf secret reseal`", psk->loc.file, psk->loc.line, psk->loc.col,
			  p->meta.name, m->hosts[psk->hub].meta.name, op->meta.name);
		return -1;
	}
	r = seal_open(s->text, pub, priv, out);
	if (r == 0) {
		seal_psk_id(out, id);
		if (sodium_memcmp(id, psk->id, SEAL_ID_LEN) == 0)
			return 0;
		sodium_memzero(out, 32);
		r = -EBADMSG;
	}
	cmd_error("%s:%u:%u: the preshared key of %s with %s sealed to operator/%s %s", s->loc.file, s->loc.line,
		  s->loc.col, p->meta.name, m->hosts[psk->hub].meta.name, op->meta.name,
		  r == -ENOKEY ? "was sealed to another key of yours: run `wgf secret reseal` with the old one, or "
				 "seal a new key (`wgf secret psk`)" :
		  "does not open or does not match its id: it was tampered with or swapped; seal a new key");
	return -1;
}

int peer_open_psks(const struct model *m, const struct model_peer *p, const char *identity, struct peer_psks *out)
{
	char buf[4096];
	const char *path = NULL;
	const struct model_operator *op = NULL;
	uint8_t priv[32], pub[32];
	bool any = false;
	int r = 0;

	memset(out, 0, sizeof(*out));
	out->key = calloc(p->n_hubs + 1, sizeof(*out->key));
	out->ptr = calloc(p->n_hubs + 1, sizeof(*out->ptr));
	out->n = p->n_hubs;
	if (!out->key || !out->ptr) {
		peer_psks_clear(out);
		cmd_error("out of memory");
		return -1;
	}
	for (size_t i = 0; i < p->n_hubs; i++)
		any |= model_peer_psk(p, p->hubs[i]) != NULL;
	if (!any)
		return 0;
	path = peer_identity_path(identity, buf, sizeof(buf));
	r = keyfile_read(path, priv);
	if (r < 0) {
		cmd_error("%s has a preshared key, sealed; opening it needs an Operator's identity: %s: %s "
			  "(`wgf operator init` makes one; --identity FILE)", p->meta.name, path, keyfile_strerror(r));
		return -1;
	}
	seal_public_from_private(pub, priv);
	op = operator_by_key(m, pub);
	if (!op) {
		char b64[WG_KEY_B64_LEN];
		cmd_error("the identity %s (sealingKey %s) is no Operator's in the repository: add it as an Operator "
			  "and have someone who can read the keys run `wgf secret reseal`", path, key_to_base64(pub, b64));
		r = -1;
	}
	for (size_t i = 0; r == 0 && i < p->n_hubs; i++) {
		const struct model_psk *psk = model_peer_psk(p, p->hubs[i]);

		if (!psk)
			continue;
		if (open_one(m, p, psk, op, pub, priv, out->key[i]) < 0)
			r = -1;
		else
			out->ptr[i] = out->key[i];
	}
	sodium_memzero(priv, sizeof(priv));
	if (r < 0)
		peer_psks_clear(out);
	return r;
}

static int add_copy(FILE *f, const char *recipient, const uint8_t *pub, const uint8_t psk[32])
{
	char text[SEAL_TEXT_LEN];

	if (seal_secret(psk, pub, text) < 0)
		return -1;
	fprintf(f, "    %s: %s\n", recipient, text);
	return 0;
}

int peer_psk_item(const struct model *m, const struct model_peer *p, size_t hub, const uint8_t psk[32],
		  char **out)
{
	const struct model_host *h = &m->hosts[hub];
	uint8_t id[SEAL_ID_LEN];
	char idb[SEAL_ID_B64_LEN], who[MODEL_NAME_MAX + 16];
	size_t n = 0;
	FILE *f;
	int r = 0;

	*out = NULL;
	if (!h->has_sealing_key) {
		cmd_error("%s:%u:%u: Host %s has no sealingKey to seal the key to: run `wgf host init` on it and "
			  "commit the sealingKey it prints", h->meta.loc.file, h->meta.loc.line, h->meta.loc.col,
			  h->meta.name);
		return -1;
	}
	seal_psk_id(psk, id);
	f = open_memstream(out, &n);
	if (!f)
		return -1;
	fprintf(f, "- hub: %s\n  id: %s\n  sealed:\n", h->meta.name, seal_id_to_base64(id, idb));
	snprintf(who, sizeof(who), "host/%s", h->meta.name);
	r = add_copy(f, who, h->sealing_key, psk);
	for (size_t i = 0; i < m->n_operators && r == 0; i++) {
		if (!model_operator_reads(&m->operators[i], p->network))
			continue;
		snprintf(who, sizeof(who), "operator/%s", m->operators[i].meta.name);
		r = add_copy(f, who, m->operators[i].sealing_key, psk);
	}
	if (fclose(f) != 0 || r < 0) {
		free(*out);
		*out = NULL;
		cmd_error("sealing the preshared key failed");
		return -1;
	}
	return 0;
}

int peer_write_repo_file(const char *path, const char *text, size_t len)
{
	struct stat st;
	unsigned mode = stat(path, &st) == 0 ? (st.st_mode & 0777) : 0644;
	int r = fileio_write(path, text, len, mode);

	if (r < 0) {
		cmd_error("writing %s: %s", path, strerror(-r));
		return -1;
	}
	return 0;
}

int peer_revalidate(const struct cmd_ctx *c, const char *what, struct model **out)
{
	struct model *m = NULL;
	struct diag d;
	int r;

	diag_init(&d);
	r = cmd_load(c, &m, &d);
	if (r < 0 || out)
		diag_print(&d, stderr);
	if (r < 0)
		cmd_error("%s left the repository invalid (above); it is put back as it was", what);
	if (out && r == 0) {
		*out = m;
		m = NULL;
	}
	model_free(m);
	diag_free(&d);
	return r < 0 ? -1 : 0;
}
