#!/usr/bin/env bash
# The centre (docs/central.md) against an independent oracle: two sensor
# databases (kenchi gen + kenchi analyze, different prefixes) pushed to a
# throwaway PostgreSQL give network-wide figures equal, field by field, to
# ONE offline analysis of both captures into one database with both
# prefixes; a second push counts once; per-sensor reports equal the
# sensors' own reports. A hand-built day checks the port-set union by hand.
# Uses the suite's server when .ci/run gives one (KENCHI_PGURL), else its
# own. Skips when PostgreSQL is unavailable.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/pg.inc"
here=$(cd "$(dirname "$0")" && pwd)
command -v python3 >/dev/null || { skip central_network "python3 missing"; exit 0; }
if ! pg_begin; then skip central_network "PostgreSQL unavailable: $PG_WHY"; exit 0; fi

A4=192.0.2.128/25; A6=2001:db8:0:1::/64; B4=198.51.100.128/25; B6=2001:db8:0:3::/64
"$KENCHI" gen --out "$TMP/a.pcap" --truth "$TMP/a.truth" --seed 1 --sensor $A4 --sensor $A6 2>/dev/null
"$KENCHI" gen --out "$TMP/b.pcap" --truth "$TMP/b.truth" --seed 2 --sensor $B4 --sensor $B6 2>/dev/null
# 2020-06-05, by hand (SYNs are probes, threshold 100):
# 203.0.113.77: 60 ports at A + port 7, 59 other ports at B + port 7 =
#   61 and 60 per sensor (not wide), 120 distinct for the network (wide).
# 203.0.113.78: ports 1-60 at A, 41-90 at B: 110 pairs summed but only 90
#   distinct: wide for nobody (a union, not a sum).
# 203.0.113.79: ports 3001-3050 at A, 3051-3100 at B: 50 and 50, a union
#   of exactly 100: wide for the network (the threshold counts).
# 2020-06-07, seen by sensor A only: 203.0.113.80 on 100 ports (wide) and
#   203.0.113.81 on 99 (not): a day whose sources no other sensor shares.
t=1591315200 t7=1591488000
{ for p in $(seq 1000 1059) 7; do echo "$t 203.0.113.77 192.0.2.200 tcp dport=$p"; done
  for p in $(seq 1 60); do echo "$t 203.0.113.78 192.0.2.201 tcp dport=$p"; done
  for p in $(seq 3001 3050); do echo "$t 203.0.113.79 192.0.2.202 tcp dport=$p"; done
  for p in $(seq 1 100); do echo "$t7 203.0.113.80 192.0.2.203 tcp dport=$p"; done
  for p in $(seq 1 99); do echo "$t7 203.0.113.81 192.0.2.203 tcp dport=$p"; done; } \
  | python3 "$here/../analytics/mkpcap.py" "$TMP/ha.pcap"
{ for p in $(seq 2000 2058) 7; do echo "$t 203.0.113.77 198.51.100.200 tcp dport=$p"; done
  for p in $(seq 41 90); do echo "$t 203.0.113.78 198.51.100.201 tcp dport=$p"; done
  for p in $(seq 3051 3100); do echo "$t 203.0.113.79 198.51.100.202 tcp dport=$p"; done; } \
  | python3 "$here/../analytics/mkpcap.py" "$TMP/hb.pcap"

"$KENCHI" analyze --db "$TMP/a.db" --sensor $A4 --sensor $A6 "$TMP/a.pcap" "$TMP/ha.pcap" >/dev/null 2>&1
"$KENCHI" analyze --db "$TMP/b.db" --sensor $B4 --sensor $B6 "$TMP/b.pcap" "$TMP/hb.pcap" >/dev/null 2>&1
"$KENCHI" analyze --db "$TMP/all.db" --sensor $A4 --sensor $A6 --sensor $B4 --sensor $B6 \
  "$TMP/a.pcap" "$TMP/b.pcap" "$TMP/ha.pcap" "$TMP/hb.pcap" >/dev/null 2>&1

ok_push=1
for s in a b a; do # a twice: the second push must count once
  "$KENCHI" push --db "$TMP/$s.db" --central "$PGURL" --sensor-name "sensor-$s" 2>"$TMP/push.err" \
    || { ok_push=0; not_ok central_push "$(cat "$TMP/push.err")"; }
done
[[ $ok_push == 1 ]] && ok central_push

"$KENCHI" report --db "$TMP/all.db" --format json >"$TMP/oracle.json"
"$KENCHI" report --db "$TMP/a.db" --format json >"$TMP/a.json"
"$KENCHI" central-report --central "$PGURL" --format json >"$TMP/net.json" \
  || not_ok central_report "central-report failed"
