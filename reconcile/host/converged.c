#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reconcile/host/converged.h"
#include "reconcile/host/fileio.h"
#include "reconcile/plan/json_put.h"

void converged_clear(struct converged *c)
{
	free(c->revision);
	free(c->host);
	free(c->public_key);
	free(c->version);
	for (size_t i = 0; i < c->n_ifnames; i++)
		free(c->ifnames[i]);
	for (size_t i = 0; i < c->n_sysctl_keys; i++)
		free(c->sysctl_keys[i]);
	free(c->ifnames);
	free(c->sysctl_keys);
	memset(c, 0, sizeof(*c));
}

static struct json_object *strings_json(char *const *v, size_t n)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; a && i < n; i++)
		if (json_push(a, json_object_new_string(v[i])) < 0) {
			json_object_put(a);
			return NULL;
		}
	return a;
}

static int path_of(const char *state_dir, char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%s/%s", state_dir, CONVERGED_FILE) >= len ? -ENAMETOOLONG : 0;
}

int converged_save(const char *state_dir, const struct converged *c)
{
	struct json_object *o = json_object_new_object();
	char path[PATH_MAX], hex[2 * SNAPSHOT_DIGEST_LEN + 1], fwhex[2 * SNAPSHOT_DIGEST_LEN + 1];
	struct json_object *stamp = NULL;
	const char *text;
	int r = o ? 0 : -ENOMEM;

	sodium_bin2hex(hex, sizeof(hex), c->digest, sizeof(c->digest));
	sodium_bin2hex(fwhex, sizeof(fwhex), c->fw_record_digest, sizeof(c->fw_record_digest));
	if (r == 0 && c->has_fw_stamp &&
	    (json_put(o, "fw_stamp", stamp = json_object_new_object()) < 0 ||
	     json_put(stamp, "genid", json_object_new_int64(c->fw_stamp.genid)) < 0 ||
	     json_put(stamp, "netns", json_object_new_int64((int64_t)c->fw_stamp.netns)) < 0 ||
	     json_put_str(stamp, "boot_id", c->fw_stamp.boot_id) < 0))
		r = -ENOMEM;
	if (r == 0 && json_put_str(o, "fw_record_digest", fwhex) < 0)
		r = -ENOMEM;
	if (r == 0 && (json_put_str(o, "revision", c->revision) < 0 || json_put_str(o, "host", c->host) < 0 ||
		       json_put_str(o, "public_key", c->public_key) < 0 || json_put_str(o, "version", c->version) < 0 ||
		       json_put(o, "valid_until", json_object_new_int64(c->valid_until)) < 0 ||
		       json_put_str(o, "digest", hex) < 0 ||
		       json_put(o, "interfaces", strings_json(c->ifnames, c->n_ifnames)) < 0 ||
		       json_put(o, "sysctls", strings_json(c->sysctl_keys, c->n_sysctl_keys)) < 0 ||
		       json_put(o, "firewall", json_object_new_boolean(c->firewall)) < 0))
		r = -ENOMEM;
	if (r == 0)
		r = path_of(state_dir, path, sizeof(path));
	if (r == 0) {
		text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		r = text ? fileio_write(path, text, strlen(text), 0600) : -ENOMEM;
	}
	json_object_put(o);
	return r;
}

static int get_strings(struct json_object *o, const char *key, char ***out, size_t *n)
{
	struct json_object *a;
	size_t len;

	if (!json_object_object_get_ex(o, key, &a) || !json_object_is_type(a, json_type_array))
		return -EBADMSG;
	len = json_object_array_length(a);
	if (len > 65536 || !(*out = calloc(len + 1, sizeof(**out))))
		return len > 65536 ? -EBADMSG : -ENOMEM;
	for (size_t i = 0; i < len; i++) {
		struct json_object *s = json_object_array_get_idx(a, i);

		if (!json_object_is_type(s, json_type_string))
			return -EBADMSG;
		if (!((*out)[(*n)++] = strdup(json_object_get_string(s))))
			return -ENOMEM;
	}
	return 0;
}

static int get_str(struct json_object *o, const char *key, char **out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return -EBADMSG;
	return (*out = strdup(json_object_get_string(v))) ? 0 : -ENOMEM;
}

static int get_digest(struct json_object *o, const char *key, uint8_t out[SNAPSHOT_DIGEST_LEN])
{
	char *hex = NULL;
	size_t n = 0;
	int r = get_str(o, key, &hex);

	if (r)
		return r;
	r = sodium_hex2bin(out, SNAPSHOT_DIGEST_LEN, hex, strlen(hex), NULL, &n, NULL) < 0 ||
	    n != SNAPSHOT_DIGEST_LEN ? -EBADMSG : 0;
	free(hex);
	return r;
}

