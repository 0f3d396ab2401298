/* wgf doctor's verdicts and the small rules behind them (render/doctor.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "render/doctor.h"

static const char *const status_names[] = {
	[DOCTOR_OK] = "ok", [DOCTOR_WARNING] = "warning", [DOCTOR_PROBLEM] = "problem",
};

const char *doctor_status_name(enum doctor_status s)
{
	return status_names[s];
}

void doctor_say(struct doctor_result *r, enum doctor_status s, const char *fmt, ...)
{
	va_list ap;

	r->status = s;
	r->hint[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(r->message, sizeof(r->message), fmt, ap);
	va_end(ap);
}

void doctor_hint(struct doctor_result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->hint, sizeof(r->hint), fmt, ap);
	va_end(ap);
}

void doctor_append(struct doctor_result *r, const char *fmt, ...)
{
	size_t n = strlen(r->message);
	va_list ap;

	if (n && n + 2 < sizeof(r->message)) {
		memcpy(r->message + n, "; ", 3);
		n += 2;
	}
	if (n + 1 >= sizeof(r->message))
		return;
	va_start(ap, fmt);
	vsnprintf(r->message + n, sizeof(r->message) - n, fmt, ap);
	va_end(ap);
}

void doctor_raise(struct doctor_result *r, enum doctor_status s)
{
	if (s > r->status)
		r->status = s;
}

bool doctor_role_routes(enum host_role role)
{
	return role == HOST_ROLE_HUB || role == HOST_ROLE_ROUTER || role == HOST_ROLE_EXIT;
}

int doctor_rp_filter_effective(int all, int iface)
{
	return all > iface ? all : iface;
}

enum doctor_status doctor_rp_filter_status(int effective, bool routes, bool asymmetric)
{
	if (effective != 1 || !routes)
		return DOCTOR_OK;
	return asymmetric ? DOCTOR_PROBLEM : DOCTOR_WARNING;
}

uint32_t doctor_wg_overhead(int family)
{
	return family == AF_INET6 ? 80 : 60;
}

enum doctor_status doctor_mtu_status(uint32_t wg_mtu, uint32_t path_mtu, int family, uint32_t *need)
{
	*need = wg_mtu + doctor_wg_overhead(family);
	return *need > path_mtu ? DOCTOR_PROBLEM : DOCTOR_OK;
}
