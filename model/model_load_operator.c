/* The Operator kind: a person who generates client configs, and so reads the
 * network's sealed secrets. */
#include <stddef.h>

#include "model/model_internal.h"
#include "model/model_load_settings.h"

_Static_assert(offsetof(struct model_operator, meta) == 0, "a kind's struct starts with its meta");

static const struct spec_field operator_fields[] = {
	{ "network", spec_load_network_ref, false, 0, 0, 0 },
	{ "sealingKey", spec_load_sealing_key, true, offsetof(struct model_operator, sealing_key), 0, 0 },
};

static const struct model_operator operator_defaults;

static void operator_clear(void *obj)
{
	model_operator_clear(obj);
}

const struct kind_spec kind_operator = {
	"Operator", "Operator spec", SPEC_FIELDS(operator_fields), &operator_defaults, sizeof(struct model_operator),
	operator_clear, offsetof(struct model, operators), offsetof(struct model, n_operators),
	offsetof(struct loader, op_x), offsetof(struct loader, cap_operators),
};
