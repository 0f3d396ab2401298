/* Cross-object checks of exit groups and of the "exit" of Peers, Tenants and
 * Hosts (README "Exit groups"). Not part of the model API. */
#pragma once
#include "model/model_validate_util.h"

/* Sorts model.exit_groups (and their extras) by name; before any index into them is taken. */
void exit_groups_sort(struct loader *l);
/* Exit interfaces, members, "use", every "exit" resolved and checked; members sorted.
 * After tenants and topology are resolved. */
void validate_exits(struct loader *l, const struct kind_indexes *k, const struct name_index *groups);
