/* The host's private key file: base64, one line, mode 0600, never in the repository. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/key.h"

#define WGF_DEFAULT_KEY_FILE "/etc/wgf/private.key"
/* Beside the key file unless named otherwise (keyfile_beside): the sealing key
 * (X25519, for secrets sealed to this host; not the WireGuard key) and the
 * prepared next WireGuard key (wgf host rotate). Same format as the key file. */
#define KEYFILE_SEALING_NAME "sealing.key"
#define KEYFILE_NEXT_NAME "next.key"

/* -ENOENT if missing; -EPERM if readable by group or others (like ssh); -EINVAL
 * if it does not hold a key; -EBADFD if it is not a regular file (never waits on a
 * FIFO); -ELOOP if it is a symbolic link. */
int keyfile_read(const char *path, uint8_t key[WG_KEY_LEN]);
/* What went wrong reading a key file, for a message after the path; the host
 * variant says, for a missing file, how this host gets one. Operators'
 * identities and devices' keys are key files too. */
const char *keyfile_strerror(int r);
const char *keyfile_host_strerror(int r);
/* Creates a new key file (refuses to overwrite unless force). */
int keyfile_create(const char *path, bool force, uint8_t key[WG_KEY_LEN]);
/* The file called name in key_file's directory, into buf. 0 or -ENAMETOOLONG. */
int keyfile_beside(const char *key_file, const char *name, char *buf, size_t len);
