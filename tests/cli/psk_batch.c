/* Preshared keys in bulk, for tests/bench/gen --psk (never installed): N lines of
 * "PSK ID SEALED" (base64 key, its public id, the key sealed to the sealing key
 * given), so a benchmark repository of thousands of Peers can declare them the
 * way `wgf secret psk` writes them.
 *
 *   build/cli/psk_batch SEALING_PUBLIC_KEY N
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

#include "model/key.h"
#include "model/seal.h"

int main(int argc, char **argv)
{
	uint8_t pub[WG_KEY_LEN], psk[SEAL_SECRET_LEN], id[SEAL_ID_LEN];
	char b64[WG_KEY_B64_LEN], idb[SEAL_ID_B64_LEN], text[SEAL_TEXT_LEN];
	long n;

	if (argc != 3 || sodium_init() < 0 || !key_from_base64(argv[1], pub) || (n = atol(argv[2])) < 0) {
		fputs("usage: psk_batch SEALING_PUBLIC_KEY N\n", stderr);
		return 1;
	}
	for (long i = 0; i < n; i++) {
		randombytes_buf(psk, sizeof(psk));
		seal_psk_id(psk, id);
		if (seal_secret(psk, pub, text) < 0)
			return 1;
		printf("%s %s %s\n", key_to_base64(psk, b64), seal_id_to_base64(id, idb), text);
	}
	sodium_memzero(psk, sizeof(psk));
	return fflush(stdout) == 0 ? 0 : 1;
}
