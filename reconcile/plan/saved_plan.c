#include "reconcile/plan/saved_plan.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <sodium.h>

#include "model/diag.h"
#include "reconcile/plan/json_put.h"
#include "reconcile/plan/plan_json.h"
#include "reconcile/plan/saved_plan_state.h"

#define JSON_DEPTH 64
#define COMMIT_HEX_MAX 64                      /* sha1 40, sha256 64 */

static void host_clear(struct saved_plan_host *h)
{
	free(h->name);
	hoststate_free(h->desired);
	plan_free(h->plan);
	json_object_put(h->plan_json);
	memset(h, 0, sizeof(*h));
}

void saved_plan_free(struct saved_plan *sp)
{
	if (!sp)
		return;
	for (size_t i = 0; i < sp->n_hosts; i++)
		host_clear(&sp->hosts[i]);
	free(sp->hosts);
	free(sp->wgf_version);
	free(sp->source);
	free(sp->commit);
	free(sp->tree);
	free(sp->directory);
	free(sp->signer_principal);
	free(sp->signer_fingerprint);
	free(sp);
}

static bool dup_opt(const char *s, char **out)
{
	*out = s ? strdup(s) : NULL;
	return !s || *out;
}

struct saved_plan *saved_plan_new(const char *wgf_version, const char *source, const char *commit,
				  const char *tree, const char *directory)
{
	struct saved_plan *sp = calloc(1, sizeof(*sp));

	if (!sp || !dup_opt(wgf_version, &sp->wgf_version) || !dup_opt(source, &sp->source) ||
	    !dup_opt(commit, &sp->commit) || !dup_opt(tree, &sp->tree) ||
	    !dup_opt(commit ? NULL : directory, &sp->directory)) {
		saved_plan_free(sp);
		return NULL;
	}
	return sp;
}

static bool is_hex(const char *s, size_t min, size_t max)
{
	size_t n = strspn(s, "0123456789abcdef");

	return !s[n] && n >= min && n <= max;
}

static int host_cmp(const void *a, const void *b)
{
	return strcmp(((const struct saved_plan_host *)a)->name, ((const struct saved_plan_host *)b)->name);
}

/* Room for one more entry; NULL when out of memory. */
static struct saved_plan_host *host_append(struct saved_plan *sp)
{
	struct saved_plan_host *v = realloc(sp->hosts, (sp->n_hosts + 1) * sizeof(*v));

	if (!v)
		return NULL;
	sp->hosts = v;
	memset(&v[sp->n_hosts], 0, sizeof(*v));
	return &v[sp->n_hosts++];
}

int saved_plan_add(struct saved_plan *sp, const struct plan *p, const char *id, struct wgf_error *err)
{
	struct saved_plan_host *h;
	struct json_object *desired = NULL;
	int r;

	if (!p->host_name || !p->has_fingerprint || !p->has_host_key)
		return wgf_error_set(err, -EINVAL, "a plan made without its host's fingerprint cannot be saved");
	if (!id || !is_hex(id, SAVED_PLAN_ID_LEN, SAVED_PLAN_ID_LEN))
		return wgf_error_set(err, -EINVAL, "a saved plan's id is %d hex digits", SAVED_PLAN_ID_LEN);
	if (saved_plan_find(sp, p->host_name))
		return wgf_error_set(err, -EINVAL, "host \"%s\" is in the saved plan twice", p->host_name);
	r = saved_state_to_json(p->desired, &desired, err);
	if (r < 0)
		return r;
	json_object_put(desired);   /* checked: it can be written */
	if (!(h = host_append(sp)))
		return wgf_error_set(err, -ENOMEM, NULL);
	memcpy(h->id, id, SAVED_PLAN_ID_LEN + 1);
	h->has_public_key = true;
	memcpy(h->public_key, p->host_key, WG_KEY_LEN);
	memcpy(h->fingerprint, p->fingerprint, PLAN_FINGERPRINT_LEN);
	if (!(h->name = strdup(p->host_name)) || !(h->desired = hoststate_dup(p->desired)) ||
	    !(h->plan_json = plan_to_json(p))) {
		host_clear(h);
		sp->n_hosts--;
		return wgf_error_set(err, -ENOMEM, NULL);
	}
	/* what is kept of the desired state is what is written: no private key, no PSK */
	for (size_t i = 0; i < h->desired->n_devices; i++) {
		struct hs_device *d = &h->desired->devices[i];
		if (d->has_private_key && !d->private_key_withheld) {
			key_public_from_private(d->public_key, d->private_key);
			sodium_memzero(d->private_key, sizeof(d->private_key));
			d->private_key_withheld = true;
		}
		for (size_t j = 0; j < d->n_peers; j++) {
			struct hs_peer *pp = &d->peers[j];
			if (pp->has_psk && !pp->psk_withheld) {
				pp->has_psk_id = hs_peer_psk_id(pp, pp->psk_id);
				sodium_memzero(pp->psk, sizeof(pp->psk));
				pp->psk_withheld = true;
			}
		}
	}
	qsort(sp->hosts, sp->n_hosts, sizeof(*sp->hosts), host_cmp);
	return 0;
}

