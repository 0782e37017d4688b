/* decode against an independent oracle: for real Ethernet captures from
 * $KENCHI_DATA, counts of what the decoder extracts must equal what tcpdump
 * counts with BPF filters that spell out the same definition. BPF rejects
 * a packet when a load runs past the captured bytes, so `ip[N] & 0 = 0`
 * means "byte N was captured"; `len` is the wire length; -O keeps the
 * optimiser from folding those loads away. Only untagged frames are
 * compared (the test itself reads the outer ethertype). Skips when the data
 * or tcpdump is missing. */
#include <pcap/pcap.h>
#include <stdbool.h>

#include "decode/decode.h"
#include "harness.h"

#define IHL "(ip[0] & 0xf) * 4"
#define IP4_INTACT "ip and (ip[0] & 0xf0) = 0x40 and (ip[0] & 0xf) >= 5 and " \
                   "ip[2:2] >= " IHL " and ip[" IHL " - 1] & 0 = 0"
/* The first n transport bytes are inside capture, datagram and wire. */
#define L4_HAS(n) "(ip[6:2] & 0x1fff) = 0 and ip[" IHL " + " #n " - 1] & 0 = 0 and " \
                  "ip[2:2] >= " IHL " + " #n " and len >= 14 + " IHL " + " #n
#define IP6_INTACT "ip6 and (ip6[0] & 0xf0) = 0x60 and ip6[39] & 0 = 0"
#define TCP_FULL IP4_INTACT " and ip[9] = 6 and " L4_HAS(20)

struct oracle {
    const char *name;
    const char *filter;
    bool (*mine)(unsigned ethertype, const struct kn_pkt *p);
};

static bool is_ip4(unsigned et, const struct kn_pkt *p)
{
    return et == 0x0800 && p->outcome == KN_OUT_IP;
}

static bool is_ip6(unsigned et, const struct kn_pkt *p)
{
    return et == 0x86dd && p->outcome == KN_OUT_IP;
}

static bool tcp4_ports(unsigned et, const struct kn_pkt *p)
{
    return is_ip4(et, p) && p->proto == 6 && (p->flags & KN_PKT_HAS_PORTS);
}

static bool udp4_ports(unsigned et, const struct kn_pkt *p)
{
    return is_ip4(et, p) && p->proto == 17 && (p->flags & KN_PKT_HAS_PORTS);
}

static bool tcp4_full(unsigned et, const struct kn_pkt *p)
{
    return is_ip4(et, p) && p->proto == 6 && (p->flags & KN_PKT_HAS_TCP);
}

/* Mirai: SYN without ACK whose sequence number is the destination. */
static bool mirai(unsigned et, const struct kn_pkt *p)
{
    return tcp4_full(et, p) && (p->tcp_flags & (KN_TCP_SYN | KN_TCP_ACK)) == KN_TCP_SYN &&
           p->seq == p->dst4;
}

/* nmap: window 1024, exactly one option and it is MSS 1460 (data offset
 * 6, options bytes 02 04 05 b4). */
static bool nmap(unsigned et, const struct kn_pkt *p)
{
    return tcp4_full(et, p) && !p->anomalies && p->window == 1024 && p->tcp_opt_count == 1 &&
           p->tcp_opt_kinds[0] == 2 && p->mss == 1460;
}

static const struct oracle oracles[] = {
    {"ipv4", IP4_INTACT, is_ip4},
    {"ipv6", IP6_INTACT, is_ip6},
    {"tcp4_ports", IP4_INTACT " and ip[9] = 6 and " L4_HAS(4), tcp4_ports},
    {"udp4_ports", IP4_INTACT " and ip[9] = 17 and " L4_HAS(4), udp4_ports},
    {"tcp4_full", TCP_FULL, tcp4_full},
    {"mirai", TCP_FULL " and tcp[13] & 0x12 = 2 and tcp[4:4] = ip[16:4]", mirai},
    {"nmap", TCP_FULL " and tcp[14:2] = 1024 and tcp[12] & 0xf0 = 0x60 and "
             "tcp[20:4] = 0x020405b4 and ip[2:2] >= " IHL " + 24 and ip[" IHL " + 23] & 0 = 0",
     nmap},
};
#define N_ORACLES (sizeof oracles / sizeof oracles[0])

/* Real captures: darknet scans and backscatter, fragments, VLANs, and
 * tcpdump's malformed-IP regression files. */
