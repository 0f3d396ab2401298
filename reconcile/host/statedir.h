/* wgf's own records on a host, in its state directory (default /var/lib/wgf):
 * which interfaces it created, the endpoints it declared, the firewall it
 * applied, and a lock against concurrent runs. (The journal of applies is
 * reconcile/host/journal.h.) */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "model/hoststate.h"
#include "reconcile/plan/fw_record.h"

#define WGF_DEFAULT_STATE_DIR "/var/lib/wgf"

struct statedir_owned {
	char **ifnames;
	size_t n;
};

/* Missing file = empty list. */
int statedir_owned_load(const char *state_dir, struct statedir_owned *out);
/* The file's text: one name a line; damaged lines (empty, IFNAMSIZ or longer, a
 * NUL in them) are skipped. 0 or -ENOMEM. */
int statedir_owned_parse(const char *buf, size_t len, struct statedir_owned *out);
int statedir_owned_add(const char *state_dir, const char *ifname);
int statedir_owned_remove(const char *state_dir, const char *ifname);
void statedir_owned_clear(struct statedir_owned *o);

/* The endpoints of the desired state last applied ("declared-endpoints"): a
 * host_state whose devices hold only peers with endpoints. Missing file = NULL. */
int statedir_endpoints_load(const char *state_dir, struct host_state **out);
/* The file's text: "IFNAME BASE64-KEY ENDPOINT" lines; a damaged line only loses
 * what it recorded. *out is normalized. 0 or -ENOMEM. */
int statedir_endpoints_parse(const char *buf, size_t len, struct host_state **out);
/* Records desired's declared endpoints; writes only when they changed. */
int statedir_endpoints_save(const char *state_dir, const struct host_state *desired);
/* The text statedir_endpoints_save writes (the caller frees *out). 0 or -ENOMEM. */
int statedir_endpoints_format(const struct host_state *desired, char **out, size_t *out_len);

/* The nftables table wgf last applied ("firewall"), reconcile/plan/fw_record.h. */
/* Missing file = NULL; a damaged one = -EBADMSG. */
int statedir_firewall_load(const char *state_dir, struct fw_record **out);
int statedir_firewall_save(const char *state_dir, const struct fw_record *r);
/* The file's JSON text (up to a NUL, if any): 0, -EBADMSG or -ENOMEM. */
int statedir_firewall_parse(const char *text, size_t len, struct fw_record **out);
/* The JSON text statedir_firewall_save writes; NULL on ENOMEM. The caller frees it. */
char *statedir_firewall_format(const struct fw_record *r);
/* Missing file = 0. */
int statedir_firewall_remove(const char *state_dir);
/* The record as the JSON object the file holds (NULL on ENOMEM), and back
 * (0, -EBADMSG or -ENOMEM): for snapshots, which carry it. */
struct json_object;
struct json_object *statedir_firewall_json(const struct fw_record *r);
int statedir_firewall_from_json(struct json_object *o, struct fw_record **out);

/* Exclusive lock on <state_dir>/lock; returns an fd (>= 0) or a negative errno
 * (-EWOULDBLOCK when another wgf holds it). create: make the directory and the
 * file if missing; else a missing one is -ENOENT and nothing is written. */
int statedir_lock(const char *state_dir, bool create);
void statedir_unlock(int fd);

/* Everything above, as the diff needs it. */
struct statedir_records {
	struct statedir_owned owned;   /* interfaces wgf created */
	struct host_state *declared;   /* endpoints declared at the last apply, or NULL */
	struct fw_record *fw_applied;  /* the nftables table wgf applied, or NULL */
};
void statedir_records_clear(struct statedir_records *r);
