/* A Peer's preshared key with this hub (model/seal.h): opened from the copy
 * sealed to this host with its sealing key, and checked against the key's
 * public id; without the sealing key (offline planning, CI) the entry says
 * there is one, withheld, with its id. */
#include "render/render_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "model/seal.h"

static int psk_error(const struct render_ctx *c, const struct model_peer *p, const struct model_sealed *s, int r)
{
	const struct wgf_loc *l = &s->loc;
	const char *host = c->h->meta.name;

	if (r == -ENOKEY)
		return wgf_error_set(c->o->err, r, "%s:%u:%u: the preshared key of Peer \"%s\" is sealed to another "
				     "sealing key than this host's: did `wgf host init` print another sealingKey than "
				     "the one Host \"%s\" declares? Commit this host's (`wgf host pubkey --sealing`) and run "
				     "`wgf secret reseal`", l->file, l->line, l->col, p->meta.name, host);
	if (r == -EBADMSG)
		return wgf_error_set(c->o->err, r, "%s:%u:%u: the preshared key of Peer \"%s\" sealed to host/%s does "
				     "not open with this host's sealing key (tampered, or sealed to another key): run "
				     "`wgf secret reseal`, or seal a new one with `wgf secret psk %s`", l->file, l->line,
				     l->col, p->meta.name, host, p->meta.name);
	if (r == -EKEYREJECTED)
		return wgf_error_set(c->o->err, r, "%s:%u:%u: the preshared key of Peer \"%s\" sealed to host/%s is "
				     "not the key its \"id\" names (a swapped or tampered value): seal a new one with "
				     "`wgf secret psk %s`", l->file, l->line, l->col, p->meta.name, host, p->meta.name);
	return wgf_error_set(c->o->err, r, "%s:%u:%u: the preshared key of Peer \"%s\" sealed to host/%s: %s", l->file,
			     l->line, l->col, p->meta.name, host, strerror(-r));
}

/* Opens s into hp->psk and checks it against psk's id; an error says where. */
static int open_checked(const struct render_ctx *c, const struct model_peer *p, const struct model_psk *psk,
			const struct model_sealed *s, struct hs_peer *hp)
{
	uint8_t id[SEAL_ID_LEN];
	int r = seal_open(s->text, c->o->sealing_pub, c->o->sealing_priv, hp->psk);

	if (r == 0) {
		seal_psk_id(hp->psk, id);
		if (sodium_memcmp(id, psk->id, SEAL_ID_LEN))
			r = -EKEYREJECTED;
	}
	if (r < 0) {
		sodium_memzero(hp->psk, sizeof(hp->psk));
		return psk_error(c, p, s, r);
	}
	hp->psk_withheld = false;
	return 0;
}

int render_peer_psk(const struct render_ctx *c, const struct model_peer *p, struct hs_peer *hp)
{
	const struct model_psk *psk = model_peer_psk(p, c->host_index);
	const struct model_sealed *s;

	if (!psk)
		return 0;
	s = model_psk_sealed_to_host(psk, c->host_index);
	if (!s) {
		const struct wgf_loc *l = &psk->loc;

		return wgf_error_set(c->o ? c->o->err : NULL, -ENOKEY, "%s:%u:%u: the preshared key of Peer \"%s\" is "
				     "not sealed to host/%s, which applies it: run `wgf secret reseal`", l->file,
				     l->line, l->col, p->meta.name, c->h->meta.name);
	}
	hp->has_psk = hp->has_psk_id = true;
	memcpy(hp->psk_id, psk->id, HS_PSK_ID_LEN);
	if (!(hp->psk_sealed = strdup(s->text)))
		return -ENOMEM;
	hp->psk_withheld = true;
	if (!c->o || !c->o->sealing_priv || !c->o->sealing_pub)
		return 0;
	return open_checked(c, p, psk, s, hp);
}

int render_open_psk(const struct model *m, const struct model_host *h, const struct render_opts *o,
		    struct hs_peer *hp)
{
	struct render_ctx c = { .m = m, .h = h, .host_index = model_host_index(m, h), .o = o };
	const struct model_peer *p = hp->name ? model_find_peer(m, hp->name) : NULL;
	const struct model_psk *psk;
	const struct model_sealed *s;

	if (!hp->has_psk || !hp->psk_withheld || !o->sealing_pub || !o->sealing_priv)
		return 0;
	psk = p && c.host_index != MODEL_NONE ? model_peer_psk(p, c.host_index) : NULL;
	s = psk ? model_psk_sealed_to_host(psk, c.host_index) : NULL;
	if (!s || memcmp(psk->id, hp->psk_id, HS_PSK_ID_LEN))
		return wgf_error_set(o->err, -ENOENT, "the preshared key of peer \"%s\" is not in the repository "
				     "any more", hp->name ? hp->name : "(unknown)");
	return open_checked(&c, p, psk, s, hp);
}
