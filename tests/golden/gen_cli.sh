# kenchi gen's command line: usage errors exit 2 with a message naming the
# problem, I/O errors exit 1, --help exits 0; no capture is half-made silently.
. tests/lib.sh

# expect NAME STATUS PATTERN ARGS...: exit status and a stderr line matching PATTERN.
expect() {
  local name=$1 want=$2 pattern=$3; shift 3
  "$KENCHI" gen "$@" >"$TMP/out" 2>"$TMP/err"
  local rc=$?
  if [[ $rc -ne $want ]]; then
    not_ok "gen_cli_$name" "exit $rc, expected $want ($(head -1 "$TMP/err"))"
  elif ! grep -q -- "$pattern" "$TMP/err" "$TMP/out"; then
    not_ok "gen_cli_$name" "no '$pattern' in: $(head -1 "$TMP/err")"
  else
    ok "gen_cli_$name"
  fi
}

O=(--out "$TMP/g.pcap" --truth "$TMP/t.json")
expect help 0 "--split-hours DIR" --help
expect missing_out 2 "--out and --truth are required" --truth "$TMP/t.json"
expect bad_tz 2 "Mars/Olympus" "${O[@]}" --tz Mars/Olympus
expect overlap 2 "overlaps" "${O[@]}" --sensor 192.0.2.0/24 --sensor 192.0.2.128/25
expect host_bits 2 "host bits set" "${O[@]}" --sensor 192.0.2.1/24
expect short_prefix 2 "length must be" "${O[@]}" --sensor 10.0.0.0/4
expect bad_date 2 "does not exist" "${O[@]}" --start 2021-02-29
expect zero_days 2 "at least 1" "${O[@]}" --days 0
expect zero_scale 2 "at least 1" "${O[@]}" --scale 0
expect bad_seed 2 "expected a number" "${O[@]}" --seed 12x
expect wide_too_small 2 "2..30000" "${O[@]}" --wide-ports 1
expect unwritable 1 "No such file or directory" --out "$TMP/none/g.pcap" --truth "$TMP/t.json"
expect stray_arg 2 "unexpected argument" "${O[@]}" extra.pcap
expect ok 0 "packets" "${O[@]}" --sensor 198.51.100.7/32
