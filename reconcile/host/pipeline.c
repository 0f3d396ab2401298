#include "reconcile/host/pipeline.h"
#include "render/doctor.h"
#include "render/exits.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "model/seal.h"
#include "model/str.h"
#include "reconcile/host/journal.h"
#include "reconcile/host/hub_probe.h"
#include "reconcile/host/keyfile.h"
#include "reconcile/host/keyrotate.h"
#include "reconcile/host/observe.h"
#include "reconcile/host/snapshot.h"

void pipeline_host_clear(struct pipeline_host *ph)
{
	sodium_memzero(ph->private_key, sizeof(ph->private_key));
	sodium_memzero(ph->sealing_priv, sizeof(ph->sealing_priv));
	sodium_memzero(ph->sealing_pub, sizeof(ph->sealing_pub));
	ph->has_private_key = ph->next_key = ph->has_sealing_key = false;
	ph->host = NULL;
}

static void warnf(const struct pipeline_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warnf(const struct pipeline_opts *o, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	if (!o->warn)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) >= 0)
		o->warn(msg);
	va_end(ap);
	free(msg);
}

/* The keys this host has: the key file's and the prepared next one's public halves. */
struct host_keys {
	bool has_current, has_next;
	uint8_t current[WG_KEY_LEN], next[WG_KEY_LEN];
};

static int select_host(const struct model *m, const struct pipeline_opts *o, const struct host_keys *keys,
		       const struct model_host **out, struct wgf_error *err)
{
	const struct model_host *h;
	char hostname[256] = "";

	if (o->host) {
		*out = model_find_host(m, o->host);
		if (!*out)
			return wgf_error_set(err, -ENOENT, "no Host named \"%s\" in %s", o->host, m->source);
		return 0;
	}
	if (keys->has_current && (*out = model_find_host_by_key(m, keys->current)))
		return 0;
	if (keys->has_next && (*out = model_find_host_by_key(m, keys->next)))
		return 0;
	if (gethostname(hostname, sizeof(hostname)) == 0) {
		hostname[sizeof(hostname) - 1] = '\0';
		hostname[strcspn(hostname, ".")] = '\0';
		h = model_find_host(m, hostname);
		if (h) {
			*out = h;
			return 0;
		}
	}
	return wgf_error_set(err, -ENOENT, "which host is this? No Host matches the key in %s or the "
			     "hostname \"%s\"; pass --host NAME", o->key_file, hostname);
}

static int check_key_matches(const struct model_host *h, const struct host_keys *keys, const struct pipeline_opts *o,
			     struct wgf_error *err)
{
	char have[WG_KEY_B64_LEN], want[WG_KEY_B64_LEN], next[WG_KEY_B64_LEN];

	if (!memcmp(keys->current, h->public_key, WG_KEY_LEN))
		return 0;
	if (keys->has_next && !memcmp(keys->next, h->public_key, WG_KEY_LEN))
		return 1;
	key_to_base64(h->public_key, want);
	key_to_base64(keys->current, have);
	if (keys->has_next)
		return wgf_error_set(err, -EINVAL, "%s:%u:%u: Host \"%s\" declares publicKey %s, but the private "
				     "key in %s belongs to %s and the prepared key in %s (`wgf host rotate`) to %s",
				     h->meta.loc.file, h->meta.loc.line, h->meta.loc.col, h->meta.name, want,
				     o->key_file, have, o->next_key_file, key_to_base64(keys->next, next));
	return wgf_error_set(err, -EINVAL, "%s:%u:%u: Host \"%s\" declares publicKey %s, but the private key in "
			     "%s belongs to %s (to rotate this host's key, run `wgf host rotate` here and commit the "
			     "public key it prints)", h->meta.loc.file, h->meta.loc.line, h->meta.loc.col,
			     h->meta.name, want, o->key_file, have);
}

/* Reads a key file that may be missing into key (and its public half into
 * pub, when given): 1 read, 0 missing, or a negative errno (said). */
static int read_optional_key(const char *path, const char *what, uint8_t key[WG_KEY_LEN], uint8_t *pub,
			     struct wgf_error *err)
{
	int r = keyfile_read(path, key);

	if (r == -ENOENT)
		return 0;
	if (r == 0 && pub && key_public_from_private(pub, key) < 0)
		r = -EINVAL;
	if (r == -EPERM)
		return wgf_error_set(err, r, "%s %s is readable by group or others; run chmod 600 %s", what, path, path);
	if (r < 0)
		return wgf_error_set(err, r, "%s %s: %s", what, path, keyfile_host_strerror(r));
	return 1;
}

/* The sealing key pair, when this host has one. */
static int read_sealing_key(const struct pipeline_opts *o, struct pipeline_host *out, struct wgf_error *err)
{
	int r;

	if (!o->sealing_key_file)
		return 0;
	r = read_optional_key(o->sealing_key_file, "sealing key", out->sealing_priv, NULL, err);
	if (r <= 0)
		return r;
	r = seal_public_from_private(out->sealing_pub, out->sealing_priv);
	if (r < 0)
		return wgf_error_set(err, r, "sealing key %s: not an X25519 key", o->sealing_key_file);
	out->has_sealing_key = true;
	if (out->host && out->host->has_sealing_key && sodium_memcmp(out->host->sealing_key, out->sealing_pub, 32)) {
		char have[WG_KEY_B64_LEN], want[WG_KEY_B64_LEN];

		warnf(o, "%s:%u:%u: Host \"%s\" declares sealingKey %s, but the sealing key in %s is %s's: "
		      "what is sealed to the Host cannot be opened here", out->host->meta.loc.file,
		      out->host->meta.loc.line, out->host->meta.loc.col, out->host->meta.name,
		      key_to_base64(out->host->sealing_key, want), o->sealing_key_file,
		      key_to_base64(out->sealing_pub, have));
	}
	return 0;
}

