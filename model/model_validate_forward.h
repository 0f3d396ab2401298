/* Cross-object checks of hosts' public addresses and port forwards. Not part of the model API. */
#pragma once
#include "model/model_validate_util.h"

/* Masquerade, public addresses (defaulting to the endpoint's), forwards and their conflicts. */
void validate_host_access(struct loader *l, const struct name_index *peers, const struct name_index *hosts);
