/* Cross-object checks of policies. Not part of the model API. */
#pragma once
#include "model/model_validate_util.h"

/* Resolves every policy's network, selectors and tests, then sorts the policies
 * into evaluation order: (network, priority, name). */
void validate_policies(struct loader *l, const struct name_index *nets, const struct name_index *hosts,
		       const struct name_index *peers, const struct name_index *tenants);
/* Resolves the peer, host and tenant names of selectors in network net; reports
 * those that do not exist or live in another network. */
void resolve_selectors(struct loader *l, const struct name_index *hosts, const struct name_index *peers,
		       const struct name_index *tenants, size_t net, struct model_selector *s, size_t n);
