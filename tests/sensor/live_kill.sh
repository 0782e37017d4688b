#!/usr/bin/env bash
# kill -9 under live traffic. A generated capture is replayed with tcpreplay
# over a veth into a namespace where `kenchi sensor` (1 s intervals) and an
# independent tcpdump capture. The sensor is killed with SIGKILL at random
# moments and restarted, many times; at the end it gets SIGTERM. Oracle: the
# tcpdump capture cut to the [first, last] packet times of the intervals the
# sensor committed (its `files` rows), analysed offline by `kenchi analyze`:
# the figures must be equal (nothing lost inside a committed interval,
# nothing counted twice), and the kills must have cost something (else the
# test proved nothing). Then the interface is deleted and created again (a
# new ifindex: the old capture socket is dead): the sensor must reopen it
# with backoff and count what comes after.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/netns.inc"
HERE=$(cd "$(dirname "$0")" && pwd)
S=(--sensor 192.0.2.0/24 --sensor 2001:db8:0:1::/64)
if ! netns_setup; then
  skip sensor_live_kill "needs root, ip netns, tcpreplay and tcpdump"; exit 0
fi
"$KENCHI" gen --out "$TMP/g.pcap" --truth "$TMP/t.json" --seed 11 --scale 3 >/dev/null 2>&1

ip netns exec "$NS_SENS" tcpdump -i "$IF_SENS" -n -s 0 -U --time-stamp-precision=nano \
  -w "$TMP/oracle.pcap" 2>"$TMP/tcpdump.log" &
TD=$!
start_sensor() {
  ip netns exec "$NS_SENS" "$KENCHI" sensor --interface "$IF_SENS" --db "$TMP/s.db" "${S[@]}" \
    --interval 1 --name kill-test 2>>"$TMP/sensor.log" &
  SP=$!
}
start_sensor
sleep 1
ip netns exec "$NS_FEED" tcpreplay -q -i "$IF_FEED" --pps 2500 "$TMP/g.pcap" >"$TMP/replay.log" 2>&1 &
RP=$!
kills=0
while kill -0 "$RP" 2>/dev/null; do
  sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 1.0 + r / 32768 * 2.0 }')"
  kill -0 "$RP" 2>/dev/null || break
  kill -9 "$SP"; wait "$SP" 2>/dev/null
  kills=$((kills + 1))
  start_sensor
done
sleep 1.5
kill -TERM "$SP"; wait "$SP"; rc=$?
sleep 0.5
kill -INT "$TD"; wait "$TD" 2>/dev/null
check sensor_live_sigterm_exit "$rc" 0

sqlite3 "$TMP/s.db" 'SELECT first_ns, last_ns FROM files WHERE packets > 0' >"$TMP/windows"
committed=$(sqlite3 "$TMP/s.db" 'SELECT COALESCE(SUM(packets), 0) FROM files')
total=$(tcpdump -n -r "$TMP/oracle.pcap" 2>/dev/null | wc -l)
kept=$(python3 "$HERE/pcap_windows.py" "$TMP/oracle.pcap" "$TMP/kept.pcap" <"$TMP/windows")
check sensor_live_kill_packets_in_committed_intervals "$committed" "$kept"
if (( kills >= 5 && committed < total && committed > total / 10 )); then
  ok "sensor_live_kill_cost_something ($kills kills, $committed of $total packets committed)"
else
  not_ok sensor_live_kill_cost_something "$kills kills, $committed of $total packets committed"
fi
"$KENCHI" analyze --db "$TMP/o.db" "${S[@]}" "$TMP/kept.pcap" >/dev/null 2>&1
# the figures: days and periods (the ingest section differs by design:
# the sensor's has the live-capture counts)
figures() { "$KENCHI" report --db "$1" --format json | jq '{days, periods}'; }
# (and not equally empty: the offline figures count the kept packets' accesses)
if ! diff <(figures "$TMP/o.db") <(figures "$TMP/s.db") >"$TMP/diff"; then
  not_ok sensor_live_kill_equals_offline "$(head -6 "$TMP/diff" | tr '\n' ' ')"
elif offline=$(figures "$TMP/o.db" | jq '[.days[].accesses] | add // 0'); [[ ${offline:-0} -eq 0 ]]; then
  not_ok sensor_live_kill_equals_offline "no accesses in the figures of either"
else
  ok sensor_live_kill_equals_offline
fi
drops=$(sqlite3 "$TMP/s.db" 'SELECT COALESCE(SUM(kernel_dropped), -1) FROM files')
check sensor_live_kernel_drops_recorded "$drops" 0

# The interface goes away and comes back: reopened with backoff, counted.
start_sensor
sleep 1
ip -n "$NS_FEED" link del "$IF_FEED"
sleep 1.5
ip link add "$IF_FEED" netns "$NS_FEED" type veth peer name "$IF_SENS" netns "$NS_SENS"
ip -n "$NS_FEED" link set "$IF_FEED" up && ip -n "$NS_SENS" link set "$IF_SENS" up
sleep 4.5
before=$(sqlite3 "$TMP/s.db" 'SELECT COALESCE(SUM(packets), 0) FROM files')
"$KENCHI" gen --out "$TMP/small.pcap" --truth "$TMP/small.json" --seed 12 --scale 1 >/dev/null 2>&1
small=$(tcpdump -n -r "$TMP/small.pcap" 2>/dev/null | wc -l)
ip netns exec "$NS_FEED" tcpreplay -q -i "$IF_FEED" --pps 5000 "$TMP/small.pcap" >/dev/null 2>&1
sleep 1.5
kill -TERM "$SP"; wait "$SP"
after=$(sqlite3 "$TMP/s.db" 'SELECT COALESCE(SUM(packets), 0) FROM files')
if grep -q "capture ended" "$TMP/sensor.log" && grep -q "capturing again" "$TMP/sensor.log"; then
  check sensor_live_reopen_after_interface_recreated $((after - before)) "$small"
else
  not_ok sensor_live_reopen_after_interface_recreated "no reopen logged: $(tail -3 "$TMP/sensor.log" | tr '\n' ' ')"
fi
