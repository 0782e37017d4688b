/* Fuzz target: the text parsers of the analytics options: sensor CIDRs
 * (kn_cidr_parse), dates (kn_day_parse) and --port (kn_report_parse_port).
 * The input is split at newlines; each line goes through every parser.
 * Properties checked (abort on violation): a parsed CIDR formats to text
 * that parses to the same prefix; the set built from all parsed prefixes
 * contains each prefix's first and last address; a parsed date formats
 * back to the same text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate/dayclock.h"
#include "classify/prefix.h"
#include "report/report.h"

#define MAX_LINES 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_cidr(const struct kn_cidr *c)
{
    char text[64];
    struct kn_cidr again;
    struct kn_err e;
    bool norm;
    kn_cidr_format(c, text, sizeof text);
    if (kn_cidr_parse(text, &again, &norm, &e) != 0 || norm || again.family != c->family ||
        again.len != c->len || memcmp(again.addr, c->addr, 16) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    struct kn_cidr cidrs[MAX_LINES];
    size_t n = 0;
    char *line = buf;
    for (size_t i = 0; i <= size && n < MAX_LINES; i++) {
        if (buf[i] != '\n' && buf[i] != '\0')
            continue;
        buf[i] = '\0';
        struct kn_err e;
        if (kn_cidr_parse(line, &cidrs[n], NULL, &e) == 0) {
            check_cidr(&cidrs[n]);
            n++;
        }
        int32_t day;
        if (kn_day_parse(line, &day) == 0) {
            char back[16];
            kn_day_format(day, back, sizeof back);
            if (strcmp(back, line) != 0)
                abort();
        }
        struct kn_report_series s;
        if (kn_report_parse_port(line, &s, &e) == 0 && s.port > 65535)
            abort();
        line = buf + i + 1;
    }
    struct kn_prefix_set set;
    struct kn_err e;
    if (kn_prefix_set_build(&set, cidrs, n, &e) == 0) {
        for (size_t i = 0; i < n; i++) {
            const struct kn_cidr *c = &cidrs[i];
            if (c->family == 4) {
                uint32_t a = (uint32_t)c->addr[0] << 24 | (uint32_t)c->addr[1] << 16 |
                             (uint32_t)c->addr[2] << 8 | c->addr[3];
                uint32_t last = c->len ? a | (uint32_t)((1ull << (32 - c->len)) - 1) : UINT32_MAX;
                if (!kn_prefix_set_has_v4(&set, a) || !kn_prefix_set_has_v4(&set, last))
                    abort();
            } else {
                uint8_t last[16];
                memcpy(last, c->addr, 16);
                for (unsigned b = c->len; b < 128; b++)
                    last[b / 8] |= (uint8_t)(0x80 >> (b % 8));
                if (!kn_prefix_set_has_v6(&set, c->addr) || !kn_prefix_set_has_v6(&set, last))
                    abort();
            }
        }
        kn_prefix_set_free(&set);
    }
    free(buf);
    return 0;
}
