/* `kenchi report --format json`: one object {"days": [...], "periods":
 * [...]} with exactly the per-day field names of docs/metrics.md (plus
 * documented extras), "config", "ingest" and, with --port, "ports". Built
 * with jansson, so strings are escaped correctly. */
#include <jansson.h>

#include "report/report.h"

/* A count, or its mean over `div` days. */
static json_t *num(uint64_t v, size_t div)
{
    return div == 1 ? json_integer((json_int_t)v) : json_real((double)v / (double)div);
}

static json_t *per_ip(const struct kn_report *r, uint64_t v, size_t div)
{
    double x = kn_rd_per_ip(r, (double)v / (double)div);
    return x < 0 ? json_null() : json_real(x);
}

static json_t *sensors_v6(const struct kn_report *r)
{
    if (r->sensors_v6.hi == 0 && r->sensors_v6.lo <= (1ull << 53))
        return json_integer((json_int_t)r->sensors_v6.lo);
    char buf[48];
    kn_u128_format(r->sensors_v6, buf, sizeof buf);
    return json_string(buf);
}

/* The DAY object of the contract for d, or its per-day means when div > 1. */
static json_t *day_object(const struct kn_report *r, const struct kn_report_day *d, size_t div,
                          const char *date)
{
    json_t *o = json_object();
    if (date)
        json_object_set_new(o, "date", json_string(date));
    json_object_set_new(o, "sensor_addresses_v4", json_integer((json_int_t)r->sensors_v4));
    json_object_set_new(o, "sensor_addresses_v6", sensors_v6(r));
    json_object_set_new(o, "accesses", num(kn_rd_accesses(d), div));
    json_object_set_new(o, "accesses_v4", num(d->accesses[KN_FAM_V4], div));
    json_object_set_new(o, "accesses_v6", num(d->accesses[KN_FAM_V6], div));
    json_object_set_new(o, "accesses_per_ip", per_ip(r, d->accesses[KN_FAM_V4], div));
    json_object_set_new(o, "low_port_per_ip", per_ip(r, d->low[KN_FAM_V4], div));
    json_object_set_new(o, "high_port_per_ip", per_ip(r, d->high[KN_FAM_V4], div));
    json_object_set_new(o, "sources", num(kn_rd_sources(d), div));
    json_object_set_new(o, "wide_port_sources", num(kn_rd_wide(d), div));
    json_object_set_new(o, "mirai", num(d->mirai, div));
    json_object_set_new(o, "mirai_per_ip", per_ip(r, d->mirai, div));
    json_t *mp = json_object();
    for (size_t i = 0; i < d->n_mirai_ports; i++) {
        char port[8];
        snprintf(port, sizeof port, "%u", d->mirai_ports[i].port);
        json_object_set_new(mp, port, num(d->mirai_ports[i].n, div));
    }
    json_object_set_new(o, "mirai_by_port", mp);
    json_object_set_new(o, "rdp_3389", num(kn_rd_rdp(d), div));
    json_object_set_new(o, "rdp_3389_per_ip", per_ip(r, d->rdp[KN_FAM_V4], div));
    json_object_set_new(o, "backscatter", num(kn_rd_backscatter(d), div));
    json_t *tags = json_object();
    for (int t = 0; t < KN_TAG__COUNT; t++)
        json_object_set_new(tags, kn_tag_names[t], num(d->tags[t], div));
    json_object_set_new(o, "tags", tags);
    /* extras: the counts behind the per-IP figures and the family splits */
    json_object_set_new(o, "low_port", num(d->low[KN_FAM_V4] + d->low[KN_FAM_V6], div));
    json_object_set_new(o, "high_port", num(d->high[KN_FAM_V4] + d->high[KN_FAM_V6], div));
    json_object_set_new(o, "probes", num(kn_rd_accesses(d) - kn_rd_backscatter(d), div));
    json_object_set_new(o, "low_port_v4", num(d->low[KN_FAM_V4], div));
    json_object_set_new(o, "high_port_v4", num(d->high[KN_FAM_V4], div));
    json_object_set_new(o, "low_port_v6", num(d->low[KN_FAM_V6], div));
    json_object_set_new(o, "high_port_v6", num(d->high[KN_FAM_V6], div));
    json_object_set_new(o, "sources_v4", num(d->sources[KN_FAM_V4], div));
    json_object_set_new(o, "sources_v6", num(d->sources[KN_FAM_V6], div));
    json_object_set_new(o, "rdp_3389_v4", num(d->rdp[KN_FAM_V4], div));
    json_object_set_new(o, "backscatter_v4", num(d->backscatter[KN_FAM_V4], div));
    json_object_set_new(o, "backscatter_v6", num(d->backscatter[KN_FAM_V6], div));
    return o;
}

/* Totals of a period: the count fields summed. sources and
 * wide_port_sources are sums of daily values and named so. */
