/* Ingest statistics: counting, merging, JSON and terminal output. */
#include "stats/ingest.h"

#include <inttypes.h>
#include <pcap/pcap.h>
#include <string.h>
#include <time.h>

#include "decode/decode.h"

void kn_ingest_init(struct kn_ingest *st)
{
    memset(st, 0, sizeof *st);
    snprintf(st->compression, sizeof st->compression, "none");
}

static void count_link(struct kn_ingest *st, int32_t linktype, uint64_t n)
{
    for (unsigned i = 0; i < st->n_links; i++) {
        if (st->links[i].linktype == linktype) {
            st->links[i].packets += n;
            return;
        }
    }
    if (st->n_links < KN_INGEST_MAX_LINKS) {
        st->links[st->n_links].linktype = linktype;
        st->links[st->n_links].packets = n;
        st->n_links++;
    } else {
        st->links_other += n;
    }
}

static void count_time(struct kn_ingest *st, uint64_t lo, uint64_t hi)
{
    if (st->packets == 0 || lo < st->ts_min)
        st->ts_min = lo;
    if (st->packets == 0 || hi > st->ts_max)
        st->ts_max = hi;
}

void kn_ingest_add(struct kn_ingest *st, const struct kn_pkt *pkt)
{
    count_time(st, pkt->ts_ns, pkt->ts_ns);
    st->packets++;
    st->outcome[pkt->outcome < KN_OUT__COUNT ? pkt->outcome : KN_OUT_UNKNOWN_LINK]++;
    for (unsigned a = 0; a < KN_AN__COUNT; a++)
        if (pkt->anomalies & (1u << a))
            st->anomaly[a]++;
    count_link(st, pkt->linktype, 1);
    if (pkt->outcome != KN_OUT_IP)
        return;
    if (pkt->ip_version == 4)
        st->ipv4++;
    else
        st->ipv6++;
    if (pkt->proto == 6)
        st->tcp++;
    else if (pkt->proto == 17)
        st->udp++;
    else if (pkt->proto == 1 && pkt->ip_version == 4)
        st->icmp++;
    else if (pkt->proto == 58 && pkt->ip_version == 6)
        st->icmpv6++;
    else
        st->other_proto++;
}

void kn_ingest_merge(struct kn_ingest *into, const struct kn_ingest *from)
{
    if (from->packets > 0)
        count_time(into, from->ts_min, from->ts_max);
    into->packets += from->packets;
    for (unsigned i = 0; i < KN_OUT__COUNT; i++)
        into->outcome[i] += from->outcome[i];
    for (unsigned i = 0; i < KN_AN__COUNT; i++)
        into->anomaly[i] += from->anomaly[i];
    into->ipv4 += from->ipv4;
    into->ipv6 += from->ipv6;
    into->tcp += from->tcp;
    into->udp += from->udp;
    into->icmp += from->icmp;
    into->icmpv6 += from->icmpv6;
    into->other_proto += from->other_proto;
    for (unsigned i = 0; i < from->n_links; i++)
        count_link(into, from->links[i].linktype, from->links[i].packets);
    into->links_other += from->links_other;
    if (strcmp(into->compression, from->compression) != 0)
        snprintf(into->compression, sizeof into->compression, "mixed");
    into->live |= from->live;
    into->kernel_received += from->kernel_received;
    into->kernel_dropped += from->kernel_dropped;
    into->if_dropped += from->if_dropped;
}

int kn_ingest_source(struct kn_source *src, struct kn_ingest *st, kn_frame_hook hook, void *ctx,
                     struct kn_err *err)
{
    struct kn_frame f;
    struct kn_pkt pkt;
    int rc;
    while ((rc = kn_source_next(src, &f, err)) == 1) {
        if (hook && hook(ctx, &f) != 0) {
            rc = -1;
            break;
        }
        kn_decode(f.linktype, f.data, f.caplen, f.wirelen, f.ts_ns, &pkt);
        kn_ingest_add(st, &pkt);
    }
    struct kn_source_stats ss;
    kn_source_get_stats(src, &ss);
    snprintf(st->compression, sizeof st->compression, "%s", kn_source_compression(src));
    st->live = ss.live;
    st->kernel_received = ss.kernel_received;
    st->kernel_dropped = ss.kernel_dropped;
    st->if_dropped = ss.if_dropped;
    return rc < 0 ? -1 : 0;
}

/* libpcap names DLTs; the few LINKTYPE_ values that differ map back. */
static const char *linktype_name(int32_t lt)
{
    int dlt = lt == 101 ? DLT_RAW : lt == 100 ? DLT_ATM_RFC1483 : lt;
    const char *n = pcap_datalink_val_to_name(dlt);
    return n ? n : "unknown";
}

/* "2020-01-02T03:04:05.123456789Z" */
static void format_time(uint64_t ns, char *buf, size_t len)
{
    time_t sec = (time_t)(ns / 1000000000u);
    struct tm tm;
    if (!gmtime_r(&sec, &tm)) {
        snprintf(buf, len, "?");
        return;
    }
    char date[32];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%09" PRIu64 "Z", date, ns % 1000000000u);
}

