#!/usr/bin/env bash
# `make demo`: generate a sample darknet capture with known ground truth
# (kenchi gen), analyse it into a SQLite database, and print the report.
# Everything goes to build/demo/ (or $DEMO_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
KENCHI=${KENCHI:-build/kenchi}
out=${DEMO_DIR:-build/demo}
if ! "$KENCHI" gen --help >/dev/null 2>&1; then
  echo "demo: '$KENCHI gen' is not available in this build, so there is no sample capture;" >&2
  echo "      analyse your own: $KENCHI analyze --db x.db --sensor CIDR FILE.pcap" >&2
  exit 1
fi
mkdir -p "$out"
rm -f "$out/demo.db" "$out/demo.db-wal" "$out/demo.db-shm"
sensors=(--sensor 192.0.2.0/24 --sensor 2001:db8:0:1::/64)
echo "== kenchi gen: three days of darknet traffic seen from Tokyo"
"$KENCHI" gen --out "$out/sample.pcap" --truth "$out/truth.json" --days 3 --tz Asia/Tokyo "${sensors[@]}"
echo
echo "== kenchi analyze: into $out/demo.db"
"$KENCHI" analyze --db "$out/demo.db" "${sensors[@]}" --tz Asia/Tokyo "$out/sample.pcap"
echo
echo "== kenchi report"
"$KENCHI" report --db "$out/demo.db" --port tcp/3389 --port tcp/23
echo
echo "More: $KENCHI report --db $out/demo.db --format json | less"
echo "      sqlite3 $out/demo.db 'SELECT * FROM day_sources'   (schema: docs/schema.md)"
echo "      ground truth of the sample: $out/truth.json"
