#!/usr/bin/env bash
# /metrics: a sensor on the loopback of a namespace created for the test
# (sensor prefix 127.0.0.0/8, 1 s intervals) serves Prometheus text on
# 127.0.0.1 there; the HTTP requests themselves are the captured traffic.
# After a few intervals the counters must be positive, the lag small, the
# database size that of the files on disk, and other paths answer 404.
source "$(dirname "$0")/../lib.sh"
NS="knm$$"
if [[ $(id -u) != 0 ]] || ! command -v curl >/dev/null || ! ip netns add "$NS" 2>/dev/null; then
  skip sensor_metrics "needs root, ip netns and curl"; exit 0
fi
trap 'for p in $(ip netns pids "$NS" 2>/dev/null); do kill -9 "$p"; done; ip netns del "$NS"; rm -rf "$TMP"' EXIT
ip -n "$NS" link set lo up
ip netns exec "$NS" "$KENCHI" sensor --interface lo --sensor 127.0.0.0/8 --db "$TMP/m.db" \
  --interval 1 --name m --metrics 127.0.0.1:9108 2>"$TMP/log" &
SP=$!
get() { ip netns exec "$NS" curl -s -o "$TMP/body" -w '%{http_code}' "http://127.0.0.1:9108$1"; }
for _ in 1 2 3 4 5 6; do sleep 0.5; get /metrics >/dev/null; done
sleep 1.2
code=$(get /metrics)
metric() { awk -v m="$1" '$1 == m { print $2 }' "$TMP/body"; }
check sensor_metrics_http_200 "$code" 200
pk=$(metric kenchi_sensor_packets_total); ac=$(metric kenchi_sensor_accesses_total)
iv=$(metric kenchi_sensor_intervals_committed_total); lag=$(metric kenchi_sensor_interval_lag_seconds)
dbb=$(metric kenchi_sensor_database_bytes)
if [[ "$pk" =~ ^[0-9]+$ && "$ac" =~ ^[0-9]+$ && "$iv" =~ ^[0-9]+$ ]] && (( pk > 0 && ac > 0 && ac <= pk && iv >= 2 )) &&
   awk -v l="$lag" 'BEGIN { exit !(l >= 0 && l < 2.5) }'; then
  ok "sensor_metrics_counters (packets $pk, accesses $ac, intervals $iv, lag $lag s)"
else
  not_ok sensor_metrics_counters "$(tr '\n' ' ' <"$TMP/body" | head -c 400)"
fi
size=$(( $(stat -c %s "$TMP/m.db") + $(stat -c %s "$TMP/m.db-wal" 2>/dev/null || echo 0) ))
# the file can grow between the request and the stat: within one commit
if [[ "$dbb" =~ ^[0-9]+$ ]] && (( dbb > 0 && dbb <= size )); then ok sensor_metrics_database_bytes
else not_ok sensor_metrics_database_bytes "reported $dbb, on disk $size"; fi
check sensor_metrics_other_path_404 "$(get /other)" 404
kill -TERM "$SP"; wait "$SP"
check sensor_metrics_sigterm_exit $? 0
