#include "cmd/notify.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/wgf.h"
#include "reconcile/host/fileio.h"
#include "render/health.h"
#include "render/key_age.h"

#define NOTIFY_STATE_FILE "notify-state.json"

int cmd_notify_init(struct cmd_notify *n, const struct hostconf *hc, const char *state_dir)
{
	struct wgf_error err = {0};
	int r;

	memset(n, 0, sizeof(*n));
	n->conf = (struct notify_conf){
		.state_dir = state_dir, .hooks_dir = hc->hooks_dir, .secret_file = hc->webhook_secret_file,
		.ca_file = hc->webhook_ca_file, .timeout = hc->notify_timeout, .retries = hc->notify_retries,
	};
	if (hc->webhooks && !(n->webhooks = strdup(hc->webhooks)))
		return -ENOMEM;
	r = notify_conf_webhooks(&n->conf, n->webhooks, &err);
	if (r == 0)
		r = notify_conf_check(&n->conf, &err);
	if (r < 0) {
		cmd_error("notify: %s", wgf_error_message(&err));
		wgf_error_clear(&err);
	}
	return r;
}

int cmd_notify_from_config(struct cmd_notify *n, struct hostconf *hc, const char *config, bool given,
			   const char *state_dir)
{
	struct wgf_error err = {0};
	char *text = NULL;
	size_t len = 0;
	int r;

	r = fileio_read(config, &text, &len);
	if (r == -ENOENT && !given)
		return cmd_notify_init(n, hc, state_dir);
	if (r < 0) {
		memset(n, 0, sizeof(*n));
		cmd_error("reading %s: %s", config, strerror(-r));
		return r;
	}
	r = hostconf_parse(hc, text, len, config, &err);
	free(text);
	if (r < 0) {
		memset(n, 0, sizeof(*n));
		cmd_error("%s", wgf_error_message(&err));
		wgf_error_clear(&err);
		return r;
	}
	return cmd_notify_init(n, hc, state_dir);
}

struct notify_event *cmd_notify_event(struct cmd_notify *n, enum notify_event_type t, int64_t time,
				      const char *host, const char *revision)
{
	struct notify_event *e;

	if (!notify_enabled(&n->conf) || n->n == CMD_NOTIFY_MAX || !(e = malloc(sizeof(*e))))
		return NULL;
	notify_event_init(e, t, time, host, revision);
	n->ev[n->n++] = e;
	return e;
}

const char *cmd_notify_keep(struct cmd_notify *n, const char *s)
{
	char *k;

	if (!s || n->n_kept == sizeof(n->kept) / sizeof(n->kept[0]) || !(k = strdup(s)))
		return NULL;
	n->kept[n->n_kept++] = k;
	return k;
}

static void forget(struct cmd_notify *n)
{
	for (size_t i = 0; i < n->n; i++)
		free(n->ev[i]);
	for (size_t i = 0; i < n->n_kept; i++)
		free(n->kept[i]);
	n->n = n->n_kept = 0;
}

void cmd_notify_flush(struct cmd_notify *n, unsigned wait_ms)
{
	int r;

	if (n->n && (r = notify_send(&n->conf, n->ev, n->n, wait_ms)) < 0)
		cmd_error("notify: could not start the delivery of %zu event%s: %s", n->n, n->n == 1 ? "" : "s",
			  strerror(-r));
	forget(n);
}

void cmd_notify_clear(struct cmd_notify *n)
{
	forget(n);
	free(n->webhooks);
	memset(n, 0, sizeof(*n));
}

/* ---- peer health and key ages, against the last run's ---- */

static json_object *state_load(const char *state_dir)
{
	char path[4096], *text = NULL;
	size_t len;
	json_object *j = NULL;

	snprintf(path, sizeof(path), "%s/%s", state_dir, NOTIFY_STATE_FILE);
	if (fileio_read_regular(path, 1 << 20, &text, &len) == 0)
		j = json_tokener_parse(text);
	free(text);
	if (!j || !json_object_is_type(j, json_type_object)) {
		json_object_put(j);
		j = json_object_new_object();
	}
	return j;
}

static json_object *member(json_object *j, const char *key)
{
	json_object *o;

	if (json_object_object_get_ex(j, key, &o) && json_object_is_type(o, json_type_object))
		return o;
	o = json_object_new_object();
	json_object_object_add(j, key, o);
	return o;
}

static void peer_event(struct cmd_notify *n, const struct cmd_ctx *c, const struct model_host *h,
		       const struct hs_device *d, const struct hs_peer *p, const struct health_peer *hp,
		       const char *prev)
{
	bool online = hp->verdict == HEALTH_ONLINE;
	struct notify_event *e = cmd_notify_event(n, online ? NOTIFY_PEER_ONLINE : NOTIFY_PEER_OFFLINE, c->now,
						  cmd_notify_keep(n, h->meta.name), NULL);
	char b64[WG_KEY_B64_LEN], t[NOTIFY_TIME_LEN];
	const char *name = hp->name ? hp->name : key_to_base64(p->public_key, b64);

	if (!e)
		return;
	notify_event_summary(e, "peer %s on %s is %s (was %s)", name, d->ifname,
			     online ? "online again" : health_verdict_name(hp->verdict), prev);
	notify_event_add_string(e, "peer", cmd_notify_keep(n, hp->name));
	notify_event_add_string(e, "interface", cmd_notify_keep(n, d->ifname));
	notify_event_add_string(e, "public_key", cmd_notify_keep(n, key_to_base64(p->public_key, b64)));
	notify_event_add_string(e, "verdict", health_verdict_name(hp->verdict));
	notify_event_add_string(e, "previous", cmd_notify_keep(n, prev));
	notify_event_add_string(e, "last_handshake", p->last_handshake_sec ?
				cmd_notify_keep(n, notify_time_format(p->last_handshake_sec, t)) : NULL);
}

