#include "reconcile/kernel/systemd_unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#define SYSTEMD1 "org.freedesktop.systemd1"
#define UNIT SYSTEMD1 ".Unit"
#define TIMER SYSTEMD1 ".Timer"

static int get_string(sd_bus *b, const char *path, const char *iface, const char *name, char *buf, size_t size,
		      sd_bus_error *e)
{
	char *v = NULL;
	int r = sd_bus_get_property_string(b, SYSTEMD1, path, iface, name, e, &v);

	if (r >= 0)
		snprintf(buf, size, "%s", v);
	free(v);
	return r;
}

static int get_u64(sd_bus *b, const char *path, const char *name, uint64_t *v, sd_bus_error *e)
{
	return sd_bus_get_property_trivial(b, SYSTEMD1, path, TIMER, name, e, 't', v);
}

static uint64_t clock_us(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* A timer's next run on the wall clock. Its calendar triggers (OnCalendar=)
 * give NextElapseUSecRealtime; the monotonic ones (OnBootSec=,
 * OnUnitActiveSec=, as wgf-reconcile.timer has) only NextElapseUSecMonotonic,
 * on CLOCK_MONOTONIC, with the realtime one "infinity" (UINT64_MAX). */
static int timer_times(sd_bus *b, const char *path, struct systemd_unit_state *out, sd_bus_error *e)
{
	uint64_t rt = 0, mono = 0;
	int r = get_u64(b, path, "NextElapseUSecRealtime", &rt, e);

	if (r >= 0)
		r = get_u64(b, path, "NextElapseUSecMonotonic", &mono, e);
	if (r >= 0)
		r = get_u64(b, path, "LastTriggerUSec", &out->last_trigger_us, e);
	if (r < 0)
		return r;
	if (rt == UINT64_MAX)
		rt = 0;
	if (mono && mono != UINT64_MAX) {
		uint64_t now_mono = clock_us(CLOCK_MONOTONIC), now_rt = clock_us(CLOCK_REALTIME);
		uint64_t m = now_rt + (mono > now_mono ? mono - now_mono : 0);

		if (!rt || m < rt)
			rt = m;
	}
	out->next_elapse_us = rt;
	if (out->last_trigger_us == UINT64_MAX)
		out->last_trigger_us = 0;
	return 0;
}

int systemd_unit_get(const char *unit, struct systemd_unit_state *out, struct wgf_error *err)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	sd_bus *b = NULL;
	const char *p;
	char *path = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	/* without systemd as PID 1 a system bus may still answer, but not for units */
	if (sd_booted() <= 0 || sd_bus_open_system(&b) < 0) {
		r = -ENOENT;
		goto out;
	}
	/* LoadUnit, not GetUnit: a unit that is installed but not loaded (an
	 * inactive timer after boot) has no object until asked for */
	r = sd_bus_call_method(b, SYSTEMD1, "/org/freedesktop/systemd1", SYSTEMD1 ".Manager", "LoadUnit", &e,
			       &reply, "s", unit);
	if (r >= 0 && (r = sd_bus_message_read(reply, "o", &p)) >= 0 && !(path = strdup(p)))
		r = -ENOMEM;
	if (r >= 0)
		r = get_string(b, path, UNIT, "LoadState", out->load, sizeof(out->load), &e);
	if (r >= 0)
		r = get_string(b, path, UNIT, "ActiveState", out->active, sizeof(out->active), &e);
	if (r >= 0)
		r = get_string(b, path, UNIT, "SubState", out->sub, sizeof(out->sub), &e);
	if (r >= 0)
		r = get_string(b, path, UNIT, "UnitFileState", out->file, sizeof(out->file), &e);
	if (r >= 0 && strlen(unit) > 6 && !strcmp(unit + strlen(unit) - 6, ".timer") &&
	    !strcmp(out->load, "loaded"))
		r = timer_times(b, path, out, &e);
	if (r < 0)
		wgf_error_set(err, r, "systemd: %s: %s", unit,
			      sd_bus_error_is_set(&e) && e.message ? e.message : strerror(-r));
out:
	free(path);
	sd_bus_message_unref(reply);
	sd_bus_error_free(&e);
	sd_bus_flush_close_unref(b);
	return r < 0 ? r : 0;
}
