/* The events a command collects in one run, and their delivery at its end
 * (reconcile/host/notify.h): reconcile and watch. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "reconcile/host/hostconf.h"
#include "reconcile/host/notify.h"

#define CMD_NOTIFY_MAX 64
#define CMD_NOTIFY_KEY_DUE_WITHIN (14 * 86400)   /* key-due: due within two weeks, or overdue */

struct model;
struct model_host;
struct cmd_notify {
	struct notify_conf conf;
	char *webhooks;                /* the list conf.webhooks points into */
	struct notify_event *ev[CMD_NOTIFY_MAX];
	size_t n;
	char *kept[4 * CMD_NOTIFY_MAX];  /* strings the events borrow */
	size_t n_kept;
};

/* From the settings; state_dir is borrowed. 0, or -EINVAL after saying why. */
int cmd_notify_init(struct cmd_notify *n, const struct hostconf *hc, const char *state_dir);
/* The notification settings of the settings file config (missing and not
 * given: none) into hc (hostconf_init'ed), then cmd_notify_init. */
int cmd_notify_from_config(struct cmd_notify *n, struct hostconf *hc, const char *config, bool given,
			   const char *state_dir);
/* A new event (owned by n), or NULL when full or out of memory (or nothing
 * is configured): callers skip the details then. */
struct notify_event *cmd_notify_event(struct cmd_notify *n, enum notify_event_type t, int64_t time,
				      const char *host, const char *revision);
/* A copy of s that lives as long as n (NULL on ENOMEM or for NULL). */
const char *cmd_notify_keep(struct cmd_notify *n, const char *s);
/* Sends what was collected (waiting for the delivery at most wait_ms) and
 * forgets it. */
void cmd_notify_flush(struct cmd_notify *n, unsigned wait_ms);
void cmd_notify_clear(struct cmd_notify *n);

/* peer-offline and peer-online (the health of peers expected up on host h's
 * interface, against the previous run's verdicts in <state-dir>/notify-state.json)
 * and key-due (h's key and its Peers' keys entering the due window, once per
 * key per day). c supplies the repository (for key ages) and the time. */
struct cmd_ctx;
void cmd_notify_health(struct cmd_notify *n, const struct cmd_ctx *c, const struct model *m,
		       const struct model_host *h);
