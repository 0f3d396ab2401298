/* A Peer's client config, rendered and written (wgf peer config, new, rotate). */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/peer_cmd.h"
#include "render/client_config.h"

const struct model_peer *peer_find(const struct model *m, const char *name)
{
	const struct model_peer *p = model_find_peer(m, name);

	if (p)
		return p;
	cmd_error("peer: no Peer \"%s\" in %s", name, m->source);
	return NULL;
}

int peer_print_config(const struct peer_args *a, const struct model *m, const struct model_peer *p,
		      const uint8_t *private_key, const uint8_t *const *known_psks)
{
	struct client_config_opts co = { .now = a->c.now, .private_key = private_key, .psks = known_psks };
	struct peer_psks psks = { 0 };
	char *text = NULL;
	size_t len = 0;
	int r;

	if (!known_psks) {
		if (peer_open_psks(m, p, a->identity, &psks) < 0)
			return -1;
		co.psks = psks.ptr;
	}
	r = client_config_render(m, p, &co, &text, &len);
	peer_psks_clear(&psks);
	if (r == -ENOENT) {
		cmd_error("%s:%u:%u: Peer %s is %s: no hub configures it, so it has no config", p->meta.loc.file,
			  p->meta.loc.line, p->meta.loc.col, p->meta.name, p->enabled ? "expired" : "disabled");
		return -1;
	}
	if (r < 0) {
		cmd_error("peer: rendering the config of %s: %s", p->meta.name, strerror(-r));
		return -1;
	}
	r = peer_output_config(&a->out, text, len, private_key != NULL);
	sodium_memzero(text, len);
	free(text);
	return r;
}
