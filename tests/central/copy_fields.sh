#!/usr/bin/env bash
# A push sends its rows with COPY's text format (docs/central.md): every
# value must arrive byte for byte, whatever it holds. A database from
# `kenchi analyze` is edited by hand so that its text values hold COPY's
# own separators and escapes (tab, newline, carriage return, backslash,
# "\N", "\.") and UTF-8, and its port sets every shape a blob can take
# (empty, 1-3 bytes, trailing bytes, values with the top bit set, NULL,
# TEXT and INTEGER instead of a BLOB). The oracles are independent of the
# push's formatting: the text values are compared as hex dumped by sqlite3
# and by PostgreSQL, and every port array against the centre's own
# kenchi_ports() applied to the local blob. A name with a NUL byte, which
# PostgreSQL's text cannot hold, fails the push with the server's reason
# and leaves the centre as it was. Uses the suite's PostgreSQL
# (KENCHI_PGURL) or its own; skips when PostgreSQL is unavailable.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/pg.inc"
command -v psql >/dev/null && command -v sqlite3 >/dev/null \
  || { skip central_copy_fields "psql or sqlite3 missing"; exit 0; }
if ! pg_begin; then skip central_copy_fields "PostgreSQL unavailable: $PG_WHY"; exit 0; fi

S=192.0.2.0/24
"$KENCHI" gen --out "$TMP/a.pcap" --truth "$TMP/a.truth" --seed 7 --sensor $S >/dev/null 2>&1
"$KENCHI" analyze --db "$TMP/a.db" --sensor $S "$TMP/a.pcap" >/dev/null 2>&1

# The hand edits. Names: X'..' blobs cast to TEXT give exact bytes.
sqlite3 -bail "$TMP/a.db" <<'SQL' || not_ok central_copy_fields_setup "the hand edits failed"
INSERT INTO files (hash, name, packets, accesses, not_sensor, no_ip, trunc_link, trunc_ip,
                   bad_ip, unknown_link, analysed_at)
SELECT 'h' || n, name, n, 0, 0, 0, 0, 0, 0, 0, 'x' FROM (
  SELECT 1 AS n, CAST(X'6109620a630d645c65' AS TEXT) AS name  -- a\tb\nc\rd\e
  UNION ALL SELECT 2, '\N'
  UNION ALL SELECT 3, '\.'
  UNION ALL SELECT 4, CAST(X'5c0a5c2e0a' AS TEXT)              -- \ newline \. newline
  UNION ALL SELECT 5, '検知 センサー.pcap'
  UNION ALL SELECT 6, '');
UPDATE day_tag_port SET tag = CAST(X'6d690d72615c5c780979' AS TEXT)
 WHERE (day, tag, proto, port) =
       (SELECT day, tag, proto, port FROM day_tag_port ORDER BY 1, 2, 3, 4 LIMIT 1);
CREATE TEMP TABLE shapes (n INTEGER PRIMARY KEY, ports);
INSERT INTO shapes VALUES (1, X''), (2, X'01'), (3, X'010203'), (4, X'00060050'),
  (5, X'FFFFFFFF'), (6, X'80000000'), (7, X'7FFFFFFF'), (8, X'0006005001'),
  (9, NULL), (10, 'abcd'), (11, 12345), (12, X'00110035FFFE000180000001AB');
UPDATE source_day SET ports = (SELECT ports FROM shapes
  WHERE n = (SELECT count(*) FROM source_day s2 WHERE s2.addr < source_day.addr) + 1)
 WHERE (SELECT count(*) FROM source_day s2 WHERE s2.addr < source_day.addr) < 12;
SQL
check central_copy_fields_setup "$(sqlite3 "$TMP/a.db" "SELECT count(*) FROM source_day WHERE
  ports IS 'abcd' OR ports IS 12345 OR ports IS X'0006005001' OR ports IS X'01';
  SELECT count(*) FROM day_tag_port WHERE tag GLOB '*\\*'")" "4
1"

push_ok=1
"$KENCHI" push --db "$TMP/a.db" --central "$PGURL" --sensor-name 's\	x' 2>"$TMP/push.err" \
  || { push_ok=0; not_ok central_copy_fields_push "$(cat "$TMP/push.err")"; }
[[ $push_ok == 1 ]] && ok central_copy_fields_push

# Text values as hex on both sides (sqlite3's hex() of TEXT is its UTF-8).
hexes_local() {
  sqlite3 "$TMP/a.db" "SELECT hex(name) FROM files ORDER BY 1;
    SELECT hex(tag) || ' ' || proto || ' ' || port || ' ' || probes FROM day_tag_port ORDER BY 1;
    SELECT addr || ' ' || nports || ' ' || packets FROM source_day ORDER BY 1"
}
hexes_centre() {
  psql -qtA "$PGURL" -c "SELECT upper(encode(convert_to(name, 'UTF8'), 'hex')) FROM files
      WHERE sensor = E's\\\\\\tx' ORDER BY 1" \
    -c "SELECT upper(encode(convert_to(tag, 'UTF8'), 'hex')) || ' ' || proto || ' ' || port
      || ' ' || probes FROM day_tag_port WHERE sensor = E's\\\\\\tx' ORDER BY 1" \
    -c "SELECT addr || ' ' || nports || ' ' || packets FROM source_day
      WHERE sensor = E's\\\\\\tx' ORDER BY 1"
}
# ORDER BY differs between the two engines' collations for the addresses;
# sort both the same way.
if diff <(hexes_local | LC_ALL=C sort) <(hexes_centre | LC_ALL=C sort) >"$TMP/diff"; then
  ok "central_copy_fields_text ($(hexes_local | wc -l) values)"
