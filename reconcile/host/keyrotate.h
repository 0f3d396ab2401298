/* Host key rotation: `wgf host rotate` prepares the next WireGuard key (next.key
 * beside the key file, never leaving the host); the operator commits its public
 * half as the Host's publicKey; a plan for that Host is then made with the
 * prepared key (pipeline_identify), and once it is applied the prepared key
 * becomes the key file and the rotation is journaled (pipeline_apply). */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "model/key.h"

#define KEYROTATE_PREVIOUS_SUFFIX ".previous"   /* the replaced key: "private.key.previous" */

/* Creates next_file (mode 0600, written atomically) with a new key and gives
 * its public half. -EEXIST when one is prepared already (unless force). */
int keyrotate_prepare(const char *next_file, bool force, uint8_t pub[WG_KEY_LEN]);

/* Makes next_file the key file: key_file is copied to key_file.previous (0600,
 * atomic, replacing an older one), then next_file is renamed over key_file.
 * next_file must hold the key whose public half is next_pub, else -ESTALE and
 * nothing is changed. old_pub: the public half of the key replaced. 0 or a
 * negative errno (the key file is then the old key or the new one, whole). */
int keyrotate_switch(const char *key_file, const char *next_file, const uint8_t next_pub[WG_KEY_LEN],
		     uint8_t old_pub[WG_KEY_LEN]);
