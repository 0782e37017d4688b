/* `kenchi report` (table): what an analyst reads in a terminal. One line
 * per day with the NPA's figures 5-9 as columns, then one line per period
 * with the means per day over its days with data. Numbers have thousands
 * separators; columns are right-aligned to the widest cell. */
#include <stdlib.h>
#include <string.h>

#include "report/numfmt.h"
#include "report/report.h"

#define MAX_COLS (11 + KN_REPORT_MAX_SERIES)
#define CELL 40

struct grid {
    char (*cells)[MAX_COLS][CELL]; /* owned rows */
    size_t rows, cap, cols;
};

static char *cell(struct grid *g, size_t row, size_t col) { return g->cells[row][col]; }

static int add_row(struct grid *g)
{
    if (g->rows == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 16;
        /* Freed at the end of kn_report_table(). */
        void *c = realloc(g->cells, cap * sizeof *g->cells);
        if (!c)
            return -1;
        g->cells = c;
        g->cap = cap;
    }
    memset(g->cells[g->rows], 0, sizeof g->cells[0]);
    g->rows++;
    return 0;
}

/* Per-IP figures: enough decimals to show small values. */
static void fmt_per_ip(double v, char *buf)
{
    kn_fmt_decimal(v, v >= 100 ? 1 : v >= 1 ? 2 : 4, buf, CELL);
}

static void fill_row(struct grid *g, const struct kn_report *r, const char *label,
                     const struct kn_report_day *d, size_t div)
{
    size_t row = g->rows - 1, c = 0;
    double n = (double)div;
    snprintf(cell(g, row, c++), CELL, "%s", label);
    if (div == 1)
        kn_fmt_thousands(kn_rd_accesses(d), cell(g, row, c++), CELL);
    else
        kn_fmt_decimal((double)kn_rd_accesses(d) / n, 1, cell(g, row, c++), CELL);
    fmt_per_ip(kn_rd_per_ip(r, (double)d->accesses[KN_FAM_V4] / n), cell(g, row, c++));
    fmt_per_ip(kn_rd_per_ip(r, (double)d->low[KN_FAM_V4] / n), cell(g, row, c++));
    fmt_per_ip(kn_rd_per_ip(r, (double)d->high[KN_FAM_V4] / n), cell(g, row, c++));
    if (div == 1) {
        kn_fmt_thousands(kn_rd_sources(d), cell(g, row, c++), CELL);
        kn_fmt_thousands(kn_rd_wide(d), cell(g, row, c++), CELL);
    } else {
        kn_fmt_decimal((double)kn_rd_sources(d) / n, 1, cell(g, row, c++), CELL);
        kn_fmt_decimal((double)kn_rd_wide(d) / n, 1, cell(g, row, c++), CELL);
    }
    fmt_per_ip(kn_rd_per_ip(r, (double)d->mirai / n), cell(g, row, c++));
    /* Figure 8 leaves 23/tcp out: the busiest other Mirai port. */
    const struct kn_port_count *top = NULL;
    for (size_t i = 0; i < d->n_mirai_ports; i++)
        if (d->mirai_ports[i].port != 23 && (!top || d->mirai_ports[i].n > top->n))
            top = &d->mirai_ports[i];
    if (top) {
        char v[32];
        if (div == 1)
            kn_fmt_thousands(top->n, v, sizeof v);
        else
            kn_fmt_decimal((double)top->n / n, 1, v, sizeof v);
        snprintf(cell(g, row, c++), CELL, "%u:%s", top->port, v);
    } else {
        snprintf(cell(g, row, c++), CELL, "-");
    }
    uint64_t counts[] = {kn_rd_rdp(d), kn_rd_backscatter(d)};
    for (int k = 0; k < 2; k++) {
        if (div == 1)
            kn_fmt_thousands(counts[k], cell(g, row, c++), CELL);
        else
            kn_fmt_decimal((double)counts[k] / n, 1, cell(g, row, c++), CELL);
    }
    for (size_t s = 0; s < r->n_series; s++) {
        if (div == 1)
            kn_fmt_thousands(d->series[s][0], cell(g, row, c++), CELL);
        else
            kn_fmt_decimal((double)d->series[s][0] / n, 1, cell(g, row, c++), CELL);
    }
    g->cols = c;
}

static void print_grid(const struct grid *g, size_t from, size_t to, const size_t *w, FILE *out)
{
    for (size_t r = from; r < to; r++) {
        for (size_t c = 0; c < g->cols; c++) {
            const char *s = g->cells[r][c];
            if (c == 0)
                fprintf(out, "%-*s", (int)w[c], s);
            else
                fprintf(out, "  %*s", (int)w[c], s);
        }
        fputc('\n', out);
    }
}