else
  not_ok central_copy_fields_text "$(head -4 "$TMP/diff" | tr '\n' ' ')"
fi
check central_copy_fields_sensor_name \
  "$(psql -qtA "$PGURL" -c "SELECT count(*) FROM files WHERE sensor = E's\\\\\\tx'")" \
  "$(sqlite3 "$TMP/a.db" "SELECT count(*) FROM files")"

# Port arrays against kenchi_ports() of the local blob: the local rows go
# to the centre as hex, through psql's own \copy, not through kenchi.
sqlite3 -csv "$TMP/a.db" "SELECT addr, ports IS NULL, hex(ports) FROM source_day" >"$TMP/ports.csv"
mismatch=$(psql -qtA "$PGURL" \
  -c "CREATE TABLE local_ports (addr text, is_null int, hex text)" \
  -c "\\copy local_ports FROM '$TMP/ports.csv' WITH (FORMAT csv)" \
  -c "SELECT count(*) FILTER (WHERE s.ports IS DISTINCT FROM
             CASE WHEN l.is_null = 1 THEN NULL ELSE kenchi_ports(decode(l.hex, 'hex')) END)
        || ' ' || count(s.addr) || ' ' || count(*)
        FROM local_ports l LEFT JOIN source_day s ON s.addr = l.addr AND s.sensor = E's\\\\\\tx'" \
  | tail -n 1)
rows=$(sqlite3 "$TMP/a.db" "SELECT count(*) FROM source_day")
check central_copy_fields_ports "$mismatch" "0 $rows $rows"
check central_copy_fields_ports_negative \
  "$(psql -qtA "$PGURL" -c "SELECT count(*) FROM source_day WHERE ports @> '{-1}'
     OR ports @> '{-2147483648}'")" 2

# A NUL byte: refused by the server, reported, nothing kept.
dump() { psql -qtA "$PGURL" -c "SELECT count(*), sum(packets) FROM files" \
  -c "SELECT count(*), sum(packets) FROM source_day"; }
before=$(dump)
sqlite3 "$TMP/a.db" "INSERT INTO files (hash, name, packets, accesses, not_sensor, no_ip,
  trunc_link, trunc_ip, bad_ip, unknown_link, analysed_at)
  VALUES ('nul', CAST(X'610062' AS TEXT), 1, 0, 0, 0, 0, 0, 0, 0, 'x');
  UPDATE source_day SET packets = packets + 1"
if "$KENCHI" push --db "$TMP/a.db" --central "$PGURL" --sensor-name 's\	x' 2>"$TMP/push.err"; then
  not_ok central_copy_fields_nul "the push of a name with a NUL byte succeeded"
else
  check central_copy_fields_nul "$(grep -c 'kenchi push: centre: .*0x00.*nothing of this push was kept' \
    "$TMP/push.err")" 1
fi
check central_copy_fields_nul_nothing_kept "$(dump)" "$before"

# A count edited by hand to something that is not an integer >= 0: the push
# names the local row (by its first two columns) and the column, and the
# centre keeps nothing of it. The NUL name above is taken out first.
# edited NAME TABLE KEYCOLS COLUMN VALUE
edited() {
  cp "$TMP/a.db" "$TMP/e.db"
  local key
  key=$(sqlite3 "$TMP/e.db" "DELETE FROM files WHERE hash = 'nul';
    SELECT $3 FROM $2 ORDER BY 1, 2 LIMIT 1" | tr '|' '\n' | head -n 2 | paste -sd, | sed 's/,/, /')
  sqlite3 "$TMP/e.db" "UPDATE $2 SET $4 = $5 WHERE ($3) = (SELECT $3 FROM $2 ORDER BY 1, 2 LIMIT 1)"
  if "$KENCHI" push --full --db "$TMP/e.db" --central "$PGURL" --sensor-name 's\	x' 2>"$TMP/push.err"; then
    not_ok "$1" "the push succeeded"
    return
  fi
  check "$1" "$(cat "$TMP/push.err") | $(dump)" \
    "kenchi push: local $2 row ($key, ...): $4 is '$6', not a count (was the database edited by hand?) (nothing of this push was kept) | $before"
}
edited central_copy_fields_negative_count day_port "day, family, proto, port" mirai -5 -5
edited central_copy_fields_text_count day_family "day, family" accesses "'many'" many
edited central_copy_fields_real_count files "hash, name" packets 2.5 2.5
