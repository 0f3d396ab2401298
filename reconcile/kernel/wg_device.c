/* What both WireGuard backends share: interface names they accept, and how a
 * device read from either becomes an observed hs_device. */
#include "reconcile/kernel/wg_device.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

bool wg_ifname_valid(const char *ifname)
{
	size_t n;

	if (!ifname)
		return false;
	n = strlen(ifname);
	return n > 0 && n < IFNAMSIZ && !strchr(ifname, '/') &&
	       strcmp(ifname, ".") && strcmp(ifname, "..");
}

int wg_device_take(struct hs_device *out, struct hs_device *from, enum hs_backend backend)
{
	struct host_state tmp = { .devices = from, .n_devices = 1 };

	hoststate_normalize(&tmp);
	/* Neither the kernel nor wireguard-go lists a peer twice; a reply that does
	 * would make the diff update one copy and remove the other. */
	for (size_t i = 1; i < from->n_peers; i++)
		if (!hs_peer_cmp(&from->peers[i - 1], &from->peers[i]))
			return -EPROTO;
	for (size_t i = 0; i < out->n_peers; i++)
		hs_peer_clear(&out->peers[i]);
	free(out->peers);
	out->has_private_key = from->has_private_key;
	memcpy(out->private_key, from->private_key, WG_KEY_LEN);
	out->listen_port = from->listen_port;
	out->fwmark = from->fwmark;
	out->peers = from->peers;
	out->n_peers = from->n_peers;
	out->backend = backend;
	from->peers = NULL;
	from->n_peers = 0;
	sodium_memzero(from->private_key, WG_KEY_LEN);
	return 0;
}
