/* Fuzz target: the input bytes as a capture file (pcap, pcapng, gzip or
 * zstd of either), opened through kn_source_open_file as a memfd (so the
 * real open path runs: magic check, rewind or feeder thread, libpcap or the
 * pcapng reader), read to the end, every frame decoded and counted. */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "capture/source.h"
#include "memfile.h"
#include "stats/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = fuzz_memfile("fuzz_reader", data, size, path);
    if (fd < 0)
        return 0;
    struct kn_source *src;
    struct kn_err err;
    if (kn_source_open_file(&src, path, &err) == 0) {
        struct kn_ingest st;
        kn_ingest_init(&st);
        kn_ingest_source(src, &st, NULL, NULL, &err);
        json_decref(kn_ingest_json(&st));
        kn_source_close(src);
    }
    close(fd);
    return 0;
}
