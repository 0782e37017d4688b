#!/usr/bin/env bash
# The sensor's interval code driven from files in packet time (--replay):
# a 2-day and a 30-day generated capture, committed hour by hour. Checks
# (1) the figures equal `kenchi analyze` of the same file, (2) a second
# replay counts nothing twice, (3) memory stays flat over the days: the
# 30-day run's peak RSS is within 20% (+2 MiB) of the 2-day run's, since a
# closed interval (and so a closed day) leaves nothing behind in memory.
source "$(dirname "$0")/../lib.sh"
S=(--sensor 192.0.2.0/24 --sensor 2001:db8:0:1::/64)

if ! command -v /usr/bin/time >/dev/null; then
  skip sensor_soak "/usr/bin/time is missing"; exit 0
fi
"$KENCHI" gen --out "$TMP/d2.pcap" --truth "$TMP/d2.json" --days 2 --seed 3 >/dev/null 2>&1
"$KENCHI" gen --out "$TMP/d30.pcap" --truth "$TMP/d30.json" --days 30 --seed 3 >/dev/null 2>&1

rss() { # rss DAYS: peak RSS in KiB of replaying dDAYS.pcap into sDAYS.db
  /usr/bin/time -f %M -o "$TMP/rss$1" "$KENCHI" sensor --replay "$TMP/d$1.pcap" \
    --db "$TMP/s$1.db" "${S[@]}" --interval 3600 --name soak 2>"$TMP/log$1" || echo fail
  cat "$TMP/rss$1"
}
r2=$(rss 2); r30=$(rss 30)
if ldd "$KENCHI" 2>/dev/null | grep -q libasan; then
  # ASan's quarantine keeps freed memory resident: RSS says nothing there
  skip sensor_soak_rss_flat "sanitised build (ASan quarantine); 2 days ${r2} KiB, 30 days ${r30} KiB"
elif [[ "$r2" =~ ^[0-9]+$ && "$r30" =~ ^[0-9]+$ ]] && (( r30 <= r2 * 12 / 10 + 2048 )); then
  ok "sensor_soak_rss_flat (2 days ${r2} KiB, 30 days ${r30} KiB)"
else
  not_ok sensor_soak_rss_flat "2 days ${r2} KiB, 30 days ${r30} KiB: $(tail -2 "$TMP/log30")"
fi
check sensor_soak_intervals "$(sqlite3 "$TMP/s30.db" 'SELECT COUNT(*) FROM files')" $((30 * 24))

"$KENCHI" analyze --db "$TMP/a30.db" "${S[@]}" "$TMP/d30.pcap" >/dev/null 2>&1
figures() { "$KENCHI" report --db "$1" --format json | jq '{days, periods}'; }
# and the figures are the capture's, not two empty or failed reports: each
# day's accesses are the generator's truth
by_day() { jq -c '[.days[] | [.date, .accesses]]' "$@"; }
if ! diff <(figures "$TMP/a30.db") <(figures "$TMP/s30.db") >"$TMP/diff"; then
  not_ok sensor_soak_equals_analyze "$(head -5 "$TMP/diff")"
elif [[ "$(figures "$TMP/a30.db" | by_day)" != "$(by_day "$TMP/d30.json")" ]]; then
  not_ok sensor_soak_equals_analyze "accesses per day are not the truth's: $(figures "$TMP/a30.db" | by_day | head -c 200)"
else
  ok sensor_soak_equals_analyze
fi
before=$(figures "$TMP/s30.db" | md5sum)
"$KENCHI" sensor --replay "$TMP/d30.pcap" --db "$TMP/s30.db" --interval 3600 --name soak >/dev/null 2>"$TMP/again"
rc=$?
# the second replay ran, and found each of its 30 x 24 intervals committed
if [[ $rc != 0 ]] || ! grep -q "$((30 * 24)) intervals were already committed: not counted again" "$TMP/again"; then
  not_ok sensor_soak_replay_twice_counts_once "exit $rc: $(tail -2 "$TMP/again" | tr '\n' ' ')"
else
  check sensor_soak_replay_twice_counts_once "$(figures "$TMP/s30.db" | md5sum)" "$before"
fi