int pipeline_identify(const struct model *m, const struct pipeline_opts *o, struct pipeline_host *out,
		      struct wgf_error *err)
{
	struct host_keys keys = {0};
	uint8_t next[WG_KEY_LEN];
	int r;

	memset(out, 0, sizeof(*out));
	r = o->key_file ? keyfile_read(o->key_file, out->private_key) : -ENOENT;
	if (!o->key_file) {
		r = 0;
	} else if (r == 0) {
		out->has_private_key = true;
		keys.has_current = key_public_from_private(keys.current, out->private_key) == 0;
	} else if (r == -ENOENT && !o->need_key && !o->key_file_given) {
		warnf(o, "no private key at %s (run `wgf host init`); the plan leaves the device key alone",
		      o->key_file);
	} else if (r == -EPERM) {
		return wgf_error_set(err, r, "%s is readable by group or others; run chmod 600 %s",
				     o->key_file, o->key_file);
	} else {
		return wgf_error_set(err, r, "key file %s: %s", o->key_file, keyfile_host_strerror(r));
	}
	r = 0;
	if (keys.has_current && o->next_key_file)
		r = read_optional_key(o->next_key_file, "prepared key", next, keys.next, err);
	keys.has_next = r > 0;
	if (r >= 0)
		r = select_host(m, o, &keys, &out->host, err);
	if (r == 0 && keys.has_current)
		r = check_key_matches(out->host, &keys, o, err);
	if (r == 1) {
		/* the Host names the prepared key: plan with it */
		memcpy(out->private_key, next, WG_KEY_LEN);
		out->next_key = true;
		r = 0;
	}
	if (r == 0)
		r = read_sealing_key(o, out, err);
	sodium_memzero(next, sizeof(next));
	if (r < 0)
		pipeline_host_clear(out);
	return r;
}

/* The desired state of ph's Host and the notices about its peers. */
static int render_desired(const struct model *m, const struct pipeline_host *ph, const struct pipeline_opts *o,
			  struct host_state **desired, struct peer_notices *notices, struct wgf_error *err)
{
	/* without the sealing key: preshared keys are compared by their ids, and
	 * only those a plan sets are opened (open_planned_psks) */
	struct render_opts ro = {
		.now = o->now, .private_key = ph->has_private_key ? ph->private_key : NULL, .hub_down = o->hub_down,
		.fw_cache = o->fw_cache, .err = err,
	};
	struct peer_notice_opts no = { .now = o->now, .warn_days = o->expiry_warning, .host = ph->host };
	int r;

	/* an error render says (file:line:col) is kept: the first one set wins */
	r = render_host(m, ph->host, &ro, desired);
	if (r < 0)
		return wgf_error_set(err, r, "rendering host \"%s\": %s", ph->host->meta.name, strerror(-r));
	free((*desired)->host_name);
	(*desired)->host_name = strdup(ph->host->meta.name);
	if (!(*desired)->host_name)
		return wgf_error_set(err, -ENOMEM, NULL);
	r = peer_notices_collect(m, &no, notices);
	if (r < 0)
		return wgf_error_set(err, r, "listing the peers left out: %s", strerror(-r));
	return 0;
}

/* What a saved plan carries beside the plan: the source's ids, the Host's
 * key, and (asked for) the fingerprint of what was observed. */
static int saved_fields(struct plan *p, const struct model *m, const struct model_host *h,
			const struct pipeline_opts *o, const struct statedir_records *rec)
{
	static const struct statedir_records none;

	if ((m->commit && !(p->commit = strdup(m->commit))) || (m->tree && !(p->tree = strdup(m->tree))))
		return -ENOMEM;
	p->has_host_key = true;
	memcpy(p->host_key, h->public_key, WG_KEY_LEN);
	if (o->fingerprint) {
		snapshot_fingerprint(h->meta.name, p->observed, rec ? rec : &none, p->desired, p->fingerprint);
		p->has_fingerprint = true;
	}
	return 0;
}

/* Takes desired, observed and notices whatever it returns. */
static int diff_desired(const struct model *m, const struct model_host *h, const struct pipeline_opts *o,
			struct host_state *desired, struct host_state *observed, const struct statedir_records *rec,
			struct peer_notices *notices, struct plan **plan, struct wgf_error *err)
{
	struct diff_opts dopts = {0};
	struct render_exits ex;
	int r;

