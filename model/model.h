/* The typed, validated desired-state model (format wgf/v1).
 *
 * Loaded from every *.yaml / *.yml under a directory, or from a git tree
 * (no checkout) through libgit2. Each file holds one or more documents of
 * the form { apiVersion: wgf/v1, kind: K, metadata: {name, labels}, spec: {...} }.
 * The README's "Desired-state format" section is the user-facing spec.
 *
 * After a successful load the model is immutable and fully validated:
 * every index below is in range, every name is unique per kind and safe as an
 * interface or nft identifier, every address is inside its network's pools
 * and overlaps no other object's.
 */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>

#include "model/diag.h"
#include "model/key.h"
#include "model/prefix.h"

#define MODEL_API_VERSION "wgf/v1"
#define MODEL_NAME_MAX 63

enum host_role {
	HOST_ROLE_MEMBER = 0,  /* runs wgf, meshes with other hosts, routes nothing */
	HOST_ROLE_HUB,         /* peers connect to it; forwards between them */
	HOST_ROLE_ROUTER,      /* site router: announces LAN prefixes behind it */
};

struct model_label {
	char *key, *value;
};

struct model_meta {
	char *name;
	struct wgf_loc loc;            /* where the document's "kind:" is */
	struct model_label *labels;
	size_t n_labels;
};

struct model_network {
	struct model_meta meta;
	char ifname[IFNAMSIZ];         /* default "wg0" */
	uint16_t listen_port;          /* default 51820 */
	uint32_t mtu;                  /* default 1420 */
	uint16_t keepalive;            /* host-to-host persistent keepalive, default 0 */
	uint32_t fwmark;               /* default 0 */
	bool has_pool4, has_pool6;
	struct wgf_prefix pool4, pool6;    /* network prefixes */
};

struct model_host {
	struct model_meta meta;
	size_t network;                /* index into model.networks */
	enum host_role role;
	uint8_t public_key[WG_KEY_LEN];
	struct wgf_endpoint endpoint;  /* family 0 = none */
	struct wgf_prefix *addresses;  /* tunnel addresses, with on-link prefix length */
	size_t n_addresses;
	struct wgf_prefix *lans;       /* network prefixes routed by this host */
	size_t n_lans;
	char ifname[IFNAMSIZ];         /* resolved: override or the network's */
	uint16_t listen_port;          /* resolved */
	uint32_t mtu;                  /* resolved */
};

struct model_peer {
	struct model_meta meta;
	size_t network;
	uint8_t public_key[WG_KEY_LEN];
	struct wgf_prefix *addresses;  /* as written; a bare address is /32 or /128 */
	size_t n_addresses;
	struct wgf_prefix *lans;       /* extra prefixes behind this peer */
	size_t n_lans;
	size_t *hubs;                  /* indices into model.hosts, role hub; first is primary */
	size_t n_hubs;
	uint16_t keepalive;            /* on the hub's entry for this peer; 0 = off */
	struct wgf_endpoint endpoint;  /* optional fixed endpoint */
	bool enabled;                  /* default true */
	bool has_expires;
	int64_t expires;               /* unix seconds, UTC */
};

struct model {
	struct model_network *networks;
	size_t n_networks;
	struct model_host *hosts;
	size_t n_hosts;
	struct model_peer *peers;
	size_t n_peers;
	char **files;                  /* owned file names; wgf_loc.file points into these */
	size_t n_files;
	char *source;                  /* "directory /path" or "commit 1a2b3c4d (main)" */
	char *commit;                  /* full hex commit id for git sources, else NULL */
};

/* Limits applied while loading (untrusted input). */
#define MODEL_MAX_FILE_SIZE   (64u << 20)  /* bytes per file */
#define MODEL_MAX_TOTAL_SIZE  (256u << 20) /* bytes for the whole source */
#define MODEL_MAX_DEPTH       32           /* YAML nesting */
#define MODEL_MAX_FILES       100000

/* Load and validate. On success returns 0 and *out; on failure returns a negative
 * errno (-EINVAL for invalid input, with every problem found in d) and *out = NULL. */
int model_load_dir(const char *path, struct model **out, struct diag *d);
int model_load_git(const char *repo_path, const char *ref, struct model **out, struct diag *d);
/* Load from in-memory files (tests, fuzzers): names[i] is reported as the file name. */
int model_load_buffers(const char *const *names, const char *const *bufs, const size_t *lens,
		       size_t n, struct model **out, struct diag *d);
void model_free(struct model *m);

const struct model_host *model_find_host(const struct model *m, const char *name);
const struct model_host *model_find_host_by_key(const struct model *m, const uint8_t pub[WG_KEY_LEN]);
const char *host_role_name(enum host_role r);
