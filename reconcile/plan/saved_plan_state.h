/* The desired HostState a saved plan was made for, as JSON and back
 * (saved_plan.h's "desired"). No secret is written: a device key is its
 * public key, a desired PSK its public id and its copy sealed to the host
 * (as in git), which the host opens when it applies the plan. Pure. */
#pragma once
#include <stddef.h>

#include "model/error.h"
#include "model/hoststate.h"

struct json_object;

/* -EINVAL for a desired PSK without its id or sealed copy (err says which
 * peer), -ENOMEM. */
int saved_state_to_json(const struct host_state *desired, struct json_object **out, struct wgf_error *err);
/* path: where o is in the document ("hosts[0].desired"), for messages.
 * -EBADMSG (err: "PATH.interfaces[1].peers[0].endpoint: …") or -ENOMEM. */
int saved_state_from_json(struct json_object *o, const char *path, struct host_state **out, struct wgf_error *err);
