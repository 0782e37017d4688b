#!/usr/bin/env bash
# Mergeable state: a capture split into hourly files, each analysed in its
# own run, gives exactly the figures (and per-source records) of one run
# over the whole capture. Two days in Asia/Tokyo, so wide-port scanners and
# sources cross local midnight, once from `kenchi gen --split-hours` and
# once from the test's own writer.
source "$(dirname "$0")/../lib.sh"
here=$(dirname "$0")
S=(--sensor 192.0.2.0/24 --sensor 2001:db8:0:1::/64)

compare() { # NAME WHOLE.pcap HOURDIR TZ
  local name=$1 whole=$2 hours=$3 tz=$4
  "$KENCHI" analyze --db "$TMP/$name-whole.db" "${S[@]}" --tz "$tz" "$whole" >/dev/null ||
    { not_ok "$name" "analyze of the whole capture failed"; return; }
  local f n=0
  for f in "$hours"/*.pcap; do
    "$KENCHI" analyze --db "$TMP/$name-split.db" "${S[@]}" --tz "$tz" "$f" >/dev/null ||
      { not_ok "$name" "analyze of $f failed"; return; }
    n=$((n + 1))
  done
  [[ $n -ge 24 ]] || { not_ok "$name" "only $n hourly files"; return; }
  local a b
  a=$("$KENCHI" report --db "$TMP/$name-whole.db" --format json --period day | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["days"], sort_keys=True))')
  b=$("$KENCHI" report --db "$TMP/$name-split.db" --format json --period day | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["days"], sort_keys=True))')
  if [[ -n "$a" && "$a" == "$b" ]]; then ok "${name}_figures"; else not_ok "${name}_figures" "hourly runs differ from one run"; fi
  local q="SELECT day, addr, family, first_ns, last_ns, packets, nports, hex(ports), tags FROM source_day ORDER BY day, addr"
  if command -v sqlite3 >/dev/null; then
    a=$(sqlite3 "$TMP/$name-whole.db" "$q"); b=$(sqlite3 "$TMP/$name-split.db" "$q")
    if [[ -n "$a" && "$a" == "$b" ]]; then ok "${name}_sources"; else not_ok "${name}_sources" "per-source records differ"; fi
    q="SELECT * FROM day_port ORDER BY 1, 2, 3, 4"
    a=$(sqlite3 "$TMP/$name-whole.db" "$q"); b=$(sqlite3 "$TMP/$name-split.db" "$q")
    check "${name}_ports" "$([[ -n "$a" && "$a" == "$b" ]] && echo same)" same
    # something actually crossed the threshold and midnight
    check "${name}_has_wide" "$(sqlite3 "$TMP/$name-whole.db" "SELECT COUNT(*) > 0 FROM source_day WHERE nports >= 100")" 1
  else
    skip "${name}_sources" "sqlite3 missing (also ${name}_ports, ${name}_has_wide)"
  fi
}

command -v python3 >/dev/null || { skip split "python3 missing"; exit 0; }
if "$KENCHI" gen --help >/dev/null 2>&1; then
  mkdir -p "$TMP/gh"
  "$KENCHI" gen --out "$TMP/g.pcap" --truth "$TMP/g.json" --days 2 --tz Asia/Tokyo --seed 7 \
    --split-hours "$TMP/gh" >/dev/null 2>&1 || not_ok split_gen "kenchi gen failed"
  compare split_gen "$TMP/g.pcap" "$TMP/gh" Asia/Tokyo
else
  skip split_gen "kenchi gen not built"
fi
mkdir -p "$TMP/mh"
python3 "$here/mkpcap.py" --random 30000 --seed 3 --start 1589673600 --out "$TMP/m.pcap" --split-hours "$TMP/mh"
compare split_mkpcap "$TMP/m.pcap" "$TMP/mh" Asia/Tokyo
