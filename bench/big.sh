#!/usr/bin/env bash
# `make bench BIG=1` (or bench/big.sh with KENCHI and BUILD set): memory at
# scale, in two shapes, each analysed into a fresh SQLite:
#  - one generated day with RADIATION (default 10 million) extra sources
#    that each send one or two TCP SYNs, like a telescope's background
#    radiation: millions of source-days in one day;
#  - one file of DAYS (default 60) generated days at scale 10: every day
#    brings a port table of its own (~30,000 port rows), which the budget
#    does not pay for, so the days the reading has left are spilled to a
#    temporary file (src/aggregate/portspill.h).
# Prints each peak RSS against the budget of docs/performance.md (64 MiB +
# 100 bytes per distinct source-day) and checks the source count against
# the generator's truth. Then times `kenchi report` (monthly periods) on
# each database against the baseline of SQLite computing the same source
# figures by plain SQL (GROUP BY day, family; COUNT(DISTINCT addr) per
# month), and checks that both give the same numbers.
set -euo pipefail
: "${KENCHI:?}" "${BUILD:?}"
RADIATION=${RADIATION:-10000000}
DAYS=${DAYS:-60}
DATA=$BUILD/bench-data
mkdir -p "$DATA"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
status=0

# budget CAPTURE TRUTH: analyse, print the line, check truth and budget.
budget() {
  local f=$1 t=$2
  rm -f "$TMP"/big.db*
  /usr/bin/time -f "%e %U %S %M" -o "$TMP/time" \
    "$KENCHI" analyze --db "$TMP/big.db" --sensor 192.0.2.0/24 --sensor 2001:db8:0:1::/64 "$f" \
    >"$TMP/out"
  local wall user sys kb packets sources truth budget_kb
  read -r wall user sys kb <"$TMP/time"
  packets=$(grep -o '^[^:]*: [0-9,]* packets' "$TMP/out" | sed 's/.*: //; s/ packets//; s/,//g')
  sources=$(sqlite3 "$TMP/big.db" 'SELECT count(*) FROM source_day')
  truth=$(python3 -c 'import json,sys; print(sum(d["sources"] for d in json.load(open(sys.argv[1]))["days"]))' "$t")
  budget_kb=$(((64 * 1048576 + 100 * sources) / 1024))
  echo "memory at scale: $f: $packets packets, $sources source-days (generator truth: $truth)"
  printf 'kenchi analyze: %s s wall, %s s CPU, peak RSS %.0f MiB; budget 64 MiB + 100 B x %s = %.0f MiB: %s\n' \
    "$wall" "$(echo "$user + $sys" | bc -l)" "$(echo "$kb / 1024" | bc -l)" "$sources" \
    "$(echo "$budget_kb / 1024" | bc -l)" "$( ((kb <= budget_kb)) && echo within || echo OVER)"
  [[ $sources == "$truth" ]] || { echo "big: source-days $sources != truth $truth" >&2; status=1; }
  ((kb <= budget_kb)) || status=1
  report_vs_sql
}

# report_vs_sql: kenchi report of $TMP/big.db against sqlite3 running the
# queries the report used before item 42; the figures must agree.
report_vs_sql() {
  /usr/bin/time -f "%e %M" -o "$TMP/rtime" \
    "$KENCHI" report --db "$TMP/big.db" --format json --period month >"$TMP/report.json"
  local rwall rkb swall
  read -r rwall rkb <"$TMP/rtime"
  /usr/bin/time -f "%e" -o "$TMP/stime" sqlite3 "$TMP/big.db" \
    "SELECT 'day', day, family, COUNT(*), SUM(nports >= (SELECT CAST(value AS INTEGER) FROM config WHERE key = 'wide_ports'))
       FROM source_day GROUP BY day, family;
     SELECT 'month', substr(day, 1, 7), COUNT(DISTINCT addr) FROM source_day GROUP BY substr(day, 1, 7);" \
    >"$TMP/sql.txt"
  swall=$(cat "$TMP/stime")
  local same
  same=$(python3 - "$TMP/report.json" "$TMP/sql.txt" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
days, months = {}, {}
for line in open(sys.argv[2]):
    f = line.rstrip("\n").split("|")
    if f[0] == "day":
        d = days.setdefault(f[1], [0, 0, 0])
        d[0 if f[2] == "4" else 1] += int(f[3])
        d[2] += int(f[4])
    else:
        months[f[1]] = int(f[2])
mine = {d["date"]: [d["sources_v4"], d["sources_v6"], d["wide_port_sources"]] for d in r["days"]}
per = {p["period"]: p["totals"]["distinct_sources"] for p in r["periods"]}
print("same" if mine == days and per == months else "DIFFERENT")
PY
)
  printf 'kenchi report (months): %s s, peak RSS %.0f MiB; the same source figures by SQL (sqlite3): %s s; ratio %.1fx; figures %s\n' \
    "$rwall" "$(echo "$rkb / 1024" | bc -l)" "$swall" "$(echo "$swall / $rwall" | bc -l)" "$same"
  [[ $same == same ]] || status=1
}

F=$DATA/big-r$RADIATION.pcap
if [[ ! -s $F || ! -s ${F%.pcap}.json ]]; then
  echo "generating $F (kenchi gen --radiation $RADIATION, cached) ..."
  "$KENCHI" gen --out "$F.tmp" --truth "${F%.pcap}.json" --radiation "$RADIATION" >/dev/null
  mv "$F.tmp" "$F"
fi
budget "$F" "${F%.pcap}.json"

M=$DATA/days-d$DAYS-s10.pcap
if [[ ! -s $M || ! -s ${M%.pcap}.json ]]; then
  echo "generating $M (kenchi gen --days $DAYS --scale 10, cached) ..."
  "$KENCHI" gen --out "$M.tmp" --truth "${M%.pcap}.json" --days "$DAYS" --scale 10 \
    --start 2020-05-01 >/dev/null
  mv "$M.tmp" "$M"
fi
budget "$M" "${M%.pcap}.json"
exit $status