const struct saved_plan_host *saved_plan_find(const struct saved_plan *sp, const char *host)
{
	for (size_t i = 0; i < sp->n_hosts; i++)
		if (!strcmp(sp->hosts[i].name, host))
			return &sp->hosts[i];
	return NULL;
}

/* ---- writing ---- */

static struct json_object *source_json(const struct saved_plan *sp)
{
	struct json_object *o = json_object_new_object();

	if (o && (json_put_str(o, "description", sp->source) < 0 || json_put_str(o, "commit", sp->commit) < 0 ||
		  json_put_str(o, "tree", sp->tree) < 0 || json_put_str(o, "directory", sp->directory) < 0 ||
		  json_put(o, "pinned", json_object_new_boolean(sp->commit != NULL)) < 0)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *host_json(const struct saved_plan_host *h)
{
	struct json_object *o = json_object_new_object(), *desired = NULL, *plan = NULL;
	char b64[WG_KEY_B64_LEN], fp[2 * PLAN_FINGERPRINT_LEN + 1];
	struct wgf_error err = {0};

	sodium_bin2hex(fp, sizeof(fp), h->fingerprint, PLAN_FINGERPRINT_LEN);
	if (saved_state_to_json(h->desired, &desired, &err) < 0 ||
	    json_object_deep_copy(h->plan_json, &plan, NULL) < 0)
		goto fail;
	if (!o || json_put_str(o, "host", h->name) < 0 || json_put_str(o, "id", h->id) < 0 ||
	    json_put_str(o, "public_key", h->has_public_key ? key_to_base64(h->public_key, b64) : NULL) < 0 ||
	    json_put_str(o, "fingerprint", fp) < 0)
		goto fail;
	if (json_put(o, "desired", desired) < 0) {
		desired = NULL;
		goto fail;
	}
	desired = NULL;
	if (json_put(o, "plan", plan) < 0) {
		plan = NULL;
		goto fail;
	}
	wgf_error_clear(&err);
	return o;
fail:
	wgf_error_clear(&err);
	json_object_put(desired);
	json_object_put(plan);
	json_object_put(o);
	return NULL;
}

char *saved_plan_format(const struct saved_plan *sp)
{
	struct json_object *o = json_object_new_object(), *hosts = NULL, *signer = NULL;
	const char *text;
	char *out = NULL;

	if (!o || json_put_str(o, "kind", SAVED_PLAN_KIND) < 0 ||
	    json_put(o, "format_version", json_object_new_int(SAVED_PLAN_FORMAT)) < 0 ||
	    json_put_str(o, "wgf_version", sp->wgf_version) < 0 || json_put(o, "source", source_json(sp)) < 0)
		goto out;
	if (sp->signer_principal || sp->signer_fingerprint) {
		if (json_put(o, "signer", signer = json_object_new_object()) < 0 ||
		    json_put_str(signer, "principal", sp->signer_principal) < 0 ||
		    json_put_str(signer, "fingerprint", sp->signer_fingerprint) < 0)
			goto out;
	} else if (json_put_null(o, "signer") < 0) {
		goto out;
	}
	if (json_put(o, "hosts", hosts = json_object_new_array_ext((int)sp->n_hosts)) < 0)
		goto out;
	for (size_t i = 0; i < sp->n_hosts; i++)
		if (json_push(hosts, host_json(&sp->hosts[i])) < 0)
			goto out;
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text && asprintf(&out, "%s\n", text) < 0)
		out = NULL;
out:
	json_object_put(o);
	return out;
}

/* ---- reading ---- */

static int bad(struct wgf_error *err, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(struct wgf_error *err, const char *path, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return wgf_error_set(err, -EBADMSG, "%s: %s", path, what);
}

/* A member that must be a string (nullable: or null); *out NULL for null. */
static int get_str(struct json_object *o, const char *key, const char *path, bool nullable, const char **out,
		   struct wgf_error *err)
{
	struct json_object *v = NULL;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v) || (!v && !nullable))
		return bad(err, path, "%s is missing", key);
	if (v && !json_object_is_type(v, json_type_string))
		return bad(err, path, "%s: expected a string%s", key, nullable ? " or null" : "");
	*out = v ? json_object_get_string(v) : NULL;
	return 0;
}

