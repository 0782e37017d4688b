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
fi
if command -v editcap >/dev/null; then
  editcap -F pcapng "$TMP/a.pcap" "$TMP/a.pcapng" 2>/dev/null
  out=$("$KENCHI" analyze "${A[@]}" "$TMP/a.pcapng" 2>&1)
  [[ "$out" == *"skipped"* ]] && ok repeat_pcapng_copy_skipped || not_ok repeat_pcapng_copy_skipped "$out"
fi
check repeat_figures_unchanged "$(figures)" "$before"

# A different capture is counted, and the accesses add up.
"$KENCHI" analyze "${A[@]}" "$TMP/b.pcap" >"$TMP/out" 2>&1
[[ "$(cat "$TMP/out")" == *"; stored"* ]] && ok repeat_other_file_stored || not_ok repeat_other_file_stored "$(cat "$TMP/out")"
if command -v sqlite3 >/dev/null; then
  check repeat_files_rows "$(sqlite3 "$TMP/r.db" 'SELECT COUNT(*) FROM files')" 2
  check repeat_accesses_add_up "$(sqlite3 "$TMP/r.db" 'SELECT (SELECT SUM(accesses) FROM files) = (SELECT SUM(accesses) FROM day_family)')" 1
fi
