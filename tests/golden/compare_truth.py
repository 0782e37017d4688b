#!/usr/bin/env python3
"""Compares `kenchi report --format json` with a generator's TRUTH.json:
every contract field of every day, exactly (per-IP figures to a relative
1e-9), and the report's periods: exactly those of the truth's days, in
order, for the report's --period KIND (month when not given). Prints one
line per difference and exits 1 when there is any.

usage: compare_truth.py TRUTH.json REPORT.json [month|half|year|day]"""
import json
import sys

COUNTS = ["accesses", "accesses_v4", "accesses_v6", "sources", "wide_port_sources",
          "mirai", "rdp_3389", "backscatter"]
PER_IP = ["accesses_per_ip", "low_port_per_ip", "high_port_per_ip", "mirai_per_ip",
          "rdp_3389_per_ip"]
TAGS = ["mirai", "zmap", "masscan", "nmap"]
# Extra per-day counts both sides give (allowed beside the contract's fields).
EXTRA = ["low_port", "high_port", "probes"]


def as_int(v):
    """sensor_addresses_v6 may be a number or a decimal string."""
    if isinstance(v, str) and v.isdigit():
        return int(v)
    return v


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
        return False
    return a == b or abs(a - b) <= 1e-9 * max(abs(a), abs(b))


def compare(truth, report, kind="month"):
    diffs = []
    tdays = {d["date"]: d for d in truth["days"]}
    rdays = {d.get("date"): d for d in report.get("days", [])}
    if sorted(tdays) != sorted(rdays):
        diffs.append("dates: report %s, truth %s" % (sorted(rdays), sorted(tdays)))
    dates = [d.get("date") for d in report.get("days", [])]
    if dates != sorted(dates):
        diffs.append("report days are not sorted by date: %s" % dates)
    for date in sorted(set(tdays) & set(rdays)):
        t, r = tdays[date], rdays[date]

        def diff(field, got, want):
            diffs.append("%s %s: report %r, truth %r" % (date, field, got, want))

        for f in ["sensor_addresses_v4", "sensor_addresses_v6"] + COUNTS:
            if f not in r:
                diff(f, "(missing)", t[f])
            elif as_int(r[f]) != as_int(t[f]) or isinstance(r[f], bool):
                diff(f, r[f], t[f])
        # a number up to 2^53, a decimal string above: the type is part of the contract
        if "sensor_addresses_v6" in r and \
                isinstance(r["sensor_addresses_v6"], str) != isinstance(t["sensor_addresses_v6"], str):
            diff("sensor_addresses_v6 (type)", r["sensor_addresses_v6"], t["sensor_addresses_v6"])
        for f in PER_IP:
            if f not in r or not close(r[f], t[f]):
                diff(f, r.get(f, "(missing)"), t[f])
        rb = {str(k): v for k, v in (r.get("mirai_by_port") or {}).items() if v != 0}
        if rb != t["mirai_by_port"]:
            keys = sorted(set(rb) | set(t["mirai_by_port"]), key=int)
            bad = ["%s: %s vs %s" % (k, rb.get(k), t["mirai_by_port"].get(k)) for k in keys
                   if rb.get(k) != t["mirai_by_port"].get(k)]
            diff("mirai_by_port (report vs truth)", "; ".join(bad[:10]), "")
        for f in EXTRA:
            if f in t and r.get(f) != t[f]:
                diff(f, r.get(f, "(missing)"), t[f])
        rt = r.get("tags") or {}
        for tag in TAGS:
            if rt.get(tag) != t["tags"][tag]:
                diff("tags." + tag, rt.get(tag, "(missing)"), t["tags"][tag])
    # Ingest statistics: every packet in exactly one counter; the generator
    # emits nothing for the counters it omits.
    ring = report.get("ingest")
    if not isinstance(ring, dict):
        diffs.append("ingest: missing in the report, truth %r" % truth["ingest"])
    else:
        for k, v in ring.items():
            if k == "files" or not isinstance(v, int):
                continue
            want = truth["ingest"].get(k, 0)
            if v != want:
                diffs.append("ingest %s: report %r, truth %r" % (k, v, want))
        for k, want in truth["ingest"].items():
            if k not in ring:
                diffs.append("ingest %s: missing in the report, truth %r" % (k, want))
    diffs += compare_periods(truth, report, kind)
    return diffs


