/* Model -> desired HostState for one host. Pure: no I/O, no clock, no root. */
#pragma once
#include <stdint.h>

#include "model/hoststate.h"
#include "model/model.h"

struct render_opts {
	int64_t now;                   /* unix seconds; peers expired at or before it are left out */
	const uint8_t *private_key;    /* the host's key (WG_KEY_LEN), or NULL: has_private_key false */
};

/* Returns 0 and a normalized *out, or a negative errno. */
int render_host(const struct model *m, const struct model_host *h,
		const struct render_opts *o, struct host_state **out);
