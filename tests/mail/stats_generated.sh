#!/usr/bin/env bash
# Mail statistics against the generator's ground truth: generate a corpus
# (kenchi mail gen), register its organisations, ingest every
# organisation's folder, and require `kenchi mail report` for month, half
# and year to equal TRUTH.json exactly (the truth is computed by the
# generator from what it built, not by kenchi's analysis). Then re-ingest:
# nothing may change. Then the org spray unit: three organisations can never
# be ten places, so no mail may be spray-type.
. tests/lib.sh
command -v zip >/dev/null && command -v 7z >/dev/null || { skip stats_generated "zip or 7z missing"; exit 0; }
command -v jq >/dev/null || { skip stats_generated "jq missing"; exit 0; }

C="$TMP/corpus" DB="$TMP/mail.db" T="$TMP/truth.json"
if ! "$KENCHI" mail gen --out "$C" --truth "$T" --seed 2020 --count 400 2>"$TMP/gen.err"; then
  not_ok generate "$(head -3 "$TMP/gen.err")"; exit 0
fi
ok generate

while read -r name dom auth pub; do
  "$KENCHI" mail org --db "$DB" "$name" --domain "$dom" --authserv-id "$auth" --published "$pub" >/dev/null
done <"$C/orgs.txt"

ingest_all() {
  local stored=0 dups=0 failed=0 line
  while read -r name _; do
    line=$("$KENCHI" mail ingest --db "$DB" --org "$name" "$C/$name" 2>>"$TMP/ingest.err")
    # "<org>: N messages: S stored, D already reported, F failed"
    read -r s d f < <(echo "$line" | sed -E 's/.*: ([0-9]+) stored, ([0-9]+) already reported, ([0-9]+) failed/\1 \2 \3/')
    stored=$((stored + s)); dups=$((dups + d)); failed=$((failed + f))
  done <"$C/orgs.txt"
  echo "$stored $dups $failed"
}

read -r stored dups failed < <(ingest_all)
check ingest_stored_all_distinct_mails "$stored" "$(jq .mails "$T")"
check ingest_found_the_duplicates "$dups" "$(jq .duplicates "$T")"
check ingest_no_failures "$failed" 0

for p in month half year; do
  "$KENCHI" mail report --db "$DB" --period "$p" --format json >"$TMP/report.$p.json"
  got=$(jq -S ".periods" "$TMP/report.$p.json") want=$(jq -S ".$p.periods" "$T")
  if [[ "$got" == "$want" ]]; then ok "report_${p}_equals_truth"; else
    not_ok "report_${p}_equals_truth" "$(diff <(echo "$want") <(echo "$got") | head -8 | tr '\n' ' ')"
  fi
done
# The corpus spans two years and two half-years (else the periods test little).
check periods_per_year "$(jq '.periods | length' "$TMP/report.year.json")" 2
check periods_per_half "$(jq '.periods | length' "$TMP/report.half.json")" 2
check periods_per_month "$(jq '.periods | length' "$TMP/report.month.json")" 6
# Every verdict occurs in the corpus (else its equality above holds for 0 == 0).
zero=$(jq -r '. as $t | ["spray", "unpublished", "forged_strict", "forged_broad", "encrypted_archives"][]
              | select((([$t.year.periods[][.]] | add) // 0) == 0)' "$T" 2>&1 || echo "jq failed")
check truth_has_every_verdict "$zero" ""

before=$(sqlite3 "$DB" "SELECT COUNT(*) FROM mail_msg; SELECT COUNT(*) FROM mail_attach; SELECT COUNT(*) FROM mail_signal" | tr '\n' ' ')
read -r stored dups failed < <(ingest_all)
check reingest_stores_nothing "$stored" 0
check reingest_sees_all_as_reported "$dups" "$(($(jq .mails "$T") + $(jq .duplicates "$T")))"
after=$(sqlite3 "$DB" "SELECT COUNT(*) FROM mail_msg; SELECT COUNT(*) FROM mail_attach; SELECT COUNT(*) FROM mail_signal" | tr '\n' ' ')
check reingest_rows_unchanged "$after" "$before"
"$KENCHI" mail report --db "$DB" --period month --format json >"$TMP/again.json"
check reingest_report_unchanged "$(jq -S . "$TMP/again.json")" "$(jq -S . "$TMP/report.month.json")"

# Shares in the table: total and spray of the year 2020 from the JSON.
y=$(jq -r '.periods[0] | "\(.period) \(.total) \(.spray)"' "$TMP/report.year.json")
read -r per tot spr <<<"$y"
pct=$(awk -v a="$spr" -v b="$tot" 'BEGIN { printf "%.1f%%", 100 * a / b }')
if "$KENCHI" mail report --db "$DB" --period year --format table | grep -E "^$per " | grep -qF "$spr ($pct)"; then
  ok table_shows_shares
else
  not_ok table_shows_shares "no '$spr ($pct)' on the $per row"
fi
check csv_rows "$("$KENCHI" mail report --db "$DB" --period month --format csv | wc -l)" 7
# And what they hold: a header of the JSON's names, then per month the
# truth's figures, the types as name=count;... (docs/mail.md), compared as
# sets (sorted here on both sides).
cols='["period", "total", "spray", "unpublished", "forged_strict", "forged_broad", "encrypted_archives",
       "attachment_types", "archive_member_types"]'
want=$(jq -r "$cols"' as $c | ($c | join(",")),
  (.month.periods[] | [.[$c[]]] | map(if type == "object" then to_entries | map("\(.key)=\(.value)") | sort | join(";")
                                      else tostring end) | join(","))' "$T")
got=$("$KENCHI" mail report --db "$DB" --period month --format csv |
  jq -R -r 'split(",") | .[7:] |= map(split(";") | sort | join(";")) | join(",")')
if [[ -n "$want" && "$got" == "$want" ]]; then ok csv_equals_truth; else
  not_ok csv_equals_truth "$(diff <(echo "$want") <(echo "$got") | head -4 | tr '\n' ' ')"; fi

"$KENCHI" mail report --db "$DB" --period year --spray-unit org >"$TMP/org.json"
check spray_unit_org_three_orgs_never_spray "$(jq '[.periods[].spray] | add' "$TMP/org.json")" 0
"$KENCHI" mail report --db "$DB" --period year --spray-unit recipient >"$TMP/rcpt.json"
check spray_unit_back_to_recipient "$(jq -S .periods "$TMP/rcpt.json")" "$(jq -S .periods "$TMP/report.year.json")"
