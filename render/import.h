/* `wgf import`: wg-quick configurations (or running devices, given in the same
 * form) turned into a repository: a Network, a Host per server, a Peer per
 * other device, an Operator. Pure: the caller reads the files and the keys and
 * writes the result.
 *
 * A server is a configuration with a ListenPort or a peer without an endpoint;
 * its peers that are other imported servers are host-to-host pairs (the mesh,
 * or hubs and links), the rest are Peers. Preshared keys are sealed to the Host
 * that applies them and to the Operator; a private key is never written. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/diag.h"
#include "model/key.h"
#include "model/prefix.h"
#include "model/seal.h"
#include "model/wgquick.h"

/* A Host's sealing key: by name, or for the Host whose WireGuard public key is
 * wg_public (the local key file's). */
struct import_sealing_key {
	const char *host;              /* NULL: match by wg_public */
	uint8_t wg_public[WG_KEY_LEN];
	uint8_t sealing_key[SEAL_KEY_LEN];
	const char *origin;            /* for messages: "--sealing-key", "/etc/wgf/sealing.key" */
};

struct import_endpoint {
	const char *host;
	struct wgf_endpoint endpoint;
};

struct import_opts {
	const char *network;           /* the Network's name (default "wg") */
	const struct import_sealing_key *sealing_keys;
	size_t n_sealing_keys;
	const struct import_endpoint *endpoints;
	size_t n_endpoints;
	const char *operator_name;     /* NULL: no Operator */
	uint8_t operator_key[SEAL_KEY_LEN];
	bool has_pool4, has_pool6;     /* override the pools derived from the addresses */
	struct wgf_prefix pool4, pool6;
	bool running;                  /* the configurations are running devices: no hooks, no
	                                  names in comments, peers' endpoints are roamed ones */
};

struct import_file {
	char *path;                    /* relative to the output directory */
	char *text;
};

/* What the output says about each Host: where its private key is. */
struct import_host {
	char *name;
	char *source;                  /* the file (or interface) it came from */
	char *ifname;
	uint8_t public_key[WG_KEY_LEN];
	bool has_sealing_key;          /* the Host's sealingKey is written */
	/* the routes wg-quick made for the peers' allowed IPs (Table = auto), which wgf
	 * takes over as its own (protocol 157) when the output's command retags them */
	struct wgf_prefix *routes;
	size_t n_routes;
};

struct import_result {
	struct import_file *files;
	size_t n_files;
	struct import_host *hosts;
	size_t n_hosts;
	size_t n_peers, n_psks;
};

/* Returns 0 and *out; -EINVAL with every problem in d (warnings go there too);
 * -ENOMEM. The result holds no secret in the clear. */
int import_build(struct wgquick_conf *const *confs, size_t n, const struct import_opts *o,
		 struct import_result *out, struct diag *d);
void import_result_clear(struct import_result *r);

/* A name (metadata.name) made of any text: lower case, [a-z0-9-], starting with
 * a letter (else prefix is put first), at most MODEL_NAME_MAX characters. */
void import_name_safe(const char *in, const char *prefix, char out[64]);

struct model;
/* What a plan on each imported Host would change about its peers, against the
 * configuration it came from: a warning at the [Peer] line (or at [Interface]
 * for a peer wgf adds) for a peer removed or added, other AllowedIPs, another
 * keepalive or preshared key (compared by its public id). m is the loaded result. Returns 0 or -ENOMEM. */
int import_check_adoption(const struct model *m, struct wgquick_conf *const *confs, size_t n, struct diag *d);
