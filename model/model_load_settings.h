/* Loaders of the settings several kinds share: "dns", "rotation", "keyCreated",
 * "sealingKey". Each writes the struct at f->offset. Not part of the model API. */
#pragma once
#include "model/model_load_spec.h"

SPEC_LOADER(spec_load_dns);            /* struct model_dns */
SPEC_LOADER(spec_load_rotation);       /* struct model_rotation */
SPEC_LOADER(spec_load_health);         /* health.staleAfter: uint32_t seconds at f->offset */
SPEC_LOADER(spec_load_key_created);    /* a date: int64_t at f->offset, and true into the bool at f->min */
SPEC_LOADER(spec_load_sealing_key);    /* uint8_t[WG_KEY_LEN] at f->offset; true into the bool at f->min (0: none) */

void model_dns_clear(struct model_dns *d);
