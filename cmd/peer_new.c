/* wgf peer new and wgf peer rotate: a key pair made here, its public half
 * written into the repository, the config with the private key printed once. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/peer_cmd.h"
#include "model/model_alloc.h"
#include "model/yaml_edit.h"
#include "render/render.h"
#include "reconcile/host/fileio.h"

static bool need_directory(const struct peer_args *a)
{
	if (!a->c.repo)
		return true;
	cmd_error("peer %s writes the repository's files: give a directory (a checkout), not --repo", a->sub);
	return false;
}

static size_t host_index(const struct model *m, const char *name)
{
	const struct model_host *h = model_find_host(m, name);

	return h ? (size_t)(h - m->hosts) : MODEL_NONE;
}

/* --network, else the first hub's. */
static int pick_scope(const struct peer_args *a, const struct model *m, size_t *net, size_t *tenant)
{
	size_t hub = host_index(m, a->hubs[0]);

	*tenant = MODEL_NONE;
	if (hub == MODEL_NONE) {
		cmd_error("peer new: no Host \"%s\" (--hub)", a->hubs[0]);
		return -1;
	}
	*net = m->hosts[hub].network;
	if (a->network) {
		size_t i;
		for (i = 0; i < m->n_networks && strcmp(m->networks[i].meta.name, a->network); i++)
			;
		if (i == m->n_networks) {
			cmd_error("peer new: no Network \"%s\" (--network)", a->network);
			return -1;
		}
		*net = i;
	}
	if (a->tenant) {
		size_t i;
		for (i = 0; i < m->n_tenants && strcmp(m->tenants[i].meta.name, a->tenant); i++)
			;
		if (i == m->n_tenants) {
			cmd_error("peer new: no Tenant \"%s\" (--tenant)", a->tenant);
			return -1;
		}
		*tenant = i;
	}
	return 0;
}

static int alloc_addresses(const struct model *m, size_t net, size_t tenant, char *buf, size_t len)
{
	static const int families[] = { AF_INET, AF_INET6 };
	char abuf[PREFIX_STRLEN];
	size_t n = 0, used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < 2; i++) {
		struct wgf_prefix a;
		int r = model_alloc_address(m, net, tenant, families[i], &a);

		if (r == -ENOENT)
			continue;
		if (r < 0) {
			cmd_error("peer new: no free %s address in the %s's pool%s", families[i] == AF_INET ? "IPv4" :
				  "IPv6", tenant != MODEL_NONE ? "tenant" : "network", r == -ENOSPC ? " (it is full)" : "");
			return -1;
		}
		used += (size_t)snprintf(buf + used, len - used, "%s%s", n++ ? ", " : "", prefix_format_addr(&a, abuf));
	}
	if (!n) {
		cmd_error("peer new: the pools have no address family to take from");
		return -1;
	}
	return 0;
}

static char *yaml_path(const struct peer_args *a)
{
	char *path = NULL, *dir = NULL;
	struct stat st;

	if (a->file)
		return strdup(a->file);
	if (asprintf(&dir, "%s/peers", a->c.path) < 0)
		return NULL;
	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (asprintf(&path, "%s/%s.yaml", dir, a->name) < 0)
			path = NULL;
	} else if (asprintf(&path, "%s/%s.yaml", a->c.path, a->name) < 0) {
		path = NULL;
	}
	free(dir);
	return path;
}

