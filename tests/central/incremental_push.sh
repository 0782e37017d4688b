#!/usr/bin/env bash
# The sensor's incremental pushes across days. A live sensor (on the
# loopback of a namespace of its own, where nothing is sent: empty
# intervals) pushes every second; after its first (full) push, files of
# other days are added to its database by `kenchi analyze` (a backfill into
# the spool): 2020-06-01..02 first, then 2020-06-04 alone. Each later push
# sends only the rows committed since and the days they touched, so after
# each step the centre's copy of this sensor must equal the local database
# (every day, every field), and the day not touched by the second backfill
# must not have been re-sent (its pushed rows keep their first push time).
# A third file falls into the last half minute of a day already pushed: of
# that day's per-source records, exactly those it changed are written
# again, and every record equals the local one.
# The sensor runs in a namespace and reaches PostgreSQL through its unix
# socket, so this test starts its own server (the suite's, KENCHI_PGURL, is
# known only by a loopback TCP URL, unreachable from the namespace).
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/pg.inc"
unset KENCHI_PGURL
name=central_incremental_push
command -v jq >/dev/null && command -v psql >/dev/null || { skip $name "jq or psql missing"; exit 0; }
NS="kip$$"
if [[ $(id -u) != 0 ]] || ! ip netns add "$NS" 2>/dev/null; then
  skip $name "needs root and ip netns"; exit 0