	if (rec) {
		dopts.owned_ifnames = (const char *const *)rec->owned.ifnames;
		dopts.n_owned = rec->owned.n;
		dopts.declared = rec->declared;
		dopts.fw_applied = rec->fw_applied;
	}
	free(observed->host_name);
	observed->host_name = strdup(h->meta.name);
	r = plan_dns_check(desired, observed, err);
	if (r < 0) {
		hoststate_free(desired);
		hoststate_free(observed);
		peer_notices_clear(notices);
		return r;
	}
	r = diff_host_states(desired, observed, &dopts, plan);
	if (r < 0) {
		peer_notices_clear(notices);
		return wgf_error_set(err, r, "computing the plan: %s", strerror(-r));
	}
	(*plan)->notices = *notices;
	*notices = (struct peer_notices){0};
	r = render_exits(m, h, &ex);
	if (r >= 0)
		r = plan_exit_groups_make(&ex, (*plan)->observed, &(*plan)->exit_groups);
	render_exits_clear(&ex);
	if (r < 0) {
		plan_free(*plan);
		*plan = NULL;
		return wgf_error_set(err, r, NULL);
	}
	free((*plan)->host_name);
	(*plan)->host_name = strdup(h->meta.name);
	(*plan)->source = strdup(m->source);
	if (!(*plan)->host_name || !(*plan)->source || saved_fields(*plan, m, h, o, rec) < 0) {
		plan_free(*plan);
		*plan = NULL;
		return wgf_error_set(err, -ENOMEM, NULL);
	}
	return 0;
}

/* A host converged on base's desired state for hb, as a plan observes it:
 * every interface there and owned by wgf, the endpoints declared, the table
 * applied as rendered. hb NULL: a host that has nothing yet. */
static int converged_on(const struct model *base, const struct model_host *hb, const struct pipeline_opts *o,
			struct host_state **observed, struct statedir_records *rec, struct wgf_error *err)
{
	struct pipeline_host ph = { .host = hb };
	struct peer_notices notices = {0};
	struct host_state *d = NULL;
	int r = 0;

	*observed = NULL;
	if (!hb)
		return (*observed = hoststate_new()) ? 0 : wgf_error_set(err, -ENOMEM, NULL);
	r = render_desired(base, &ph, o, &d, &notices, err);
	peer_notices_clear(&notices);
	if (r < 0)
		goto out;
	if (!(*observed = hoststate_dup(d)) || !(rec->declared = hoststate_dup(d)) ||
	    !(rec->owned.ifnames = calloc(d->n_devices + 1, sizeof(char *)))) {
		r = wgf_error_set(err, -ENOMEM, NULL);
		goto out;
	}
	for (size_t i = 0; i < d->n_devices; i++) {
		struct hs_device *od = &(*observed)->devices[i];

		od->exists = true;
		if (od->backend == HS_BACKEND_AUTO)
			od->backend = HS_BACKEND_KERNEL;
		if (!(rec->owned.ifnames[rec->owned.n++] = strdup(d->devices[i].ifname))) {
			r = wgf_error_set(err, -ENOMEM, NULL);
			goto out;
		}
	}
	if (d->firewall.present && (r = fw_record_new(&d->firewall, d->firewall.body, &rec->fw_applied)) < 0)
		wgf_error_set(err, r, NULL);
out:
	hoststate_free(d);
	if (r < 0) {
		hoststate_free(*observed);
		*observed = NULL;
	}
	return r;
}

int pipeline_plan_base(const struct model *base, const struct model *head, const char *host,
		       const struct pipeline_opts *o, struct host_state *seen, const struct statedir_records *seen_rec,
		       struct plan **plan, struct wgf_error *err)
{
	const struct model_host *hb = base ? model_find_host(base, host) : NULL, *hh = model_find_host(head, host);
	struct statedir_records rec = {0};
	struct host_state *observed = NULL, *none = NULL;
	struct peer_notices notices = {0};
	struct pipeline_host ph = { .host = hh };
	int r;

	*plan = NULL;
	if (!hb && !hh) {
		hoststate_free(seen);
		return wgf_error_set(err, -ENOENT, "no Host named \"%s\"", host);
	}
	if (seen)
		observed = seen;
	else if ((r = converged_on(base, hb, o, &observed, &rec, err)) < 0)
		goto out;
	if (hh) {
		r = pipeline_plan_observed(head, &ph, o, observed, seen ? seen_rec : &rec, plan, err);
	} else if (!(none = hoststate_new())) {
		hoststate_free(observed);
		r = wgf_error_set(err, -ENOMEM, NULL);
	} else {
		/* a Host removed: everything it had goes */
		r = diff_desired(base, hb, o, none, observed, seen ? seen_rec : &rec, &notices, plan, err);
	}
out:
	statedir_records_clear(&rec);
	return r;
}

int pipeline_plan_observed(const struct model *m, const struct pipeline_host *ph,
			   const struct pipeline_opts *o, struct host_state *observed,
			   const struct statedir_records *rec, struct plan **plan, struct wgf_error *err)
{
	struct host_state *desired = NULL;
	struct peer_notices notices = {0};
	int r;

	*plan = NULL;
	r = render_desired(m, ph, o, &desired, &notices, err);
	if (r < 0) {
		hoststate_free(desired);
		hoststate_free(observed);
		peer_notices_clear(&notices);
		return r;
	}
	r = diff_desired(m, ph->host, o, desired, observed, rec, &notices, plan, err);
	if (r == 0)
		(*plan)->next_key = ph->next_key;
	return r;
}

