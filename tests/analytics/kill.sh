#!/usr/bin/env bash
# SIGKILL at random moments while a large capture is analysed: afterwards
# the database holds either the figures from before that file or those from
# after it, never anything in between; it passes SQLite's integrity check;
# and finishing the run then gives the full figures.
source "$(dirname "$0")/../lib.sh"
here=$(dirname "$0")
command -v python3 >/dev/null || { skip kill "python3 missing"; exit 0; }
ROUNDS=${KILL_ROUNDS:-4}
python3 "$here/mkpcap.py" --random 2000 --seed 9 --start 1589673600 --out "$TMP/small.pcap"
python3 "$here/mkpcap.py" --big 150000 --start 1589673600 --out "$TMP/big.pcap"
A=(--sensor 192.0.2.0/24 --sensor 2001:db8:0:1::/64)
figures() { "$KENCHI" report --db "$1" --format json | python3 -c 'import json,sys; r=json.load(sys.stdin); print(json.dumps([r["days"], r["ingest"]], sort_keys=True))'; }

"$KENCHI" analyze --db "$TMP/base.db" "${A[@]}" "$TMP/small.pcap" >/dev/null
sqlite3 "$TMP/base.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null 2>&1
before=$(figures "$TMP/base.db")
cp "$TMP/base.db" "$TMP/ref.db"
start=$(date +%s%N)
"$KENCHI" analyze --db "$TMP/ref.db" "$TMP/big.pcap" >/dev/null
took_ms=$((($(date +%s%N) - start) / 1000000))
after=$(figures "$TMP/ref.db")
[[ "$before" != "$after" ]] || { not_ok kill_setup "the big file changed nothing"; exit 0; }

seen_before=0 seen_after=0 bad=0
for ((i = 0; i < ROUNDS; i++)); do
  db="$TMP/k$i.db"
  rm -f "$db"*
  cp "$TMP/base.db" "$db"
  "$KENCHI" analyze --db "$db" "$TMP/big.pcap" >/dev/null 2>&1 &
  pid=$!
  # a random moment within (and a little beyond) the time one run takes
  delay_ms=$((RANDOM % (took_ms + took_ms / 5 + 1)))
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  now=$(figures "$db")
  if [[ "$now" == "$before" ]]; then seen_before=$((seen_before + 1))
  elif [[ "$now" == "$after" ]]; then seen_after=$((seen_after + 1))
  else bad=$((bad + 1)); echo "# round $i (kill after ${delay_ms} ms): neither before nor after"; fi
  integ=$(sqlite3 "$db" 'PRAGMA integrity_check' 2>&1)
  [[ "$integ" == ok ]] || { bad=$((bad + 1)); echo "# round $i: integrity: $integ"; }
  # finishing the run gives the full figures (or skips: already complete)
  "$KENCHI" analyze --db "$db" "$TMP/big.pcap" >/dev/null 2>&1
  [[ "$(figures "$db")" == "$after" ]] || { bad=$((bad + 1)); echo "# round $i: rerun did not reach the full figures"; }
done
echo "# $ROUNDS kills over ${took_ms} ms runs: $seen_before before, $seen_after after"
check kill_never_half_a_file "$bad" 0
