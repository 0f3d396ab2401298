/* Model -> desired HostState for one host. Pure: no I/O, no clock, no root. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/error.h"
#include "model/hoststate.h"
#include "model/model.h"

struct fw_cache;

struct render_opts {
	int64_t now;                   /* unix seconds; peers expired at or before it are left out */
	const uint8_t *private_key;    /* the host's key (WG_KEY_LEN), or NULL: has_private_key false */
	/* Per model host: true when this host found that hub unreachable (observed by
	 * the caller); NULL: every hub is healthy, as offline planning assumes. */
	const bool *hub_down;
	/* Where compiled firewalls are kept (render/firewall.h) when many hosts of the
	 * model are rendered; NULL: each call compiles its network's. */
	struct fw_cache *fw_cache;
	/* The host's sealing key pair (SEAL_KEY_LEN each): a Peer's preshared key
	 * with this hub is opened from its copy sealed to this host. NULL: the
	 * entry has the key withheld, with its public id (offline planning, CI). */
	const uint8_t *sealing_pub, *sealing_priv;
	/* Why rendering failed, with file:line:col where the repository is at
	 * fault (a sealed value that does not open); NULL: only the errno. */
	struct wgf_error *err;
};

/* The hub an attached Host sends its network through: the first of its hubs
 * that hub_down (may be NULL) does not mark, else its primary. MODEL_NONE for a
 * Host in the mesh. */
size_t render_serving_hub(const struct model_host *h, const bool *hub_down);

/* Opens the withheld preshared key of hp, a Peer's entry that render_host made
 * for h without the sealing key, with o's sealing key pair (and checks it
 * against its id; an error says where, through o->err). Callers that render
 * without the key and open only the keys a plan sets spare a sealed-box
 * opening per peer on every plan. */
int render_open_psk(const struct model *m, const struct model_host *h, const struct render_opts *o,
		    struct hs_peer *hp);

/* Returns 0 and a normalized *out, or a negative errno. */
int render_host(const struct model *m, const struct model_host *h,
		const struct render_opts *o, struct host_state **out);

/* A Peer is configured on its hubs while it is enabled and has not expired. */
bool render_peer_active(const struct model_peer *p, int64_t now);

/* Peers the repository declares but no host configures, and why; and peers that
 * will drop out soon. Data for validate and plan to show (README "Using wgf"). */
enum peer_notice_state {
	PEER_NOTICE_DISABLED,          /* enabled: false (whatever expires says) */
	PEER_NOTICE_EXPIRED,           /* expires at or before now */
	PEER_NOTICE_EXPIRING,          /* expires after now, within the warning horizon */
};

struct peer_notice {
	char *peer;                    /* owned: the Peer's name */
	uint8_t public_key[WG_KEY_LEN]; /* to say why a plan removes it */
	char *file;                    /* owned: where its document is, safe to print; NULL when unknown */
	unsigned line, col;
	enum peer_notice_state state;
	bool has_expires;
	int64_t expires;               /* unix seconds, UTC, when has_expires */
	unsigned days_left;            /* EXPIRING: whole days until then, rounded up (>= 1) */
};

/* Owns its entries and their strings: it outlives the model (a plan carries it). */
struct peer_notices {
	struct peer_notice *items;     /* sorted by file, line, column, then name */
	size_t n;
};

struct peer_notice_opts {
	int64_t now;                   /* unix seconds */
	unsigned warn_days;            /* EXPIRING when expires - now <= this many days; 0: never */
	const struct model_host *host; /* only peers whose hubs include it; NULL: every peer */
};

/* Sets *out (what it held is not freed). Returns 0, or -ENOMEM and an empty *out. */
int peer_notices_collect(const struct model *m, const struct peer_notice_opts *o,
			 struct peer_notices *out);
void peer_notices_clear(struct peer_notices *n);
/* The notice about the peer with this key, or NULL. */
const struct peer_notice *peer_notices_find_key(const struct peer_notices *n,
						const uint8_t pub[WG_KEY_LEN]);
static inline bool peer_notice_skipped(const struct peer_notice *n)
{
	return n->state != PEER_NOTICE_EXPIRING;
}

#define PEER_NOTICE_DATE_LEN 32
#define PEER_NOTICE_MSG_LEN 256
const char *peer_notice_state_name(enum peer_notice_state s);  /* "disabled", "expired", "expiring" */
const char *peer_notice_severity(enum peer_notice_state s);    /* "note" (disabled), "warning" */
/* "2026-01-31" for a midnight UTC, else "2026-01-31T12:30:00Z". */
const char *peer_notice_date(int64_t t, char buf[PEER_NOTICE_DATE_LEN]);
/* Why, after the name: "disabled", "expired on 2026-01-31",
 * "expires on 2026-01-31, in 3 days". */
const char *peer_notice_reason(const struct peer_notice *n, char buf[PEER_NOTICE_MSG_LEN]);
/* The whole sentence: "peer \"guest-tablet\" expired on 2026-01-31 and is not configured",
 * "peer \"x\" is disabled (enabled: false) and is not configured", "peer \"x\" expires
 * on 2026-01-31, in 3 days, and is then no longer configured". */
const char *peer_notice_message(const struct peer_notice *n, char buf[PEER_NOTICE_MSG_LEN]);
