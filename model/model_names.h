/* What a name, an interface name or a label may be. Not part of the model API. */
#pragma once
#include <stdbool.h>

bool model_name_ok(const char *s);
bool model_ifname_ok(const char *s);
/* Why a valid interface name must not be used (the kernel's own names), or NULL. */
const char *model_ifname_reserved(const char *s);
bool model_label_ok(const char *s);
