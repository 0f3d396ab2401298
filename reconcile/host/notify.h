/* Delivering notification events (README "Notifications"): to every
 * executable in a hooks directory (the event's JSON on stdin, WGF_EVENT in the
 * environment) and to webhooks (an HTTPS POST of the JSON through libcurl,
 * signed with HMAC-SHA256 over the body in X-Wgf-Signature-256), bounded in
 * time, retried with backoff. notify_send delivers from a detached process, so
 * neither reconcile nor watch waits for a slow receiver longer than it says;
 * each target's last delivery and last failure go to <state-dir>/notify.json
 * (`wgf status` shows them). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/error.h"
#include "render/notify_event.h"

#define NOTIFY_FILE "notify.json"
#define NOTIFY_LOCK_FILE "notify.lock"
#define NOTIFY_TIMEOUT_DEFAULT 5       /* seconds, per hook run and per POST */
#define NOTIFY_RETRIES_DEFAULT 3       /* webhook: attempts after the first, 1 s, 2 s, 4 s apart */
#define NOTIFY_RETRIES_MAX 10
#define NOTIFY_WEBHOOKS_MAX 16
#define NOTIFY_HOOKS_MAX 64

struct notify_conf {
	const char *state_dir;         /* where notify.json goes */
	const char *hooks_dir;         /* NULL: no hooks */
	const char *webhooks[NOTIFY_WEBHOOKS_MAX];
	size_t n_webhooks;
	const char *secret_file;       /* the webhooks' HMAC key (required with webhooks) */
	const char *ca_file;           /* NULL: the system's CAs */
	unsigned timeout;              /* seconds */
	unsigned retries;
	/* tests: the backoff between attempts in ms (1000: 1 s, 2 s, 4 s …) */
	unsigned backoff_ms;
};

/* Whether anything is configured. */
bool notify_enabled(const struct notify_conf *c);
/* Fills c->webhooks from a list of URLs separated by white space (the
 * setting, which may be given more than once); the strings point into list,
 * which must outlive c. -E2BIG, or -EINVAL with err naming the bad URL. */
int notify_conf_webhooks(struct notify_conf *c, char *list, struct wgf_error *err);
/* Checks the settings before anything happens: each URL (https://, or http://
 * to a loopback address only; no user or password in it), a secret file for
 * webhooks. 0 or -EINVAL with err set. */
int notify_conf_check(const struct notify_conf *c, struct wgf_error *err);
int notify_url_check(const char *url, struct wgf_error *err);

/* The target's name as shown and recorded: a webhook's URL cut after its
 * host and port ("https://hooks.example.org:8443/…": a path may be a
 * secret), a hook's file name. */
void notify_target_name(const char *url, char *buf, size_t len);

/* Hooks: the names in dir that are run, sorted (the caller frees each and the
 * array). Rules: regular files (a symlink is not followed: skipped), executable
 * by their owner, not starting with '.', not ending in '~' or a package
 * manager's leftovers (.dpkg-old, .dpkg-new, .dpkg-dist, .rpmsave, .rpmnew,
 * .swp). 0 or a negative errno (-ENOENT: no such directory). */
int notify_hooks_list(const char *dir, char ***names, size_t *n);
bool notify_hook_name_ok(const char *name);

/* HMAC-SHA256(key, msg) as 64 lower-case hex digits and a NUL. */
void notify_hmac_hex(const uint8_t *key, size_t key_len, const void *msg, size_t len, char out[65]);

/* Delivers events now, in this process: each to every hook, then every
 * webhook (retried), recording in notify.json; log (may be NULL) is told of
 * each failure. Returns the number of failed deliveries. */
int notify_deliver(const struct notify_conf *c, struct notify_event *const *ev, size_t n,
		   void (*log)(const char *msg));
/* The same from a detached process (double fork; it keeps stderr, gets
 * /dev/null as stdin and stdout and no other descriptor); waits for it at most
 * wait_ms (0: not at all). Fills each event's id first. 0, or a negative
 * errno when the process could not be started. */
int notify_send(const struct notify_conf *c, struct notify_event *const *ev, size_t n, unsigned wait_ms);

/* Records one target's outcome in <state_dir>/notify.json (under notify.lock):
 * error NULL is a delivery. 0 or a negative errno. */
int notify_record(const char *state_dir, const char *target, const struct notify_event *e, const char *error,
		  int64_t now);
/* notify.json's object ({"targets":{NAME:{…}}}), or NULL when there is none. */
struct json_object;
struct json_object *notify_status_load(const char *state_dir);
