/* Spilled port tables; see portspill.h. */
#include "aggregate/portspill.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Slots per read or write: 256 KiB, so a run costs a few system calls. */
#define BATCH 4096

void kn_portspill_init(struct kn_portspill *s)
{
    s->fd = -1;
    s->end = 0;
}

void kn_portspill_close(struct kn_portspill *s)
{
    if (s->fd >= 0)
        close(s->fd);
    kn_portspill_init(s);
}

static int open_spill(struct kn_portspill *s, struct kn_err *err)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
        /* a file system without O_TMPFILE: a named file, unlinked at once */
        char path[4096];
        if (snprintf(path, sizeof path, "%s/kenchi-ports-XXXXXX", dir) >= (int)sizeof path) {
            kn_err_set(err, "spilling port counts: temporary directory name too long");
            return -1;
        }
        fd = mkostemp(path, O_CLOEXEC);
        if (fd >= 0)
            unlink(path);
    }
    if (fd < 0) {
        kn_err_set(err, "spilling port counts: cannot create a temporary file in %s: %s", dir,
                   strerror(errno));
        return -1;
    }
    s->fd = fd;
    s->end = 0;
    return 0;
}

static int write_at(int fd, const void *buf, size_t len, uint64_t off)
{
    const uint8_t *p = buf;
    while (len) {
        ssize_t w = pwrite(fd, p, len, (off_t)off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
        off += (uint64_t)w;
    }
    return 0;
}

int kn_portspill_put(struct kn_portspill *s, struct kn_portmap *m, struct kn_spill_run *run,
                     struct kn_err *err)
{
    if (s->fd < 0 && open_spill(s, err))
        return -1;
    /* Freed below. */
    struct kn_port_counts *buf = malloc(BATCH * sizeof *buf);
    if (!buf) {
        kn_err_set(err, "spilling port counts: out of memory");
        return -1;
    }
    uint64_t off = s->end, n = 0;
    size_t k = 0;
    int rc = 0;
    for (size_t j = 0; j < m->cap && rc == 0; j++) {
        if (m->slots[j].key == KN_PORTMAP_EMPTY)
            continue;
        buf[k++] = m->slots[j];
        if (k == BATCH || n + k == m->used) {
            rc = write_at(s->fd, buf, k * sizeof *buf, off + n * sizeof *buf);
            n += k;
            k = 0;
        }
    }
    free(buf);
    if (rc || n != m->used) {
        kn_err_set(err, "spilling port counts: writing the temporary file failed: %s",
                   rc ? strerror(errno) : "the table changed");
        return -1; /* s->end unchanged: the partial run is overwritten next time */
    }
    *run = (struct kn_spill_run){.offset = off, .n = n};
    s->end = off + n * sizeof *buf;
    kn_portmap_free(m);
    return 0;
}

int kn_portspill_add_to(const struct kn_portspill *s, const struct kn_spill_run *run,
                        struct kn_portmap *m, struct kn_err *err)
{
    /* Freed below. */
    struct kn_port_counts *buf = malloc(BATCH * sizeof *buf);
    if (!buf) {
        kn_err_set(err, "reading spilled port counts: out of memory");
        return -1;
    }
    int rc = 0;
    for (uint64_t done = 0; done < run->n && rc == 0;) {
        size_t k = run->n - done < BATCH ? (size_t)(run->n - done) : BATCH;
        size_t len = k * sizeof *buf;
        ssize_t got = pread(s->fd, buf, len, (off_t)(run->offset + done * sizeof *buf));
        if (got < 0 && errno == EINTR)
            continue;
        if (got != (ssize_t)len) {
            kn_err_set(err, "reading spilled port counts: %s",
                       got < 0 ? strerror(errno) : "the temporary file is shorter than written");
            rc = -1;
            break;
        }
        for (size_t i = 0; i < k; i++) {
            struct kn_port_counts *to = kn_portmap_slot(m, buf[i].key);
            if (!to) {
                kn_err_set(err, "reading spilled port counts: out of memory");
                rc = -1;
                break;
            }
            kn_port_counts_add(to, &buf[i]);
        }
        done += k;
    }
    free(buf);
    return rc;
}
