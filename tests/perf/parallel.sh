#!/usr/bin/env bash
# `kenchi analyze --jobs N` reads files on N threads but must store exactly
# what one job stores: same messages, same report, same rows. The input
# mixes hourly files of a two-day capture (sources cross midnight and
# files), a zstd copy of one hour (same content: must be skipped, whichever
# thread read it), and an unreadable file (must fail without losing the
# others). The one-job run is checked against the generator's truth, so
# "equal" cannot mean "equally wrong".
source "$(dirname "$0")/../lib.sh"
set -u
S=(--sensor 192.0.2.0/24 --sensor 2001:db8:0:1::/64)
"$KENCHI" gen --out "$TMP/all.pcap" --truth "$TMP/truth.json" --days 2 --scale 2 \
  --split-hours "$TMP/h" >/dev/null 2>&1
zstd -q "$TMP/h/05.pcap" -o "$TMP/h/05-copy.pcap.zst"
printf 'not a capture' >"$TMP/h/bad.pcap"
FILES=("$TMP"/h/*.pcap "$TMP/h/05-copy.pcap.zst")
for j in 1 2 3 8; do
  "$KENCHI" analyze --jobs $j --db "$TMP/j$j.db" "${S[@]}" "${FILES[@]}" >"$TMP/out$j" 2>"$TMP/err$j"
  echo $? >"$TMP/rc$j"
  "$KENCHI" report --db "$TMP/j$j.db" --format json >"$TMP/rep$j.json"
  sqlite3 "$TMP/j$j.db" 'SELECT day, addr, family, first_ns, last_ns, packets, nports, hex(ports), tags
                         FROM source_day ORDER BY day, addr' >"$TMP/src$j" 2>&1
done
check parallel_one_job_fails_only_the_bad_file "$(cat "$TMP/rc1"):$(grep -c 'bad.pcap' "$TMP/err1")" "1:1"
check parallel_one_job_skips_the_zstd_copy "$(grep -c '05-copy.pcap.zst.*skipped' "$TMP/out1")" 1
truth_sources=$(python3 -c 'import json,sys; print(sum(d["sources"] for d in json.load(open(sys.argv[1]))["days"]))' "$TMP/truth.json")
check parallel_one_job_matches_truth_sources "$(python3 -c 'import json,sys; print(sum(d["sources"] for d in json.load(open(sys.argv[1]))["days"]))' "$TMP/rep1.json")" "$truth_sources"
for j in 2 3 8; do
  check parallel_jobs${j}_exit_status "$(cat "$TMP/rc$j")" "$(cat "$TMP/rc1")"
  if cmp -s "$TMP/out1" "$TMP/out$j" && cmp -s "$TMP/err1" "$TMP/err$j"; then ok parallel_jobs${j}_same_messages
  else not_ok parallel_jobs${j}_same_messages "$(diff "$TMP/out1" "$TMP/out$j" | head -3)"; fi
  if cmp -s "$TMP/rep1.json" "$TMP/rep$j.json"; then ok parallel_jobs${j}_same_report_json
  else not_ok parallel_jobs${j}_same_report_json "$(diff "$TMP/rep1.json" "$TMP/rep$j.json" | head -3)"; fi
  if [[ -s $TMP/src1 ]] && cmp -s "$TMP/src1" "$TMP/src$j"; then ok parallel_jobs${j}_same_source_rows
  else not_ok parallel_jobs${j}_same_source_rows "$(diff "$TMP/src1" "$TMP/src$j" | head -3)"; fi
done