/* Reading wireguard-go's state of thousands of peers takes as long as loading the
 * repository, and the two are independent for the interfaces wgf already owns: on a
 * converged host those are all the desired ones. So they are observed on a second
 * thread while the model loads; anything else is observed afterwards. */
struct pipeline {
	const char *state_dir;
	struct statedir_records rec;
	pthread_t thread;
	bool started;
	struct host_state *early;      /* what the thread observed */
	int early_r;
};

static void *early_observe_run(void *arg)
{
	struct pipeline *pl = arg;
	struct observe_opts oo = {
		.ifnames = (const char *const *)pl->rec.owned.ifnames, .n_ifnames = pl->rec.owned.n,
	};
	struct kernel *k = NULL;

	pl->early_r = kernel_open(&k, NULL);
	if (pl->early_r >= 0)
		pl->early_r = observe_host(k, &oo, &pl->early, NULL);
	kernel_free(k);
	return NULL;
}

static void early_join(struct pipeline *pl)
{
	if (pl->started)
		pthread_join(pl->thread, NULL);
	pl->started = false;
}

int pipeline_begin(const char *state_dir, struct pipeline **out, struct wgf_error *err)
{
	struct pipeline *pl = calloc(1, sizeof(*pl));
	int r;

	*out = NULL;
	if (!pl)
		return wgf_error_set(err, -ENOMEM, NULL);
	pl->state_dir = state_dir;
	r = statedir_owned_load(state_dir, &pl->rec.owned);
	if (r < 0) {
		free(pl);
		return wgf_error_set(err, r, "reading %s: %s", state_dir, strerror(-r));
	}
	if (pl->rec.owned.n)
		pl->started = pthread_create(&pl->thread, NULL, early_observe_run, pl) == 0;
	*out = pl;
	return 0;
}

void pipeline_free(struct pipeline *pl)
{
	if (!pl)
		return;
	early_join(pl);
	hoststate_free(pl->early);
	statedir_records_clear(&pl->rec);
	free(pl);
}

static int add_name(const char ***names, size_t *n, const char *name)
{
	const char **p;

	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*names)[i], name))
			return 0;
	p = realloc(*names, (*n + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	*names = p;
	p[(*n)++] = name;
	return 0;
}

static bool early_covers(const struct pipeline *pl, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bool found = false;
		for (size_t j = 0; j < pl->rec.owned.n && !found; j++)
			found = !strcmp(names[i], pl->rec.owned.ifnames[j]);
		if (!found)
			return false;
	}
	return true;
}

/* The early observation completed with this host's sysctls: the same as one
 * observe_host() of every name. */
static int take_early(struct pipeline *pl, struct kernel *k, const struct host_state *desired,
		      struct host_state **out, struct wgf_error *err)
{
	char value[64];
	int r;

	for (size_t i = 0; i < desired->n_sysctls; i++) {
		const char *key = desired->sysctls[i].key;
		r = kernel_sysctl_read(k, key, value, sizeof(value), NULL);
		if (r < 0)
			return wgf_error_set(err, r, "observing this host: reading sysctl %s: %s", key, strerror(-r));
		if ((r = hoststate_add_sysctl(pl->early, key, value)) < 0)
			return wgf_error_set(err, r, NULL);
	}
	hoststate_normalize(pl->early);
	*out = pl->early;
	pl->early = NULL;
	return 0;
}

static char **strv_dup(const char *const *v, size_t n)
{
	char **out = calloc(n + 1, sizeof(*out));

	for (size_t i = 0; out && i < n; i++)
		if (!(out[i] = strdup(v[i]))) {
			while (i--)
				free(out[i]);
			free(out);
			return NULL;
		}
	return out;
}

/* What is about to be observed, for the converged record (whether the table
 * is, observe_local says once it has loaded the record). */
static int converged_scope(struct converged *c, const char *const *names, size_t n_names,
			   const char *const *keys, size_t n_keys)
{
	if (!(c->ifnames = strv_dup(names, n_names)) || !(c->sysctl_keys = strv_dup(keys, n_keys)))
		return -ENOMEM;
	c->n_ifnames = n_names;
	c->n_sysctl_keys = n_keys;
	return 0;
}