static int read_source(struct json_object *root, struct saved_plan *sp, struct wgf_error *err)
{
	struct json_object *src = NULL, *pinned = NULL;
	const char *desc, *commit, *tree, *dir;
	int r;

	if (!json_object_object_get_ex(root, "source", &src) || !json_object_is_type(src, json_type_object))
		return bad(err, "source", "expected an object");
	if ((r = get_str(src, "description", "source", false, &desc, err)) < 0 ||
	    (r = get_str(src, "commit", "source", true, &commit, err)) < 0 ||
	    (r = get_str(src, "tree", "source", true, &tree, err)) < 0 ||
	    (r = get_str(src, "directory", "source", true, &dir, err)) < 0)
		return r;
	if (commit && !is_hex(commit, 40, COMMIT_HEX_MAX))
		return bad(err, "source.commit", "%s is not a commit id", diag_quote(commit));
	if (tree && !is_hex(tree, 40, COMMIT_HEX_MAX))
		return bad(err, "source.tree", "%s is not a tree id", diag_quote(tree));
	if (!commit != !tree || !commit == !dir)
		return bad(err, "source", "either a commit and its tree, or a directory");
	if (!json_object_object_get_ex(src, "pinned", &pinned) || !json_object_is_type(pinned, json_type_boolean) ||
	    json_object_get_boolean(pinned) != (commit != NULL))
		return bad(err, "source.pinned", "expected %s (pinned means from a commit)", commit ? "true" : "false");
	if (!dup_opt(desc, &sp->source) || !dup_opt(commit, &sp->commit) || !dup_opt(tree, &sp->tree) ||
	    !dup_opt(dir, &sp->directory))
		return wgf_error_set(err, -ENOMEM, NULL);
	return 0;
}

static int read_signer(struct json_object *root, struct saved_plan *sp, struct wgf_error *err)
{
	struct json_object *s = NULL;
	const char *principal, *fingerprint;
	int r;

	if (!json_object_object_get_ex(root, "signer", &s))
		return bad(err, "signer", "missing (null when there is none)");
	if (!s)
		return 0;
	if (!json_object_is_type(s, json_type_object))
		return bad(err, "signer", "expected an object or null");
	if ((r = get_str(s, "principal", "signer", true, &principal, err)) < 0 ||
	    (r = get_str(s, "fingerprint", "signer", true, &fingerprint, err)) < 0)
		return r;
	if (!principal && !fingerprint)
		return bad(err, "signer", "names no one (null when there is none)");
	return dup_opt(principal, &sp->signer_principal) && dup_opt(fingerprint, &sp->signer_fingerprint) ? 0 :
	       wgf_error_set(err, -ENOMEM, NULL);
}

