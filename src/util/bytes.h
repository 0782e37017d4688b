/* Growing a byte buffer that its owner keeps as (pointer, capacity). */
#ifndef KENCHI_UTIL_BYTES_H
#define KENCHI_UTIL_BYTES_H

#include <stddef.h>

/* Makes room for `more` bytes past the first `len` of *buf (capacity
 * *cap), doubling from `first` bytes; *buf may be NULL at first and stays
 * the caller's to free. 0, or -1 when memory ran out or the size would
 * pass SIZE_MAX / 2 (*buf and *cap then unchanged). */
int kn_bytes_reserve(char **buf, size_t *cap, size_t len, size_t more, size_t first);

#endif
