#!/usr/bin/env bash
# A database edited by hand (docs/schema.md invites plain SQL) can hold
# anything. What the report reads must be a count (an integer >= 0), a
# date or a port; anything else is a clear error naming the row and exit 1,
# never a figure silently read as 0, wrapped around, or a row left out.
# Each case edits a copy of one analysed database; the unedited copy must
# report with exit 0, so the errors are the edits'.
source "$(dirname "$0")/../lib.sh"
command -v sqlite3 >/dev/null || { skip hand_edited "sqlite3 missing"; exit 0; }

S=192.0.2.0/24
"$KENCHI" gen --out "$TMP/a.pcap" --truth "$TMP/a.truth" --seed 11 --sensor $S >/dev/null 2>&1
"$KENCHI" analyze --db "$TMP/clean.db" --sensor $S "$TMP/a.pcap" >/dev/null 2>&1
day=$(sqlite3 "$TMP/clean.db" "SELECT min(day) FROM day_family")
# The cases below need a Mirai row on tcp/23 and a tcp/80 row that day.
check hand_edited_setup "$(sqlite3 "$TMP/clean.db" "SELECT
  (SELECT count(*) FROM day_port WHERE day = '$day' AND family = 4 AND proto = 6 AND port = 23
     AND mirai > 0),
  (SELECT count(*) FROM day_port WHERE day = '$day' AND family = 4 AND proto = 6 AND port = 80)")" \
  "1|1"
"$KENCHI" report --db "$TMP/clean.db" --port tcp/80 >/dev/null 2>"$TMP/clean.err"
check hand_edited_unedited_reports "$? $(wc -c <"$TMP/clean.err")" "0 0"

# edited NAME SQL EXPECTED-STDERR [REPORT OPTIONS...]: the report of a copy
# edited by SQL exits 1, prints nothing, and says EXPECTED.
edited() {
  local name=$1 sql=$2 want=$3
  shift 3
  cp "$TMP/clean.db" "$TMP/$name.db"
  sqlite3 -bail "$TMP/$name.db" "$sql" || { not_ok "$name" "the edit failed"; return; }
  "$KENCHI" report --db "$TMP/$name.db" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
  check "$name" "$? $(wc -c <"$TMP/$name.out") $(cat "$TMP/$name.err")" "1 0 kenchi report: $want"
}
hand="(was the database edited by hand?)"
edited hand_edited_text_count \
  "UPDATE day_family SET accesses = 'abc' WHERE day = '$day' AND family = 4" \
  "day_family row ($day, family 4): accesses is 'abc', not a count $hand"
edited hand_edited_negative_count \
  "UPDATE day_family SET tag_nmap = -5 WHERE day = '$day' AND family = 4" \
  "day_family row ($day, family 4): tag_nmap is '-5', not a count $hand"
edited hand_edited_real_count \
  "UPDATE day_family SET backscatter = 2.5 WHERE day = '$day' AND family = 4" \
  "day_family row ($day, family 4): backscatter is '2.5', not a count $hand"
edited hand_edited_not_a_date \
  "INSERT INTO day_family SELECT 'not-a-day', family, accesses, low_port, high_port, mirai,
     rdp_3389, backscatter, tag_mirai, tag_zmap, tag_masscan, tag_nmap FROM day_family
     WHERE day = '$day' AND family = 4" \
  "day_family: a row's day is 'not-a-day', not a date YYYY-MM-DD $hand"
edited hand_edited_impossible_date \
  "INSERT INTO day_family SELECT '2020-02-30', family, accesses, low_port, high_port, mirai,
     rdp_3389, backscatter, tag_mirai, tag_zmap, tag_masscan, tag_nmap FROM day_family
     WHERE day = '$day' AND family = 4" \
  "day_family: a row's day is '2020-02-30', not a date $hand"
edited hand_edited_mirai_text \
  "UPDATE day_port SET mirai = 'many' WHERE day = '$day' AND family = 4 AND proto = 6 AND port = 23" \
  "day_port row ($day, IPv4 tcp/23): mirai is 'many', not a count $hand"
edited hand_edited_mirai_port \
  "UPDATE day_port SET port = 70000 WHERE day = '$day' AND family = 4 AND proto = 6 AND port = 23" \
  "day_port row ($day, IPv4 tcp/70000): 70000 is not a port $hand"
edited hand_edited_series_count \
  "UPDATE day_port SET probes = X'00' WHERE day = '$day' AND family = 4 AND proto = 6 AND port = 80" \
  "day_port row ($day, family 4, tcp/80): probes is 'a blob', not a count $hand" --port tcp/80
edited hand_edited_file_count \
  "UPDATE files SET trunc_ip = 'x'" \
  "files row 1 ('$TMP/a.pcap'): a count is not an integer >= 0 $hand"
addr=$(sqlite3 "$TMP/clean.db" "SELECT addr FROM source_day WHERE day = '$day' ORDER BY addr LIMIT 1")
edited hand_edited_nports_text \
  "UPDATE source_day SET nports = 'lots' WHERE day = '$day' AND addr = '$addr'" \
  "source_day row ($day, $addr): nports is not a count $hand"
edited hand_edited_nports_negative \
  "UPDATE source_day SET nports = -3 WHERE day = '$day' AND addr = '$addr'" \
  "source_day row ($day, $addr): nports is not a count $hand"
