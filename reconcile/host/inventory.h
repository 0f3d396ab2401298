/* Where wgf fleet reaches each Host: an inventory file kept outside the
 * repository (the repository is reviewed but hostile input: a pull request
 * must not redirect where CI connects with its key). One Host a line:
 *
 *   # comment
 *   NAME user@address[:port]      address: a DNS name, an IPv4 address or [IPv6]
 *
 * Pure. */
#pragma once
#include <stddef.h>

#include "model/error.h"

#define INVENTORY_MAX_HOSTS 100000
#define INVENTORY_NAME_MAX 253

struct inventory_host {
	char *name;                    /* the Host's name in the repository */
	char *user;
	char *address;                 /* without brackets */
	unsigned port;                 /* 22 unless given */
	unsigned line;
};

struct inventory {
	struct inventory_host *hosts;  /* in file order */
	size_t n;
};

/* Parses text (len bytes, from file). 0, or -EBADMSG with "FILE:LINE:COL: …"
 * in err (inv is then empty), or -ENOMEM. */
int inventory_parse(const char *text, size_t len, const char *file, struct inventory *inv, struct wgf_error *err);
const struct inventory_host *inventory_find(const struct inventory *inv, const char *name);
void inventory_clear(struct inventory *inv);
