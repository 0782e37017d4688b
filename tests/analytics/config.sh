#!/usr/bin/env bash
# The stored configuration: a new database needs sensors; later runs reuse
# sensors, zone and threshold, and a conflicting value is a clear error
# (exit 2) that leaves the database untouched. Bad input is a usage error.
source "$(dirname "$0")/../lib.sh"
here=$(dirname "$0")
command -v python3 >/dev/null || { skip config "python3 missing"; exit 0; }
echo "1589673600 198.51.100.1 192.0.2.1 tcp dport=23" | python3 "$here/mkpcap.py" "$TMP/one.pcap"
echo "1589673700 198.51.100.2 192.0.2.1 tcp dport=80" | python3 "$here/mkpcap.py" "$TMP/two.pcap"
D="$TMP/c.db"

expect() { # NAME EXIT PATTERN -- command...
  local name=$1 want=$2 pat=$3; shift 4
  local out rc
  out=$("$@" 2>&1); rc=$?
  if [[ $rc -ne $want ]]; then not_ok "$name" "exit $rc, expected $want: $out"
  elif [[ -n "$pat" && "$out" != *"$pat"* ]]; then not_ok "$name" "message lacks '$pat': $out"
  else ok "$name"; fi
}

expect config_new_needs_sensor 2 "needs at least one --sensor" -- "$KENCHI" analyze --db "$D" "$TMP/one.pcap"
if [[ ! -e "$D" ]]; then ok config_nothing_created; else not_ok config_nothing_created "a database file was left behind"; fi
expect config_bad_cidr 2 "longer than 32" -- "$KENCHI" analyze --db "$TMP/x.db" --sensor 192.0.2.0/33 "$TMP/one.pcap"
expect config_bad_tz 2 "unknown" -- "$KENCHI" analyze --db "$TMP/x.db" --sensor 192.0.2.0/24 --tz Mars/Olympus "$TMP/one.pcap"
expect config_bad_wide 2 "--wide-ports" -- "$KENCHI" analyze --db "$TMP/x.db" --sensor 192.0.2.0/24 --wide-ports 0 "$TMP/one.pcap"
expect config_host_bits_note 0 "host bits set; using 192.0.2.0/24" -- "$KENCHI" analyze --db "$D" --sensor 192.0.2.77/24 --tz Asia/Tokyo --wide-ports 50 "$TMP/one.pcap"
expect config_reuse 0 "stored" -- "$KENCHI" analyze --db "$D" "$TMP/two.pcap"
expect config_same_values_ok 0 "" -- "$KENCHI" analyze --db "$D" --sensor 192.0.2.0/24 --tz Asia/Tokyo --wide-ports 50 "$TMP/two.pcap"
expect config_tz_conflict 2 "conflicts with the database's time zone Asia/Tokyo" -- "$KENCHI" analyze --db "$D" --tz UTC "$TMP/one.pcap"
expect config_wide_conflict 2 "threshold 50" -- "$KENCHI" analyze --db "$D" --wide-ports 100 "$TMP/one.pcap"
expect config_sensor_conflict 2 "conflict with the database's sensors (192.0.2.0/24)" -- "$KENCHI" analyze --db "$D" --sensor 198.51.100.0/24 "$TMP/one.pcap"
expect config_sensor_added_conflict 2 "conflict" -- "$KENCHI" analyze --db "$D" --sensor 192.0.2.0/24 --sensor 2001:db8::/32 "$TMP/one.pcap"
check config_files_unchanged "$(sqlite3 "$D" 'SELECT COUNT(*) FROM files')" 2
check config_stored_values "$(sqlite3 "$D" "SELECT group_concat(value, ' ') FROM (SELECT value FROM config WHERE key IN ('tz', 'wide_ports') ORDER BY key)")" "Asia/Tokyo 50"
check config_stored_sensors "$(sqlite3 "$D" 'SELECT group_concat(prefix) FROM sensors')" "192.0.2.0/24"

printf 'not a capture\n' >"$TMP/junk.pcap"
echo "1589673800 198.51.100.3 192.0.2.1 tcp dport=22" | python3 "$here/mkpcap.py" "$TMP/three.pcap"
expect config_bad_file_others_stored 1 "junk.pcap" -- "$KENCHI" analyze --db "$D" "$TMP/missing.pcap" "$TMP/junk.pcap" "$TMP/three.pcap"
check config_good_file_stored "$(sqlite3 "$D" 'SELECT COUNT(*) FROM files')" 3