/* This host's interfaces (desired and owned), wgf's sysctls, and its table. */
static int observe_local(struct pipeline *pl, const struct pipeline_opts *o, struct kernel *k,
			 const struct host_state *desired, struct host_state **out, struct wgf_error *err)
{
	struct observe_opts oo = {0};
	const char **names = NULL, **keys = NULL;
	size_t n_names = 0;
	int r = 0;

	*out = NULL;
	for (size_t i = 0; i < desired->n_devices && r >= 0; i++)
		r = add_name(&names, &n_names, desired->devices[i].ifname);
	for (size_t i = 0; i < pl->rec.owned.n && r >= 0; i++)
		r = add_name(&names, &n_names, pl->rec.owned.ifnames[i]);
	keys = calloc(desired->n_sysctls + 1, sizeof(*keys));
	if (r < 0 || !keys) {
		r = wgf_error_set(err, -ENOMEM, NULL);
		goto out;
	}
	for (size_t i = 0; i < desired->n_sysctls; i++)
		keys[i] = desired->sysctls[i].key;
	if (o->converged && (r = converged_scope(o->converged, names, n_names, (const char *const *)keys,
						 desired->n_sysctls)) < 0) {
		wgf_error_set(err, r, NULL);
		goto out;
	}
	early_join(pl);
	if (pl->early && pl->early_r >= 0 && early_covers(pl, names, n_names)) {
		r = take_early(pl, k, desired, out, err);
		if (r < 0)
			goto out;
	} else {
		oo.ifnames = names;
		oo.n_ifnames = n_names;
		oo.sysctl_keys = keys;
		oo.n_sysctl_keys = desired->n_sysctls;
		r = observe_host(k, &oo, out, err);
		if (r < 0) {
			wgf_error_prefix(err, "observing this host");
			goto out;
		}
	}
	r = statedir_endpoints_load(pl->state_dir, &pl->rec.declared);
	if (r < 0) {
		wgf_error_set(err, r, "reading %s: %s", pl->state_dir, strerror(-r));
		goto out;
	}
	r = statedir_firewall_load(pl->state_dir, &pl->rec.fw_applied);
	if (r == -EBADMSG) {
		warnf(o, "%s/firewall is damaged; the nftables table is treated as not recorded "
		      "(replaced if wanted, never deleted)", pl->state_dir);
		r = 0;
	} else if (r < 0) {
		wgf_error_set(err, r, "reading %s/firewall: %s", pl->state_dir, strerror(-r));
		goto out;
	}
	/* the table is looked at only when wgf wants it or made it */
	if (o->converged)
		o->converged->firewall = desired->firewall.present || pl->rec.fw_applied;
	if (desired->firewall.present || pl->rec.fw_applied) {
		/* before the table is read: a change after it moves the stamp */
		if (o->converged)
			o->converged->has_fw_stamp = kernel_nft_ruleset_stamp(k, &o->converged->fw_stamp) == 0;
		r = observe_firewall(k, &(*out)->firewall, pl->rec.fw_applied, err);
		if (r < 0)
			wgf_error_prefix(err, "observing this host");
	}
out:
	if (r < 0) {
		hoststate_free(*out);
		*out = NULL;
	}
	free(names);
	free(keys);
	return r;
}

/* The rest of the converged record: who, with which key, until when, and the
 * digest of what was observed. */
static int converged_fill(struct converged *c, const struct model *m, const struct pipeline_host *ph, int64_t now,
			  const struct host_state *observed, const struct statedir_records *rec, struct wgf_error *err)
{
	char b64[WG_KEY_B64_LEN];
	uint8_t pub[WG_KEY_LEN];

	c->valid_until = 0;
	for (size_t i = 0; i < m->n_peers; i++) {
		const struct model_peer *p = &m->peers[i];
		if (p->has_expires && p->expires > now && (!c->valid_until || p->expires < c->valid_until))
			c->valid_until = p->expires;
	}
	if (ph->has_private_key && key_public_from_private(pub, ph->private_key) == 0)
		c->public_key = strdup(key_to_base64(pub, b64));
	else
		c->public_key = strdup("");
	if (!(c->host = strdup(ph->host->meta.name)) || !c->public_key ||
	    snapshot_digest(ph->host->meta.name, observed, rec, c->digest) < 0)
		return wgf_error_set(err, -ENOMEM, NULL);
	return 0;
}

/* What a plan for this host is made of. */
struct plan_inputs {
	struct pipeline_host ph;
	struct host_state *desired, *observed;
	struct peer_notices notices;
	struct kernel *k;
};

static void plan_inputs_clear(struct plan_inputs *in)
{
	pipeline_host_clear(&in->ph);
	hoststate_free(in->desired);
	hoststate_free(in->observed);
	peer_notices_clear(&in->notices);
	kernel_free(in->k);
}

/* A host that applies PSKs but has no sealing key plans them by their ids only. */
/* The preshared keys the plan sets, opened with the host's sealing key. */
static int open_planned_psks(const struct model *m, const struct pipeline_host *ph, struct plan *p,
			     struct wgf_error *err)
{
	struct render_opts ro = { .sealing_pub = ph->sealing_pub, .sealing_priv = ph->sealing_priv, .err = err };
	int r = 0;

	if (!ph->has_sealing_key)
		return 0;
	for (size_t i = 0; r == 0 && i < p->n_actions; i++) {
		const struct plan_action *a = &p->actions[i];
		struct hs_device *d;
		struct hs_peer *hp;

		if (a->obj != PLAN_OBJ_PEER || !a->peer_desired || !a->u.peer.set_psk || !a->peer_desired->psk_withheld)
			continue;
		d = hoststate_find_device(p->desired, a->ifname);
		hp = d ? hs_device_find_peer(d, a->peer_desired->public_key) : NULL;
		if (hp && (r = render_open_psk(m, ph->host, &ro, hp)) < 0)
			r = wgf_error_set(err, r, "opening the preshared key of peer \"%s\": %s",
					  hp->name ? hp->name : "(unknown)", strerror(-r));
	}
	return r;
}

