/* Cross-object checks that compare every object with every other: overlapping
 * prefixes, LANs that hold an endpoint, duplicate keys. Not part of the model API. */
#pragma once
#include "model/model_loader.h"

void validate_overlaps(struct loader *l);
void validate_loops(struct loader *l);
void validate_keys(struct loader *l);
