/* One commit of the repository as a git pack, to ship the exact desired state
 * CI has to a host (wgf fleet), and on the host, the pack indexed into wgf's
 * own mirror (<state-dir>/mirror.git, as wgf reconcile keeps it) so the commit
 * loads like any other. */
#pragma once
#include <stddef.h>

#include "model/error.h"
#include "reconcile/host/gitfetch.h"

#define GITPACK_MAX (256u << 20)       /* bytes of a pack a host takes */

/* The commit ref names in the repository at repo_path (its tree and every blob
 * in it; no history) as a pack in *buf (malloc'd), its id in oid_hex. */
int gitpack_build(const char *repo_path, const char *ref, char oid_hex[GITFETCH_OID_HEX], void **buf, size_t *len,
		  struct wgf_error *err);

/* Reads a pack from fd (at most GITPACK_MAX bytes) into the bare repository
 * mirror (made if missing, mode 0700) and checks that it brought the commit
 * oid_hex (40 hex digits). 0, or a negative errno said in err. */
int gitpack_receive(const char *mirror, int fd, const char *oid_hex, struct wgf_error *err);
