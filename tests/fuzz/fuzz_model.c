/* libFuzzer harness for the YAML loader and validator (one file per input).
 *
 * `make fuzz` builds it as build/fuzz/fuzz_model; `make test` runs it briefly. By hand:
 *   clang -g -O1 -std=gnu11 -D_GNU_SOURCE -I. -Wall -Wextra -fsanitize=fuzzer,address,undefined \
 *     -o fuzz_model tests/fuzz/fuzz_model.c model/?*.c \
 *     $(pkg-config --cflags --libs yaml-0.1 libgit2 libsodium)
 *   mkdir -p corpus && cp tests/unit/fixtures/model/valid/hosts/?* tests/unit/fixtures/model/valid/peers/?* corpus/
 *   ./fuzz_model -max_total_time=60 -max_len=65536 corpus
 */
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *name = "fuzz.yaml";
	const char *buf = (const char *)data;
	struct model *m = NULL;
	struct diag d;

	diag_init(&d);
	model_load_buffers(&name, &buf, &size, 1, &m, &d);
	model_free(m);
	diag_free(&d);
	return 0;
}