static const char *const files[] = {
    "darknet/suricata-verify/mac-eve-packet_mirai-syn-23.pcap",
    "darknet/bro-simple-scan/backscatter.trace",
    "darknet/bro-simple-scan/445_scan.pcap",
    "darknet/bro-simple-scan/scan_with_zero_windows.pcap",
    "darknet/ndpi/synscan.pcap",
    "linktypes/VlanPackets.pcap",
    "linktypes/ip4_bad_fragment.pcap",
    "linktypes/ip4_fragments.pcap",
    "linktypes/ip6_fragments.pcap",
    "linktypes/frag_with_padding.pcap",
    "linktypes/IgmpPackets.pcap",
    "rdp/zeek/rdpeudp-handshake-success.pcap",
    "tcpdump-tests/bad-ipv4-version-pgm-heapoverflow.pcap",
    "tcpdump-tests/ip_printroute_asan.pcap",
    "tcpdump-tests/ip_ts_opts_asan.pcap",
    "tcpdump-tests/ipv4_invalid_hdr_length.pcap",
    "tcpdump-tests/ipv4_invalid_length.pcap",
    "tcpdump-tests/ipv4_invalid_total_length.pcap",
    "tcpdump-tests/ipv4_invalid_total_length_2.pcap",
    "tcpdump-tests/ipv4_tcp_http_xml_tso.pcap",
    "tcpdump-tests/ipv6-bad-version.pcap",
    "tcpdump-tests/ipv6_39_byte_header.pcap",
    "tcpdump-tests/ipv6_invalid_length.pcap",
    "tcpdump-tests/kday3.pcap",
};
#define N_FILES (sizeof files / sizeof files[0])

static const char *data_dir(void)
{
    const char *d = getenv("KENCHI_DATA");
    return d && d[0] ? d : "../shared/data";
}

/* Counts with tcpdump; -1 when tcpdump fails. */
static long tcpdump_count(const char *path, const char *filter)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "tcpdump -O --count -r '%s' '%s' 2>/dev/null", path, filter);
    FILE *f = popen(cmd, "r");
    if (!f)
        return -1;
    long n = -1;
    if (fscanf(f, "%ld packets", &n) != 1)
        n = -1;
    return pclose(f) == 0 ? n : -1;
}

static bool decode_counts(const char *path, long counts[N_ORACLES])
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(path, err);
    if (!p)
        return false;
    if (pcap_datalink(p) != DLT_EN10MB) {
        pcap_close(p);
        return false;
    }
    struct pcap_pkthdr *h;
    const u_char *d;
    memset(counts, 0, N_ORACLES * sizeof counts[0]);
    while (pcap_next_ex(p, &h, &d) == 1) {
        struct kn_pkt pkt;
        kn_decode(KN_LINK_ETHERNET, d, h->caplen, h->len, 0, &pkt);
        unsigned et = h->caplen >= 14 ? (unsigned)d[12] << 8 | d[13] : 0;
        for (unsigned i = 0; i < N_ORACLES; i++)
            counts[i] += oracles[i].mine(et, &pkt);
    }
    pcap_close(p);
    return true;
}

static void test_counts_equal_tcpdump(void)
{
    long compared = 0, nonzero = 0;
    for (unsigned f = 0; f < N_FILES; f++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/pcap/%s", data_dir(), files[f]);
        long mine[N_ORACLES];
        if (!decode_counts(path, mine)) {
            printf("not ok test_counts_equal_tcpdump: cannot read %s as Ethernet\n", path);
            th_current_failed = 1;
            continue;
        }
        for (unsigned i = 0; i < N_ORACLES; i++) {
            long theirs = tcpdump_count(path, oracles[i].filter);
            if (theirs != mine[i]) {
                printf("not ok test_counts_equal_tcpdump: %s %s: decoder %ld, tcpdump %ld\n",
                       files[f], oracles[i].name, mine[i], theirs);
                th_current_failed = 1;
            }
            compared++;
            nonzero += mine[i] > 0;
        }
    }
    /* Guard against a vacuous pass (every count 0 on both sides). */
    CHECK(nonzero >= 20);
    printf("# %ld counts compared, %ld of them non-zero\n", compared, nonzero);
}

int main(void)
{
    char probe[1024];
    snprintf(probe, sizeof probe, "%s/pcap/%s", data_dir(), files[0]);
    FILE *f = fopen(probe, "rb");
    if (!f) {
        SKIP(test_counts_equal_tcpdump, "no test data (set KENCHI_DATA)");
        return 0;
    }
    fclose(f);
    if (tcpdump_count(probe, "ip") < 0) {
        SKIP(test_counts_equal_tcpdump, "tcpdump not available");
        return 0;
    }
    RUN(test_counts_equal_tcpdump);
    TEST_MAIN_END();
}
