#include "reconcile/host/saved_apply.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "model/seal.h"
#include "model/str.h"
#include "reconcile/host/fileio.h"
#include "reconcile/host/keyfile.h"
#include "reconcile/plan/plan_json.h"

static int used_path(const char *state_dir, char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%s/%s", state_dir, SAVED_USED_FILE) >= len ? -ENAMETOOLONG : 0;
}

/* Lines "ID HOST\n": whether one starts with id. */
static bool used_in(const char *text, const char *id)
{
	size_t n = strlen(id);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, id, n) && (l[n] == ' ' || l[n] == '\n' || !l[n]))
			return true;
	return false;
}

int saved_used_check(const char *state_dir, const char *id)
{
	char path[PATH_MAX], *text = NULL;
	size_t len = 0;
	int r = used_path(state_dir, path, sizeof(path));

	if (r == 0)
		r = fileio_read(path, &text, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = used_in(text, id);
	free(text);
	return r;
}

int saved_used_add(const char *state_dir, const char *id, const char *host)
{
	char path[PATH_MAX], *text = NULL, *out = NULL;
	size_t len = 0;
	int r = used_path(state_dir, path, sizeof(path));

	if (r == 0 && (r = fileio_read(path, &text, &len)) == -ENOENT)
		r = 0;
	if (r < 0)
		return r;
	out = str_printf("%s%s%s %s\n", text ? text : "", len && text[len - 1] != '\n' ? "\n" : "", id, host);
	r = out ? fileio_write(path, out, strlen(out), 0600) : -ENOMEM;
	free(text);
	free(out);
	return r;
}

int saved_apply_pick(const struct saved_plan *sp, const struct saved_apply_opts *o,
		     const struct saved_plan_host **out, struct wgf_error *err)
{
	uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN];
	char hostname[256] = "";
	bool have_key;

	*out = NULL;
	if (o->host) {
		*out = saved_plan_find(sp, o->host);
		return *out ? 0 : wgf_error_set(err, -ENOENT, "the saved plan has no entry for host \"%s\"", o->host);
	}
	for (int f = 0; f < 2; f++) {
		const char *file = f ? o->next_key_file : o->key_file;

		have_key = file && keyfile_read(file, priv) == 0 && key_public_from_private(pub, priv) == 0;
		sodium_memzero(priv, sizeof(priv));
		for (size_t i = 0; have_key && i < sp->n_hosts; i++)
			if (sp->hosts[i].has_public_key && !memcmp(sp->hosts[i].public_key, pub, WG_KEY_LEN)) {
				*out = &sp->hosts[i];
				return 0;
			}
	}
	if (gethostname(hostname, sizeof(hostname)) == 0) {
		hostname[sizeof(hostname) - 1] = '\0';
		hostname[strcspn(hostname, ".")] = '\0';
		if ((*out = saved_plan_find(sp, hostname)))
			return 0;
	}
	return wgf_error_set(err, -ENOENT, "which host is this? No entry of the saved plan is for the key in %s "
			     "or the hostname \"%s\"; pass --host NAME", o->key_file, hostname);
}

/* The prepared next key instead of priv, when the plan is for its public half:
 * 1 taken, 0 not. */
static int take_next_key(const struct saved_plan_host *h, const struct saved_apply_opts *o,
			 uint8_t priv[WG_KEY_LEN], uint8_t pub[WG_KEY_LEN])
{
	uint8_t next[WG_KEY_LEN], next_pub[WG_KEY_LEN];
	int r = 0;

	if (o->next_key_file && keyfile_read(o->next_key_file, next) == 0 &&
	    key_public_from_private(next_pub, next) == 0 && !memcmp(next_pub, h->public_key, WG_KEY_LEN)) {
		memcpy(priv, next, WG_KEY_LEN);
		memcpy(pub, next_pub, WG_KEY_LEN);
		r = 1;
	}
	sodium_memzero(next, sizeof(next));
	return r;
}

/* The key file's key (or the prepared next key: *next_key) into desired's
 * devices, which must be for it. */
