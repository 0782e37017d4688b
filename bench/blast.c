/* A fast sender for the live load benchmark (bench/live.sh). tcpreplay
 * --topspeed sends one packet per system call and reaches 0.1-0.2 Mpps on
 * a veth, so it measured itself rather than the sensor. blast loads a pcap
 * file into memory and sends it, TIMES times, on an AF_PACKET socket that
 * bypasses the qdisc, handing the kernel a batch of frames per sendmmsg()
 * call straight from the loaded bytes.
 *
 * Why sendmmsg and not a PACKET_TX_RING: ring frames go out as zero-copy
 * page fragments, and a veth must copy those into a freshly allocated page
 * per packet when the packet crosses into the other namespace; measured on
 * the benchmark's veth, the ring sent 0.5-0.7 Mpps where sendmmsg sends
 * 1.3 Mpps (small frames are copied into one linear buffer instead).
 *
 * Frames the kernel refuses (shorter than an Ethernet header, longer than
 * the MTU) are counted and reported, not hidden.
 *
 * Use it only on interfaces of network namespaces you created (the
 * benchmark's veth pair): it sends as fast as the machine allows.
 *
 * usage: blast [--times N] [--batch FRAMES] IFACE FILE.pcap
 * Prints "sent PACKETS packets (BYTES bytes) in SECONDS s: RATE pps;
 * refused REFUSED" on standard output; exit 1 on an error, 2 on usage. */
#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* The whole capture: frame bytes back to back, and where each one starts. */
struct capture {
    uint8_t *bytes; /* owned; freed by capture_free */
    size_t used, cap;
    size_t *start;  /* owned; freed by capture_free; n + 1 entries once loaded */
    size_t n, n_cap;
};

static void capture_free(struct capture *c)
{
    free(c->bytes);
    free(c->start);
}

/* Makes *p (of *cap elements of elem bytes) hold at least need elements. */
static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 4096;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = n;
    return 0;
}

/* Reads the Ethernet capture at path into c. Returns 0, or -1 after
 * printing why. */
static int capture_load(struct capture *c, const char *path)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = pcap_open_offline(path, errbuf);
    if (!p) {
        fprintf(stderr, "blast: %s\n", errbuf);
        return -1;
    }
    if (pcap_datalink(p) != DLT_EN10MB) {
        fprintf(stderr, "blast: %s: not an Ethernet capture\n", path);
        pcap_close(p);
        return -1;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        if (grow((void **)&c->bytes, &c->cap, c->used + h->caplen, 1) ||
            grow((void **)&c->start, &c->n_cap, c->n + 2, sizeof *c->start)) {
            fprintf(stderr, "blast: out of memory after %zu packets\n", c->n);
            pcap_close(p);
            return -1;
        }
        c->start[c->n++] = c->used;
        memcpy(c->bytes + c->used, data, h->caplen);
        c->used += h->caplen;
    }
    if (rc != PCAP_ERROR_BREAK) {
        fprintf(stderr, "blast: %s: %s\n", path, pcap_geterr(p));
        pcap_close(p);
        return -1;
    }
    pcap_close(p);
    if (c->n == 0) {
        fprintf(stderr, "blast: %s: no packets\n", path);
        return -1;
    }
    c->start[c->n] = c->used;
    return 0;
}

/* A packet socket bound to iface that sends past the qdisc and receives
 * nothing (protocol 0). Returns the descriptor, or -1 after printing why. */
static int open_sender(const char *iface)
{
    int fd = socket(AF_PACKET, SOCK_RAW, 0);
    if (fd < 0) {
        perror("blast: socket(AF_PACKET)");
        return -1;
    }
    int one = 1;
    struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_ifindex = (int)if_nametoindex(iface)};
    if (sll.sll_ifindex == 0)
        fprintf(stderr, "blast: no interface %s\n", iface);
    else if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one))
        perror("blast: PACKET_QDISC_BYPASS");
    else if (bind(fd, (struct sockaddr *)&sll, sizeof sll))
        perror("blast: bind");
    else
        return fd;
    close(fd);
    return -1;
}

struct tally {
    uint64_t sent, refused, bytes;
};

/* Sends the capture `times` times, batch frames a call. Returns 0, or -1
 * after printing why. */
static int blast(int fd, const struct capture *c, unsigned long times, unsigned batch,
                 struct tally *t)
{
    struct mmsghdr *m = calloc(batch, sizeof *m);   /* freed below */
    struct iovec *iov = calloc(batch, sizeof *iov); /* freed below */
    int rc = -1;
    if (!m || !iov) {
        fprintf(stderr, "blast: out of memory\n");
        goto out;
    }
    for (unsigned k = 0; k < batch; k++) {
        m[k].msg_hdr.msg_iov = &iov[k];
        m[k].msg_hdr.msg_iovlen = 1;
    }
    for (unsigned long rep = 0; rep < times; rep++)
        for (size_t i = 0; i < c->n;) {
            unsigned k = 0;
            for (; k < batch && i + k < c->n; k++) {
                iov[k].iov_base = c->bytes + c->start[i + k];
                iov[k].iov_len = c->start[i + k + 1] - c->start[i + k];
            }
            int sent = sendmmsg(fd, m, k, 0);
            if (sent < 0) {
                if (errno == EINTR || errno == ENOBUFS || errno == EAGAIN)
                    continue; /* nothing went out: try the same batch again */
                if (errno != EINVAL && errno != EMSGSIZE) {
                    perror("blast: sendmmsg");
                    goto out;
                }
                t->refused++; /* the kernel refused the batch's first frame */
                i++;
                continue;
            }
            for (int j = 0; j < sent; j++)
                t->bytes += iov[j].iov_len;
            t->sent += (unsigned)sent;
            i += (unsigned)sent;
        }
    rc = 0;
out:
    free(m);
    free(iov);
    return rc;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int usage(void)
{
    fprintf(stderr, "usage: blast [--times N] [--batch FRAMES] IFACE FILE.pcap\n");
    return 2;
}

int main(int argc, char **argv)
{
    unsigned long times = 1, batch = 1024;
    int i = 1;
    for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        char *end;
        unsigned long v = strtoul(argv[i + 1], &end, 10);
        if (*end || v == 0 || v > 1000000)
            return usage();
        if (strcmp(argv[i], "--times") == 0)
            times = v;
        else if (strcmp(argv[i], "--batch") == 0)
            batch = v;
        else
            return usage();
    }
    if (argc - i != 2)
        return usage();
    struct capture c = {0};
    int fd = -1, status = 1;
    if (capture_load(&c, argv[i + 1]) == 0 && (fd = open_sender(argv[i])) >= 0) {
        struct tally t = {0};
        double t0 = now_s();
        if (blast(fd, &c, times, (unsigned)batch, &t) == 0) {
            double secs = now_s() - t0;
            printf("sent %llu packets (%llu bytes) in %.3f s: %.0f pps; refused %llu\n",
                   (unsigned long long)t.sent, (unsigned long long)t.bytes, secs,
                   secs > 0 ? (double)t.sent / secs : 0.0, (unsigned long long)t.refused);
            status = 0;
        }
    }
    if (fd >= 0)
        close(fd);
    capture_free(&c);
    return status;
}
