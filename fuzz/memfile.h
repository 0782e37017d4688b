/* For fuzz targets that feed the real file-opening path: the input bytes
 * as an in-memory file (memfd), reachable by a path. */
#ifndef KENCHI_FUZZ_MEMFILE_H
#define KENCHI_FUZZ_MEMFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

/* The descriptor (the caller closes it) with data written in full, and its
 * /proc path in path; -1 when no memfd can be had. */
static inline int fuzz_memfile(const char *name, const uint8_t *data, size_t size, char path[64])
{
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    for (size_t off = 0; off < size;) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    snprintf(path, 64, "/proc/self/fd/%d", fd);
    return fd;
}

#endif