static int fill_key(const struct saved_plan_host *h, const struct saved_apply_opts *o, struct host_state *desired,
		    bool *next_key, struct wgf_error *err)
{
	uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN];
	char want[WG_KEY_B64_LEN], have[WG_KEY_B64_LEN];
	bool keyed = false;
	int r = keyfile_read(o->key_file, priv);

	*next_key = false;
	/* an error, not a refusal (-EPERM here is one) */
	if (r == -EPERM)
		return wgf_error_set(err, -EACCES, "%s is readable by group or others; run chmod 600 %s", o->key_file,
				     o->key_file);
	if (r < 0)
		return wgf_error_set(err, r, "key file %s: %s", o->key_file, keyfile_host_strerror(r));
	r = key_public_from_private(pub, priv);
	if (r == 0 && memcmp(pub, h->public_key, WG_KEY_LEN))
		*next_key = take_next_key(h, o, priv, pub) > 0;
	if (r == 0 && memcmp(pub, h->public_key, WG_KEY_LEN))
		r = wgf_error_set(err, -EPERM, "host \"%s\": refused: the plan is for the key %s, but %s holds the key "
				  "of %s; nothing was changed", h->name, key_to_base64(h->public_key, want), o->key_file,
				  key_to_base64(pub, have));
	for (size_t i = 0; r == 0 && i < desired->n_devices; i++) {
		struct hs_device *d = &desired->devices[i];

		if (!d->has_private_key)
			continue;
		if (memcmp(d->public_key, pub, WG_KEY_LEN)) {
			r = wgf_error_set(err, -EPERM, "host \"%s\": refused: interface %s is planned with the key %s, "
					  "not this host's; nothing was changed", h->name, d->ifname,
					  key_to_base64(d->public_key, want));
			break;
		}
		memcpy(d->private_key, priv, WG_KEY_LEN);
		d->private_key_withheld = false;
		keyed = true;
	}
	/* a plan that leaves the device key alone switches no key file */
	*next_key = *next_key && keyed;
	sodium_memzero(priv, sizeof(priv));
	return r;
}

/* Opens one saved PSK with the sealing key pair: it must be the key its id names. */
static int open_psk(const struct saved_plan_host *h, const struct hs_device *d, struct hs_peer *p,
		    const uint8_t pub[SEAL_KEY_LEN], const uint8_t priv[SEAL_KEY_LEN], struct wgf_error *err)
{
	char b64[WG_KEY_B64_LEN];
	uint8_t id[SEAL_ID_LEN];
	int r = seal_open(p->psk_sealed, pub, priv, p->psk);

	if (r == 0) {
		seal_psk_id(p->psk, id);
		if (sodium_memcmp(id, p->psk_id, SEAL_ID_LEN))
			r = -EKEYREJECTED;
	}
	if (r == 0) {
		p->psk_withheld = false;
		return 0;
	}
	sodium_memzero(p->psk, sizeof(p->psk));
	key_to_base64(p->public_key, b64);
	return wgf_error_set(err, -EPERM, "host \"%s\": refused: the preshared key of peer %s on %s %s; nothing was "
			     "changed", h->name, b64, d->ifname,
			     r == -ENOKEY ? "is sealed to another sealing key than this host's (`wgf secret reseal`, "
					    "then make a new plan)" :
			     r == -EKEYREJECTED ? "is not the key its id names (a swapped or tampered value)" :
			     "does not open with this host's sealing key (tampered)");
}

/* The PSKs the plan sets, opened with this host's sealing key when it has one;
 * without one they stay withheld (apply refuses to set such a PSK). */
static int fill_psks(const struct saved_plan_host *h, const struct saved_apply_opts *o, struct plan *plan,
		     struct wgf_error *err)
{
	uint8_t priv[SEAL_KEY_LEN], pub[SEAL_KEY_LEN];
	bool have = false;
	int r = 0;

	for (size_t i = 0; r == 0 && i < plan->n_actions; i++) {
		const struct plan_action *a = &plan->actions[i];
		struct hs_device *d;
		struct hs_peer *p;

		if (a->obj != PLAN_OBJ_PEER || !a->peer_desired || !a->u.peer.set_psk)
			continue;
		d = hoststate_find_device(plan->desired, a->ifname);
		p = d ? hs_device_find_peer(d, a->peer_desired->public_key) : NULL;
		if (!p || !p->has_psk || !p->psk_withheld || !p->psk_sealed)
			continue;
		if (!have) {
			r = o->sealing_key_file ? keyfile_read(o->sealing_key_file, priv) : -ENOENT;
			if (r == -ENOENT) {
				r = 0;
				goto out;
			}
			if (r < 0) {
				r = wgf_error_set(err, r == -EPERM ? -EACCES : r, "sealing key %s: %s",
						  o->sealing_key_file, r == -EPERM ? "readable by group or others; "
						  "run chmod 600" : keyfile_strerror(r));
				goto out;
			}
			if ((r = seal_public_from_private(pub, priv)) < 0)
				goto out;
			have = true;
		}
		r = open_psk(h, d, p, pub, priv, err);
	}
out:
	sodium_memzero(priv, sizeof(priv));
	return r;
}

