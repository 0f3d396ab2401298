/* The one way HostState arrays grow (model/hoststate_grow.h). */
#include "model/hoststate_grow.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int hs_grow(void **arr, size_t *n, size_t elem)
{
	if (*n == 0 || (*n & (*n - 1)) == 0) {
		void *p = realloc(*arr, (*n == 0 ? 1 : *n * 2) * elem);
		if (!p)
			return -ENOMEM;
		*arr = p;
	}
	memset((char *)*arr + *n * elem, 0, elem);
	(*n)++;
	return 0;
}
