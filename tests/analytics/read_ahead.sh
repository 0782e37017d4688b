#!/usr/bin/env bash
# `kenchi analyze` of daily files with one job reads the next day's file
# while it stores the day before (--timing says how many files it read so),
# and stores exactly what analysing the files one run at a time stores:
# the same rows, source counts equal to the generator's truth, and a
# repeated file still skipped. A file that cannot be read, met as the one
# to read ahead, fails alone, reported in its turn.
source "$(dirname "$0")/../lib.sh"
command -v sqlite3 >/dev/null || { skip read_ahead "sqlite3 missing"; exit 0; }
S=(--sensor 192.0.2.0/24 --sensor 2001:db8:0:1::/64)
for d in 1 2 3 4; do
  "$KENCHI" gen --out "$TMP/d$d.pcap" --truth "$TMP/d$d.json" --seed $d --start 2020-06-0$d \
    --scale 3 >/dev/null 2>&1 || { not_ok read_ahead_gen "kenchi gen failed"; exit 0; }
done
cp "$TMP/d2.pcap" "$TMP/d2-copy.pcap"
printf 'not a capture' >"$TMP/bad.pcap"
FILES=("$TMP/d1.pcap" "$TMP/d2.pcap" "$TMP/bad.pcap" "$TMP/d3.pcap" "$TMP/d2-copy.pcap" "$TMP/d4.pcap")

"$KENCHI" analyze --timing --db "$TMP/one.db" "${S[@]}" "${FILES[@]}" >"$TMP/one.out" 2>"$TMP/one.err"
check read_ahead_exit_status "$?" 1
beside=$(sed -n 's/^timing: store.*(\([0-9]*\) files\{0,1\} read meanwhile).*/\1/p' "$TMP/one.err")
# each day's commit comes before the next day's file joins; bad.pcap and
# the copy are read ahead like any other file
[[ ${beside:-0} -ge 3 ]] && ok read_ahead_files_read_beside_commits ||
  not_ok read_ahead_files_read_beside_commits "'${beside:-none}': $(grep '^timing: store' "$TMP/one.err")"
check read_ahead_bad_file_fails_alone "$(grep -c 'kenchi analyze: .*bad.pcap' "$TMP/one.err")" 1
check read_ahead_copy_skipped "$(grep -c "d2-copy.pcap.*skipped: same content as already analysed '$TMP/d2.pcap'" "$TMP/one.out")" 1
check read_ahead_messages_in_file_order "$(grep -o "$TMP/[a-z0-9-]*\.pcap: [0-9,]* packets" "$TMP/one.out" | cut -d: -f1 | tr '\n' ' ')" \
  "$TMP/d1.pcap $TMP/d2.pcap $TMP/d3.pcap $TMP/d2-copy.pcap $TMP/d4.pcap "

for f in "${FILES[@]}"; do
  "$KENCHI" analyze --db "$TMP/each.db" "${S[@]}" "$f" >/dev/null 2>&1
done
rows() {
  sqlite3 "$1" 'SELECT day, addr, family, first_ns, last_ns, packets, nports, hex(ports), tags
                FROM source_day ORDER BY day, addr;
                SELECT * FROM day_port ORDER BY day, family, proto, port;
                SELECT * FROM day_family ORDER BY day, family;
                SELECT * FROM day_tag_port ORDER BY day, tag, proto, port' | md5sum
}
check read_ahead_rows_equal_one_run_a_file "$(rows "$TMP/one.db")" "$(rows "$TMP/each.db")"
want=$(cat "$TMP"/d[1-4].json | python3 -c 'import json,sys
dec = json.JSONDecoder(); s = sys.stdin.read(); i = n = 0
while i < len(s):
    while i < len(s) and s[i].isspace(): i += 1
    if i == len(s): break
    o, i = dec.raw_decode(s, i); n += sum(d["sources"] for d in o["days"])
print(n)')
check read_ahead_sources_match_truth "$(sqlite3 "$TMP/one.db" 'SELECT COUNT(*) FROM source_day')" "$want"