fi
cleanup_ns() {
  for p in $(ip netns pids "$NS" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
  ip netns del "$NS" 2>/dev/null
}
if ! pg_begin; then cleanup_ns; skip $name "PostgreSQL unavailable: $PG_WHY"; exit 0; fi
trap 'cleanup_ns; pg_end' EXIT
PGURL="postgresql:///postgres?host=$PGDIR&port=$(cat "$PGDIR/port")&user=postgres"
ip -n "$NS" link set lo up
S=(--sensor 192.0.2.0/24 --sensor 2001:db8:0:1::/64)
"$KENCHI" gen --out "$TMP/a.pcap" --truth "$TMP/a.json" --seed 5 --start 2020-06-01 --days 2 >/dev/null 2>&1
"$KENCHI" gen --out "$TMP/b.pcap" --truth "$TMP/b.json" --seed 6 --start 2020-06-04 >/dev/null 2>&1

ip netns exec "$NS" "$KENCHI" sensor --interface lo "${S[@]}" --db "$TMP/s.db" --name inc \
  --interval 1 --central "$PGURL" --push-interval 1 2>"$TMP/log" &
SP=$!
wait_pushed() { # FILE: until the centre holds the file's row
  for _ in $(seq 100); do
    [[ $(psql -qtA "$PGURL" -c "SELECT count(*) FROM files WHERE sensor = 'inc'
         AND name LIKE '%/$1'" 2>/dev/null) == 1 ]] && return 0
    sleep 0.1
  done
  return 1
}
figures() { jq -S '{days, periods}'; }
same_as_local() { # NAME FILE
  wait_pushed "$2" || { not_ok "$1" "the centre did not get every local row"; return; }
  sleep 1.2 # a push that started before the last check has ended
  # Both sides failing would compare equal: the local side must have days.
  "$KENCHI" report --db "$TMP/s.db" --format json | figures >"$TMP/local.figures"
  if [[ $(jq '.days | length' "$TMP/local.figures" 2>/dev/null) -lt 1 ]]; then
    not_ok "$1" "the local report has no days"
  elif diff "$TMP/local.figures" \
          <("$KENCHI" central-report --central "$PGURL" --sensor inc --format json | figures) \
          >"$TMP/diff"; then
    ok "$1 ($("$KENCHI" central-report --central "$PGURL" --sensor inc --format json | jq -r '[.days[].date] | join(",")'))"
  else
    not_ok "$1" "$(head -6 "$TMP/diff" | tr '\n' ' ')"
  fi
}
sleep 2
"$KENCHI" analyze --db "$TMP/s.db" "${S[@]}" "$TMP/a.pcap" >/dev/null 2>&1
same_as_local central_incremental_backfill_two_days a.pcap
t1=$(psql -qtA "$PGURL" -c "SELECT count(*) FROM source_day WHERE sensor = 'inc' AND day = '2020-06-01'")
sleep 1.5 # pushes in between: they re-send no 2020 day
"$KENCHI" analyze --db "$TMP/s.db" "${S[@]}" "$TMP/b.pcap" >/dev/null 2>&1
same_as_local central_incremental_backfill_later_day b.pcap

# A later file into a day the centre holds already: 2020-06-02's last half
# minute, from three of the day's sources and one new one. Of the day's
# per-source records only those whose last packet is in that half minute
# are sent, and of those only the ones that changed are written: an upsert
# gives a row it writes a new xmin, a row left alone keeps its own. So the
# rows of that day with a new xmin must be exactly the three sources.
xmins() {
  psql -qtA "$PGURL" -c "SELECT addr || ' ' || xmin FROM source_day
    WHERE sensor = 'inc' AND day = '2020-06-02'" | LC_ALL=C sort
}
before_x=$(xmins)
t_c=$(date -u -d '2020-06-02 23:59:30' +%s)
olds=$(sqlite3 "$TMP/s.db" "SELECT addr FROM source_day WHERE day = '2020-06-02' AND family = 4
  AND last_ns < $t_c * 1000000000 ORDER BY addr LIMIT 3")
for a in $olds 203.0.113.250; do echo "$t_c $a 192.0.2.10 tcp dport=4444"; done \
  | python3 "$(dirname "$0")/../analytics/mkpcap.py" "$TMP/c.pcap"
"$KENCHI" analyze --db "$TMP/s.db" "${S[@]}" "$TMP/c.pcap" >/dev/null 2>&1
same_as_local central_incremental_backfill_same_day c.pcap
after_x=$(xmins)
rewritten=$(LC_ALL=C join <(echo "$before_x") <(echo "$after_x") | awk '$2 != $3 { print $1 }' \
  | LC_ALL=C sort | tr '\n' ' ')
check central_incremental_same_day_only_changed_rows_written "$rewritten" \
  "$(echo "$olds" | LC_ALL=C sort | tr '\n' ' ')"
day_rows=$(echo "$before_x" | wc -l)
if (( $(echo "$olds" | wc -l) == 3 && day_rows > 100 )); then
  ok "central_incremental_same_day_kept ($((day_rows - 3)) of $day_rows rows left alone)"
else
  not_ok central_incremental_same_day_kept "olds '$olds' of $day_rows rows"
fi
rows_local=$(sqlite3 -separator '|' "$TMP/s.db" "SELECT day, addr, family, first_ns, last_ns,
  packets, nports, tags FROM source_day" | LC_ALL=C sort | md5sum)
rows_centre=$(psql -qtA "$PGURL" -c "SELECT day, addr, family, first_ns, last_ns, packets, nports,
  tags FROM source_day WHERE sensor = 'inc'" | LC_ALL=C sort | md5sum)
check central_incremental_source_rows_equal "$rows_centre" "$rows_local"
check central_incremental_same_day_new_source "$(echo "$after_x" | grep -c '^203\.0\.113\.250 ')" 1
kill -TERM "$SP"; wait "$SP"; rc=$?
check central_incremental_sigterm_exit "$rc" 0
check central_incremental_days "$(psql -qtA "$PGURL" -c "SELECT string_agg(DISTINCT day::text, ',') FROM day_family WHERE sensor = 'inc' AND day < '2021-01-01'")" \
  "2020-06-01,2020-06-02,2020-06-04"
# 2020-06-01's rows were inserted by the push after the first backfill and
# never replaced since: the same count, and no source_day row of that day
# newer than the second backfill's day rows (replacing deletes and inserts,
# which would give them a newer xmin).
check central_incremental_untouched_day_rows "$t1" \
  "$(sqlite3 "$TMP/s.db" "SELECT count(*) FROM source_day WHERE day = '2020-06-01'")"
newer=$(psql -qtA "$PGURL" -c "SELECT count(*) FROM source_day a WHERE sensor = 'inc' AND day = '2020-06-01'
  AND age(a.xmin) <= (SELECT max(age(b.xmin)) FROM source_day b WHERE sensor = 'inc' AND day = '2020-06-04')")
check central_incremental_untouched_day_not_resent "$newer" 0
