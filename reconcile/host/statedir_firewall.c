/* The record of the nftables table wgf applied: <state_dir>/firewall, JSON. */
#include "reconcile/host/statedir.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "reconcile/host/fileio.h"
#include "reconcile/plan/json_put.h"

#define FIREWALL_FILE "firewall"

static int firewall_path(const char *state_dir, char *buf, size_t len)
{
	if ((size_t)snprintf(buf, len, "%s/%s", state_dir, FIREWALL_FILE) >= len)
		return -ENAMETOOLONG;
	return 0;
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Optional: a record without a stamp makes the next plan read the listing. */
static int stamp_from_json(struct json_object *root, struct fw_record *r)
{
	struct json_object *st, *g, *ns;
	const char *boot;

	if (!json_object_object_get_ex(root, "stamp", &st))
		return 0;
	boot = jstr(st, "boot_id");
	if (!json_object_object_get_ex(st, "genid", &g) || !json_object_is_type(g, json_type_int) ||
	    !json_object_object_get_ex(st, "netns", &ns) || !json_object_is_type(ns, json_type_int) ||
	    !boot || strlen(boot) >= sizeof(r->stamp.boot_id))
		return -EBADMSG;
	r->stamp.genid = (uint32_t)json_object_get_int64(g);
	r->stamp.netns = (uint64_t)json_object_get_int64(ns);
	strcpy(r->stamp.boot_id, boot);
	r->has_stamp = true;
	return 0;
}

static int record_from_json(struct json_object *root, struct fw_record *r)
{
	struct json_object *items;
	const char *body = jstr(root, "body"), *listing = jstr(root, "listing");
	const char *table = jstr(root, "table");
	size_t n;

	if (!body || !listing || !table || strcmp(table, HS_FW_FAMILY " " HS_FW_TABLE) ||
	    !json_object_object_get_ex(root, "items", &items) || !json_object_is_type(items, json_type_array))
		return -EBADMSG;
	r->body = strdup(body);
	r->listing = strdup(listing);
	if (!r->body || !r->listing)
		return -ENOMEM;
	n = json_object_array_length(items);
	if (n && !(r->items = calloc(n, sizeof(*r->items))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct json_object *it = json_object_array_get_idx(items, i);
		const char *key = jstr(it, "key"), *value = jstr(it, "value");

		if (!key || !value)
			return -EBADMSG;
		if (fw_record_add_item(r, key, value) < 0)
			return -ENOMEM;
	}
	fw_record_sort_items(r);
	return stamp_from_json(root, r);
}

int statedir_firewall_parse(const char *text, size_t len, struct fw_record **out)
{
	struct json_tokener *tok = NULL;
	struct json_object *root = NULL;
	struct fw_record *r = NULL;
	int ret;

	*out = NULL;
	tok = json_tokener_new();
	r = calloc(1, sizeof(*r));
	if (!tok || !r) {
		ret = -ENOMEM;
		goto out;
	}
	/* what follows a NUL is not part of the record */
	root = json_tokener_parse_ex(tok, text, (int)strnlen(text, len));
	if (!root || json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(root, json_type_object)) {
		ret = -EBADMSG;
		goto out;
	}
	ret = record_from_json(root, r);
	if (ret < 0)
		goto out;
	*out = r;
	r = NULL;
out:
	json_object_put(root);
	if (tok)
		json_tokener_free(tok);
	fw_record_free(r);
	return ret;
}

int statedir_firewall_from_json(struct json_object *o, struct fw_record **out)
{
	struct fw_record *r = calloc(1, sizeof(*r));
	int ret;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	if (!json_object_is_type(o, json_type_object)) {
		free(r);
		return -EBADMSG;
	}
	ret = record_from_json(o, r);
	if (ret < 0) {
		fw_record_free(r);
		return ret;
	}
	*out = r;
	return 0;
}

int statedir_firewall_load(const char *state_dir, struct fw_record **out)
{
	char path[PATH_MAX], *text = NULL;
	size_t len = 0;
	int ret;

	*out = NULL;
	ret = firewall_path(state_dir, path, sizeof(path));
	if (ret < 0)
		return ret;
	ret = fileio_read(path, &text, &len);
	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	ret = statedir_firewall_parse(text, len, out);
	free(text);
	return ret;
}

struct json_object *statedir_firewall_json(const struct fw_record *r)
{
	struct json_object *root = json_object_new_object(), *items = NULL, *it;

	if (!root)
		return NULL;
	if (json_put(root, "table", json_object_new_string(HS_FW_FAMILY " " HS_FW_TABLE)) < 0 ||
	    json_put(root, "body", json_object_new_string(r->body ? r->body : "")) < 0)
		goto fail;
	items = json_object_new_array();
	if (!items)
		goto fail;
	for (size_t i = 0; i < r->n_items; i++) {
		it = json_object_new_object();
		if (!it || json_object_array_add(items, it) < 0) {
			json_object_put(it);
			goto fail;
		}
		if (json_put(it, "key", json_object_new_string(r->items[i].key)) < 0 ||
		    json_put(it, "value", json_object_new_string(r->items[i].value)) < 0)
			goto fail;
	}
	if (json_put(root, "items", items) < 0) {
		items = NULL;
		goto fail;
	}
	items = NULL;
	if (json_put(root, "listing", json_object_new_string(r->listing ? r->listing : "")) < 0)
		goto fail;
	if (r->has_stamp) {
		struct json_object *st = json_object_new_object();
		if (json_put(root, "stamp", st) < 0 ||
		    json_put(st, "genid", json_object_new_int64(r->stamp.genid)) < 0 ||
		    json_put(st, "netns", json_object_new_int64((int64_t)r->stamp.netns)) < 0 ||
		    json_put(st, "boot_id", json_object_new_string(r->stamp.boot_id)) < 0)
			goto fail;
	}
	return root;
fail:
	json_object_put(items);
	json_object_put(root);
	return NULL;
}

char *statedir_firewall_format(const struct fw_record *r)
{
	struct json_object *root = statedir_firewall_json(r);
	const char *text;
	char *copy = NULL;

	if (!root)
		return NULL;
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text)
		copy = strdup(text);
	json_object_put(root);
	return copy;
}

int statedir_firewall_save(const char *state_dir, const struct fw_record *r)
{
	char path[PATH_MAX], *text = statedir_firewall_format(r);
	int ret;

	if (!text)
		return -ENOMEM;
	ret = firewall_path(state_dir, path, sizeof(path));
	if (ret >= 0)
		ret = fileio_mkdir(state_dir);
	if (ret >= 0)
		ret = fileio_write(path, text, strlen(text), 0600);
	free(text);
	return ret;
}

int statedir_firewall_remove(const char *state_dir)
{
	char path[PATH_MAX];
	int r = firewall_path(state_dir, path, sizeof(path));

	if (r < 0)
		return r;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}
