/* Sensor intervals: count frames, merge, commit under a key; see interval.h. */
#include "sensor/interval.h"

#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "classify/classify.h"
#include "decode/decode.h"

int kn_interval_init(struct kn_interval *iv, uint32_t wide_ports, uint64_t start_ns,
                     struct kn_err *err)
{
    memset(iv, 0, sizeof *iv);
    iv->agg = kn_agg_new(wide_ports, err);
    if (!iv->agg)
        return -1;
    kn_interval_reset(iv, start_ns);
    return 0;
}

void kn_interval_free(struct kn_interval *iv)
{
    kn_agg_free(iv->agg);
    iv->agg = NULL;
}

void kn_interval_reset(struct kn_interval *iv, uint64_t start_ns)
{
    kn_agg_reset(iv->agg);
    memset(&iv->ing, 0, sizeof iv->ing);
    iv->ing.live = true;
    iv->ing.first_ns = UINT64_MAX;
    iv->start_ns = start_ns;
}

int kn_interval_feed(struct kn_interval *iv, const struct kn_prefix_set *sensors,
                     const struct kn_frame *f, struct kn_err *err)
{
    struct kn_ingest *ing = &iv->ing;
    struct kn_pkt p;
    kn_decode(f->linktype, f->data, f->caplen, f->wirelen, f->ts_ns, &p);
    ing->packets++;
    ing->outcome[p.outcome < KN_OUT__COUNT ? p.outcome : KN_OUT_BAD_IP]++;
    for (uint32_t a = p.anomalies; a; a &= a - 1)
        ing->anomalies[__builtin_ctz(a)]++;
    if (f->ts_ns < ing->first_ns)
        ing->first_ns = f->ts_ns;
    if (f->ts_ns > ing->last_ns)
        ing->last_ns = f->ts_ns;
    if (p.outcome != KN_OUT_IP)
        return 0;
    if (!kn_is_access(sensors, &p)) {
        ing->not_sensor++;
        return 0;
    }
    ing->accesses++;
    return kn_agg_add(iv->agg, &p, kn_classify(&p), err);
}

int kn_interval_merge(struct kn_interval *dst, const struct kn_interval *src, struct kn_err *err)
{
    struct kn_ingest *d = &dst->ing;
    const struct kn_ingest *s = &src->ing;
    d->packets += s->packets;
    d->accesses += s->accesses;
    d->not_sensor += s->not_sensor;
    for (int i = 0; i < KN_OUT__COUNT; i++)
        d->outcome[i] += s->outcome[i];
    for (int i = 0; i < 32; i++)
        d->anomalies[i] += s->anomalies[i];
    d->kernel_received += s->kernel_received;
    d->kernel_dropped += s->kernel_dropped;
    if (s->first_ns < d->first_ns)
        d->first_ns = s->first_ns;
    if (s->last_ns > d->last_ns)
        d->last_ns = s->last_ns;
    if (!d->read_error[0] && s->read_error[0])
        memcpy(d->read_error, s->read_error, sizeof d->read_error);
    return kn_agg_merge(dst->agg, src->agg, err);
}

void kn_interval_key(const char *sensor_name, uint64_t start_ns, uint8_t hash[32], char *name,
                     size_t name_size)
{
    char key[160];
    int n = snprintf(key, sizeof key, "kenchi sensor interval\n%s\n%llu", sensor_name,
                     (unsigned long long)start_ns);
    SHA256((const unsigned char *)key, (size_t)n < sizeof key ? (size_t)n : sizeof key - 1,
           hash);
    time_t t = (time_t)(start_ns / 1000000000u);
    struct tm tm;
    gmtime_r(&t, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(name, name_size, "sensor %s interval %s.%09lluZ", sensor_name, when,
             (unsigned long long)(start_ns % 1000000000u));
}

int kn_interval_commit(struct kn_store *st, const char *sensor_name, struct kn_interval *iv,
                       bool *already, struct kn_err *err)
{
    uint8_t hash[32];
    char name[256], skipped_as[256];
    kn_interval_key(sensor_name, iv->start_ns, hash, name, sizeof name);
    struct kn_ingest ing = iv->ing;
    if (!ing.packets)
        ing.first_ns = ing.last_ns = 0;
    return kn_store_commit_file(st, hash, name, &ing, iv->agg, already, skipped_as,
                                sizeof skipped_as, err);
}
