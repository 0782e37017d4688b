/* `kenchi report --format csv`: one header line, then one line per day
 * (kind "day") and one per period (kind "period", per-day means over the
 * days with data). Field names as in the JSON; tags as tag_NAME columns,
 * mirai_by_port as "port:count" pairs joined by ';', one accesses column
 * per --port. Nothing in the data needs quoting (dates, numbers). */
#include "report/report.h"

static void per_ip(FILE *out, const struct kn_report *r, double v)
{
    double x = kn_rd_per_ip(r, v);
    if (x < 0)
        fputs(",", out);
    else
        fprintf(out, ",%.17g", x);
}

static void count(FILE *out, uint64_t v, size_t div)
{
    if (div == 1)
        fprintf(out, ",%llu", (unsigned long long)v);
    else
        fprintf(out, ",%.17g", (double)v / (double)div);
}

static void row(FILE *out, const struct kn_report *r, const char *kind, const char *label,
                const struct kn_report_day *d, size_t div)
{
    double n = (double)div;
    char v6[48];
    kn_u128_format(r->sensors_v6, v6, sizeof v6);
    fprintf(out, "%s,%s,%zu,%llu,%s", kind, label, div, (unsigned long long)r->sensors_v4, v6);
    count(out, kn_rd_accesses(d), div);
    count(out, d->accesses[KN_FAM_V4], div);
    count(out, d->accesses[KN_FAM_V6], div);
    per_ip(out, r, (double)d->accesses[KN_FAM_V4] / n);
    per_ip(out, r, (double)d->low[KN_FAM_V4] / n);
    per_ip(out, r, (double)d->high[KN_FAM_V4] / n);
    count(out, kn_rd_sources(d), div);
    count(out, kn_rd_wide(d), div);
    count(out, d->mirai, div);
    per_ip(out, r, (double)d->mirai / n);
    fputc(',', out);
    for (size_t i = 0; i < d->n_mirai_ports; i++) {
        if (div == 1)
            fprintf(out, "%s%u:%llu", i ? ";" : "", d->mirai_ports[i].port,
                    (unsigned long long)d->mirai_ports[i].n);
        else
            fprintf(out, "%s%u:%.17g", i ? ";" : "", d->mirai_ports[i].port,
                    (double)d->mirai_ports[i].n / n);
    }
    count(out, kn_rd_rdp(d), div);
    per_ip(out, r, (double)d->rdp[KN_FAM_V4] / n);
    count(out, kn_rd_backscatter(d), div);
    for (int t = 0; t < KN_TAG__COUNT; t++)
        count(out, d->tags[t], div);
    for (size_t s = 0; s < r->n_series; s++)
        count(out, d->series[s][0], div);
    fputc('\n', out);
}

int kn_report_csv(const struct kn_report *r, FILE *out, struct kn_err *err)
{
    fputs("kind,date,days,sensor_addresses_v4,sensor_addresses_v6,accesses,accesses_v4,"
          "accesses_v6,accesses_per_ip,low_port_per_ip,high_port_per_ip,sources,"
          "wide_port_sources,mirai,mirai_per_ip,mirai_by_port,rdp_3389,rdp_3389_per_ip,"
          "backscatter",
          out);
    for (int t = 0; t < KN_TAG__COUNT; t++)
        fprintf(out, ",tag_%s", kn_tag_names[t]);
    for (size_t s = 0; s < r->n_series; s++)
        fprintf(out, ",%s", r->series[s].label);
    fputc('\n', out);
    for (size_t i = 0; i < r->n_days; i++) {
        char date[16];
        kn_day_format(r->days[i].day, date, sizeof date);
        row(out, r, "day", date, &r->days[i], 1);
    }
    for (size_t i = 0; i < r->n_periods; i++)
        row(out, r, "period", r->periods[i].label, &r->periods[i].sum, r->periods[i].n_days);
    if (ferror(out)) {
        kn_err_set(err, "writing CSV failed");
        return -1;
    }
    return 0;
}
