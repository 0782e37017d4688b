#!/usr/bin/env bash
# `make bench BIG=1` (or bench/big.sh with KENCHI and BUILD set): memory at
# scale. One generated day with RADIATION (default 10 million) extra sources
# that each send one or two TCP SYNs, like a telescope's background
# radiation, analysed into a fresh SQLite. Prints the peak RSS against the
# budget of docs/performance.md (64 MiB + 100 bytes per distinct source-day)
# and checks the source count against the generator's truth.
set -euo pipefail
: "${KENCHI:?}" "${BUILD:?}"
RADIATION=${RADIATION:-10000000}
DATA=$BUILD/bench-data
mkdir -p "$DATA"
F=$DATA/big-r$RADIATION.pcap
T=$DATA/big-r$RADIATION.json
if [[ ! -s $F || ! -s $T ]]; then
  echo "generating $F (kenchi gen --radiation $RADIATION, cached) ..."
  "$KENCHI" gen --out "$F.tmp" --truth "$T" --radiation "$RADIATION" >/dev/null
  mv "$F.tmp" "$F"
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
/usr/bin/time -f "%e %U %S %M" -o "$TMP/time" \
  "$KENCHI" analyze --db "$TMP/big.db" --sensor 192.0.2.0/24 --sensor 2001:db8:0:1::/64 "$F" \
  >"$TMP/out"
read -r wall user sys kb <"$TMP/time"
packets=$(grep -o '^[^:]*: [0-9,]* packets' "$TMP/out" | sed 's/.*: //; s/ packets//; s/,//g')
sources=$(sqlite3 "$TMP/big.db" 'SELECT count(*) FROM source_day')
truth=$(python3 -c 'import json,sys; print(sum(d["sources"] for d in json.load(open(sys.argv[1]))["days"]))' "$T")
budget_kb=$(((64 * 1048576 + 100 * sources) / 1024))
echo "memory at scale: $F: $packets packets, $sources source-days (generator truth: $truth)"
printf 'kenchi analyze: %s s wall, %s s CPU, peak RSS %.0f MiB; budget 64 MiB + 100 B x %s = %.0f MiB: %s\n' \
  "$wall" "$(echo "$user + $sys" | bc -l)" "$(echo "$kb / 1024" | bc -l)" "$sources" \
  "$(echo "$budget_kb / 1024" | bc -l)" "$( ((kb <= budget_kb)) && echo within || echo OVER)"
[[ $sources == "$truth" ]] || { echo "big: source-days $sources != truth $truth" >&2; exit 1; }
((kb <= budget_kb)) || exit 1
