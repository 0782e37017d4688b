#!/usr/bin/env bash
# A sensor network end to end: three `kenchi sensor` processes, each in a
# network namespace of its own, fed over a veth by tcpreplay with its own
# generated capture, each pushing BY ITSELF (--central, push every second)
# to one real PostgreSQL. The centre is crashed (pg_ctl -m immediate) while
# a push is inside its transaction and restarted a few seconds later; the
# sensors keep counting into their local spools, log the outage once (not
# once per retry) and catch up. At the end (SIGTERM: commit, last push):
#   - network-wide, the centre's figures equal ONE offline `kenchi analyze`
#     of the three captures together (all prefixes in one database);
#   - per sensor, they equal the offline analysis of that sensor's capture;
# where "the captures" are independent tcpdump recordings in each sensor
# namespace, which must hold exactly the generated packets (so nothing was
# lost on the wire and the live timestamps are the only difference).
# Sensors 1 and 2 get the same generator seed (the same sources, at both
# sensors' prefixes), and a hand-built source probes 40 different ports at
# each sensor: 120 ports network-wide, a wide-port source only for the
# network, so the network-wide port-set union is exercised.
# The sensors reach PostgreSQL through its unix socket (the sensor
# namespaces have no route to anything). This test needs its own server
# (it crashes it), so it does not use KENCHI_PGURL.
# Needs root, ip netns, tcpreplay, tcpdump, PostgreSQL, python3, jq, curl.
source "$(dirname "$0")/../lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
pgsh="$here/../../scripts/pg.sh"
name=central_three_sensors
for c in ip tcpreplay tcpdump python3 jq psql curl; do
  command -v $c >/dev/null || { skip $name "$c missing"; exit 0; }
done
[[ $(id -u) == 0 ]] || { skip $name "needs root (network namespaces)"; exit 0; }

NS=() # every namespace created, for the cleanup
cleanup() {
  local ns p
  for ns in "${NS[@]}"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
  done
  for ns in "${NS[@]}"; do ip netns del "$ns" 2>/dev/null; done
  [[ -n ${PGDIR:-} ]] && "$pgsh" stop "$PGDIR"
  rm -rf "$TMP"
}
trap cleanup EXIT
if ! pgenv=$("$pgsh" start 2>"$TMP/pg.err"); then
  skip $name "PostgreSQL unavailable: $(tail -n 1 "$TMP/pg.err")"; exit 0
fi
eval "$pgenv"
PORT=$(cat "$PGDIR/port")
# The unix socket: reachable from every namespace (same file system).
URL="postgresql:///postgres?host=$PGDIR&port=$PORT&user=postgres"
q() { psql -qtA "$URL" -c "$1" 2>/dev/null; }

# sensor i: its prefixes, its generator seed. The prefixes avoid the
# generator's "outside" destinations (192.0.2.12, 198.51.100.11,
# 203.0.113.10, 2001:db8:0:2::10, ...): a packet to another sensor's prefix
# would never reach this one in a real network, and would be an access in
# the all-prefixes oracle.
P4=(- 192.0.2.128/26 192.0.2.192/26 198.51.100.128/25)
P6=(- 2001:db8:0:1::/64 2001:db8:0:3::/64 2001:db8:0:4::/64)
SEED=(- 21 21 22)
for i in 1 2 3; do
  F="k3f$i$$"; S="k3s$i$$"
  ip netns add "$F" 2>/dev/null || { skip $name "cannot create network namespaces"; exit 0; }
  NS+=("$F")
  ip netns add "$S" && NS+=("$S")
  ip link add "$F" netns "$F" type veth peer name "$S" netns "$S"
  ip -n "$F" link set "$F" up && ip -n "$S" link set "$S" up && ip -n "$S" link set lo up
  ip netns exec "$F" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
  ip netns exec "$S" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
  "$KENCHI" gen --out "$TMP/g$i.pcap" --truth "$TMP/g$i.json" --seed "${SEED[$i]}" \
    --sensor "${P4[$i]}" --sensor "${P6[$i]}" >/dev/null 2>&1
