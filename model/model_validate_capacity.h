/* A hub's capacity (Host "maxPeers"). Not part of the model API. */
#pragma once
#include "model/model_validate_util.h"

/* Every hub with maxPeers takes at most that many enabled Peers. After the peers' hubs. */
void validate_capacity(struct loader *l);
