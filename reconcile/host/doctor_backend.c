/* wgf doctor: the WireGuard backend, and the host key. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reconcile/host/doctor.h"
#include "reconcile/host/keyfile.h"

/* The wireguard-go wgf would start: given, $WGF_WIREGUARD_GO, else on PATH. */
static bool find_wireguard_go(const char *given, char *buf, size_t len)
{
	const char *path = getenv("PATH"), *env = getenv("WGF_WIREGUARD_GO");

	if (given || (env && *env)) {
		snprintf(buf, len, "%s", given ? given : env);
		return strchr(buf, '/') ? access(buf, X_OK) == 0 : false;
	}
	while (path && *path) {
		size_t n = strcspn(path, ":");
		if (n && (size_t)snprintf(buf, len, "%.*s/wireguard-go", (int)n, path) < len && access(buf, X_OK) == 0)
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

void doctor_check_backend(const struct doctor_ctx *c, struct doctor_result *r)
{
	const struct hs_device *d = doctor_observed_device(c);
	bool kernel = kernel_wg_kernel_available(c->k);
	char go[4096];
	bool have_go = find_wireguard_go(c->wireguard_go, go, sizeof(go));

	if (!kernel && !have_go) {
		doctor_say(r, DOCTOR_PROBLEM, "no WireGuard: the kernel has no wireguard module and no wireguard-go was found%s%s",
			   c->wireguard_go || getenv("WGF_WIREGUARD_GO") ? " at " : " on PATH",
			   c->wireguard_go || getenv("WGF_WIREGUARD_GO") ? go : "");
		doctor_hint(r, "modprobe wireguard (Linux 5.6 or later), or install wireguard-go");
		return;
	}
	doctor_say(r, DOCTOR_OK, "%s", kernel ? "kernel module" : "no kernel module");
	if (have_go)
		doctor_append(r, "wireguard-go at %s", go);
	if (d) {
		doctor_append(r, "%s uses %s", d->ifname, d->backend == HS_BACKEND_KERNEL ? "the kernel" : "wireguard-go");
	} else {
		doctor_raise(r, DOCTOR_WARNING);
		doctor_append(r, "%s is not there", c->host->ifname);
		doctor_hint(r, "wgf apply creates it");
	}
}

void doctor_check_host_key(const struct doctor_ctx *c, struct doctor_result *r)
{
	const struct hs_device *d = doctor_observed_device(c);
	uint8_t key[WG_KEY_LEN], pub[WG_KEY_LEN];
	char b64[WG_KEY_B64_LEN], want[WG_KEY_B64_LEN];
	struct stat st;
	int e = keyfile_read(c->key_file, key);

	if (e < 0) {
		doctor_say(r, DOCTOR_PROBLEM, "key file %s: %s", c->key_file, keyfile_host_strerror(e));
		doctor_hint(r, e == -EPERM ? "chmod 600 the key file" : "wgf host init writes one (its public half goes into the Host)");
		return;
	}
	e = key_public_from_private(pub, key);
	sodium_memzero(key, sizeof(key));
	if (e < 0 || stat(c->key_file, &st) < 0) {
		doctor_say(r, DOCTOR_PROBLEM, "key file %s: cannot be read", c->key_file);
		return;
	}
	key_to_base64(pub, b64);
	key_to_base64(c->host->public_key, want);
	if (memcmp(pub, c->host->public_key, WG_KEY_LEN)) {
		doctor_say(r, DOCTOR_PROBLEM, "the key in %s (public %s) is not Host %s's publicKey %s", c->key_file, b64,
			   c->host->meta.name, want);
		doctor_hint(r, "use the key file that belongs to this Host (--key-file), or commit its public key as the Host's publicKey");
		return;
	}
	doctor_say(r, DOCTOR_OK, "%s (mode %04o) holds Host %s's key %s", c->key_file, (unsigned)(st.st_mode & 07777),
		   c->host->meta.name, b64);
	if (st.st_mode & 0177) {
		doctor_say(r, DOCTOR_PROBLEM, "%s has mode %04o: only its owner may read or write it", c->key_file,
			   (unsigned)(st.st_mode & 07777));
		doctor_hint(r, "chmod 600 %s", c->key_file);
	} else if (d && d->has_private_key && key_public_from_private(pub, d->private_key) == 0 &&
		   memcmp(pub, c->host->public_key, WG_KEY_LEN)) {
		doctor_say(r, DOCTOR_PROBLEM, "%s runs with public key %s, not Host %s's %s", d->ifname,
			   key_to_base64(pub, b64), c->host->meta.name, want);
		doctor_hint(r, "wgf apply sets the key file's key on the interface");
	}
}
