#!/usr/bin/env bash
# Every file under $KENCHI_DATA/mail goes through the parser (under the
# sanitised build when `make test SANITIZE=...`): no crash, one JSON line per
# message, and the only messages refused are files that are not mail at all
# (licences, READMEs, JSON/CSV, SMTP transcripts, near-empty files).
. tests/lib.sh
dir="$KENCHI_DATA/mail"
if [[ ! -d "$dir" ]]; then skip parse_all_data "no $dir"; exit 0; fi
files=$(find "$dir" -type f | wc -l)
"$KENCHI" mail dump --brief "$dir" >"$TMP/out" 2>"$TMP/err"
rc=$?
if [[ $rc -gt 1 ]]; then
  not_ok parse_all_no_crash "exit status $rc: $(tail -n 3 "$TMP/err" | tr '\n' ' ')"
  exit 0
fi
ok parse_all_no_crash
lines=$(wc -l <"$TMP/out")
if [[ $lines -ge $files ]]; then ok parse_all_one_line_per_message
else not_ok parse_all_one_line_per_message "$lines lines for $files files"; fi
bad=$(python3 - "$TMP/out" 2>"$TMP/py.err" <<'PY'
import json, re, sys
bad = []
for line in open(sys.argv[1], encoding="utf-8"):
    o = json.loads(line)
    if "error" in o and "subject" not in o:
        if not re.search(r"(LICENSE|README\.md|\.json|\.csv|/size-[0-9]|sample_output|/bsmtp)", o["source"]):
            bad.append(o["source"] + ": " + o["error"])
print("; ".join(bad[:3]))
PY
)
py=$?  # a check that fails (a line not JSON, no "source") says nothing: not ok
if [[ $py -ne 0 ]]; then not_ok parse_all_only_non_mail_refused "the check failed: $(tail -n 1 "$TMP/py.err")"
elif [[ -z "$bad" ]]; then ok parse_all_only_non_mail_refused; else not_ok parse_all_only_non_mail_refused "$bad"; fi