"$KENCHI" central-report --central "$PGURL" --sensor sensor-a --format json >"$TMP/net_a.json" \
  || not_ok central_report_sensor "central-report --sensor failed"

# Every field, recursively: days, periods, config (prefix union), ingest.
compare() { python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
diffs = []
def walk(x, y, path):
    if isinstance(x, dict) and isinstance(y, dict):
        for k in sorted(set(x) | set(y)):
            if k not in x or k not in y:
                diffs.append(f"{path}.{k} missing on one side")
            else:
                walk(x[k], y[k], f"{path}.{k}")
    elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
        for i, (u, v) in enumerate(zip(x, y)):
            walk(u, v, f"{path}[{i}]")
    elif x != y:
        diffs.append(f"{path}: {x!r} != {y!r}")
walk(a, b, "")
n = len(a.get("days", []))
print(f"{n} days; " + ("; ".join(diffs[:3]) if diffs else "equal"))
sys.exit(1 if diffs or n < 2 else 0)
PY
}
if out=$(compare "$TMP/net.json" "$TMP/oracle.json"); then ok central_network_equals_offline
else not_ok central_network_equals_offline "$out"; fi
if out=$(compare "$TMP/net_a.json" "$TMP/a.json"); then ok central_sensor_equals_local
else not_ok central_sensor_equals_local "$out"; fi

