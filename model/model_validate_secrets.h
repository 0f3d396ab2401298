/* Cross-object checks of sealed secrets and Operators. Not part of the model API. */
#pragma once
#include "model/model_validate_util.h"

/* Operators' networks; before the secrets. */
void validate_operators(struct loader *l, const struct name_index *nets);
/* Each Peer's preshared keys: the hub it pairs with, who it is sealed to, and
 * that every host that applies it can open it. After the peers' hubs. */
void validate_secrets(struct loader *l, const struct kind_indexes *k, const struct name_index *ops);
