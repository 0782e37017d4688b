#!/usr/bin/env bash
# Every file under $KENCHI_DATA/pcap through `kenchi stats --json` in one
# process (also under ASan/UBSan when the suite runs sanitised): no crash,
# no hang (timeout), bounded memory (peak RSS), and each file either read to
# its end or rejected with exactly one line `kenchi: FILE: reason`. The
# deliberately invalid files of libpcap's tests must each give a clear
# error, and the records claiming gigabyte lengths must be rejected fast and
# without gigabyte allocations.
source "$(dirname "$0")/../lib.sh"
name=corpus_read_all
dir="$KENCHI_DATA/pcap"
if [[ ! -d "$dir" ]]; then skip "$name" "no $dir"; exit 0; fi
command -v jq >/dev/null || { skip "$name" "jq not installed"; exit 0; }
[[ -x /usr/bin/time ]] || { skip "$name" "/usr/bin/time not installed"; exit 0; }

mapfile -t files < <(find "$dir" -type f | sort)
# 256 MiB: kenchi holds one record (libpcap caps them at 256 KiB, the
# pcapng reader at 16 MiB) plus fixed buffers; ASan's shadow adds tens of MiB.
MAX_RSS_KB=$((256 * 1024))
/usr/bin/time -f '%M %e' -o "$TMP/time" timeout 300 "$KENCHI" stats --json "${files[@]}" \
  >"$TMP/out.json" 2>"$TMP/err"
rc=$?
read -r rss secs < <(tail -n 1 "$TMP/time") || true  # after any "Command exited" line
case $rc in
  0|1) ok "${name}_exit" ;;
  124) not_ok "${name}_exit" "timed out after 300 s" ;;
  *) not_ok "${name}_exit" "exit status $rc (crash?); stderr: $(grep -v '^kenchi: ' "$TMP/err" | head -c 300)" ;;
esac
if [[ "${rss:-}" =~ ^[0-9]+$ && $rss -lt $MAX_RSS_KB ]]; then
  ok "${name}_memory (peak RSS ${rss} KiB, ${secs} s for ${#files[@]} files)"
else
  not_ok "${name}_memory" "peak RSS ${rss:-?} KiB, limit $MAX_RSS_KB"
fi

nfiles=$(jq '.files | length' "$TMP/out.json" 2>/dev/null)
check "${name}_every_file_reported" "$nfiles" "${#files[@]}"

# One stderr line per failed file, each `kenchi: FILE: reason`, nothing else.
jq -r '.files[] | select(.error != null) | "kenchi: \(.file): \(.error)"' "$TMP/out.json" | sort >"$TMP/want_err"
sort "$TMP/err" >"$TMP/got_err"
if cmp -s "$TMP/want_err" "$TMP/got_err"; then
  ok "${name}_one_line_per_failed_file ($(wc -l <"$TMP/got_err") files)"
else
  not_ok "${name}_one_line_per_failed_file" "$(diff "$TMP/want_err" "$TMP/got_err" | head -c 400)"
fi
bad=$(jq -r '.files[] | select(.error != null and ((.error | length) < 8)) | .file' "$TMP/out.json")
if [[ -z "$bad" ]]; then ok "${name}_reasons_say_something"; else not_ok "${name}_reasons_say_something" "$bad"; fi

# libpcap's deliberately invalid files: rejected at open, with the reason.
declare -A want=(
  [linktype-reserved-field-not-zero.pcap]='reserved bits of the link-type field'
  [pcap-invalid-version-1.pcap]='archaic pcap savefile format'
  [pcap-invalid-version-2.pcap]='unsupported pcap savefile version 2.5'
  [pcapng-invalid-vers-1.pcapng]='unsupported pcapng version 0.1'
  [pcapng-invalid-vers-2.pcapng]='unsupported pcapng version 1.1'
  [shb-option-too-long.pcapng]="header and trailer don't match"
)
for f in "${!want[@]}"; do
  got=$(jq -r --arg f "$dir/libpcap-tests/$f" '.files[] | select(.file == $f) | "\(.packets) \(.error)"' "$TMP/out.json")
  if [[ "$got" == "null "*"${want[$f]}"* ]]; then ok "${name}_invalid_$f"; else not_ok "${name}_invalid_$f" "got '$got'"; fi
done

# Gigabyte record lengths: rejected quickly, small, after the good records.
for f in "$dir"/robustness/*.pcap; do
  /usr/bin/time -f '%M %e' -o "$TMP/t1" timeout 20 "$KENCHI" stats --json "$f" >"$TMP/r.json" 2>/dev/null
  read -r rss1 secs1 < <(tail -n 1 "$TMP/t1")
  err=$(jq -r '.files[0].error' "$TMP/r.json")
  if [[ "$err" == *"invalid packet capture length"* && "$rss1" =~ ^[0-9]+$ && $rss1 -lt 102400 && ${secs1%.*} -lt 10 ]]; then
    ok "${name}_huge_record $(basename "$f") ($rss1 KiB, $secs1 s)"
  else
    not_ok "${name}_huge_record $(basename "$f")" "error '$err', $rss1 KiB, $secs1 s"
  fi
done