done
# Hand-built: 203.0.113.99 probes ports 1000+40(i-1) .. +39 at sensor i
# (120 distinct network-wide: wide; 40 at each sensor: not wide);
# 203.0.113.98 probes 1-40 at sensor 1 and 21-60 at sensor 2 (60 distinct,
# not the 80 a sum would give).
t=$(date +%s)
dst=(- 192.0.2.140 192.0.2.200 198.51.100.140)
for i in 1 2 3; do
  { for p in $(seq $((1000 + 40 * (i - 1))) $((1039 + 40 * (i - 1)))); do
      echo "$t 203.0.113.99 ${dst[$i]} tcp dport=$p"; done
    if (( i < 3 )); then
      for p in $(seq $((1 + 20 * (i - 1))) $((40 + 20 * (i - 1)))); do
        echo "$t 203.0.113.98 ${dst[$i]} tcp dport=$p"; done
    fi; } | python3 "$here/../analytics/mkpcap.py" "$TMP/h$i.pcap"
done
npk() { tcpdump -n -r "$1" 2>/dev/null | wc -l; }

SP=() TD=() RP=()
for i in 1 2 3; do
  S="k3s$i$$"
  ip netns exec "$S" tcpdump -i "$S" -n -s 0 -U --time-stamp-precision=nano \
    -w "$TMP/o$i.pcap" 2>"$TMP/tcpdump$i.log" &
  TD[$i]=$!
  ip netns exec "$S" "$KENCHI" sensor --interface "$S" --db "$TMP/s$i.db" \
    --sensor "${P4[$i]}" --sensor "${P6[$i]}" --name "sensor-$i" --interval 1 \
    --central "$URL" --push-interval 1 --metrics 127.0.0.1:9108 2>"$TMP/sensor$i.log" &
  SP[$i]=$!
done
for _ in $(seq 50); do # every sensor pushed once (its empty spool) and tcpdump listens
  n=$(cat "$TMP"/sensor?.log | grep -c "centre: pushed")
  l=$(cat "$TMP"/tcpdump?.log | grep -c "listening on")
  (( n == 3 && l == 3 )) && break
  sleep 0.2
done
for i in 1 2 3; do
  F="k3f$i$$"
  ( ip netns exec "$F" tcpreplay -q -i "$F" --pps 2000 "$TMP/g$i.pcap" &&
    ip netns exec "$F" tcpreplay -q -i "$F" --pps 2000 "$TMP/h$i.pcap" ) >"$TMP/replay$i.log" 2>&1 &
  RP[$i]=$!
done

# Crash the centre while a sensor's push is inside its transaction: a
# session of the test holds the files table, which a push fills last, so
# the next push waits there with its day rows already sent.
sleep 2
psql -qtA "$URL" -c "BEGIN; LOCK TABLE files IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(300)" \
  >/dev/null 2>&1 &
