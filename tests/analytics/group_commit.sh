#!/usr/bin/env bash
# Group commits: however the files of a run are grouped into transactions
# (the default groups, --files-per-commit 1 / 5, with --jobs 2), the stored
# figures, per-source records, port rows and file rows are those of one run
# over the whole capture; a copy of a file inside the same run is skipped
# and named after the first; the run's messages list every file in order.
source "$(dirname "$0")/../lib.sh"
S=(--sensor 192.0.2.0/24 --sensor 2001:db8:0:1::/64)
command -v sqlite3 >/dev/null || { skip group_commit "sqlite3 missing"; exit 0; }
mkdir -p "$TMP/h"
"$KENCHI" gen --out "$TMP/g.pcap" --truth "$TMP/g.json" --days 2 --tz Asia/Tokyo --seed 11 \
  --scale 2 --split-hours "$TMP/h" >/dev/null 2>&1 || { not_ok group_commit_gen "kenchi gen failed"; exit 0; }
hours=("$TMP"/h/*.pcap)
check group_commit_hour_files "$([[ ${#hours[@]} -ge 48 ]] && echo enough)" enough

"$KENCHI" analyze --db "$TMP/whole.db" "${S[@]}" --tz Asia/Tokyo "$TMP/g.pcap" >/dev/null
whole=$(figures_dump "$TMP/whole.db")
[[ $(wc -l <<<"$whole") -gt 1000 ]] && ok group_commit_whole_has_rows || not_ok group_commit_whole_has_rows "$(wc -l <<<"$whole") lines"

run_mode() { # NAME ARGS...
  local name=$1; shift
  "$KENCHI" analyze --db "$TMP/$name.db" "${S[@]}" --tz Asia/Tokyo "$@" "${hours[@]}" >"$TMP/$name.out" 2>"$TMP/$name.err" ||
    { not_ok "group_commit_$name" "exit $?: $(head -3 "$TMP/$name.err")"; return; }
  check "group_commit_${name}_equals_whole" "$([[ "$(figures_dump "$TMP/$name.db")" == "$whole" ]] && echo same)" same
  check "group_commit_${name}_file_rows" "$(sqlite3 "$TMP/$name.db" 'SELECT COUNT(*) FROM files')" "${#hours[@]}"
  # one "stored" line per file, in the order given
  check "group_commit_${name}_messages_in_order" \
    "$(grep '; stored$' "$TMP/$name.out" | cut -d: -f1 | tr '\n' ' ')" "$(printf '%s ' "${hours[@]}")"
}
run_mode default
run_mode each --files-per-commit 1
run_mode five --files-per-commit 5
run_mode jobs --jobs 2 --files-per-commit 7
# few file descriptors: the files waiting for their content hashes (each
# holds one) stay within a quarter of the limit, so that the next files and
# the database's own can be opened (analyze/group.h): 6 of each day's 24
# files, 12 of the 48
(ulimit -n 24 && run_mode few_fds --timing)
check group_commit_few_fds_waiting "$(sed -n 's/^timing: store.*(\([0-9]*\) content hashes taken beside.*/\1/p' "$TMP/few_fds.err")" 12

# A copy of an hour given again in the same run (inside one group) is
# skipped, named after the first, and changes nothing.
cp "${hours[3]}" "$TMP/copy.pcap"
"$KENCHI" analyze --db "$TMP/dup.db" "${S[@]}" --tz Asia/Tokyo "${hours[@]}" "$TMP/copy.pcap" >"$TMP/dup.out" 2>&1
check group_commit_copy_skipped "$(grep -c "copy.pcap: .*skipped: same content as already analysed '${hours[3]}'" "$TMP/dup.out")" 1
check group_commit_copy_changes_nothing "$([[ "$(figures_dump "$TMP/dup.db")" == "$whole" ]] && echo same)" same

check group_commit_bad_option "$("$KENCHI" analyze --db "$TMP/x.db" "${S[@]}" --files-per-commit 0 "${hours[0]}" >/dev/null 2>&1; echo $?)" 2
