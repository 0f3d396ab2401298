#include "reconcile/host/statedir.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reconcile/host/fileio.h"

#define OWNED_FILE "owned-interfaces"

static int owned_path(const char *state_dir, char *buf, size_t len)
{
	if ((size_t)snprintf(buf, len, "%s/%s", state_dir, OWNED_FILE) >= len)
		return -ENAMETOOLONG;
	return 0;
}

void statedir_owned_clear(struct statedir_owned *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->ifnames[i]);
	free(o->ifnames);
	o->ifnames = NULL;
	o->n = 0;
}

/* Calls fn for each line of buf[0..len) (without its '\n'; a last line may lack
 * one). Stops at fn's first non-zero return and returns it. */
static int for_each_line(const char *buf, size_t len, int (*fn)(const char *line, size_t n, void *data),
			 void *data)
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		int r = fn(p, n, data);

		if (r)
			return r;
		p += n + 1;
	}
	return 0;
}

static int owned_line(const char *line, size_t n, void *data)
{
	struct statedir_owned *o = data;
	char **v;

	/* a damaged line (empty, too long for an interface name, a NUL in it) is skipped */
	if (n == 0 || n >= IFNAMSIZ || memchr(line, '\0', n))
		return 0;
	v = realloc(o->ifnames, (o->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	o->ifnames = v;
	if (!(o->ifnames[o->n] = strndup(line, n)))
		return -ENOMEM;
	o->n++;
	return 0;
}

int statedir_owned_parse(const char *buf, size_t len, struct statedir_owned *out)
{
	int r;

	out->ifnames = NULL;
	out->n = 0;
	r = for_each_line(buf, len, owned_line, out);
	if (r < 0)
		statedir_owned_clear(out);
	return r;
}

int statedir_owned_load(const char *state_dir, struct statedir_owned *out)
{
	char path[PATH_MAX], *buf = NULL;
	size_t len = 0;
	int r;

	out->ifnames = NULL;
	out->n = 0;
	r = owned_path(state_dir, path, sizeof(path));
	if (r < 0)
		return r;
	r = fileio_read(path, &buf, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = statedir_owned_parse(buf, len, out);
	free(buf);
	return r;
}

static int owned_save(const char *state_dir, const struct statedir_owned *o)
{
	char path[PATH_MAX];
	char *buf = NULL;
	size_t len = 0;
	FILE *m;
	int r;

	r = owned_path(state_dir, path, sizeof(path));
	if (r < 0)
		return r;
	m = open_memstream(&buf, &len);
	if (!m)
		return -ENOMEM;
	for (size_t i = 0; i < o->n; i++)
		fprintf(m, "%s\n", o->ifnames[i]);
	fclose(m);
	r = fileio_mkdir(state_dir);
	if (r >= 0)
		r = fileio_write(path, buf, len, 0600);
	free(buf);
	return r;
}

int statedir_owned_add(const char *state_dir, const char *ifname)
{
	struct statedir_owned o;
	char **n;
	int r = statedir_owned_load(state_dir, &o);

	if (r < 0)
		return r;
	for (size_t i = 0; i < o.n; i++)
		if (!strcmp(o.ifnames[i], ifname))
			goto out;
	n = realloc(o.ifnames, (o.n + 1) * sizeof(*n));
	if (!n) {
		r = -ENOMEM;
		goto out;
	}
	o.ifnames = n;
	if (!(o.ifnames[o.n] = strdup(ifname))) {
		r = -ENOMEM;
		goto out;
	}
	o.n++;
	r = owned_save(state_dir, &o);
out:
	statedir_owned_clear(&o);
	return r;
}

int statedir_owned_remove(const char *state_dir, const char *ifname)
{
	struct statedir_owned o;
	size_t out = 0;
	int r = statedir_owned_load(state_dir, &o);

	if (r < 0)
		return r;
	for (size_t i = 0; i < o.n; i++) {
		if (!strcmp(o.ifnames[i], ifname))
			free(o.ifnames[i]);
		else
			o.ifnames[out++] = o.ifnames[i];
	}
	if (out != o.n) {
		o.n = out;
		r = owned_save(state_dir, &o);
	}
	statedir_owned_clear(&o);
	return r;
}

int statedir_lock(const char *state_dir, bool create)
{
	char path[PATH_MAX];
	int fd, r;

	if (create) {
		r = fileio_mkdir(state_dir);
		if (r < 0)
			return r;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/lock", state_dir) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

void statedir_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

#define ENDPOINTS_FILE "declared-endpoints"

/* A line is "IFNAME BASE64-KEY ENDPOINT". */
#define ENDPOINTS_LINE_MAX 256

static int endpoints_line(const char *text, size_t n, void *data)
{
	struct host_state *hs = data;
	char line[ENDPOINTS_LINE_MAX], ifname[64], key[64], ep[64];
	struct hs_device *d = NULL;
	struct hs_peer *p;
	struct wgf_endpoint e;
	uint8_t pub[WG_KEY_LEN];

	/* a damaged line only loses what it recorded */
	if (n >= sizeof(line))
		return 0;
	memcpy(line, text, n);
	line[n] = '\0';
	if (sscanf(line, "%63s %63s %63s", ifname, key, ep) != 3 || strlen(ifname) >= IFNAMSIZ ||
	    !key_from_base64(key, pub) || !endpoint_parse(ep, &e))
		return 0;
	for (size_t i = 0; i < hs->n_devices && !d; i++)
		if (!strcmp(hs->devices[i].ifname, ifname))
			d = &hs->devices[i];
	if (!d && !(d = hoststate_add_device(hs, ifname)))
		return -ENOMEM;
	if (!(p = hs_device_add_peer(d)))
		return -ENOMEM;
	memcpy(p->public_key, pub, WG_KEY_LEN);
	p->endpoint = e;
	return 0;
}

int statedir_endpoints_parse(const char *buf, size_t len, struct host_state **out)
{
	struct host_state *hs;
	int r;

	*out = NULL;
	hs = hoststate_new();
	if (!hs)
		return -ENOMEM;
	r = for_each_line(buf, len, endpoints_line, hs);
	if (r < 0) {
		hoststate_free(hs);
		return r;
	}
	hoststate_normalize(hs);
	*out = hs;
	return 0;
}

int statedir_endpoints_load(const char *state_dir, struct host_state **out)
{
	char path[PATH_MAX], *buf = NULL;
	size_t len = 0;
	int r;

	*out = NULL;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", state_dir, ENDPOINTS_FILE) >= sizeof(path))
		return -ENAMETOOLONG;
	r = fileio_read(path, &buf, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = statedir_endpoints_parse(buf, len, out);
	free(buf);
	return r;
}

int statedir_endpoints_format(const struct host_state *desired, char **out, size_t *out_len)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m;

	*out = NULL;
	*out_len = 0;
	m = open_memstream(&buf, &len);
	if (!m)
		return -ENOMEM;
	for (size_t i = 0; i < desired->n_devices; i++) {
		const struct hs_device *d = &desired->devices[i];
		for (size_t j = 0; j < d->n_peers; j++) {
			char b64[WG_KEY_B64_LEN], ep[ENDPOINT_STRLEN];
			if (!d->peers[j].endpoint.family)
				continue;
			fprintf(m, "%s %s %s\n", d->ifname, key_to_base64(d->peers[j].public_key, b64),
				endpoint_format(&d->peers[j].endpoint, ep));
		}
	}
	if (fclose(m) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	*out_len = len;
	return 0;
}

int statedir_endpoints_save(const char *state_dir, const struct host_state *desired)
{
	char path[PATH_MAX], *buf = NULL, *old = NULL;
	size_t len = 0, old_len = 0;
	FILE *m, *f;
	int r;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", state_dir, ENDPOINTS_FILE) >= sizeof(path))
		return -ENAMETOOLONG;
	r = statedir_endpoints_format(desired, &buf, &len);
	if (r < 0)
		return r;
	f = fopen(path, "re");
	if (f) {
		m = open_memstream(&old, &old_len);
		if (m) {
			char chunk[4096];
			size_t n;
			while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
				fwrite(chunk, 1, n, m);
			fclose(m);
		}
		fclose(f);
	}
	if (old && old_len == len && !memcmp(old, buf, len)) {
		r = 0;
		goto out;
	}
	r = fileio_mkdir(state_dir);
	if (r >= 0)
		r = fileio_write(path, buf, len, 0600);
out:
	free(buf);
	free(old);
	return r;
}

void statedir_records_clear(struct statedir_records *r)
{
	statedir_owned_clear(&r->owned);
	hoststate_free(r->declared);
	fw_record_free(r->fw_applied);
	r->declared = NULL;
	r->fw_applied = NULL;
}
