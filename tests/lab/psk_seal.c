/* psk_seal: seals preshared keys for tests/lab/test_psk.sh, as `wgf secret psk`
 * would write them into the repository (model/seal.h).
 *
 *   psk_seal new                  a new PSK (base64) on stdout
 *   psk_seal id PSK               its public id
 *   psk_seal seal PSK PUB         PSK sealed to the sealing public key PUB
 *                                 (a new value each time: sealed boxes are random)
 *
 * Exits 1 on bad usage or a bad key. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "model/key.h"
#include "model/seal.h"

static int usage(void)
{
	fprintf(stderr, "usage: psk_seal new | id PSK | seal PSK SEALING_PUB\n");
	return 1;
}

int main(int argc, char **argv)
{
	uint8_t psk[WG_KEY_LEN], pub[SEAL_KEY_LEN], id[SEAL_ID_LEN];
	char b64[WG_KEY_B64_LEN], idb64[SEAL_ID_B64_LEN], sealed[SEAL_TEXT_LEN];
	int r = 1;

	if (sodium_init() < 0 || argc < 2)
		return usage();
	if (!strcmp(argv[1], "new") && argc == 2) {
		randombytes_buf(psk, sizeof(psk));
		printf("%s\n", key_to_base64(psk, b64));
		r = 0;
	} else if (!strcmp(argv[1], "id") && argc == 3 && key_from_base64(argv[2], psk)) {
		seal_psk_id(psk, id);
		printf("%s\n", seal_id_to_base64(id, idb64));
		r = 0;
	} else if (!strcmp(argv[1], "seal") && argc == 4 && key_from_base64(argv[2], psk) &&
		   key_from_base64(argv[3], pub) && seal_secret(psk, pub, sealed) == 0) {
		printf("%s\n", sealed);
		r = 0;
	} else {
		usage();
	}
	sodium_memzero(psk, sizeof(psk));
	return r;
}
