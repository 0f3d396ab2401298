/* wgf's own records on a host, in its state directory (default /var/lib/wgf):
 * which interfaces it created, a lock against concurrent runs, and a journal. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "model/hoststate.h"
#include "reconcile/nft.h"

#define WGF_DEFAULT_STATE_DIR "/var/lib/wgf"
#define WGF_DEFAULT_KEY_FILE "/etc/wgf/private.key"

struct state_owned {
	char **ifnames;
	size_t n;
};

/* Missing file = empty list. */
int state_owned_load(const char *state_dir, struct state_owned *out);
/* The file's text: one name a line; damaged lines (empty, IFNAMSIZ or longer, a
 * NUL in them) are skipped. 0 or -ENOMEM. */
int state_owned_parse(const char *buf, size_t len, struct state_owned *out);
int state_owned_add(const char *state_dir, const char *ifname);
int state_owned_remove(const char *state_dir, const char *ifname);
void state_owned_clear(struct state_owned *o);

/* The endpoints of the desired state last applied ("declared-endpoints"): a
 * host_state whose devices hold only peers with endpoints. Missing file = NULL. */
int state_endpoints_load(const char *state_dir, struct host_state **out);
/* The file's text: "IFNAME BASE64-KEY ENDPOINT" lines; a damaged line only loses
 * what it recorded. *out is normalized. 0 or -ENOMEM. */
int state_endpoints_parse(const char *buf, size_t len, struct host_state **out);
/* Records desired's declared endpoints; writes only when they changed. */
int state_endpoints_save(const char *state_dir, const struct host_state *desired);
/* The text state_endpoints_save writes (the caller frees *out). 0 or -ENOMEM. */
int state_endpoints_format(const struct host_state *desired, char **out, size_t *out_len);

/* The nftables table wgf last applied ("firewall"): the rendered body it sent,
 * the summary items, and the kernel's stateless listing read right after. Two
 * listings of an unchanged table are byte-identical, but a listing is never the
 * rendered body: drift is the kernel's listing differing from this one. */
struct fw_record {
	char *body;
	struct hs_fw_item *items;              /* sorted by key */
	size_t n_items;
	char *listing;
	bool has_stamp;                        /* the ruleset's stamp, read just before listing */
	struct nft_stamp stamp;
};

/* A record of fw (a desired firewall: body and items) read back as listing. */
int fw_record_new(const struct hs_firewall *fw, const char *listing, struct fw_record **out);
void fw_record_free(struct fw_record *r);
/* Missing file = NULL; a damaged one = -EBADMSG. */
int state_firewall_load(const char *state_dir, struct fw_record **out);
int state_firewall_save(const char *state_dir, const struct fw_record *r);
/* The file's JSON text (up to a NUL, if any): 0, -EBADMSG or -ENOMEM. */
int state_firewall_parse(const char *text, size_t len, struct fw_record **out);
/* The JSON text state_firewall_save writes; NULL on ENOMEM. The caller frees it. */
char *state_firewall_format(const struct fw_record *r);
/* Missing file = 0. */
int state_firewall_remove(const char *state_dir);

/* Exclusive lock on <state_dir>/lock; returns an fd (>= 0) or a negative errno
 * (-EWOULDBLOCK when another wgf holds it). create: make the directory and the
 * file if missing; else a missing one is -ENOENT and nothing is written. */
int state_lock(const char *state_dir, bool create);
void state_unlock(int fd);

/* Appends one JSON line to <state_dir>/journal. */
int state_journal(const char *state_dir, const char *host, const char *source,
		  const char *result, size_t n_create, size_t n_update, size_t n_delete,
		  const char *error);

/* Reads a whole file (at most 256 MiB, else -EFBIG) into *out, NUL-terminated;
 * the caller frees it. 0 or a negative errno (-ENOENT when it is missing). */
int state_read_file(const char *path, char **out, size_t *out_len);

/* Creates the directory (0700) and its parents if missing. */
int state_mkdir(const char *path);
/* Writes data to path atomically (temp file in the same directory, fsync, rename),
 * with the given mode. */
int state_write_file(const char *path, const void *data, size_t len, unsigned mode);
