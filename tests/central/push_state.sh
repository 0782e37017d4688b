#!/usr/bin/env bash
# `kenchi push` decides by itself what to send: the centre records, per
# sensor, the newest local files row it has (id, hash, rows up to it), and
# a push sends only what is newer when its database still holds exactly
# that, everything otherwise (docs/central.md). Checked with the CLI:
#   1. a first push sends everything;
#   2. after one more file (the last half minute of a day pushed already),
#      a push sends only what is newer: the number of rows it reports is
#      counted independently from the local database with sqlite3 (the
#      touched days' counters, port and tag rows that the file changed or
#      added, the per-source records with a packet in that half minute,
#      the new files row);
#   3. a push with nothing new sends nothing;
#   4. another database under the same name (without that file), or the
#      same one with an earlier files row deleted by hand, is not taken for
#      the first: everything is sent;
#   5. --full sends everything even when the centre's copy matches;
#   6. a centre of schema version 1 (no record) is migrated and pushed whole.
# After every push the centre's rows of this sensor equal the local
# database's, every day table and field, and the centre holds every local
# files row (it keeps those of earlier pushes: ingest history). Uses the suite's PostgreSQL
# (KENCHI_PGURL) or its own; skips when PostgreSQL is unavailable.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/pg.inc"
command -v psql >/dev/null && command -v sqlite3 >/dev/null \
  || { skip central_push_state "psql or sqlite3 missing"; exit 0; }
if ! pg_begin; then skip central_push_state "PostgreSQL unavailable: $PG_WHY"; exit 0; fi

S=(--sensor 192.0.2.0/24 --sensor 2001:db8:0:1::/64)
"$KENCHI" gen --out "$TMP/a.pcap" --truth "$TMP/a.json" --seed 8 --start 2020-06-01 --days 2 \
  >/dev/null 2>&1
