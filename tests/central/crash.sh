#!/usr/bin/env bash
# The centre stopped like a power cut (pg_ctl stop -m immediate) in the
# middle of a push of a big batch (65,536 per-source records), then
# restarted: the interrupted push left nothing (the centre still shows
# exactly the earlier sensor), and pushing again gives exactly one offline
# analysis of both captures. The push is caught mid-way deterministically:
# another session holds the files table, which a push fills last, so the
# push waits there with every day row already sent inside its transaction.
# Skips when PostgreSQL is unavailable.
# It crashes its server, so it always starts its own (not KENCHI_PGURL).
source "$(dirname "$0")/../lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
pgsh="$here/../../scripts/pg.sh"
command -v python3 >/dev/null || { skip central_crash "python3 missing"; exit 0; }
if ! pgenv=$("$pgsh" start 2>"$TMP/pg.err"); then
  skip central_crash "PostgreSQL unavailable: $(tail -n 1 "$TMP/pg.err")"; exit 0
fi
eval "$pgenv"
trap '"$pgsh" stop "$PGDIR"; rm -rf "$TMP"' EXIT

S=192.0.2.0/24
"$KENCHI" gen --out "$TMP/small.pcap" --truth "$TMP/small.truth" --seed 3 --sensor $S >/dev/null 2>&1
python3 "$here/../analytics/mkpcap.py" --big 200000 --start 1590969600 --out "$TMP/big.pcap"
"$KENCHI" analyze --db "$TMP/small.db" --sensor $S "$TMP/small.pcap" >/dev/null 2>&1
"$KENCHI" analyze --db "$TMP/big.db" --sensor $S "$TMP/big.pcap" >/dev/null 2>&1
"$KENCHI" analyze --db "$TMP/all.db" --sensor $S "$TMP/small.pcap" "$TMP/big.pcap" >/dev/null 2>&1
"$KENCHI" report --db "$TMP/small.db" --format json >"$TMP/small.json"
"$KENCHI" report --db "$TMP/all.db" --format json >"$TMP/all.json"

"$KENCHI" push --db "$TMP/small.db" --central "$PGURL" --sensor-name small 2>/dev/null \
  || not_ok central_crash_setup "first push failed"
psql -qtA "$PGURL" -c "BEGIN; LOCK TABLE files IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(300)" \
  >/dev/null 2>&1 &
holder=$!
for _ in $(seq 200); do
  n=$(psql -qtA "$PGURL" -c "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
       WHERE c.relname = 'files' AND l.mode = 'AccessExclusiveLock' AND l.granted" 2>/dev/null)
  [[ ${n:-0} -gt 0 ]] && break
  sleep 0.05
done
"$KENCHI" push --db "$TMP/big.db" --central "$PGURL" --sensor-name big 2>"$TMP/push.err" &
pid=$!
waiting=0
for _ in $(seq 600); do
  n=$(psql -qtA "$PGURL" -c "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'
       AND query LIKE 'CREATE TEMP TABLE kenchi_push_files%'" 2>/dev/null)
  [[ ${n:-0} -gt 0 ]] && { waiting=1; break; }
  sleep 0.05
done
check central_crash_push_held_at_files $waiting 1
"$pgsh" crash "$PGDIR"
wait $holder 2>/dev/null
if wait $pid; then
  not_ok central_crash_interrupted "the push finished despite the crash"
else
  ok central_crash_interrupted
fi
"$pgsh" restart "$PGDIR" || { not_ok central_crash_restart "PostgreSQL did not restart"; exit 0; }
"$KENCHI" central-report --central "$PGURL" --format json >"$TMP/after_crash.json"
check central_crash_nothing_half_done "$(cmp -s "$TMP/after_crash.json" "$TMP/small.json" && echo same)" same
"$KENCHI" push --db "$TMP/big.db" --central "$PGURL" --sensor-name big 2>/dev/null \
  || not_ok central_crash_repush "push after restart failed"
"$KENCHI" central-report --central "$PGURL" --format json >"$TMP/final.json"
check central_crash_final_equals_offline "$(cmp -s "$TMP/final.json" "$TMP/all.json" && echo same)" same
check central_crash_big_sources "$(python3 -c 'import json,sys; print(sum(d["sources"] for d in json.load(open(sys.argv[1]))["days"]))' "$TMP/final.json")" \
  "$(sqlite3 "$TMP/all.db" 'SELECT count(*) FROM source_day')"