static void warn_withheld(const struct pipeline_opts *o, const struct pipeline_host *ph,
			  const struct host_state *desired)
{
	size_t n = 0;

	if (ph->has_sealing_key)
		return;
	for (size_t i = 0; i < desired->n_devices; i++)
		for (size_t j = 0; j < desired->devices[i].n_peers; j++)
			n += desired->devices[i].peers[j].psk_withheld;
	if (n)
		warnf(o, "no sealing key at %s: %zu preshared key%s withheld (compared by %s id; apply cannot set a "
		      "changed one); run `wgf host init` and commit the sealingKey it prints",
		      o->sealing_key_file ? o->sealing_key_file : "(none given)", n, n == 1 ? " is" : "s are",
		      n == 1 ? "its" : "their");
}

/* Identify the host, render its desired state, observe what this host has of it. */
static int plan_inputs(struct pipeline *pl, const struct model *m, const struct pipeline_opts *o,
		       struct plan_inputs *in, struct wgf_error *err)
{
	int r;

	struct pipeline_opts ho = *o;
	bool *down = NULL;

	r = pipeline_identify(m, o, &in->ph, err);
	if (r < 0)
		return r;
	r = kernel_open(&in->k, NULL);
	if (r < 0)
		return wgf_error_set(err, r, "opening rtnetlink: %s%s", strerror(-r),
				     r == -EPERM ? " (wgf plan needs root)" : "");
	/* which hub carries the network is observed here, on the host */
	r = hub_health(in->k, m, in->ph.host, o->warn, &down);
	if (r < 0)
		return wgf_error_set(err, r, NULL);
	ho.hub_down = down;
	r = render_desired(m, &in->ph, &ho, &in->desired, &in->notices, err);
	free(down);
	if (r < 0)
		return r;
	warn_withheld(o, &in->ph, in->desired);
	r = observe_local(pl, o, in->k, in->desired, &in->observed, err);
	if (r == 0 && o->converged)
		r = converged_fill(o->converged, m, &in->ph, o->now, in->observed, &pl->rec, err);
	if (r == 0 && o->converged && (r = converged_fw_record_digest(pl->state_dir, o->converged->fw_record_digest)) < 0)
		wgf_error_set(err, r, "reading %s/firewall: %s", pl->state_dir, strerror(-r));
	/* hub health is not in what a converged host records: replan it every run */
	if (r == 0 && o->converged && in->ph.host->n_hubs > 1)
		o->converged->valid_until = o->now > 0 ? o->now : 1;
	return r;
}

int pipeline_plan(struct pipeline *pl, const struct model *m, const struct pipeline_opts *o,
		  struct plan **plan, struct kernel **kp, struct wgf_error *err)
{
	struct plan_inputs in = {0};
	int r;

	*plan = NULL;
	*kp = NULL;
	r = plan_inputs(pl, m, o, &in, err);
	if (r < 0)
		goto out;
	r = diff_desired(m, in.ph.host, o, in.desired, in.observed, &pl->rec, &in.notices, plan, err);
	in.desired = in.observed = NULL;
	if (r == 0 && (r = open_planned_psks(m, &in.ph, *plan, err)) < 0) {
		plan_free(*plan);
		*plan = NULL;
	}
	if (r < 0)
		goto out;
	(*plan)->next_key = in.ph.next_key;
	*kp = in.k;
	in.k = NULL;
out:
	plan_inputs_clear(&in);
	return r;
}

int pipeline_snapshot(struct pipeline *pl, const struct model *m, const struct pipeline_opts *o,
		      struct json_object **out, struct wgf_error *err)
{
	struct plan_inputs in = {0};
	int r;

	*out = NULL;
	r = plan_inputs(pl, m, o, &in, err);
	if (r == 0 && !(*out = snapshot_to_json(in.ph.host->meta.name, in.observed, &pl->rec)))
		r = wgf_error_set(err, -ENOMEM, NULL);
	plan_inputs_clear(&in);
	return r;
}

int pipeline_plan_saved(struct pipeline *pl, const char *host, struct host_state *desired,
			const struct pipeline_opts *o, struct plan **plan, struct kernel **kp, struct wgf_error *err)
{
	struct diff_opts dopts = {0};
	struct host_state *observed = NULL;
	struct kernel *k = NULL;
	int r;

	*plan = NULL;
	*kp = NULL;
	r = kernel_open(&k, NULL);
	if (r < 0) {
		wgf_error_set(err, r, "opening rtnetlink: %s%s", strerror(-r), r == -EPERM ? " (wgf apply needs root)" : "");
		goto out;
	}
	r = observe_local(pl, o, k, desired, &observed, err);
	if (r < 0)
		goto out;
	dopts.owned_ifnames = (const char *const *)pl->rec.owned.ifnames;
	dopts.n_owned = pl->rec.owned.n;
	dopts.declared = pl->rec.declared;
	dopts.fw_applied = pl->rec.fw_applied;
	r = plan_dns_check(desired, observed, err);
	if (r < 0)
		goto out;
	r = diff_host_states(desired, observed, &dopts, plan);
	desired = observed = NULL;
	if (r < 0) {
		wgf_error_set(err, r, "computing the plan: %s", strerror(-r));
		goto out;
	}
	snapshot_fingerprint(host, (*plan)->observed, &pl->rec, (*plan)->desired, (*plan)->fingerprint);
	(*plan)->has_fingerprint = true;
	if (!((*plan)->host_name = strdup(host))) {
		r = wgf_error_set(err, -ENOMEM, NULL);
		goto out;
	}
	*kp = k;
	k = NULL;
out:
	if (r < 0) {
		plan_free(*plan);
		*plan = NULL;
	}
	hoststate_free(desired);
	hoststate_free(observed);
	kernel_free(k);
	return r;
}

