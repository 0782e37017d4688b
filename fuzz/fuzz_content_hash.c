/* Differential fuzz target for the content hash taken after the reading
 * (kn_content_hash_file, analyze/group.h): the input bytes as a capture
 * file, read through the buffered reader with every frame staged into a
 * hasher as the analysis would stage it. Where the reader read the file
 * to its end without handing it over to libpcap (the files whose digest a
 * run leaves to the commit), the walk must either fail or, when it counts
 * the frames the reader read, give the staged digest: a walk that agreed
 * on the count but not on the digest would store a wrong identity for the
 * file, so that a repeat of it went uncounted or was counted twice. And
 * where the reading ended cleanly, the walk must succeed and count the
 * same frames: a failure there would fail the group of a good file.
 * Any such difference abort()s. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze/content_hash.h"
#include "capture/source.h"
#include "memfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One hasher for the process: each one has a thread. */
static struct kn_content_hash *staged_hasher(void)
{
    static struct kn_content_hash *h;
    struct kn_err e;
    if (!h && !(h = kn_content_hash_new(&e))) {
        fprintf(stderr, "content hash: %s\n", e.msg);
        abort();
    }
    return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = fuzz_memfile("fuzz_content_hash", data, size, path);
    if (fd < 0)
        return 0;
    struct kn_source *s;
    struct kn_err e;
    if (kn_source_open_file(&s, path, &e)) {
        close(fd);
        return 0;
    }
    struct kn_content_hash *h = staged_hasher();
    if (kn_content_hash_reset(h, &e))
        abort();
    uint64_t walk_size = 0;
    int walk_fd = kn_source_dup_buffered(s, &walk_size);
    struct kn_frame f;
    uint64_t frames = 0;
    int rc;
    while ((rc = kn_source_next(s, &f, &e)) == 1) {
        kn_content_hash_add(h, &f);
        frames++;
    }
    bool whole = walk_fd >= 0 && kn_source_is_buffered(s);
    kn_source_close(s);
    close(fd);
    uint8_t staged[32], walked[32];
    if (kn_content_hash_final(h, staged, &e))
        abort();
    if (!whole) {
        if (walk_fd >= 0)
            close(walk_fd);
        return 0;
    }
    uint64_t walked_frames = 0;
    bool ok = kn_content_hash_file(walk_fd, walk_size, walked, &walked_frames, &e) == 0;
    if (ok && walked_frames == frames && memcmp(staged, walked, sizeof staged) != 0) {
        fprintf(stderr, "the walk over %llu frames gave another digest than staging them\n",
                (unsigned long long)frames);
        abort();
    }
    if (rc == 0 && (!ok || walked_frames != frames)) {
        fprintf(stderr, "a clean read of %llu frames, but the walk %s (%llu frames)\n",
                (unsigned long long)frames, ok ? "counted others" : e.msg,
                (unsigned long long)walked_frames);
        abort();
    }
    return 0;
}