static json_t *totals_object(const struct kn_period *p)
{
    const struct kn_report_day *d = &p->sum;
    json_t *o = json_object();
    json_object_set_new(o, "accesses", num(kn_rd_accesses(d), 1));
    json_object_set_new(o, "accesses_v4", num(d->accesses[KN_FAM_V4], 1));
    json_object_set_new(o, "accesses_v6", num(d->accesses[KN_FAM_V6], 1));
    json_object_set_new(o, "low_port_v4", num(d->low[KN_FAM_V4], 1));
    json_object_set_new(o, "high_port_v4", num(d->high[KN_FAM_V4], 1));
    json_object_set_new(o, "sources_sum_of_days", num(kn_rd_sources(d), 1));
    json_object_set_new(o, "wide_port_sources_sum_of_days", num(kn_rd_wide(d), 1));
    json_object_set_new(o, "distinct_sources", num(p->distinct_sources, 1));
    json_object_set_new(o, "mirai", num(d->mirai, 1));
    json_t *mp = json_object();
    for (size_t i = 0; i < d->n_mirai_ports; i++) {
        char port[8];
        snprintf(port, sizeof port, "%u", d->mirai_ports[i].port);
        json_object_set_new(mp, port, num(d->mirai_ports[i].n, 1));
    }
    json_object_set_new(o, "mirai_by_port", mp);
    json_object_set_new(o, "rdp_3389", num(kn_rd_rdp(d), 1));
    json_object_set_new(o, "backscatter", num(kn_rd_backscatter(d), 1));
    json_t *tags = json_object();
    for (int t = 0; t < KN_TAG__COUNT; t++)
        json_object_set_new(tags, kn_tag_names[t], num(d->tags[t], 1));
    json_object_set_new(o, "tags", tags);
    return o;
}

int kn_report_json(const struct kn_report *r, FILE *out, struct kn_err *err)
{
    json_t *root = json_object();
    json_t *days = json_array();
    for (size_t i = 0; i < r->n_days; i++) {
        char date[16];
        kn_day_format(r->days[i].day, date, sizeof date);
        json_array_append_new(days, day_object(r, &r->days[i], 1, date));
    }
    json_object_set_new(root, "days", days);
    json_t *periods = json_array();
    for (size_t i = 0; i < r->n_periods; i++) {
        const struct kn_period *p = &r->periods[i];
        json_t *o = json_object();
        json_object_set_new(o, "period", json_string(p->label));
        json_object_set_new(o, "days", json_integer((json_int_t)p->n_days));
        json_object_set_new(o, "totals", totals_object(p));
        json_object_set_new(o, "per_day", day_object(r, &p->sum, p->n_days, NULL));
        json_array_append_new(periods, o);
    }
    json_object_set_new(root, "periods", periods);
    if (r->n_series) {
        json_t *ports = json_array();
        for (size_t s = 0; s < r->n_series; s++) {
            json_t *o = json_object(), *series = json_array();
            json_object_set_new(o, "port", json_string(r->series[s].label));
            for (size_t i = 0; i < r->n_days; i++) {
                char date[16];
                kn_day_format(r->days[i].day, date, sizeof date);
                json_t *e = json_object();
                json_object_set_new(e, "date", json_string(date));
                json_object_set_new(e, "accesses", json_integer((json_int_t)r->days[i].series[s][0]));
                json_object_set_new(e, "probes", json_integer((json_int_t)r->days[i].series[s][1]));
                json_array_append_new(series, e);
            }
            json_object_set_new(o, "days", series);
            json_array_append_new(ports, o);
        }
        json_object_set_new(root, "ports", ports);
    }
    json_t *cfg = json_object(), *sensors = json_array();
    for (size_t i = 0; i < r->cfg.n_sensors; i++) {
        char t[64];
        kn_cidr_format(&r->cfg.sensors[i], t, sizeof t);
        json_array_append_new(sensors, json_string(t));
    }
    json_object_set_new(cfg, "sensors", sensors);
    json_object_set_new(cfg, "tz", json_string(r->cfg.tz));
    json_object_set_new(cfg, "wide_ports", json_integer(r->cfg.wide_ports));
    json_object_set_new(root, "config", cfg);
    json_t *ing = json_object();
    json_object_set_new(ing, "files", json_integer((json_int_t)r->files));
    json_object_set_new(ing, "packets", json_integer((json_int_t)r->packets));
    json_object_set_new(ing, "accesses", json_integer((json_int_t)r->accesses));
    json_object_set_new(ing, "not_sensor", json_integer((json_int_t)r->not_sensor));
    static const char *const names[KN_OUT__COUNT] = {
        [KN_OUT_NO_IP] = "no_ip", [KN_OUT_TRUNC_LINK] = "truncated_link",
        [KN_OUT_TRUNC_IP] = "truncated_ip", [KN_OUT_BAD_IP] = "bad_ip",
        [KN_OUT_UNKNOWN_LINK] = "unknown_link"};
    for (int o = 1; o < KN_OUT__COUNT; o++)
        json_object_set_new(ing, names[o], json_integer((json_int_t)r->outcome[o]));
    if (r->live_intervals) { /* only databases a sensor wrote have these */
        json_object_set_new(ing, "live_intervals", json_integer((json_int_t)r->live_intervals));
        json_object_set_new(ing, "intervals_with_drops",
                            json_integer((json_int_t)r->drop_intervals));
        json_object_set_new(ing, "kernel_received", json_integer((json_int_t)r->kernel_received));
        json_object_set_new(ing, "kernel_dropped", json_integer((json_int_t)r->kernel_dropped));
    }
    json_object_set_new(root, "ingest", ing);

    int rc = json_dumpf(root, out, JSON_INDENT(1) | JSON_REAL_PRECISION(17)) == 0 ? 0 : -1;
    fputc('\n', out);
    json_decref(root);
    if (rc)
        kn_err_set(err, "writing JSON failed");
    return rc;
}