# The hand-built day: sources and wide-port sources, network and per sensor.
day() { python3 -c 'import json,sys
d=[d for d in json.load(open(sys.argv[1]))["days"] if d["date"]==sys.argv[2]][0]
print(d["sources"], d["wide_port_sources"])' "$1" "${2:-2020-06-05}"; }
check central_hand_network "$(day "$TMP/net.json")" "3 2"
check central_hand_sensor_a "$(day "$TMP/net_a.json")" "3 0"
check central_hand_one_sensor_day "$(day "$TMP/net.json" 2020-06-07) $(day "$TMP/net_a.json" 2020-06-07)" "2 1 2 1"
check central_files_once "$(psql -qtA "$PGURL" -c "SELECT count(*) FROM files WHERE sensor = 'sensor-a'")" 2
check central_partitions "$(psql -qtA "$PGURL" -c "SELECT count(*) FROM pg_inherits WHERE inhparent = 'source_day'::regclass")" 1

# `kenchi report --db postgresql://...` is the same report, options included.
args=(--format json --from 2020-06-05 --period day --port tcp/7 --port tcp/23)
"$KENCHI" report --db "$PGURL" "${args[@]}" >"$TMP/url.json" 2>"$TMP/url.err"
"$KENCHI" report --db "$TMP/all.db" "${args[@]}" >"$TMP/oracle5.json"
check central_report_db_url "$(cmp -s "$TMP/url.json" "$TMP/oracle5.json" && echo same || head -c 200 "$TMP/url.err")" same
check central_report_db_url_full "$("$KENCHI" report --db "$PGURL" --format json | cmp -s - "$TMP/oracle.json" && echo same)" same
# The centre copies only the port rows the report reads: its Mirai ports
# and the --port series. tcp/23 is both a Mirai port and a series here,
# seen by both sensors; udp/53 a series of another protocol.
args=(--format json --period day --port tcp/23 --port udp/53 --port tcp/7)
"$KENCHI" report --db "$PGURL" "${args[@]}" >"$TMP/url_ports.json" 2>"$TMP/url.err"
"$KENCHI" report --db "$TMP/all.db" "${args[@]}" >"$TMP/oracle_ports.json"
check central_report_db_url_series_nonzero "$(python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); m=d["days"][0]["mirai_by_port"]
print(*[sum(x["accesses"] > 0 for x in s["days"]) > 0 for s in d["ports"]], m.get("23", 0) > 0)' "$TMP/oracle_ports.json")" \
  "True True True True"
check central_report_db_url_series "$(cmp -s "$TMP/url_ports.json" "$TMP/oracle_ports.json" && echo same || head -c 200 "$TMP/url.err")" same
# One sensor's report takes every option of `kenchi report`, through either
# command, and equals that sensor's own report with the same options.
args=(--format json --from 2020-06-05 --period day --port tcp/7 --port tcp/3001)
"$KENCHI" central-report --central "$PGURL" --sensor sensor-a "${args[@]}" >"$TMP/cr_a.json" 2>"$TMP/cr.err"
"$KENCHI" report --db "$TMP/a.db" "${args[@]}" >"$TMP/local_a.json"
check central_report_sensor_options \
  "$(cmp -s "$TMP/cr_a.json" "$TMP/local_a.json" && echo same || head -c 200 "$TMP/cr.err")" same
"$KENCHI" report --db "$PGURL" --sensor sensor-b --to 2020-06-04 --period year --port tcp/23 \
  --format csv >"$TMP/url_b.csv" 2>"$TMP/cr.err"
"$KENCHI" report --db "$TMP/b.db" --to 2020-06-04 --period year --port tcp/23 --format csv >"$TMP/local_b.csv"
check central_report_db_url_sensor \
  "$(cmp -s "$TMP/url_b.csv" "$TMP/local_b.csv" && echo same || head -c 200 "$TMP/cr.err")" same
# Misused: each command's own name for the database, --sensor only for a
# centre, a sensor the centre does not have.
misuse() { "$KENCHI" "$@" >/dev/null 2>"$TMP/misuse.err"; echo "$? $(head -n 1 "$TMP/misuse.err")"; }
check central_report_misuse_db "$(misuse central-report --db "$PGURL")" \
  "2 kenchi central-report: the centre is --central URL"
check central_report_misuse_file "$(misuse central-report --central "$TMP/a.db")" \
  "2 kenchi central-report: --central '$TMP/a.db': expected postgresql://... or postgres://..."
check central_report_misuse_local_sensor "$(misuse report --db "$TMP/a.db" --sensor sensor-a)" \
  "2 kenchi report: --sensor NAME selects one sensor of a centre (--db postgresql://...); a local database is one sensor's already"
check central_report_misuse_unknown_sensor "$(misuse report --db "$PGURL" --sensor nobody)" \
  "1 kenchi report: no sensor 'nobody' at the centre"
# The centre is read for the report's days only: ranges that begin or end
# on the days with figures (2020-06-01 generated, 2020-06-05 and -07 by hand), and
# one between them with none, give exactly the offline report of the range.
n_same=0
ranges=("--to 2020-06-01" "--from 2020-06-01 --to 2020-06-01" "--from 2020-06-02 --to 2020-06-05"
        "--from 2020-06-05 --to 2020-06-05" "--from 2020-06-02 --to 2020-06-04" "--from 2020-06-06")
for range in "${ranges[@]}"; do
  # shellcheck disable=SC2086 # the range is words
  a=$("$KENCHI" report --db "$PGURL" --format json --period day $range 2>&1; echo "rc=$?")
  # shellcheck disable=SC2086
  b=$("$KENCHI" report --db "$TMP/all.db" --format json --period day $range 2>&1; echo "rc=$?")
  if [[ $a == "$b" ]]; then n_same=$((n_same + 1)); else echo "# differs: $range" >&2; fi
done
check central_report_db_url_ranges "$n_same" "${#ranges[@]}"
# Each period kind: the centre computes the distinct sources of each
# period by a label of its own, which must be the report's.
n_same=0
for period in day month half year; do
  cmp -s <("$KENCHI" report --db "$PGURL" --format json --period $period 2>&1) \
    <("$KENCHI" report --db "$TMP/all.db" --format json --period $period 2>&1) \
    && n_same=$((n_same + 1))
done
check central_report_db_url_periods "$n_same" 4
# Every comparison above is with an offline report, and two failures would
# compare equal: each oracle must have days and periods (the CSV, rows).
check central_oracles_nonempty "$(python3 -c 'import json, sys
print(all(len(json.load(open(p))[k]) > 0 for p in sys.argv[2:] for k in ("days", "periods")),
      len(open(sys.argv[1]).readlines()) > 1)' "$TMP/local_b.csv" \
  "$TMP/oracle.json" "$TMP/a.json" "$TMP/oracle5.json" "$TMP/oracle_ports.json" \
  "$TMP/local_a.json")" "True True"
# A centre whose query fails mid-report (a table gone): a clear error and
# exit 1, and the connection's results all read (no hang, no crash).
psql -qtA "$PGURL" -c "ALTER TABLE source_day RENAME TO source_day_gone" >/dev/null
if "$KENCHI" report --db "$PGURL" --format json >/dev/null 2>"$TMP/gone.err"; then
  not_ok central_report_query_fails "a report without source_day succeeded"
else
  check central_report_query_fails \
    "$(grep -c 'kenchi report: centre: ERROR: *relation "source_day" does not exist' "$TMP/gone.err")" 1
fi
psql -qtA "$PGURL" -c "ALTER TABLE source_day_gone RENAME TO source_day" >/dev/null
