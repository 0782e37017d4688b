#!/usr/bin/env bash
# Pushing to the centre (docs/central.md): how fast `kenchi push` copies a
# database's figures into PostgreSQL, against PostgreSQL loading the very
# same rows with its own client (psql's \copy from files of its own text
# format: the floor of any client), measured in this one run.
#
#   push, new centre      `kenchi push` of the bench day's database into an
#                         empty centre (a fresh database each run)
#   push, day replaced    the same push again: the day's rows deleted and
#                         sent again, as a sensor's push of a day in progress
#   psql \copy            the same rows of every table, dumped beforehand by
#                         the centre itself, loaded by psql into a copy of the
#                         pushed centre whose tables were emptied
#   push, last hour       a day in progress: the bench day's first 23 hourly
#                         files analysed and pushed (untimed), then the 24th
#                         analysed and pushed: only what it changed is sent
#   push --full, last hour  the same push sending the whole day again, as
#                         every push did before the centre kept a record
#   centre report         `kenchi report --db postgresql://...` of the pushed
#                         day, against `kenchi report` of the local database
#                         (the same figures; checked equal), with peak RSS
#   centre report, 2 sensors  the same day pushed again as a second sensor:
#                         the network-wide merge of every source (checked:
#                         the local report's sources, twice its accesses)
#
# The server is a throwaway one (scripts/pg.sh: fsync off, as in the tests),
# so the figures are the client's and the server's work, not the disk's.
# Environment: KENCHI, BUILD (set by make), RUNS (default 3), SCALE (250).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${KENCHI:?}" "${BUILD:?}"
RUNS=${RUNS:-3}
SCALE=${SCALE:-250}
F=$BUILD/bench-data/bench-s$SCALE.pcap
NETWORK=$(dirname "$KENCHI")/kenchi-network
[[ -s $F ]] || { echo "push bench: $F missing (bench/run.sh generates it)"; exit 0; }
command -v psql >/dev/null || { echo "push bench: skipped, psql missing"; exit 0; }
TMP=$(mktemp -d)
chmod 755 "$TMP" # the server's user reads the dumps through psql's client, but writes none
PGDIR=""
cleanup() { [[ -z $PGDIR ]] || scripts/pg.sh stop "$PGDIR"; rm -rf "$TMP"; }
trap cleanup EXIT
if ! pgenv=$(scripts/pg.sh start 2>"$TMP/pg.err"); then
  echo "push bench: skipped, PostgreSQL unavailable: $(tail -n 1 "$TMP/pg.err")"; exit 0