/* The Peer's document, with a sealed preshared key per hub when psks. */
static int peer_document(const struct peer_args *a, const struct model *m, size_t net, size_t tenant,
			 const uint8_t pub[WG_KEY_LEN], uint8_t (*psks)[WG_KEY_LEN], char **out, size_t *len)
{
	struct model_peer scope = { .network = net, .tenant = tenant };
	char addrs[2 * PREFIX_STRLEN + 8], b64[WG_KEY_B64_LEN];
	FILE *f;
	int r = alloc_addresses(m, net, tenant, addrs, sizeof(addrs));

	if (r < 0 || !(f = open_memstream(out, len)))
		return -1;
	fprintf(f, "apiVersion: wgf/v1\nkind: Peer\nmetadata:\n  name: %s\nspec:\n", a->name);
	if (m->n_networks > 1)
		fprintf(f, "  network: %s\n", m->networks[net].meta.name);
	if (tenant != MODEL_NONE)
		fprintf(f, "  tenant: %s\n", m->tenants[tenant].meta.name);
	fprintf(f, "  publicKey: %s\n  addresses: [%s]\n  hubs: [", key_to_base64(pub, b64), addrs);
	for (size_t i = 0; i < a->n_hubs; i++)
		fprintf(f, "%s%s", i ? ", " : "", a->hubs[i]);
	fputs("]\n", f);
	if (a->access)
		fprintf(f, "  access: %s\n", a->access);
	if (psks)
		fputs("  presharedKeys:\n", f);
	for (size_t i = 0; psks && r == 0 && i < a->n_hubs; i++) {
		size_t hub = host_index(m, a->hubs[i]);
		char *item = NULL, *line;

		if (hub == MODEL_NONE) {
			cmd_error("peer new: no Host \"%s\" (--hub)", a->hubs[i]);
			r = -1;
			break;
		}
		randombytes_buf(psks[i], WG_KEY_LEN);
		r = peer_psk_item(m, &scope, hub, psks[i], &item);
		for (line = item; r == 0 && line && *line;) {
			char *nl = strchr(line, '\n');
			fprintf(f, "    %.*s\n", (int)(nl ? nl - line : (long)strlen(line)), line);
			line = nl ? nl + 1 : NULL;
		}
		free(item);
	}
	if (fclose(f) != 0 || r < 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* Writes the new Peer, checks the repository, prints its config. */
static int write_and_print(struct peer_args *a, const char *path, const char *doc, size_t len,
			   const uint8_t priv[WG_KEY_LEN], uint8_t (*psks)[WG_KEY_LEN])
{
	const uint8_t *ptr[PEER_MAX_HUBS] = { 0 };
	const struct model_peer *p;
	struct model *m = NULL;
	int r;

	r = fileio_write(path, doc, len, 0644);
	if (r < 0) {
		cmd_error("writing %s: %s", path, strerror(-r));
		return -1;
	}
	if (peer_revalidate(&a->c, "the new Peer", &m) < 0) {
		unlink(path);
		return -1;
	}
	fprintf(stderr, "wrote %s: commit it; the hubs configure the peer on their next apply\n", path);
	if (!(p = peer_find(m, a->name))) {
		model_free(m);
		return -1;
	}
	for (size_t i = 0; psks && i < a->n_hubs; i++)
		ptr[i] = psks[i];
	r = peer_print_config(a, m, p, priv, psks ? ptr : NULL);
	model_free(m);
	return r;
}

int peer_new(struct peer_args *a)
{
	uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN], psks[PEER_MAX_HUBS][WG_KEY_LEN];
	const struct model_peer *old;
	struct model *m = NULL;
	size_t net, tenant, len = 0;
	char *doc = NULL, *path = NULL;
	struct stat st;
	int r = -1;

	if (!need_directory(a) || !peer_output_check(&a->out, true))
		return EXIT_ERROR;
	if (!a->n_hubs) {
		cmd_error("peer new: which hub does it connect to? (--hub HUB)");
		return EXIT_ERROR;
	}
	if (cmd_load_model(&a->c, &m) < 0 || pick_scope(a, m, &net, &tenant) < 0)
		goto out;
	if ((old = model_find_peer(m, a->name))) {
		cmd_error("%s:%u:%u: there is a Peer \"%s\" already (`wgf peer rotate %s` gives it a new key)",
			  old->meta.loc.file, old->meta.loc.line, old->meta.loc.col, a->name, a->name);
		goto out;
	}
	path = yaml_path(a);
	if (!path || stat(path, &st) == 0) {
		cmd_error("peer new: %s exists already (--file YAML to write elsewhere)", path ? path : "the file");
		goto out;
	}
	key_generate_private(priv);
	key_public_from_private(pub, priv);
	if (peer_document(a, m, net, tenant, pub, a->psk ? psks : NULL, &doc, &len) < 0)
		goto out;
	r = write_and_print(a, path, doc, len, priv, a->psk ? psks : NULL);
out:
	sodium_memzero(priv, sizeof(priv));
	sodium_memzero(psks, sizeof(psks));
	free(doc);
	free(path);
	model_free(m);
	return r < 0 ? EXIT_ERROR : EXIT_OK;
}

/* The Peer's file with old_key replaced by new_key (and keyCreated moved to
 * today when it is written as a date); -1 after saying why. */
static int rotated_text(const struct peer_args *a, const struct model_peer *p, const char *path,
			const char *buf, size_t blen, const uint8_t new_pub[WG_KEY_LEN], char **out, size_t *len)
{
	char old_b64[WG_KEY_B64_LEN], new_b64[WG_KEY_B64_LEN], *mid = NULL;
	int r;

	*out = NULL;
	r = yaml_edit_replace(buf, blen, key_to_base64(p->public_key, old_b64), key_to_base64(new_pub, new_b64), 1,
			      &mid);
	if (r == -ENOENT)
		cmd_error("%s: the key %s is written there other than once: replace it by hand", path, old_b64);
	if (r == 0 && p->has_key_created) {
		char old_date[PEER_NOTICE_DATE_LEN], new_date[PEER_NOTICE_DATE_LEN], *fin = NULL;

		/* keyCreated is written as peer_notice_date writes dates */
		peer_notice_date(p->key_created, old_date);
		peer_notice_date(a->c.now - a->c.now % 86400, new_date);
		if (yaml_edit_replace(mid, strlen(mid), old_date, new_date, 1, &fin) == 0) {
			free(mid);
			mid = fin;
		} else {
			fprintf(stderr, "warning: %s: update keyCreated by hand\n", path);
		}
	}
	if (r < 0) {
		free(mid);
		return -1;
	}
	*out = mid;
	*len = strlen(mid);
	return 0;
}

int peer_rotate(struct peer_args *a)
{
	uint8_t priv[WG_KEY_LEN], pub[WG_KEY_LEN];
	struct peer_psks psks = { 0 };
	const struct model_peer *p;
	struct model *m = NULL;
	char *path = NULL, *text = NULL, *orig = NULL;
	size_t len = 0, olen = 0;
	int r = -1;

	if (!need_directory(a) || !peer_output_check(&a->out, true))
		return EXIT_ERROR;
	if (cmd_load_model(&a->c, &m) < 0 || !(p = peer_find(m, a->name)))
		goto out;
	/* before anything is written: a key nobody could use must not replace the old one */
	if (peer_open_psks(m, p, a->identity, &psks) < 0)
		goto out;
	if (asprintf(&path, "%s/%s", a->c.path, p->meta.loc.file) < 0) {
		path = NULL;
		goto out;
	}
	key_generate_private(priv);
	key_public_from_private(pub, priv);
	if ((r = fileio_read(path, &orig, &olen)) < 0) {
		cmd_error("reading %s: %s", path, strerror(-r));
		r = -1;
		goto out;
	}
	r = -1;
	if (rotated_text(a, p, path, orig, olen, pub, &text, &len) < 0 || peer_write_repo_file(path, text, len) < 0)
		goto out;
	model_free(m);
	m = NULL;
	if (peer_revalidate(&a->c, "the rotated key", &m) < 0) {
		peer_write_repo_file(path, orig, olen);
		goto out;
	}
	fprintf(stderr, "wrote %s: commit it; the hubs take the new key on their next apply, and the old one "
		"stops working then\n", path);
	if (!(p = peer_find(m, a->name)))
		goto out;
	r = peer_print_config(a, m, p, priv, psks.ptr);
out:
	sodium_memzero(priv, sizeof(priv));
	peer_psks_clear(&psks);
	free(path);
	free(text);
	free(orig);
	model_free(m);
	return r < 0 ? EXIT_ERROR : EXIT_OK;
}
