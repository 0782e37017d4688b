#!/usr/bin/env bash
# Ctrl-C (SIGINT) or SIGTERM in the middle of `kenchi analyze`: the run
# exits 128 + the signal, the files read in full before it are stored, the
# file it was reading leaves nothing in the database, and analysing that
# one again afterwards stores it in full.
source "$(dirname "$0")/../lib.sh"
S=(--sensor 192.0.2.0/24 --sensor 2001:db8:0:1::/64)
"$KENCHI" gen --out "$TMP/small.pcap" --truth "$TMP/small.json" --seed 8 --scale 1 >/dev/null 2>&1
"$KENCHI" gen --out "$TMP/big.pcap" --truth "$TMP/big.json" --seed 9 --scale 100 >/dev/null 2>&1
npackets() { capinfos -c -M "$1" | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2}'; }
command -v capinfos >/dev/null || { skip interrupt "capinfos (wireshark-common) missing"; exit 0; }
for sig in INT TERM; do
  db="$TMP/$sig.db"
  "$KENCHI" analyze --db "$db" "${S[@]}" "$TMP/small.pcap" "$TMP/big.pcap" >/dev/null 2>"$TMP/err" &
  pid=$!
  # small.pcap is read in full (its group is stored only when the run ends
  # or is stopped), then signal while big.pcap is being read
  for _ in $(seq 200); do
    ls -l /proc/"$pid"/fd 2>/dev/null | grep -q 'big\.pcap' && break
    sleep 0.01
  done
  kill -"$sig" "$pid"; wait "$pid"; rc=$?
  files=$(sqlite3 "$db" 'SELECT name FROM files' | xargs -n1 basename | tr '\n' ' ')
  if [[ $rc == 0 ]]; then
    skip "interrupt_$sig" "the run ended before the signal arrived"
    continue
  fi
  want=$((128 + $(kill -l "$sig")))
  check "interrupt_${sig}_exit_status" "$rc" "$want"
  check "interrupt_${sig}_stores_only_files_read_in_full" "$files" "small.pcap "
  grep -q 'interrupted while reading .*big.pcap: nothing of it was stored' "$TMP/err" &&
    ok "interrupt_${sig}_message" || not_ok "interrupt_${sig}_message" "$(cat "$TMP/err")"
  "$KENCHI" analyze --db "$db" "${S[@]}" "$TMP/big.pcap" >/dev/null 2>&1
  check "interrupt_${sig}_rerun_stores" "$(sqlite3 "$db" 'SELECT SUM(packets) FROM files')" \
    "$(( $(npackets "$TMP/small.pcap") + $(npackets "$TMP/big.pcap") ))"
done