static int get_stamp(struct json_object *o, struct converged *c)
{
	struct json_object *s, *g, *n, *b;

	if (!json_object_object_get_ex(o, "fw_stamp", &s) || !s)
		return 0;
	if (!json_object_is_type(s, json_type_object) || !json_object_object_get_ex(s, "genid", &g) ||
	    !json_object_is_type(g, json_type_int) || !json_object_object_get_ex(s, "netns", &n) ||
	    !json_object_is_type(n, json_type_int) || !json_object_object_get_ex(s, "boot_id", &b) ||
	    !json_object_is_type(b, json_type_string) ||
	    json_object_get_string_len(b) >= (int)sizeof(c->fw_stamp.boot_id))
		return -EBADMSG;
	c->has_fw_stamp = true;
	c->fw_stamp.genid = (uint32_t)json_object_get_int64(g);
	c->fw_stamp.netns = (uint64_t)json_object_get_int64(n);
	snprintf(c->fw_stamp.boot_id, sizeof(c->fw_stamp.boot_id), "%s", json_object_get_string(b));
	return 0;
}

static int from_json(struct json_object *o, struct converged *c)
{
	struct json_object *v;
	int r;

	if (!json_object_is_type(o, json_type_object))
		return -EBADMSG;
	if ((r = get_str(o, "revision", &c->revision)) || (r = get_str(o, "host", &c->host)) ||
	    (r = get_str(o, "public_key", &c->public_key)) || (r = get_str(o, "version", &c->version)) ||
	    (r = get_strings(o, "interfaces", &c->ifnames, &c->n_ifnames)) ||
	    (r = get_strings(o, "sysctls", &c->sysctl_keys, &c->n_sysctl_keys)))
		return r;
	if (!json_object_object_get_ex(o, "valid_until", &v) || !json_object_is_type(v, json_type_int))
		return -EBADMSG;
	c->valid_until = json_object_get_int64(v);
	if (!json_object_object_get_ex(o, "firewall", &v) || !json_object_is_type(v, json_type_boolean))
		return -EBADMSG;
	c->firewall = json_object_get_boolean(v);
	if ((r = get_digest(o, "digest", c->digest)) || (r = get_digest(o, "fw_record_digest", c->fw_record_digest)))
		return r;
	return get_stamp(o, c);
}

int converged_parse(const char *text, size_t len, struct converged *out)
{
	struct json_object *o;
	struct json_tokener *tok;
	int r;

	memset(out, 0, sizeof(*out));
	if (len > INT_MAX || !(tok = json_tokener_new()))
		return -ENOMEM;
	o = json_tokener_parse_ex(tok, text, (int)len);
	r = o && json_tokener_get_error(tok) == json_tokener_success && json_tokener_get_parse_end(tok) == len
		? from_json(o, out) : -EBADMSG;
	json_object_put(o);
	json_tokener_free(tok);
	if (r < 0)
		converged_clear(out);
	return r;
}

int converged_load(const char *state_dir, struct converged *out)
{
	char path[PATH_MAX], *text = NULL;
	size_t len = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = path_of(state_dir, path, sizeof(path))) < 0 || (r = fileio_read(path, &text, &len)) < 0)
		return r;
	r = converged_parse(text, len, out);
	free(text);
	return r;
}

int converged_remove(const char *state_dir)
{
	char path[PATH_MAX];
	int r = path_of(state_dir, path, sizeof(path));

	if (r == 0 && unlink(path) < 0 && errno != ENOENT)
		r = -errno;
	return r;
}

int converged_fw_record_digest(const char *state_dir, uint8_t out[SNAPSHOT_DIGEST_LEN])
{
	char path[PATH_MAX], *text = NULL;
	size_t len = 0;
	int r;

	if ((size_t)snprintf(path, sizeof(path), "%s/firewall", state_dir) >= sizeof(path))
		return -ENAMETOOLONG;
	r = fileio_read(path, &text, &len);
	if (r == -ENOENT)
		return crypto_generichash(out, SNAPSHOT_DIGEST_LEN, (const unsigned char *)"missing", 7, NULL, 0), 0;
	if (r < 0)
		return r;
	crypto_generichash(out, SNAPSHOT_DIGEST_LEN, (const unsigned char *)text, len, NULL, 0);
	free(text);
	return 0;
}
