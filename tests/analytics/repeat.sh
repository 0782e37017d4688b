#!/usr/bin/env bash
# A capture analysed again is recognised by its content (SHA-256 over the
# frames), whatever its name or compression, and is not counted twice.
source "$(dirname "$0")/../lib.sh"
here=$(dirname "$0")
command -v python3 >/dev/null || { skip repeat "python3 missing"; exit 0; }
python3 "$here/mkpcap.py" --random 3000 --seed 5 --start 1589673600 --out "$TMP/a.pcap"
python3 "$here/mkpcap.py" --random 3000 --seed 6 --start 1589673600 --out "$TMP/b.pcap"
A=(--db "$TMP/r.db" --sensor 192.0.2.0/24)
figures() { "$KENCHI" report --db "$TMP/r.db" --format json | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["days"], sort_keys=True))'; }

"$KENCHI" analyze "${A[@]}" "$TMP/a.pcap" >/dev/null || not_ok repeat_first "analyze failed"
before=$(figures)
# the figures compared below are a.pcap's (not two empty or failed reports):
# its accesses are the packets tcpdump finds to the sensor prefix
if command -v tcpdump >/dev/null; then
  check repeat_first_figures "$(jq '[.[].accesses] | add' <<<"$before")" \
    "$(tcpdump -nr "$TMP/a.pcap" 'dst net 192.0.2.0/24' 2>/dev/null | wc -l)"
else
  skip repeat_first_figures "tcpdump missing"
fi
out=$("$KENCHI" analyze "${A[@]}" "$TMP/a.pcap" 2>&1); rc=$?
check repeat_same_file_exit "$rc" 0
[[ "$out" == *"skipped: same content"* ]] && ok repeat_same_file_message || not_ok repeat_same_file_message "$out"
check repeat_same_file_figures "$(figures)" "$before"

cp "$TMP/a.pcap" "$TMP/renamed.pcap" && gzip -c "$TMP/a.pcap" >"$TMP/a.pcap.gz"
out=$("$KENCHI" analyze "${A[@]}" "$TMP/renamed.pcap" "$TMP/a.pcap.gz" 2>&1)
check repeat_renamed_and_gzip_skipped "$(grep -c 'skipped: same content' <<<"$out")" 2
if command -v zstd >/dev/null; then
  zstd -q -c "$TMP/a.pcap" >"$TMP/a.pcap.zst"
  out=$("$KENCHI" analyze "${A[@]}" "$TMP/a.pcap.zst" 2>&1)
  [[ "$out" == *"skipped"* ]] && ok repeat_zstd_skipped || not_ok repeat_zstd_skipped "$out"
else
  skip repeat_zstd_skipped "zstd missing"
fi
if command -v editcap >/dev/null; then
  editcap -F pcapng "$TMP/a.pcap" "$TMP/a.pcapng" 2>/dev/null
  out=$("$KENCHI" analyze "${A[@]}" "$TMP/a.pcapng" 2>&1)
  [[ "$out" == *"skipped"* ]] && ok repeat_pcapng_copy_skipped || not_ok repeat_pcapng_copy_skipped "$out"
else
  skip repeat_pcapng_copy_skipped "editcap (wireshark-common) missing"
fi
check repeat_figures_unchanged "$(figures)" "$before"

# A different capture is counted, and the accesses add up.
"$KENCHI" analyze "${A[@]}" "$TMP/b.pcap" >"$TMP/out" 2>&1
[[ "$(cat "$TMP/out")" == *"; stored"* ]] && ok repeat_other_file_stored || not_ok repeat_other_file_stored "$(cat "$TMP/out")"
if command -v sqlite3 >/dev/null; then
  check repeat_files_rows "$(sqlite3 "$TMP/r.db" 'SELECT COUNT(*) FROM files')" 2
  check repeat_accesses_add_up "$(sqlite3 "$TMP/r.db" 'SELECT (SELECT SUM(accesses) FROM files) = (SELECT SUM(accesses) FROM day_family)')" 1
else
  skip repeat_files_rows "sqlite3 missing (also repeat_accesses_add_up)"
fi

# The stored hash is the documented one (docs/schema.md), computed here
# independently in Python from the pcap records: the frames of a capture
# large enough to cross many of the hasher's staging blocks, nanosecond and
# microsecond files.
"$KENCHI" gen --out "$TMP/g.pcap" --truth "$TMP/g.json" --seed 3 --scale 5 >/dev/null 2>&1
# A run's last file has its digest finished inside its commit (a.pcap here,
# and g.pcap alone in a second database): the same definition holds.
"$KENCHI" analyze --db "$TMP/h.db" --sensor 192.0.2.0/24 --sensor 2001:db8:0:1::/64 "$TMP/g.pcap" "$TMP/a.pcap" >/dev/null 2>&1
"$KENCHI" analyze --db "$TMP/h2.db" --sensor 192.0.2.0/24 --sensor 2001:db8:0:1::/64 "$TMP/g.pcap" >/dev/null 2>&1
for f in g a g-alone; do
  want=$(python3 - "$TMP/${f%-alone}.pcap" <<'PY'
import hashlib, struct, sys
d = open(sys.argv[1], 'rb').read()
magic = struct.unpack('<I', d[:4])[0]
e = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
magic = struct.unpack(e + 'I', d[:4])[0]
scale = 1000 if magic == 0xa1b2c3d4 else 1
lt = struct.unpack(e + 'I', d[20:24])[0] & 0xFFFF
h, off = hashlib.sha256(), 24
while off < len(d):
    sec, frac, cap, wire = struct.unpack(e + 'IIII', d[off:off + 16])
    h.update(struct.pack('<IQII', lt, sec * 10**9 + frac * scale, cap, wire))
    h.update(d[off + 16:off + 16 + cap])
    off += 16 + cap
print(h.hexdigest())
PY
)
  # (both sides empty, were gen or the Python to fail, is no match)
  [[ "$want" =~ ^[0-9a-f]{64}$ ]] || want="(no digest computed: '$want')"
  db=h.db
  [[ $f == *-alone ]] && db=h2.db
  got=$(sqlite3 "$TMP/$db" "SELECT hash FROM files WHERE name = '$TMP/${f%-alone}.pcap'")
  check "content_hash_matches_definition_$f" "$got" "$want"
done

# A file the mapped reader hands over to libpcap in the middle (record 10
# claims fewer bytes on the wire than were captured): the hasher walks the
# mapped records and the analysing thread stages the rest; the digest must
# equal the one of the same frames read by libpcap alone (from a gzip copy).
python3 - "$TMP/a.pcap" "$TMP/odd.pcap" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
off = 24
for i in range(10):
    off += 16 + struct.unpack('<I', d[off + 8:off + 12])[0]
cap = struct.unpack('<I', d[off + 8:off + 12])[0]
d[off + 12:off + 16] = struct.pack('<I', cap - 1)
open(sys.argv[2], 'wb').write(d)
PY
gzip -c "$TMP/odd.pcap" >"$TMP/odd.pcap.gz"
"$KENCHI" analyze --db "$TMP/odd.db" --sensor 192.0.2.0/24 "$TMP/odd.pcap" >/dev/null 2>&1
out=$("$KENCHI" analyze --db "$TMP/odd.db" --sensor 192.0.2.0/24 "$TMP/odd.pcap.gz" 2>&1)
[[ "$out" == *"skipped: same content"* ]] && ok content_hash_across_handover ||
  not_ok content_hash_across_handover "$out"
