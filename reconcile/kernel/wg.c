/* WireGuard device access: which backend serves an interface, and dispatch to it. */
#include "reconcile/kernel/wg.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "reconcile/kernel/wg_genl.h"
#include "reconcile/kernel/wg_uapi.h"

enum hs_backend wg_backend_detect(const char *ifname)
{
	char path[sizeof(WG_UAPI_DIR) + IFNAMSIZ + 8];
	struct stat st;

	if (!wg_ifname_valid(ifname))
		return HS_BACKEND_KERNEL;
	snprintf(path, sizeof(path), "%s/%s.sock", WG_UAPI_DIR, ifname);
	if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		return HS_BACKEND_USERSPACE;
	return HS_BACKEND_KERNEL;
}

bool wg_kernel_available(void)
{
	uint16_t id;

	return wg_genl_resolve_family(&id) == 0;
}

int wg_get_device(const char *ifname, enum hs_backend backend, struct hs_device *out)
{
	if (!wg_ifname_valid(ifname))
		return -EINVAL;
	if (backend == HS_BACKEND_AUTO)
		backend = wg_backend_detect(ifname);
	return backend == HS_BACKEND_USERSPACE ? wg_uapi_get_device(ifname, out)
					       : wg_genl_get_device(ifname, out);
}

int wg_set_device(const char *ifname, enum hs_backend backend, const struct wg_device_set *s)
{
	if (!wg_ifname_valid(ifname))
		return -EINVAL;
	if (backend == HS_BACKEND_AUTO)
		backend = wg_backend_detect(ifname);
	return backend == HS_BACKEND_USERSPACE ? wg_uapi_set_device(ifname, s)
					       : wg_genl_set_device(ifname, s);
}
