/* Test oracle for tests/corpus/tcpdump_counts.sh: for each capture file,
 * how many packets each BPF expression matches. Exactly what
 * `tcpdump -r FILE --count EXPR` computes (libpcap's pcap_compile with
 * optimisation, then its BPF interpreter, pcap_offline_filter), for many
 * expressions in one pass, so the comparison fits the test time budget.
 * usage: bpf_count EXPRFILE FILE...   (EXPRFILE: one expression a line)
 * Prints per file: FILE, then one count per expression, tab-separated;
 * "x" where the expression does not compile for the file's link type. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_EXPRS 64

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bpf_count EXPRFILE FILE...\n");
        return 2;
    }
    static char exprs[MAX_EXPRS][1024];
    int n = 0;
    FILE *ef = fopen(argv[1], "r");
    if (!ef) {
        perror(argv[1]);
        return 2;
    }
    while (n < MAX_EXPRS && fgets(exprs[n], sizeof exprs[n], ef)) {
        exprs[n][strcspn(exprs[n], "\n")] = '\0';
        n++;
    }
    fclose(ef);
    for (int f = 2; f < argc; f++) {
        char errbuf[PCAP_ERRBUF_SIZE];
        pcap_t *p = pcap_open_offline(argv[f], errbuf);
        if (!p) {
            printf("%s\terror\n", argv[f]);
            continue;
        }
        static struct bpf_program prog[MAX_EXPRS];
        int ok[MAX_EXPRS];
        unsigned long count[MAX_EXPRS] = {0};
        for (int e = 0; e < n; e++)
            ok[e] = pcap_compile(p, &prog[e], exprs[e], 1, PCAP_NETMASK_UNKNOWN) == 0;
        struct pcap_pkthdr *h;
        const u_char *d;
        while (pcap_next_ex(p, &h, &d) == 1)
            for (int e = 0; e < n; e++)
                if (ok[e] && pcap_offline_filter(&prog[e], h, d))
                    count[e]++;
        printf("%s", argv[f]);
        for (int e = 0; e < n; e++) {
            if (ok[e]) {
                printf("\t%lu", count[e]);
                pcap_freecode(&prog[e]);
            } else {
                printf("\tx");
            }
        }
        printf("\n");
        pcap_close(p);
    }
    return 0;
}