def period_of(label, date):
    """The period a date falls in, in the shape of a report's period label."""
    if len(label) == 4:
        return date[:4]
    if "-H" in label:
        return "%s-H%d" % (date[:4], 1 if int(date[5:7]) <= 6 else 2)
    if len(label) == 7:
        return date[:7]
    return date


def label_of(kind, date):
    """The label of the period of KIND (a report's --period) a date falls in."""
    return {"month": date[:7], "year": date[:4], "day": date,
            "half": "%s-H%d" % (date[:4], 1 if int(date[5:7]) <= 6 else 2)}[kind]


def compare_periods(truth, report, kind):
    """Periods: exactly one for each period holding a truth day, oldest
    first; in each, days with data, count totals (sources and wide-port
    sources as sums of daily values) and per-day means, all derived from
    the truth days."""
    diffs = []
    labels = [p.get("period") for p in report.get("periods", [])]
    want = sorted({label_of(kind, d["date"]) for d in truth["days"]})
    if labels != want:
        diffs.append("periods (--period %s): report %s, truth %s" % (kind, labels, want))
    for p in report.get("periods", []):
        label = p.get("period", "")
        days = [d for d in truth["days"] if period_of(label, d["date"]) == label]
        if not days:
            diffs.append("period %s: no truth day falls in it" % label)
            continue
        n = len(days)
        if p.get("days") != n:
            diffs.append("period %s days: report %r, truth %d" % (label, p.get("days"), n))
        tot, mean = p.get("totals", {}), p.get("per_day", {})

        def pdiff(what, got, want):
            diffs.append("period %s %s: report %r, truth %r" % (label, what, got, want))

        sums = {f: sum(d[f] for d in days) for f in COUNTS}
        for f in ["accesses", "accesses_v4", "accesses_v6", "mirai", "rdp_3389", "backscatter"]:
            if tot.get(f) != sums[f]:
                pdiff("totals." + f, tot.get(f), sums[f])
        for f in ["sources", "wide_port_sources"]:
            if tot.get(f + "_sum_of_days") != sums[f]:
                pdiff("totals.%s_sum_of_days" % f, tot.get(f + "_sum_of_days"), sums[f])
        for tag in TAGS:
            want = sum(d["tags"][tag] for d in days)
            if (tot.get("tags") or {}).get(tag) != want:
                pdiff("totals.tags." + tag, (tot.get("tags") or {}).get(tag), want)
        ports = {}
        for d in days:
            for k, v in d["mirai_by_port"].items():
                ports[k] = ports.get(k, 0) + v
        if {k: v for k, v in (tot.get("mirai_by_port") or {}).items() if v} != ports:
            pdiff("totals.mirai_by_port", "(differs)", "")
        for f in COUNTS + PER_IP:
            vals = [d[f] for d in days]
            want = None if None in vals else sum(vals) / n
            if not close(mean.get(f), want):
                pdiff("per_day." + f, mean.get(f), want)
        for tag in TAGS:
            want = sum(d["tags"][tag] for d in days) / n
            if not close((mean.get("tags") or {}).get(tag), want):
                pdiff("per_day.tags." + tag, (mean.get("tags") or {}).get(tag), want)
        got = {k: v for k, v in (mean.get("mirai_by_port") or {}).items() if v}
        if set(got) != set(ports) or not all(close(got[k], ports[k] / n) for k in ports):
            pdiff("per_day.mirai_by_port", "(differs)", "")
    return diffs


def main():
    truth = json.load(open(sys.argv[1]))
    report = json.load(open(sys.argv[2]))
    diffs = compare(truth, report, sys.argv[3] if len(sys.argv) > 3 else "month")
    for d in diffs[:40]:
        print(d)
    if len(diffs) > 40:
        print("... %d differences in all" % len(diffs))
    sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    main()