static int read_plan(struct json_object *o, const char *path, struct saved_plan_host *h, struct wgf_error *err)
{
	struct json_object *plan = NULL;
	int r;

	if (!json_object_object_get_ex(o, "plan", &plan) || !json_object_is_type(plan, json_type_object))
		return bad(err, path, "plan: expected an object");
	r = plan_from_json(plan, &h->plan, err);
	if (r == -EBADMSG)
		wgf_error_prefix(err, "%s.plan", path);
	if (r < 0)
		return r;
	if (!h->plan->host_name || strcmp(h->plan->host_name, h->name))
		return bad(err, path, "plan: it is not the plan of host \"%s\"", h->name);
	if (json_object_deep_copy(plan, &h->plan_json, NULL) < 0)
		return wgf_error_set(err, -ENOMEM, NULL);
	return 0;
}

static int read_host(struct json_object *o, const char *path, struct saved_plan_host *h, struct wgf_error *err)
{
	struct json_object *desired = NULL;
	const char *name, *id, *key, *fp;
	char sub[64];
	size_t n = 0;
	int r;

	if (!json_object_is_type(o, json_type_object))
		return bad(err, path, "expected an object");
	if ((r = get_str(o, "host", path, false, &name, err)) < 0 || (r = get_str(o, "id", path, false, &id, err)) < 0 ||
	    (r = get_str(o, "public_key", path, false, &key, err)) < 0 ||
	    (r = get_str(o, "fingerprint", path, false, &fp, err)) < 0)
		return r;
	if (!*name)
		return bad(err, path, "host: empty");
	if (!is_hex(id, SAVED_PLAN_ID_LEN, SAVED_PLAN_ID_LEN))
		return bad(err, path, "id: %s is not %d hex digits", diag_quote(id), SAVED_PLAN_ID_LEN);
	if (!key_from_base64(key, h->public_key))
		return bad(err, path, "public_key: %s is not a WireGuard key", diag_quote(key));
	if (sodium_hex2bin(h->fingerprint, PLAN_FINGERPRINT_LEN, fp, strlen(fp), NULL, &n, NULL) < 0 ||
	    n != PLAN_FINGERPRINT_LEN || strlen(fp) != 2 * PLAN_FINGERPRINT_LEN)
		return bad(err, path, "fingerprint: %s is not %d hex digits", diag_quote(fp), 2 * PLAN_FINGERPRINT_LEN);
	h->has_public_key = true;
	memcpy(h->id, id, SAVED_PLAN_ID_LEN + 1);
	if (!(h->name = strdup(name)))
		return wgf_error_set(err, -ENOMEM, NULL);
	if (!json_object_object_get_ex(o, "desired", &desired) || !desired)
		return bad(err, path, "desired is missing");
	snprintf(sub, sizeof(sub), "%s.desired", path);
	if ((r = saved_state_from_json(desired, sub, &h->desired, err)) < 0)
		return r;
	return read_plan(o, path, h, err);
}

static int read_hosts(struct json_object *root, struct saved_plan *sp, struct wgf_error *err)
{
	struct json_object *hosts = NULL;
	char path[32];
	int r;

	if (!json_object_object_get_ex(root, "hosts", &hosts) || !json_object_is_type(hosts, json_type_array))
		return bad(err, "hosts", "expected a list");
	if (json_object_array_length(hosts) == 0)
		return bad(err, "hosts", "a saved plan holds at least one host");
	for (size_t i = 0; i < json_object_array_length(hosts); i++) {
		struct saved_plan_host *h = host_append(sp);

		if (!h)
			return wgf_error_set(err, -ENOMEM, NULL);
		snprintf(path, sizeof(path), "hosts[%zu]", i);
		if ((r = read_host(json_object_array_get_idx(hosts, i), path, h, err)) < 0)
			return r;
	}
	/* in any order (a fleet joins its hosts' files as they come), once each */
	qsort(sp->hosts, sp->n_hosts, sizeof(*sp->hosts), host_cmp);
	for (size_t i = 1; i < sp->n_hosts; i++)
		if (!strcmp(sp->hosts[i - 1].name, sp->hosts[i].name))
			return bad(err, "hosts", "host \"%s\" is listed twice", sp->hosts[i].name);
	return 0;
}