int pipeline_converged_check(const char *state_dir, const struct converged *c, bool *same, struct wgf_error *err)
{
	struct observe_opts oo = {
		.ifnames = (const char *const *)c->ifnames, .n_ifnames = c->n_ifnames,
		.sysctl_keys = (const char *const *)c->sysctl_keys, .n_sysctl_keys = c->n_sysctl_keys,
	};
	struct statedir_records rec = {0};
	struct host_state *hs = NULL;
	struct kernel *k = NULL;
	struct hs_fw_stamp stamp;
	uint8_t digest[SNAPSHOT_DIGEST_LEN];
	int r;

	*same = false;
	/* the table: the same record, and nothing committed to the ruleset since */
	r = converged_fw_record_digest(state_dir, digest);
	if (r < 0 || sodium_memcmp(digest, c->fw_record_digest, sizeof(digest)))
		return 0;
	if ((r = statedir_owned_load(state_dir, &rec.owned)) < 0 ||
	    (r = statedir_endpoints_load(state_dir, &rec.declared)) < 0) {
		wgf_error_set(err, r, "reading %s: %s", state_dir, strerror(-r));
		goto out;
	}
	r = kernel_open(&k, NULL);
	if (r < 0) {
		wgf_error_set(err, r, "opening rtnetlink: %s", strerror(-r));
		goto out;
	}
	if (c->firewall && (!c->has_fw_stamp || kernel_nft_ruleset_stamp(k, &stamp) < 0 ||
			    !fw_record_stamp_equal(&stamp, &c->fw_stamp)))
		goto out;
	r = observe_host(k, &oo, &hs, err);
	if (r < 0) {
		wgf_error_prefix(err, "observing this host");
		goto out;
	}
	r = snapshot_digest(c->host, hs, &rec, digest);
	if (r < 0) {
		wgf_error_set(err, r, NULL);
		goto out;
	}
	*same = sodium_memcmp(digest, c->digest, sizeof(digest)) == 0;
out:
	hoststate_free(hs);
	kernel_free(k);
	statedir_records_clear(&rec);
	return r;
}

/* A record of a table that is neither wanted nor there any more is stale: without
 * it, a table someone else creates under that name later is never deleted. */
static void forget_firewall(const char *state_dir, const struct plan *p)
{
	if (!p->desired->firewall.present && !p->observed->firewall.present)
		statedir_firewall_remove(state_dir);
}

/* Journals an apply that was carried out (r: what apply_plan returned). */
static void journal_apply(const struct apply_opts *ao, const struct plan *p, int r, const struct apply_result *res,
			  void (*warn)(const char *msg))
{
	struct journal_entry e = {
		.host = p->host_name,
		.source = p->source,
		.revision = ao->revision,
		.signer_principal = ao->signer_principal,
		.signer_fingerprint = ao->signer_fingerprint,
		.result = r == 0 ? JOURNAL_APPLIED : res->rolled_back ? JOURNAL_ROLLED_BACK : JOURNAL_FAILED,
		.n_create = p->n_create,
		.n_update = p->n_update,
		.n_delete = p->n_delete,
		.reason = wgf_error_is_set(&res->error) ? wgf_error_message(&res->error) : NULL,
	};
	char *msg;
	int jr = journal_append(ao->state_dir, &e);

	if (jr < 0 && warn && (msg = str_printf("recording the apply in %s/%s: %s", ao->state_dir, JOURNAL_FILE,
						strerror(-jr)))) {
		warn(msg);
		free(msg);
	}
}

static void warn_msg(void (*warn)(const char *msg), char *msg)
{
	if (warn && msg)
		warn(msg);
	free(msg);
}

/* The device runs the prepared next key now: it becomes the key file, and the
 * rotation is journaled. */
static void switch_key(const struct apply_opts *ao, const struct plan *p, void (*warn)(const char *msg))
{
	struct journal_entry e = {
		.host = p->host_name, .source = p->source, .revision = ao->revision,
		.signer_principal = ao->signer_principal, .signer_fingerprint = ao->signer_fingerprint,
		.result = JOURNAL_KEY_ROTATED,
	};
	const struct hs_device *d = NULL;
	uint8_t old_pub[WG_KEY_LEN], new_pub[WG_KEY_LEN];
	char fo[WG_KEY_FP_LEN], fn[WG_KEY_FP_LEN], *reason = NULL;
	int r = -EINVAL;

	for (size_t i = 0; i < p->desired->n_devices && !d; i++)
		if (p->desired->devices[i].has_private_key && !p->desired->devices[i].private_key_withheld)
			d = &p->desired->devices[i];
	/* the key the device was given: the prepared one, unless prepared again since */
	if (d && ao->key_file && ao->next_key_file && key_public_from_private(new_pub, d->private_key) == 0)
		r = keyrotate_switch(ao->key_file, ao->next_key_file, new_pub, old_pub);
	if (r < 0) {
		warn_msg(warn, str_printf("the device runs the prepared key, but making %s the key file %s failed: "
					  "%s; the next apply tries again", ao->next_key_file ? ao->next_key_file : "it",
					  ao->key_file ? ao->key_file : "", strerror(-r)));
		return;
	}
	reason = str_printf("publicKey %s replaced by %s: the prepared key %s is now %s (the old one is %s%s)",
			    key_fingerprint(old_pub, fo), key_fingerprint(new_pub, fn), ao->next_key_file,
			    ao->key_file, ao->key_file, KEYROTATE_PREVIOUS_SUFFIX);
	e.reason = reason;
	if (!reason || (r = journal_append(ao->state_dir, &e)) < 0)
		warn_msg(warn, str_printf("recording the key rotation in %s/%s: %s", ao->state_dir, JOURNAL_FILE,
					  strerror(reason ? -r : ENOMEM)));
	free(reason);
}