static void peers_check(struct cmd_notify *n, const struct cmd_ctx *c, const struct model *m,
			const struct model_host *h, json_object *st)
{
	const char *ifname = h->ifname;
	json_object *peers = member(st, "peers"), *now = json_object_new_object(), *prev;
	struct wgf_error err = {0};
	struct host_state *hs = NULL;
	struct health_index ix;
	uint32_t stale_after = health_stale_after(m, h, 0);
	int fw;

	if (pipeline_status(c->state_dir, &ifname, 1, false, &hs, &fw, &err) < 0) {
		cmd_error("notify: peer health: %s", wgf_error_message(&err));
		wgf_error_clear(&err);
		json_object_put(now);
		return;
	}
	if (health_index_build(m, &ix) < 0) {
		json_object_put(now);
		hoststate_free(hs);
		return;
	}
	for (size_t i = 0; i < hs->n_devices; i++)
		for (size_t j = 0; j < hs->devices[i].n_peers; j++) {
			const struct hs_device *d = &hs->devices[i];
			const struct hs_peer *p = &d->peers[j];
			struct health_peer hp;
			char b64[WG_KEY_B64_LEN], key[IFNAMSIZ + WG_KEY_B64_LEN + 2];
			const char *was;

			health_peer_eval(m, h, health_index_find(&ix, p->public_key), d, p, c->now, stale_after, &hp);
			if (!hp.expected_up)
				continue;
			snprintf(key, sizeof(key), "%s/%s", d->ifname, key_to_base64(p->public_key, b64));
			json_object_object_add(now, key, json_object_new_string(health_verdict_name(hp.verdict)));
			if (!json_object_object_get_ex(peers, key, &prev))
				continue;
			was = json_object_get_string(prev);
			if (notify_peer_transition(was, hp.verdict))
				peer_event(n, c, h, d, p, &hp, was);
		}
	json_object_object_add(st, "peers", now);
	health_index_clear(&ix);
	hoststate_free(hs);
}

static void key_event(struct cmd_notify *n, const struct cmd_ctx *c, const struct model_host *h,
		      const struct key_age *k)
{
	struct notify_event *e = cmd_notify_event(n, NOTIFY_KEY_DUE, c->now, cmd_notify_keep(n, h->meta.name), NULL);
	char t[NOTIFY_TIME_LEN];

	if (!e)
		return;
	notify_event_summary(e, "the key of %s \"%s\" is %s for rotation (due %s)", k->is_host ? "Host" : "Peer",
			     k->name, key_age_status_name(k->status), notify_time_format(k->due, t));
	notify_event_add_string(e, "kind", k->is_host ? "host" : "peer");
	notify_event_add_string(e, "name", cmd_notify_keep(n, k->name));
	notify_event_add_string(e, "fingerprint", cmd_notify_keep(n, k->fingerprint));
	notify_event_add_string(e, "status", key_age_status_name(k->status));
	notify_event_add_string(e, "due", cmd_notify_keep(n, t));
	notify_event_add_int(e, "max_age_days", k->max_age / KEY_AGE_DAY);
	notify_event_add_int(e, "age_days", k->age / KEY_AGE_DAY);
}

static void keys_check(struct cmd_notify *n, const struct cmd_ctx *c, const struct model *m,
		       const struct model_host *h, json_object *st)
{
	json_object *keys = member(st, "keys"), *v;
	bool *wh = NULL, *wp = NULL;
	struct key_ages a = {0};
	int64_t today = c->now / KEY_AGE_DAY;

	/* once a day: the key ages walk the repository's history */
	if (json_object_object_get_ex(st, "keys_checked", &v) && json_object_get_int64(v) == today)
		return;
	json_object_object_add(st, "keys_checked", json_object_new_int64(today));
	if (cmd_key_want_of_host(m, h, &wh, &wp) < 0 || cmd_key_ages(c, m, wh, wp, CMD_NOTIFY_KEY_DUE_WITHIN, &a) < 0)
		goto out;
	for (size_t i = 0; i < a.n; i++) {
		const struct key_age *k = &a.items[i];

		if (k->status != KEY_AGE_DUE_SOON && k->status != KEY_AGE_OVERDUE)
			continue;
		if (json_object_object_get_ex(keys, k->fingerprint, &v) && json_object_get_int64(v) == today)
			continue;
		json_object_object_add(keys, k->fingerprint, json_object_new_int64(today));
		key_event(n, c, h, k);
	}
out:
	key_ages_clear(&a);
	free(wh);
	free(wp);
}

void cmd_notify_health(struct cmd_notify *n, const struct cmd_ctx *c, const struct model *m,
		       const struct model_host *h)
{
	json_object *st;
	const char *text;
	char path[4096];

	if (!notify_enabled(&n->conf))
		return;
	st = state_load(c->state_dir);
	peers_check(n, c, m, h, st);
	keys_check(n, c, m, h, st);
	snprintf(path, sizeof(path), "%s/%s", c->state_dir, NOTIFY_STATE_FILE);
	text = json_object_to_json_string_ext(st, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text && fileio_write(path, text, strlen(text), 0600) < 0)
		cmd_error("notify: writing %s failed", path);
	json_object_put(st);
}