sqlite3 "$TMP/foreign.db" 'CREATE TABLE t (x)'
expect config_foreign_db 1 "not a kenchi database" -- "$KENCHI" analyze --db "$TMP/foreign.db" --sensor 192.0.2.0/24 "$TMP/one.pcap"
expect config_report_missing_db 1 "" -- "$KENCHI" report --db "$TMP/none.db"
[[ ! -e "$TMP/none.db" ]] && ok config_report_creates_nothing || not_ok config_report_creates_nothing "created"
expect config_report_bad_date 2 "YYYY-MM-DD" -- "$KENCHI" report --db "$D" --from 2020-02-30
expect config_report_bad_port 2 "tcp/PORT" -- "$KENCHI" report --db "$D" --port 3389
# A file report cannot read says why, instead of "not a kenchi database":
# garbage, and a kenchi database whose last write was cut short in
# rollback-journal mode (a hot journal, which only a writer can roll back;
# kenchi's own writes go through the WAL, but sqlite3 users may switch).
head -c 8192 /dev/urandom >"$TMP/garbage.db"
expect config_report_garbage 1 "cannot read it: file is not a database" -- "$KENCHI" report --db "$TMP/garbage.db"
: >"$TMP/empty.db"
expect config_report_empty 1 "not a kenchi database (or empty)" -- "$KENCHI" report --db "$TMP/empty.db"
sqlite3 "$D" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
cp "$D" "$TMP/hot.db"
python3 - "$TMP/hot.db" <<'PY'
import os, sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("PRAGMA journal_mode = DELETE")
c.execute("PRAGMA cache_size = 1")  # spill: the file changes before the commit
c.execute("BEGIN")
c.execute("CREATE TABLE filler (x)")
for _ in range(3000):
    c.execute("INSERT INTO filler VALUES (randomblob(1000))")
os._exit(0)  # no commit, no rollback: the journal stays hot
PY
if [[ -s "$TMP/hot.db-journal" ]]; then
  expect config_report_hot_journal 1 "cut short and must be rolled back" -- "$KENCHI" report --db "$TMP/hot.db"
  expect config_analyze_rolls_back 0 "skipped" -- "$KENCHI" analyze --db "$TMP/hot.db" "$TMP/one.pcap"
  # the same figures as the database it was copied from (the first line
  # names the file), which holds one.pcap's day: not two equal failures
  if want=$("$KENCHI" report --db "$D" 2>&1) && [[ "$want" == *$'\n'2020-05-17\ * ]]; then
    want=$(tail -n +2 <<<"$want")
  else
    want="(report of $D failed or has no 2020-05-17 row: $want)"
  fi
  check config_report_after_rollback "$("$KENCHI" report --db "$TMP/hot.db" 2>&1 | tail -n +2)" "$want"
else
  not_ok config_report_hot_journal "could not make a hot journal"
fi
expect config_usage 2 "usage" -- "$KENCHI" analyze --db "$D"

# A capture cut in the middle of a record: by default nothing of it is stored
# (its complete version, analysed later, would count the same packets again);
# --keep-partial stores the packets read before the error and says so.
python3 "$here/mkpcap.py" --random 500 --seed 2 --start 1589673600 --out "$TMP/full.pcap"
head -c $(($(stat -c %s "$TMP/full.pcap") - 30)) "$TMP/full.pcap" >"$TMP/cut.pcap"
expect config_cut_not_stored 1 "nothing of it was stored" -- "$KENCHI" analyze --db "$D" "$TMP/cut.pcap"
check config_cut_no_row "$(sqlite3 "$D" "SELECT COUNT(*) FROM files WHERE name LIKE '%cut.pcap'")" 0
expect config_cut_keep_partial 1 "those are stored" -- "$KENCHI" analyze --db "$D" --keep-partial "$TMP/cut.pcap"
if command -v tcpdump >/dev/null; then # tcpdump reads the same whole records
  check config_cut_row "$(sqlite3 "$D" "SELECT packets, read_error IS NOT NULL FROM files WHERE name LIKE '%cut.pcap'")" \
    "$(tcpdump -r "$TMP/cut.pcap" 2>/dev/null | wc -l)|1"
else
  skip config_cut_row "tcpdump missing (the oracle)"
fi