int kn_report_table(const struct kn_report *r, const char *db_name, FILE *out, struct kn_err *err)
{
    char v4[32], sens[512] = "";
    size_t len = 0;
    for (size_t i = 0; i < r->cfg.n_sensors && len < sizeof sens - 64; i++) {
        char t[64];
        kn_cidr_format(&r->cfg.sensors[i], t, sizeof t);
        len += (size_t)snprintf(sens + len, sizeof sens - len, "%s%s", i ? " " : "", t);
    }
    kn_fmt_thousands(r->sensors_v4, v4, sizeof v4);
    fprintf(out, "kenchi report: %s\nsensors %s (%s IPv4 addresses), days in %s, wide-port "
                 "threshold %u\n\n",
            db_name, sens, v4, r->cfg.tz, r->cfg.wide_ports);
    if (!r->n_days) {
        fprintf(out, "no days with data in the range\n");
        return 0;
    }
    struct grid g = {0};
    static const char *const head1[] = {"date", "accesses", "per IP", "<1024", ">=1024", "sources",
                                        "wide-port", "Mirai", "top Mirai", "3389/tcp", "backscatter"};
    static const char *const head2[] = {"", "", "fig5", "/IP fig6", "/IP fig6", "",
                                        "srcs fig7", "/IP fig8", "port:n (!23)", "fig9", ""};
    if (add_row(&g) || add_row(&g))
        goto oom;
    for (size_t c = 0; c < 11; c++) {
        snprintf(cell(&g, 0, c), CELL, "%s", head1[c]);
        snprintf(cell(&g, 1, c), CELL, "%s", head2[c]);
    }
    for (size_t s = 0; s < r->n_series; s++) {
        snprintf(cell(&g, 0, 11 + s), CELL, "%s", r->series[s].label);
        snprintf(cell(&g, 1, 11 + s), CELL, "accesses");
    }
    for (size_t i = 0; i < r->n_days; i++) {
        char date[16];
        kn_day_format(r->days[i].day, date, sizeof date);
        if (add_row(&g))
            goto oom;
        fill_row(&g, r, date, &r->days[i], 1);
    }
    size_t first_period = g.rows;
    for (size_t i = 0; i < r->n_periods; i++) {
        char label[40];
        snprintf(label, sizeof label, "%s (%zu d)", r->periods[i].label, r->periods[i].n_days);
        if (add_row(&g))
            goto oom;
        fill_row(&g, r, label, &r->periods[i].sum, r->periods[i].n_days);
    }
    size_t w[MAX_COLS] = {0};
    for (size_t row = 0; row < g.rows; row++)
        for (size_t c = 0; c < g.cols; c++) {
            size_t l = strlen(g.cells[row][c]);
            if (l > w[c])
                w[c] = l;
        }
    print_grid(&g, 0, first_period, w, out);
    if (r->n_periods) {
        fprintf(out, "\nmeans per day with data, by period:\n");
        print_grid(&g, first_period, g.rows, w, out);
    }
    char a[32], b[32], c2[32], f[32];
    kn_fmt_thousands(r->files, f, sizeof f);
    kn_fmt_thousands(r->packets, a, sizeof a);
    kn_fmt_thousands(r->accesses, b, sizeof b);
    kn_fmt_thousands(r->not_sensor, c2, sizeof c2);
    uint64_t other = 0;
    for (int o = 1; o < KN_OUT__COUNT; o++)
        other += r->outcome[o];
    char ot[32];
    kn_fmt_thousands(other, ot, sizeof ot);
    fprintf(out, "\ningest (all files): %s files, %s packets = %s accesses + %s not to a sensor + "
                 "%s without an intact IP header\n",
            f, a, b, c2, ot);
    if (r->live_intervals) {
        char li[32], kr[32], kd[32], di[32];
        kn_fmt_thousands(r->live_intervals, li, sizeof li);
        kn_fmt_thousands(r->kernel_received, kr, sizeof kr);
        kn_fmt_thousands(r->kernel_dropped, kd, sizeof kd);
        kn_fmt_thousands(r->drop_intervals, di, sizeof di);
        fprintf(out, "live capture: %s intervals, kernel received %s, dropped %s%s%s%s\n", li, kr,
                kd, r->kernel_dropped ? " (in " : "", r->kernel_dropped ? di : "",
                r->kernel_dropped ? " intervals: figures there are short)" : "");
    }
    free(g.cells);
    return 0;
oom:
    free(g.cells);
    kn_err_set(err, "out of memory");
    return -1;
}
