/* Cross-object checks of access internet-only. Not part of the model API. */
#pragma once
#include "model/model_validate_util.h"

/* Every internet-only peer reaches the internet: through its exit group, or
 * through its first hub as an exit. After validate_exits. */
void validate_internet_only(struct loader *l);
