#!/usr/bin/env bash
# `kenchi analyze --timing`: five lines on standard error, in the order of
# the phases; the packets and bytes it read are the capture's (counted by
# tcpdump and stat), the rows it says it stored are the database's (counted
# by sqlite3), one commit per group, and the phases fit in the total.
# Without the option nothing of it is printed.
source "$(dirname "$0")/../lib.sh"
S=(--sensor 192.0.2.0/24 --sensor 2001:db8:0:1::/64)
for t in sqlite3 tcpdump; do
  command -v $t >/dev/null || { skip timing "$t missing"; exit 0; }
done
mkdir -p "$TMP/h"
"$KENCHI" gen --out "$TMP/g.pcap" --truth "$TMP/g.json" --scale 1 --split-hours "$TMP/h" >/dev/null 2>&1 ||
  { not_ok timing_gen "kenchi gen failed"; exit 0; }

"$KENCHI" analyze --timing --db "$TMP/a.db" "${S[@]}" "$TMP/g.pcap" >"$TMP/a.out" 2>"$TMP/a.err" ||
  { not_ok timing_run "exit $?: $(head -3 "$TMP/a.err")"; exit 0; }
check timing_phases_in_order "$(awk '$1 == "timing:" {printf "%s ", $2}' "$TMP/a.err")" "open read store close total "
field() { # PHASE N: the Nth word after "timing: PHASE", thousands separators removed
  awk -v p="$1" -v n="$2" '$1 == "timing:" && $2 == p {print $(n + 2)}' "$TMP/a.err" | tr -d ,
}
check timing_packets_are_tcpdumps "$(field read 3)" "$(tcpdump -n -r "$TMP/g.pcap" 2>/dev/null | wc -l)"
mib=$(awk -v b="$(stat -c %s "$TMP/g.pcap")" 'BEGIN {printf "%.1f", b / 1048576}')
check timing_bytes_are_the_files "$(field read 7)" "$mib"
check timing_one_commit "$(field store 3)" 1
check timing_source_days "$(field store 5)" "$(sqlite3 "$TMP/a.db" 'SELECT COUNT(*) FROM source_day')"
check timing_port_rows "$(field store 7)" "$(sqlite3 "$TMP/a.db" 'SELECT COUNT(*) FROM day_port')"
# wall seconds: every phase >= 0, and together no more than the total,
# within the rounding of the five printed figures (0.0005 s each: four
# phases of a few ms each, each rounded up, did exceed a total rounded down)
check timing_phases_fit_total "$(awk '$1 == "timing:" && $2 != "total" {s += $3; if ($3 < 0) bad = 1}
  $1 == "timing:" && $2 == "total" {t = $3} END {print (bad || s > t + 0.0025) ? "no" : "yes"}' "$TMP/a.err")" yes
check timing_cpu_said "$(awk '$1 == "timing:" && $2 == "total" && $4 == "s" && $5 == "wall" && $7 == "s" && $8 == "CPU" {print "yes"}' "$TMP/a.err")" yes

# hourly files, one per transaction: as many commits as files
hours=("$TMP"/h/*.pcap)
"$KENCHI" analyze --timing --files-per-commit 1 --db "$TMP/h.db" "${S[@]}" "${hours[@]}" >/dev/null 2>"$TMP/a.err"
check timing_commits_per_file "$(field store 3)" "${#hours[@]}"
check timing_hourly_packets "$(field read 3)" "$(for h in "${hours[@]}"; do tcpdump -n -r "$h" 2>/dev/null; done | wc -l)"
# ... and in the default groups (a day's files each): every plain pcap's
# content hash is taken beside the writes of its group's commit, none while
# it was read (analyze/group.h)
walks() { sed -n 's/^timing: store.*(\([0-9]*\) content hash\(es\)\{0,1\} taken beside the writes).*/\1/p' "$TMP/a.err"; }
"$KENCHI" analyze --timing --db "$TMP/h2.db" "${S[@]}" "${hours[@]}" >/dev/null 2>"$TMP/a.err"
check timing_hashes_beside_the_writes "$(walks)" "${#hours[@]}"
check timing_hourly_stored "$(sqlite3 "$TMP/h2.db" 'SELECT COUNT(*) FROM files')" "${#hours[@]}"
# one file alone is hashed while it is read (its hasher giving way): none
# beside (in a run that did print its store line), and its digest is the
# one the walk beside the writes took of the same file in h2.db
"$KENCHI" analyze --timing --db "$TMP/h3.db" "${S[@]}" "${hours[0]}" >/dev/null 2>"$TMP/a.err"
walked=$(sqlite3 "$TMP/h2.db" "SELECT hash FROM files WHERE name = '${hours[0]}'")
[[ "$walked" =~ ^[0-9a-f]{64}$ ]] || walked="(no digest of ${hours[0]} in h2.db: '$walked')"
check timing_single_file_hashed_while_read \
  "$(grep -c '^timing: store' "$TMP/a.err")|$(walks)|$(sqlite3 "$TMP/h3.db" 'SELECT hash FROM files')" "1||$walked"

"$KENCHI" analyze --db "$TMP/b.db" "${S[@]}" "$TMP/g.pcap" >/dev/null 2>"$TMP/b.err"
check timing_silent_without_option "$?:$(grep -c '^timing:' "$TMP/b.err")" 0:0
