/* model.c's helpers for the loader. Not part of the model API. */
#pragma once
#include "model/model.h"

void model_network_clear(struct model_network *n);
void model_tenant_clear(struct model_tenant *t);
void model_operator_clear(struct model_operator *o);
void model_host_clear(struct model_host *h);
void model_peer_clear(struct model_peer *p);
void model_policy_clear(struct model_policy *pol);
void model_exit_group_clear(struct model_exit_group *g);
void model_exit_use_clear(struct model_exit_use *u);
/* Does selector s of an ExitGroup's "use" select p? (model_exit.c) */
bool model_exit_selects_peer(const struct model *m, const struct model_selector *s, const struct model_peer *p);