t_c=$(date -u -d '2020-06-02 23:59:30' +%s)
"$KENCHI" analyze --db "$TMP/a.db" "${S[@]}" "$TMP/a.pcap" >/dev/null 2>&1
olds=$(sqlite3 "$TMP/a.db" "SELECT addr FROM source_day WHERE day = '2020-06-02' AND family = 4
  AND last_ns < $t_c * 1000000000 ORDER BY addr LIMIT 5")
for a in $olds 203.0.113.251; do echo "$t_c $a 192.0.2.11 tcp dport=3389"; done \
  | python3 "$(dirname "$0")/../analytics/mkpcap.py" "$TMP/c.pcap"
cp "$TMP/a.db" "$TMP/b.db" # a.pcap alone: the database of step 4

push() { # DB [OPTION]: pushes as sensor 'st'; the summary line in $TMP/push.out
  "$KENCHI" push --db "$1" --central "$PGURL" --sensor-name st "${@:2}" 2>"$TMP/push.out" \
    || echo "push failed: $(cat "$TMP/push.out")" >>"$TMP/failures"
}
kind() { sed -nE "s/.*\((everything|what is newer than local file #[0-9]+)[^:]*: ([0-9]+) days, ([0-9]+) rows\)$/\1|\2|\3/p" "$TMP/push.out"; }
# every table of the local database against the centre's rows of 'st'
same_rows() { # NAME DB
  local l c
  l=$(sqlite3 -separator '|' "$2" "
    SELECT 'f', day, family, accesses, low_port, high_port, mirai, rdp_3389, backscatter,
      tag_mirai, tag_zmap, tag_masscan, tag_nmap FROM day_family;
    SELECT 'p', day, family, proto, port, accesses, probes, mirai FROM day_port;
    SELECT 't', day, tag, proto, port, probes FROM day_tag_port;
    SELECT 's', day, addr, family, first_ns, last_ns, packets, nports, tags FROM source_day"\
    | LC_ALL=C sort | md5sum)
  c=$(psql -qtA "$PGURL" -c "
    SELECT 'f', day, family, accesses, low_port, high_port, mirai, rdp_3389, backscatter,
      tag_mirai, tag_zmap, tag_masscan, tag_nmap FROM day_family WHERE sensor = 'st'" -c "
    SELECT 'p', day, family, proto, port, accesses, probes, mirai FROM day_port
      WHERE sensor = 'st'" -c "
    SELECT 't', day, tag, proto, port, probes FROM day_tag_port WHERE sensor = 'st'" -c "
    SELECT 's', day, addr, family, first_ns, last_ns, packets, nports, tags FROM source_day
      WHERE sensor = 'st'" | LC_ALL=C sort | md5sum)
  # files rows are ingest history: the centre keeps every one it was sent
  local missing
  missing=$(LC_ALL=C comm -23 <(sqlite3 "$2" "SELECT hash || '|' || packets FROM files" | LC_ALL=C sort) \
    <(psql -qtA "$PGURL" -c "SELECT hash || '|' || packets FROM files WHERE sensor = 'st'" \
      | LC_ALL=C sort) | wc -l)
  check "$1" "$c $missing" "$l 0"
}
all_rows() { # DB: every row a full push sends
  sqlite3 "$1" "SELECT (SELECT count(*) FROM day_family) + (SELECT count(*) FROM day_port)
    + (SELECT count(*) FROM day_tag_port) + (SELECT count(*) FROM source_day)
    + (SELECT count(*) FROM files)"
}
days() { sqlite3 "$1" "SELECT count(DISTINCT day) FROM day_family"; }

# 1. first push
push "$TMP/a.db"
check central_push_state_first "$(kind)" "everything|$(days "$TMP/a.db")|$(all_rows "$TMP/a.db")"
same_rows central_push_state_first_rows "$TMP/a.db"

# 2. one more file: only what is newer than file #1, and of the day's
# counters, port and tag rows only those the file changed or added
counters() { # DB: the day rows of 2020-06-02 on, a line each
  sqlite3 -separator '|' "$1" "SELECT 'f', * FROM day_family WHERE day >= '2020-06-02';
    SELECT 'p', * FROM day_port WHERE day >= '2020-06-02';
    SELECT 't', * FROM day_tag_port WHERE day >= '2020-06-02'" | LC_ALL=C sort
}
counters "$TMP/a.db" >"$TMP/counters.before"
"$KENCHI" analyze --db "$TMP/a.db" "${S[@]}" "$TMP/c.pcap" >/dev/null 2>&1
changed=$(LC_ALL=C comm -13 "$TMP/counters.before" <(counters "$TMP/a.db") | wc -l)
expected=$(sqlite3 "$TMP/a.db" "SELECT $changed
  + (SELECT count(*) FROM source_day WHERE last_ns >= $t_c * 1000000000)
  + (SELECT count(*) FROM files WHERE id > 1)")
push "$TMP/a.db"
check central_push_state_newer "$(kind)" "what is newer than local file #1|1|$expected"
same_rows central_push_state_newer_rows "$TMP/a.db"
sources=$(sqlite3 "$TMP/a.db" "SELECT count(*) FROM source_day")
sent=$(sqlite3 "$TMP/a.db" "SELECT count(*) FROM source_day WHERE last_ns >= $t_c * 1000000000")
if (( $(echo "$olds" | wc -l) == 5 && sent >= 6 && sent * 10 < sources )); then
  ok "central_push_state_newer_is_small ($sent of $sources per-source records sent)"
else
  not_ok central_push_state_newer_is_small "$sent of $sources per-source records to send"
fi

# 3. nothing new
push "$TMP/a.db"
check central_push_state_nothing_new "$(kind)" "what is newer than local file #2|0|0"
same_rows central_push_state_nothing_new_rows "$TMP/a.db"

# 3b. the same database with an earlier files row deleted by hand: its
# file #2 is still the centre's, but not the rows up to it
cp "$TMP/a.db" "$TMP/d.db"
sqlite3 "$TMP/d.db" "DELETE FROM files WHERE id = 1"
push "$TMP/d.db"
check central_push_state_rows_up_to "$(kind)" "everything|$(days "$TMP/d.db")|$(all_rows "$TMP/d.db")"

# 4. another database under the same name: its file #1 is a.pcap too, but
# it has no file #2, which the centre has
push "$TMP/b.db"
check central_push_state_other_db "$(kind)" "everything|$(days "$TMP/b.db")|$(all_rows "$TMP/b.db")"
same_rows central_push_state_other_db_rows "$TMP/b.db"

# 5. --full, although the centre's copy (b.db's file #1) is a.db's too
push "$TMP/a.db" --full
check central_push_state_full "$(kind)" "everything|$(days "$TMP/a.db")|$(all_rows "$TMP/a.db")"
same_rows central_push_state_full_rows "$TMP/a.db"

# 6. a centre of version 1, made by hand from this one: no record of any
# push; the next push migrates it and sends everything
psql -qtA "$PGURL" -c "DROP TABLE sensor_push" -c "DELETE FROM kenchi_version WHERE version = 2" \
  >/dev/null
push "$TMP/a.db"
check central_push_state_from_v1 "$(kind)" "everything|$(days "$TMP/a.db")|$(all_rows "$TMP/a.db")"
check central_push_state_v2 "$(psql -qtA "$PGURL" -c "SELECT max(version) FROM kenchi_version")
$(psql -qtA "$PGURL" -c "SELECT last_file_id FROM sensor_push WHERE sensor = 'st'")" "2
2"
same_rows central_push_state_from_v1_rows "$TMP/a.db"

check central_push_state_all_pushes_succeeded "$(cat "$TMP/failures" 2>/dev/null)" ""
