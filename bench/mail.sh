#!/usr/bin/env bash
# Mail ingest throughput on a generated corpus of about 5,000 targeted
# mails (kenchi mail gen --seed 5 --count 5000; cached in $BUILD/bench-mail
# since generating calls zip/7z thousands of times). Prints mails/s per core
# (CPU seconds of the process) for parsing, judging+storing and the whole
# ingest (bench/mail_bench.c), then for the real `kenchi mail ingest`
# command, files read from disk. Target: >= 2,000 mails/s per core.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${KENCHI:?}" "${BUILD:?}"
dir="$BUILD/bench-mail"
corpus="$dir/corpus-s5-c5000"
if [[ ! -f "$corpus/orgs.txt" || ! -f "$dir/truth.json" ]]; then
  rm -rf "$corpus" && mkdir -p "$dir"
  echo "mail bench: generating the corpus once (a few minutes: zip and 7z run per archive)"
  "$KENCHI" mail gen --out "$corpus" --truth "$dir/truth.json" --seed 5 --count 5000
fi
"$BUILD/bench/mail_bench" "$corpus" "$dir/bench.db"

db="$dir/cmd.db"
rm -f "$db" "$db-wal" "$db-shm"
while read -r name dom auth pub; do
  "$KENCHI" mail org --db "$db" "$name" --domain "$dom" --authserv-id "$auth" --published "$pub" >/dev/null
done <"$corpus/orgs.txt"
cpu=0 n=0
while read -r name _; do
  out=$( { /usr/bin/time -f "%U %S" "$KENCHI" mail ingest --db "$db" --org "$name" "$corpus/$name"; } 2>&1 )
  read -r u s <<<"$(echo "$out" | tail -1)"
  m=$(echo "$out" | sed -nE 's/.*: ([0-9]+) messages:.*/\1/p')
  cpu=$(awk -v a="$cpu" -v u="$u" -v s="$s" 'BEGIN { print a + u + s }'); n=$((n + m))
done <"$corpus/orgs.txt"
awk -v n="$n" -v c="$cpu" 'BEGIN { printf "kenchi mail ingest (files from disk): %d messages, %.2f s CPU, %.0f mails/s per core\n", n, c, n / c }'