/* Line and column (1-based) of offset in text. */
static void where(const char *text, size_t offset, unsigned *line, unsigned *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < offset; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static int parse_json(const char *text, size_t len, const char *name, struct json_object **out, struct wgf_error *err)
{
	struct json_tokener *tok = json_tokener_new_ex(JSON_DEPTH);
	size_t n = strnlen(text, len), end;
	enum json_tokener_error e;
	unsigned line, col;

	*out = NULL;
	if (!tok)
		return wgf_error_set(err, -ENOMEM, NULL);
	if (n > SAVED_PLAN_MAX_SIZE) {
		json_tokener_free(tok);
		return wgf_error_set(err, -EBADMSG, "%s: larger than %u MiB", name, SAVED_PLAN_MAX_SIZE >> 20);
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	*out = json_tokener_parse_ex(tok, text, (int)n);
	e = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	/* what follows the object may only be white space */
	if (*out && e == json_tokener_success && strspn(text + end, " \t\r\n") != n - end)
		e = json_tokener_error_parse_unexpected;
	json_tokener_free(tok);
	if (*out && e == json_tokener_success)
		return 0;
	json_object_put(*out);
	*out = NULL;
	where(text, end, &line, &col);
	return wgf_error_set(err, -EBADMSG, "%s:%u:%u: not a saved plan: %s", name, line, col,
			     e == json_tokener_continue ? "the JSON ends early (truncated?)" : json_tokener_error_desc(e));
}

static int read_header(struct json_object *root, struct saved_plan *sp, struct wgf_error *err)
{
	struct json_object *fmt = NULL;
	const char *kind, *version;
	int r;

	if (!json_object_is_type(root, json_type_object))
		return bad(err, "(top)", "expected an object");
	if ((r = get_str(root, "kind", "(top)", false, &kind, err)) < 0)
		return r;
	if (strcmp(kind, SAVED_PLAN_KIND))
		return bad(err, "kind", "%s is not a saved plan (expected \"%s\")", diag_quote(kind), SAVED_PLAN_KIND);
	if (!json_object_object_get_ex(root, "format_version", &fmt) || !json_object_is_type(fmt, json_type_int) ||
	    json_object_get_int64(fmt) != SAVED_PLAN_FORMAT)
		return bad(err, "format_version", "this wgf reads saved plans of format %d", SAVED_PLAN_FORMAT);
	if ((r = get_str(root, "wgf_version", "(top)", false, &version, err)) < 0)
		return r;
	if (!(sp->wgf_version = strdup(version)))
		return wgf_error_set(err, -ENOMEM, NULL);
	return 0;
}

int saved_plan_parse(const char *text, size_t len, const char *name, struct saved_plan **out, struct wgf_error *err)
{
	struct saved_plan *sp = calloc(1, sizeof(*sp));
	struct json_object *root = NULL;
	int r;

	*out = NULL;
	if (!sp)
		return wgf_error_set(err, -ENOMEM, NULL);
	r = parse_json(text, len, name, &root, err);
	if (r == 0) {
		if ((r = read_header(root, sp, err)) == 0 && (r = read_source(root, sp, err)) == 0 &&
		    (r = read_signer(root, sp, err)) == 0)
			r = read_hosts(root, sp, err);
		if (r == -EBADMSG)
			wgf_error_prefix(err, "%s", name);
	}
	json_object_put(root);
	if (r < 0) {
		saved_plan_free(sp);
		return r;
	}
	*out = sp;
	return 0;
}

/* ---- merging and splitting ---- */

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* A copy of h's entry into sp. */
static int host_copy(struct saved_plan *sp, const struct saved_plan_host *h, struct wgf_error *err)
{
	struct saved_plan_host *c = host_append(sp);
	struct wgf_error ignored = {0};

	if (!c)
		return wgf_error_set(err, -ENOMEM, NULL);
	*c = (struct saved_plan_host){ .has_public_key = h->has_public_key };
	memcpy(c->id, h->id, sizeof(c->id));
	memcpy(c->public_key, h->public_key, WG_KEY_LEN);
	memcpy(c->fingerprint, h->fingerprint, PLAN_FINGERPRINT_LEN);
	if (!(c->name = strdup(h->name)) || !(c->desired = hoststate_dup(h->desired)) ||
	    json_object_deep_copy(h->plan_json, &c->plan_json, NULL) < 0 ||
	    (h->plan && plan_from_json(c->plan_json, &c->plan, &ignored) < 0)) {
		wgf_error_clear(&ignored);
		return wgf_error_set(err, -ENOMEM, NULL);
	}
	return 0;
}

static struct saved_plan *header_copy(const struct saved_plan *sp)
{
	struct saved_plan *c = saved_plan_new(sp->wgf_version, sp->source, sp->commit, sp->tree, sp->directory);

	if (c && (!dup_opt(sp->signer_principal, &c->signer_principal) ||
		  !dup_opt(sp->signer_fingerprint, &c->signer_fingerprint))) {
		saved_plan_free(c);
		return NULL;
	}
	return c;
}

int saved_plan_merge(const struct saved_plan *const *v, size_t n, struct saved_plan **out, struct wgf_error *err)
{
	struct saved_plan *m = NULL;
	int r = 0;

	*out = NULL;
	if (n == 0)
		return wgf_error_set(err, -EINVAL, "no saved plans to merge");
	if (!(m = header_copy(v[0])))
		return wgf_error_set(err, -ENOMEM, NULL);
	for (size_t i = 0; i < n && r == 0; i++) {
		const struct saved_plan *sp = v[i];

		if (!str_eq(sp->wgf_version, m->wgf_version) || !str_eq(sp->commit, m->commit) ||
		    !str_eq(sp->tree, m->tree) || !str_eq(sp->directory, m->directory) ||
		    !str_eq(sp->signer_principal, m->signer_principal) ||
		    !str_eq(sp->signer_fingerprint, m->signer_fingerprint)) {
			r = wgf_error_set(err, -EINVAL, "saved plan %zu was made by another wgf, from another source or "
					  "signer than the first (%s, %s)", i + 1, m->wgf_version, m->source);
			break;
		}
		for (size_t j = 0; j < sp->n_hosts && r == 0; j++) {
			if (saved_plan_find(m, sp->hosts[j].name))
				r = wgf_error_set(err, -EINVAL, "host \"%s\" is in more than one saved plan",
						  sp->hosts[j].name);
			else
				r = host_copy(m, &sp->hosts[j], err);
		}
	}
	if (r < 0) {
		saved_plan_free(m);
		return r;
	}
	qsort(m->hosts, m->n_hosts, sizeof(*m->hosts), host_cmp);
	*out = m;
	return 0;
}

int saved_plan_split(const struct saved_plan *sp, const char *host, struct saved_plan **out, struct wgf_error *err)
{
	const struct saved_plan_host *h = saved_plan_find(sp, host);
	struct saved_plan *c;
	int r;

	*out = NULL;
	if (!h)
		return wgf_error_set(err, -ENOENT, "the saved plan has no entry for host \"%s\"", host);
	if (!(c = header_copy(sp)))
		return wgf_error_set(err, -ENOMEM, NULL);
	r = host_copy(c, h, err);
	if (r < 0) {
		saved_plan_free(c);
		return r;
	}
	*out = c;
	return 0;
}
