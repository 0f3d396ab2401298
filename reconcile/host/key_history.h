/* When each Host's and Peer's publicKey came into a git repository: walking
 * the first-parent history back from the commit a model was loaded from, the
 * newest commit whose parent did not hold the key in the object's file (a key
 * that moved to another file is followed there). Blobs are read only where a
 * commit changed a file, and each blob's keys are read once (a cache by blob
 * id), so thousands of keys over hundreds of commits stay fast. */
#pragma once
#include <stdbool.h>

#include "model/error.h"
#include "model/model.h"
#include "render/key_age.h"

/* m: loaded by model_load_git from repo (m->commit set). want_hosts/want_peers:
 * which objects to look for (NULL: all). hosts[m->n_hosts], peers[m->n_peers]
 * get origin COMMIT, or UNKNOWN (not wanted; the key is not written out in its
 * file as base64; or history ends before the commit that brought it: a
 * shallow clone, a commit that came alone in a pack). -errno with err set on a
 * repository that cannot be read. */
int key_history(const char *repo, const struct model *m, const bool *want_hosts, const bool *want_peers,
		struct key_created *hosts, struct key_created *peers, struct wgf_error *err);

/* The keys written in a blob: every standalone run of 43 base64 characters and
 * a "=" that decodes to 32 bytes, sorted, unique. Sets *out (free it) and *n. */
int key_history_scan(const char *text, size_t len, uint8_t (**out)[WG_KEY_LEN], size_t *n);