/* The plan made now against the saved one: the same, or why not. */
static int same_plan(const struct saved_plan_host *h, struct plan *now, struct wgf_error *err)
{
	struct plan saved = *h->plan;
	const char *why = NULL;
	char then[2 * PLAN_FINGERPRINT_LEN + 1], here[2 * PLAN_FINGERPRINT_LEN + 1];

	if (sodium_memcmp(now->fingerprint, h->fingerprint, PLAN_FINGERPRINT_LEN)) {
		sodium_bin2hex(then, sizeof(then), h->fingerprint, PLAN_FINGERPRINT_LEN);
		sodium_bin2hex(here, sizeof(here), now->fingerprint, PLAN_FINGERPRINT_LEN);
		return wgf_error_set(err, -EPERM, "host \"%s\": refused: the plan is stale: what the host has changed "
				     "since it was made (fingerprint %.16s… then, %.16s… now); nothing was changed; "
				     "make a new plan", h->name, then, here);
	}
	/* peer notices say why, they are not carried out */
	saved.notices = (struct peer_notices){0};
	if (!(now->source = h->plan->source ? strdup(h->plan->source) : NULL) && h->plan->source)
		return wgf_error_set(err, -ENOMEM, NULL);
	if (!plan_equal(now, &saved, &why))
		return wgf_error_set(err, -EPERM, "host \"%s\": refused: the plan is stale: made again on this host "
				     "it differs from the saved one (%s); nothing was changed; make a new plan",
				     h->name, why);
	return 0;
}

int saved_apply_prepare(const struct saved_plan *sp, const struct saved_plan_host *h,
			const struct saved_apply_opts *o, struct plan **plan, struct kernel **k, bool *refused,
			struct wgf_error *err)
{
	struct pipeline_opts po = { .state_dir = o->state_dir, .warn = o->warn };
	struct pipeline *pl = NULL;
	struct host_state *desired = NULL;
	bool next_key = false;
	char *source;
	int r;

	*plan = NULL;
	*k = NULL;
	*refused = true;
	if (strcmp(sp->wgf_version, WGF_VERSION))
		return wgf_error_set(err, -EPERM, "host \"%s\": refused: the plan was made by wgf %s, this is wgf %s; "
				     "nothing was changed; make a new plan with this wgf", h->name, sp->wgf_version,
				     WGF_VERSION);
	r = saved_used_check(o->state_dir, h->id);
	if (r > 0)
		return wgf_error_set(err, -EPERM, "host \"%s\": refused: saved plan %s was applied on this host before "
				     "(a saved plan is used once); nothing was changed", h->name, h->id);
	*refused = false;
	if (r < 0)
		return wgf_error_set(err, r, "reading %s/%s: %s", o->state_dir, SAVED_USED_FILE, strerror(-r));
	if (!(desired = hoststate_dup(h->desired)))
		return wgf_error_set(err, -ENOMEM, NULL);
	r = fill_key(h, o, desired, &next_key, err);
	*refused = r == -EPERM;
	if (r < 0 || (r = pipeline_begin(o->state_dir, &pl, err)) < 0)
		goto out;
	r = pipeline_plan_saved(pl, h->name, desired, &po, plan, k, err);
	desired = NULL;
	if (r < 0)
		goto out;
	r = same_plan(h, *plan, err);
	/* only the keys the plan sets are opened, once it is the saved one */
	if (r == 0)
		r = fill_psks(h, o, *plan, err);
	*refused = r == -EPERM;
	if (r < 0)
		goto out;
	/* the journal names the saved plan and its source */
	source = str_printf("saved plan %s, %s", h->id, (*plan)->source ? (*plan)->source : "(source unknown)");
	if (!source) {
		r = wgf_error_set(err, -ENOMEM, NULL);
		goto out;
	}
	free((*plan)->source);
	(*plan)->source = source;
	(*plan)->next_key = next_key;
out:
	if (r < 0) {
		plan_free(*plan);
		kernel_free(*k);
		*plan = NULL;
		*k = NULL;
	}
	hoststate_free(desired);
	pipeline_free(pl);
	return r;
}
