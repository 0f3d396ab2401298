/* Cross-object checks after every document is loaded. Not part of the model API. */
#pragma once
#include "model/model_loader.h"

/* Resolves references and reports every problem through l; sets l->oom on failure to allocate. */
void model_validate(struct loader *l);
