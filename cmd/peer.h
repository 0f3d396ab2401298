/* What wgf peer, wgf secret and wgf operator share: the operator's identity,
 * opening and sealing a Peer's preshared keys, and edits of repository files. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "model/model.h"

#define WGF_IDENTITY_ENV "WGF_IDENTITY"

/* --identity, else $WGF_IDENTITY, else ~/.config/wgf/identity (into buf). */
const char *peer_identity_path(const char *opt, char *buf, size_t len);

/* The opened preshared keys of p, one per hub (parallel to p->hubs; NULL where
 * none is declared), for its client config. Needs the identity of an Operator
 * the keys are sealed to. -1 after saying why. */
struct peer_psks {
	uint8_t (*key)[32];
	const uint8_t **ptr;           /* what client_config_opts.psks takes */
	size_t n;
};
int peer_open_psks(const struct model *m, const struct model_peer *p, const char *identity, struct peer_psks *out);
void peer_psks_clear(struct peer_psks *k);

/* The presharedKeys item for psk with hub (model index), sealed to the hub and
 * every Operator of the peer's network, as block YAML at column 0. -1 after
 * saying why. */
int peer_psk_item(const struct model *m, const struct model_peer *p, size_t hub, const uint8_t psk[32],
		  char **out);

/* Replaces the file at path (a repository file) by text atomically, keeping its
 * mode (new files 0644). -1 after saying why. */
int peer_write_repo_file(const char *path, const char *text, size_t len);

/* Loads the repository again; on errors prints them, says that `what` (just
 * written) made it invalid, and returns -1 for the caller to put it back.
 * out (may be NULL): the model, and its warnings printed. */
struct cmd_ctx;
int peer_revalidate(const struct cmd_ctx *c, const char *what, struct model **out);

/* Writes a client config: to -o FILE (0600), else stdout; as text or, with
 * qr/format, as a QR code. holds_key: the text holds a private key. -1 after saying why. */
struct peer_output {
	const char *out;               /* -o FILE */
	const char *format;            /* conf (default), utf8, svg, png */
	bool qr;                       /* --qr: utf8 on stdout, or the --format to -o */
	bool force;
};
int peer_output_config(const struct peer_output *o, const char *text, size_t len, bool holds_key);
/* Whether a QR code of such a config may go where o says (a private key never
 * to a stdout that is not a terminal unless --force): asked before new and
 * rotate write anything, so a refusal loses no key. false after saying why. */
bool peer_output_check(const struct peer_output *o, bool holds_key);
