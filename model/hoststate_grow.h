/* Private to model/hoststate*.c: how their arrays grow. */
#pragma once
#include <stddef.h>

/* Appends one zeroed element to *arr (*n counts them); the capacity doubles
 * whenever *n reaches a power of two. 0 or -ENOMEM. */
int hs_grow(void **arr, size_t *n, size_t elem);
