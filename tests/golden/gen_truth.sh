# Golden tests: kenchi's analysis of generated captures equals the
# generator's ground truth (TRUTH.json, counted by construction), for every
# contract field of every day. Several seeds, zones (UTC, Asia/Tokyo,
# America/New_York across the start of daylight saving time), sensor sets
# (IPv4 + IPv6, several prefixes, IPv4 only) and thresholds; and one capture
# split into hourly files analysed in separate runs. Periods (month, half,
# year, day) are checked against sums and means of the truth's days.
. tests/lib.sh
COMPARE="$(dirname "${BASH_SOURCE[0]}")/compare_truth.py"

if "$KENCHI" analyze --help 2>&1 | grep -q "unknown command"; then
  skip golden_truth "kenchi analyze is not a command yet"
  exit 0
fi
if ! command -v python3 >/dev/null; then
  skip golden_truth "python3 is needed to compare the JSON"
  exit 0
fi

# golden NAME "GEN OPTIONS" "ANALYZE OPTIONS": one capture, one run.
golden() {
  local name=$1 gen_opts=$2 an_opts=$3 d="$TMP/$1"
  mkdir -p "$d"
  # shellcheck disable=SC2086
  if ! "$KENCHI" gen --out "$d/g.pcap" --truth "$d/truth.json" $gen_opts 2>"$d/gen.err"; then
    not_ok "golden_$name" "gen failed: $(tail -1 "$d/gen.err")"; return
  fi
  # shellcheck disable=SC2086
  if ! "$KENCHI" analyze --db "$d/k.db" $an_opts "$d/g.pcap" >"$d/an.out" 2>"$d/an.err"; then
    not_ok "golden_$name" "analyze failed: $(tail -1 "$d/an.err")"; return
  fi
  # every period kind: the days are the same, the periods follow from them
  local period
  for period in month half year day; do
    if ! "$KENCHI" report --db "$d/k.db" --format json --period $period >"$d/report.json" 2>"$d/rep.err"; then
      not_ok "golden_$name" "report --period $period failed: $(tail -1 "$d/rep.err")"; return
    fi
    if ! out=$(python3 "$COMPARE" "$d/truth.json" "$d/report.json" $period 2>&1); then
      not_ok "golden_$name" "--period $period: $(echo "$out" | head -8 | tr '\n' '|')"; return
    fi
  done
  ok "golden_$name"
}

golden utc_3days "--seed 1 --days 3" \
  "--sensor 192.0.2.0/24 --sensor 2001:db8:0:1::/64"
golden tokyo_multi_prefix \
  "--seed 2 --days 2 --tz Asia/Tokyo --start 2020-12-31 --sensor 198.51.100.0/24 --sensor 203.0.113.0/25 --sensor 2001:db8:0:1::/64" \
  "--tz Asia/Tokyo --sensor 198.51.100.0/24 --sensor 203.0.113.0/25 --sensor 2001:db8:0:1::/64"
golden tokyo_v4_only_wide50 \
  "--seed 3 --days 2 --tz Asia/Tokyo --sensor 192.0.2.0/24 --wide-ports 50" \
  "--tz Asia/Tokyo --wide-ports 50 --sensor 192.0.2.0/24"
golden new_york_dst_start \
  "--seed 4 --days 3 --tz America/New_York --start 2020-03-07 --sensor 192.0.2.128/25 --sensor 2001:db8:0:1:2::/80" \
  "--tz America/New_York --sensor 192.0.2.128/25 --sensor 2001:db8:0:1:2::/80"

golden larger_wide1000 \
  "--seed 6 --days 2 --scale 4 --wide-ports 1000 --sensor 203.0.113.0/24 --sensor 198.51.100.0/25 --sensor 2001:db8:1::/48" \
  "--wide-ports 1000 --sensor 203.0.113.0/24 --sensor 198.51.100.0/25 --sensor 2001:db8:1::/48"

# The same capture gzip-compressed on standard input gives the same truth.
d="$TMP/gzip_stdin"
mkdir -p "$d"
if ! "$KENCHI" gen --out "$d/g.pcap" --truth "$d/truth.json" --seed 8 --tz Asia/Tokyo 2>"$d/gen.err"; then
  not_ok golden_gzip_stdin "gen failed: $(tail -1 "$d/gen.err")"
elif ! gzip -c "$d/g.pcap" | "$KENCHI" analyze --db "$d/k.db" --tz Asia/Tokyo --sensor 192.0.2.0/24 \
       --sensor 2001:db8:0:1::/64 - >"$d/an.out" 2>"$d/an.err"; then
  not_ok golden_gzip_stdin "analyze failed: $(tail -1 "$d/an.err")"
elif ! "$KENCHI" report --db "$d/k.db" --format json >"$d/report.json" 2>"$d/rep.err"; then
  not_ok golden_gzip_stdin "report failed: $(tail -1 "$d/rep.err")"
elif out=$(python3 "$COMPARE" "$d/truth.json" "$d/report.json" 2>&1); then
  ok golden_gzip_stdin
else
  not_ok golden_gzip_stdin "$(echo "$out" | head -8 | tr '\n' '|')"
fi

# Split: two Tokyo days as 48 hourly files, each analysed in its own run
# into one database, give the same truth as the whole.
d="$TMP/split"
mkdir -p "$d"
if ! "$KENCHI" gen --out "$d/g.pcap" --truth "$d/truth.json" --seed 5 --days 2 --tz Asia/Tokyo \
     --split-hours "$d/hours" 2>"$d/gen.err"; then
  not_ok golden_split_hours "gen failed: $(tail -1 "$d/gen.err")"
else
  runs=0 failed=""
  for f in "$d"/hours/*.pcap; do
    runs=$((runs + 1))
    if ! "$KENCHI" analyze --db "$d/k.db" --tz Asia/Tokyo --sensor 192.0.2.0/24 \
         --sensor 2001:db8:0:1::/64 "$f" >>"$d/an.out" 2>>"$d/an.err"; then
      failed="$f: $(tail -1 "$d/an.err")"; break
    fi
  done
  if [[ -n "$failed" ]]; then
    not_ok golden_split_hours "analyze failed on $failed"
  elif [[ $runs -ne 48 ]]; then
    not_ok golden_split_hours "expected 48 hourly files, got $runs"
  elif ! "$KENCHI" report --db "$d/k.db" --format json >"$d/report.json" 2>"$d/rep.err"; then
    not_ok golden_split_hours "report failed: $(tail -1 "$d/rep.err")"
  elif out=$(python3 "$COMPARE" "$d/truth.json" "$d/report.json" 2>&1); then
    ok golden_split_hours
  else
    not_ok golden_split_hours "$(echo "$out" | head -8 | tr '\n' '|')"
  fi
fi
