/* Rendering the per-period mail statistics: JSON (the contract in
 * docs/mail.md), a table with the shares the NPA report prints, and CSV.
 * Type names come from kn_file_type_name and are listed alphabetically. */
#include "mail/report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

struct type_count {
    const char *name;
    long long n;
};

static int cmp_type(const void *a, const void *b)
{
    return strcmp(((const struct type_count *)a)->name, ((const struct type_count *)b)->name);
}

/* The non-zero types of counts, sorted by name, into tc; returns how many. */
static size_t sorted_types(const long long counts[KN_FT__COUNT], struct type_count tc[KN_FT__COUNT])
{
    size_t n = 0;
    for (int t = 0; t < KN_FT__COUNT; t++)
        if (counts[t])
            tc[n++] = (struct type_count){kn_file_type_name((enum kn_file_type)t), counts[t]};
    qsort(tc, n, sizeof *tc, cmp_type);
    return n;
}

static json_t *types_json(const long long counts[KN_FT__COUNT])
{
    struct type_count tc[KN_FT__COUNT];
    size_t n = sorted_types(counts, tc);
    json_t *o = json_object();
    for (size_t i = 0; o && i < n; i++)
        json_object_set_new(o, tc[i].name, json_integer(tc[i].n));
    return o;
}

static int print_json(FILE *out, const struct kn_period_stats *p, size_t n, struct kn_err *err)
{
    json_t *periods = json_array();
    for (size_t i = 0; periods && i < n; i++) {
        json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o}", "period", p[i].period,
                              "total", (json_int_t)p[i].total, "spray", (json_int_t)p[i].spray,
                              "unpublished", (json_int_t)p[i].unpublished, "forged_strict",
                              (json_int_t)p[i].forged_strict, "forged_broad", (json_int_t)p[i].forged_broad,
                              "encrypted_archives", (json_int_t)p[i].encrypted_archives,
                              "attachment_types", types_json(p[i].attachment_types),
                              "archive_member_types", types_json(p[i].archive_member_types));
        if (!o || json_array_append_new(periods, o) < 0) {
            json_decref(periods);
            periods = NULL;
        }
    }
    json_t *root = periods ? json_pack("{s:o}", "periods", periods) : NULL;
    if (!root || json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0) {
        json_decref(root);
        kn_err_set(err, "cannot write the JSON report");
        return -1;
    }
    json_decref(root);
    fputc('\n', out);
    return 0;
}

static double share(long long part, long long total)
{
    return total ? 100.0 * (double)part / (double)total : 0.0;
}

static void print_types_line(FILE *out, const char *label, const long long counts[KN_FT__COUNT], long long total)
{
    struct type_count tc[KN_FT__COUNT];
    size_t n = sorted_types(counts, tc);
    fprintf(out, "  %-22s", label);
    if (!n)
        fputs(" -", out);
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%s %s %lld (%.1f%%)", i ? "," : "", tc[i].name, tc[i].n, share(tc[i].n, total));
    fputc('\n', out);
}

static void print_table(FILE *out, const struct kn_period_stats *p, size_t n)
{
    fprintf(out, "%-8s %7s  %-15s %-15s %-15s %-15s %-15s\n", "period", "mails", "spray-type",
            "unpublished", "forged(strict)", "forged(broad)", "encrypted-arch");
    for (size_t i = 0; i < n; i++) {
        const long long v[] = {p[i].spray, p[i].unpublished, p[i].forged_strict, p[i].forged_broad,
                               p[i].encrypted_archives};
        fprintf(out, "%-8s %7lld ", p[i].period, p[i].total);
        for (size_t k = 0; k < sizeof v / sizeof *v; k++) {
            char cell[32];
            snprintf(cell, sizeof cell, "%lld (%.1f%%)", v[k], share(v[k], p[i].total));
            fprintf(out, " %-15s", cell);
        }
        fputc('\n', out);
        print_types_line(out, "attachment types:", p[i].attachment_types, p[i].total);
        print_types_line(out, "archive member types:", p[i].archive_member_types, p[i].total);
    }
}

static void print_types_csv(FILE *out, const long long counts[KN_FT__COUNT])
{
    struct type_count tc[KN_FT__COUNT];
    size_t n = sorted_types(counts, tc);
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%s%s=%lld", i ? ";" : "", tc[i].name, tc[i].n);
}

static void print_csv(FILE *out, const struct kn_period_stats *p, size_t n)
{
    fputs("period,total,spray,unpublished,forged_strict,forged_broad,encrypted_archives,"
          "attachment_types,archive_member_types\n", out);
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "%s,%lld,%lld,%lld,%lld,%lld,%lld,", p[i].period, p[i].total, p[i].spray,
                p[i].unpublished, p[i].forged_strict, p[i].forged_broad, p[i].encrypted_archives);
        print_types_csv(out, p[i].attachment_types);
        fputc(',', out);
        print_types_csv(out, p[i].archive_member_types);
        fputc('\n', out);
    }
}

int kn_mail_report_print(FILE *out, enum kn_report_format fmt, const struct kn_period_stats *p, size_t n,
                         struct kn_err *err)
{
    switch (fmt) {
    case KN_FMT_JSON:
        return print_json(out, p, n, err);
    case KN_FMT_TABLE:
        print_table(out, p, n);
        return 0;
    case KN_FMT_CSV:
        print_csv(out, p, n);
        return 0;
    }
    kn_err_set(err, "unknown report format");
    return -1;
}
