/* See bytes.h. */
#include "util/bytes.h"

#include <stdint.h>
#include <stdlib.h>

int kn_bytes_reserve(char **buf, size_t *cap, size_t len, size_t more, size_t first)
{
    if (*buf && more <= *cap - len)
        return 0;
    if (more > SIZE_MAX / 2 - len)
        return -1;
    size_t n = *cap ? *cap : first;
    while (n - len < more)
        n *= 2;
    char *p = realloc(*buf, n);
    if (!p)
        return -1;
    *buf = p;
    *cap = n;
    return 0;
}
