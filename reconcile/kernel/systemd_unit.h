/* A systemd unit's state as the service manager has it, over D-Bus (sd-bus). */
#pragma once
#include <stdint.h>

#include "model/error.h"

struct systemd_unit_state {
	char load[16];                 /* "loaded", "not-found", … */
	char active[16];               /* "active", "inactive", "failed", … */
	char sub[16];                  /* timers: "waiting", "running" (its unit runs now), "elapsed", … */
	char file[24];                 /* "enabled", "disabled", "static", … ("" when none) */
	uint64_t next_elapse_us;       /* timers: the next run, unix µs; 0: none */
	uint64_t last_trigger_us;      /* timers: the last run, unix µs; 0: never */
};

/* 0 and *out; -ENOENT when there is no systemd on the system bus; another
 * negative errno (said in err) when the manager does not answer. */
int systemd_unit_get(const char *unit, struct systemd_unit_state *out, struct wgf_error *err);