fi
eval "$pgenv"
base=${PGURL%/*}
q() { psql -qtAX "$base/postgres" -c "$1"; }

"$KENCHI" analyze --db "$TMP/day.db" --sensor 192.0.2.0/24 --sensor 2001:db8:0:1::/64 "$F" \
  >/dev/null 2>&1
rows=$(sqlite3 "$TMP/day.db" "SELECT (SELECT count(*) FROM day_family) + (SELECT count(*) FROM
  day_port) + (SELECT count(*) FROM day_tag_port) + (SELECT count(*) FROM source_day)
  + (SELECT count(*) FROM files)")

# best NAME CMD...: sets BEST to the best wall time (us) of RUNS runs of
# CMD (a function may be given), each after $SETUP. Not in a subshell:
# SETUP's changes (the next database's number) must last.
best() {
  local name=$1 t0 t1 t i
  shift
  BEST=""
  for ((i = 0; i < RUNS; i++)); do
    if [[ -n ${SETUP:-} ]]; then eval "$SETUP"; fi
    t0=$(date +%s%N)
    "$@" >/dev/null 2>"$TMP/err" || { echo "push bench: $name failed:" >&2; cat "$TMP/err" >&2; exit 1; }
    t1=$(date +%s%N)
    t=$(((t1 - t0) / 1000))
    if [[ -z $BEST || $t -lt $BEST ]]; then BEST=$t; fi
  done
}

n=0
fresh() { n=$((n + 1)); q "CREATE DATABASE fresh$n" >/dev/null; }
push_to() { "$NETWORK" push --db "$TMP/day.db" --central "$base/fresh$n" --sensor-name bench "$@"; }
SETUP=fresh best "push, new centre" push_to
push_new=$BEST
SETUP="" best "push, day replaced" push_to --full
push_replace=$BEST

# The floor: the centre's own dump of what the push stored, loaded again by psql.
tables=(day_family day_port day_tag_port source_day files)
copy_args=()
for t in "${tables[@]}"; do
  psql -qtAX "$base/fresh$n" -c "\\copy (SELECT * FROM $t) TO '$TMP/$t.copy'"
  copy_args+=(-c "\\copy $t FROM '$TMP/$t.copy'")
done
m=0
empty_copy() {
  m=$((m + 1))
  q "CREATE DATABASE floor$m TEMPLATE fresh$n" >/dev/null
  psql -qtAX "$base/floor$m" -c "TRUNCATE $(IFS=,; echo "${tables[*]}")" >/dev/null
}
load_floor() { psql -qtAX "$base/floor$m" "${copy_args[@]}"; }
SETUP=empty_copy best "psql \\copy" load_floor
floor=$BEST

# A day in progress (the hourly files of bench/run.sh, when there).
HOURS=$BUILD/bench-data/hours-s$SCALE
incr="" incr_full=""
if [[ -s $HOURS/23.pcap ]]; then
  hours=()
  for h in $(seq -w 0 22); do hours+=("$HOURS/$h.pcap"); done
  "$KENCHI" analyze --db "$TMP/h23.db" --sensor 192.0.2.0/24 --sensor 2001:db8:0:1::/64 \
    "${hours[@]}" >/dev/null 2>&1
  k=0
  day_so_far() {
    k=$((k + 1))
    rm -f "$TMP"/hk.db*
    cp "$TMP/h23.db" "$TMP/hk.db"
    q "CREATE DATABASE incr$k" >/dev/null
    "$NETWORK" push --db "$TMP/hk.db" --central "$base/incr$k" --sensor-name bench 2>/dev/null
    "$KENCHI" analyze --db "$TMP/hk.db" "$HOURS/23.pcap" >/dev/null 2>&1
  }
  push_hour() { "$NETWORK" push --db "$TMP/hk.db" --central "$base/incr$k" --sensor-name bench "$@"; }
  SETUP=day_so_far best "push, last hour" push_hour
  incr=$BEST
  incr_rows=$(sed -nE 's/.* ([0-9]+) rows\)$/\1/p' "$TMP/err")
  SETUP=day_so_far best "push --full, last hour" push_hour --full
  incr_full=$BEST
  incr_full_rows=$(sed -nE 's/.* ([0-9]+) rows\)$/\1/p' "$TMP/err")
fi

# The centre's report of the pushed day against the local one.
report_of() { "$KENCHI" report --db "$1" --format json --period day; }
centre_report() { report_of "$base/fresh$n" >"$TMP/centre.json"; }
local_report() { report_of "$TMP/day.db" >"$TMP/local.json"; }
best "centre report" centre_report
report_centre=$BEST
best "local report" local_report
report_local=$BEST
same=$(cmp -s <(jq -S '{days, periods}' "$TMP/centre.json") <(jq -S '{days, periods}' "$TMP/local.json") \
  && echo "same figures" || echo "FIGURES DIFFER")
rss_of() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1; }
rss_centre=$(rss_of "$KENCHI" report --db "$base/fresh$n" --format json --period day)
rss_local=$(rss_of "$KENCHI" report --db "$TMP/day.db" --format json --period day)

# The same day pushed again as a second sensor: every source is then seen
# by two sensors, so the report takes the network-wide merge by address
# (a one-sensor day skips it). Against the local report: the same
# sources, wide-port sources and distinct sources, twice the accesses.
"$NETWORK" push --db "$TMP/day.db" --central "$base/fresh$n" --sensor-name bench-twin 2>/dev/null
twin_report() { report_of "$base/fresh$n" >"$TMP/twin.json"; }
best "centre report, 2 sensors" twin_report
report_twin=$BEST
twin=$(jq -n --slurpfile c "$TMP/twin.json" --slurpfile l "$TMP/local.json" '
  [$c[0].days, $l[0].days] | transpose | all(.[0].sources == .[1].sources
    and .[0].wide_port_sources == .[1].wide_port_sources and .[0].accesses == 2 * .[1].accesses)
  and ([$c[0].periods, $l[0].periods] | transpose
    | all(.[0].totals.distinct_sources == .[1].totals.distinct_sources))
  and ($c[0].days | length) == ($l[0].days | length) and ($c[0].days | length) > 0' \
  | sed "s/^true$/the local report's sources, twice its accesses/; s/^false$/FIGURES DIFFER from the local report/")

printf 'push bench: %d rows (bench day: %s)\n' "$rows" "${F##*/}"
printf '  %-22s %8.3f s  %9.0f rows/s\n' "push, new centre" "$(echo "$push_new / 1000000" | bc -l)" \
  "$(echo "$rows / ($push_new / 1000000)" | bc -l)"
printf '  %-22s %8.3f s  %9.0f rows/s\n' "push, day replaced" "$(echo "$push_replace / 1000000" | bc -l)" \
  "$(echo "$rows / ($push_replace / 1000000)" | bc -l)"
printf '  %-22s %8.3f s  %9.0f rows/s\n' "psql \\copy (floor)" "$(echo "$floor / 1000000" | bc -l)" \
  "$(echo "$rows / ($floor / 1000000)" | bc -l)"
printf '  push (new centre) / floor: %.2fx the time\n' "$(echo "$push_new / $floor" | bc -l)"
if [[ -n $incr ]]; then
  printf '  %-22s %8.3f s  %9d rows sent\n' "push, last hour" "$(echo "$incr / 1000000" | bc -l)" \
    "$incr_rows"
  printf '  %-22s %8.3f s  %9d rows sent\n' "push --full, last hour" \
    "$(echo "$incr_full / 1000000" | bc -l)" "$incr_full_rows"
  printf '  push of the last hour: %.1fx faster than sending the day again\n' \
    "$(echo "$incr_full / $incr" | bc -l)"
else
  echo "  (no hourly files in $HOURS: bench/run.sh makes them; the day-in-progress pushes were not run)"
fi
printf '  %-22s %8.3f s  %6.1f MiB\n' "centre report" "$(echo "$report_centre / 1000000" | bc -l)" \
  "$(echo "$rss_centre / 1024" | bc -l)"
printf '  %-22s %8.3f s  %6.1f MiB\n' "local report" "$(echo "$report_local / 1000000" | bc -l)" \
  "$(echo "$rss_local / 1024" | bc -l)"
printf '  centre report / local report: %.1fx the time; %s\n' \
  "$(echo "$report_centre / $report_local" | bc -l)" "$same"
printf '  %-22s %8.3f s  (%s)\n' "centre report, 2 sensors" \
  "$(echo "$report_twin / 1000000" | bc -l)" "$twin"
[[ $same == "same figures" && $twin == "the local report's sources, twice its accesses" ]] || exit 1