int pipeline_apply(struct kernel *k, const struct plan *p, const struct apply_opts *ao,
		   void (*warn)(const char *msg), struct apply_result *res)
{
	char *msg;
	int r, sr;

	if (plan_is_empty(p)) {
		/* an older wgf may not have recorded the declared endpoints yet */
		statedir_endpoints_save(ao->state_dir, p->desired);
		forget_firewall(ao->state_dir, p);
		if (p->next_key)
			switch_key(ao, p, warn);
		return 0;
	}
	r = apply_plan(k, p, ao, res);
	journal_apply(ao, p, r, res, warn);
	if (r < 0)
		return r;
	sr = statedir_endpoints_save(ao->state_dir, p->desired);
	if (sr < 0 && warn && (msg = str_printf("recording the declared endpoints in %s: %s", ao->state_dir,
						strerror(-sr)))) {
		warn(msg);
		free(msg);
	}
	forget_firewall(ao->state_dir, p);
	if (p->next_key)
		switch_key(ao, p, warn);
	if (res->warning && warn)
		warn(res->warning);
	return 0;
}

/* A peer that never handshook on a device whose listen port another table
 * drops has its likely reason; the ruleset is listed only then. */
static void observe_port_blocked(struct kernel *k, struct host_state *hs)
{
	struct doctor_nft_finding f[DOCTOR_NFT_MAX_FINDINGS];
	char *json = NULL;

	for (size_t i = 0; i < hs->n_devices; i++) {
		struct hs_device *d = &hs->devices[i];
		bool never = false;
		int n;

		for (size_t j = 0; j < d->n_peers && !never; j++)
			never = !d->peers[j].last_handshake_sec;
		if (!never || !d->listen_port)
			continue;
		if (!json && kernel_nft_ruleset_json(k, &json, NULL) < 0)
			break;
		n = doctor_nft_analyse(json, strlen(json), d->ifname, d->listen_port, f, DOCTOR_NFT_MAX_FINDINGS);
		for (int x = 0; x < n; x++)
			d->port_blocked |= f[x].kind == DOCTOR_NFT_INPUT_POLICY || f[x].kind == DOCTOR_NFT_INPUT_RULE;
	}
	free(json);
}

int pipeline_status(const char *state_dir, const char *const *ifnames, size_t n_ifnames, bool why_never,
		    struct host_state **out, int *fw_drift, struct wgf_error *err)
{
	struct statedir_owned owned = {0};
	struct observe_opts oo = {0};
	struct fw_record *rec = NULL;
	struct wgf_error fw_err = {0};
	struct kernel *k = NULL;
	const char **names = NULL;
	size_t n = 0;
	int r;

	*out = NULL;
	*fw_drift = -1;
	r = statedir_owned_load(state_dir, &owned);
	if (r < 0) {
		wgf_error_set(err, r, "reading %s: %s", state_dir, strerror(-r));
		goto out;
	}
	r = -ENOMEM;
	for (size_t i = 0; i < owned.n; i++)
		if (add_name(&names, &n, owned.ifnames[i]) < 0)
			goto out;
	for (size_t i = 0; i < n_ifnames; i++)
		if (add_name(&names, &n, ifnames[i]) < 0)
			goto out;
	r = kernel_open(&k, NULL);
	if (r < 0) {
		wgf_error_set(err, r, "opening rtnetlink: %s", strerror(-r));
		goto out;
	}
	oo.ifnames = names;
	oo.n_ifnames = n;
	r = observe_host(k, &oo, out, err);
	if (r < 0) {
		wgf_error_prefix(err, "observing this host");
		goto out;
	}
	/* a damaged record reads as none; a table that cannot be read is left out */
	r = statedir_firewall_load(state_dir, &rec);
	if (r == -ENOMEM)
		goto out;
	r = observe_firewall(k, &(*out)->firewall, NULL, &fw_err);
	if (r == -ENOMEM)
		goto out;
	if (r == 0)
		*fw_drift = (int)fw_record_drift(&(*out)->firewall, rec);
	if (why_never)
		observe_port_blocked(k, *out);
	r = 0;
out:
	if (r == -ENOMEM)
		wgf_error_set(err, r, NULL);
	if (r < 0) {
		hoststate_free(*out);
		*out = NULL;
	}
	wgf_error_clear(&fw_err);
	fw_record_free(rec);
	free(names);
	kernel_free(k);
	statedir_owned_clear(&owned);
	return r;
}
