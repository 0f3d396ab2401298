/* Cross-object checks of access control. Not part of the model API. */
#pragma once
#include "model/model_validate_util.h"

/* Tenants and their members, access levels, public addresses and forwards, policies and their tests. */
void model_validate_access(struct loader *l, const struct name_index *nets, const struct name_index *hosts,
			   const struct name_index *peers, const struct name_index *tenants);