holder=$!
mid=no
for _ in $(seq 500); do
  n=$(q "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'
         AND query LIKE 'CREATE TEMP TABLE kenchi_push_files%'")
  [[ ${n:-0} -gt 0 ]] && { mid=yes; break; }
  sleep 0.02
done
"$pgsh" crash "$PGDIR"
wait $holder 2>/dev/null
check central_three_crash_during_push "$mid" yes
sleep 2.5
ip netns exec "k3s1$$" curl -s http://127.0.0.1:9108/metrics >"$TMP/metrics_down"
sleep 1.5
"$pgsh" restart "$PGDIR" || { not_ok central_three_restart "PostgreSQL did not restart"; exit 0; }
fails=$(awk '$1 == "kenchi_sensor_push_failures_total" { print $2 }' "$TMP/metrics_down")
lastpush=$(awk '$1 == "kenchi_sensor_last_push_timestamp_seconds" { print $2 }' "$TMP/metrics_down")
if [[ ${fails:-0} -ge 1 ]] && awk -v l="${lastpush:-0}" -v t="$t" 'BEGIN { exit !(l >= t) }'; then
  ok "central_three_metrics_while_down (push failures $fails)"
else
  not_ok central_three_metrics_while_down "failures '$fails', last push '$lastpush'"
fi

for i in 1 2 3; do wait "${RP[$i]}"; done
sleep 2.5 # the last intervals committed (1 s) and pushed (1 s)
for i in 1 2 3; do
  kill -TERM "${SP[$i]}"; wait "${SP[$i]}"; rc=$?
  check "central_three_sensor${i}_sigterm_exit" "$rc" 0
done
sleep 0.3
for i in 1 2 3; do kill -INT "${TD[$i]}"; wait "${TD[$i]}" 2>/dev/null; done

# One line per state change: one "push failed", one "reachable again",
# though each sensor failed several pushes while the centre was down.
for i in 1 2 3; do
  log=$TMP/sensor$i.log
  down=$(grep -c "centre: push failed" "$log"); up=$(grep -c "centre: reachable again" "$log")
  nfail=$(sed -n 's/.* \([0-9]*\) failed pushes$/\1/p' "$log")
  if [[ $down == 1 && $up == 1 ]] && (( ${nfail:-0} >= 2 )); then
    ok "central_three_sensor${i}_logs_state_changes_only ($nfail failed pushes, 2 lines)"
  else
    not_ok "central_three_sensor${i}_logs_state_changes_only" \
      "$down down / $up up lines, $nfail failed pushes: $(grep centre "$log" | head -3 | tr '\n' ' ')"
  fi
done

# The wire: each tcpdump saw exactly the generated packets, and the sensor
# counted as many, with no kernel drops.
for i in 1 2 3; do
  sent=$(( $(npk "$TMP/g$i.pcap") + $(npk "$TMP/h$i.pcap") ))
  check "central_three_sensor${i}_tcpdump_saw_all" "$(npk "$TMP/o$i.pcap")" "$sent"
  check "central_three_sensor${i}_counted_all" \
    "$(sqlite3 "$TMP/s$i.db" 'SELECT sum(packets), sum(kernel_dropped) FROM files')" "$sent|0"
done

# The oracle: offline analyses of the tcpdump captures.
"$KENCHI" analyze --db "$TMP/all.db" --sensor "${P4[1]}" --sensor "${P6[1]}" \
  --sensor "${P4[2]}" --sensor "${P6[2]}" --sensor "${P4[3]}" --sensor "${P6[3]}" \
  "$TMP/o1.pcap" "$TMP/o2.pcap" "$TMP/o3.pcap" >/dev/null 2>&1
for i in 1 2 3; do
  "$KENCHI" analyze --db "$TMP/a$i.db" --sensor "${P4[$i]}" --sensor "${P6[$i]}" \
    "$TMP/o$i.pcap" >/dev/null 2>&1
done
# days, periods and config; the ingest section differs by design (the
# sensors' has the live kernel counts, an offline analysis none)
figures() { jq -S '{days, periods, config}' "$1"; }
same() { # NAME GOT.json WANT.json (which must have days: two failures compare equal)
  if [[ $(jq '.days | length' "$3" 2>/dev/null) -lt 1 ]]; then
    not_ok "$1" "the offline report $3 has no days"
  elif diff <(figures "$2") <(figures "$3") >"$TMP/diff"; then
    ok "$1 ($(jq '.days | length' "$3") days, $(jq '[.days[].sources] | add' "$3") sources)"
  else
    [[ -n ${KEEP_DIFF:-} ]] && cp "$2" "$3" "$TMP"/*.db "$TMP"/o?.pcap "$KEEP_DIFF"
    not_ok "$1" "$(head -8 "$TMP/diff" | tr '\n' ' ')"
  fi
}
"$KENCHI" report --db "$TMP/all.db" --format json >"$TMP/oracle.json"
"$KENCHI" central-report --central "$URL" --format json >"$TMP/net.json"
same central_three_network_equals_one_offline_analysis "$TMP/net.json" "$TMP/oracle.json"
"$KENCHI" report --db "$URL" --format json >"$TMP/net_url.json"
same central_three_report_db_url_equals_offline "$TMP/net_url.json" "$TMP/oracle.json"
for i in 1 2 3; do
  "$KENCHI" report --db "$TMP/a$i.db" --format json >"$TMP/oa$i.json"
  "$KENCHI" central-report --central "$URL" --sensor "sensor-$i" --format json >"$TMP/c$i.json"
  same "central_three_sensor${i}_equals_its_offline_analysis" "$TMP/c$i.json" "$TMP/oa$i.json"
done
# The union mattered: the hand-built source is wide for the network only.
check central_three_union_source_per_sensor \
  "$(q "SELECT string_agg(nports::text, ',' ORDER BY sensor) FROM source_day WHERE addr = '203.0.113.99'")" \
  "40,40,40"
check central_three_union_source_offline \
  "$(sqlite3 "$TMP/all.db" "SELECT nports >= 100 FROM source_day WHERE addr = '203.0.113.99'")" 1
shared=$(sqlite3 "$TMP/a1.db" "ATTACH '$TMP/a2.db' AS b;
  SELECT count(*) FROM source_day s JOIN b.source_day t USING (day, addr)")
if (( shared > 10 )); then ok "central_three_shared_sources ($shared sources at sensors 1 and 2)"
else not_ok central_three_shared_sources "only $shared sources seen at both sensors 1 and 2"; fi