static json_t *jcount(uint64_t v)
{
    return json_integer((json_int_t)v);
}

json_t *kn_ingest_json(const struct kn_ingest *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "packets", jcount(st->packets));
    json_t *outcomes = json_object();
    for (unsigned i = 0; i < KN_OUT__COUNT; i++)
        json_object_set_new(outcomes, kn_outcome_name(i), jcount(st->outcome[i]));
    json_object_set_new(o, "outcomes", outcomes);
    json_t *anomalies = json_object();
    for (unsigned i = 0; i < KN_AN__COUNT; i++)
        json_object_set_new(anomalies, kn_anomaly_name(i), jcount(st->anomaly[i]));
    json_object_set_new(o, "anomalies", anomalies);
    json_t *links = json_array();
    for (unsigned i = 0; i < st->n_links; i++)
        json_array_append_new(links, json_pack("{s:i, s:s, s:I}", "linktype", (int)st->links[i].linktype,
                                               "name", linktype_name(st->links[i].linktype),
                                               "packets", (json_int_t)st->links[i].packets));
    json_object_set_new(o, "linktypes", links);
    json_object_set_new(o, "linktypes_other", jcount(st->links_other));
    json_object_set_new(o, "ipv4", jcount(st->ipv4));
    json_object_set_new(o, "ipv6", jcount(st->ipv6));
    json_object_set_new(o, "tcp", jcount(st->tcp));
    json_object_set_new(o, "udp", jcount(st->udp));
    json_object_set_new(o, "icmp", jcount(st->icmp));
    json_object_set_new(o, "icmpv6", jcount(st->icmpv6));
    json_object_set_new(o, "other_proto", jcount(st->other_proto));
    if (st->packets > 0) {
        char t[64];
        format_time(st->ts_min, t, sizeof t);
        json_object_set_new(o, "first", json_string(t));
        format_time(st->ts_max, t, sizeof t);
        json_object_set_new(o, "last", json_string(t));
        json_object_set_new(o, "first_ns", jcount(st->ts_min));
        json_object_set_new(o, "last_ns", jcount(st->ts_max));
    } else {
        json_object_set_new(o, "first", json_null());
        json_object_set_new(o, "last", json_null());
    }
    json_object_set_new(o, "compression", json_string(st->compression));
    if (st->live) {
        json_object_set_new(o, "kernel_received", jcount(st->kernel_received));
        json_object_set_new(o, "kernel_dropped", jcount(st->kernel_dropped));
        json_object_set_new(o, "interface_dropped", jcount(st->if_dropped));
    }
    return o;
}

static void row(FILE *out, const char *label, uint64_t v)
{
    fprintf(out, "  %-28s %12" PRIu64 "\n", label, v);
}

void kn_ingest_print(FILE *out, const char *title, const struct kn_ingest *st)
{
    fprintf(out, "%s\n", title);
    row(out, "packets", st->packets);
    for (unsigned i = 0; i < KN_OUT__COUNT; i++) {
        char label[64];
        snprintf(label, sizeof label, "  %s", kn_outcome_name(i));
        row(out, label, st->outcome[i]);
    }
    row(out, "ipv4", st->ipv4);
    row(out, "ipv6", st->ipv6);
    row(out, "tcp", st->tcp);
    row(out, "udp", st->udp);
    row(out, "icmp", st->icmp);
    row(out, "icmpv6", st->icmpv6);
    row(out, "other protocol", st->other_proto);
    for (unsigned i = 0; i < st->n_links; i++) {
        char label[64];
        snprintf(label, sizeof label, "link %d (%s)", (int)st->links[i].linktype,
                 linktype_name(st->links[i].linktype));
        row(out, label, st->links[i].packets);
    }
    if (st->links_other)
        row(out, "link (other types)", st->links_other);
    bool any = false;
    for (unsigned i = 0; i < KN_AN__COUNT; i++) {
        if (!st->anomaly[i])
            continue;
        if (!any)
            fprintf(out, "  anomalies\n");
        any = true;
        char label[64];
        snprintf(label, sizeof label, "  %s", kn_anomaly_name(i));
        row(out, label, st->anomaly[i]);
    }
    if (!any)
        fprintf(out, "  %-28s %12s\n", "anomalies", "none");
    if (st->packets > 0) {
        char t[64];
        format_time(st->ts_min, t, sizeof t);
        fprintf(out, "  %-28s %s\n", "first", t);
        format_time(st->ts_max, t, sizeof t);
        fprintf(out, "  %-28s %s\n", "last", t);
    }
    fprintf(out, "  %-28s %12s\n", "decompression", st->compression);
    if (st->live) {
        row(out, "kernel received", st->kernel_received);
        row(out, "kernel dropped", st->kernel_dropped);
        row(out, "interface dropped", st->if_dropped);
    }
}
