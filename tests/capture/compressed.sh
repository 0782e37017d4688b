#!/usr/bin/env bash
# Compressed and standard input: gzip and zstd copies (made here with the
# gzip and zstd tools) of a capture give exactly the statistics of the plain
# file, by file name, through standard input, and under a misleading name
# (content decides, not the name). A cut-short .zst is one error line.
source "$(dirname "$0")/../lib.sh"
name=capture_compressed
for t in gzip zstd jq; do command -v $t >/dev/null || { skip "$name" "$t not installed"; exit 0; }; done

inputs=("$(dirname "$0")/../../fuzz/corpus/reader/le_us_eth.pcap"    # hand-made, always here
        "$(dirname "$0")/../../fuzz/corpus/reader/multi_iface.pcapng")
[[ -f "$KENCHI_DATA/pcap/linktypes/example.pcap" ]] && inputs+=("$KENCHI_DATA/pcap/linktypes/example.pcap")

# The statistics without the fields that name the input.
stats() { "$KENCHI" stats --json "$@" | jq -S '.files[0] | del(.file, .compression)'; }
comp() { "$KENCHI" stats --json "$@" | jq -r '.files[0].compression'; }

for src in "${inputs[@]}"; do
  b=$(basename "$src")
  cp "$src" "$TMP/$b"
  gzip -c "$src" >"$TMP/$b.gz"
  zstd -q -c "$src" >"$TMP/$b.zst"
  cp "$TMP/$b.zst" "$TMP/$b-really-zstd.pcap"
  cp "$TMP/$b.gz" "$TMP/$b-really-gzip.zst"
  cp "$src" "$TMP/$b-really-plain.gz"
  want=$(stats "$TMP/$b")
  packets=$(jq .packets <<<"$want")
  if [[ "$packets" -gt 0 ]]; then ok "$name plain $b ($packets packets)"; else not_ok "$name plain $b" "no packets"; fi
  for v in "$b.gz:gzip" "$b.zst:zstd" "$b-really-zstd.pcap:zstd" "$b-really-gzip.zst:gzip" "$b-really-plain.gz:none"; do
    f=${v%%:*} c=${v##*:}
    check "$name $f same stats" "$(stats "$TMP/$f")" "$want"
    check "$name $f compression" "$(comp "$TMP/$f")" "$c"
  done
  for f in "$b" "$b.gz" "$b.zst"; do
    check "$name stdin $f" "$(stats - <"$TMP/$f")" "$want"
    # also from a pipe, which cannot be rewound
    check "$name pipe $f" "$(cat "$TMP/$f" | stats -)" "$want"
  done
done

# A truncated zstd stream: one line naming the file and zstd, exit status 1.
b=$(basename "${inputs[-1]}")
size=$(stat -c %s "$TMP/$b.zst")
head -c $((size / 2)) "$TMP/$b.zst" >"$TMP/cut.zst"
"$KENCHI" stats "$TMP/cut.zst" >/dev/null 2>"$TMP/err"
rc=$?
if [[ $rc -eq 1 && $(wc -l <"$TMP/err") -eq 1 ]] && grep -q "^kenchi: $TMP/cut.zst: zstd" "$TMP/err"; then
  ok "$name truncated zstd"
else
  not_ok "$name truncated zstd" "status $rc, stderr: $(head -c 200 "$TMP/err")"
fi
