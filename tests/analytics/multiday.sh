#!/usr/bin/env bash
# Many days in one run, with memory bounded (issue 4's budget grows only
# with the source-days, while every day has a port table of its own):
#  - one file of six generated days: the port tables of days the reading
#    has left are spilled to a temporary file (--timing says how many), and
#    the stored figures still equal the generator's truth for every day and
#    period;
#  - the same capture as 144 hourly files in one run: groups are stored
#    a day at a time (--timing counts the commits), with
#    per-source records and port rows equal to the one-file run;
#  - a spill that cannot create its file fails the file with a message
#    naming the directory, and stores nothing of it.
source "$(dirname "$0")/../lib.sh"
S=(--sensor 192.0.2.0/24 --sensor 2001:db8:0:1::/64)
command -v sqlite3 >/dev/null || { skip multiday "sqlite3 missing"; exit 0; }
command -v python3 >/dev/null || { skip multiday "python3 missing"; exit 0; }
mkdir -p "$TMP/h"
# scale 10: ~30,000 port rows a day, so leaving a day spills (more than
# 64 Ki rows of idle days, src/aggregate/aggregate.c)
"$KENCHI" gen --out "$TMP/g.pcap" --truth "$TMP/truth.json" --days 6 --scale 10 --tz Asia/Tokyo \
  --seed 11 --split-hours "$TMP/h" >/dev/null 2>&1 || { not_ok multiday_gen "kenchi gen failed"; exit 0; }
hours=("$TMP"/h/*.pcap)
check multiday_hour_files "$([[ ${#hours[@]} -ge 144 ]] && echo enough)" enough

store_field() { awk -v n="$2" '$1 == "timing:" && $2 == "store" {print $n}' "$1"; }

# one file of six days
if "$KENCHI" analyze --timing --db "$TMP/whole.db" "${S[@]}" --tz Asia/Tokyo "$TMP/g.pcap" \
     >/dev/null 2>"$TMP/whole.err"; then
  spilled=$(sed -n 's/.*(\([0-9,]*\) day port tables spilled.*/\1/p' "$TMP/whole.err")
  check multiday_whole_spilled "$([[ -n $spilled && ${spilled//,/} -ge 3 ]] && echo yes)" yes
  check multiday_whole_port_rows_exact "$(store_field "$TMP/whole.err" 9 | tr -d ,)" \
    "$(sqlite3 "$TMP/whole.db" 'SELECT COUNT(*) FROM day_port')"
  bad=""
  for period in day month year; do
    "$KENCHI" report --db "$TMP/whole.db" --format json --period $period >"$TMP/r.json" 2>/dev/null &&
      out=$(python3 "$(dirname "$0")/../golden/compare_truth.py" "$TMP/truth.json" "$TMP/r.json" $period 2>&1) ||
      bad="$bad --period $period: $(head -3 <<<"$out" | tr '\n' '|')"
  done
  check multiday_whole_equals_truth "${bad:-equal}" equal
  # the truth has Mirai counts per port (compared above), not all accesses
  # per port: those must at least add up to each day's accesses
  check multiday_port_rows_sum_to_days \
    "$(sqlite3 "$TMP/whole.db" "SELECT COUNT(*) FROM (SELECT day, family, SUM(accesses) AS a FROM day_port GROUP BY day, family) p
       JOIN day_family f ON f.day = p.day AND f.family = p.family WHERE p.a != f.accesses")" 0
else
  not_ok multiday_whole "analyze failed: $(tail -2 "$TMP/whole.err")"
fi

# the same capture as hourly files, one run
if "$KENCHI" analyze --timing --db "$TMP/hours.db" "${S[@]}" --tz Asia/Tokyo "${hours[@]}" \
     >/dev/null 2>"$TMP/hours.err"; then
  check multiday_hours_equal_whole "$([[ "$(figures_dump "$TMP/hours.db")" == "$(figures_dump "$TMP/whole.db")" ]] && echo same)" same
  commits=$(store_field "$TMP/hours.err" 5)
  # 6 local days (and the generator's spill across the last midnight): a
  # group per day, and one for each file holding packets of two days
  # (the one at midnight), so at least 6 commits, far fewer than files
  check multiday_hours_grouped_by_days "$([[ $commits -ge 6 && $commits -le 21 ]] && echo yes || echo "$commits commits")" yes
  check multiday_hours_no_spill "$(grep -c 'spilled' "$TMP/hours.err")" 0
else
  not_ok multiday_hours "analyze failed: $(tail -2 "$TMP/hours.err")"
fi

# nowhere to spill: the file fails, says why, and nothing of it is stored
TMPDIR=/nonexistent-kenchi-tmp "$KENCHI" analyze --db "$TMP/fail.db" "${S[@]}" --tz Asia/Tokyo \
  "$TMP/g.pcap" >/dev/null 2>"$TMP/fail.err"
check multiday_no_tmpdir_fails "$?" 1
check multiday_no_tmpdir_says_where "$(grep -c 'temporary file in /nonexistent-kenchi-tmp' "$TMP/fail.err")" 1
check multiday_no_tmpdir_stores_nothing "$(sqlite3 "$TMP/fail.db" 'SELECT COUNT(*) FROM files; SELECT COUNT(*) FROM day_port' | tr '\n' ' ')" "0 0 "
