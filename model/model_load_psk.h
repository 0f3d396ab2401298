/* A Peer's sealed preshared keys. Not part of the model API. */
#pragma once
#include "model/model_load_spec.h"

SPEC_LOADER(spec_load_psks);           /* "presharedKeys" */
SPEC_LOADER(spec_load_psk_singular);   /* "presharedKey": always an error that says what to do */
void model_psks_free(struct model_psk *k, size_t n);
