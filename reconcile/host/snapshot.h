/* A snapshot: what a plan for a host reads from that host (its observed
 * HostState and wgf's records there), as JSON. `wgf observe --json` writes one
 * on the host; `wgf plan --observed FILE` plans from it anywhere, without root
 * or a kernel (CI). A snapshot never holds a secret: a device's private key is
 * stood for by its public key, a PSK is only said to exist, with its public
 * id ("preshared_key_id", model/seal.h) so plans see whether it changed. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "model/error.h"
#include "model/hoststate.h"
#include "reconcile/host/statedir.h"

#define SNAPSHOT_FORMAT 1
#define SNAPSHOT_KIND "wgf-observed-state"

struct snapshot {
	char *host;                    /* the Host it was observed for */
	struct host_state *observed;   /* normalized */
	struct statedir_records rec;
};

/* One JSON object; NULL when out of memory. */
struct json_object *snapshot_to_json(const char *host, const struct host_state *observed,
				     const struct statedir_records *rec);
/* A digest (BLAKE2b) of everything a plan reads from the host but the
 * nftables table and its record (reconcile/host/converged.h stands for those
 * by the ruleset's stamp and the record file's digest): counters and
 * handshake times left out, PSK values in. 0 or -ENOMEM. */
#define SNAPSHOT_DIGEST_LEN 32
int snapshot_digest(const char *host, const struct host_state *observed, const struct statedir_records *rec,
		    uint8_t out[SNAPSHOT_DIGEST_LEN]);
/* The fingerprint of a host's observed state that a saved plan made against
 * desired carries (reconcile/plan/saved_plan.h): BLAKE2b of what that plan
 * reads from the host, the nftables table and wgf's record of it included,
 * and nothing that is never drift: handshake times, counters, a roamed
 * endpoint (one the plan leaves alone because the endpoint wgf declared is
 * still the desired one), a PSK's value (its public id stands for it: a
 * snapshot holds only that). The same from a snapshot as from the host. */
void snapshot_fingerprint(const char *host, const struct host_state *observed, const struct statedir_records *rec,
			  const struct host_state *desired, uint8_t out[SNAPSHOT_DIGEST_LEN]);
/* Reads a snapshot (text up to len or a NUL). A wrong format, kind or value is
 * -EBADMSG, said in err with where it is ("interfaces[0].peers[2].endpoint"). */
int snapshot_parse(const char *text, size_t len, struct snapshot *out, struct wgf_error *err);
void snapshot_clear(struct snapshot *s);
